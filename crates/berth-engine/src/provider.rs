//! Services run by a provider (`provider: {type, options}`), as Docker Compose runs them: no
//! container, but a program, the Docker CLI plugin `docker-<type>` or `<type>` on `PATH`, run
//! as `<type> compose --project-name=P up --OPTION=VALUE… SERVICE` when the service's turn
//! comes. It answers with JSON messages on its standard output: `info` (shown as the
//! service's progress), `error` (the service fails with it), `setenv` (`KEY=VALUE`, given to
//! the services that depend on it as `<SERVICE>_KEY`) and `debug`.
//!
//! Before that, `<type> compose metadata` may describe the options it takes; when it does,
//! only those are passed, a required one that is missing is an error, and the description is
//! kept in `~/.docker/compose/providers/<type>.json` for editors, as Docker Compose keeps it.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Stdio;

use tokio::io::AsyncBufReadExt;

use crate::progress::{Phase, Progress};
use crate::EngineError;

pub use berth_model::settings::Provider;

/// Where the Docker CLI looks for its plugins, after `~/.docker/cli-plugins`.
const PLUGIN_DIRS: &[&str] = &[
    "/usr/local/lib/docker/cli-plugins",
    "/usr/local/libexec/docker/cli-plugins",
    "/usr/lib/docker/cli-plugins",
    "/usr/libexec/docker/cli-plugins",
];

fn executable(p: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    p.metadata()
        .is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

/// The program of provider `kind`: the Docker CLI plugin `docker-<kind>`, else `<kind>` on
/// `PATH`.
///
/// # Errors
/// Docker Compose's words for a provider that cannot be found, or is `compose`.
pub fn binary(kind: &str, docker_config: &Path) -> Result<PathBuf, EngineError> {
    if kind == "compose" {
        return Err(EngineError::Other(
            "'compose' is not a valid provider type".into(),
        ));
    }
    let plugin = format!("docker-{kind}");
    let dirs = std::iter::once(docker_config.join("cli-plugins"))
        .chain(PLUGIN_DIRS.iter().map(PathBuf::from));
    for dir in dirs {
        let p = dir.join(&plugin);
        if executable(&p) {
            return Ok(p);
        }
    }
    if kind.contains('/') {
        let p = PathBuf::from(kind);
        if executable(&p) {
            return Ok(p);
        }
    } else if let Some(path) = std::env::var_os(berth_loader::env_vars::PATH) {
        for dir in std::env::split_paths(&path) {
            let p = dir.join(kind);
            if executable(&p) {
                return Ok(p);
            }
        }
    }
    Err(EngineError::Other(format!(
        "exec: {kind:?}: executable file not found in $PATH"
    )))
}

/// The options a provider says its `up` takes (`compose metadata`); `None` when it says
/// nothing (every option is then passed).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Parameters {
    /// Name and whether it is required.
    pub up: Vec<(String, bool)>,
}

/// Reads what `compose metadata` printed (`{"description", "up": {"parameters": [...]}, …}`);
/// `None` for output that is not that, or says nothing.
#[must_use]
pub fn parse_metadata(text: &str) -> Option<Parameters> {
    let v: serde_json::Value = serde_json::from_str(text).ok()?;
    let params = |cmd: &str| -> Option<Vec<(String, bool)>> {
        v[cmd]["parameters"].as_array().map(|a| {
            a.iter()
                .filter_map(|p| {
                    let name = p["name"].as_str()?;
                    Some((name.to_string(), p["required"].as_bool().unwrap_or(false)))
                })
                .collect()
        })
    };
    let empty = v["description"].as_str().unwrap_or("").is_empty()
        && params("up").is_none()
        && params("down").is_none();
    (!empty).then(|| Parameters {
        up: params("up").unwrap_or_default(),
    })
}

/// The arguments of `up` for `service`: the options the metadata allows (all without it).
///
/// # Errors
/// A required option that is missing, in Docker Compose's words.
pub fn up_arguments(
    project: &str,
    service: &str,
    provider: &Provider,
    parameters: Option<&Parameters>,
) -> Result<Vec<String>, EngineError> {
    if let Some(p) = parameters {
        for (name, required) in &p.up {
            if *required && !provider.options.iter().any(|(k, _)| k == name) {
                return Err(EngineError::Other(format!(
                    "required parameter {name:?} is missing from provider {:?} definition",
                    provider.kind
                )));
            }
        }
    }
    let mut args = vec![
        "compose".to_string(),
        format!("--project-name={project}"),
        "up".to_string(),
    ];
    for (k, v) in &provider.options {
        if parameters.is_none_or(|p| p.up.iter().any(|(n, _)| n == k)) {
            args.push(format!("--{k}={v}"));
        }
    }
    args.push(service.to_string());
    Ok(args)
}

