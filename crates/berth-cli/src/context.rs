//! Where the engine is: `DOCKER_HOST`, else the Docker CLI context named by `DOCKER_CONTEXT` or
//! by `currentContext` in the CLI's `config.json`, whose endpoint is read from the CLI's context
//! store (`contexts/meta/<sha256 of the name>/meta.json` under `DOCKER_CONFIG`, default
//! `~/.docker`), as the Docker CLI and Docker Compose read them.

use std::path::PathBuf;

use berth_loader::env_vars;
use sha2::{Digest, Sha256};

fn config_dir() -> Option<PathBuf> {
    match std::env::var_os(env_vars::DOCKER_CONFIG) {
        Some(d) if !d.is_empty() => Some(PathBuf::from(d)),
        _ => std::env::var_os(env_vars::HOME).map(|h| PathBuf::from(h).join(".docker")),
    }
}

/// The engine endpoint to use: `None` for the default socket.
///
/// # Errors
/// A named context that does not exist, or whose metadata cannot be read.
pub fn docker_host() -> Result<Option<String>, String> {
    if let Ok(h) = std::env::var(env_vars::DOCKER_HOST) {
        if !h.is_empty() {
            return Ok(Some(h));
        }
    }
    let dir = config_dir();
    let name = match std::env::var(env_vars::DOCKER_CONTEXT) {
        Ok(n) if !n.is_empty() => n,
        _ => {
            let current = dir
                .as_ref()
                .and_then(|d| std::fs::read_to_string(d.join("config.json")).ok())
                .and_then(|t| serde_json::from_str::<serde_json::Value>(&t).ok())
                .and_then(|v| v["currentContext"].as_str().map(str::to_string));
            match current {
                Some(n) if !n.is_empty() => n,
                _ => return Ok(None),
            }
        }
    };
    if name == "default" {
        return Ok(None);
    }
    let hash: String = Sha256::digest(name.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    let meta = dir
        .ok_or_else(|| {
            format!("context {name:?}: no Docker configuration folder (set HOME or DOCKER_CONFIG)")
        })?
        .join("contexts/meta")
        .join(hash)
        .join("meta.json");
    let text = std::fs::read_to_string(&meta)
        .map_err(|_| format!("context {name:?} does not exist (no {})", meta.display()))?;
    let v: serde_json::Value = serde_json::from_str(&text)
        .map_err(|e| format!("context {name:?}: {}: {e}", meta.display()))?;
    match v["Endpoints"]["docker"]["Host"].as_str() {
        Some(h) if !h.is_empty() => Ok(Some(h.to_string())),
        _ => Err(format!(
            "context {name:?} has no Docker endpoint ({})",
            meta.display()
        )),
    }
}

/// The credentials the Docker CLI keeps for a registry (`docker login`): see
/// [`berth_engine::registry::stored_credentials`].
pub fn credentials(domain: &str) -> Option<berth_engine::registry::Credentials> {
    berth_engine::registry::stored_credentials(&config_dir()?, domain)
}

/// The Docker CLI's configuration folder (`DOCKER_CONFIG`, or `~/.docker`).
pub fn docker_config_dir() -> Option<PathBuf> {
    config_dir()
}

/// Whether buildx knows a builder of that name (`buildx/instances/NAME` under the Docker CLI's
/// configuration folder), or it is a Docker context (a context is a builder too).
pub fn buildx_builder_exists(name: &str) -> bool {
    let Some(dir) = config_dir() else {
        return false;
    };
    if dir.join("buildx/instances").join(name).is_file() {
        return true;
    }
    let hash: String = Sha256::digest(name.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    dir.join("contexts/meta")
        .join(hash)
        .join("meta.json")
        .is_file()
}
