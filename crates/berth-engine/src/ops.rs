//! Operations on containers that already exist: `stop`, `restart`, `kill`, `pause`, `unpause`,
//! `rm`, and `start` of a project known only by name, with Docker Compose's progress lines and
//! order (stop and rm go dependents first, start dependencies first; the others act on every
//! container at once).

use std::sync::Arc;

use bollard::query_parameters::{
    KillContainerOptions, RemoveContainerOptions, RestartContainerOptions, StopContainerOptions,
};

use crate::client::{Engine, Observed};
use crate::progress::{Progress, Resource, Status};
use crate::spec::{ProjectSpec, ServiceSpec};
use crate::EngineError;

/// One operation on existing containers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Op {
    /// Stop, waiting `timeout` seconds (the service's `stop_grace_period` when unset).
    Stop {
        timeout: Option<i32>,
    },
    Restart {
        timeout: Option<i32>,
    },
    /// Send a signal (`SIGKILL` when unset).
    Kill {
        signal: Option<String>,
    },
    /// Start stopped containers, dependencies first (`start` of a project known only by name,
    /// whose containers are all there is to go by).
    Start,
    Pause,
    Unpause,
    /// Remove (stopped) containers, with their anonymous volumes when `volumes`.
    Remove {
        volumes: bool,
    },
}

impl Op {
    /// The progress words: while acting, when done, and the verb of the error line.
    fn words(&self) -> (Option<Status>, Status, &'static str) {
        match self {
            Op::Stop { .. } => (Some(Status::Stopping), Status::Stopped, "Stopping"),
            Op::Restart { .. } => (Some(Status::Restarting), Status::Started, "Restarting"),
            Op::Kill { .. } => (Some(Status::Killing), Status::Killed, "Killing"),
            Op::Start => (Some(Status::Starting), Status::Started, "Starting"),
            Op::Pause => (None, Status::Paused, "Pausing"),
            Op::Unpause => (None, Status::Unpaused, "Unpausing"),
            Op::Remove { .. } => (Some(Status::Removing), Status::Removed, "Removing"),
        }
    }

    /// Whether a container in engine state `state` is one this operation acts on.
    #[must_use]
    pub fn applies_to(&self, state: &str) -> bool {
        match self {
            // Docker Compose stops (and reports) every container, exited or created ones too,
            // and pauses or unpauses each one, the engine refusing those in the wrong state
            // ("already paused", "is not paused": exit 1).
            Op::Stop { .. } | Op::Restart { .. } | Op::Pause | Op::Unpause => true,
            Op::Kill { .. } => matches!(state, "running" | "paused" | "restarting"),
            Op::Start => matches!(state, "created" | "exited"),
            Op::Remove { .. } => !matches!(state, "running" | "paused" | "restarting"),
        }
    }

    /// Whether dependents are handled before their dependencies.
    fn ordered(&self) -> bool {
        matches!(self, Op::Stop { .. })
    }
}

/// Applies `op` to `containers`. Every container is tried; the first error is returned after
/// the others are done.
///
/// # Errors
/// The engine's error for the first container that failed.
pub async fn apply(
    engine: &Engine,
    spec: &ProjectSpec,
    containers: &[Observed],
    op: &Op,
    progress: Arc<dyn Progress>,
) -> Result<(), EngineError> {
    let starts = matches!(op, Op::Start | Op::Restart { .. });
    let groups = if op.ordered() {
        crate::spec::reverse_dependency_groups(spec, containers)
    } else if starts {
        let mut groups = crate::spec::reverse_dependency_groups(spec, containers);
        groups.reverse();
        groups
    } else {
        vec![containers.iter().collect()]
    };
    // Starting again waits, as `up` does, for the dependencies started in this run to meet
    // their `depends_on` condition (Docker Compose's restart: "Waiting", then "Healthy").
    let watcher = starts.then(|| crate::executor::Watcher::start(engine, &spec.name));
    let mut first_err = None;
    for group in groups {
        if let (Some(watcher), Some(first)) = (&watcher, group.first()) {
            if let Err(e) = wait_dependencies(
                engine,
                spec,
                containers,
                &first.service,
                watcher,
                &*progress,
            )
            .await
            {
                first_err.get_or_insert(e);
                break;
            }
        }
        let mut set = tokio::task::JoinSet::new();
        for c in group {
            let engine = engine.clone();
            let progress = Arc::clone(&progress);
            let op = op.clone();
            let (id, name) = (c.id.clone(), c.name.clone());
            let grace = spec
                .services
                .iter()
                .find(|s| s.name == c.service)
                .and_then(|s| s.stop_timeout)
                .and_then(|t| i32::try_from(t).ok());
            let service = crate::spec::hooked_service(spec, c).cloned();
            set.spawn(async move {
                let (doing, done, verb) = op.words();
                if let Some(doing) = doing {
                    progress.event(Resource::Container, &name, &doing);
                }
                let hooked = hooked(
                    &engine,
                    &id,
                    &name,
                    &op,
                    grace,
                    service.as_ref(),
                    &*progress,
                );
                match hooked.await {
                    Ok(()) => {
                        progress.event(Resource::Container, &name, &done);
                        Ok(())
                    }
                    Err(e) => {
                        progress.event(
                            Resource::Container,
                            &name,
                            &Status::Failed(format!("Error while {verb}")),
                        );
                        Err(e)
                    }
                }
            });
        }
        while let Some(r) = set.join_next().await {
            let r = r.map_err(|e| EngineError::Other(format!("task failed: {e}")));
            if let Err(e) = r.and_then(|r| r) {
                first_err.get_or_insert(e);
            }
        }
    }
    first_err.map_or(Ok(()), Err)
}

