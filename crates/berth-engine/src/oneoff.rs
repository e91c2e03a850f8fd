//! One-off containers (`run`) and commands in running containers (`exec`), as Docker Compose
//! makes them: a `run` container is named `<project>-<service>-run-<slug[..12]>`, labelled
//! `oneoff=True` with its slug and no container number, has no restart policy, publishes the
//! service's ports only with `--service-ports`, and carries the service's network aliases only
//! with `--use-aliases`.

use std::collections::HashMap;
use std::hash::{BuildHasher, Hasher};
use std::pin::Pin;

use berth_model::{Project, Value};
pub use bollard::container::LogOutput;
use bollard::models::{ContainerCreateBody, EndpointSettings};
use futures_util::Stream;
use tokio::io::AsyncWrite;

use crate::client::Engine;
use crate::labels;
use crate::spec::{self, ServiceSpec};
use crate::EngineError;

/// What `run` changes of the service.
#[derive(Clone, Debug, Default)]
pub struct RunOptions {
    /// The command (the arguments after the service); `None` keeps the service's.
    pub command: Option<Vec<String>>,
    /// `--entrypoint`, already split into words.
    pub entrypoint: Option<Vec<String>>,
    /// `-e KEY=VALUE` (or `KEY`, passed as written).
    pub env: Vec<String>,
    /// `-l KEY=VALUE`.
    pub labels: Vec<(String, String)>,
    /// `--name`.
    pub name: Option<String>,
    pub user: Option<String>,
    pub workdir: Option<String>,
    /// `--service-ports`: publish the service's ports.
    pub service_ports: bool,
    /// `-p`: extra published ports, as `[IP:]HOST:CONTAINER[/PROTO]`.
    pub publish: Vec<String>,
    /// `-v`: extra bind mounts, as the engine takes them.
    pub volumes: Vec<String>,
    pub cap_add: Vec<String>,
    pub cap_drop: Vec<String>,
    /// `--use-aliases`.
    pub use_aliases: bool,
    /// The engine removes the container when it exits (`run -d --rm`).
    pub auto_remove: bool,
    pub tty: bool,
    /// Keep the container's input open and attach to it (`-i`, the default).
    pub interactive: bool,
}

/// A new random slug: 64 hexadecimal digits, as Docker Compose labels one-off containers.
#[must_use]
pub fn new_slug() -> String {
    let mut out = String::with_capacity(64);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    for i in 0..4u64 {
        // Each RandomState is seeded afresh from the operating system's randomness.
        let mut h = std::collections::hash_map::RandomState::new().build_hasher();
        h.write_u128(nanos);
        h.write_u64(i);
        h.write_u32(std::process::id());
        out.push_str(&format!("{:016x}", h.finish()));
    }
    out
}

/// The name Docker Compose gives a one-off container.
#[must_use]
pub fn one_off_name(project: &str, service: &str, slug: &str) -> String {
    format!("{project}-{service}-run-{}", &slug[..12.min(slug.len())])
}

/// Sets a one-off container's aliases on a network: its own name, and the service's aliases
/// only with `--use-aliases`.
fn one_off_aliases(ep: &mut EndpointSettings, name: &str, use_aliases: bool) {
    let mut aliases = ep.aliases.take().unwrap_or_default();
    if use_aliases && !aliases.is_empty() {
        aliases[0] = name.to_string();
    } else {
        aliases = vec![name.to_string()];
    }
    ep.aliases = Some(aliases);
}

/// Parses `-p [IP:]HOST:CONTAINER[/PROTO]` (or `CONTAINER`) into the engine's key and binding.
fn parse_publish(p: &str) -> Result<(String, bollard::models::PortBinding), String> {
    let (rest, proto) = p.rsplit_once('/').unwrap_or((p, "tcp"));
    let parts: Vec<&str> = rest.rsplitn(3, ':').collect();
    let (target, host, ip) = match parts.as_slice() {
        [t] => (*t, "", None),
        [t, h] => (*t, *h, None),
        [t, h, ip] => (*t, *h, Some((*ip).trim_matches(['[', ']']).to_string())),
        _ => return Err(format!("invalid port: {p}")),
    };
    if target.is_empty() || !target.bytes().all(|b| b.is_ascii_digit() || b == b'-') {
        return Err(format!("invalid containerPort: {target}"));
    }
    Ok((
        format!("{target}/{proto}"),
        bollard::models::PortBinding {
            host_ip: ip,
            host_port: Some(host.to_string()),
        },
    ))
}

