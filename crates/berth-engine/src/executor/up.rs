//! `up`: creates the networks and volumes, then converges every service, each as soon as its
//! own dependencies allow, concurrently otherwise.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use berth_model::Project;
use bollard::query_parameters::RenameContainerOptions;
use tokio::sync::watch;

use crate::client::Engine;
use crate::plan::{Plan, Step};
use crate::progress::{Phase, Progress, Resource, Status};
use crate::spec::{self, Condition, ProjectSpec, ServiceSpec};
use crate::EngineError;

use super::containers::{
    container_name, create_container, force_remove, remove_container, service_timeout, start_error,
    stop_container,
};
use super::events::{optional_failure, wait_condition, Outcome, Watcher};
use super::resources::{apply_networks, apply_volumes, plan_resources};
use super::ExecOptions;

/// Creates the networks and volumes, then converges every service.
///
/// # Errors
/// The first failure, naming the service, container and reason.
pub async fn up(
    engine: &Engine,
    project: &Arc<Project>,
    spec: &ProjectSpec,
    plan: &Plan,
    opts: &ExecOptions,
    progress: Arc<dyn Progress>,
) -> Result<(), EngineError> {
    // A missing external network or volume is found before anything is made.
    let (networks, volumes) = plan_resources(engine, spec).await?;
    let mut stopped = apply_networks(engine, project, spec, &networks, progress.as_ref()).await?;
    let removed = apply_volumes(engine, spec, &volumes, progress.as_ref()).await?;
    stopped.extend(stop_for_dependencies(engine, spec, plan, opts, progress.as_ref()).await?);
    if !plan.orphans.is_empty() && !opts.ignore_orphans {
        if opts.remove_orphans {
            for o in &plan.orphans {
                remove_container(
                    engine,
                    &o.id,
                    &o.name,
                    opts.timeout,
                    false,
                    None,
                    progress.as_ref(),
                )
                .await?;
            }
        } else {
            let names: Vec<&str> = plan.orphans.iter().map(|o| o.name.as_str()).collect();
            progress.warning(&format!(
                    "Found orphan containers ([{}]) for this project. If you removed or renamed this service in your compose file, you can run this command with the --remove-orphans flag to clean it up.",
                    names.join(" ")
                ),
            );
        }
    }
    let watcher = Watcher::start(engine, &spec.name);
    let mut senders = HashMap::new();
    let mut receivers = HashMap::new();
    for s in &spec.services {
        let (tx, rx) = watch::channel(Outcome::Pending);
        senders.insert(s.name.clone(), tx);
        receivers.insert(s.name.clone(), rx);
    }
    let provided = &opts.provided;
    let mut tasks = tokio::task::JoinSet::new();
    for sp in &plan.services {
        let Some(service) = spec.services.iter().find(|s| s.name == sp.service).cloned() else {
            continue;
        };
        let deps: Vec<(crate::spec::Dependency, watch::Receiver<Outcome>)> = service
            .depends_on
            .iter()
            .filter_map(|d| receivers.get(&d.service).map(|r| (d.clone(), r.clone())))
            .collect();
        let Some(tx) = senders.remove(&service.name) else {
            continue;
        };
        // Containers stopped for a network's recreation start again; those removed with a
        // recreated volume are created again.
        let steps = sp
            .steps
            .iter()
            .cloned()
            .filter_map(|step| match step {
                Step::Keep {
                    id, name, number, ..
                }
                | Step::Recreate { id, name, number }
                    if removed.contains(&id) =>
                {
                    Some(Step::Create { number, name })
                }
                Step::Remove { id, .. } if removed.contains(&id) => None,
                Step::Keep {
                    id,
                    name,
                    number,
                    running,
                } => Some(Step::Keep {
                    running: running && !stopped.contains(&id),
                    id,
                    name,
                    number,
                }),
                other => Some(other),
            })
            .collect();
        let image_id = sp.image_id.clone();
        let engine = engine.clone();
        let project = Arc::clone(project);
        let watcher = Arc::clone(&watcher);
        let progress = Arc::clone(&progress);
        let opts = opts.clone();
        let provided = Arc::clone(provided);
        let dry_run = engine.dry_run;
        tasks.spawn(async move {
            let r = if let Some(provider) = &service.provider {
                run_provider(
                    &project, &service, provider, deps, &provided, dry_run, &*progress,
                )
                .await
            } else {
                Box::pin(converge_service(
                    &engine, &project, &service, steps, image_id, deps, &watcher, &opts, &provided,
                    progress,
                ))
                .await
            };
            let _ = tx.send(match &r {
                Ok(ids) => Outcome::Started(ids.clone()),
                Err(_) => Outcome::Failed,
            });
            r.map(|ids| (service, ids))
        });
    }
    let mut first_err = None;
    let mut started = Vec::new();
    while let Some(joined) = tasks.join_next().await {
        match joined {
            Ok(Ok(done)) => started.push(done),
            Ok(Err(e)) => {
                if first_err.is_none() {
                    first_err = Some(e);
                }
            }
            Err(e) => {
                if first_err.is_none() {
                    first_err = Some(EngineError::Other(format!("task failed: {e}")));
                }
            }
        }
    }
    if let Some(e) = first_err {
        return Err(e);
    }
    if opts.wait && !opts.no_start {
        // A service others wait on to complete may exit, successfully.
        let completing: HashSet<String> = spec
            .services
            .iter()
            .flat_map(|s| &s.depends_on)
            .filter(|d| d.condition == Condition::CompletedSuccessfully)
            .map(|d| d.service.clone())
            .collect();
        let all = wait_all(engine, &watcher, &started, &completing, progress.as_ref());
        match opts.wait_timeout {
            Some(limit) => tokio::time::timeout(limit, all).await.map_err(|_| {
                EngineError::Other(format!(
                    "application not healthy after {}s",
                    limit.as_secs()
                ))
            })??,
            None => all.await?,
        }
    }
    Ok(())
}

