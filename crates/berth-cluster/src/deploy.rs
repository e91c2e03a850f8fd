//! `stack deploy`: applies a [`Stack`] to the swarm the engine manages. It makes the stack's
//! networks, secrets and configs, creates or updates each service the [`plan`] says differs
//! (health- and completion-gated services after their dependencies converge), removes the
//! services the stack dropped (`--prune`), and waits until every service has its tasks
//! running, or its jobs done, unless told not to. A task that fails, or an update that stops
//! or rolls back, ends the deploy with the service's name and the task's error.
//!
//! A secret or config whose content changed is made anew as `NAME-DIGEST` (the engine cannot
//! change one's data), the services using it are updated to the new one, and the old version
//! is removed once no service of the stack uses it.

use std::collections::{HashMap, HashSet};
use std::time::Duration;

use base64::Engine as _;
use berth_engine::progress::{Phase, Progress, Resource, Status};
use berth_engine::{Engine, EngineError};
use berth_model::resources::FileKind;
use bollard::models::{ConfigSpec, SecretSpec, ServiceSpec, TaskState};
use bollard::query_parameters::{
    ListNetworksOptions, ListSecretsOptions, ListServicesOptions, ListTasksOptions,
    UpdateSecretOptions, UpdateServiceOptions,
};
use sha2::Digest as _;

use crate::image;
use crate::stack::{self, Action, Content, Observed, Stack, LABEL_DIGEST};
use crate::swarm::LABEL_NAMESPACE;

/// How a deploy goes.
#[derive(Clone, Copy, Debug, Default)]
pub struct Options {
    /// Remove the services of the stack the project no longer has.
    pub prune: bool,
    /// Return once the services are created or updated, without waiting for their tasks.
    pub detach: bool,
    /// Send the registry credentials of `docker login` to the swarm with each service.
    pub with_registry_auth: bool,
}

fn other(message: String) -> EngineError {
    EngineError::Other(message)
}

/// The filter of what belongs to stack `name`.
pub(crate) fn stack_filter(name: &str) -> HashMap<String, Vec<String>> {
    HashMap::from([(
        "label".to_string(),
        vec![format!("{LABEL_NAMESPACE}={name}")],
    )])
}

/// The swarm's nodes: ID to hostname.
pub(crate) async fn node_names(engine: &Engine) -> Result<HashMap<String, String>, EngineError> {
    Ok(engine
        .docker
        .list_nodes(None::<bollard::query_parameters::ListNodesOptions>)
        .await?
        .into_iter()
        .filter_map(|n| Some((n.id?, n.description?.hostname?)))
        .collect())
}

/// How many nodes the swarm has.
///
/// # Errors
/// Engine API errors.
pub async fn node_count(engine: &Engine) -> Result<usize, EngineError> {
    Ok(node_names(engine).await?.len())
}

/// The services of stack `name`.
pub(crate) async fn stack_services(
    engine: &Engine,
    name: &str,
) -> Result<Vec<bollard::models::Service>, EngineError> {
    Ok(engine
        .docker
        .list_services(Some(ListServicesOptions {
            filters: Some(stack_filter(name)),
            ..ListServicesOptions::default()
        }))
        .await?)
}

/// Fails unless the engine is a manager of a swarm, in the Docker CLI's words.
///
/// # Errors
/// The engine is not in a swarm, or is a worker.
pub async fn ensure_manager(engine: &Engine) -> Result<(), EngineError> {
    let info = engine.docker.info().await?;
    let manager = info
        .swarm
        .as_ref()
        .and_then(|s| s.control_available)
        .unwrap_or(false);
    if manager {
        Ok(())
    } else {
        Err(other("this node is not a swarm manager. Use \"docker swarm init\" or \"docker swarm join\" to connect this node to swarm and try again".into()))
    }
}

