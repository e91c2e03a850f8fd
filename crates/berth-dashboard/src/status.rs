//! The project as it runs: each service of the loaded project with its containers as the
//! engine lists them, the state the page colours it by, and what it waits on. Pure: the
//! listing is the caller's.

use std::collections::HashMap;

use berth_cluster::observe::{NodeRow, ServiceRow, TaskRow};
use berth_engine::client::Observed;
use berth_model::dependency::Condition;
use berth_model::Project;
use serde_json::{json, Value as Json};

/// The state of a container, or of a service (the worst of its containers').
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum State {
    /// Worst first: the order a service takes the worst of.
    Unhealthy,
    Dead,
    Exited,
    Restarting,
    Missing,
    Created,
    Starting,
    Paused,
    Running,
    Healthy,
}

impl State {
    /// The name the page and the API use (a CSS class too).
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            State::Unhealthy => "unhealthy",
            State::Dead => "dead",
            State::Exited => "exited",
            State::Restarting => "restarting",
            State::Missing => "missing",
            State::Created => "created",
            State::Starting => "starting",
            State::Paused => "paused",
            State::Running => "running",
            State::Healthy => "healthy",
        }
    }

    /// Every state, for the page's legend and styles.
    pub const ALL: [State; 10] = [
        State::Healthy,
        State::Running,
        State::Starting,
        State::Created,
        State::Paused,
        State::Restarting,
        State::Exited,
        State::Dead,
        State::Unhealthy,
        State::Missing,
    ];

    /// A container's state from the engine's listing: its state, and the health its status
    /// text carries (`Up 3 seconds (healthy)`, `(health: starting)`).
    #[must_use]
    pub fn of(c: &Observed) -> State {
        match c.state.as_str() {
            "running" if c.status.contains("(unhealthy)") => State::Unhealthy,
            "running" if c.status.contains("(health: starting)") => State::Starting,
            "running" if c.status.contains("(healthy)") => State::Healthy,
            "running" => State::Running,
            "created" => State::Created,
            "paused" => State::Paused,
            "restarting" => State::Restarting,
            "dead" | "removing" => State::Dead,
            _ => State::Exited,
        }
    }

    /// Whether a container in this state runs its process.
    #[must_use]
    pub fn is_up(self) -> bool {
        matches!(
            self,
            State::Running | State::Healthy | State::Starting | State::Unhealthy
        )
    }
}

/// A container of a service.
#[derive(Clone, Debug, PartialEq)]
pub struct ContainerStatus {
    pub name: String,
    pub state: State,
    /// The engine's status text (`Up 2 minutes (healthy)`, `Exited (1) 3 seconds ago`).
    pub status: String,
    /// The exit code of a container that has stopped.
    pub exit_code: Option<i64>,
    /// Published ports, `HOST_IP:HOST_PORT->PORT/PROTOCOL`, with the address a browser opens.
    pub ports: Vec<Published>,
    /// The output of its last health probe, credentials masked.
    pub last_probe: Option<String>,
    /// How many times the engine has restarted it.
    pub restarts: i64,
    /// Seconds since it started, while it runs.
    pub uptime: Option<i64>,
    /// Its use of CPU and memory, from the engine's stats stream, while it runs.
    pub usage: Option<Usage>,
    /// The swarm node a stack's task runs on.
    pub node: Option<String>,
}

/// A running container's use of the host, as `berth stats` computes it.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Usage {
    /// Percent of one CPU (200 is two CPUs busy).
    pub cpu_percent: f64,
    /// Bytes in use, less the page cache, and the limit.
    pub memory: u64,
    pub memory_limit: u64,
}

/// `3d 4h`, `2h 5m`, `5m 3s`, `42s`: a duration as the page shows it.
#[must_use]
pub fn duration_text(secs: i64) -> String {
    let secs = secs.max(0);
    let (d, h, m, s) = (secs / 86_400, secs / 3600 % 24, secs / 60 % 60, secs % 60);
    match (d, h, m) {
        (0, 0, 0) => format!("{s}s"),
        (0, 0, _) => format!("{m}m {s}s"),
        (0, _, _) => format!("{h}h {m}m"),
        _ => format!("{d}d {h}h"),
    }
}

/// A published port.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Published {
    pub text: String,
    /// `http://HOST:PORT` for a TCP port (the wildcard address as `localhost`).
    pub link: Option<String>,
}

