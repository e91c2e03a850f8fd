//! `stack rm`: removes a stack's services, secrets, configs and networks, and, unlike
//! `docker stack rm`, returns only when they are gone: every task stopped, every container
//! removed, every network deleted (the engine refuses to delete a network while a task's
//! container is still attached, so that is retried until the containers are gone). What is
//! still there when the wait ends is named, with why.

use std::collections::{HashMap, HashSet};
use std::time::{Duration, Instant};

use berth_engine::progress::{Progress, Resource, Status};
use berth_engine::{Engine, EngineError};
use bollard::models::TaskState;
use bollard::query_parameters::{
    ListContainersOptions, ListNetworksOptions, ListSecretsOptions, RemoveContainerOptions,
    StopContainerOptions,
};

use crate::deploy::{ensure_manager, stack_filter, stack_services, tasks};

/// How long `stack rm` waits for what it removed to be gone.
const DEADLINE: Duration = Duration::from_mins(2);
const POLL: Duration = Duration::from_millis(200);

/// What a removal found of the stack.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Removed {
    /// The stack had nothing on the swarm.
    Nothing,
    /// Everything of it is gone.
    All,
}

/// Removes stack `name` and waits until nothing of it is left.
///
/// # Errors
/// The engine is no swarm manager, refuses a removal, or something is still there after the
/// wait (named, with the engine's reason).
pub async fn remove(
    engine: &Engine,
    name: &str,
    progress: &dyn Progress,
) -> Result<Removed, EngineError> {
    ensure_manager(engine).await?;
    let filters = stack_filter(name);
    let services = stack_services(engine, name).await?;
    let secrets = engine
        .docker
        .list_secrets(Some(ListSecretsOptions {
            filters: Some(filters.clone()),
        }))
        .await?;
    let configs = berth_engine::configs::list(engine, &filters).await?;
    let networks = engine
        .docker
        .list_networks(Some(ListNetworksOptions {
            filters: Some(filters.clone()),
        }))
        .await?;
    if services.is_empty() && secrets.is_empty() && configs.is_empty() && networks.is_empty() {
        return Ok(Removed::Nothing);
    }
    let mut sorted: Vec<(String, String)> = services
        .iter()
        .filter_map(|s| Some((s.spec.as_ref()?.name.clone()?, s.id.clone()?)))
        .collect();
    sorted.sort();
    for (service, id) in &sorted {
        progress.event(Resource::Service, service, &Status::Removing);
        engine.docker.delete_service(id).await?;
        progress.event(Resource::Service, service, &Status::Removed);
    }
    stop_here(engine, &services, &filters).await?;
    for s in &secrets {
        let Some(n) = s.spec.as_ref().and_then(|s| s.name.clone()) else {
            continue;
        };
        progress.event(Resource::Secret, &n, &Status::Removing);
        engine
            .docker
            .delete_secret(s.id.as_deref().unwrap_or(&n))
            .await?;
        progress.event(Resource::Secret, &n, &Status::Removed);
    }
    for c in &configs {
        let Some(n) = c.spec.as_ref().and_then(|s| s.name.clone()) else {
            continue;
        };
        progress.event(Resource::Config, &n, &Status::Removing);
        berth_engine::configs::remove(engine, c.id.as_deref().unwrap_or(&n)).await?;
        progress.event(Resource::Config, &n, &Status::Removed);
    }
    // The networks go once the tasks' containers have left them.
    let start = Instant::now();
    let node = engine.docker.info().await?.swarm.and_then(|s| s.node_id);
    let mut left: Vec<(String, String)> = networks
        .iter()
        .filter_map(|n| Some((n.name.clone()?, n.id.clone()?)))
        .collect();
    left.sort();
    for (n, _) in &left {
        progress.event(Resource::Network, n, &Status::Removing);
    }
    let mut why: HashMap<String, String> = HashMap::new();
    loop {
        let mut still = Vec::new();
        for (n, id) in left {
            match engine.docker.remove_network(&id).await {
                Ok(()) => progress.event(Resource::Network, &n, &Status::Removed),
                Err(bollard::errors::Error::DockerResponseServerError {
                    status_code: 404, ..
                }) => progress.event(Resource::Network, &n, &Status::Removed),
                Err(e) => {
                    why.insert(n.clone(), berth_engine::daemon_message(&e));
                    still.push((n, id));
                }
            }
        }
        left = still;
        // A swarm network the manager removed lingers on this node until its agent lets it
        // go (`docker stack rm` returns while it is still listed): it is gone once not listed.
        let listed: Vec<String> = engine
            .docker
            .list_networks(Some(ListNetworksOptions {
                filters: Some(filters.clone()),
            }))
            .await?
            .into_iter()
            .filter_map(|n| n.name)
            .collect();
        // The containers of stopped tasks are the stack's to remove.
        let stopped = containers(engine, &filters).await?;
        for c in stopped
            .iter()
            .filter(|c| c.state != Some(bollard::models::ContainerSummaryStateEnum::RUNNING))
        {
            if let Some(id) = &c.id {
                let _ = engine
                    .docker
                    .remove_container(
                        id,
                        Some(RemoveContainerOptions {
                            force: true,
                            ..RemoveContainerOptions::default()
                        }),
                    )
                    .await;
            }
        }
        let containers = containers(engine, &filters).await?;
        let here: HashSet<&str> = containers.iter().filter_map(|c| c.id.as_deref()).collect();
        let tasks: Vec<_> = tasks(engine, name)
            .await?
            .into_iter()
            .filter(|t| still_there(t, node.as_deref(), &here))
            .collect();
        if left.is_empty() && listed.is_empty() && tasks.is_empty() && containers.is_empty() {
            return Ok(Removed::All);
        }
        if start.elapsed() > DEADLINE {
            let mut stuck: Vec<String> = listed
                .iter()
                .map(|n| {
                    format!(
                        "network {n}: {}",
                        why.get(n).map_or("still there", String::as_str)
                    )
                })
                .collect();
            stuck.extend(containers.iter().map(|c| {
                format!(
                    "container {}: {}",
                    c.names
                        .as_ref()
                        .and_then(|n| n.first())
                        .map_or("?", |n| n.trim_start_matches('/')),
                    c.status.as_deref().unwrap_or("still there")
                )
            }));
            if !tasks.is_empty() {
                stuck.push(format!("{} task(s) not yet removed", tasks.len()));
            }
            return Err(EngineError::Other(format!(
                "stack {name} is not gone after {} s:\n  {}",
                DEADLINE.as_secs(),
                stuck.join("\n  ")
            )));
        }
        tokio::time::sleep(POLL).await;
    }
}