/// Deploys `stack`.
///
/// # Errors
/// The engine is no swarm manager, an external network or object is missing, a file cannot be
/// read, the engine refuses a request, or a service does not converge.
pub async fn deploy(
    engine: &Engine,
    stack: &Stack,
    opts: Options,
    progress: &dyn Progress,
) -> Result<(), EngineError> {
    ensure_manager(engine).await?;
    networks(engine, stack, progress).await?;
    let files = files(engine, stack, progress).await?;
    let network_names: HashMap<String, String> = engine
        .docker
        .list_networks(None::<ListNetworksOptions>)
        .await?
        .into_iter()
        .filter_map(|n| Some((n.id?, n.name?)))
        .collect();
    // The specs compared are the engine's JSON as it wrote it (see `berth_engine::raw`); the
    // typed view of the same answer gives each service's version and update status.
    let query = berth_engine::raw::filters_query(&stack_filter(&stack.name))?;
    let raw = berth_engine::raw::get_json(engine, &format!("/services?{query}")).await?;
    let observed: Vec<bollard::models::Service> = serde_json::from_value(raw.clone())
        .map_err(|e| other(format!("the engine's services: {e}")))?;
    let stored: Vec<serde_json::Value> = raw
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|s| s.get("Spec").cloned())
        .collect();
    let mut desired: Vec<(String, ServiceSpec)> = stack
        .services
        .iter()
        .map(|s| {
            let name = s.spec.name.clone().unwrap_or_default();
            (name, with_files(s.spec.clone(), stack, &files))
        })
        .collect();
    pin_images(engine, &mut desired, &stored, opts, progress).await?;
    let as_json: Vec<(String, serde_json::Value)> = desired
        .iter()
        .map(|(n, s)| {
            (
                n.clone(),
                comparable(serde_json::to_value(s).unwrap_or_default()),
            )
        })
        .collect();
    let current: Vec<Observed> = stored
        .into_iter()
        .filter_map(|mut json| {
            named_networks(&mut json, &network_names);
            Some(Observed {
                name: json.get("Name")?.as_str()?.to_string(),
                spec: comparable(json),
            })
        })
        .collect();
    let plan = stack::plan(&as_json, &current);
    // Tasks that exist before the deploy say nothing of how it goes.
    let before: HashSet<String> = if opts.detach {
        HashSet::new()
    } else {
        tasks(engine, &stack.name)
            .await?
            .into_iter()
            .filter_map(|t| t.id)
            .collect()
    };
    let mut watch = Watch {
        engine,
        stack: &stack.name,
        before,
        converged: HashSet::new(),
        running_since: HashMap::new(),
        updated: plan
            .services
            .iter()
            .filter(|(_, a)| matches!(a, Action::Update(_)))
            .map(|(n, _)| {
                let before = observed
                    .iter()
                    .find(|o| o.spec.as_ref().and_then(|s| s.name.as_ref()) == Some(n))
                    .and_then(|o| o.update_status.as_ref())
                    .and_then(|u| u.started_at.as_ref())
                    .map(ToString::to_string);
                (n.clone(), before)
            })
            .collect(),
        checked: desired
            .iter()
            .filter(|(_, spec)| {
                spec.task_template
                    .as_ref()
                    .and_then(|t| t.container_spec.as_ref())
                    .and_then(|c| c.health_check.as_ref())
                    .and_then(|h| h.test.as_ref())
                    .is_some_and(|t| t.first().is_some_and(|w| w != "NONE"))
            })
            .map(|(name, _)| name.clone())
            .collect(),
        tallies: HashMap::new(),
        progress,
    };
    let mut applied: Vec<(String, bool)> = Vec::new();
    for wave in stack::waves(&stack.services).map_err(other)? {
        for &i in &wave.services {
            let (name, spec) = &desired[i];
            let action = &plan.services[i].1;
            let current = observed
                .iter()
                .find(|o| o.spec.as_ref().and_then(|s| s.name.as_ref()) == Some(name));
            apply(engine, name, spec, action, current, opts, progress).await?;
            applied.push((name.clone(), stack.services[i].job));
        }
        if !wave.then_wait_for.is_empty() && !engine.dry_run {
            watch.until_converged(&wave.then_wait_for, &applied).await?;
        }
    }
    if opts.prune {
        for name in &plan.orphans {
            progress.event(Resource::Service, name, &Status::Removing);
            if !engine.dry_run {
                engine.docker.delete_service(name).await?;
            }
            progress.event(Resource::Service, name, &Status::Removed);
        }
    }
    if !engine.dry_run {
        remove_unused_versions(engine, stack, &files, progress).await?;
    }
    if !opts.detach && !engine.dry_run {
        watch.until_converged(&applied, &applied).await?;
    }
    Ok(())
}

