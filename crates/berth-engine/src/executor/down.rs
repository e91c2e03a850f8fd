//! `down`: the project's containers, networks and, when asked, volumes and images removed.

use std::collections::HashSet;
use std::sync::Arc;

use crate::client::Engine;
use crate::progress::{Progress, Resource, Status};
use crate::spec::ProjectSpec;
use crate::EngineError;

use super::containers::{remove_container, service_timeout};

/// Options of `down`.
#[derive(Clone, Debug, Default)]
pub struct DownOptions {
    pub volumes: bool,
    /// `--rmi`: `local` (images named after the service, as built) or `all`.
    pub rmi: Option<String>,
    pub remove_orphans: bool,
    pub timeout: Option<i32>,
}

/// Stops and removes the project's containers (dependents first), then its networks, and its
/// named volumes with `-v`. External resources are never touched.
///
/// # Errors
/// Engine API errors.
pub async fn down(
    engine: &Engine,
    spec: &ProjectSpec,
    known_services: &HashSet<String>,
    opts: &DownOptions,
    progress: Arc<dyn Progress>,
) -> Result<bool, EngineError> {
    let containers = engine.project_containers(&spec.name, true).await?;
    let mut found = false;
    let orphans: Vec<&crate::client::Observed> = containers
        .iter()
        .filter(|c| !known_services.contains(&c.service))
        .collect();
    if !opts.remove_orphans && !orphans.is_empty() {
        let names: Vec<&str> = orphans.iter().map(|o| o.name.as_str()).collect();
        progress.warning(&format!(
                "Found orphan containers ([{}]) for this project. If you removed or renamed this service in your compose file, you can run this command with the --remove-orphans flag to clean it up.",
                names.join(" ")
            ),
        );
    }
    let mut doomed: Vec<crate::client::Observed> = containers
        .iter()
        .filter(|c| {
            spec.services.iter().any(|s| s.name == c.service)
                || (opts.remove_orphans && !known_services.contains(&c.service))
        })
        .cloned()
        .collect();
    // One-off containers (`run`) go only with `--remove-orphans`, as in Docker Compose.
    if opts.remove_orphans {
        doomed.extend(engine.one_off_containers(&spec.name, true).await?);
    }
    // Reverse dependency order, one service at a time; a service's containers in parallel.
    for group in crate::spec::reverse_dependency_groups(spec, &doomed) {
        let mut set = tokio::task::JoinSet::new();
        for c in group {
            found = true;
            let engine = engine.clone();
            let progress = Arc::clone(&progress);
            let (id, name) = (c.id.clone(), c.name.clone());
            let timeout = opts.timeout.or_else(|| {
                spec.services
                    .iter()
                    .find(|s| s.name == c.service)
                    .and_then(service_timeout)
            });
            let hooked = crate::spec::hooked_service(spec, c).cloned();
            // `down -v` takes the containers' anonymous volumes too, as Docker Compose does.
            let volumes = opts.volumes;
            set.spawn(async move {
                remove_container(
                    &engine,
                    &id,
                    &name,
                    timeout,
                    volumes,
                    hooked.as_ref(),
                    progress.as_ref(),
                )
                .await
            });
        }
        while let Some(r) = set.join_next().await {
            r.map_err(|e| EngineError::Other(format!("task failed: {e}")))??;
        }
    }
    for n in spec.networks.iter().filter(|n| !n.external) {
        if engine
            .project_network_exists(&n.name, &spec.name, &n.key)
            .await?
        {
            found = true;
            progress.event(Resource::Network, &n.name, &Status::Removing);
            let removed = if engine.dry_run {
                Ok(())
            } else {
                engine.docker.remove_network(&n.name).await
            };
            match removed {
                Ok(()) => progress.event(Resource::Network, &n.name, &Status::Removed),
                // In use (by containers of other services, or of other projects).
                Err(_) => progress.event(
                    Resource::Network,
                    &n.name,
                    &Status::Failed("Resource is still in use".into()),
                ),
            }
        }
    }
    if opts.volumes {
        for v in spec.volumes.iter().filter(|v| !v.external) {
            if engine.volume_labels(&v.name).await?.is_some() {
                found = true;
                progress.event(Resource::Volume, &v.name, &Status::Removing);
                engine.remove_volume(&v.name).await?;
                progress.event(Resource::Volume, &v.name, &Status::Removed);
            }
        }
    }
    if let Some(rmi) = opts.rmi.as_deref() {
        let mut images: Vec<&str> = spec
            .services
            .iter()
            .filter(|s| rmi == "all" || s.image == format!("{}-{}", spec.name, s.name))
            .map(|s| s.image.as_str())
            .collect();
        images.sort_unstable();
        images.dedup();
        for image in images {
            if engine.image_id(image).await?.is_none() {
                continue;
            }
            found = true;
            progress.event(Resource::Image, image, &Status::Removing);
            let removed = if engine.dry_run {
                Ok(Vec::new())
            } else {
                engine
                    .docker
                    .remove_image(
                        image,
                        None::<bollard::query_parameters::RemoveImageOptions>,
                        None,
                    )
                    .await
            };
            match removed {
                Ok(_) => progress.event(Resource::Image, image, &Status::Removed),
                Err(e) => progress.event(
                    Resource::Image,
                    image,
                    &Status::Failed(format!("Error {}", crate::daemon_message(&e))),
                ),
            }
        }
    }
    Ok(found)
}
