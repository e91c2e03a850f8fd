//! What the project asks the engine for, read off the loaded project: the networks, volumes and
//! service containers with their engine names, labels, hashes and create configurations.
//!
//! Pure: it reads the [`Project`] and nothing else, so the planner and the create mapping are
//! unit-tested without an engine.

use std::collections::HashMap;
use std::path::PathBuf;

use berth_model::read::Plain;
use berth_model::{Project, Value};
use bollard::models::{
    ContainerCreateBody, EndpointSettings, HealthConfig, HostConfig, Ipam, IpamConfig, Mount,
    MountBindOptions, MountBindOptionsPropagationEnum, MountTmpfsOptions, MountTypeEnum,
    MountVolumeOptions, NetworkCreateRequest, NetworkingConfig, PortBinding, RestartPolicy,
    RestartPolicyNameEnum, VolumeCreateOptions,
};

use crate::client::Observed;
use crate::labels;

pub use berth_model::dependency::Condition;
use berth_model::mount::MountKind;

/// One `depends_on` entry.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Dependency {
    pub service: String,
    pub condition: Condition,
    pub required: bool,
    pub restart: bool,
}

/// A network the project uses.
#[derive(Clone, Debug)]
pub struct NetworkSpec {
    /// Key in the compose file (`default`, `front`).
    pub key: String,
    /// Engine name (`<project>_<key>` or `name:`).
    pub name: String,
    pub external: bool,
    /// Docker Compose's config hash of the network (its `config-hash` label).
    pub hash: String,
    pub create: NetworkCreateRequest,
}

/// A named volume the project declares.
#[derive(Clone, Debug)]
pub struct VolumeSpec {
    pub key: String,
    pub name: String,
    pub external: bool,
    pub create: VolumeCreateOptions,
}

/// A service as the engine layer sees it.
#[derive(Clone, Debug)]
pub struct ServiceSpec {
    pub name: String,
    /// `image:`, or the name Docker Compose gives a built image (`<project>-<service>`).
    pub image: String,
    /// Whether `image:` names the image (a built image named by default is never pushed).
    pub image_named: bool,
    pub replicas: u32,
    /// The config hash Docker Compose labels its containers with.
    pub hash: String,
    pub container_name: Option<String>,
    pub depends_on: Vec<Dependency>,
    /// Engine names of the networks, primary first.
    pub networks: Vec<String>,
    /// Engine names of the named volumes it mounts.
    pub volumes: Vec<String>,
    /// Those of them it only reads (every mount of them `read_only`).
    pub read_only_volumes: Vec<String>,
    pub has_healthcheck: bool,
    /// `stop_grace_period` in seconds.
    pub stop_timeout: Option<i64>,
    /// `build`, when the service can be built.
    pub build: Option<BuildSpec>,
    /// `pull_policy`.
    pub pull_policy: Option<String>,
    /// What joins project, service and number in container names: `-`, or `_` with
    /// `--compatibility` (Docker Compose v1's names).
    pub separator: char,
    /// `post_start` hooks, run once a container has started.
    pub post_start: Vec<berth_model::lifecycle::Hook>,
    /// `pre_stop` hooks, run before a container is stopped.
    pub pre_stop: Vec<berth_model::lifecycle::Hook>,
    /// `tty`: a hook's output then comes as one stream.
    pub tty: bool,
    /// `provider`: the service is a program's to run, not a container.
    pub provider: Option<berth_model::settings::Provider>,
}

impl ServiceSpec {
    /// Name of replica `number` (`<project>-<service>-<N>`, or `container_name`).
    #[must_use]
    pub fn container_name(&self, project: &str, number: u32) -> String {
        if let Some(n) = &self.container_name {
            n.clone()
        } else {
            let sep = self.separator;
            format!("{project}{sep}{}{sep}{number}", self.name)
        }
    }
}

/// A service's `build` section, read from the loaded project (paths already resolved).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct BuildSpec {
    /// The context folder (absolute), or a URL the engine fetches itself.
    pub context: String,
    /// The Dockerfile, relative to the context.
    pub dockerfile: Option<String>,
    pub dockerfile_inline: Option<String>,
    pub target: Option<String>,
    pub args: HashMap<String, String>,
    pub labels: HashMap<String, String>,
    pub network: Option<String>,
    pub no_cache: bool,
    pub pull: bool,
    /// `build.tags`: more names the built image gets (and `push` pushes).
    pub tags: Vec<String>,
    /// `build.platforms`.
    pub platforms: Vec<String>,
    /// `build.secrets`: the ID the Dockerfile mounts (`target`, else `source`) and where the
    /// value comes from (see [`BuildSpec::resolve_secrets`]).
    pub secrets: Vec<BuildSecret>,
    /// `build.ssh`: each agent's ID and, when given, its socket (`default` is the one of
    /// `SSH_AUTH_SOCK`).
    pub ssh: Vec<(String, Option<String>)>,
    /// The names of `additional_contexts`: named build contexts, which the engine's builder
    /// cannot be given (see [`crate::build::build_image`]).
    pub named_contexts: Vec<String>,
}

/// One secret of a build.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BuildSecret {
    /// The ID of `RUN --mount=type=secret,id=…`.
    pub id: String,
    /// The top-level secret it is.
    pub source: String,
    pub value: SecretValue,
}

/// Where a build secret's value is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SecretValue {
    File(PathBuf),
    /// The value of the variable the secret names (`environment:`).
    Env(String),
    /// Not defined at the top level, or its variable is unset.
    Missing,
}