/// Pins each service's image to the digest its registry serves, as the Docker CLI does (see
/// [`crate::image`]). An image no registry answers for keeps the digest the stored service
/// has for the same tag, if any, so that an unreachable registry does not unpin a service;
/// on a swarm of several nodes, each image left unpinned is a warning.
async fn pin_images(
    engine: &Engine,
    desired: &mut [(String, ServiceSpec)],
    stored: &[serde_json::Value],
    opts: Options,
    progress: &dyn Progress,
) -> Result<(), EngineError> {
    let image_of = |spec: &ServiceSpec| {
        spec.task_template
            .as_ref()
            .and_then(|t| t.container_spec.as_ref())
            .and_then(|c| c.image.clone())
            .unwrap_or_default()
    };
    let answers = futures_util::future::join_all(desired.iter().map(|(_, spec)| {
        let image = image_of(spec);
        let credentials = if opts.with_registry_auth {
            engine.credentials_for(&image)
        } else {
            None
        };
        async move { image::resolve(engine, &image, credentials).await }
    }))
    .await;
    let mut unpinned = Vec::new();
    for ((name, spec), answer) in desired.iter_mut().zip(answers) {
        let image = image_of(spec);
        let pinned = answer.or_else(|| {
            let old = stored
                .iter()
                .find(|s| s.get("Name").and_then(serde_json::Value::as_str) == Some(name))?;
            let old_image = old.pointer("/TaskTemplate/ContainerSpec/Image")?.as_str()?;
            (old_image.contains('@') && image::without_digest(old_image) == image).then(|| {
                image::Pinned {
                    image: old_image.to_string(),
                    platforms: old
                        .pointer("/TaskTemplate/Placement/Platforms")
                        .and_then(|p| serde_json::from_value(p.clone()).ok())
                        .unwrap_or_default(),
                }
            })
        });
        match pinned {
            Some(p) => image::pin(spec, p),
            None if !image.contains('@') && !unpinned.contains(&image) => unpinned.push(image),
            None => {}
        }
    }
    if !unpinned.is_empty() && node_count(engine).await? > 1 {
        for image in &unpinned {
            progress.warning(&image::unpinned_warning(image));
        }
    }
    Ok(())
}

/// Creates or updates one service, as the plan says.
async fn apply(
    engine: &Engine,
    name: &str,
    spec: &ServiceSpec,
    action: &Action,
    current: Option<&bollard::models::Service>,
    opts: Options,
    progress: &dyn Progress,
) -> Result<(), EngineError> {
    let credentials = if opts.with_registry_auth {
        spec.task_template
            .as_ref()
            .and_then(|t| t.container_spec.as_ref())
            .and_then(|c| c.image.as_deref())
            .and_then(|image| engine.credentials_for(image))
    } else {
        None
    };
    match action {
        // Said once the service is seen converged, unless nobody waits for that.
        Action::Unchanged if engine.dry_run || opts.detach => {
            progress.event(Resource::Service, name, &Status::Running);
        }
        Action::Unchanged => {}
        Action::Create => {
            progress.event(Resource::Service, name, &Status::Creating);
            if !engine.dry_run {
                engine
                    .docker
                    .create_service(spec.clone(), credentials)
                    .await
                    .map_err(|e| refused(name, &e))?;
            }
            progress.event(Resource::Service, name, &Status::Created);
        }
        Action::Update(fields) => {
            if engine.dry_run {
                progress.detail(
                    &format!("Service {name}"),
                    "Updated",
                    &fields.join(", "),
                    Phase::Done,
                );
                return Ok(());
            }
            progress.event(Resource::Service, name, &Status::Updating);
            let current = current.ok_or_else(|| other(format!("service {name} vanished")))?;
            let mut spec = spec.clone();
            // A forced update of the past is not one of this deploy (as the Docker CLI keeps it).
            if let (Some(t), Some(c)) = (
                spec.task_template.as_mut(),
                current.spec.as_ref().and_then(|s| s.task_template.as_ref()),
            ) {
                t.force_update = c.force_update;
            }
            let version = current
                .version
                .as_ref()
                .and_then(|v| v.index)
                .and_then(|v| i32::try_from(v).ok())
                .unwrap_or_default();
            engine
                .docker
                .update_service(
                    name,
                    spec,
                    UpdateServiceOptions {
                        version,
                        ..UpdateServiceOptions::default()
                    },
                    credentials,
                )
                .await
                .map_err(|e| refused(name, &e))?;
            progress.event(Resource::Service, name, &Status::Updated);
        }
    }
    Ok(())
}

/// The engine's refusal of a service's spec, naming the service.
fn refused(name: &str, e: &bollard::errors::Error) -> EngineError {
    other(format!(
        "service {name}: {}",
        berth_engine::daemon_message(e)
    ))
}