/// `up --wait`: every started container running, or healthy where it has a healthcheck.
pub(super) async fn wait_all(
    engine: &Engine,
    watcher: &Watcher,
    started: &[(ServiceSpec, Vec<String>)],
    completing: &HashSet<String>,
    progress: &dyn Progress,
) -> Result<(), EngineError> {
    for (service, ids) in started {
        if completing.contains(&service.name) {
            let dep = crate::spec::Dependency {
                service: service.name.clone(),
                condition: Condition::CompletedSuccessfully,
                required: true,
                restart: false,
            };
            for id in ids {
                wait_condition(engine, watcher, &dep, id, None, progress).await?;
            }
            continue;
        }
        let dep = crate::spec::Dependency {
            service: service.name.clone(),
            condition: if service.has_healthcheck {
                Condition::Healthy
            } else {
                Condition::Started
            },
            required: true,
            restart: false,
        };
        for id in ids {
            if service.has_healthcheck {
                wait_condition(engine, watcher, &dep, id, None, progress).await?;
            } else if !engine.dry_run {
                let info = engine.inspect(id).await?;
                let state = info.state.unwrap_or_default();
                if !state.running.unwrap_or(false) {
                    let name = info.name.unwrap_or_default();
                    return Err(EngineError::Other(format!(
                        "container {} exited ({})",
                        name.trim_start_matches('/'),
                        state.exit_code.unwrap_or(0)
                    )));
                }
            }
        }
    }
    Ok(())
}

/// Stops the running containers the plan keeps of services whose `restart: true` dependency
/// is recreated; they start again after it. Returns their IDs.
pub(super) async fn stop_for_dependencies(
    engine: &Engine,
    spec: &ProjectSpec,
    plan: &Plan,
    opts: &ExecOptions,
    progress: &dyn Progress,
) -> Result<HashSet<String>, EngineError> {
    let mut stopped = HashSet::new();
    for sp in plan.services.iter().filter(|p| p.restart_for_dependency) {
        let timeout = opts.timeout.or_else(|| {
            spec.services
                .iter()
                .find(|s| s.name == sp.service)
                .and_then(service_timeout)
        });
        for step in &sp.steps {
            if let Step::Keep {
                id,
                name,
                running: true,
                ..
            } = step
            {
                progress.event(Resource::Container, name, &Status::Stopping);
                stop_container(engine, id, timeout).await?;
                progress.event(Resource::Container, name, &Status::Stopped);
                stopped.insert(id.clone());
            }
        }
    }
    Ok(stopped)
}

/// The variables each provider's service set, by service.
pub type Provided = Arc<std::sync::Mutex<HashMap<String, Vec<(String, String)>>>>;

/// Waits until every dependency is done (started, or failed).
pub(super) async fn settled(deps: &[(crate::spec::Dependency, watch::Receiver<Outcome>)]) {
    for (_, rx) in deps {
        let mut rx = rx.clone();
        while matches!(*rx.borrow(), Outcome::Pending) {
            if rx.changed().await.is_err() {
                break;
            }
        }
    }
}

