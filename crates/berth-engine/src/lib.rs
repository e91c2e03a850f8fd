//! Berth's engine layer: runs a loaded project on a Docker Engine as Docker Compose does.
//!
//! Split as DESIGN.md says: [`spec`] reads what the project asks for and [`plan`] turns it, with
//! the containers the engine already has, into a plan (both pure); [`exec`] applies a plan
//! through the Engine API ([`client`]). Containers, networks and volumes carry Docker Compose's
//! labels ([`labels`]) and config hash, so each tool adopts the other's resources.

pub mod bake;
pub mod build;
pub mod buildkit;
pub mod client;
pub mod exec;
pub mod hooks;
pub mod labels;
pub mod logs;
pub mod observed;
pub mod oneoff;
pub mod ops;
pub mod plan;
pub mod provider;
pub mod registry;
pub mod session;
pub mod spec;
pub mod stats;
mod tar;
pub mod transfer;
pub mod watch;

pub use client::Engine;

/// Errors of the engine layer.
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    /// No engine answered at the configured socket.
    #[error(
        "cannot connect to the Docker Engine at {host}: {reason}\nIs the docker daemon running?"
    )]
    Unreachable { host: String, reason: String },
    #[error("{}", daemon_message(.0))]
    Api(#[from] bollard::errors::Error),
    /// `--dry-run` of what needs a real process to talk to (`run`, `exec`, `attach`, attached
    /// `up`), worded as Docker Compose words it.
    #[error("interactive {0} is not supported in dry-run mode")]
    DryRunInteractive(&'static str),
    #[error("{0}")]
    Other(String),
}

impl EngineError {
    /// The message alone: the engine's own words without the `Error response from daemon: `
    /// the Docker CLI puts before them.
    #[must_use]
    pub fn bare(&self) -> String {
        match self {
            EngineError::Api(bollard::errors::Error::DockerResponseServerError {
                message, ..
            }) => message.clone(),
            other => other.to_string(),
        }
    }
}

/// An engine error as the Docker CLI words it: `Error response from daemon: MESSAGE`.
#[must_use]
pub fn daemon_message(e: &bollard::errors::Error) -> String {
    match e {
        bollard::errors::Error::DockerResponseServerError { message, .. } => {
            format!("Error response from daemon: {message}")
        }
        other => other.to_string(),
    }
}