/// A spec as compared: secrets and configs by name (their IDs are the engine's).
fn comparable(mut spec: serde_json::Value) -> serde_json::Value {
    for list in ["Secrets", "Configs"] {
        if let Some(serde_json::Value::Array(items)) =
            spec.pointer_mut(&format!("/TaskTemplate/ContainerSpec/{list}"))
        {
            for item in items {
                if let Some(map) = item.as_object_mut() {
                    map.remove("SecretID");
                    map.remove("ConfigID");
                }
            }
        }
    }
    spec
}

/// The engine stores a service's networks by ID; compared by name.
fn named_networks(spec: &mut serde_json::Value, names: &HashMap<String, String>) {
    if let Some(serde_json::Value::Array(items)) = spec.pointer_mut("/TaskTemplate/Networks") {
        for item in items {
            if let Some(target) = item.get_mut("Target") {
                if let Some(name) = target.as_str().and_then(|id| names.get(id)) {
                    *target = serde_json::Value::String(name.clone());
                }
            }
        }
        items_sorted(spec);
    }
}

fn items_sorted(spec: &mut serde_json::Value) {
    if let Some(serde_json::Value::Array(items)) = spec.pointer_mut("/TaskTemplate/Networks") {
        items.sort_by(|a, b| {
            let key = |v: &serde_json::Value| {
                v.get("Target")
                    .and_then(|t| t.as_str())
                    .unwrap_or_default()
                    .to_string()
            };
            key(a).cmp(&key(b))
        });
    }
}

/// Creates the networks the stack needs and checks that the external ones exist.
async fn networks(
    engine: &Engine,
    stack: &Stack,
    progress: &dyn Progress,
) -> Result<(), EngineError> {
    let existing: HashSet<String> = engine
        .docker
        .list_networks(Some(ListNetworksOptions {
            filters: Some(stack_filter(&stack.name)),
        }))
        .await?
        .into_iter()
        .filter_map(|n| n.name)
        .collect();
    for request in &stack.networks {
        if existing.contains(&request.name) {
            continue;
        }
        progress.event(Resource::Network, &request.name, &Status::Creating);
        if !engine.dry_run {
            engine
                .docker
                .create_network(request.clone())
                .await
                .map_err(|e| {
                    other(format!(
                        "failed to create network {}: {}",
                        request.name,
                        berth_engine::daemon_message(&e)
                    ))
                })?;
        }
        progress.event(Resource::Network, &request.name, &Status::Created);
    }
    for name in &stack.external_networks {
        let found = engine
            .docker
            .list_networks(Some(ListNetworksOptions {
                filters: Some(HashMap::from([("name".to_string(), vec![name.clone()])])),
            }))
            .await?;
        let swarm = found
            .iter()
            .find(|n| n.name.as_deref() == Some(name.as_str()));
        match swarm {
            Some(n) if n.scope.as_deref() == Some("swarm") => {}
            Some(_) => {
                return Err(other(format!(
                    "network \"{name}\" is declared as external, but it is not in the right scope: \"local\" instead of \"swarm\""
                )))
            }
            None => {
                return Err(other(format!(
                    "network \"{name}\" is declared as external, but could not be found. You need to create a swarm-scoped network before the stack is deployed"
                )))
            }
        }
    }
    Ok(())
}

/// A secret or config on the swarm.
#[derive(Clone, Debug)]
struct Object {
    id: String,
    name: String,
    digest: Option<String>,
    version: i64,
    /// A config's content (base64), which the engine returns; a secret's it never does.
    data: Option<String>,
}

impl Object {
    fn of(
        id: Option<String>,
        version: Option<bollard::models::ObjectVersion>,
        name: Option<String>,
        labels: Option<&HashMap<String, String>>,
        data: Option<String>,
    ) -> Option<Object> {
        Some(Object {
            id: id?,
            name: name?,
            digest: labels.and_then(|l| l.get(LABEL_DIGEST)).cloned(),
            version: version
                .and_then(|v| v.index)
                .and_then(|v| i64::try_from(v).ok())
                .unwrap_or(0),
            data,
        })
    }
}

/// The object each secret and config of the stack resolves to, by kind and key: `(ID, name)`.
type Resolved = HashMap<(FileKind, String), (String, String)>;

async fn list_objects(
    engine: &Engine,
    kind: FileKind,
    filters: HashMap<String, Vec<String>>,
) -> Result<Vec<Object>, EngineError> {
    Ok(match kind {
        FileKind::Secret => engine
            .docker
            .list_secrets(Some(ListSecretsOptions {
                filters: Some(filters),
            }))
            .await?
            .into_iter()
            .filter_map(|s| {
                let spec = s.spec?;
                Object::of(s.id, s.version, spec.name, spec.labels.as_ref(), None)
            })
            .collect(),
        FileKind::Config => berth_engine::configs::list(engine, &filters)
            .await?
            .into_iter()
            .filter_map(|c| {
                let spec = c.spec?;
                Object::of(c.id, c.version, spec.name, spec.labels.as_ref(), spec.data)
            })
            .collect(),
    })
}