/// A provider's service, once its dependencies are done: its program run for `up`, and what
/// it set kept for its dependents (see [`crate::provider`]).
pub(super) async fn run_provider(
    project: &Project,
    service: &ServiceSpec,
    provider: &crate::provider::Provider,
    deps: Vec<(crate::spec::Dependency, watch::Receiver<Outcome>)>,
    provided: &Provided,
    dry_run: bool,
    progress: &dyn Progress,
) -> Result<Vec<String>, EngineError> {
    settled(&deps).await;
    // A dry run runs no program.
    if dry_run {
        progress.detail(&service.name, "", "Creating", Phase::Working);
        progress.detail(&service.name, "", "Created", Phase::Done);
        return Ok(Vec::new());
    }
    let mut env: HashMap<String, String> = std::env::vars().collect();
    env.extend(
        project
            .environment
            .iter()
            .map(|(k, v)| (k.clone(), v.clone())),
    );
    let vars = crate::provider::up(&project.name, &service.name, provider, &env, progress).await?;
    if let Ok(mut p) = provided.lock() {
        p.insert(service.name.clone(), vars);
    }
    Ok(Vec::new())
}

/// What the providers among `service`'s dependencies set, as its containers get it:
/// `<SERVICE>_KEY=VALUE`, the provider's service name in capitals.
#[must_use]
pub fn provided_env(service: &ServiceSpec, provided: &Provided) -> Vec<String> {
    let Ok(p) = provided.lock() else {
        return Vec::new();
    };
    let mut env = Vec::new();
    for d in &service.depends_on {
        for (k, v) in p.get(&d.service).into_iter().flatten() {
            env.push(format!("{}_{k}={v}", d.service.to_uppercase()));
        }
    }
    env
}

