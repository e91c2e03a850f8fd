//! One container's life: created (with what it refers to resolved and the anonymous volumes of
//! the one it replaces), stopped and removed.

use std::time::Duration;

use berth_model::Project;
use bollard::query_parameters::{
    CreateContainerOptions, RemoveContainerOptions, StopContainerOptions,
};

use crate::client::Engine;
use crate::labels;
use crate::progress::{Progress, Resource, Status};
use crate::spec::{self, ServiceSpec};
use crate::EngineError;

use super::Limit;

/// A recreated container mounts the anonymous volumes of the one it replaces, at the same
/// paths, as Docker Compose does: their data survives a change of configuration.
pub(super) async fn inherit_anonymous_volumes(
    engine: &Engine,
    old: &str,
    body: &mut bollard::models::ContainerCreateBody,
) -> Result<(), EngineError> {
    let info = match engine.inspect(old).await {
        Ok(i) => i,
        // Gone meanwhile: nothing to keep.
        Err(bollard::errors::Error::DockerResponseServerError {
            status_code: 404, ..
        }) => return Ok(()),
        Err(e) => return Err(e.into()),
    };
    let Some(mounts) = body.host_config.as_mut().and_then(|h| h.mounts.as_mut()) else {
        return Ok(());
    };
    for m in info.mounts.unwrap_or_default() {
        let (Some(name), Some(dest)) = (m.name, m.destination) else {
            continue;
        };
        let anonymous = m.typ == Some(bollard::models::MountPointTypeEnum::VOLUME)
            && name.len() == 64
            && name.chars().all(|c| c.is_ascii_hexdigit());
        if !anonymous {
            continue;
        }
        // An anonymous volume is a volume mount with no source.
        for m in mounts.iter_mut() {
            if m.typ == Some(bollard::models::MountTypeEnum::VOLUME)
                && m.source.is_none()
                && m.target.as_deref() == Some(dest.as_str())
            {
                m.source = Some(name.clone());
            }
        }
    }
    Ok(())
}

/// What a container refers to by service or container name, resolved as Docker Compose
/// resolves it when creating: `network_mode`, `ipc` and `pid` of `service:NAME` (or
/// `container:NAME`) become `container:<ID>` of that service's first container, and `links`
/// become endpoint links (`<container>:<alias>`, `<container>:<service>-<N>`,
/// `<container>:<container>` for each of the linked service's containers).
pub(crate) async fn resolve_references(
    engine: &Engine,
    project: &Project,
    value: &berth_model::Value,
    body: &mut bollard::models::ContainerCreateBody,
    networks: &mut [(String, bollard::models::EndpointSettings)],
) -> Result<(), EngineError> {
    let strings = |key: &str| -> Vec<String> {
        value
            .get(key)
            .and_then(berth_model::Value::as_seq)
            .unwrap_or(&[])
            .iter()
            .filter_map(berth_model::Value::scalar_to_string)
            .collect()
    };
    let links = strings("links");
    let volumes_from = strings("volumes_from");
    let refers = |m: &Option<String>| {
        m.as_deref()
            .is_some_and(|m| m.starts_with("service:") || m.starts_with("container:"))
    };
    let host = body.host_config.get_or_insert_with(Default::default);
    if links.is_empty()
        && volumes_from.is_empty()
        && !refers(&host.network_mode)
        && !refers(&host.ipc_mode)
        && !refers(&host.pid_mode)
    {
        return Ok(());
    }
    let mut containers = engine.project_containers(&project.name, true).await?;
    containers.sort_by_key(|c| c.number);
    let first_of = |service: &str| containers.iter().find(|c| c.service == service);
    // `volumes_from: [SERVICE[:MODE]]` shares the volumes of that service's first container;
    // `container:NAME[:MODE]` names a container as the engine knows it.
    let mut shared = Vec::new();
    for v in &volumes_from {
        if let Some(rest) = v.strip_prefix("container:") {
            shared.push(rest.to_string());
            continue;
        }
        let (service, mode) = match v.split_once(':') {
            Some((s, m)) => (s, Some(m)),
            None => (v.as_str(), None),
        };
        let c = first_of(service).ok_or_else(|| {
            EngineError::Other(format!(
                "cannot share volume with service {service}: container missing"
            ))
        })?;
        shared.push(match mode {
            Some(m) => format!("{}:{m}", c.id),
            None => c.id.clone(),
        });
    }
    if !shared.is_empty() {
        host.volumes_from = Some(shared);
    }
    for (what, mode) in [
        ("network namespace", &mut host.network_mode),
        ("IPC namespace", &mut host.ipc_mode),
        ("PID namespace", &mut host.pid_mode),
    ] {
        let Some(m) = mode.clone() else { continue };
        if let Some(service) = m.strip_prefix("service:") {
            let c = first_of(service).ok_or_else(|| {
                EngineError::Other(format!(
                    "cannot share {what} with service {service}: container missing"
                ))
            })?;
            *mode = Some(format!("container:{}", c.id));
        } else if let Some(name) = m.strip_prefix("container:") {
            let info = engine
                .inspect(name)
                .await
                .map_err(|e| EngineError::Other(crate::daemon_message(&e)))?;
            if let Some(id) = info.id {
                *mode = Some(format!("container:{id}"));
            }
        }
    }
    if links.is_empty() {
        return Ok(());
    }
    let mut endpoint_links = Vec::new();
    for l in &links {
        let (service, alias) = l.split_once(':').unwrap_or((l, l));
        for c in containers.iter().filter(|c| c.service == service) {
            let short = c
                .name
                .strip_prefix(&format!("{}-", project.name))
                .unwrap_or(&c.name);
            for a in [alias, short, c.name.as_str()] {
                endpoint_links.push(format!("{}:{a}", c.name));
            }
        }
    }
    if let Some(eps) = body
        .networking_config
        .as_mut()
        .and_then(|n| n.endpoints_config.as_mut())
    {
        for ep in eps.values_mut() {
            ep.links = Some(endpoint_links.clone());
        }
    }
    for (_, ep) in networks {
        ep.links = Some(endpoint_links.clone());
    }
    Ok(())
}

