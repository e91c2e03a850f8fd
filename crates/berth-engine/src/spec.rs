//! What the project asks the engine for, read off the loaded project: the networks, volumes and
//! service containers with their engine names, labels, hashes and create configurations.
//!
//! Pure: it reads the [`Project`] and nothing else, so the planner and the create mapping are
//! unit-tested without an engine.

use std::collections::HashMap;

use berth_model::{Kind, Project, Value};
use bollard::models::{
    ContainerCreateBody, EndpointSettings, HealthConfig, HostConfig, Ipam, IpamConfig, Mount,
    MountBindOptions, MountBindOptionsPropagationEnum, MountTmpfsOptions, MountTypeEnum,
    MountVolumeOptions, NetworkCreateRequest, NetworkingConfig, PortBinding, RestartPolicy,
    RestartPolicyNameEnum, VolumeCreateOptions,
};

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
    pub has_healthcheck: bool,
    /// `stop_grace_period` in seconds.
    pub stop_timeout: Option<i64>,
    /// `build`, when the service can be built.
    pub build: Option<crate::build::BuildSpec>,
    /// `pull_policy`.
    pub pull_policy: Option<String>,
    /// What joins project, service and number in container names: `-`, or `_` with
    /// `--compatibility` (Docker Compose v1's names).
    pub separator: char,
    /// `post_start` hooks, run once a container has started.
    pub post_start: Vec<crate::hooks::Hook>,
    /// `pre_stop` hooks, run before a container is stopped.
    pub pre_stop: Vec<crate::hooks::Hook>,
    /// `tty`: a hook's output then comes as one stream.
    pub tty: bool,
    /// `provider`: the service is a program's to run, not a container.
    pub provider: Option<crate::provider::Provider>,
}

