//! The executor: applies a plan to the engine. Services start in dependency order, each as soon
//! as its own dependencies allow, concurrently otherwise. Waiting on `service_healthy` and
//! `service_completed_successfully` follows the engine's event stream (health_status, die)
//! instead of polling, so a dependent starts as soon as the engine reports its dependency ready.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use berth_model::Project;
use bollard::query_parameters::{
    CreateContainerOptions, EventsOptions, RemoveContainerOptions, RenameContainerOptions,
    StopContainerOptions,
};
use futures_util::StreamExt;
use tokio::sync::{watch, Notify};

use crate::client::Engine;
use crate::labels;
use crate::plan::{self, Found, NetworkStep, Plan, ResourcePlan, Step, VolumeStep};
use crate::progress::{Phase, Progress, Resource, Status};
use crate::spec::{self, Condition, ProjectSpec, ServiceSpec};
use crate::{EngineError, Unmet};

/// What the event stream has said about a container.
#[derive(Clone, Debug, Default)]
struct Seen {
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
enum Outcome {
    Pending,
    /// Started; the IDs of its containers.
    Started(Vec<String>),
    Failed,
}

/// A cap on concurrent engine operations (`--parallel`); unlimited by default.
#[derive(Clone, Debug, Default)]
pub struct Limit(Option<Arc<tokio::sync::Semaphore>>);

impl Limit {
    /// `n` operations at a time; `None` (or 0) for no limit.
    #[must_use]
    pub fn new(n: Option<usize>) -> Limit {
        Limit(
            n.filter(|&n| n > 0)
                .map(|n| Arc::new(tokio::sync::Semaphore::new(n))),
        )
    }

    async fn acquire(&self) -> Option<tokio::sync::SemaphorePermit<'_>> {
        match &self.0 {
            Some(s) => s.acquire().await.ok(),
            None => None,
        }
    }
}

/// Stops an `up` cleanly. Once halted, no further container is started; and since a start
/// already sent to the engine cannot be called back, [`Halt::settled`] tells when none is still
/// under way, so that a stop issued after it sees every container that will run.
#[derive(Clone, Debug, Default)]
pub struct Halt(Arc<HaltState>);

#[derive(Debug, Default)]
struct HaltState {
    halted: std::sync::atomic::AtomicBool,
    in_flight: std::sync::atomic::AtomicUsize,
    changed: Notify,
}

/// A start under way; counted until dropped.
struct InFlight(Arc<HaltState>);

impl Drop for InFlight {
    fn drop(&mut self) {
        self.0
            .in_flight
            .fetch_sub(1, std::sync::atomic::Ordering::SeqCst);
        self.0.changed.notify_waiters();
    }
}

impl Halt {
    /// No container starts from now on.
    pub fn halt(&self) {
        self.0
            .halted
            .store(true, std::sync::atomic::Ordering::SeqCst);
    }

    /// Resolves once no start is under way. Poll the `up` future meanwhile: its starts must
    /// run to their end for this to resolve.
    pub async fn settled(&self) {
        loop {
            let changed = self.0.changed.notified();
            if self.0.in_flight.load(std::sync::atomic::Ordering::SeqCst) == 0 {
                return;
            }
            changed.await;
        }
    }

    /// Counts a start, unless halted.
    fn begin(&self) -> Option<InFlight> {
        self.0
            .in_flight
            .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        let guard = InFlight(Arc::clone(&self.0));
        if self.0.halted.load(std::sync::atomic::Ordering::SeqCst) {
            return None;
        }
        Some(guard)
    }
}

/// The channel of [`ExecOptions::before_start`]: a container name, and the answer to send
/// once ready for it to start.
pub type BeforeStart =
    tokio::sync::mpsc::UnboundedSender<(String, tokio::sync::oneshot::Sender<()>)>;

