//! Berth's engine layer: runs a loaded project on a Docker Engine as Docker Compose does.
//!
//! Split as DESIGN.md says: [`spec`] reads what the project asks for and [`plan`] turns it, with
//! the containers the engine already has, into a plan (both pure); [`exec`] applies a plan
//! through the Engine API ([`client`]). Containers, networks and volumes carry Docker Compose's
//! labels ([`labels`]) and config hash, so each tool adopts the other's resources.

pub mod attached;
pub mod backup;
pub mod bake;
pub mod build;
pub mod buildkit;
pub mod client;
pub mod configs;
pub mod executor;
pub mod filesync;
pub mod hooks;
pub mod labels;
pub mod logs;
pub mod migrate;
pub mod observed;
pub mod oneoff;
pub mod ops;
pub mod plan;
pub mod progress;
pub mod provider;
pub mod raw;
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
    /// A container that did not meet the condition it was waited for: a dependency of a
    /// service (`needed_by`), or a service of `up --wait`.
    #[error("{}", unmet_message(.container, .service, .needed_by.as_deref(), .why))]
    Unmet {
        container: String,
        service: String,
        needed_by: Option<String>,
        why: Unmet,
    },
    #[error("{0}")]
    Other(String),
}

/// Why a container did not meet the condition it was waited for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Unmet {
    /// It exited, with this code, before it was healthy.
    Exited(i64),
    Unhealthy,
    NoHealthcheck,
    /// `service_completed_successfully`: it exited with this code, not 0.
    Failed(i64),
}

impl Unmet {
    /// What happened to `container`, in Docker Compose's words (`container p-db-1 is
    /// unhealthy`).
    #[must_use]
    pub fn reason(self, container: &str, service: &str) -> String {
        match self {
            Unmet::Exited(code) => format!("container {container} exited ({code})"),
            Unmet::Unhealthy => format!("container {container} is unhealthy"),
            Unmet::NoHealthcheck => {
                format!("container {container} has no healthcheck configured")
            }
            Unmet::Failed(code) => {
                format!("service \"{service}\" didn't complete successfully: exit {code}")
            }
        }
    }
}

fn unmet_message(container: &str, service: &str, needed_by: Option<&str>, why: &Unmet) -> String {
    let reason = why.reason(container, service);
    match (needed_by, why) {
        (None, _) => reason,
        (Some(d), Unmet::Failed(_)) => {
            format!("{reason} (container {container}, needed by \"{d}\")")
        }
        (Some(d), _) => format!(
            "dependency failed to start: {reason} (service \"{service}\", needed by \"{d}\")"
        ),
    }
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
