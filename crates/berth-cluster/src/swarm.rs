//! A service of the loaded project as a Swarm service, converted as `docker stack deploy` converts
//! it (docker/cli `cli/compose/convert/service.go`), so that a stack either tool deployed is the
//! same stack to the other: names scoped by the stack (`STACK_SERVICE`, `STACK_NETWORK`), the
//! `com.docker.stack.namespace` label on the service and its containers, the compose file's
//! image in `com.docker.stack.image`, the entrypoint as the command and the command as its
//! arguments, the environment sorted, `extra_hosts` in SwarmKit's `IP host` notation, networks
//! sorted by name with the service's name as an alias, ports sorted. Pure: it reads the
//! project's typed views; what Swarm cannot carry is reported by [`crate::loss`].

use std::collections::HashMap;

use berth_model::deploy::UpdateConfig;
use berth_model::mount::MountKind;
use berth_model::read::Plain;
use berth_model::resources::{FileDef, FileKind, FileRef};
use berth_model::{Project, Service};
use bollard_stubs::models::{
    EndpointPortConfig, EndpointPortConfigProtocolEnum, EndpointPortConfigPublishModeEnum,
    EndpointSpec, EndpointSpecModeEnum, HealthConfig, Ipam, IpamConfig, Limit, Mount,
    MountBindOptions, MountBindOptionsPropagationEnum, MountTmpfsOptions, MountTypeEnum,
    MountVolumeOptions, MountVolumeOptionsDriverConfig, NetworkAttachmentConfig,
    NetworkCreateRequest, ResourceObject, ResourcesUlimits, ServiceSpec, ServiceSpecMode,
    ServiceSpecModeReplicated, ServiceSpecModeReplicatedJob, ServiceSpecRollbackConfig,
    ServiceSpecRollbackConfigFailureActionEnum, ServiceSpecRollbackConfigOrderEnum,
    ServiceSpecUpdateConfig, ServiceSpecUpdateConfigFailureActionEnum,
    ServiceSpecUpdateConfigOrderEnum, TaskSpec, TaskSpecContainerSpec,
    TaskSpecContainerSpecConfigs, TaskSpecContainerSpecDnsConfig, TaskSpecContainerSpecFile,
    TaskSpecContainerSpecFile1, TaskSpecContainerSpecPrivileges, TaskSpecContainerSpecSecrets,
    TaskSpecLogDriver, TaskSpecPlacement, TaskSpecPlacementPreferences, TaskSpecPlacementSpread,
    TaskSpecResources, TaskSpecRestartPolicy, TaskSpecRestartPolicyConditionEnum,
};

/// The label that puts an object in a stack.
pub const LABEL_NAMESPACE: &str = "com.docker.stack.namespace";
/// The label that keeps the image as the compose file names it (the engine pins a digest).
pub const LABEL_IMAGE: &str = "com.docker.stack.image";

/// `STACK_NAME`: how a stack names its services, networks, secrets and configs.
#[must_use]
pub fn scope(stack: &str, name: &str) -> String {
    format!("{stack}_{name}")
}

fn with_namespace(
    stack: &str,
    labels: impl IntoIterator<Item = (String, String)>,
) -> HashMap<String, String> {
    let mut out: HashMap<String, String> = labels.into_iter().collect();
    out.insert(LABEL_NAMESPACE.into(), stack.into());
    out
}

/// Why a service cannot be converted.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConvertError {
    pub service: String,
    pub message: String,
}

impl std::fmt::Display for ConvertError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.service.is_empty() {
            f.write_str(&self.message)
        } else {
            write!(f, "service {}: {}", self.service, self.message)
        }
    }
}

