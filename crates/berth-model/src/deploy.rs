//! A service's `deploy` section (and the older settings it stands for: `scale`, `mem_limit`,
//! `cpus`, `pids_limit`), read once for the engine, Swarm, Kubernetes, the audit and the docs.

use crate::health::Duration;
use crate::read::{self, At};
use crate::source::Span;
use crate::value::Value;

/// A set of resource figures: `deploy.resources.limits` or `.reservations`.
#[derive(Clone, Debug, Default)]
pub struct Resources {
    /// CPUs as written (`0.5`).
    pub cpus: Option<At<String>>,
    /// Memory in bytes as the loader wrote it.
    pub memory: Option<At<String>>,
    pub pids: Option<At<i64>>,
}

impl Resources {
    fn of(v: Option<&Value>) -> Option<Resources> {
        let v = v?;
        Some(Resources {
            cpus: read::text_at(v.get("cpus")),
            memory: read::text_at(v.get("memory")),
            pids: read::int_at(v.get("pids")),
        })
    }

    /// Memory in bytes.
    #[must_use]
    pub fn memory_bytes(&self) -> Option<i64> {
        self.memory.as_ref()?.value.parse().ok()
    }

    /// CPUs in billionths of a CPU; none for zero or less.
    #[must_use]
    pub fn nano_cpus(&self) -> Option<i64> {
        let cpus: f64 = self.cpus.as_ref()?.value.parse().ok()?;
        (cpus > 0.0).then_some((cpus * 1e9) as i64)
    }

    /// Whether it sets anything.
    #[must_use]
    pub fn is_set(&self) -> bool {
        self.cpus.is_some() || self.memory.is_some() || self.pids.is_some()
    }
}

/// `deploy.restart_policy`.
#[derive(Clone, Debug)]
pub struct RestartPolicy<'a> {
    pub condition: Option<&'a str>,
    pub delay: Option<Duration<'a>>,
    pub max_attempts: Option<i64>,
    pub window: Option<Duration<'a>>,
}

/// `deploy.update_config` or `deploy.rollback_config`.
#[derive(Clone, Debug)]
pub struct UpdateConfig<'a> {
    pub parallelism: Option<i64>,
    pub delay: Option<Duration<'a>>,
    pub failure_action: Option<&'a str>,
    pub monitor: Option<Duration<'a>>,
    pub max_failure_ratio: Option<f64>,
    pub order: Option<&'a str>,
}

impl<'a> UpdateConfig<'a> {
    fn of(v: Option<&'a Value>) -> Option<UpdateConfig<'a>> {
        let v = v?;
        Some(UpdateConfig {
            parallelism: v.get("parallelism").and_then(Value::as_i64),
            delay: Duration::of(v.get("delay")),
            failure_action: v.get("failure_action").and_then(Value::as_str),
            monitor: Duration::of(v.get("monitor")),
            max_failure_ratio: v
                .get("max_failure_ratio")
                .and_then(Value::scalar_to_string)
                .and_then(|s| s.parse().ok()),
            order: v.get("order").and_then(Value::as_str),
        })
    }
}

/// `deploy.placement`.
#[derive(Clone, Debug, Default)]
pub struct Placement {
    pub constraints: Vec<String>,
    /// The `spread` of each preference.
    pub preferences: Vec<String>,
    pub max_replicas_per_node: Option<i64>,
}

/// A service's deployment: `deploy` with the older service-level settings it replaces.
#[derive(Clone, Debug)]
pub struct Deploy<'a> {
    /// Where `deploy` is written (the service's span when it is not).
    pub span: Span,
    /// `replicated` or `global` (`replicated` when not written).
    pub mode: &'a str,
    /// `deploy.replicas`, else `scale`.
    pub replicas: Option<At<i64>>,
    /// `deploy.resources.limits`, else `mem_limit`, `cpus` and `pids_limit`.
    pub limits: Resources,
    pub reservations: Resources,
    pub restart_policy: Option<RestartPolicy<'a>>,
    pub update_config: Option<UpdateConfig<'a>>,
    pub rollback_config: Option<UpdateConfig<'a>>,
    pub placement: Placement,
    /// `deploy.labels`: the labels of the service, not of its containers.
    pub labels: Vec<(&'a str, String)>,
    pub endpoint_mode: Option<&'a str>,
}

impl<'a> Deploy<'a> {
    /// The view of a service's mapping.
    #[must_use]
    pub fn of(service: &'a Value) -> Deploy<'a> {
        let d = service.get("deploy");
        let get = |k: &str| d.and_then(|d| d.get(k));
        let res = get("resources");
        let mut limits = Resources::of(res.and_then(|r| r.get("limits"))).unwrap_or_default();
        limits.memory = limits
            .memory
            .or_else(|| read::text_at(service.get("mem_limit")));
        limits.cpus = limits.cpus.or_else(|| read::text_at(service.get("cpus")));
        limits.pids = limits
            .pids
            .or_else(|| read::int_at(service.get("pids_limit")));
        let placement = get("placement").map_or_else(Placement::default, |p| Placement {
            constraints: read::list_at(p.get("constraints"))
                .map(At::into_inner)
                .unwrap_or_default(),
            preferences: p
                .get("preferences")
                .and_then(Value::as_seq)
                .unwrap_or(&[])
                .iter()
                .filter_map(|pref| pref.get("spread").and_then(Value::scalar_to_string))
                .collect(),
            max_replicas_per_node: p.get("max_replicas_per_node").and_then(Value::as_i64),
        });
        Deploy {
            span: d.map_or(service.span, |d| d.span),
            mode: get("mode").and_then(Value::as_str).unwrap_or("replicated"),
            replicas: read::int_at(get("replicas")).or_else(|| read::int_at(service.get("scale"))),
            limits,
            reservations: Resources::of(res.and_then(|r| r.get("reservations")))
                .unwrap_or_default(),
            restart_policy: get("restart_policy").map(|r| RestartPolicy {
                condition: r.get("condition").and_then(Value::as_str),
                delay: Duration::of(r.get("delay")),
                max_attempts: r.get("max_attempts").and_then(Value::as_i64),
                window: Duration::of(r.get("window")),
            }),
            update_config: UpdateConfig::of(get("update_config")),
            rollback_config: UpdateConfig::of(get("rollback_config")),
            placement,
            labels: get("labels")
                .and_then(Value::as_map)
                .map(read::pairs)
                .unwrap_or_default(),
            endpoint_mode: get("endpoint_mode").and_then(Value::as_str),
        }
    }
}