/// Makes (or finds) the object of each secret and config of the stack.
async fn files(
    engine: &Engine,
    stack: &Stack,
    progress: &dyn Progress,
) -> Result<Resolved, EngineError> {
    let mut out = Resolved::new();
    for kind in [FileKind::Secret, FileKind::Config] {
        let ours = list_objects(engine, kind, stack_filter(&stack.name)).await?;
        for f in stack.files.iter().filter(|f| f.kind == kind) {
            let resource = match kind {
                FileKind::Secret => Resource::Secret,
                FileKind::Config => Resource::Config,
            };
            let Some(content) = &f.content else {
                // External: it must exist, by its own name.
                let found = list_objects(
                    engine,
                    kind,
                    HashMap::from([("name".to_string(), vec![f.name.clone()])]),
                )
                .await?;
                let Some(o) = found.into_iter().find(|o| o.name == f.name) else {
                    return Err(other(format!("{} not found: {}", kind.singular(), f.name)));
                };
                out.insert((kind, f.key.clone()), (o.id, o.name));
                continue;
            };
            let data = match content {
                Content::Data(d) => d.clone().into_bytes(),
                Content::File(path) => std::fs::read(path).map_err(|e| {
                    other(format!(
                        "cannot read {} {:?} from {}: {e}",
                        kind.singular(),
                        f.key,
                        path.display()
                    ))
                })?,
            };
            // A template driver changes what the tasks see: it is part of the version.
            let mut hashed = sha2::Sha256::new();
            hashed.update(&data);
            if let Some(t) = &f.template_driver {
                hashed.update(format!("\0template_driver={t}"));
            }
            let digest = hex(&hashed.finalize());
            let versioned = format!("{}-{}", f.name, &digest[..12]);
            let mut labels = f.labels.clone();
            labels.insert(LABEL_DIGEST.into(), digest.clone());
            let encoded = base64::engine::general_purpose::STANDARD.encode(&data);
            // The object that already holds this content: one labelled with its digest, else
            // the plain name made without one (by the Docker CLI) if its content is this.
            let mut found = ours
                .iter()
                .find(|o| {
                    (o.name == f.name || o.name == versioned)
                        && o.digest.as_deref() == Some(&digest)
                })
                .cloned();
            if found.is_none() {
                if let Some(o) = ours.iter().find(|o| o.name == f.name && o.digest.is_none()) {
                    if same_content(engine, kind, o, &labels, &encoded).await {
                        found = Some(o.clone());
                    }
                }
            }
            if let Some(o) = found {
                out.insert((kind, f.key.clone()), (o.id, o.name));
                continue;
            }
            let name = if ours.iter().any(|o| o.name == f.name) {
                versioned
            } else {
                f.name.clone()
            };
            progress.event(resource, &name, &Status::Creating);
            let id = if engine.dry_run {
                name.clone()
            } else {
                let data = encoded;
                match kind {
                    FileKind::Secret => {
                        engine
                            .docker
                            .create_secret(SecretSpec {
                                name: Some(name.clone()),
                                labels: Some(labels),
                                data: Some(data),
                                templating: templating(f),
                                ..SecretSpec::default()
                            })
                            .await?
                            .id
                    }
                    FileKind::Config => {
                        berth_engine::configs::create(
                            engine,
                            &ConfigSpec {
                                name: Some(name.clone()),
                                labels: Some(labels),
                                data: Some(data),
                                templating: templating(f),
                            },
                        )
                        .await?
                    }
                }
            };
            progress.event(resource, &name, &Status::Created);
            out.insert((kind, f.key.clone()), (id, name));
        }
    }
    Ok(out)
}

/// The template driver of `f` (`template_driver: golang`), as the engine takes it.
fn templating(f: &stack::FileObject) -> Option<bollard::models::Driver> {
    f.template_driver
        .clone()
        .map(|name| bollard::models::Driver {
            name,
            options: None,
        })
}

