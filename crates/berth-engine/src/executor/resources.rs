//! Applying the networks' and volumes' plan (see [`crate::plan::plan_networks`] and
//! [`crate::plan::plan_volumes`]).

use std::collections::HashSet;

use berth_model::Project;

use crate::client::Engine;
use crate::plan::{self, Found, NetworkStep, ResourcePlan, VolumeStep};
use crate::progress::{Progress, Resource, Status};
use crate::spec::{self, ProjectSpec, ServiceSpec};
use crate::EngineError;

use super::containers::{remove_container, service_timeout, stop_container};

/// What the engine has under the names of the project's networks `up` sees to.
pub(super) async fn found_networks(
    engine: &Engine,
    spec: &ProjectSpec,
) -> Result<Found, EngineError> {
    let mut found = Found::new();
    for name in plan::networks_to_look_up(spec) {
        if let Some(info) = find_network(engine, &name).await? {
            found.insert(name, info.labels.unwrap_or_default());
        }
    }
    Ok(found)
}

/// What the engine has under the names of the project's volumes.
pub(super) async fn found_volumes(
    engine: &Engine,
    spec: &ProjectSpec,
) -> Result<Found, EngineError> {
    let mut found = Found::new();
    for v in &spec.volumes {
        if let Some(labels) = engine.volume_labels(&v.name).await? {
            found.insert(v.name.clone(), labels);
        }
    }
    Ok(found)
}

/// Plans the project's networks and volumes from what the engine has: a missing external
/// one, or a network made for another key, is refused here, before anything is made.
///
/// # Errors
/// Those refusals, in Docker Compose's words; engine errors.
pub async fn plan_resources(
    engine: &Engine,
    spec: &ProjectSpec,
) -> Result<(ResourcePlan<NetworkStep>, ResourcePlan<VolumeStep>), EngineError> {
    let (networks, volumes) =
        tokio::try_join!(found_networks(engine, spec), found_volumes(engine, spec))?;
    let networks = plan::plan_networks(spec, &networks).map_err(EngineError::Other)?;
    let volumes = plan::plan_volumes(spec, &volumes).map_err(EngineError::Other)?;
    Ok((networks, volumes))
}

/// Creates the project's networks that are missing and reuses those that match (see
/// [`plan::plan_networks`]). Returns the IDs of the containers it stopped to recreate a
/// network, for the start phase to start again.
///
/// # Errors
/// A missing external network, a network of that name made for another key, engine errors.
pub async fn ensure_networks(
    engine: &Engine,
    project: &Project,
    spec: &ProjectSpec,
    progress: &dyn Progress,
) -> Result<HashSet<String>, EngineError> {
    let found = found_networks(engine, spec).await?;
    let plan = plan::plan_networks(spec, &found).map_err(EngineError::Other)?;
    apply_networks(engine, project, spec, &plan, progress).await
}

/// Applies the networks' plan. A network whose configuration changed is recreated as Docker
/// Compose does: the containers of the services on it are stopped, disconnected, and connected
/// again to the new network (with their aliases and addresses, which Docker Compose drops).
/// Returns the IDs of the containers it stopped.
///
/// # Errors
/// Engine errors.
pub async fn apply_networks(
    engine: &Engine,
    project: &Project,
    spec: &ProjectSpec,
    plan: &ResourcePlan<NetworkStep>,
    progress: &dyn Progress,
) -> Result<HashSet<String>, EngineError> {
    for w in &plan.warnings {
        progress.warning(w);
    }
    let mut stopped = HashSet::new();
    for step in &plan.steps {
        let (NetworkStep::Create { name } | NetworkStep::Recreate { name }) = step else {
            continue;
        };
        let Some(n) = spec.networks.iter().find(|n| &n.name == name) else {
            continue;
        };
        if matches!(step, NetworkStep::Recreate { .. }) {
            recreate_network(engine, project, spec, n, progress, &mut stopped).await?;
            continue;
        }
        progress.event(Resource::Network, &n.name, &Status::Creating);
        if !engine.dry_run {
            engine.docker.create_network(n.create.clone()).await?;
        }
        progress.event(Resource::Network, &n.name, &Status::Created);
    }
    Ok(stopped)
}

/// The network of that exact name (or ID), if the engine has it.
pub(super) async fn find_network(
    engine: &Engine,
    name: &str,
) -> Result<Option<bollard::models::Network>, EngineError> {
    match engine
        .docker
        .inspect_network(
            name,
            None::<bollard::query_parameters::InspectNetworkOptions>,
        )
        .await
    {
        // The engine also matches an ID prefix: keep the exact name (or ID) only.
        Ok(info) if info.name.as_deref() == Some(name) || info.id.as_deref() == Some(name) => {
            Ok(Some(info))
        }
        Ok(_)
        | Err(bollard::errors::Error::DockerResponseServerError {
            status_code: 404, ..
        }) => Ok(None),
        Err(e) => Err(e.into()),
    }
}