pub(super) fn service_timeout(s: &ServiceSpec) -> Option<i32> {
    s.stop_timeout.and_then(|t| i32::try_from(t).ok())
}

pub(super) fn start_error(
    service: &str,
    container: &str,
    e: &bollard::errors::Error,
) -> EngineError {
    let msg = e.to_string();
    if msg.contains("port is already allocated") || msg.contains("address already in use") {
        return EngineError::Other(format!(
            "service \"{service}\" (container {container}): a published host port is already in use: {msg}"
        ));
    }
    EngineError::Other(format!(
        "service \"{service}\" (container {container}) failed to start: {msg}"
    ))
}

/// The name of container `id` (its ID when the engine does not say).
pub(super) async fn container_name(engine: &Engine, id: &str) -> String {
    engine
        .inspect(id)
        .await
        .ok()
        .and_then(|c| c.name)
        .map_or_else(|| id.to_string(), |n| n.trim_start_matches('/').to_string())
}

#[allow(clippy::too_many_arguments)]
pub(super) async fn create_container(
    engine: &Engine,
    project: &Project,
    service: &ServiceSpec,
    value: &berth_model::Value,
    number: u32,
    create_name: &str,
    final_name: &str,
    image_id: Option<&str>,
    inherit: Option<&str>,
    extra_env: &[String],
    limit: &Limit,
    progress: &dyn Progress,
) -> Result<String, EngineError> {
    // A replacement is reported as `Recreate` and `Recreated` by the caller, as the
    // reference reports it, without the `Creating` and `Created` of a new container.
    let fresh = create_name == final_name;
    if fresh {
        progress.event(Resource::Container, final_name, &Status::Creating);
    }
    let _permit = limit.acquire().await;
    let body = spec::create_body(project, service, value, number, image_id)
        .and_then(|b| spec::check_engine_features(&b, engine.api_at_least(1, 44)).map(|()| b));
    let mut body = match body {
        Ok(b) => b,
        Err(e) => {
            progress.event(Resource::Container, final_name, &Status::Failed(e.clone()));
            return Err(EngineError::Other(e));
        }
    };
    if !extra_env.is_empty() {
        let env = body.env.get_or_insert_with(Vec::new);
        for e in extra_env {
            let key = e.split('=').next();
            env.retain(|have| have.split('=').next() != key);
            env.push(e.clone());
        }
    }
    if create_name != final_name {
        if let Some(l) = body.labels.as_mut() {
            l.insert(
                labels::REPLACE.into(),
                final_name
                    .strip_prefix(&format!("{}-", project.name))
                    .unwrap_or(final_name)
                    .to_string(),
            );
        }
    }
    let mut networks: Vec<(String, bollard::models::EndpointSettings)> =
        spec::secondary_networks(project, value)
            .into_iter()
            .map(|(net, key)| (net, spec::endpoint(value, &key, final_name, &service.name)))
            .collect();
    if engine.dry_run {
        if fresh {
            progress.event(Resource::Container, final_name, &Status::Created);
        }
        return Ok(final_name.to_string());
    }
    resolve_references(engine, project, value, &mut body, &mut networks).await?;
    if let Some(old) = inherit {
        inherit_anonymous_volumes(engine, old, &mut body).await?;
    }
    let id = create_connected(
        engine,
        &service.name,
        create_name,
        final_name,
        body,
        networks,
    )
    .await?;
    if fresh {
        progress.event(Resource::Container, final_name, &Status::Created);
    }
    Ok(id)
}