/// The engine's create configuration of a one-off container of `spec`.
///
/// # Errors
/// A malformed `-p`.
pub fn run_body(
    project: &Project,
    spec: &ServiceSpec,
    v: &Value,
    image_id: Option<&str>,
    name: &str,
    slug: &str,
    opts: &RunOptions,
) -> Result<ContainerCreateBody, String> {
    let mut body = spec::create_body(project, spec, v, 1, image_id)?;
    if let Some(l) = body.labels.as_mut() {
        l.remove(labels::CONTAINER_NUMBER);
        l.insert(labels::ONEOFF.into(), "True".into());
        l.insert(labels::SLUG.into(), slug.into());
        for (k, val) in &opts.labels {
            l.insert(k.clone(), val.clone());
        }
    }
    if let Some(c) = &opts.command {
        body.cmd = Some(c.clone());
    }
    if let Some(e) = &opts.entrypoint {
        body.entrypoint = Some(e.clone());
    }
    if !opts.env.is_empty() {
        let env = body.env.get_or_insert_with(Vec::new);
        for e in &opts.env {
            let key = e.split_once('=').map_or(e.as_str(), |(k, _)| k);
            env.retain(|x| x.split_once('=').map_or(x.as_str(), |(k, _)| k) != key);
            env.push(e.clone());
        }
    }
    if opts.user.is_some() {
        body.user.clone_from(&opts.user);
    }
    if opts.workdir.is_some() {
        body.working_dir.clone_from(&opts.workdir);
    }
    body.tty = Some(opts.tty);
    body.open_stdin = Some(opts.interactive);
    body.attach_stdin = Some(opts.interactive);
    body.stdin_once = Some(opts.interactive);
    body.attach_stdout = Some(true);
    body.attach_stderr = Some(true);
    if let Some(h) = body.host_config.as_mut() {
        h.restart_policy = None;
        h.auto_remove = Some(opts.auto_remove);
        if !opts.service_ports {
            h.port_bindings = None;
        }
        for p in &opts.publish {
            let (key, binding) = parse_publish(p)?;
            body.exposed_ports
                .get_or_insert_with(HashMap::new)
                .insert(key.clone(), HashMap::new());
            h.port_bindings
                .get_or_insert_with(HashMap::new)
                .entry(key)
                .or_insert_with(|| Some(Vec::new()))
                .get_or_insert_with(Vec::new)
                .push(binding);
        }
        if !opts.volumes.is_empty() {
            h.binds
                .get_or_insert_with(Vec::new)
                .extend(opts.volumes.iter().cloned());
        }
        if !opts.cap_add.is_empty() {
            h.cap_add
                .get_or_insert_with(Vec::new)
                .extend(opts.cap_add.iter().cloned());
        }
        if !opts.cap_drop.is_empty() {
            h.cap_drop
                .get_or_insert_with(Vec::new)
                .extend(opts.cap_drop.iter().cloned());
        }
    }
    if let Some(eps) = body
        .networking_config
        .as_mut()
        .and_then(|n| n.endpoints_config.as_mut())
    {
        for ep in eps.values_mut() {
            one_off_aliases(ep, name, opts.use_aliases);
        }
    }
    Ok(body)
}

/// Creates a one-off container of `spec` (connected to all its networks, not started).
/// Returns its ID and name.
///
/// # Errors
/// Engine API errors, named after the service.
pub async fn create_one_off(
    engine: &Engine,
    project: &Project,
    spec: &ServiceSpec,
    v: &Value,
    image_id: Option<&str>,
    opts: &RunOptions,
) -> Result<(String, String), EngineError> {
    let slug = new_slug();
    let name = opts
        .name
        .clone()
        .unwrap_or_else(|| one_off_name(&project.name, &spec.name, &slug));
    let mut body =
        run_body(project, spec, v, image_id, &name, &slug, opts).map_err(EngineError::Other)?;
    crate::spec::check_engine_features(&body, engine.api_at_least(1, 44))
        .map_err(EngineError::Other)?;
    if engine.dry_run {
        return Ok((name.clone(), name));
    }
    let mut networks: Vec<_> = spec::secondary_networks(project, v)
        .into_iter()
        .map(|(net, key)| {
            let mut ep = spec::endpoint(v, &key, &name, &spec.name);
            one_off_aliases(&mut ep, &name, opts.use_aliases);
            (net, ep)
        })
        .collect();
    // `network_mode`, `ipc` and `pid` of `service:NAME`, `links` and `volumes_from` name the
    // containers of other services, as for `up`.
    crate::executor::resolve_references(engine, project, v, &mut body, &mut networks).await?;
    let id =
        crate::executor::create_connected(engine, &spec.name, &name, &name, body, networks).await?;
    if let Err(e) = crate::executor::copy_in(engine, project, &spec.name, v, &id).await {
        let _ = remove(engine, &id).await;
        return Err(e);
    }
    Ok((id, name))
}

