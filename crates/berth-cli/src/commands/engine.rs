//! What the engine commands share: the async runtime, the connection, and the loaded project
//! turned into the engine layer's spec.

use std::collections::HashSet;

use berth_engine::spec::ProjectSpec;
use berth_engine::Engine;
use berth_model::Project;

use crate::cli::GlobalArgs;
use crate::printer::Printer;

/// A runtime for one command. Two workers: the machine has two cores, and the work is waiting
/// on the engine.
pub fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?)
}

static DRY_RUN: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// `--dry-run`: from here on every connection is to a simulated engine (see
/// [`Engine::dry_run`]).
pub fn simulate() {
    DRY_RUN.store(true, std::sync::atomic::Ordering::Relaxed);
}

/// Connects to `DOCKER_HOST`, the current Docker CLI context's endpoint, or the default socket.
pub async fn connect() -> Result<Engine, berth_engine::EngineError> {
    let host = crate::context::docker_host().map_err(berth_engine::EngineError::Other)?;
    let mut engine = Engine::connect(host.as_deref()).await?;
    // `docker login`'s credentials go with pulls, pushes and builds.
    engine.docker_config = crate::context::docker_config_dir();
    Ok(engine.simulated(DRY_RUN.load(std::sync::atomic::Ordering::Relaxed)))
}

/// A runtime and a connection to the engine, for a command that runs several steps on it;
/// `None` when the engine does not answer (said through `printer`).
pub fn connected(
    printer: &mut Printer,
) -> anyhow::Result<Option<(tokio::runtime::Runtime, Engine)>> {
    let rt = runtime()?;
    match rt.block_on(connect()) {
        Ok(engine) => Ok(Some((rt, engine))),
        Err(e) => {
            printer.error(&e.to_string());
            Ok(None)
        }
    }
}

/// Every service the project knows, enabled or not: containers of any other service are orphans.
pub fn known_services(project: &Project) -> HashSet<String> {
    project
        .services()
        .map(|s| s.name.to_string())
        .chain(project.disabled_services.keys().cloned())
        .collect()
}

/// The exit status of an engine command: its own, or 1 once the error is printed.
pub fn exit_status(
    result: Result<u8, berth_engine::EngineError>,
    printer: &mut crate::printer::Printer,
) -> u8 {
    result.unwrap_or_else(|e| {
        printer.error(&e.to_string());
        1
    })
}

/// The project an engine command acts on, found as Docker Compose's `projectOrName` finds it:
/// `-p NAME` without `-f` names a project whose files are not read at all (it is whatever the
/// engine holds under that name, from any folder); otherwise the files are loaded, and when
/// that fails `COMPOSE_PROJECT_NAME` still names the project.
pub enum Target {
    Loaded(Box<Project>),
    Named(String),
}

impl Target {
    /// Finds the target; `services` (named on the command line) are enabled whatever their
    /// profiles. On failure prints the load error and returns `None`.
    pub fn resolve(
        global: &GlobalArgs,
        services: &[String],
        printer: &mut Printer,
    ) -> anyhow::Result<Option<Target>> {
        if global.file.is_empty() {
            if let Some(name) = &global.project_name {
                return Ok(Some(Target::Named(name.clone())));
            }
        }
        let mut opts = super::load_options(global)?;
        opts.enable = services.to_vec();
        // These commands act on containers that exist: like Docker Compose's, they read no
        // env file (a missing one is no error here).
        opts.resolve_env_files = false;
        let env_name = std::env::var(berth_loader::env_vars::COMPOSE_PROJECT_NAME)
            .ok()
            .filter(|n| !n.is_empty());
        match berth_loader::load::load(&opts) {
            Ok(p) => {
                for w in &p.warnings {
                    printer.diag(&w.render(&p.sources));
                }
                // Naming a service the files do not have fails the load in Docker Compose,
                // and so falls back to the project `COMPOSE_PROJECT_NAME` names.
                let known = known_services(&p);
                if let Some(name) = env_name.filter(|_| services.iter().any(|s| !known.contains(s)))
                {
                    return Ok(Some(Target::Named(name)));
                }
                Ok(Some(Target::Loaded(Box::new(p))))
            }
            Err(e) => {
                if let Some(name) = env_name {
                    Ok(Some(Target::Named(name)))
                } else {
                    for w in &e.warnings {
                        printer.diag(&w.render(&e.sources));
                    }
                    printer.diag(&e.render());
                    Ok(None)
                }
            }
        }
    }

    pub fn name(&self) -> &str {
        match self {
            Target::Loaded(p) => &p.name,
            Target::Named(n) => n,
        }
    }

    /// The engine layer's spec and the services the project knows (containers of any other
    /// service are orphans). A named project's spec is read from the engine.
    ///
    /// # Errors
    /// Engine errors, for a named project.
    pub fn spec(
        &self,
    ) -> anyhow::Result<Result<(ProjectSpec, HashSet<String>), berth_engine::EngineError>> {
        Ok(match self {
            Target::Loaded(p) => Ok((berth_engine::spec::project_spec(p), known_services(p))),
            Target::Named(name) => runtime()?.block_on(async {
                let spec = connect().await?.named_project(name).await?;
                let known = spec.services.iter().map(|s| s.name.clone()).collect();
                Ok((spec, known))
            }),
        })
    }
}

/// A boolean variable of Docker Compose's (`COMPOSE_REMOVE_ORPHANS`, ...), read as the
/// reference reads it: from the project's environment (the shell and `.env`) when the project
/// is loaded, from the shell otherwise.
pub fn env_flag(target: Option<&Project>, name: &str) -> bool {
    let value = match target {
        Some(p) => p.environment.get(name).cloned(),
        None => std::env::var(name).ok(),
    };
    berth_loader::env_vars::truthy(value.as_deref())
}

/// Replica `index` of `service` (its one-off container when it has no other, as `exec` finds
/// it), for the commands that act on one container: `exec`, `export`, `commit`, `cp`,
/// `attach`. The error is Docker Compose's.
///
/// # Errors
/// `service "web" is not running` (`... container #2` for another index), or engine errors.
pub async fn service_container(
    engine: &Engine,
    project: &str,
    service: &str,
    index: Option<u32>,
    running_only: bool,
) -> Result<berth_engine::client::Observed, berth_engine::EngineError> {
    let index = index.unwrap_or(1);
    let mut found = engine.project_containers(project, !running_only).await?;
    found.retain(|c| c.service == service);
    if found.is_empty() && index == 1 {
        found = engine.one_off_containers(project, !running_only).await?;
        found.retain(|c| c.service == service);
        found.sort_by_key(|c| std::cmp::Reverse(c.created));
        found.truncate(1);
        for c in &mut found {
            c.number = 1;
        }
    }
    found
        .into_iter()
        .find(|c| c.number == index)
        .ok_or_else(|| {
            let which = if index == 1 {
                String::new()
            } else {
                format!(" container #{index}")
            };
            berth_engine::EngineError::Other(format!("service {service:?} is not running{which}"))
        })
}

/// `--remove-orphans` (or `COMPOSE_REMOVE_ORPHANS`) and `COMPOSE_IGNORE_ORPHANS`, for `up` and
/// `run`: (remove, ignore).
pub fn orphan_policy(project: &Project, remove_flag: bool) -> (bool, bool) {
    (
        remove_flag
            || env_flag(
                Some(project),
                berth_loader::env_vars::COMPOSE_REMOVE_ORPHANS,
            ),
        env_flag(
            Some(project),
            berth_loader::env_vars::COMPOSE_IGNORE_ORPHANS,
        ),
    )
}