/// Service `s` of `project` as the Swarm service of stack `stack`. Its secrets and configs
/// name the objects of [`object_name`], without IDs: the deploy fills those in once the
/// objects exist.
///
/// # Errors
/// What `docker stack deploy` refuses: replicas with a global mode, an unknown mode or
/// restart policy, a network or volume the project does not declare, a mount Swarm has no
/// type for.
pub fn service_spec(
    project: &Project,
    stack: &str,
    s: Service<'_>,
) -> Result<ServiceSpec, ConvertError> {
    let err = |message: String| ConvertError {
        service: s.name.to_string(),
        message,
    };
    let settings = s.settings();
    let dns_config = dns_config(&settings);
    let deploy = s.deploy();
    let image = s.image_or_built(&project.name);
    let mut labels = with_namespace(
        stack,
        deploy
            .labels
            .iter()
            .map(|(k, v)| ((*k).to_string(), v.clone())),
    );
    labels.insert(LABEL_IMAGE.into(), image.clone());
    let container_labels = with_namespace(stack, settings.label_pairs());
    let mut env: Vec<String> = settings
        .environment
        .plain()
        .unwrap_or_default()
        .into_iter()
        .map(|v| match v.value {
            Some(value) => format!("{}={value}", v.name),
            None => v.name.to_string(),
        })
        .collect();
    env.sort();
    let hosts: Vec<String> = settings
        .extra_hosts
        .unwrap_or_default()
        .iter()
        .filter_map(|h| {
            // `host=ip` as the loader writes it (`host:ip` as a mapping gives it).
            let (host, ip) = h.split_once('=').or_else(|| h.split_once(':'))?;
            Some(format!("{ip} {host}"))
        })
        .collect();
    let replicas = deploy.replicas.plain();
    let mode = match deploy.mode {
        "replicated" | "" => ServiceSpecMode {
            replicated: Some(ServiceSpecModeReplicated {
                replicas: Some(replicas.unwrap_or(1)),
            }),
            ..ServiceSpecMode::default()
        },
        "replicated-job" => ServiceSpecMode {
            replicated_job: Some(ServiceSpecModeReplicatedJob {
                max_concurrent: replicas,
                total_completions: replicas,
            }),
            ..ServiceSpecMode::default()
        },
        "global" | "global-job" if replicas.is_some() => {
            return Err(err(
                "replicas can only be used with replicated or replicated-job mode".into(),
            ))
        }
        "global" => ServiceSpecMode {
            global: Some(HashMap::new()),
            ..ServiceSpecMode::default()
        },
        "global-job" => ServiceSpecMode {
            global_job: Some(HashMap::new()),
            ..ServiceSpecMode::default()
        },
        other => return Err(err(format!("unknown mode: {other}"))),
    };
    let healthcheck = s.healthcheck().map(|h| {
        if h.disable {
            HealthConfig {
                test: Some(vec!["NONE".into()]),
                ..HealthConfig::default()
            }
        } else {
            let nanos = |d: Option<berth_model::health::Duration<'_>>| {
                Some(d.and_then(|d| d.nanos).unwrap_or(0))
            };
            HealthConfig {
                test: h.test.clone(),
                interval: nanos(h.interval),
                timeout: nanos(h.timeout),
                retries: Some(h.retries.unwrap_or(0)),
                start_period: nanos(h.start_period),
                start_interval: nanos(h.start_interval),
            }
        }
    });
    let limits = &deploy.limits;
    let reservations = &deploy.reservations;
    let resources = TaskSpecResources {
        limits: limits.is_set().then(|| Limit {
            nano_cpus: Some(limits.nano_cpus().unwrap_or(0)),
            memory_bytes: Some(limits.memory_bytes().unwrap_or(0)),
            pids: limits.pids.plain(),
        }),
        reservations: reservations.is_set().then(|| ResourceObject {
            nano_cpus: Some(reservations.nano_cpus().unwrap_or(0)),
            memory_bytes: Some(reservations.memory_bytes().unwrap_or(0)),
            generic_resources: None,
        }),
    };
    let mounts = mounts(project, stack, &s).map_err(err)?;
    let container = TaskSpecContainerSpec {
        image: Some(crate::image::with_tag(&image)),
        mounts: (!mounts.is_empty()).then_some(mounts),
        labels: Some(container_labels),
        command: settings.entrypoint,
        args: settings.command,
        hostname: settings.hostname,
        env: Some(env),
        dir: settings.working_dir,
        user: settings.user.plain(),
        tty: settings.tty,
        open_stdin: settings.stdin_open,
        read_only: settings.read_only,
        stop_signal: settings.stop_signal,
        stop_grace_period: settings.stop_grace_period.and_then(|d| d.nanos),
        health_check: healthcheck,
        hosts: Some(hosts),
        dns_config,
        ulimits: settings.ulimits.as_ref().map(|u| {
            u.iter()
                .map(|(name, soft, hard)| ResourcesUlimits {
                    name: Some((*name).to_string()),
                    soft: Some(*soft),
                    hard: Some(*hard),
                })
                .collect()
        }),
        init: settings.init,
        sysctls: settings
            .sysctls
            .map(|s| s.into_iter().map(|(k, v)| (k.to_string(), v)).collect()),
        capability_add: settings.cap_add,
        capability_drop: settings.cap_drop,
        // An empty one, as the Docker CLI sends it: the engine tells an empty message from
        // none, and a task spec that differs restarts the tasks.
        privileges: Some(TaskSpecContainerSpecPrivileges::default()),
        secrets: Some(secrets(project, stack, &s).map_err(err)?),
        configs: Some(configs(project, stack, &s).map_err(err)?),
        ..TaskSpecContainerSpec::default()
    };
    let task = TaskSpec {
        container_spec: Some(container),
        resources: Some(resources),
        restart_policy: restart_policy(&s, &deploy).map_err(err)?,
        placement: Some(TaskSpecPlacement {
            constraints: Some(deploy.placement.constraints.clone()),
            preferences: (!deploy.placement.preferences.is_empty()).then(|| {
                deploy
                    .placement
                    .preferences
                    .iter()
                    .map(|spread| TaskSpecPlacementPreferences {
                        spread: Some(TaskSpecPlacementSpread {
                            spread_descriptor: Some(spread.clone()),
                        }),
                    })
                    .collect()
            }),
            max_replicas: deploy.placement.max_replicas_per_node,
            ..TaskSpecPlacement::default()
        }),
        networks: Some(networks(project, stack, &s).map_err(err)?),
        log_driver: settings.logging.map(|l| TaskSpecLogDriver {
            name: l.driver,
            options: l
                .options
                .map(|o| o.into_iter().map(|(k, v)| (k.to_string(), v)).collect()),
        }),
        ..TaskSpec::default()
    };
    Ok(ServiceSpec {
        name: Some(scope(stack, s.name)),
        labels: Some(labels),
        task_template: Some(task),
        mode: Some(mode),
        update_config: deploy.update_config.as_ref().map(update_config),
        rollback_config: deploy.rollback_config.as_ref().map(rollback_config),
        endpoint_spec: Some(endpoint(&s, deploy.endpoint_mode)),
        ..ServiceSpec::default()
    })
}

