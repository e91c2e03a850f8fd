//! What the engine's event stream says of a project's containers, and waiting on a
//! dependency's condition (`service_healthy`, `service_completed_successfully`) by it instead of
//! polling, so a dependent starts as soon as the engine reports its dependency ready.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bollard::query_parameters::EventsOptions;
use futures_util::StreamExt;
use tokio::sync::Notify;

use crate::client::Engine;
use crate::labels;
use crate::progress::{Progress, Resource, Status};
use crate::spec::Condition;
use crate::{EngineError, Unmet};

use super::containers::container_name;

/// What the event stream has said about a container.
#[derive(Clone, Debug, Default)]
pub(super) struct Seen {
    health: Option<String>,
    exit_code: Option<i64>,
}

/// Follows the engine's container events for one project.
pub(crate) struct Watcher {
    seen: Mutex<HashMap<String, Seen>>,
    changed: Notify,
}

impl Watcher {
    pub(crate) fn start(engine: &Engine, project: &str) -> Arc<Watcher> {
        let w = Arc::new(Watcher {
            seen: Mutex::new(HashMap::new()),
            changed: Notify::new(),
        });
        let mut filters = HashMap::new();
        filters.insert("type".to_string(), vec!["container".to_string()]);
        filters.insert(
            "label".to_string(),
            vec![format!("{}={project}", labels::PROJECT)],
        );
        let mut stream = engine.docker.events(Some(EventsOptions {
            filters: Some(filters),
            ..Default::default()
        }));
        let weak = Arc::downgrade(&w);
        tokio::spawn(async move {
            while let Some(Ok(ev)) = stream.next().await {
                let Some(w) = weak.upgrade() else { break };
                let (Some(action), Some(actor)) = (ev.action, ev.actor) else {
                    continue;
                };
                let Some(id) = actor.id else { continue };
                // Health checks run as execs: those events change nothing a waiter looks at.
                if action.starts_with("exec_") {
                    continue;
                }
                {
                    let Ok(mut seen) = w.seen.lock() else { break };
                    let entry = seen.entry(id).or_default();
                    if let Some(h) = action.strip_prefix("health_status: ") {
                        entry.health = Some(h.to_string());
                    } else if action == "die" {
                        entry.exit_code = actor
                            .attributes
                            .as_ref()
                            .and_then(|a| a.get("exitCode"))
                            .and_then(|c| c.parse().ok());
                    } else if action == "start" {
                        entry.exit_code = None;
                    }
                }
                w.changed.notify_waiters();
            }
        });
        w
    }

    fn seen(&self, id: &str) -> Seen {
        self.seen
            .lock()
            .ok()
            .and_then(|s| s.get(id).cloned())
            .unwrap_or_default()
    }
}

/// Outcome of a service's start, shared with its dependents.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) enum Outcome {
    Pending,
    /// Started; the IDs of its containers.
    Started(Vec<String>),
    Failed,
}

/// Waits until dependency container `id` satisfies `dep.condition`.
pub(crate) async fn wait_condition(
    engine: &Engine,
    watcher: &Watcher,
    dep: &crate::spec::Dependency,
    id: &str,
    dependent: Option<&str>,
    progress: &dyn Progress,
) -> Result<(), EngineError> {
    if dep.condition == Condition::Started {
        return Ok(());
    }
    let name = container_name(engine, id).await;
    progress.event(Resource::Container, &name, &Status::Waiting);
    // A dry run meets every condition, as it would be met.
    if engine.dry_run {
        let met = match dep.condition {
            Condition::CompletedSuccessfully => Status::Exited,
            _ => Status::Healthy,
        };
        progress.event(Resource::Container, &name, &met);
        return Ok(());
    }
    // The reference marks a required dependency that failed (`Error`, or why it did not
    // complete); an optional one is reported as skipped by the caller.
    let fail = |what: &str| {
        if dep.required {
            progress.event(
                Resource::Container,
                &name,
                &Status::Failed(what.to_string()),
            );
        }
    };
    let unmet = |why: Unmet| EngineError::Unmet {
        container: name.clone(),
        service: dep.service.clone(),
        needed_by: dependent.map(str::to_string),
        why,
    };
    loop {
        // Register interest before looking, so an event between the look and the wait is not
        // lost.
        let notified = watcher.changed.notified();
        tokio::pin!(notified);
        notified.as_mut().enable();
        // The event stream said so: no need to ask the engine.
        if dep.condition == Condition::Healthy
            && watcher.seen(id).health.as_deref() == Some("healthy")
        {
            progress.event(Resource::Container, &name, &Status::Healthy);
            return Ok(());
        }
        let info = engine.inspect(id).await?;
        let state = info.state.unwrap_or_default();
        let seen = watcher.seen(id);
        let health = seen.health.or_else(|| {
            state
                .health
                .as_ref()
                .and_then(|h| h.status.map(|s| s.to_string()))
        });
        let running = state.running.unwrap_or(false);
        let exit = seen
            .exit_code
            .or(if running { None } else { state.exit_code });
        match dep.condition {
            // A dependency that exited: said so, whatever its last health check said.
            Condition::Healthy
                if !running
                    && state.status.is_some_and(|s| s.to_string() == "exited")
                    && health.as_deref() != Some("healthy") =>
            {
                fail("Error");
                return Err(unmet(Unmet::Exited(exit.unwrap_or(0))));
            }
            Condition::Healthy => match health.as_deref() {
                Some("healthy") => {
                    progress.event(Resource::Container, &name, &Status::Healthy);
                    return Ok(());
                }
                Some("unhealthy") => {
                    fail("Error");
                    return Err(unmet(Unmet::Unhealthy));
                }
                None | Some("none" | "") => {
                    fail("Error");
                    return Err(unmet(Unmet::NoHealthcheck));
                }
                _ => {
                    if !running && state.status.is_some_and(|s| s.to_string() == "exited") {
                        fail("Error");
                        return Err(unmet(Unmet::Exited(exit.unwrap_or(0))));
                    }
                }
            },
            Condition::CompletedSuccessfully => {
                if !running && state.status.is_some_and(|s| s.to_string() == "exited") {
                    let code = exit.unwrap_or(0);
                    if code == 0 {
                        progress.event(Resource::Container, &name, &Status::Exited);
                        return Ok(());
                    }
                    let why = Unmet::Failed(code);
                    fail(&why.reason(&name, &dep.service));
                    return Err(unmet(why));
                }
            }
            Condition::Started => return Ok(()),
        }
        // Wake on the next event, or re-check after a while in case the stream missed one.
        let _ = tokio::time::timeout(Duration::from_secs(5), notified).await;
    }
}

/// Docker Compose's words for an optional dependency that did not meet its condition: the
/// reason on the container's line, and the warning (which, for `service_healthy`, also says
/// why: `… failed to start: container p-bar-1 has no healthcheck configured`).
pub(super) fn optional_failure(
    dep: &crate::spec::Dependency,
    error: &EngineError,
) -> (String, String) {
    let failed = format!("optional dependency {:?} failed to start", dep.service);
    match error {
        EngineError::Unmet {
            why: Unmet::Failed(code),
            ..
        } => {
            let why = format!(
                "optional dependency {:?} didn't complete successfully: exit {code}",
                dep.service
            );
            (why.clone(), why)
        }
        EngineError::Unmet {
            container,
            service,
            why,
            ..
        } if dep.condition == Condition::Healthy => {
            let warning = format!("{failed}: {}", why.reason(container, service));
            (failed, warning)
        }
        _ => (failed.clone(), failed),
    }
}