/// What a service waits on before it starts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Wait {
    pub service: String,
    /// `service_started`, `service_healthy` or `service_completed_successfully`.
    pub condition: &'static str,
    /// Whether the dependency is there now.
    pub met: bool,
}

/// A service of the project.
#[derive(Clone, Debug, PartialEq)]
pub struct ServiceStatus {
    pub name: String,
    pub state: State,
    /// The replicas it asks for, and those running.
    pub desired: i64,
    pub running: usize,
    pub containers: Vec<ContainerStatus>,
    pub waits_on: Vec<Wait>,
}

/// The project as it runs.
#[derive(Clone, Debug, PartialEq)]
pub struct Status {
    pub project: String,
    pub services: Vec<ServiceStatus>,
    /// The swarm's nodes, for a stack.
    pub nodes: Vec<NodeRow>,
}

/// `Exited (137) 2 seconds ago` → 137.
fn exit_code(status: &str) -> Option<i64> {
    let rest = status.strip_prefix("Exited (")?;
    rest.split_once(')')?.0.parse().ok()
}

fn published(c: &Observed) -> Vec<Published> {
    let mut out: Vec<Published> = c
        .ports
        .iter()
        .filter_map(|p| {
            let host = p.public_port?;
            let ip = p.ip.as_deref().unwrap_or("0.0.0.0");
            let proto = p.typ.map_or_else(|| "tcp".to_string(), |t| t.to_string());
            let open = match ip {
                "0.0.0.0" | "::" | "" => "localhost".to_string(),
                ip if ip.contains(':') => format!("[{ip}]"),
                ip => ip.to_string(),
            };
            Some(Published {
                text: format!("{ip}:{host}->{}/{proto}", p.private_port),
                link: (proto == "tcp").then(|| format!("http://{open}:{host}")),
            })
        })
        .collect();
    out.sort_by(|a, b| a.text.cmp(&b.text));
    out.dedup();
    out
}

/// What a container's record says now. The engine's listing can lag behind its events (a
/// container listed running after its `die` event); its record does not.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Live {
    /// `running`, `exited`, `created`, `paused`, `restarting`, `dead`.
    pub state: String,
    pub exit_code: Option<i64>,
    /// `healthy`, `unhealthy` or `starting`, when the engine tracks its health.
    pub health: Option<String>,
    /// The output of its last health probe.
    pub last_probe: Option<String>,
    pub restarts: i64,
    /// Seconds since it started, while it runs.
    pub uptime: Option<i64>,
    pub usage: Option<Usage>,
}

/// Brings a listed container up to what its record says: its state, and a status text that
/// agrees with it when the listing's no longer does.
pub fn refresh(c: &mut Observed, live: &Live) {
    let health = live.health.as_deref().map(|h| match h {
        "starting" => " (health: starting)".to_string(),
        h => format!(" ({h})"),
    });
    let agrees = c.state == live.state && health.as_deref().is_none_or(|h| c.status.contains(h));
    if agrees {
        return;
    }
    c.state.clone_from(&live.state);
    c.status = match live.state.as_str() {
        "running" => format!("Up{}", health.unwrap_or_default()),
        "exited" => format!("Exited ({})", live.exit_code.unwrap_or(0)),
        "created" => "Created".into(),
        "paused" => "Up (Paused)".into(),
        "restarting" => format!("Restarting ({})", live.exit_code.unwrap_or(0)),
        other => other.to_string(),
    };
}