impl BuildSpec {
    /// Reads a service's `build` view.
    #[must_use]
    pub fn from_view(b: &berth_model::build::Build<'_>) -> BuildSpec {
        let map = |pairs: &[(&str, String)]| -> HashMap<String, String> {
            pairs
                .iter()
                .map(|(k, v)| ((*k).to_string(), v.clone()))
                .collect()
        };
        BuildSpec {
            context: b.context_or_dot(),
            dockerfile: b.dockerfile.clone().plain(),
            dockerfile_inline: b.dockerfile_inline.clone(),
            target: b.target.clone().plain(),
            args: map(&b.args),
            labels: map(&b.labels),
            network: b.network.clone(),
            no_cache: b.no_cache,
            pull: b.pull,
            tags: b.tags.clone(),
            platforms: b.platforms.clone(),
            secrets: b
                .secrets
                .iter()
                .map(|s| BuildSecret {
                    id: s.id.to_string(),
                    source: s.source.to_string(),
                    value: SecretValue::Missing,
                })
                .collect(),
            ssh: b
                .ssh
                .iter()
                .map(|e| match e.split_once(['=', ':']) {
                    Some((id, path)) => (id.trim().to_string(), Some(path.trim().to_string())),
                    None => (e.clone(), None),
                })
                .collect(),
            named_contexts: b
                .additional_contexts
                .iter()
                .map(|(k, _)| (*k).to_string())
                .collect(),
        }
    }
}

impl BuildSpec {
    /// Finds where each build secret's value is: the top-level secret's `file`, or the value
    /// of its `environment` variable in the project's environment.
    pub fn resolve_secrets(&mut self, project: &berth_model::Project) {
        for s in &mut self.secrets {
            let top = project.file_def(berth_model::resources::FileKind::Secret, &s.source);
            let file = top.as_ref().and_then(|t| t.file);
            let var = top.as_ref().and_then(|t| t.environment);
            s.value = match (file, var) {
                (Some(f), _) => SecretValue::File(PathBuf::from(f)),
                (None, Some(v)) => project
                    .environment
                    .get(v)
                    .map_or(SecretValue::Missing, |val| SecretValue::Env(val.clone())),
                _ => SecretValue::Missing,
            };
        }
    }
}

/// Everything `up` needs to know about the project.
#[derive(Clone, Debug)]
pub struct ProjectSpec {
    pub name: String,
    pub networks: Vec<NetworkSpec>,
    pub volumes: Vec<VolumeSpec>,
    /// Services in dependency order (dependencies first).
    pub services: Vec<ServiceSpec>,
    /// `--all-resources`: `up` creates the networks no selected service uses too.
    pub all_resources: bool,
}

fn owned(pairs: Option<Vec<(&str, String)>>) -> Option<HashMap<String, String>> {
    pairs.map(|p| p.into_iter().map(|(k, v)| (k.to_string(), v)).collect())
}

fn to_string(s: Option<&str>) -> Option<String> {
    s.map(str::to_string)
}

/// Reads the project. Services come out in dependency order.
#[must_use]
pub fn project_spec(project: &Project) -> ProjectSpec {
    let mut networks = Vec::new();
    for n in project.network_defs() {
        let k = n.key;
        let name = project.network_name(k);
        let mut labels_map = owned(Some(n.labels.clone())).unwrap_or_default();
        let hash = berth_emit::network_hash(n.value);
        labels_map.insert(labels::CONFIG_HASH.into(), hash.clone());
        labels_map.insert(labels::NETWORK.into(), k.to_string());
        labels_map.insert(labels::PROJECT.into(), project.name.clone());
        labels_map.insert(labels::VERSION.into(), labels::COMPOSE_VERSION.into());
        let ipam = n.ipam.as_ref().map(|i| Ipam {
            driver: to_string(i.driver),
            config: i.config.as_ref().map(|pools| {
                pools
                    .iter()
                    .map(|c| IpamConfig {
                        subnet: to_string(c.subnet.plain()),
                        ip_range: to_string(c.ip_range),
                        gateway: to_string(c.gateway),
                        auxiliary_addresses: owned(c.aux_addresses.clone()),
                    })
                    .collect()
            }),
            options: None,
        });
        networks.push(NetworkSpec {
            key: k.to_string(),
            name: name.clone(),
            external: n.external,
            hash,
            create: NetworkCreateRequest {
                name,
                driver: to_string(n.driver),
                internal: n.internal,
                attachable: n.attachable,
                enable_ipv6: n.enable_ipv6,
                options: owned(n.driver_opts.clone()),
                labels: Some(labels_map),
                ipam,
                ..Default::default()
            },
        });
    }
    let mut volumes = Vec::new();
    for v in project.volume_defs() {
        let k = v.key;
        let name = v
            .name
            .map_or_else(|| format!("{}_{k}", project.name), str::to_string);
        let mut labels_map = owned(Some(v.labels.clone())).unwrap_or_default();
        labels_map.insert(labels::CONFIG_HASH.into(), berth_emit::volume_hash(v.value));
        labels_map.insert(labels::VOLUME.into(), k.to_string());
        labels_map.insert(labels::PROJECT.into(), project.name.clone());
        labels_map.insert(labels::VERSION.into(), labels::COMPOSE_VERSION.into());
        volumes.push(VolumeSpec {
            key: k.to_string(),
            name: name.clone(),
            external: v.external,
            create: VolumeCreateOptions {
                name: Some(name),
                driver: to_string(v.driver),
                driver_opts: owned(v.driver_opts.clone()),
                labels: Some(labels_map),
                ..Default::default()
            },
        });
    }
    let mut services = Vec::new();
    for svc in project.services() {
        let v = svc.value;
        let settings = svc.settings();
        let depends_on = svc
            .dependencies()
            .map(|d| Dependency {
                service: d.service.to_string(),
                condition: d.condition,
                required: d.required,
                restart: d.restart,
            })
            .collect();
        let replicas = svc
            .deploy()
            .replicas
            .plain()
            .and_then(|n| u32::try_from(n).ok())
            .unwrap_or(1);
        let has_healthcheck = svc.healthcheck().is_some_and(|h| h.checks());
        services.push(ServiceSpec {
            name: svc.name.to_string(),
            image: svc.image_or_built(&project.name),
            image_named: svc.image().is_some(),
            replicas,
            hash: berth_emit::service_hash(v),
            container_name: to_string(settings.container_name.plain()),
            depends_on,
            networks: ordered_networks(v)
                .into_iter()
                .map(|k| project.network_name(&k))
                .collect(),
            volumes: svc
                .mounts()
                .filter(|m| m.kind == MountKind::Volume)
                .filter_map(|m| m.source)
                .map(|src| project.volume_name(src))
                .collect(),
            read_only_volumes: {
                let mounts: Vec<_> = svc
                    .mounts()
                    .filter(|m| m.kind == MountKind::Volume)
                    .filter_map(|m| Some((m.source?, m.read_only)))
                    .collect();
                mounts
                    .iter()
                    .filter(|(src, _)| mounts.iter().all(|(s, ro)| s != src || *ro))
                    .map(|(src, _)| project.volume_name(src))
                    .collect()
            },
            has_healthcheck,
            stop_timeout: settings
                .stop_grace_period
                .and_then(|d| d.nanos)
                .map(|ns| ns / 1_000_000_000),
            build: svc.build().map(|b| {
                let mut b = BuildSpec::from_view(&b);
                b.resolve_secrets(project);
                b
            }),
            pull_policy: settings.pull_policy,
            separator: '-',
            post_start: settings.post_start,
            pre_stop: settings.pre_stop,
            tty: settings.tty == Some(true),
            provider: settings.provider,
        });
    }
    ProjectSpec {
        name: project.name.clone(),
        networks,
        volumes,
        services: dependency_order(services),
        all_resources: false,
    }
}

