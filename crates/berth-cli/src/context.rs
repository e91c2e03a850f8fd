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

/// The credentials the Docker CLI keeps for a registry (`docker login`): from `auths` in its
/// `config.json`, or from the credential helper it names (`credHelpers`, `credsStore`).
/// Docker Hub's key is `https://index.docker.io/v1/`.
pub fn credentials(domain: &str) -> Option<berth_engine::registry::Credentials> {
    let key = if domain == "docker.io" {
        "https://index.docker.io/v1/"
    } else {
        domain
    };
    let config: serde_json::Value = config_dir()
        .and_then(|d| std::fs::read_to_string(d.join("config.json")).ok())
        .and_then(|t| serde_json::from_str(&t).ok())?;
    let helper = config["credHelpers"][key]
        .as_str()
        .or(config["credsStore"].as_str())
        .filter(|h| !h.is_empty());
    if let Some(helper) = helper {
        if let Some(c) = from_helper(helper, key) {
            return Some(c);
        }
    }
    let auths = config["auths"].as_object()?;
    let entry = auths.get(key).or_else(|| {
        auths.iter().find_map(|(k, v)| {
            let host = k
                .trim_start_matches("https://")
                .trim_start_matches("http://")
                .split('/')
                .next()
                .unwrap_or("");
            (host == key).then_some(v)
        })
    })?;
    let mut c = berth_engine::registry::Credentials {
        username: entry["username"].as_str().unwrap_or("").to_string(),
        password: entry["password"].as_str().unwrap_or("").to_string(),
        identity_token: entry["identitytoken"].as_str().unwrap_or("").to_string(),
    };
    if let Some(auth) = entry["auth"].as_str().filter(|a| !a.is_empty()) {
        use base64::Engine as _;
        let decoded = base64::engine::general_purpose::STANDARD
            .decode(auth)
            .ok()?;
        let text = String::from_utf8(decoded).ok()?;
        let (u, p) = text.split_once(':')?;
        c.username = u.to_string();
        c.password = p.to_string();
    }
    Some(c)
}

/// `docker-credential-HELPER get`, given the server on stdin.
fn from_helper(helper: &str, server: &str) -> Option<berth_engine::registry::Credentials> {
    use std::io::Write as _;
    let mut child = std::process::Command::new(format!("docker-credential-{helper}"))
        .arg("get")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .ok()?;
    child.stdin.take()?.write_all(server.as_bytes()).ok()?;
    let out = child.wait_with_output().ok()?;
    if !out.status.success() {
        return None;
    }
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).ok()?;
    let username = v["Username"].as_str().unwrap_or("").to_string();
    let secret = v["Secret"].as_str().unwrap_or("").to_string();
    Some(if username == "<token>" {
        berth_engine::registry::Credentials {
            identity_token: secret,
            ..Default::default()
        }
    } else {
        berth_engine::registry::Credentials {
            username,
            password: secret,
            identity_token: String::new(),
        }
    })
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