/// Whether object `o`, made without Berth's digest label, holds `encoded` (base64). A
/// config's content is at hand; a secret's the engine never returns, but it accepts an update
/// of a secret's labels only when the data sent is the data it holds: so the labels (with the
/// digest) are updated with this content, and the answer says whether it was the same. A dry
/// run changes nothing and takes it as the same.
async fn same_content(
    engine: &Engine,
    kind: FileKind,
    o: &Object,
    labels: &HashMap<String, String>,
    encoded: &str,
) -> bool {
    match kind {
        FileKind::Config => o.data.as_deref() == Some(encoded),
        FileKind::Secret if engine.dry_run => true,
        FileKind::Secret => engine
            .docker
            .update_secret(
                &o.id,
                SecretSpec {
                    name: Some(o.name.clone()),
                    labels: Some(labels.clone()),
                    data: Some(encoded.to_string()),
                    ..SecretSpec::default()
                },
                UpdateSecretOptions { version: o.version },
            )
            .await
            .is_ok(),
    }
}

fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    bytes.iter().fold(String::new(), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    })
}

/// The spec with its secrets and configs pointing at the objects `files` resolved.
fn with_files(mut spec: ServiceSpec, stack: &Stack, files: &Resolved) -> ServiceSpec {
    let Some(c) = spec
        .task_template
        .as_mut()
        .and_then(|t| t.container_spec.as_mut())
    else {
        return spec;
    };
    // The spec names each object by its unversioned name, the stack's file object's.
    let lookup = |kind: FileKind, name: &str| {
        let f = stack
            .files
            .iter()
            .find(|f| f.kind == kind && f.name == name)?;
        files.get(&(kind, f.key.clone())).cloned()
    };
    for s in c.secrets.iter_mut().flatten() {
        if let Some((id, name)) = s
            .secret_name
            .as_deref()
            .and_then(|n| lookup(FileKind::Secret, n))
        {
            s.secret_id = Some(id);
            s.secret_name = Some(name);
        }
    }
    for s in c.configs.iter_mut().flatten() {
        if let Some((id, name)) = s
            .config_name
            .as_deref()
            .and_then(|n| lookup(FileKind::Config, n))
        {
            s.config_id = Some(id);
            s.config_name = Some(name);
        }
    }
    spec
}

/// Removes the stack's versions of its secrets and configs that no service of it uses any more.
async fn remove_unused_versions(
    engine: &Engine,
    stack: &Stack,
    files: &Resolved,
    progress: &dyn Progress,
) -> Result<(), EngineError> {
    let services = stack_services(engine, &stack.name).await?;
    let mut used: HashSet<String> = HashSet::new();
    for s in &services {
        let Some(c) = s
            .spec
            .as_ref()
            .and_then(|s| s.task_template.as_ref())
            .and_then(|t| t.container_spec.as_ref())
        else {
            continue;
        };
        used.extend(
            c.secrets
                .iter()
                .flatten()
                .filter_map(|s| s.secret_name.clone()),
        );
        used.extend(
            c.configs
                .iter()
                .flatten()
                .filter_map(|s| s.config_name.clone()),
        );
    }
    for kind in [FileKind::Secret, FileKind::Config] {
        let ours = list_objects(engine, kind, stack_filter(&stack.name)).await?;
        for f in stack.files.iter().filter(|f| f.kind == kind && !f.external) {
            let current = files.get(&(kind, f.key.clone())).map(|(_, n)| n.as_str());
            for o in &ours {
                let version_of = o.name == f.name
                    || o.name
                        .strip_prefix(f.name.as_str())
                        .and_then(|r| r.strip_prefix('-'))
                        .is_some_and(|d| d.len() == 12 && d.bytes().all(|b| b.is_ascii_hexdigit()));
                if !version_of || Some(o.name.as_str()) == current || used.contains(&o.name) {
                    continue;
                }
                let resource = match kind {
                    FileKind::Secret => Resource::Secret,
                    FileKind::Config => Resource::Config,
                };
                progress.event(resource, &o.name, &Status::Removing);
                match kind {
                    FileKind::Secret => engine.docker.delete_secret(&o.id).await?,
                    FileKind::Config => berth_engine::configs::remove(engine, &o.id).await?,
                }
                progress.event(resource, &o.name, &Status::Removed);
            }
        }
    }
    Ok(())
}

/// The tasks of stack `name`.
pub(crate) async fn tasks(
    engine: &Engine,
    name: &str,
) -> Result<Vec<bollard::models::Task>, EngineError> {
    Ok(engine
        .docker
        .list_tasks(Some(ListTasksOptions {
            filters: Some(stack_filter(name)),
        }))
        .await?)
}