/// Options of the executor.
#[derive(Clone, Debug, Default)]
pub struct ExecOptions {
    /// `--parallel`.
    pub limit: Limit,
    /// Told each container's name just before it starts (or, already running, is kept), and
    /// waited on: attached `up` attaches to the output there, so nothing written is missed.
    pub before_start: Option<BeforeStart>,
    /// `--no-start`: create only.
    pub no_start: bool,
    /// Stop timeout for recreated and removed containers (`-t`).
    pub timeout: Option<i32>,
    pub remove_orphans: bool,
    /// `COMPOSE_IGNORE_ORPHANS`: orphans are neither reported nor removed.
    pub ignore_orphans: bool,
    /// `-V`: a recreated container gets new anonymous volumes instead of the old one's.
    pub renew_anon_volumes: bool,
    /// `--wait`: after starting, wait until every service is running, or healthy where it has
    /// a healthcheck.
    pub wait: bool,
    /// `--wait-timeout`.
    pub wait_timeout: Option<Duration>,
    /// Lets the caller stop the run (Ctrl-C, an aborting exit) without a start slipping past.
    pub halt: Halt,
    /// What the providers set (`setenv`), filled as they run: `run` gives it to its one-off
    /// container too.
    pub provided: Provided,
}

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
async fn wait_all(
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
async fn stop_for_dependencies(
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

/// What the engine has under the names of the project's networks `up` sees to.
async fn found_networks(engine: &Engine, spec: &ProjectSpec) -> Result<Found, EngineError> {
    let mut found = Found::new();
    for name in plan::networks_to_look_up(spec) {
        if let Some(info) = find_network(engine, &name).await? {
            found.insert(name, info.labels.unwrap_or_default());
        }
    }
    Ok(found)
}

/// What the engine has under the names of the project's volumes.
async fn found_volumes(engine: &Engine, spec: &ProjectSpec) -> Result<Found, EngineError> {
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
async fn find_network(
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
async fn recreate_network(
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
            let service = crate::ops::hooked_service(spec, c);
            remove_container(engine, &c.id, &c.name, None, false, service, progress).await?;
            removed.insert(c.id.clone());
        }
        engine.remove_volume(&v.name).await?;
        create_volume(engine, v, progress).await?;
    }
    Ok(removed)
}

async fn create_volume(
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

/// A recreated container mounts the anonymous volumes of the one it replaces, at the same
/// paths, as Docker Compose does: their data survives a change of configuration.
async fn inherit_anonymous_volumes(
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

/// The variables each provider's service set, by service.
pub type Provided = Arc<std::sync::Mutex<HashMap<String, Vec<(String, String)>>>>;

/// Waits until every dependency is done (started, or failed).
async fn settled(deps: &[(crate::spec::Dependency, watch::Receiver<Outcome>)]) {
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
async fn run_provider(
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
async fn converge_service(
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

fn service_timeout(s: &ServiceSpec) -> Option<i32> {
    s.stop_timeout.and_then(|t| i32::try_from(t).ok())
}

fn start_error(service: &str, container: &str, e: &bollard::errors::Error) -> EngineError {
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
fn optional_failure(dep: &crate::spec::Dependency, error: &EngineError) -> (String, String) {
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

async fn container_name(engine: &Engine, id: &str) -> String {
    engine
        .inspect(id)
        .await
        .ok()
        .and_then(|c| c.name)
        .map_or_else(|| id.to_string(), |n| n.trim_start_matches('/').to_string())
}

#[allow(clippy::too_many_arguments)]
async fn create_container(
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
async fn leftover_of(
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
async fn force_remove(engine: &Engine, container: &str, volumes: bool) -> Result<(), EngineError> {
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

async fn stop_container(
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

async fn remove_container(
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
    stop_container(engine, id, timeout).await?;
    progress.event(Resource::Container, name, &Status::Stopped);
    progress.event(Resource::Container, name, &Status::Removing);
    force_remove(engine, id, anonymous_volumes).await?;
    progress.event(Resource::Container, name, &Status::Removed);
    Ok(())
}

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
    for group in crate::ops::reverse_dependency_groups(spec, &doomed) {
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
            let hooked = crate::ops::hooked_service(spec, c).cloned();
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
