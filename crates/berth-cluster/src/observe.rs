//! What `stack ls`, `stack services` and `stack ps` show: the stacks on the swarm, a stack's
//! services with their replicas, and its tasks, found by the `com.docker.stack.namespace` label
//! as the Docker CLI finds them (so either tool lists the other's stacks). Rows are data; the
//! CLI renders them.

use std::collections::{BTreeMap, HashMap};

use berth_engine::{Engine, EngineError};
use bollard::models::{EndpointPortConfigPublishModeEnum, Service, Task};
use bollard::query_parameters::ListServicesOptions;

use crate::deploy::{ensure_manager, stack_services};
use crate::swarm::LABEL_NAMESPACE;

/// The stacks on the swarm and how many services each has, sorted by name.
///
/// # Errors
/// The engine is no swarm manager; Engine API errors.
pub async fn stacks(engine: &Engine) -> Result<Vec<(String, usize)>, EngineError> {
    ensure_manager(engine).await?;
    let services = engine
        .docker
        .list_services(Some(ListServicesOptions {
            filters: Some(HashMap::from([(
                "label".to_string(),
                vec![LABEL_NAMESPACE.to_string()],
            )])),
            ..ListServicesOptions::default()
        }))
        .await?;
    let mut out: BTreeMap<String, usize> = BTreeMap::new();
    for s in &services {
        if let Some(ns) = s
            .spec
            .as_ref()
            .and_then(|s| s.labels.as_ref())
            .and_then(|l| l.get(LABEL_NAMESPACE))
        {
            *out.entry(ns.clone()).or_default() += 1;
        }
    }
    Ok(out.into_iter().collect())
}

/// A service of a stack as `docker stack services` shows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ServiceRow {
    pub id: String,
    pub name: String,
    /// `replicated`, `global`, `replicated job` or `global job`.
    pub mode: String,
    /// `running/desired`, with a job's completions.
    pub replicas: String,
    /// The tasks running, and those the swarm wants.
    pub running: u64,
    pub desired: u64,
    pub image: String,
    /// The published ingress ports: `*:8080->80/tcp`.
    pub ports: String,
}

/// The services of stack `name`, sorted by name.
///
/// # Errors
/// The engine is no swarm manager; Engine API errors.
pub async fn services(engine: &Engine, name: &str) -> Result<Vec<ServiceRow>, EngineError> {
    ensure_manager(engine).await?;
    let services = engine
        .docker
        .list_services(Some(ListServicesOptions {
            filters: Some(crate::deploy::stack_filter(name)),
            status: Some(true),
        }))
        .await?;
    let mut rows: Vec<ServiceRow> = services.iter().map(service_row).collect();
    rows.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(rows)
}

fn service_row(s: &Service) -> ServiceRow {
    let spec = s.spec.clone().unwrap_or_default();
    let mode = spec.mode.clone().unwrap_or_default();
    let status = s.service_status.clone().unwrap_or_default();
    let (running, desired, completed) = (
        status.running_tasks.unwrap_or(0),
        status.desired_tasks.unwrap_or(0),
        status.completed_tasks.unwrap_or(0),
    );
    let (mode_name, replicas) = if mode.global.is_some() {
        ("global", format!("{running}/{desired}"))
    } else if let Some(job) = &mode.replicated_job {
        let total = job.total_completions.unwrap_or(1);
        (
            "replicated job",
            format!("{running}/{desired} ({completed}/{total} completed)"),
        )
    } else if mode.global_job.is_some() {
        (
            "global job",
            format!("{running}/{desired} ({completed}/{desired} completed)"),
        )
    } else {
        let max = spec
            .task_template
            .as_ref()
            .and_then(|t| t.placement.as_ref())
            .and_then(|p| p.max_replicas)
            .filter(|m| *m > 0)
            .map_or_else(String::new, |m| format!(" (max {m} per node)"));
        ("replicated", format!("{running}/{desired}{max}"))
    };
    let image = spec
        .labels
        .as_ref()
        .and_then(|l| l.get(crate::swarm::LABEL_IMAGE).cloned())
        .or_else(|| {
            spec.task_template
                .as_ref()
                .and_then(|t| t.container_spec.as_ref())
                .and_then(|c| c.image.as_deref())
                .map(|i| i.split_once('@').map_or(i, |(t, _)| t).to_string())
        })
        .unwrap_or_default();
    let ports = s
        .endpoint
        .as_ref()
        .and_then(|e| e.ports.as_ref())
        .into_iter()
        .flatten()
        .filter(|p| p.publish_mode != Some(EndpointPortConfigPublishModeEnum::HOST))
        .map(|p| {
            format!(
                "*:{}->{}/{}",
                p.published_port.unwrap_or(0),
                p.target_port.unwrap_or(0),
                p.protocol.map_or_else(|| "tcp".into(), |x| x.to_string())
            )
        })
        .collect::<Vec<_>>()
        .join(", ");
    ServiceRow {
        id: s.id.clone().unwrap_or_default(),
        name: spec.name.unwrap_or_default(),
        mode: mode_name.to_string(),
        replicas,
        running,
        desired,
        image,
        ports,
    }
}