/// Follows the stack's tasks until services converge.
struct Watch<'a> {
    engine: &'a Engine,
    stack: &'a str,
    /// Tasks of earlier deploys: their failures are not this deploy's.
    before: HashSet<String>,
    converged: HashSet<String>,
    /// The services this deploy updates, with when their last update started before it: the
    /// update status the engine reports is this deploy's only once it has started anew (that
    /// of an earlier update may say it rolled back long ago).
    updated: HashMap<String, Option<String>>,
    /// The services with a healthcheck.
    checked: HashSet<String>,
    /// What was last said of each service's tasks.
    tallies: HashMap<String, String>,
    /// When each task was first seen running: a task counts once it has run for [`STABLE`].
    running_since: HashMap<String, std::time::Instant>,
    progress: &'a dyn Progress,
}

/// How often the tasks are read while waiting.
const POLL: Duration = Duration::from_millis(250);

/// How long a task without a healthcheck must have been running to count: a process that
/// exits at once is seen running for a moment first. (The Docker CLI waits 5 s per service,
/// one after the other. A task with a healthcheck counts at once: Swarm reports it running
/// only once it is healthy.)
const STABLE: Duration = Duration::from_secs(1);

impl Watch<'_> {
    /// Waits until every service of `targets` (name, whether it must complete) has converged;
    /// a failed task of any service of `watched` ends the wait with its error.
    async fn until_converged(
        &mut self,
        targets: &[(String, bool)],
        watched: &[(String, bool)],
    ) -> Result<(), EngineError> {
        loop {
            let services = stack_services(self.engine, self.stack).await?;
            let mut tasks = tasks(self.engine, self.stack).await?;
            let now = std::time::Instant::now();
            for t in &mut tasks {
                let id = t.id.clone().unwrap_or_default();
                let running = t.status.as_ref().and_then(|s| s.state) == Some(TaskState::RUNNING);
                // A task with a healthcheck is only reported running once healthy.
                let checked = services
                    .iter()
                    .find(|s| s.id.is_some() && s.id == t.service_id)
                    .and_then(|s| s.spec.as_ref()?.name.as_ref())
                    .is_some_and(|n| self.checked.contains(n));
                // A task that ran before this deploy has shown it keeps running.
                if running && !checked && !self.before.contains(&id) {
                    let since = *self.running_since.entry(id).or_insert(now);
                    if now.duration_since(since) < STABLE {
                        // Not yet: counted as starting.
                        if let Some(s) = t.status.as_mut() {
                            s.state = Some(TaskState::STARTING);
                        }
                    }
                }
            }
            let mut pending = false;
            for (name, job) in watched {
                let Some(service) = services
                    .iter()
                    .find(|s| s.spec.as_ref().and_then(|s| s.name.as_ref()) == Some(name))
                else {
                    continue;
                };
                let id = service.id.clone().unwrap_or_default();
                let mine: Vec<&bollard::models::Task> = tasks
                    .iter()
                    .filter(|t| t.service_id.as_deref() == Some(id.as_str()))
                    .collect();
                if let Some(message) = self.failure(name, *job, service, &mine) {
                    self.progress
                        .event(Resource::Service, name, &Status::Failed("Error".into()));
                    return Err(other(message));
                }
                let is_target = targets.iter().any(|(t, _)| t == name);
                if self.converged.contains(name) {
                    continue;
                }
                let t = tally(service, *job, &mine);
                // The count so far, as `up` shows a service's replicas, and why a task waits
                // when Swarm says (no node meets its constraints, say).
                let mut said = format!("{}/{}", t.done, t.want);
                if let Some(why) = mine.iter().find_map(|t| waiting_because(t)) {
                    said = format!("{said} (pending: {why})");
                }
                if !t.converged && self.tallies.get(name) != Some(&said) {
                    let word = if *job { "Completed" } else { "Running" };
                    self.progress.detail(
                        &format!("{} {name}", Resource::Service.name()),
                        word,
                        &said,
                        Phase::Working,
                    );
                    self.tallies.insert(name.clone(), said);
                }
                if t.converged {
                    self.converged.insert(name.clone());
                    let status = if *job {
                        Status::Exited
                    } else {
                        Status::Running
                    };
                    self.progress.event(Resource::Service, name, &status);
                } else if is_target {
                    pending = true;
                }
            }
            if !pending {
                return Ok(());
            }
            tokio::time::sleep(POLL).await;
        }
    }

    /// Why service `name` failed, if one of this deploy's tasks did or its update stopped.
    fn failure(
        &self,
        name: &str,
        job: bool,
        service: &bollard::models::Service,
        tasks: &[&bollard::models::Task],
    ) -> Option<String> {
        use bollard::models::ServiceUpdateStatusStateEnum as U;
        if let Some(u) = service.update_status.as_ref().filter(|u| {
            self.updated
                .get(name)
                .is_some_and(|before| u.started_at.map(|t| t.to_string()) != *before)
        }) {
            if matches!(
                u.state,
                Some(U::PAUSED | U::ROLLBACK_STARTED | U::ROLLBACK_PAUSED | U::ROLLBACK_COMPLETED)
            ) {
                return Some(format!(
                    "service {name}: update {}: {}",
                    u.state.map(|s| s.to_string()).unwrap_or_default(),
                    u.message.clone().unwrap_or_default()
                ));
            }
        }
        for t in tasks {
            if self.before.contains(t.id.as_deref().unwrap_or_default()) {
                continue;
            }
            let status = t.status.as_ref();
            let state = status.and_then(|s| s.state);
            let failed = matches!(state, Some(TaskState::FAILED | TaskState::REJECTED))
                || (!job && state == Some(TaskState::COMPLETE));
            if failed {
                let why = status
                    .and_then(|s| s.err.clone().filter(|e| !e.is_empty()))
                    .or_else(|| status.and_then(|s| s.message.clone()))
                    .unwrap_or_else(|| "task exited".into());
                let slot = t.slot.map_or_else(String::new, |s| format!(".{s}"));
                return Some(format!(
                    "service {name}: task {name}{slot} {}: {why}",
                    state.map(|s| s.to_string()).unwrap_or_default()
                ));
            }
        }
        None
    }
}