/// Replaces a network whose configuration changed: stops the running containers of the
/// services on it (their IDs go into `stopped`), disconnects them, removes and creates the
/// network, and connects them again.
pub(super) async fn recreate_network(
    engine: &Engine,
    project: &Project,
    spec: &ProjectSpec,
    n: &spec::NetworkSpec,
    progress: &dyn Progress,
    stopped: &mut HashSet<String>,
) -> Result<(), EngineError> {
    let on_it: Vec<&ServiceSpec> = spec
        .services
        .iter()
        .filter(|s| s.networks.contains(&n.name))
        .collect();
    let containers: Vec<_> = engine
        .project_containers(&spec.name, true)
        .await?
        .into_iter()
        .filter(|c| on_it.iter().any(|s| s.name == c.service))
        .collect();
    let on_it = &on_it;
    let stops = containers
        .iter()
        .filter(|c| c.state == "running")
        .map(|c| async move {
            progress.event(Resource::Container, &c.name, &Status::Stopping);
            let grace = on_it
                .iter()
                .find(|s| s.name == c.service)
                .and_then(|s| service_timeout(s));
            stop_container(engine, &c.id, grace).await?;
            progress.event(Resource::Container, &c.name, &Status::Stopped);
            Ok::<_, EngineError>(c.id.clone())
        });
    stopped.extend(futures_util::future::try_join_all(stops).await?);
    if engine.dry_run {
        progress.event(Resource::Network, &n.name, &Status::Removed);
        progress.event(Resource::Network, &n.name, &Status::Creating);
        progress.event(Resource::Network, &n.name, &Status::Created);
        return Ok(());
    }
    for c in &containers {
        // A container that was never connected is not an error here.
        let _ = engine
            .docker
            .disconnect_network(
                &n.name,
                bollard::models::NetworkDisconnectRequest {
                    container: Some(c.id.clone()),
                    force: Some(true),
                },
            )
            .await;
    }
    engine.docker.remove_network(&n.name).await?;
    progress.event(Resource::Network, &n.name, &Status::Removed);
    progress.event(Resource::Network, &n.name, &Status::Creating);
    engine.docker.create_network(n.create.clone()).await?;
    progress.event(Resource::Network, &n.name, &Status::Created);
    for c in &containers {
        let endpoint = spec::service_value(project, &c.service)
            .map(|v| spec::endpoint(v, &n.key, &c.name, &c.service));
        engine
            .docker
            .connect_network(
                &n.name,
                bollard::models::NetworkConnectRequest {
                    container: Some(c.id.clone()),
                    endpoint_config: endpoint,
                },
            )
            .await?;
    }
    Ok(())
}

/// Applies the volumes' plan, as Docker Compose does: a missing volume is created; one whose
/// configuration changed is recreated only if the user says so (`-y`, or at the prompt),
/// after removing the project's containers that mount it. Returns the IDs of the containers
/// removed, which `up` creates again.
///
/// # Errors
/// Engine errors.
pub async fn apply_volumes(
    engine: &Engine,
    spec: &ProjectSpec,
    plan: &ResourcePlan<VolumeStep>,
    progress: &dyn Progress,
) -> Result<HashSet<String>, EngineError> {
    for w in &plan.warnings {
        progress.warning(w);
    }
    let mut removed = HashSet::new();
    for step in &plan.steps {
        let (VolumeStep::Create { name } | VolumeStep::Diverged { name }) = step else {
            continue;
        };
        let Some(v) = spec.volumes.iter().find(|v| &v.name == name) else {
            continue;
        };
        if matches!(step, VolumeStep::Create { .. }) {
            create_volume(engine, v, progress).await?;
            continue;
        }
        if !progress.confirm(&format!(
            "Volume \"{}\" exists but doesn't match configuration in compose file. Recreate (data will be lost)?",
            v.name
        )) {
            continue;
        }
        let (mut users, one_offs) = tokio::try_join!(
            engine.project_containers(&spec.name, true),
            engine.one_off_containers(&spec.name, true),
        )?;
        users.extend(one_offs);
        for c in users.iter().filter(|c| c.volumes.contains(&v.name)) {
            let service = crate::spec::hooked_service(spec, c);
            remove_container(engine, &c.id, &c.name, None, false, service, progress).await?;
            removed.insert(c.id.clone());
        }
        engine.remove_volume(&v.name).await?;
        create_volume(engine, v, progress).await?;
    }
    Ok(removed)
}

pub(super) async fn create_volume(
    engine: &Engine,
    v: &crate::spec::VolumeSpec,
    progress: &dyn Progress,
) -> Result<(), EngineError> {
    progress.event(Resource::Volume, &v.name, &Status::Creating);
    if !engine.dry_run {
        engine.docker.create_volume(v.create.clone()).await?;
    }
    progress.event(Resource::Volume, &v.name, &Status::Created);
    Ok(())
}