/// Every container of the stack, running or not.
async fn containers(
    engine: &Engine,
    filters: &HashMap<String, Vec<String>>,
) -> Result<Vec<bollard::models::ContainerSummary>, EngineError> {
    Ok(engine
        .docker
        .list_containers(Some(ListContainersOptions {
            all: true,
            filters: Some(filters.clone()),
            ..ListContainersOptions::default()
        }))
        .await?)
}

/// Swarm stops the tasks of a removed service seconds after the removal; the containers of
/// those tasks on this node are stopped at once instead, each as Swarm would stop it: with its
/// service's stop signal, and killed only after its grace period (10 s unless the service
/// says otherwise).
async fn stop_here(
    engine: &Engine,
    services: &[bollard::models::Service],
    filters: &HashMap<String, Vec<String>>,
) -> Result<(), EngineError> {
    let stop_of = |service: &str| {
        let c = services
            .iter()
            .filter_map(|s| s.spec.as_ref())
            .find(|s| s.name.as_deref() == Some(service))
            .and_then(|s| s.task_template.as_ref())
            .and_then(|t| t.container_spec.as_ref());
        let grace = c
            .and_then(|c| c.stop_grace_period)
            .unwrap_or(10_000_000_000);
        let seconds =
            i32::try_from((grace.max(0) + 999_999_999) / 1_000_000_000).unwrap_or(i32::MAX);
        (c.and_then(|c| c.stop_signal.clone()), seconds)
    };
    let running = containers(engine, filters).await?;
    let stops = running
        .iter()
        .filter(|c| c.state == Some(bollard::models::ContainerSummaryStateEnum::RUNNING))
        .filter_map(|c| {
            let service = c
                .labels
                .as_ref()?
                .get("com.docker.swarm.service.name")?
                .clone();
            let (signal, t) = stop_of(&service);
            let id = c.id.clone()?;
            Some(async move {
                // A container Swarm removes meanwhile is no error.
                let _ = engine
                    .docker
                    .stop_container(&id, Some(StopContainerOptions { signal, t: Some(t) }))
                    .await;
            })
        });
    futures_util::future::join_all(stops).await;
    Ok(())
}

/// Whether a task of a removed stack is still there: one still meant to run, or not done yet.
/// A job's completed task outlives its service (Swarm does not reap it), and does not count;
/// a task of this node whose container is gone is gone, though the manager learns of it
/// seconds later.
fn still_there(t: &bollard::models::Task, node: Option<&str>, here: &HashSet<&str>) -> bool {
    let status = t.status.as_ref();
    let state = status.and_then(|s| s.state);
    let terminal = matches!(
        state,
        Some(
            TaskState::COMPLETE
                | TaskState::SHUTDOWN
                | TaskState::FAILED
                | TaskState::REJECTED
                | TaskState::ORPHANED
                | TaskState::REMOVE
        )
    );
    if t.desired_state != Some(TaskState::RUNNING) && terminal {
        return false;
    }
    let local = node.is_some() && t.node_id.as_deref() == node;
    let container = status
        .and_then(|s| s.container_status.as_ref())
        .and_then(|c| c.container_id.as_deref());
    match container {
        Some(id) if local && t.desired_state != Some(TaskState::RUNNING) => here.contains(id),
        _ => true,
    }
}