/// Why task `t` waits to be scheduled, when Swarm says.
fn waiting_because(t: &bollard::models::Task) -> Option<String> {
    let status = t.status.as_ref()?;
    (t.desired_state == Some(TaskState::RUNNING) && status.state == Some(TaskState::PENDING))
        .then(|| status.err.clone())
        .flatten()
        .filter(|e| !e.is_empty())
}

/// Where a service stands: its tasks done (running, or completed for a job) of those it
/// wants, and whether it has converged.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Tally {
    done: usize,
    want: usize,
    converged: bool,
}

/// Whether a service has what it asks: its replicas running (healthy where it has a
/// healthcheck: Swarm only reports a task running once it is), a global service one running
/// task per node it runs on, a job its completions.
fn tally(service: &bollard::models::Service, job: bool, tasks: &[&bollard::models::Task]) -> Tally {
    use bollard::models::ServiceUpdateStatusStateEnum as U;
    let updating = service
        .update_status
        .as_ref()
        .is_some_and(|u| u.state == Some(U::UPDATING));
    let state = |t: &bollard::models::Task| t.status.as_ref().and_then(|s| s.state);
    let mode = service.spec.as_ref().and_then(|s| s.mode.as_ref());
    let count = |n: Option<i64>| n.and_then(|n| usize::try_from(n).ok()).unwrap_or(1);
    if job {
        let complete = tasks
            .iter()
            .filter(|t| state(t) == Some(TaskState::COMPLETE))
            .count();
        let (want, converged) = if mode.is_some_and(|m| m.global_job.is_some()) {
            let all = tasks.iter().all(|t| {
                state(t) == Some(TaskState::COMPLETE)
                    || t.desired_state != Some(TaskState::COMPLETE)
            });
            (tasks.len(), complete > 0 && all)
        } else {
            let want = count(
                mode.and_then(|m| m.replicated_job.as_ref())
                    .and_then(|j| j.total_completions),
            );
            (want, complete >= want)
        };
        return Tally {
            done: complete,
            want,
            converged: converged && !updating,
        };
    }
    let live: Vec<&&bollard::models::Task> = tasks
        .iter()
        .filter(|t| t.desired_state == Some(TaskState::RUNNING))
        .collect();
    let running = live
        .iter()
        .filter(|t| state(t) == Some(TaskState::RUNNING))
        .count();
    let (want, converged) = match mode.and_then(|m| m.replicated.as_ref()) {
        Some(r) => {
            let want = r
                .replicas
                .and_then(|n| usize::try_from(n).ok())
                .unwrap_or(1);
            (want, running == want && live.len() == running)
        }
        // Global: a running task on every node the service has one for.
        None => (live.len(), running > 0 && running == live.len()),
    };
    Tally {
        done: running,
        want,
        converged: converged && !updating,
    }
}