/// Network keys of a service, the primary one (highest `priority`, then name) first.
fn ordered_networks(v: &Value) -> Vec<String> {
    berth_model::Service { name: "", value: v }
        .attachments_by_priority()
        .into_iter()
        .map(|a| a.network.to_string())
        .collect()
}

/// Dependencies first; services that do not depend on each other keep the model's order.
/// (The loader has already rejected cycles.)
pub(crate) fn dependency_order(services: Vec<ServiceSpec>) -> Vec<ServiceSpec> {
    let index: HashMap<&str, usize> = services
        .iter()
        .enumerate()
        .map(|(i, s)| (s.name.as_str(), i))
        .collect();
    let next = services
        .iter()
        .map(|s| {
            s.depends_on
                .iter()
                .filter_map(|d| index.get(d.service.as_str()).copied())
                .collect()
        })
        .collect();
    let order = berth_model::depgraph::DepGraph::new(next).dependency_order();
    let mut slots: Vec<Option<ServiceSpec>> = services.into_iter().map(Some).collect();
    order.into_iter().filter_map(|i| slots[i].take()).collect()
}

/// The labels of replica `number` of a service.
#[must_use]
pub fn container_labels(
    project: &Project,
    spec: &ServiceSpec,
    v: &Value,
    number: u32,
) -> HashMap<String, String> {
    let mut out: HashMap<String, String> = berth_model::settings::Settings::of(v)
        .label_pairs()
        .into_iter()
        .collect();
    out.insert(labels::PROJECT.into(), project.name.clone());
    out.insert(labels::SERVICE.into(), spec.name.clone());
    out.insert(labels::VERSION.into(), labels::COMPOSE_VERSION.into());
    out.insert(
        labels::WORKING_DIR.into(),
        project.working_dir.display().to_string(),
    );
    out.insert(
        labels::CONFIG_FILES.into(),
        project
            .config_files
            .iter()
            .map(|p| p.display().to_string())
            .collect::<Vec<_>>()
            .join(","),
    );
    out.insert(labels::ONEOFF.into(), "False".into());
    out.insert(labels::CONFIG_HASH.into(), spec.hash.clone());
    out.insert(labels::CONTAINER_NUMBER.into(), number.to_string());
    out.insert(
        labels::DEPENDS_ON.into(),
        spec.depends_on
            .iter()
            .map(|d| format!("{}:{}:{}", d.service, d.condition.as_str(), d.restart))
            .collect::<Vec<_>>()
            .join(","),
    );
    out
}