/// The status of `project` given its containers on the engine and, for those whose record
/// was read, what it says (by container name). Probe outputs are masked here: the page never
/// carries a secret's value.
#[must_use]
pub fn of(project: &Project, containers: &[Observed], lives: &HashMap<String, Live>) -> Status {
    let mut services: Vec<ServiceStatus> = project
        .services()
        .map(|s| {
            let mut own: Vec<&Observed> =
                containers.iter().filter(|c| c.service == s.name).collect();
            own.sort_by_key(|c| c.number);
            let containers: Vec<ContainerStatus> = own
                .iter()
                .map(|c| {
                    let live = lives.get(&c.name);
                    let state = State::of(c);
                    ContainerStatus {
                        name: c.name.clone(),
                        state,
                        status: c.status.clone(),
                        exit_code: (c.state == "exited")
                            .then(|| exit_code(&c.status))
                            .flatten(),
                        ports: published(c),
                        last_probe: live
                            .and_then(|l| l.last_probe.as_deref())
                            .map(|p| berth_model::redact::mask(p.trim_end()).text.into_owned()),
                        restarts: live.map_or(0, |l| l.restarts),
                        uptime: live.and_then(|l| l.uptime).filter(|_| state.is_up()),
                        usage: live.and_then(|l| l.usage).filter(|_| state.is_up()),
                        node: None,
                    }
                })
                .collect();
            let state = containers
                .iter()
                .map(|c| c.state)
                .min()
                .unwrap_or(State::Missing);
            ServiceStatus {
                name: s.name.to_string(),
                state,
                desired: s.replicas().unwrap_or(1),
                running: containers.iter().filter(|c| c.state.is_up()).count(),
                containers,
                waits_on: Vec::new(),
            }
        })
        .collect();
    services.sort_by(|a, b| a.name.cmp(&b.name));
    for s in project.services() {
        let waits: Vec<Wait> = s
            .dependencies()
            .filter_map(|d| {
                let dep = services.iter().find(|x| x.name == d.service)?;
                let (condition, met) = match d.condition {
                    Condition::Started => ("service_started", dep.running > 0),
                    Condition::Healthy => (
                        "service_healthy",
                        !dep.containers.is_empty()
                            && dep.containers.iter().all(|c| c.state == State::Healthy),
                    ),
                    Condition::CompletedSuccessfully => (
                        "service_completed_successfully",
                        !dep.containers.is_empty()
                            && dep.containers.iter().all(|c| c.exit_code == Some(0)),
                    ),
                };
                Some(Wait {
                    service: d.service.to_string(),
                    condition,
                    met,
                })
            })
            .collect();
        if let Some(target) = services.iter_mut().find(|x| x.name == s.name) {
            target.waits_on = waits;
        }
    }
    Status {
        project: project.name.clone(),
        services,
        nodes: Vec::new(),
    }
}

/// A task's state: `Running`, a state on the way to it, or one it ended in.
fn task_state(current: &str) -> State {
    match current {
        "Running" => State::Running,
        "New" | "Pending" | "Assigned" | "Accepted" | "Ready" | "Preparing" | "Starting" => {
            State::Starting
        }
        "Failed" | "Rejected" => State::Dead,
        _ => State::Exited,
    }
}

/// The status of `project` deployed as stack `stack`: each service with its replicas and
/// its tasks (those the swarm wants now; the earlier tasks of a slot count as its restarts),
/// and the swarm's nodes.
#[must_use]
pub fn of_stack(
    project: &Project,
    stack: &str,
    services: &[ServiceRow],
    tasks: &[TaskRow],
    nodes: Vec<NodeRow>,
) -> Status {
    let mut out: Vec<ServiceStatus> = project
        .services()
        .map(|s| {
            let scoped = berth_cluster::swarm::scope(stack, s.name);
            let row = services.iter().find(|r| r.name == scoped);
            let own = || {
                tasks
                    .iter()
                    .filter(|t| t.name.rsplit_once('.').is_some_and(|(n, _)| n == scoped))
            };
            let containers: Vec<ContainerStatus> = own()
                .filter(|t| {
                    matches!(
                        t.desired_state.as_str(),
                        "Running" | "Ready" | "Accepted" | "Complete"
                    )
                })
                .map(|t| {
                    let state = task_state(&t.current_state);
                    let mut status = t.current_state.clone();
                    if let Some(age) = t.age {
                        status = format!("{status} {} ago", duration_text(age));
                    }
                    let earlier = || own().filter(|o| o.name == t.name && o.id != t.id);
                    if !t.error.is_empty() {
                        status = format!("{status}: {}", t.error);
                    } else if let Some(failed) = (state != State::Running)
                        .then(|| earlier())
                        .into_iter()
                        .flatten()
                        .filter(|o| !o.error.is_empty())
                        .min_by_key(|o| o.age.unwrap_or(i64::MAX))
                    {
                        // Why the slot's last task ended: why this one is starting again.
                        status = format!("{status} · last failure: {}", failed.error);
                    }
                    let restarts = earlier().count();
                    ContainerStatus {
                        name: t.name.clone(),
                        state,
                        status,
                        exit_code: (t.current_state == "Complete").then_some(0),
                        ports: Vec::new(),
                        last_probe: None,
                        restarts: i64::try_from(restarts).unwrap_or(i64::MAX),
                        uptime: None,
                        usage: None,
                        node: Some(t.node.clone()).filter(|n| !n.is_empty()),
                    }
                })
                .collect();
            let running = row.map_or(0, |r| r.running);
            ServiceStatus {
                name: s.name.to_string(),
                state: containers
                    .iter()
                    .map(|c| c.state)
                    .min()
                    .unwrap_or(State::Missing),
                desired: row.map_or(0, |r| i64::try_from(r.desired).unwrap_or(i64::MAX)),
                running: usize::try_from(running).unwrap_or(usize::MAX),
                containers,
                waits_on: Vec::new(),
            }
        })
        .collect();
    out.sort_by(|a, b| a.name.cmp(&b.name));
    Status {
        project: stack.to_string(),
        services: out,
        nodes,
    }
}