/// A task of a stack as `docker stack ps` shows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TaskRow {
    pub id: String,
    /// `SERVICE.SLOT` (`SERVICE.NODE` for a global service).
    pub name: String,
    pub image: String,
    pub node: String,
    pub desired_state: String,
    /// The task's state, and how many seconds ago it reached it.
    pub current_state: String,
    pub age: Option<i64>,
    pub error: String,
}

/// The tasks of stack `name` (of its services in `only`, when given), by service and slot.
///
/// # Errors
/// The engine is no swarm manager; Engine API errors.
pub async fn tasks(
    engine: &Engine,
    name: &str,
    only: &[String],
) -> Result<Vec<TaskRow>, EngineError> {
    ensure_manager(engine).await?;
    let services = stack_services(engine, name).await?;
    let names: HashMap<String, String> = services
        .iter()
        .filter_map(|s| Some((s.id.clone()?, s.spec.as_ref()?.name.clone()?)))
        .collect();
    let nodes = crate::deploy::node_names(engine).await?;
    let tasks = crate::deploy::tasks(engine, name).await?;
    let mut rows: Vec<(String, i64, TaskRow)> = tasks
        .iter()
        .filter_map(|t| {
            let service = names.get(t.service_id.as_deref()?)?.clone();
            let wanted = only.is_empty()
                || only
                    .iter()
                    .any(|o| *o == service || crate::swarm::scope(name, o) == service);
            wanted.then(|| task_row(t, &service, &nodes))
        })
        .collect();
    rows.sort_by(|a, b| (&a.0, a.1, &a.2.id).cmp(&(&b.0, b.1, &b.2.id)));
    Ok(rows.into_iter().map(|(_, _, r)| r).collect())
}

fn capitalized(s: &str) -> String {
    let mut c = s.chars();
    c.next().map_or_else(String::new, |f| {
        f.to_uppercase().collect::<String>() + c.as_str()
    })
}

fn task_row(t: &Task, service: &str, nodes: &HashMap<String, String>) -> (String, i64, TaskRow) {
    let node_id = t.node_id.clone().unwrap_or_default();
    let slot = t.slot.unwrap_or(0);
    let name = if slot > 0 {
        format!("{service}.{slot}")
    } else {
        format!("{service}.{node_id}")
    };
    let status = t.status.clone().unwrap_or_default();
    let image = t
        .spec
        .as_ref()
        .and_then(|s| s.container_spec.as_ref())
        .and_then(|c| c.image.as_deref())
        .map(|i| i.split_once('@').map_or(i, |(t, _)| t).to_string())
        .unwrap_or_default();
    let row = TaskRow {
        id: t.id.clone().unwrap_or_default(),
        name,
        image,
        node: nodes.get(&node_id).cloned().unwrap_or_default(),
        desired_state: capitalized(&t.desired_state.map(|s| s.to_string()).unwrap_or_default()),
        current_state: capitalized(&status.state.map(|s| s.to_string()).unwrap_or_default()),
        age: status
            .timestamp
            .and_then(|t| {
                std::time::SystemTime::now()
                    .duration_since(std::time::SystemTime::from(t))
                    .ok()
            })
            .map(|d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX)),
        error: status.err.unwrap_or_default(),
    };
    (service.to_string(), slot, row)
}

/// A node of the swarm as `docker node ls` shows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NodeRow {
    pub id: String,
    pub hostname: String,
    /// `ready`, `down`, `disconnected`, `unknown`.
    pub status: String,
    /// `active`, `pause`, `drain`.
    pub availability: String,
    /// `leader`, `reachable`, `unreachable`, or empty for a worker.
    pub manager_status: String,
    pub engine_version: String,
}

/// The swarm's nodes, by hostname.
///
/// # Errors
/// The engine is no swarm manager; Engine API errors.
pub async fn nodes(engine: &Engine) -> Result<Vec<NodeRow>, EngineError> {
    ensure_manager(engine).await?;
    let mut rows: Vec<NodeRow> = engine
        .docker
        .list_nodes(None::<bollard::query_parameters::ListNodesOptions>)
        .await?
        .into_iter()
        .map(|n| {
            let manager = n.manager_status.as_ref();
            let manager_status = match manager {
                Some(m) if m.leader == Some(true) => "leader".to_string(),
                Some(m) => m.reachability.map(|r| r.to_string()).unwrap_or_default(),
                None => String::new(),
            };
            let description = n.description.unwrap_or_default();
            NodeRow {
                id: n.id.unwrap_or_default(),
                hostname: description.hostname.unwrap_or_default(),
                status: n
                    .status
                    .and_then(|s| s.state)
                    .map(|s| s.to_string())
                    .unwrap_or_default(),
                availability: n
                    .spec
                    .and_then(|s| s.availability)
                    .map(|a| a.to_string())
                    .unwrap_or_default(),
                manager_status,
                engine_version: description
                    .engine
                    .and_then(|e| e.engine_version)
                    .unwrap_or_default(),
            }
        })
        .collect();
    rows.sort_by(|a, b| (&a.hostname, &a.id).cmp(&(&b.hostname, &b.id)));
    Ok(rows)
}