/// The engine's create configuration for replica `number` of a service.
///
/// # Errors
/// An `external` secret or config, which only swarm provides.
pub fn create_body(
    project: &Project,
    spec: &ServiceSpec,
    v: &Value,
    number: u32,
    image_id: Option<&str>,
) -> Result<ContainerCreateBody, String> {
    let mut labels_map = container_labels(project, spec, v, number);
    if let Some(id) = image_id {
        labels_map.insert(labels::IMAGE.into(), id.to_string());
    }
    let service = berth_model::Service {
        name: &spec.name,
        value: v,
    };
    let s = service.settings();
    let env = s.environment.plain().map(|vars| {
        vars.into_iter()
            .map(|var| match var.value {
                Some(val) => format!("{}={val}", var.name),
                None => var.name.to_string(),
            })
            .collect()
    });
    // Ports.
    let mut exposed: HashMap<String, HashMap<(), ()>> = HashMap::new();
    let mut bindings: HashMap<String, Option<Vec<PortBinding>>> = HashMap::new();
    for p in service.ports() {
        let Some(target) = p.target else {
            continue;
        };
        let key = format!("{target}/{}", p.protocol);
        exposed.insert(key.clone(), HashMap::new());
        bindings
            .entry(key)
            .or_insert_with(|| Some(Vec::new()))
            .get_or_insert_with(Vec::new)
            .push(PortBinding {
                host_ip: p.host_ip.map(str::to_string),
                host_port: Some(p.published.unwrap_or_default()),
            });
    }
    for e in &s.expose {
        for key in exposed_ports(&e.value) {
            exposed.insert(key, HashMap::new());
        }
    }
    let (binds, mounts) = service_mounts(project, service)?;
    let tmpfs: Option<HashMap<String, String>> = s.tmpfs.map(|l| {
        l.into_iter()
            .map(|t| match t.split_once(':') {
                Some((p, o)) => (p.to_string(), o.to_string()),
                None => (t, String::new()),
            })
            .collect()
    });
    let restart = s.restart.map(|r| {
        let (name, max) = match r.split_once(':') {
            Some((n, m)) => (n, m.parse().ok()),
            None => (r, None),
        };
        RestartPolicy {
            name: Some(match name {
                "always" => RestartPolicyNameEnum::ALWAYS,
                "unless-stopped" => RestartPolicyNameEnum::UNLESS_STOPPED,
                "on-failure" => RestartPolicyNameEnum::ON_FAILURE,
                _ => RestartPolicyNameEnum::NO,
            }),
            maximum_retry_count: max,
        }
    });
    let limits = service.deploy().limits;
    let healthcheck = service.healthcheck().map(|h| {
        if h.disable {
            HealthConfig {
                test: Some(vec!["NONE".into()]),
                ..Default::default()
            }
        } else {
            let nanos = |d: Option<berth_model::health::Duration<'_>>| d.and_then(|d| d.nanos);
            HealthConfig {
                interval: nanos(h.interval),
                timeout: nanos(h.timeout),
                retries: h.retries,
                start_period: nanos(h.start_period),
                start_interval: nanos(h.start_interval),
                test: h.test,
            }
        }
    });
    // Networks: the primary at create; the others are connected before start.
    let network_mode = s.network_mode.plain().map(str::to_string);
    let mut endpoints = HashMap::new();
    if network_mode.is_none() {
        if let Some(primary) = ordered_networks(v).first() {
            endpoints.insert(
                project.network_name(primary),
                endpoint(
                    v,
                    primary,
                    &spec.container_name(&project.name, number),
                    &spec.name,
                ),
            );
        }
    }
    let network_mode = network_mode.or_else(|| {
        let first = ordered_networks(v).into_iter().next();
        Some(first.map_or_else(|| "none".to_string(), |k| project.network_name(&k)))
    });
    Ok(ContainerCreateBody {
        image: Some(spec.image.clone()),
        cmd: s.command,
        entrypoint: s.entrypoint,
        env,
        working_dir: s.working_dir,
        user: s.user.plain(),
        hostname: s.hostname,
        domainname: s.domainname,
        tty: s.tty,
        open_stdin: s.stdin_open,
        labels: Some(labels_map),
        exposed_ports: (!exposed.is_empty()).then_some(exposed),
        healthcheck,
        stop_signal: s.stop_signal,
        // Engine API 1.41 takes the MAC address here (1.44 on the endpoint).
        mac_address: s.mac_address,
        stop_timeout: spec.stop_timeout,
        host_config: Some(HostConfig {
            binds: (!binds.is_empty()).then_some(binds),
            mounts: (!mounts.is_empty()).then_some(mounts),
            port_bindings: (!bindings.is_empty()).then_some(bindings),
            restart_policy: restart,
            network_mode,
            memory: limits.memory_bytes(),
            nano_cpus: limits.nano_cpus(),
            pids_limit: limits.pids.plain(),
            ipc_mode: s.ipc,
            pid_mode: s.pid,
            privileged: s.privileged.plain(),
            readonly_rootfs: s.read_only,
            init: s.init,
            cap_add: s.cap_add,
            cap_drop: s.cap_drop,
            dns: s.dns,
            extra_hosts: s.extra_hosts,
            security_opt: s.security_opt,
            sysctls: owned(s.sysctls),
            tmpfs,
            shm_size: s.shm_size,
            log_config: s.logging.map(|l| bollard::models::HostConfigLogConfig {
                typ: l.driver,
                config: owned(l.options),
            }),
            ..Default::default()
        }),
        networking_config: Some(NetworkingConfig {
            endpoints_config: Some(endpoints),
        }),
        ..Default::default()
    })
}

/// The engine's keys for one `expose` entry: `80` is `80/tcp`, and a range `8000-8010/udp`
/// is each of its ports, as the Docker CLI's `nat.ParsePortSpecs` expands it (the engine
/// would keep `8000-8010/tcp` as one meaningless key). What is not a range stays as written.
fn exposed_ports(spec: &str) -> Vec<String> {
    let (ports, proto) = spec.split_once('/').unwrap_or((spec, "tcp"));
    let range = berth_model::ports::range(ports).filter(|_| ports.contains('-'));
    match range {
        Some((a, b)) => (a..=b).map(|p| format!("{p}/{proto}")).collect(),
        None => vec![format!("{ports}/{proto}")],
    }
}