impl Status {
    /// The status as `GET /api/status` answers it.
    #[must_use]
    pub fn to_json(&self) -> Json {
        json!({
            "project": self.project,
            "services": self.services.iter().map(|s| json!({
                "name": s.name,
                "state": s.state.name(),
                "replicas": { "desired": s.desired, "running": s.running },
                "waits_on": s.waits_on.iter().map(|w| json!({
                    "service": w.service,
                    "condition": w.condition,
                    "met": w.met,
                })).collect::<Vec<_>>(),
                "containers": s.containers.iter().map(|c| json!({
                    "name": c.name,
                    "state": c.state.name(),
                    "status": c.status,
                    "exit_code": c.exit_code,
                    "last_probe": c.last_probe,
                    "restarts": c.restarts,
                    "uptime_seconds": c.uptime,
                    "uptime": c.uptime.map(duration_text),
                    "node": c.node,
                    "cpu_percent": c.usage.map(|u| (u.cpu_percent * 100.0).round() / 100.0),
                    "memory": c.usage.map(|u| u.memory),
                    "memory_limit": c.usage.map(|u| u.memory_limit),
                    "ports": c.ports.iter().map(|p| json!({ "published": p.text, "link": p.link })).collect::<Vec<_>>(),
                })).collect::<Vec<_>>(),
            })).collect::<Vec<_>>(),
            "nodes": self.nodes.iter().map(|n| json!({
                "hostname": n.hostname,
                "status": n.status,
                "availability": n.availability,
                "manager_status": n.manager_status,
                "engine_version": n.engine_version,
            })).collect::<Vec<_>>(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn observed(service: &str, state: &str, status: &str) -> Observed {
        Observed {
            id: format!("{service}-id"),
            name: format!("p-{service}-1"),
            service: service.to_string(),
            number: 1,
            hash: String::new(),
            image_id: None,
            state: state.to_string(),
            status: status.to_string(),
            image: "img".to_string(),
            command: String::new(),
            created: 0,
            labels: std::collections::HashMap::new(),
            ports: Vec::new(),
            networks: Vec::new(),
            volumes: Vec::new(),
            read_only_volumes: Vec::new(),
        }
    }

    /// The engine listed a container as running after its `die` event: its record wins.
    #[test]
    fn a_listing_behind_the_events_is_brought_up_to_the_record() {
        let mut c = observed("db", "running", "Up 2 minutes");
        let exited = Live {
            state: "exited".into(),
            exit_code: Some(137),
            health: None,
            ..Live::default()
        };
        refresh(&mut c, &exited);
        assert_eq!(
            (c.state.as_str(), c.status.as_str()),
            ("exited", "Exited (137)")
        );
        assert_eq!(exit_code(&c.status), Some(137));
        let mut c = observed("web", "running", "Up 3 seconds (health: starting)");
        let healthy = Live {
            state: "running".into(),
            exit_code: Some(0),
            health: Some("healthy".into()),
            ..Live::default()
        };
        refresh(&mut c, &healthy);
        assert_eq!(State::of(&c), State::Healthy);
        let mut same = observed("web", "running", "Up 3 seconds (healthy)");
        refresh(&mut same, &healthy);
        assert_eq!(same.status, "Up 3 seconds (healthy)");
    }

    fn task(name: &str, id: &str, desired: &str, current: &str, error: &str) -> TaskRow {
        TaskRow {
            id: id.into(),
            name: name.into(),
            image: "img".into(),
            node: "node-1".into(),
            desired_state: desired.into(),
            current_state: current.into(),
            age: Some(75),
            error: error.into(),
        }
    }

    fn row(name: &str, running: u64, desired: u64) -> ServiceRow {
        ServiceRow {
            id: format!("{name}-id"),
            name: name.into(),
            mode: "replicated".into(),
            replicas: format!("{running}/{desired}"),
            running,
            desired,
            image: "img".into(),
            ports: String::new(),
        }
    }

    /// A stack's service shows the tasks the swarm wants now; a slot's earlier tasks are
    /// its restarts, and a failing task says why.
    #[test]
    fn a_stacks_services_show_their_current_tasks() {
        let d = tempfile::tempdir().expect("temp dir");
        std::fs::write(
            d.path().join("compose.yaml"),
            "services:\n  web:\n    image: img\n  db:\n    image: img\n  gone:\n    image: img\n",
        )
        .expect("write");
        let opts =
            berth_loader::load::Options::new(d.path().to_path_buf(), indexmap::IndexMap::new());
        let project = berth_loader::load::load(&opts).unwrap_or_else(|e| panic!("{}", e.render()));
        let services = [row("st_web", 2, 2), row("st_db", 0, 1)];
        let tasks = [
            task("st_web.1", "a", "Running", "Running", ""),
            task("st_web.2", "b", "Running", "Running", ""),
            task(
                "st_web.2",
                "c",
                "Shutdown",
                "Failed",
                "task: non-zero exit (1)",
            ),
            task("st_db.1", "d", "Running", "Starting", ""),
            task("st_db.1", "e", "Shutdown", "Rejected", "no such image"),
        ];
        let st = of_stack(&project, "st", &services, &tasks, Vec::new());
        let names: Vec<&str> = st.services.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(names, ["db", "gone", "web"]);
        let (db, gone, web) = (&st.services[0], &st.services[1], &st.services[2]);
        assert_eq!(
            (web.state, web.running, web.desired),
            (State::Running, 2, 2)
        );
        assert_eq!(web.containers.len(), 2);
        assert_eq!(web.containers[1].restarts, 1);
        assert_eq!(web.containers[1].status, "Running 1m 15s ago");
        assert_eq!(web.containers[1].node.as_deref(), Some("node-1"));
        assert_eq!((db.state, db.running, db.desired), (State::Starting, 0, 1));
        assert_eq!(db.containers[0].restarts, 1);
        assert_eq!(
            db.containers[0].status,
            "Starting 1m 15s ago · last failure: no such image"
        );
        assert_eq!((gone.state, gone.desired), (State::Missing, 0));
        assert_eq!(task_state("Rejected"), State::Dead);
        assert_eq!(task_state("Complete"), State::Exited);
    }

    #[test]
    fn durations_read_in_their_two_largest_units() {
        assert_eq!(duration_text(42), "42s");
        assert_eq!(duration_text(303), "5m 3s");
        assert_eq!(duration_text(7500), "2h 5m");
        assert_eq!(duration_text(3 * 86_400 + 4 * 3600 + 59), "3d 4h");
        assert_eq!(duration_text(-5), "0s");
    }

    #[test]
    fn states_come_from_the_engine_state_and_health() {
        for (state, status, want) in [
            ("running", "Up 3 seconds (healthy)", State::Healthy),
            ("running", "Up 3 seconds (unhealthy)", State::Unhealthy),
            ("running", "Up 1 second (health: starting)", State::Starting),
            ("running", "Up 3 seconds", State::Running),
            ("exited", "Exited (1) 2 seconds ago", State::Exited),
            ("created", "Created", State::Created),
            ("paused", "Up 3 seconds (Paused)", State::Paused),
            (
                "restarting",
                "Restarting (1) 1 second ago",
                State::Restarting,
            ),
        ] {
            assert_eq!(State::of(&observed("a", state, status)), want, "{status}");
        }
        assert_eq!(exit_code("Exited (137) 2 seconds ago"), Some(137));
        assert_eq!(exit_code("Up 2 seconds"), None);
    }
}