/// Creates a container named `create_name` and connects it to its other networks (the engine
/// takes only one at create, on API versions before 1.44). Errors name the service and
/// `final_name`.
pub(crate) async fn create_connected(
    engine: &Engine,
    service: &str,
    create_name: &str,
    final_name: &str,
    body: bollard::models::ContainerCreateBody,
    networks: Vec<(String, bollard::models::EndpointSettings)>,
) -> Result<String, EngineError> {
    let create = |body: bollard::models::ContainerCreateBody| {
        engine.docker.create_container(
            Some(CreateContainerOptions {
                name: Some(create_name.to_string()),
                ..Default::default()
            }),
            body,
        )
    };
    let failed = |e: &bollard::errors::Error| {
        EngineError::Other(format!(
            "service \"{service}\": cannot create container {final_name}: {}",
            crate::daemon_message(e)
        ))
    };
    let created = match create(body.clone()).await {
        Ok(c) => c,
        // The name is taken by a container of this very project and service that an `up`
        // killed meanwhile had asked for: the engine may finish a dead client's create after
        // this `up` looked at the containers. It goes, and the create is made again.
        Err(
            e @ bollard::errors::Error::DockerResponseServerError {
                status_code: 409, ..
            },
        ) => {
            let ours = leftover_of(engine, create_name, &body).await;
            if !ours {
                return Err(failed(&e));
            }
            force_remove(engine, create_name, false).await?;
            create(body).await.map_err(|e| failed(&e))?
        }
        Err(e) => return Err(failed(&e)),
    };
    for (net, endpoint) in networks {
        engine
            .docker
            .connect_network(
                &net,
                bollard::models::NetworkConnectRequest {
                    container: Some(created.id.clone()),
                    endpoint_config: Some(endpoint),
                },
            )
            .await?;
    }
    Ok(created.id)
}

/// Whether the container called `name` belongs to the project and service that `body` is
/// for (the same two labels): a leftover of a killed `up`, not somebody else's container.
///
/// The engine reserves a name before the container it creates can be looked up: while a dead
/// client's create is still under way, the name is taken and yet no container answers to it.
/// That window is waited out (for up to ten seconds) rather than taken for a stranger.
pub(super) async fn leftover_of(
    engine: &Engine,
    name: &str,
    body: &bollard::models::ContainerCreateBody,
) -> bool {
    let want = |key: &str| body.labels.as_ref().and_then(|l| l.get(key)).cloned();
    let mut info = engine.inspect(name).await;
    for _ in 0..100 {
        match &info {
            Err(bollard::errors::Error::DockerResponseServerError {
                status_code: 404, ..
            }) => {
                tokio::time::sleep(Duration::from_millis(100)).await;
                info = engine.inspect(name).await;
            }
            _ => break,
        }
    }
    let Ok(info) = info else {
        return false;
    };
    let have = info.config.and_then(|c| c.labels).unwrap_or_default();
    [labels::PROJECT, labels::SERVICE]
        .iter()
        .all(|k| want(k).is_some() && have.get(*k) == want(k).as_ref())
}

/// Removes a container by ID or name (a recreate's temporary name, which only a replacement of
/// the same container can hold), stopping it if need be; one already gone is no error.
pub(super) async fn force_remove(
    engine: &Engine,
    container: &str,
    volumes: bool,
) -> Result<(), EngineError> {
    if engine.dry_run {
        return Ok(());
    }
    match engine
        .docker
        .remove_container(
            container,
            Some(RemoveContainerOptions {
                force: true,
                v: volumes,
                ..Default::default()
            }),
        )
        .await
    {
        Ok(())
        | Err(bollard::errors::Error::DockerResponseServerError {
            status_code: 404, ..
        }) => Ok(()),
        Err(e) => Err(e.into()),
    }
}

pub(super) async fn stop_container(
    engine: &Engine,
    id: &str,
    timeout: Option<i32>,
) -> Result<(), EngineError> {
    if engine.dry_run {
        return Ok(());
    }
    match engine
        .docker
        .stop_container(
            id,
            Some(StopContainerOptions {
                t: timeout,
                ..Default::default()
            }),
        )
        .await
    {
        Ok(())
        | Err(bollard::errors::Error::DockerResponseServerError {
            status_code: 304 | 404,
            ..
        }) => Ok(()),
        Err(e) => Err(e.into()),
    }
}

pub(super) async fn remove_container(
    engine: &Engine,
    id: &str,
    name: &str,
    timeout: Option<i32>,
    anonymous_volumes: bool,
    service: Option<&ServiceSpec>,
    progress: &dyn Progress,
) -> Result<(), EngineError> {
    progress.event(Resource::Container, name, &Status::Stopping);
    if let Some(s) = service {
        let ran = crate::hooks::run(engine, id, name, &s.name, s.tty, &s.pre_stop, progress).await;
        crate::hooks::unless_stopped(ran)?;
    }
    // With no grace period, removing by force kills the container as stopping would: one
    // call to the engine instead of two (`down -t 0`).
    if timeout != Some(0) {
        stop_container(engine, id, timeout).await?;
    }
    progress.event(Resource::Container, name, &Status::Stopped);
    progress.event(Resource::Container, name, &Status::Removing);
    force_remove(engine, id, anonymous_volumes).await?;
    progress.event(Resource::Container, name, &Status::Removed);
    Ok(())
}