/// Refuses what the engine cannot take, as Docker Compose does before creating a container:
/// `healthcheck.start_interval` needs Engine API 1.44 (Docker Engine 25), and a
/// `start_period` to apply to. `api_1_44` says whether the engine speaks 1.44 or later.
///
/// # Errors
/// The reference's message for the first check that fails.
pub fn check_engine_features(body: &ContainerCreateBody, api_1_44: bool) -> Result<(), String> {
    if let Some(h) = &body.healthcheck {
        if h.start_interval.is_some() {
            if !api_1_44 {
                return Err("can't set healthcheck.start_interval as feature require Docker Engine v25 or later".into());
            }
            if h.start_period.is_none() {
                return Err(
                    "healthcheck.start_interval requires healthcheck.start_period to be set".into(),
                );
            }
        }
    }
    Ok(())
}

/// A service's mounts, split as Docker Compose splits them (`buildContainerVolumes` of
/// docker/compose `create.go`): a bind or a named volume with no option the bind syntax cannot
/// say goes in `Binds` (`src:dst:rw,z,rslave,nocopy`, which also creates a missing host path),
/// the rest in `Mounts`: binds with `create_host_path: false` or a propagation, volumes with
/// `nocopy`, `subpath` or labels, anonymous volumes, tmpfs mounts, and the secrets and configs
/// read from files (read-only binds, so `docker inspect` shows their `Mode` empty, as the
/// reference's do).
///
/// # Errors
/// An external secret or config, which only Swarm provides.
fn service_mounts(
    project: &Project,
    service: berth_model::Service<'_>,
) -> Result<(Vec<String>, Vec<Mount>), String> {
    let mut binds = Vec::new();
    let mut mounts = Vec::new();
    for m in service.mounts() {
        let Some(target) = m.target.map(str::to_string) else {
            continue;
        };
        let read_only = m.read_only;
        let bind = m.bind.unwrap_or_default();
        let volume = m.volume.clone().unwrap_or_default();
        let bind_string = |src: &str| {
            let mut opts = vec![if read_only { "ro" } else { "rw" }.to_string()];
            opts.extend(bind.selinux.map(str::to_string));
            opts.extend(bind.propagation.map(str::to_string));
            if volume.nocopy {
                opts.push("nocopy".into());
            }
            format!("{src}:{target}:{}", opts.join(","))
        };
        let mut mount = Mount {
            target: Some(target.clone()),
            read_only: Some(read_only),
            consistency: m.consistency.map(str::to_string),
            ..Default::default()
        };
        match (m.kind, m.source) {
            (MountKind::Bind, Some(src)) => {
                let needs_api = m.bind.is_some_and(|b| {
                    !b.create_host_path || b.propagation.is_some() || b.recursive.is_some()
                });
                if !needs_api {
                    binds.push(bind_string(src));
                    continue;
                }
                let recursive = bind.recursive;
                mount.typ = Some(MountTypeEnum::BIND);
                mount.source = Some(src.to_string());
                mount.bind_options = Some(MountBindOptions {
                    propagation: bind
                        .propagation
                        .and_then(|p| p.parse::<MountBindOptionsPropagationEnum>().ok()),
                    create_mountpoint: Some(bind.create_host_path),
                    non_recursive: (recursive == Some("disabled")).then_some(true),
                    read_only_non_recursive: (recursive == Some("writable")).then_some(true),
                    read_only_force_recursive: (recursive == Some("readonly")).then_some(true),
                });
            }
            (MountKind::Volume, Some(src)) => {
                let declared = project.volume_def(src).is_some();
                let labels = owned(volume.labels.clone());
                let needs_api = labels.is_some() || volume.subpath.is_some() || volume.nocopy;
                let name = project.volume_name(src);
                if declared && !needs_api {
                    binds.push(bind_string(&name));
                    continue;
                }
                mount.typ = Some(MountTypeEnum::VOLUME);
                mount.source = Some(name);
                mount.volume_options = m.volume.as_ref().map(|_| MountVolumeOptions {
                    no_copy: Some(volume.nocopy),
                    subpath: volume.subpath.map(str::to_string),
                    labels,
                    ..Default::default()
                });
            }
            (MountKind::Volume, None) => {
                mount.typ = Some(MountTypeEnum::VOLUME);
                mount.volume_options = m.volume.as_ref().map(|_| MountVolumeOptions {
                    no_copy: Some(volume.nocopy),
                    ..Default::default()
                });
            }
            (MountKind::Tmpfs, _) => {
                mount.typ = Some(MountTypeEnum::TMPFS);
                mount.tmpfs_options = m.tmpfs.map(|o| MountTmpfsOptions {
                    size_bytes: o.size,
                    mode: o.mode,
                    ..Default::default()
                });
            }
            _ => continue,
        }
        mounts.push(mount);
    }
    for f in service.files() {
        let Some(def) = project.file_def(f.kind, f.source) else {
            continue;
        };
        if def.external {
            return Err(format!(
                "unsupported external {} {}",
                f.kind.singular(),
                def.name
            ));
        }
        if let Some(file) = def.file {
            mounts.push(Mount {
                typ: Some(MountTypeEnum::BIND),
                source: Some(file.to_string()),
                target: Some(f.path()),
                read_only: Some(true),
                ..Default::default()
            });
        }
    }
    Ok((binds, mounts))
}

/// The endpoint settings of a service on one network: aliases and static addresses.
#[must_use]
pub fn endpoint(v: &Value, key: &str, container: &str, service: &str) -> EndpointSettings {
    let net = berth_model::Service {
        name: service,
        value: v,
    }
    .attachments()
    .find(|a| a.network == key);
    let mut aliases = vec![container.to_string(), service.to_string()];
    if let Some(n) = &net {
        aliases.extend(n.aliases.iter().map(|a| (*a).to_string()));
    }
    let ipv4 = net
        .as_ref()
        .and_then(|n| n.ipv4_address)
        .map(str::to_string);
    let ipv6 = net
        .as_ref()
        .and_then(|n| n.ipv6_address)
        .map(str::to_string);
    EndpointSettings {
        aliases: Some(aliases),
        ipam_config: (ipv4.is_some() || ipv6.is_some()).then(|| {
            bollard::models::EndpointIpamConfig {
                ipv4_address: ipv4,
                ipv6_address: ipv6,
                ..Default::default()
            }
        }),
        ..Default::default()
    }
}