/// The two ends of an attached process: what it writes, and its input.
pub struct Io {
    pub output: Pin<Box<dyn Stream<Item = Result<LogOutput, bollard::errors::Error>> + Send>>,
    pub input: Pin<Box<dyn AsyncWrite + Send>>,
}

/// Attaches to a container's input and output (before it starts, so nothing is missed).
///
/// # Errors
/// Engine API errors.
pub async fn attach(engine: &Engine, id: &str, stdin: bool) -> Result<Io, EngineError> {
    if engine.dry_run {
        return Err(EngineError::DryRunInteractive("run"));
    }
    let r = engine
        .docker
        .attach_container(id, Some(attach_options(stdin, None)))
        .await?;
    Ok(Io {
        output: r.output,
        input: r.input,
    })
}

/// Input (when `stdin`), output and errors, as they come from now on.
fn attach_options(
    stdin: bool,
    detach_keys: Option<&str>,
) -> bollard::query_parameters::AttachContainerOptions {
    bollard::query_parameters::AttachContainerOptions {
        stdin,
        stdout: true,
        stderr: true,
        stream: true,
        logs: false,
        detach_keys: detach_keys.map(str::to_string),
    }
}

/// Attaches to a running container (`attach`): its output from now on, its input when
/// `stdin`, with the engine's detach keys (`ctrl-p,ctrl-q` unless given). Also says whether
/// the container has a TTY.
///
/// # Errors
/// Engine API errors.
pub async fn attach_running(
    engine: &Engine,
    id: &str,
    stdin: bool,
    detach_keys: Option<&str>,
) -> Result<(Io, bool), EngineError> {
    if engine.dry_run {
        return Err(EngineError::DryRunInteractive("run"));
    }
    let info = engine.inspect(id).await?;
    let config = info.config.unwrap_or_default();
    let tty = config.tty.unwrap_or(false);
    let r = engine
        .docker
        .attach_container(
            id,
            Some(attach_options(
                stdin && config.open_stdin.unwrap_or(false),
                detach_keys,
            )),
        )
        .await?;
    Ok((
        Io {
            output: r.output,
            input: r.input,
        },
        tty,
    ))
}

/// Starts a created container.
///
/// # Errors
/// Engine API errors.
pub async fn start(engine: &Engine, id: &str) -> Result<(), EngineError> {
    if engine.dry_run {
        return Ok(());
    }
    engine
        .docker
        .start_container(id, None::<bollard::query_parameters::StartContainerOptions>)
        .await?;
    Ok(())
}

/// Sends a signal to a container (errors, such as a container already gone, are ignored).
pub async fn signal(engine: &Engine, id: &str, signal: &str) {
    if engine.dry_run {
        return;
    }
    let _ = engine
        .docker
        .kill_container(
            id,
            Some(bollard::query_parameters::KillContainerOptions {
                signal: signal.to_string(),
            }),
        )
        .await;
}

/// Removes a one-off container and its anonymous volumes (`run --rm`).
///
/// # Errors
/// Engine API errors.
pub async fn remove(engine: &Engine, id: &str) -> Result<(), EngineError> {
    if engine.dry_run {
        return Ok(());
    }
    engine
        .docker
        .remove_container(
            id,
            Some(bollard::query_parameters::RemoveContainerOptions {
                force: true,
                v: true,
                ..Default::default()
            }),
        )
        .await?;
    Ok(())
}

/// What `exec` runs.
#[derive(Clone, Debug, Default)]
pub struct ExecSpec {
    pub command: Vec<String>,
    pub env: Vec<String>,
    pub user: Option<String>,
    pub workdir: Option<String>,
    pub privileged: bool,
    pub tty: bool,
    pub detach: bool,
}