#[allow(clippy::too_many_arguments)]
pub(super) async fn converge_service(
    engine: &Engine,
    project: &Project,
    service: &ServiceSpec,
    steps: Vec<Step>,
    image_id: Option<String>,
    deps: Vec<(crate::spec::Dependency, watch::Receiver<Outcome>)>,
    watcher: &Watcher,
    opts: &ExecOptions,
    provided: &Provided,
    progress: Arc<dyn Progress>,
) -> Result<Vec<String>, EngineError> {
    let value = spec::service_value(project, &service.name)
        .ok_or_else(|| EngineError::Other(format!("no such service: {}", service.name)))?;
    let creates = steps
        .iter()
        .any(|s| matches!(s, Step::Create { .. } | Step::Recreate { .. }));
    if creates && image_id.is_none() {
        return Err(EngineError::Other(format!(
            "service \"{}\": image {} is not present on the engine, and there is no registry to pull it from",
            service.name, service.image
        )));
    }
    // A dependency gated on health or completion leaves this service idle for a while after
    // the dependency starts: create the containers then, so that they do not share the engine
    // with the dependency's own start, which is what the whole chain waits on.
    // A container that names another service's container (links, `network_mode`, `ipc` or
    // `pid` of `service:NAME`, `volumes_from`) is created once that one exists.
    let settings = berth_model::settings::Settings::of(value);
    let names_another = |m: &str| m.starts_with("service:") || m.starts_with("container:");
    let refers = !settings.links.is_empty()
        || settings.volumes_from.is_some()
        || settings
            .network_mode
            .is_some_and(|m| names_another(m.value))
        || [&settings.ipc, &settings.pid]
            .into_iter()
            .flatten()
            .any(|m| names_another(m));
    // What a provider sets is in the environment the containers are created with.
    let from_provider = deps.iter().any(|(d, _)| {
        project
            .service(&d.service)
            .is_some_and(|s| s.settings().provider.is_some())
    });
    if refers
        || from_provider
        || (!opts.no_start && deps.iter().any(|(d, _)| d.condition != Condition::Started))
    {
        settled(&deps).await;
    }
    let extra_env = provided_env(service, provided);
    // Create (or recreate) every container; start them once dependencies allow.
    let mut to_start: Vec<(String, String, bool)> = Vec::new();
    for step in steps {
        match step {
            Step::Keep {
                id, name, running, ..
            } => to_start.push((id, name, running)),
            Step::Create { number, name } => {
                let id = create_container(
                    engine,
                    project,
                    service,
                    value,
                    number,
                    &name,
                    &name,
                    image_id.as_deref(),
                    None,
                    &extra_env,
                    &opts.limit,
                    progress.as_ref(),
                )
                .await?;
                to_start.push((id, name, false));
            }
            Step::Recreate { id, name, number } => {
                progress.event(Resource::Container, &name, &Status::Recreate);
                let tmp = format!("{}_{name}", &id[..id.len().min(12)]);
                // A replacement of this very container left by an earlier, killed `up` (its
                // create may even have landed after that `up` listed the containers) goes.
                force_remove(engine, &tmp, false).await?;
                let new_id = create_container(
                    engine,
                    project,
                    service,
                    value,
                    number,
                    &tmp,
                    &name,
                    image_id.as_deref(),
                    // The new container keeps the old one's anonymous volumes, unless -V.
                    (!opts.renew_anon_volumes).then_some(id.as_str()),
                    &extra_env,
                    &opts.limit,
                    progress.as_ref(),
                )
                .await?;
                stop_container(engine, &id, opts.timeout.or(service_timeout(service))).await?;
                if engine.dry_run {
                    progress.event(Resource::Container, &name, &Status::Recreated);
                    to_start.push((name.clone(), name, false));
                    continue;
                }
                force_remove(engine, &id, false).await?;
                engine
                    .docker
                    .rename_container(&new_id, RenameContainerOptions { name: name.clone() })
                    .await?;
                progress.event(Resource::Container, &name, &Status::Recreated);
                to_start.push((new_id, name, false));
            }
            Step::Remove { id, name } => {
                remove_container(
                    engine,
                    &id,
                    &name,
                    opts.timeout,
                    false,
                    Some(service),
                    progress.as_ref(),
                )
                .await?;
            }
        }
    }
    if opts.no_start {
        return Ok(to_start.into_iter().map(|(id, _, _)| id).collect());
    }
    for (dep, mut rx) in deps {
        let ids = loop {
            let current = rx.borrow().clone();
            match current {
                Outcome::Started(ids) => break ids,
                Outcome::Failed => {
                    if dep.required {
                        return Err(EngineError::Other(format!(
                            "dependency failed to start: service \"{}\" did not start, so \"{}\" was not started",
                            dep.service, service.name
                        )));
                    }
                    progress.warning(&format!(
                        "optional dependency {:?} failed to start",
                        dep.service
                    ));
                    break Vec::new();
                }
                Outcome::Pending => {
                    if rx.changed().await.is_err() {
                        break Vec::new();
                    }
                }
            }
        };
        for id in ids {
            let waited = wait_condition(
                engine,
                watcher,
                &dep,
                &id,
                Some(&service.name),
                progress.as_ref(),
            )
            .await;
            match waited {
                Ok(()) => {}
                // `required: false`: the dependent starts anyway, with Docker Compose's
                // warning.
                Err(e) if !dep.required => {
                    let name = container_name(engine, &id).await;
                    let (why, warning) = optional_failure(&dep, &e);
                    progress.event(Resource::Container, &name, &Status::Skipped(why.clone()));
                    progress.warning(&warning);
                }
                Err(e) => return Err(e),
            }
        }
    }
    let mut ids = Vec::new();
    for (id, name, running) in to_start {
        if let Some(hook) = &opts.before_start {
            let (ack, ready) = tokio::sync::oneshot::channel();
            if hook.send((name.clone(), ack)).is_ok() {
                let _ = ready.await;
            }
        }
        if running {
            progress.event(Resource::Container, &name, &Status::Running);
        } else {
            copy_in(engine, project, &service.name, value, &id).await?;
            progress.event(Resource::Container, &name, &Status::Starting);
            let _permit = opts.limit.acquire().await;
            let Some(_in_flight) = opts.halt.begin() else {
                return Err(EngineError::Other(format!("{name}: not started: halted")));
            };
            if !engine.dry_run {
                engine
                    .docker
                    .start_container(
                        &id,
                        None::<bollard::query_parameters::StartContainerOptions>,
                    )
                    .await
                    .map_err(|e| start_error(&service.name, &name, &e))?;
            }
            crate::hooks::run(
                engine,
                &id,
                &name,
                &service.name,
                service.tty,
                &service.post_start,
                progress.as_ref(),
            )
            .await?;
            progress.event(Resource::Container, &name, &Status::Started);
        }
        ids.push(id);
    }
    Ok(ids)
}

/// Copies the secrets and configs of service `service` that have no `file` into container
/// `id` before it starts (see [`spec::injected_files`]).
///
/// # Errors
/// The loader-level refusal (an unset variable, a read-only service) or the engine's error.
pub async fn copy_in(
    engine: &Engine,
    project: &Project,
    service: &str,
    v: &berth_model::Value,
    id: &str,
) -> Result<(), EngineError> {
    let files = spec::injected_files(project, service, v).map_err(EngineError::Other)?;
    if files.is_empty() || engine.dry_run {
        return Ok(());
    }
    let mut tar = crate::tar::Tar::default();
    tar.mtime = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    for f in &files {
        tar.owned_file(
            f.path.trim_start_matches('/'),
            f.mode,
            (f.uid, f.gid),
            &f.data,
        );
    }
    engine
        .docker
        .upload_to_container(
            id,
            Some(bollard::query_parameters::UploadToContainerOptions {
                path: "/".into(),
                ..Default::default()
            }),
            bollard::body_full(bytes::Bytes::from(tar.finish())),
        )
        .await?;
    Ok(())
}