/// The service's networks other than the primary, as (engine name, key).
#[must_use]
pub fn secondary_networks(project: &Project, v: &Value) -> Vec<(String, String)> {
    if berth_model::settings::Settings::of(v)
        .network_mode
        .is_some()
    {
        return Vec::new();
    }
    ordered_networks(v)
        .into_iter()
        .skip(1)
        .map(|k| (project.network_name(&k), k))
        .collect()
}

/// The service's value in the project tree.
#[must_use]
pub fn service_value<'a>(project: &'a Project, name: &str) -> Option<&'a Value> {
    project.service(name).map(|s| s.value)
}

impl ProjectSpec {
    /// `--compatibility`: containers named `project_service_1`, as Docker Compose v1 named them.
    pub fn compatibility_names(&mut self) {
        for s in &mut self.services {
            s.separator = '_';
        }
    }

    /// Keeps the named services and, unless `no_deps`, what they depend on (transitively).
    /// No names keeps everything.
    ///
    /// # Errors
    /// A name that is not a service of the project.
    pub fn select(&mut self, names: &[String], no_deps: bool) -> Result<(), String> {
        if names.is_empty() {
            return Ok(());
        }
        let mut keep: std::collections::HashSet<String> = std::collections::HashSet::new();
        let mut todo: Vec<String> = Vec::new();
        for n in names {
            if !self.services.iter().any(|s| &s.name == n) {
                return Err(format!("no such service: {n}"));
            }
            todo.push(n.clone());
        }
        while let Some(n) = todo.pop() {
            if !keep.insert(n.clone()) || no_deps {
                continue;
            }
            if let Some(s) = self.services.iter().find(|s| s.name == n) {
                todo.extend(s.depends_on.iter().map(|d| d.service.clone()));
            }
        }
        self.services.retain(|s| keep.contains(&s.name));
        Ok(())
    }
}

/// A file written into a container before it starts: a secret from `environment`, a config
/// from `content` or `environment` (those with `file` are bind-mounted instead).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InjectedFile {
    /// Absolute path in the container.
    pub path: String,
    pub data: Vec<u8>,
    pub mode: u32,
    pub uid: u64,
    pub gid: u64,
}

/// The secrets and configs of service `service` (its loaded value `v`) that are copied into
/// its containers before start, as Docker Compose does without swarm.
///
/// # Errors
/// An `environment` variable that is not set, or a read-only service (only `file` works there),
/// worded as Docker Compose words them.
pub fn injected_files(
    project: &Project,
    service: &str,
    v: &Value,
) -> Result<Vec<InjectedFile>, String> {
    let svc = berth_model::Service {
        name: service,
        value: v,
    };
    let read_only = svc.settings().read_only == Some(true);
    let mut out = Vec::new();
    for f in svc.files() {
        let Some(def) = project
            .file_def(f.kind, f.source)
            .filter(|d| d.file.is_none())
        else {
            continue;
        };
        let (singular, name) = (f.kind.singular(), def.name);
        let Some(data) = project.inline_value(&def)? else {
            continue;
        };
        if read_only {
            return Err(format!(
                "cannot create {singular} \"{name}\" in read-only service {service}: `file` is the sole supported option"
            ));
        }
        out.push(InjectedFile {
            path: f.path(),
            data: data.into_bytes(),
            mode: f.mode.unwrap_or(0o444),
            uid: f.uid.unwrap_or(0),
            gid: f.gid.unwrap_or(0),
        });
    }
    Ok(out)
}

/// Groups containers in reverse dependency order (dependents first); containers of services
/// the spec does not know come first. A group holds every service at one depth: those nothing
/// depends on, then those only they depend on, and so on; the services of a group are
/// independent of each other, so their containers are stopped together (30 services that do
/// not depend on each other are one group, not 30 rounds).
#[must_use]
pub fn reverse_dependency_groups<'a>(
    spec: &ProjectSpec,
    containers: &'a [Observed],
) -> Vec<Vec<&'a Observed>> {
    let index: HashMap<&str, usize> = spec
        .services
        .iter()
        .enumerate()
        .map(|(i, s)| (s.name.as_str(), i))
        .collect();
    // A service's depth: 0 when no service depends on it, else one more than its deepest
    // dependent. Relaxed until nothing changes (a cycle stops after one pass per service).
    let mut depth = vec![0usize; spec.services.len()];
    for _ in 0..spec.services.len() {
        let mut changed = false;
        for (i, s) in spec.services.iter().enumerate() {
            for d in &s.depends_on {
                if let Some(&j) = index.get(d.service.as_str()) {
                    if j != i && depth[j] < depth[i] + 1 {
                        depth[j] = depth[i] + 1;
                        changed = true;
                    }
                }
            }
        }
        if !changed {
            break;
        }
    }
    let deepest = depth.iter().copied().max().unwrap_or(0);
    let mut groups: Vec<Vec<&Observed>> = vec![Vec::new(); deepest + 2];
    for c in containers {
        match index.get(c.service.as_str()) {
            Some(&i) => groups[depth[i] + 1].push(c),
            None => groups[0].push(c),
        }
    }
    groups.retain(|g| !g.is_empty());
    groups
}