/// Runs a command in a running container. Returns the exec's ID and, unless detached, its
/// input and output.
///
/// # Errors
/// Engine API errors.
pub async fn exec(
    engine: &Engine,
    container: &str,
    e: &ExecSpec,
) -> Result<(String, Option<Io>), EngineError> {
    if engine.dry_run {
        return if e.detach {
            Ok((String::new(), None))
        } else {
            Err(EngineError::DryRunInteractive("exec"))
        };
    }
    let created = engine
        .docker
        .create_exec(
            container,
            bollard::exec::CreateExecOptions {
                attach_stdin: Some(!e.detach),
                attach_stdout: Some(!e.detach),
                attach_stderr: Some(!e.detach),
                tty: Some(e.tty),
                env: (!e.env.is_empty()).then(|| e.env.clone()),
                cmd: Some(e.command.clone()),
                privileged: Some(e.privileged),
                user: e.user.clone(),
                working_dir: e.workdir.clone(),
                ..Default::default()
            },
        )
        .await?;
    let started = engine
        .docker
        .start_exec(
            &created.id,
            Some(bollard::exec::StartExecOptions {
                detach: e.detach,
                tty: e.tty,
                output_capacity: None,
            }),
        )
        .await?;
    let io = match started {
        bollard::exec::StartExecResults::Attached { output, input } => Some(Io { output, input }),
        bollard::exec::StartExecResults::Detached => None,
    };
    Ok((created.id, io))
}

/// The exit code of a finished exec (`None` while it still runs).
///
/// # Errors
/// Engine API errors.
pub async fn exec_exit_code(engine: &Engine, exec_id: &str) -> Result<Option<i64>, EngineError> {
    let r = engine.docker.inspect_exec(exec_id).await?;
    Ok(if r.running == Some(true) {
        None
    } else {
        r.exit_code
    })
}

/// What a terminal session resizes.
#[derive(Clone, Debug)]
pub enum Resizable {
    Container(String),
    Exec(String),
}

/// Sets the size of a TTY.
pub async fn resize(engine: &Engine, target: &Resizable, rows: u16, cols: u16) {
    let _ = match target {
        Resizable::Container(id) => {
            engine
                .docker
                .resize_container_tty(
                    id,
                    bollard::query_parameters::ResizeContainerTTYOptions {
                        h: i32::from(rows),
                        w: i32::from(cols),
                    },
                )
                .await
        }
        Resizable::Exec(id) => {
            engine
                .docker
                .resize_exec(
                    id,
                    bollard::exec::ResizeExecOptions {
                        height: rows,
                        width: cols,
                    },
                )
                .await
        }
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_are_long_hex_and_differ() {
        let a = new_slug();
        let b = new_slug();
        assert_eq!(a.len(), 64);
        assert!(a.bytes().all(|c| c.is_ascii_hexdigit()));
        assert_ne!(a, b);
        assert_eq!(
            one_off_name("p", "web", &a),
            format!("p-web-run-{}", &a[..12])
        );
    }

    #[test]
    fn publish_forms() {
        let (k, b) = parse_publish("127.0.0.1:8080:80").unwrap();
        assert_eq!(k, "80/tcp");
        assert_eq!(b.host_ip.as_deref(), Some("127.0.0.1"));
        assert_eq!(b.host_port.as_deref(), Some("8080"));
        let (k, b) = parse_publish("53:53/udp").unwrap();
        assert_eq!(k, "53/udp");
        assert_eq!(b.host_ip, None);
        let (k, b) = parse_publish("9000").unwrap();
        assert_eq!(k, "9000/tcp");
        assert_eq!(b.host_port.as_deref(), Some(""));
        assert!(parse_publish("a:b").is_err());
    }

    #[test]
    fn aliases_of_one_offs() {
        let mut ep = EndpointSettings {
            aliases: Some(vec!["p-web-1".into(), "web".into(), "extra".into()]),
            ..Default::default()
        };
        one_off_aliases(&mut ep.clone(), "x", false);
        let mut plain = ep.clone();
        one_off_aliases(&mut plain, "p-web-run-1", false);
        assert_eq!(plain.aliases, Some(vec!["p-web-run-1".to_string()]));
        one_off_aliases(&mut ep, "p-web-run-1", true);
        assert_eq!(
            ep.aliases,
            Some(vec!["p-web-run-1".into(), "web".into(), "extra".into()])
        );
    }
}