impl ServiceSpec {
    /// Name of replica `number` (`<project>-<service>-<N>`, or `container_name`).
    #[must_use]
    pub fn container_name(&self, project: &str, number: u32) -> String {
        match &self.container_name {
            Some(n) => n.clone(),
            None => {
                let sep = self.separator;
                format!("{project}{sep}{}{sep}{number}", self.name)
            }
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

/// `provider: {type, options}`, each option with each of its values (the loader makes them
/// lists), sorted by option name.
fn provider_of(v: &Value) -> crate::provider::Provider {
    let mut options = Vec::new();
    if let Some(m) = v.get("options").and_then(Value::as_map) {
        for (k, vals) in m.iter() {
            let values: Vec<String> = match vals.as_seq() {
                Some(seq) => seq.iter().filter_map(Value::scalar_to_string).collect(),
                None => vals.scalar_to_string().into_iter().collect(),
            };
            for val in values {
                options.push((k.name.clone(), val));
            }
        }
    }
    options.sort_by(|a, b| a.0.cmp(&b.0));
    crate::provider::Provider {
        kind: str_of(v.get("type")).unwrap_or_default(),
        options,
    }
}

fn str_of(v: Option<&Value>) -> Option<String> {
    v.and_then(|v| v.scalar_to_string())
}

fn bool_of(v: Option<&Value>) -> bool {
    v.and_then(Value::as_bool).unwrap_or(false)
}

fn string_map(v: Option<&Value>) -> Option<HashMap<String, String>> {
    let m = v.and_then(Value::as_map)?;
    Some(
        m.iter()
            .map(|(k, v)| (k.name.clone(), v.scalar_to_string().unwrap_or_default()))
            .collect(),
    )
}

fn string_list(v: Option<&Value>) -> Option<Vec<String>> {
    let s = v.and_then(Value::as_seq)?;
    Some(s.iter().filter_map(Value::scalar_to_string).collect())
}

fn duration_ns(v: Option<&Value>) -> Option<i64> {
    let s = v.and_then(Value::as_str)?;
    berth_loader::units::parse_duration(s).and_then(|n| i64::try_from(n).ok())
}

/// Reads the project. Services come out in dependency order.
#[must_use]
pub fn project_spec(project: &Project) -> ProjectSpec {
    let mut networks = Vec::new();
    for (k, v) in section(project, "networks") {
        let name = str_of(v.get("name")).unwrap_or_else(|| format!("{}_{}", project.name, k));
        let external = bool_of(v.get("external"));
        let mut labels_map = string_map(v.get("labels")).unwrap_or_default();
        let hash = berth_emit::network_hash(v);
        labels_map.insert(labels::CONFIG_HASH.into(), hash.clone());
        labels_map.insert(labels::NETWORK.into(), k.to_string());
        labels_map.insert(labels::PROJECT.into(), project.name.clone());
        labels_map.insert(labels::VERSION.into(), labels::COMPOSE_VERSION.into());
        let ipam = v.get("ipam").and_then(Value::as_map).map(|m| Ipam {
            driver: str_of(m.get("driver")),
            config: m.get("config").and_then(Value::as_seq).map(|items| {
                items
                    .iter()
                    .map(|c| IpamConfig {
                        subnet: str_of(c.get("subnet")),
                        ip_range: str_of(c.get("ip_range")),
                        gateway: str_of(c.get("gateway")),
                        auxiliary_addresses: string_map(c.get("aux_addresses")),
                    })
                    .collect()
            }),
            options: None,
        });
        networks.push(NetworkSpec {
            key: k.to_string(),
            name: name.clone(),
            external,
            hash,
            create: NetworkCreateRequest {
                name,
                driver: str_of(v.get("driver")),
                internal: v.get("internal").and_then(Value::as_bool),
                attachable: v.get("attachable").and_then(Value::as_bool),
                enable_ipv6: v.get("enable_ipv6").and_then(Value::as_bool),
                options: string_map(v.get("driver_opts")),
                labels: Some(labels_map),
                ipam,
                ..Default::default()
            },
        });
    }
    let mut volumes = Vec::new();
    for (k, v) in section(project, "volumes") {
        let name = str_of(v.get("name")).unwrap_or_else(|| format!("{}_{}", project.name, k));
        let mut labels_map = string_map(v.get("labels")).unwrap_or_default();
        labels_map.insert(labels::CONFIG_HASH.into(), berth_emit::volume_hash(v));
        labels_map.insert(labels::VOLUME.into(), k.to_string());
        labels_map.insert(labels::PROJECT.into(), project.name.clone());
        labels_map.insert(labels::VERSION.into(), labels::COMPOSE_VERSION.into());
        volumes.push(VolumeSpec {
            key: k.to_string(),
            name: name.clone(),
            external: bool_of(v.get("external")),
            create: VolumeCreateOptions {
                name: Some(name),
                driver: str_of(v.get("driver")),
                driver_opts: string_map(v.get("driver_opts")),
                labels: Some(labels_map),
                ..Default::default()
            },
        });
    }
    let network_name = |key: &str| {
        networks
            .iter()
            .find(|n| n.key == key)
            .map_or_else(|| format!("{}_{key}", project.name), |n| n.name.clone())
    };
    let mut services = Vec::new();
    for svc in project.services() {
        let v = svc.value;
        let depends_on = svc
            .dependencies()
            .map(|d| Dependency {
                service: d.service.to_string(),
                condition: d.condition,
                required: d.required,
                restart: d.restart,
            })
            .collect();
        let replicas = v
            .path(&["deploy", "replicas"])
            .or_else(|| v.get("scale"))
            .and_then(Value::as_i64)
            .and_then(|n| u32::try_from(n).ok())
            .unwrap_or(1);
        let has_healthcheck = svc.healthcheck().is_some_and(|h| h.checks());
        services.push(ServiceSpec {
            name: svc.name.to_string(),
            image: svc
                .image()
                .map_or_else(|| format!("{}-{}", project.name, svc.name), str::to_string),
            image_named: svc.image().is_some(),
            replicas,
            hash: berth_emit::service_hash(v),
            container_name: str_of(v.get("container_name")),
            depends_on,
            networks: ordered_networks(v)
                .into_iter()
                .map(|k| network_name(&k))
                .collect(),
            volumes: svc
                .mounts()
                .filter(|m| m.kind == MountKind::Volume)
                .filter_map(|m| m.source)
                .map(|src| volume_name(project, src))
                .collect(),
            has_healthcheck,
            stop_timeout: duration_ns(v.get("stop_grace_period")).map(|ns| ns / 1_000_000_000),
            build: crate::build::BuildSpec::from_value(v).map(|mut b| {
                b.resolve_secrets(project);
                b
            }),
            pull_policy: str_of(v.get("pull_policy")),
            separator: '-',
            post_start: crate::hooks::Hook::list(v.get("post_start")),
            pre_stop: crate::hooks::Hook::list(v.get("pre_stop")),
            tty: bool_of(v.get("tty")),
            provider: v.get("provider").map(provider_of),
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

fn section<'a>(project: &'a Project, key: &str) -> Vec<(&'a str, &'a Value)> {
    project
        .tree
        .get(key)
        .and_then(Value::as_map)
        .map(|m| m.iter().map(|(k, v)| (k.name.as_str(), v)).collect())
        .unwrap_or_default()
}

/// Network keys of a service, the primary one (highest `priority`, then name) first.
fn ordered_networks(v: &Value) -> Vec<String> {
    berth_model::attachment::by_priority(v.get("networks"))
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
    let mut out = string_map(v.get("labels")).unwrap_or_default();
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
    let env = v.get("environment").and_then(Value::as_map).map(|m| {
        m.iter()
            .map(|(k, val)| match val.scalar_to_string() {
                Some(s) if !val.is_null() => format!("{}={s}", k.name),
                _ => k.name.clone(),
            })
            .collect()
    });
    // Ports.
    let mut exposed: HashMap<String, HashMap<(), ()>> = HashMap::new();
    let mut bindings: HashMap<String, Option<Vec<PortBinding>>> = HashMap::new();
    for p in berth_model::ports::entries(v.get("ports")) {
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
    for e in v.get("expose").and_then(Value::as_seq).unwrap_or(&[]) {
        if let Some(s) = e.scalar_to_string() {
            for key in exposed_ports(&s) {
                exposed.insert(key, HashMap::new());
            }
        }
    }
    let (binds, mounts) = service_mounts(project, v)?;
    let tmpfs: Option<HashMap<String, String>> = string_list(v.get("tmpfs")).map(|l| {
        l.into_iter()
            .map(|t| match t.split_once(':') {
                Some((p, o)) => (p.to_string(), o.to_string()),
                None => (t, String::new()),
            })
            .collect()
    });
    let restart = v.get("restart").and_then(Value::as_str).map(|r| {
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
    let limits = v.path(&["deploy", "resources", "limits"]);
    let memory = limits
        .and_then(|l| l.get("memory"))
        .or_else(|| v.get("mem_limit"))
        .and_then(|m| m.scalar_to_string())
        .and_then(|s| s.parse::<i64>().ok());
    let nano_cpus = limits
        .and_then(|l| l.get("cpus"))
        .or_else(|| v.get("cpus"))
        .and_then(|c| c.scalar_to_string())
        .and_then(|s| s.parse::<f64>().ok())
        .filter(|c| *c > 0.0)
        .map(|c| {
            #[allow(clippy::cast_possible_truncation)]
            let n = (c * 1e9) as i64;
            n
        });
    let pids_limit = limits
        .and_then(|l| l.get("pids"))
        .or_else(|| v.get("pids_limit"))
        .and_then(Value::as_i64);
    let healthcheck = v.get("healthcheck").map(|h| {
        let h = berth_model::health::Healthcheck::of(h);
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
    let network_mode = str_of(v.get("network_mode"));
    let mut endpoints = HashMap::new();
    if network_mode.is_none() {
        if let Some(primary) = ordered_networks(v).first() {
            endpoints.insert(
                network_engine_name(project, primary),
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
        Some(first.map_or_else(|| "none".to_string(), |k| network_engine_name(project, &k)))
    });
    let logging = v.get("logging");
    Ok(ContainerCreateBody {
        image: Some(spec.image.clone()),
        cmd: string_list(v.get("command")),
        entrypoint: string_list(v.get("entrypoint")),
        env,
        working_dir: str_of(v.get("working_dir")),
        user: str_of(v.get("user")),
        hostname: str_of(v.get("hostname")),
        domainname: str_of(v.get("domainname")),
        tty: v.get("tty").and_then(Value::as_bool),
        open_stdin: v.get("stdin_open").and_then(Value::as_bool),
        labels: Some(labels_map),
        exposed_ports: (!exposed.is_empty()).then_some(exposed),
        healthcheck,
        stop_signal: str_of(v.get("stop_signal")),
        // Engine API 1.41 takes the MAC address here (1.44 on the endpoint).
        mac_address: str_of(v.get("mac_address")),
        stop_timeout: spec.stop_timeout,
        host_config: Some(HostConfig {
            binds: (!binds.is_empty()).then_some(binds),
            mounts: (!mounts.is_empty()).then_some(mounts),
            port_bindings: (!bindings.is_empty()).then_some(bindings),
            restart_policy: restart,
            network_mode,
            memory,
            nano_cpus,
            pids_limit,
            ipc_mode: str_of(v.get("ipc")),
            pid_mode: str_of(v.get("pid")),
            privileged: v.get("privileged").and_then(Value::as_bool),
            readonly_rootfs: v.get("read_only").and_then(Value::as_bool),
            init: v.get("init").and_then(Value::as_bool),
            cap_add: string_list(v.get("cap_add")),
            cap_drop: string_list(v.get("cap_drop")),
            dns: string_list(v.get("dns")),
            extra_hosts: v.get("extra_hosts").map(extra_hosts),
            security_opt: string_list(v.get("security_opt")),
            sysctls: string_map(v.get("sysctls")),
            tmpfs,
            shm_size: v.get("shm_size").and_then(Value::as_i64),
            log_config: logging.map(|l| bollard::models::HostConfigLogConfig {
                typ: str_of(l.get("driver")),
                config: string_map(l.get("options")),
            }),
            ..Default::default()
        }),
        networking_config: Some(NetworkingConfig {
            endpoints_config: Some(endpoints),
        }),
        ..Default::default()
    })
}

fn extra_hosts(v: &Value) -> Vec<String> {
    match &v.kind {
        Kind::Map(m) => m
            .iter()
            .flat_map(|(k, ips)| {
                let ips: Vec<String> = match &ips.kind {
                    Kind::Seq(s) => s.iter().filter_map(Value::scalar_to_string).collect(),
                    _ => ips.scalar_to_string().into_iter().collect(),
                };
                ips.into_iter().map(move |ip| format!("{}:{ip}", k.name))
            })
            .collect(),
        Kind::Seq(s) => s.iter().filter_map(Value::scalar_to_string).collect(),
        _ => Vec::new(),
    }
}

/// Engine name of a network key of the project.
#[must_use]
pub fn network_engine_name(project: &Project, key: &str) -> String {
    project
        .tree
        .path(&["networks", key, "name"])
        .and_then(Value::as_str)
        .map_or_else(|| format!("{}_{key}", project.name), str::to_string)
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
fn service_mounts(project: &Project, v: &Value) -> Result<(Vec<String>, Vec<Mount>), String> {
    let mut binds = Vec::new();
    let mut mounts = Vec::new();
    for m in berth_model::mount::entries(v.get("volumes")) {
        let Some(target) = m.target.map(str::to_string) else {
            continue;
        };
        let read_only = m.read_only;
        let source = m.source.map(str::to_string);
        let (bind, volume) = (m.bind, m.volume);
        let flag = |opts: Option<&Value>, key: &str| bool_of(opts.and_then(|o| o.get(key)));
        let text = |opts: Option<&Value>, key: &str| {
            str_of(opts.and_then(|o| o.get(key))).filter(|s| !s.is_empty())
        };
        let bind_string = |src: &str| {
            let mut opts = vec![if read_only { "ro" } else { "rw" }.to_string()];
            opts.extend(text(bind, "selinux"));
            opts.extend(text(bind, "propagation"));
            if flag(volume, "nocopy") {
                opts.push("nocopy".into());
            }
            format!("{src}:{target}:{}", opts.join(","))
        };
        let mut mount = Mount {
            target: Some(target.clone()),
            read_only: Some(read_only),
            consistency: text(Some(m.value), "consistency"),
            ..Default::default()
        };
        match (m.kind, source) {
            (MountKind::Bind, Some(src)) => {
                let needs_api = bind.is_some_and(|_| {
                    !flag(bind, "create_host_path")
                        || text(bind, "propagation").is_some()
                        || text(bind, "recursive").is_some()
                });
                if !needs_api {
                    binds.push(bind_string(&src));
                    continue;
                }
                let recursive = text(bind, "recursive");
                mount.typ = Some(MountTypeEnum::BIND);
                mount.source = Some(src);
                mount.bind_options = Some(MountBindOptions {
                    propagation: text(bind, "propagation")
                        .and_then(|p| p.parse::<MountBindOptionsPropagationEnum>().ok()),
                    create_mountpoint: Some(flag(bind, "create_host_path")),
                    non_recursive: (recursive.as_deref() == Some("disabled")).then_some(true),
                    read_only_non_recursive: (recursive.as_deref() == Some("writable"))
                        .then_some(true),
                    read_only_force_recursive: (recursive.as_deref() == Some("readonly"))
                        .then_some(true),
                });
            }
            (MountKind::Volume, Some(src)) => {
                let declared = project.tree.path(&["volumes", &src]).is_some();
                let labels =
                    string_map(volume.and_then(|o| o.get("labels"))).filter(|l| !l.is_empty());
                let subpath = text(volume, "subpath");
                let needs_api = labels.is_some() || subpath.is_some() || flag(volume, "nocopy");
                let name = volume_name(project, &src);
                if declared && !needs_api {
                    binds.push(bind_string(&name));
                    continue;
                }
                mount.typ = Some(MountTypeEnum::VOLUME);
                mount.source = Some(name);
                mount.volume_options = volume.map(|_| MountVolumeOptions {
                    no_copy: Some(flag(volume, "nocopy")),
                    subpath,
                    labels,
                    ..Default::default()
                });
            }
            (MountKind::Volume, None) => {
                mount.typ = Some(MountTypeEnum::VOLUME);
                mount.volume_options = volume.map(|_| MountVolumeOptions {
                    no_copy: Some(flag(volume, "nocopy")),
                    ..Default::default()
                });
            }
            (MountKind::Tmpfs, _) => {
                let opts = m.tmpfs;
                let number = |key: &str| {
                    opts.and_then(|o| o.get(key))
                        .and_then(Value::scalar_to_string)
                        .and_then(|n| n.parse::<i64>().ok())
                };
                mount.typ = Some(MountTypeEnum::TMPFS);
                mount.tmpfs_options = opts.map(|_| MountTmpfsOptions {
                    size_bytes: number("size"),
                    mode: number("mode"),
                    ..Default::default()
                });
            }
            _ => continue,
        }
        mounts.push(mount);
    }
    for f in service_files(project, v) {
        let Some(def) = f.def else { continue };
        if bool_of(def.get("external")) {
            return Err(format!("unsupported external {} {}", f.singular, f.name));
        }
        if let Some(file) = def.get("file").and_then(Value::as_str) {
            mounts.push(Mount {
                typ: Some(MountTypeEnum::BIND),
                source: Some(file.to_string()),
                target: Some(f.target.clone()),
                read_only: Some(true),
                ..Default::default()
            });
        }
    }
    Ok((binds, mounts))
}

fn volume_name(project: &Project, source: &str) -> String {
    match project
        .tree
        .path(&["volumes", source, "name"])
        .and_then(Value::as_str)
    {
        Some(n) => n.to_string(),
        // Not a declared volume: a host path or an anonymous volume name, used as written.
        None => source.to_string(),
    }
}

/// The endpoint settings of a service on one network: aliases and static addresses.
#[must_use]
pub fn endpoint(v: &Value, key: &str, container: &str, service: &str) -> EndpointSettings {
    let net = berth_model::attachment::entries(v.get("networks")).find(|a| a.network == key);
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
    if v.get("network_mode").is_some() {
        return Vec::new();
    }
    ordered_networks(v)
        .into_iter()
        .skip(1)
        .map(|k| (network_engine_name(project, &k), k))
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
    let mut out = Vec::new();
    for f in service_files(project, v) {
        let Some(def) = f.def.filter(|d| d.get("file").is_none()) else {
            continue;
        };
        let (singular, name) = (f.singular, f.name);
        let data = if let Some(var) = def.get("environment").and_then(Value::as_str) {
            // A variable of an included file's own environment comes first.
            let included = project.included_values.get(&f.path);
            included
                .or_else(|| project.environment.get(var))
                .cloned()
                .ok_or_else(|| {
                    format!(
                    "environment variable \"{var}\" required by {singular} \"{name}\" is not set"
                )
                })?
        } else if let Some(content) = def.get("content").and_then(Value::scalar_to_string) {
            content
        } else {
            continue;
        };
        if bool_of(v.get("read_only")) {
            return Err(format!(
                "cannot create {singular} \"{name}\" in read-only service {service}: `file` is the sole supported option"
            ));
        }
        let s = f.entry;
        out.push(InjectedFile {
            path: f.target,
            data: data.into_bytes(),
            mode: file_number(s.get("mode"), 8)
                .and_then(|m| u32::try_from(m).ok())
                .unwrap_or(0o444),
            uid: file_number(s.get("uid"), 10).unwrap_or(0),
            gid: file_number(s.get("gid"), 10).unwrap_or(0),
        });
    }
    Ok(out)
}

/// One secret or config a service uses.
struct ServiceFile<'a> {
    /// `secret` or `config`.
    singular: &'static str,
    /// The entry under the service (`source`, `target`, `mode`, …).
    entry: &'a Value,
    /// Its top-level definition, when there is one.
    def: Option<&'a Value>,
    /// Engine name (`name:`, or the key).
    name: &'a str,
    /// Absolute path in the container: `/run/secrets/<source>` and `/<source>` by default, a
    /// relative `target` under those folders.
    target: String,
    /// `secrets.<source>` or `configs.<source>`.
    path: String,
}

/// The secrets, then the configs, of a service.
fn service_files<'a>(project: &'a Project, v: &'a Value) -> Vec<ServiceFile<'a>> {
    let mut out = Vec::new();
    for (kind, singular, default_dir) in [
        ("secrets", "secret", "/run/secrets/"),
        ("configs", "config", "/"),
    ] {
        for entry in v.get(kind).and_then(Value::as_seq).unwrap_or(&[]) {
            let Some(source) = entry.get("source").and_then(Value::as_str) else {
                continue;
            };
            let def = project.tree.path(&[kind, source]);
            let target = match entry.get("target").and_then(Value::as_str) {
                Some(t) if t.starts_with('/') => t.to_string(),
                Some(t) => format!("{default_dir}{t}"),
                None => format!("{default_dir}{source}"),
            };
            out.push(ServiceFile {
                singular,
                entry,
                def,
                name: def
                    .and_then(|d| d.get("name"))
                    .and_then(Value::as_str)
                    .unwrap_or(source),
                target,
                path: format!("{kind}.{source}"),
            });
        }
    }
    out
}

/// A `mode` (octal when written as a string, `0o` allowed), `uid` or `gid` (decimal).
fn file_number(v: Option<&Value>, radix: u32) -> Option<u64> {
    let v = v?;
    if let Some(n) = v.as_i64() {
        return u64::try_from(n).ok();
    }
    let text = v.scalar_to_string()?;
    let t = text.trim();
    let t = if radix == 8 {
        t.strip_prefix("0o")
            .or_else(|| t.strip_prefix("0O"))
            .unwrap_or(t)
    } else {
        t
    };
    u64::from_str_radix(t, radix).ok()
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
        let v = service_value(&p, "a").unwrap();
        let (binds, mounts) = service_mounts(&p, v).unwrap();
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