/// The service whose lifecycle hooks run in container `c`: its own, for a container of the
/// service; none for a one-off container (`run`), as in Docker Compose.
#[must_use]
pub fn hooked_service<'a>(spec: &'a ProjectSpec, c: &Observed) -> Option<&'a ServiceSpec> {
    if c.labels.get(labels::ONEOFF).map(String::as_str) == Some("True") {
        return None;
    }
    spec.services.iter().find(|s| s.name == c.service)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    pub(crate) fn load(yaml: &str, env: &[(&str, &str)]) -> Project {
        let d = tempfile::tempdir().unwrap();
        std::fs::write(d.path().join("compose.yaml"), yaml).unwrap();
        let os_env = env
            .iter()
            .map(|(k, v)| ((*k).to_string(), (*v).to_string()))
            .collect();
        let mut opts = berth_loader::load::Options::new(d.path().to_path_buf(), os_env);
        opts.project_name = Some("p".into());
        berth_loader::load::load(&opts).unwrap()
    }

    /// A running container of `service` (replica `number`, config hash `hash`), for the
    /// planner's and the grouping's tests.
    pub(crate) fn observed(service: &str, number: u32, hash: &str) -> Observed {
        Observed {
            id: format!("{service}{number}"),
            name: format!("p-{service}-{number}"),
            service: service.into(),
            number,
            hash: hash.into(),
            image_id: Some("sha256:a".into()),
            state: "running".into(),
            status: String::new(),
            image: "img".into(),
            command: String::new(),
            created: 0,
            labels: HashMap::new(),
            ports: Vec::new(),
            networks: Vec::new(),
            volumes: Vec::new(),
            read_only_volumes: Vec::new(),
        }
    }

    /// `down` stopped 30 independent services one at a time: they are one group now, and a
    /// chain still goes dependents first.
    #[test]
    fn down_stopped_independent_services_one_at_a_time() {
        let p = load(
            "services:\n  web: {image: x, depends_on: [api]}\n  api: {image: x, depends_on: [db, cache]}\n  db: {image: x}\n  cache: {image: x}\n  worker: {image: x, depends_on: [db]}\n  other: {image: x}\n",
            &[],
        );
        let spec = project_spec(&p);
        let containers: Vec<Observed> = ["web", "api", "db", "cache", "worker", "other", "gone"]
            .iter()
            .map(|s| observed(s, 1, ""))
            .collect();
        let groups: Vec<Vec<&str>> = reverse_dependency_groups(&spec, &containers)
            .iter()
            .map(|g| {
                let mut names: Vec<&str> = g.iter().map(|c| c.service.as_str()).collect();
                names.sort_unstable();
                names
            })
            .collect();
        assert_eq!(
            groups,
            [
                vec!["gone"],
                vec!["other", "web", "worker"],
                vec!["api"],
                vec!["cache", "db"]
            ]
        );
    }

    /// A volume every mount of which is read-only is one the service only reads.
    #[test]
    fn volumes_a_service_only_reads_are_told_apart() {
        let p = load(
            "services:\n  a:\n    image: x\n    volumes: [\"ro:/r:ro\", \"rw:/w\", \"both:/b1:ro\", \"both:/b2\"]\nvolumes:\n  ro: {}\n  rw: {}\n  both: {}\n",
            &[],
        );
        let spec = project_spec(&p);
        let a = &spec.services[0];
        assert_eq!(a.volumes.len(), 4);
        assert_eq!(a.read_only_volumes, ["p_ro"]);
    }

    const SECRETS: &str = "services:
  a:
    image: x
    secrets:
      - s1
      - {source: s1, target: custom, mode: \"0400\", uid: \"123\", gid: \"45\"}
      - f
    configs:
      - c1
      - {source: c2, target: /etc/c2.conf, mode: 0600}
secrets:
  s1: {environment: SEC}
  f: {file: ./f.txt}
configs:
  c1: {content: \"hello ${SEC}\"}
  c2: {environment: SEC}
";

    #[test]
    fn secrets_and_configs_without_a_file_are_copied_in() {
        let p = load(SECRETS, &[("SEC", "top")]);
        let v = service_value(&p, "a").unwrap();
        let files = injected_files(&p, "a", v).unwrap();
        let got: Vec<(&str, &[u8], u32, u64, u64)> = files
            .iter()
            .map(|f| (f.path.as_str(), f.data.as_slice(), f.mode, f.uid, f.gid))
            .collect();
        assert_eq!(
            got,
            vec![
                ("/run/secrets/s1", &b"top"[..], 0o444, 0, 0),
                ("/run/secrets/custom", &b"top"[..], 0o400, 123, 45),
                ("/c1", &b"hello top"[..], 0o444, 0, 0),
                ("/etc/c2.conf", &b"top"[..], 0o600, 0, 0),
            ]
        );
    }

    #[test]
    fn networks_and_volumes_carry_the_reference_config_hash() {
        // The values Docker Compose 2.40.3 put on these networks and volumes (project `p`).
        let p = load(
            "services:
  a:
    image: x
    networks: [default, front]
    volumes: [d1:/d1, d2:/d2]
networks:
  front:
    internal: true
    labels: {x: y}
    ipam:
      config:
        - subnet: 10.99.0.0/24
volumes:
  d1: {}
  d2:
    labels: {k: v}
    driver_opts: {type: tmpfs, device: tmpfs}
",
            &[],
        );
        let spec = project_spec(&p);
        let hash = |key: &str| {
            spec.networks
                .iter()
                .find(|n| n.key == key)
                .map(|n| n.hash.clone())
        };
        assert_eq!(
            hash("default").as_deref(),
            Some("cca2b3a66c94bd18c278d0ace2145197839f42c28f96dcd3878eeb5d03f53510")
        );
        assert_eq!(
            hash("front").as_deref(),
            Some("ba178d12f8c73fc409262080ccd8918944004779e63ca8dce164741f6f03e51d")
        );
        let vol = |key: &str| {
            spec.volumes
                .iter()
                .find(|v| v.key == key)
                .and_then(|v| v.create.labels.as_ref())
                .and_then(|l| l.get(labels::CONFIG_HASH).cloned())
        };
        assert_eq!(
            vol("d1").as_deref(),
            Some("b740ef7a6c32fad5e809a5f0b0929cf3c02de0acc9e5eb1e5b31fef6fb7e6122")
        );
        assert_eq!(
            vol("d2").as_deref(),
            Some("03fd5f1db7481c6de60a5a7f0ac966d68e50f675099ed5d16d952a24712e7f6b")
        );
    }

    #[test]
    fn an_unset_variable_or_a_read_only_service_is_refused_as_docker_compose_words_it() {
        let p = load(SECRETS, &[]);
        let v = service_value(&p, "a").unwrap();
        assert_eq!(
            injected_files(&p, "a", v).unwrap_err(),
            "environment variable \"SEC\" required by secret \"p_s1\" is not set"
        );
        let p = load(
            "services:\n  a: {image: x, read_only: true, configs: [c]}\nconfigs:\n  c: {content: hi}\n",
            &[],
        );
        let v = service_value(&p, "a").unwrap();
        assert_eq!(
            injected_files(&p, "a", v).unwrap_err(),
            "cannot create config \"p_c\" in read-only service a: `file` is the sole supported option"
        );
    }

    /// Regression: secrets and configs from files were `Binds` entries (`src:dst:ro`), so
    /// `docker inspect` showed `"Mode":"ro"` where the reference shows `"Mode":""`; and the
    /// long syntax's options (`propagation`, `create_host_path: false`, `nocopy`, tmpfs
    /// mounts) were dropped.
    #[test]
    fn mounts_split_between_binds_and_the_mount_api_as_docker_compose_splits_them() {
        let p = load(
            "services:\n  a:\n    image: x\n    volumes:\n      - ./src:/d:z\n      - data:/v\n      - /anon\n      - {type: volume, source: data, target: /n, volume: {nocopy: true}}\n      - {type: bind, source: ./src, target: /c, bind: {create_host_path: false}}\n      - {type: bind, source: ./src, target: /b, bind: {propagation: rslave}}\n      - {type: tmpfs, target: /t, tmpfs: {size: 10m}}\n    secrets: [s]\nvolumes:\n  data: {}\nsecrets:\n  s: {file: ./s.txt}\n",
            &[],
        );
        let (binds, mounts) = service_mounts(&p, p.service("a").unwrap()).unwrap();
        let dir = p.working_dir.display().to_string();
        assert_eq!(
            binds,
            vec![format!("{dir}/src:/d:rw,z"), "p_data:/v:rw".to_string()]
        );
        let kinds: Vec<(Option<MountTypeEnum>, Option<&str>, Option<&str>)> = mounts
            .iter()
            .map(|m| (m.typ, m.target.as_deref(), m.source.as_deref()))
            .collect();
        let src = format!("{dir}/src");
        let secret = format!("{dir}/s.txt");
        assert_eq!(
            kinds,
            vec![
                (Some(MountTypeEnum::VOLUME), Some("/anon"), None),
                (Some(MountTypeEnum::VOLUME), Some("/n"), Some("p_data")),
                (Some(MountTypeEnum::BIND), Some("/c"), Some(src.as_str())),
                (Some(MountTypeEnum::BIND), Some("/b"), Some(src.as_str())),
                (Some(MountTypeEnum::TMPFS), Some("/t"), None),
                (
                    Some(MountTypeEnum::BIND),
                    Some("/run/secrets/s"),
                    Some(secret.as_str())
                ),
            ]
        );
        assert_eq!(
            mounts[4].tmpfs_options.as_ref().and_then(|t| t.size_bytes),
            Some(10 * 1024 * 1024)
        );
        assert_eq!(mounts[5].read_only, Some(true));
    }

    #[test]
    fn start_interval_needs_engine_25_then_a_start_period() {
        let p = load(
            "services:\n  a:\n    image: x\n    healthcheck: {test: [CMD, 'true'], start_interval: 1s}\n",
            &[],
        );
        let v = service_value(&p, "a").unwrap();
        let spec = project_spec(&p);
        let body = create_body(&p, &spec.services[0], v, 1, None).unwrap();
        assert_eq!(
            check_engine_features(&body, false).unwrap_err(),
            "can't set healthcheck.start_interval as feature require Docker Engine v25 or later"
        );
        assert_eq!(
            check_engine_features(&body, true).unwrap_err(),
            "healthcheck.start_interval requires healthcheck.start_period to be set"
        );
    }

    /// Regression: an `expose` range reached the engine as one key (`8000-8010/tcp`).
    #[test]
    fn expose_ranges_are_expanded_as_the_docker_cli_expands_them() {
        assert_eq!(exposed_ports("80"), vec!["80/tcp"]);
        assert_eq!(exposed_ports("53/udp"), vec!["53/udp"]);
        assert_eq!(
            exposed_ports("8000-8002/udp"),
            vec!["8000/udp", "8001/udp", "8002/udp"]
        );
        assert_eq!(exposed_ports("9-1"), vec!["9-1/tcp"]);
    }
}