/// The name of the secret or config object `def` in stack `stack`: its `name:` when the file
/// gives one (an external object's own name), else `STACK_KEY`.
#[must_use]
pub fn object_name(project: &Project, stack: &str, def: &FileDef<'_>) -> String {
    declared_name(project, stack, def.key, Some(def.name))
}

/// A reference of a service to a secret or config: the file it appears as (`target`, else
/// the source's name; uid and gid 0 and mode 0444 unless written, as the Docker CLI sets
/// them), and the object it names.
fn file_ref(
    project: &Project,
    stack: &str,
    f: &FileRef<'_>,
) -> Result<(TaskSpecContainerSpecFile, String), String> {
    let def = project
        .file_def(f.kind, f.source)
        .ok_or_else(|| format!("undefined {} {:?}", f.kind.singular(), f.source))?;
    // The loader writes the default target as a path (`/run/secrets/NAME`, `/NAME` for a
    // config); the Docker CLI sends the bare name, which Swarm puts at the same place.
    let target = match f.target {
        None => f.source,
        Some(t) => match f.kind {
            FileKind::Secret => t.strip_prefix("/run/secrets/").unwrap_or(t),
            FileKind::Config => t.strip_prefix('/').filter(|n| *n == f.source).unwrap_or(t),
        },
    };
    let file = TaskSpecContainerSpecFile {
        name: Some(target.to_string()),
        uid: Some(f.uid.unwrap_or(0).to_string()),
        gid: Some(f.gid.unwrap_or(0).to_string()),
        mode: Some(f.mode.unwrap_or(0o444)),
    };
    Ok((file, object_name(project, stack, &def)))
}

fn secrets(
    project: &Project,
    stack: &str,
    s: &Service<'_>,
) -> Result<Vec<TaskSpecContainerSpecSecrets>, String> {
    s.files()
        .filter(|f| f.kind == FileKind::Secret)
        .map(|f| {
            let (file, name) = file_ref(project, stack, &f)?;
            Ok(TaskSpecContainerSpecSecrets {
                file: Some(file),
                secret_name: Some(name),
                ..TaskSpecContainerSpecSecrets::default()
            })
        })
        .collect()
}