/// Waits until every container of `service`'s dependencies among `containers` meets its
/// condition.
async fn wait_dependencies(
    engine: &Engine,
    spec: &ProjectSpec,
    containers: &[Observed],
    service: &str,
    watcher: &crate::executor::Watcher,
    progress: &dyn Progress,
) -> Result<(), EngineError> {
    let Some(s) = spec.services.iter().find(|s| s.name == service) else {
        return Ok(());
    };
    for dep in &s.depends_on {
        for c in containers.iter().filter(|c| c.service == dep.service) {
            crate::executor::wait_condition(engine, watcher, dep, &c.id, Some(service), progress)
                .await?;
        }
    }
    Ok(())
}

/// [`one`], with the service's lifecycle hooks around it: `pre_stop` before a stop or a
/// restart, `post_start` after a restart, as Docker Compose runs them.
async fn hooked(
    engine: &Engine,
    id: &str,
    name: &str,
    op: &Op,
    grace: Option<i32>,
    service: Option<&ServiceSpec>,
    progress: &dyn Progress,
) -> Result<(), EngineError> {
    let Some(s) = service else {
        return one(engine, id, op, grace).await;
    };
    if matches!(op, Op::Stop { .. } | Op::Restart { .. }) {
        let ran = crate::hooks::run(engine, id, name, &s.name, s.tty, &s.pre_stop, progress).await;
        crate::hooks::unless_stopped(ran)?;
    }
    one(engine, id, op, grace).await?;
    if matches!(op, Op::Restart { .. }) {
        crate::hooks::run(engine, id, name, &s.name, s.tty, &s.post_start, progress).await?;
    }
    Ok(())
}

async fn one(engine: &Engine, id: &str, op: &Op, grace: Option<i32>) -> Result<(), EngineError> {
    if engine.dry_run {
        return Ok(());
    }
    let d = &engine.docker;
    let r = match op {
        Op::Stop { timeout } => {
            d.stop_container(
                id,
                Some(StopContainerOptions {
                    t: timeout.or(grace),
                    ..Default::default()
                }),
            )
            .await
        }
        Op::Restart { timeout } => {
            d.restart_container(
                id,
                Some(RestartContainerOptions {
                    t: timeout.or(grace),
                    ..Default::default()
                }),
            )
            .await
        }
        Op::Kill { signal } => {
            d.kill_container(
                id,
                Some(KillContainerOptions {
                    signal: signal.clone().unwrap_or_else(|| "SIGKILL".into()),
                }),
            )
            .await
        }
        Op::Start => {
            d.start_container(id, None::<bollard::query_parameters::StartContainerOptions>)
                .await
        }
        Op::Pause => d.pause_container(id).await,
        Op::Unpause => d.unpause_container(id).await,
        Op::Remove { volumes } => {
            d.remove_container(
                id,
                Some(RemoveContainerOptions {
                    v: *volumes,
                    force: true,
                    ..Default::default()
                }),
            )
            .await
        }
    };
    match r {
        // Already stopped, or gone meanwhile.
        Err(bollard::errors::Error::DockerResponseServerError {
            status_code: 304, ..
        }) => Ok(()),
        // Died between listing and killing: what kill wanted.
        Err(bollard::errors::Error::DockerResponseServerError {
            status_code: 409,
            message,
        }) if matches!(op, Op::Kill { .. }) && message.contains("is not running") => Ok(()),
        Err(bollard::errors::Error::DockerResponseServerError { message, .. }) => Err(
            EngineError::Other(format!("Error response from daemon: {message}")),
        ),
        other => other.map_err(Into::into),
    }
}

/// After an interrupted `up` (Ctrl-C): stops the running containers of the services named on
/// the command line (`targets`; of every selected service when none is), leaving the
/// dependencies of named services running as Docker Compose does, and removes what the run
/// left half-made: the containers it created (`created`, by name)
/// that never started, and the temporary containers of an interrupted recreation
/// (`<id>_<name>`).
///
/// # Errors
/// Engine API errors.
pub async fn cleanup_interrupted(
    engine: &Engine,
    spec: &ProjectSpec,
    created: &[String],
    targets: &[String],
    timeout: Option<i32>,
    progress: Arc<dyn Progress>,
) -> Result<(), EngineError> {
    let mine: Vec<Observed> = engine
        .project_containers(&spec.name, true)
        .await?
        .into_iter()
        .filter(|c| spec.services.iter().any(|s| s.name == c.service))
        .collect();
    let stop = Op::Stop { timeout };
    let running: Vec<Observed> = mine
        .iter()
        .filter(|c| c.state == "running")
        .filter(|c| targets.is_empty() || targets.contains(&c.service))
        .cloned()
        .collect();
    apply(engine, spec, &running, &stop, Arc::clone(&progress)).await?;
    let half: Vec<Observed> = mine
        .into_iter()
        .filter(|c| {
            (c.state == "created" && created.contains(&c.name))
                || crate::plan::is_recreate_temporary(&c.name)
        })
        .collect();
    apply(
        engine,
        spec,
        &half,
        &Op::Remove { volumes: false },
        progress,
    )
    .await
}