/// One message of a provider.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Message {
    Info(String),
    Error(String),
    SetEnv(String, String),
    Debug(String),
}

/// Reads one message.
///
/// # Errors
/// A type Docker Compose does not know, or a `setenv` without `=`, in its words.
pub fn message(v: &serde_json::Value) -> Result<Message, EngineError> {
    let text = v["message"].as_str().unwrap_or("").to_string();
    let invalid = |what: &str| EngineError::Other(format!("invalid response from plugin: {what}"));
    match v["type"].as_str().unwrap_or("") {
        "info" => Ok(Message::Info(text)),
        "error" => Ok(Message::Error(text)),
        "debug" => Ok(Message::Debug(text)),
        "setenv" => match text.split_once('=') {
            Some((k, val)) => Ok(Message::SetEnv(k.to_string(), val.to_string())),
            None => Err(invalid(&text)),
        },
        other => Err(invalid(other)),
    }
}

fn first_line(s: &str) -> &str {
    s.trim_end_matches('\n').lines().next().unwrap_or("")
}

/// Runs the provider of `service` for `up`; returns the variables it set (`setenv`), for the
/// services that depend on it.
///
/// # Errors
/// A provider that cannot be found, refuses, fails, or answers what cannot be read.
pub async fn up(
    project: &str,
    service: &str,
    provider: &Provider,
    env: &HashMap<String, String>,
    progress: &dyn Progress,
) -> Result<Vec<(String, String)>, EngineError> {
    let docker_config = env
        .get(berth_loader::env_vars::DOCKER_CONFIG)
        .map(PathBuf::from)
        .or_else(|| env.get("HOME").map(|h| Path::new(h).join(".docker")))
        .unwrap_or_else(|| PathBuf::from(".docker"));
    let bin = binary(&provider.kind, &docker_config)?;
    let command = |args: &[String]| {
        let mut c = tokio::process::Command::new(&bin);
        c.args(args)
            .envs(env)
            .stdin(Stdio::null())
            .stderr(Stdio::inherit())
            .kill_on_drop(true);
        c
    };
    let metadata = command(&["compose".into(), "metadata".into()])
        .stdout(Stdio::piped())
        .output()
        .await
        .ok()
        .filter(|o| o.status.success())
        .map(|o| String::from_utf8_lossy(&o.stdout).into_owned());
    let parameters = metadata.as_deref().and_then(parse_metadata);
    if let (Some(text), Some(_)) = (&metadata, &parameters) {
        // For editors (Docker's LSP reads it); not being able to keep it is no error.
        let dir = docker_config.join("compose/providers");
        if std::fs::create_dir_all(&dir).is_ok() {
            let _ = std::fs::write(dir.join(format!("{}.json", provider.kind)), text);
        }
    }
    let args = up_arguments(project, service, provider, parameters.as_ref())?;
    progress.detail(service, "", "Creating", Phase::Working);
    let mut child = command(&args)
        .stdout(Stdio::piped())
        .spawn()
        .map_err(|e| EngineError::Other(format!("{}: {e}", bin.display())))?;
    let stdout = child
        .stdout
        .take()
        .ok_or_else(|| EngineError::Other(format!("{}: no standard output", bin.display())))?;
    let mut lines = tokio::io::BufReader::new(stdout).lines();
    let mut variables = Vec::new();
    // The messages are JSON values one after the other, a value possibly over several lines.
    let mut pending = String::new();
    while let Some(line) = lines
        .next_line()
        .await
        .map_err(|e| EngineError::Other(e.to_string()))?
    {
        pending.push_str(&line);
        pending.push('\n');
        let mut values =
            serde_json::Deserializer::from_str(&pending).into_iter::<serde_json::Value>();
        let mut done = 0;
        while let Some(v) = values.next() {
            match v {
                Ok(v) => {
                    done = values.byte_offset();
                    match message(&v)? {
                        Message::Info(m) => {
                            progress.detail(service, "", first_line(&m), Phase::Working);
                        }
                        Message::Error(m) => {
                            progress.detail(
                                service,
                                "",
                                &format!("Error {}", first_line(&m)),
                                Phase::Failed,
                            );
                            return Err(EngineError::Other(m));
                        }
                        Message::SetEnv(k, val) => {
                            variables.retain(|(have, _)| *have != k);
                            variables.push((k, val));
                        }
                        Message::Debug(_) => {}
                    }
                }
                // Not a whole value yet: the next line may complete it.
                Err(e) if e.is_eof() => break,
                Err(e) => return Err(EngineError::Other(e.to_string())),
            }
        }
        pending.drain(..done);
    }
    if !pending.trim().is_empty() {
        return Err(EngineError::Other(
            "unexpected EOF in the provider's answer".into(),
        ));
    }
    let status = child
        .wait()
        .await
        .map_err(|e| EngineError::Other(e.to_string()))?;
    if !status.success() {
        let why = match status.code() {
            Some(c) => format!("exit status {c}"),
            None => "signal: killed".to_string(),
        };
        progress.detail(service, "", &why, Phase::Failed);
        return Err(EngineError::Other(format!(
            "failed to create service provider: {why}"
        )));
    }
    progress.detail(service, "", "Created", Phase::Done);
    Ok(variables)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn provider(options: &[(&str, &str)]) -> Provider {
        Provider {
            kind: "example".into(),
            options: options
                .iter()
                .map(|(k, v)| ((*k).to_string(), (*v).to_string()))
                .collect(),
        }
    }

    #[test]
    fn without_metadata_every_option_is_passed() {
        let args =
            up_arguments("p", "db", &provider(&[("name", "x"), ("size", "1")]), None).unwrap();
        assert_eq!(
            args,
            [
                "compose",
                "--project-name=p",
                "up",
                "--name=x",
                "--size=1",
                "db"
            ]
        );
    }

    #[test]
    fn metadata_filters_the_options_and_requires_some() {
        let meta = parse_metadata(
            r#"{"description":"d","up":{"parameters":[{"name":"name","required":true,"type":"string"}]},"down":{"parameters":[]}}"#,
        )
        .unwrap();
        let args = up_arguments(
            "p",
            "db",
            &provider(&[("name", "x"), ("other", "y")]),
            Some(&meta),
        )
        .unwrap();
        assert_eq!(
            args,
            ["compose", "--project-name=p", "up", "--name=x", "db"]
        );
        let e = up_arguments("p", "db", &provider(&[("other", "y")]), Some(&meta)).unwrap_err();
        assert_eq!(
            e.to_string(),
            "required parameter \"name\" is missing from provider \"example\" definition"
        );
        assert_eq!(parse_metadata("{}"), None);
        assert_eq!(parse_metadata("not json"), None);
    }

    #[test]
    fn messages_are_read_as_docker_compose_reads_them() {
        let m = |s: &str| message(&serde_json::from_str(s).unwrap());
        assert_eq!(
            m(r#"{"type":"setenv","message":"URL=https://x/?a=b"}"#).unwrap(),
            Message::SetEnv("URL".into(), "https://x/?a=b".into())
        );
        assert_eq!(
            m(r#"{"type":"info","message":"hi"}"#).unwrap(),
            Message::Info("hi".into())
        );
        assert_eq!(
            m(r#"{"type":"setenv","message":"NOEQUALS"}"#)
                .unwrap_err()
                .to_string(),
            "invalid response from plugin: NOEQUALS"
        );
        assert_eq!(
            m(r#"{"type":"shout","message":"x"}"#)
                .unwrap_err()
                .to_string(),
            "invalid response from plugin: shout"
        );
    }

    #[test]
    fn compose_is_not_a_provider_and_missing_ones_are_named() {
        let none = Path::new("/nonexistent");
        assert_eq!(
            binary("compose", none).unwrap_err().to_string(),
            "'compose' is not a valid provider type"
        );
        assert_eq!(
            binary("no-such-provider-anywhere", none)
                .unwrap_err()
                .to_string(),
            "exec: \"no-such-provider-anywhere\": executable file not found in $PATH"
        );
        assert!(binary("sh", none).is_ok());
    }
}