fn configs(
    project: &Project,
    stack: &str,
    s: &Service<'_>,
) -> Result<Vec<TaskSpecContainerSpecConfigs>, String> {
    s.files()
        .filter(|f| f.kind == FileKind::Config)
        .map(|f| {
            let (file, name) = file_ref(project, stack, &f)?;
            Ok(TaskSpecContainerSpecConfigs {
                file: Some(TaskSpecContainerSpecFile1 {
                    name: file.name,
                    uid: file.uid,
                    gid: file.gid,
                    mode: file.mode,
                }),
                config_name: Some(name),
                ..TaskSpecContainerSpecConfigs::default()
            })
        })
        .collect()
}

/// The networks the stack's services join, each as `docker stack deploy` creates it: an
/// overlay network (unless the file names a driver) named `STACK_KEY` or its `name:`, with the
/// stack's label, and `default` when a service joins no network of its own. External networks
/// are left out: they must exist.
#[must_use]
pub fn networks_to_create(project: &Project, stack: &str) -> Vec<NetworkCreateRequest> {
    let mut used: Vec<String> = Vec::new();
    for s in project.services() {
        let mut any = false;
        for a in s.attachments() {
            any = true;
            if !used.iter().any(|u| u == a.network) {
                used.push(a.network.to_string());
            }
        }
        if !any && !used.iter().any(|u| u == "default") {
            used.push("default".into());
        }
    }
    used.sort();
    let mut out = Vec::new();
    for key in used {
        let def = project.network_def(&key);
        if def.as_ref().is_some_and(|d| d.external) {
            continue;
        }
        let name = declared_name(project, stack, &key, def.as_ref().and_then(|d| d.name));
        let mut request = NetworkCreateRequest {
            name,
            driver: Some("overlay".into()),
            labels: Some(with_namespace(stack, [])),
            ..NetworkCreateRequest::default()
        };
        if let Some(d) = def {
            request.driver = Some(d.driver.unwrap_or("overlay").to_string());
            request.labels = Some(with_namespace(
                stack,
                d.labels.iter().map(|(k, v)| ((*k).to_string(), v.clone())),
            ));
            request.options = d
                .driver_opts
                .map(|o| o.into_iter().map(|(k, v)| (k.to_string(), v)).collect());
            request.internal = d.internal;
            request.attachable = d.attachable;
            request.enable_ipv6 = d.enable_ipv6;
            request.ipam = d.ipam.map(|ipam| Ipam {
                driver: ipam.driver.map(str::to_string),
                config: ipam.config.map(|pools| {
                    pools
                        .into_iter()
                        .map(|p| IpamConfig {
                            subnet: p.subnet.map(|s| s.value.to_string()),
                            ip_range: p.ip_range.map(str::to_string),
                            gateway: p.gateway.map(str::to_string),
                            auxiliary_addresses: p
                                .aux_addresses
                                .map(|a| a.into_iter().map(|(k, v)| (k.to_string(), v)).collect()),
                        })
                        .collect()
                }),
                options: None,
            });
        }
        out.push(request);
    }
    out
}

/// `dns`, `dns_search` and `dns_opt`, when any is set.
fn dns_config(
    settings: &berth_model::settings::Settings<'_>,
) -> Option<TaskSpecContainerSpecDnsConfig> {
    let some = |v: &Option<Vec<String>>| v.clone().filter(|l| !l.is_empty());
    let config = TaskSpecContainerSpecDnsConfig {
        nameservers: some(&settings.dns),
        search: some(&settings.dns_search),
        options: some(&settings.dns_opt),
    };
    (config != TaskSpecContainerSpecDnsConfig::default()).then_some(config)
}

/// The engine's name of a declared network or volume: the file's own `name:`, else the stack's
/// scoped name (the loader names every one `<project>_<key>`, which is not a name of the file's).
fn declared_name(project: &Project, stack: &str, key: &str, name: Option<&str>) -> String {
    let usual = scope(&project.name, key);
    name.filter(|n| *n != usual)
        .map_or_else(|| scope(stack, key), str::to_string)
}

/// The service's `volumes` as Swarm mounts, as the Docker CLI converts them
/// (`cli/compose/convert/volume.go`): a named volume is the stack's (`STACK_VOLUME`, or its
/// `name:`), with the stack's label, its driver and options unless it is external; an anonymous
/// volume stays anonymous; binds keep their propagation, tmpfs mounts their size.
///
/// # Errors
/// A volume the project does not declare, a bind without a source, a tmpfs with one, a type
/// Swarm has no mount of.
pub fn mounts(project: &Project, stack: &str, s: &Service<'_>) -> Result<Vec<Mount>, String> {
    let mut out = Vec::new();
    for m in s.mounts() {
        let mut mount = Mount {
            target: m.target.map(str::to_string),
            source: m.source.map(str::to_string),
            read_only: Some(m.read_only),
            consistency: m.consistency.map(str::to_string),
            ..Mount::default()
        };
        match m.kind {
            MountKind::Volume => {
                mount.typ = Some(MountTypeEnum::VOLUME);
                let Some(key) = m.source else {
                    out.push(mount);
                    continue;
                };
                let def = project
                    .volume_def(key)
                    .ok_or_else(|| format!("undefined volume {key:?}"))?;
                mount.source = Some(declared_name(project, stack, key, def.name));
                let mut options = MountVolumeOptions {
                    no_copy: Some(m.volume.as_ref().is_some_and(|v| v.nocopy)),
                    ..MountVolumeOptions::default()
                };
                if !def.external {
                    options.labels = Some(with_namespace(
                        stack,
                        def.labels.iter().map(|(k, v)| ((*k).to_string(), v.clone())),
                    ));
                    if def.driver.is_some() || def.driver_opts.is_some() {
                        options.driver_config = Some(MountVolumeOptionsDriverConfig {
                            name: def.driver.map(str::to_string),
                            options: def.driver_opts.clone().map(|o| {
                                o.into_iter().map(|(k, v)| (k.to_string(), v)).collect()
                            }),
                        });
                    }
                }
                mount.volume_options = Some(options);
            }
            MountKind::Bind | MountKind::Npipe => {
                if m.source.is_none() {
                    return Err(format!("invalid {} source, source cannot be empty", m.type_name));
                }
                mount.typ = Some(if m.kind == MountKind::Bind {
                    MountTypeEnum::BIND
                } else {
                    MountTypeEnum::NPIPE
                });
                mount.bind_options = m.bind.and_then(|b| b.propagation).map(|p| MountBindOptions {
                    propagation: p.parse::<MountBindOptionsPropagationEnum>().ok(),
                    ..MountBindOptions::default()
                });
            }
            MountKind::Tmpfs => {
                if m.source.is_some() {
                    return Err("invalid tmpfs source, source must be empty".into());
                }
                mount.typ = Some(MountTypeEnum::TMPFS);
                mount.tmpfs_options = m.tmpfs.map(|t| MountTmpfsOptions {
                    size_bytes: t.size,
                    ..MountTmpfsOptions::default()
                });
            }
            MountKind::Cluster | MountKind::Image | MountKind::Other => {
                return Err(format!(
                    "volume type {} is not supported by Docker Swarm: it must be volume, bind, tmpfs or npipe",
                    m.type_name
                ))
            }
        }
        out.push(mount);
    }
    // `tmpfs:` paths, as tmpfs mounts (their options are reported lost).
    for path in s.settings().tmpfs.unwrap_or_default() {
        let target = path.split_once(':').map_or(path.as_str(), |(t, _)| t);
        out.push(Mount {
            target: Some(target.to_string()),
            typ: Some(MountTypeEnum::TMPFS),
            ..Mount::default()
        });
    }
    Ok(out)
}

/// `deploy.restart_policy`, else the service's `restart` as Swarm takes it (`always` and
/// `unless-stopped` are `any`; `no` is none).
fn restart_policy(
    s: &Service<'_>,
    deploy: &berth_model::deploy::Deploy<'_>,
) -> Result<Option<TaskSpecRestartPolicy>, String> {
    let nanos = |d: Option<berth_model::health::Duration<'_>>| d.and_then(|d| d.nanos);
    if let Some(p) = &deploy.restart_policy {
        return Ok(Some(TaskSpecRestartPolicy {
            condition: p.condition.and_then(|c| c.parse().ok()),
            delay: nanos(p.delay),
            max_attempts: p.max_attempts,
            window: nanos(p.window),
        }));
    }
    let Some(restart) = s.settings().restart else {
        return Ok(None);
    };
    let (name, max) = restart.split_once(':').unwrap_or((restart, "0"));
    let max: i64 = max
        .parse()
        .map_err(|_| format!("invalid restart policy: maximum retry count {max:?}"))?;
    let max_attempts = (max > 0).then_some(max);
    let condition = match name {
        "no" | "" => return Ok(None),
        "always" | "unless-stopped" => TaskSpecRestartPolicyConditionEnum::ANY,
        "on-failure" => TaskSpecRestartPolicyConditionEnum::ON_FAILURE,
        other => {
            return Err(format!(
                "invalid restart policy: unknown policy '{other}' (must be one of 'no', 'always', 'on-failure', or 'unless-stopped')"
            ))
        }
    };
    Ok(Some(TaskSpecRestartPolicy {
        condition: Some(condition),
        max_attempts,
        ..TaskSpecRestartPolicy::default()
    }))
}

/// The service's networks (`default` when it names none), each the stack's scoped name or its
/// `name:`, with the service's own name as an alias, sorted by name.
fn networks(
    project: &Project,
    stack: &str,
    s: &Service<'_>,
) -> Result<Vec<NetworkAttachmentConfig>, String> {
    let mut attachments: Vec<(String, Vec<String>)> = s
        .attachments()
        .map(|a| {
            (
                a.network.to_string(),
                a.aliases.iter().map(|x| (*x).to_string()).collect(),
            )
        })
        .collect();
    if attachments.is_empty() {
        attachments.push(("default".into(), Vec::new()));
    }
    let mut out = Vec::new();
    for (key, mut aliases) in attachments {
        let def = project.network_def(&key);
        if def.is_none() && key != "default" {
            return Err(format!("undefined network {key:?}"));
        }
        let target = declared_name(project, stack, &key, def.and_then(|d| d.name));
        aliases.push(s.name.to_string());
        out.push(NetworkAttachmentConfig {
            target: Some(target),
            aliases: Some(aliases),
            ..NetworkAttachmentConfig::default()
        });
    }
    out.sort_by(|a, b| a.target.cmp(&b.target));
    Ok(out)
}

/// The published ports, sorted, and how the service is resolved (`vip` or `dnsrr`).
fn endpoint(s: &Service<'_>, mode: Option<&str>) -> EndpointSpec {
    let mut ports: Vec<EndpointPortConfig> = Vec::new();
    for p in s.ports() {
        let Some(target) = p.target else { continue };
        // A published range is one port each, as the Docker CLI's loader expands it.
        let published: Vec<Option<i64>> = match p.published.as_deref() {
            None => vec![None],
            Some(text) => match berth_model::ports::range(text) {
                Some((a, b)) => (a..=b).map(|n| Some(i64::from(n))).collect(),
                None => vec![text.parse().ok()],
            },
        };
        for port in published {
            ports.push(EndpointPortConfig {
                protocol: p.protocol.parse::<EndpointPortConfigProtocolEnum>().ok(),
                target_port: Some(target),
                published_port: port,
                publish_mode: Some(
                    p.mode
                        .unwrap_or("ingress")
                        .parse::<EndpointPortConfigPublishModeEnum>()
                        .unwrap_or(EndpointPortConfigPublishModeEnum::INGRESS),
                ),
                ..EndpointPortConfig::default()
            });
        }
    }
    ports.sort_by_key(|p| {
        (
            p.published_port,
            p.target_port,
            p.protocol.map(|x| x.to_string()),
        )
    });
    EndpointSpec {
        mode: mode.and_then(|m| m.to_ascii_lowercase().parse::<EndpointSpecModeEnum>().ok()),
        ports: Some(ports),
    }
}

/// `deploy.update_config` or `deploy.rollback_config` as the Engine API's type of that name
/// (the two have the same fields): parallelism 1 unless written, as the Docker CLI sets it.
macro_rules! update_config {
    ($u:expr, $ty:ident, $action:ident, $order:ident) => {{
        let u: &UpdateConfig<'_> = $u;
        $ty {
            parallelism: Some(u.parallelism.unwrap_or(1)),
            delay: Some(u.delay.and_then(|d| d.nanos).unwrap_or(0)),
            failure_action: u.failure_action.and_then(|a| a.parse::<$action>().ok()),
            monitor: Some(u.monitor.and_then(|d| d.nanos).unwrap_or(0)),
            max_failure_ratio: Some(u.max_failure_ratio.unwrap_or(0.0)),
            order: u.order.and_then(|o| o.parse::<$order>().ok()),
        }
    }};
}

fn update_config(u: &UpdateConfig<'_>) -> ServiceSpecUpdateConfig {
    update_config!(
        u,
        ServiceSpecUpdateConfig,
        ServiceSpecUpdateConfigFailureActionEnum,
        ServiceSpecUpdateConfigOrderEnum
    )
}

fn rollback_config(u: &UpdateConfig<'_>) -> ServiceSpecRollbackConfig {
    update_config!(
        u,
        ServiceSpecRollbackConfig,
        ServiceSpecRollbackConfigFailureActionEnum,
        ServiceSpecRollbackConfigOrderEnum
    )
}
