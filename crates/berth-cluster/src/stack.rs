//! The project as a Swarm stack, and the plan that brings a swarm to it. Pure: [`Stack::of`]
//! reads the loaded project (nothing is parsed again) and [`plan`] compares what the stack
//! asks for with what the swarm holds; the deploy applies the plan.
//!
//! Beyond `docker stack deploy`: a service that depends on another with `service_healthy` or
//! `service_completed_successfully` is only created (or updated) once that dependency has
//! converged, so the order the compose file asks for holds on the cluster too.

use std::collections::HashMap;
use std::path::PathBuf;

use berth_model::dependency::Condition;
use berth_model::resources::FileKind;
use berth_model::{Diagnostic, Project};
use bollard_stubs::models::{
    NetworkCreateRequest, ServiceSpec, ServiceSpecModeReplicatedJob, TaskSpecRestartPolicy,
    TaskSpecRestartPolicyConditionEnum,
};

use crate::swarm::{self, ConvertError, LABEL_NAMESPACE};

/// The label that keeps the SHA-256 of a secret's or config's content, so a deploy knows
/// whether the object it finds still holds what the project says (the engine never returns
/// a secret's data).
pub const LABEL_DIGEST: &str = "com.docker.stack.berth.digest";

/// Where a secret's or config's content comes from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Content {
    /// `file:`, read when the stack is deployed.
    File(PathBuf),
    /// `environment:` or `content:`.
    Data(String),
}

/// A secret or config of the stack.
#[derive(Clone, Debug)]
pub struct FileObject {
    pub kind: FileKind,
    /// The key in the compose file.
    pub key: String,
    /// The object's name (`STACK_KEY`, or its `name:`); a changed content is deployed as a new
    /// version named `NAME-DIGEST`.
    pub name: String,
    pub labels: HashMap<String, String>,
    /// An external object: it must exist, the stack neither makes nor removes it.
    pub external: bool,
    /// `None` for an external object.
    pub content: Option<Content>,
    /// `template_driver`: the engine renders the data as a template for each task.
    pub template_driver: Option<String>,
}

/// A service of the stack.
#[derive(Clone, Debug)]
pub struct StackService {
    /// The service's key in the compose file.
    pub key: String,
    pub spec: ServiceSpec,
    /// The services whose convergence gates this one: `service_healthy` waits for their tasks
    /// to run (healthy, where they have a healthcheck), `service_completed_successfully` for
    /// their jobs to complete. `service_started` does not wait: Swarm starts services as it
    /// can.
    pub gates: Vec<(String, Condition)>,
    /// A job (`replicated-job`, `global-job`): it converges when its tasks complete.
    pub job: bool,
}

/// What the project asks of the swarm.
#[derive(Clone, Debug)]
pub struct Stack {
    pub name: String,
    /// The networks to make (external ones excepted), sorted by name.
    pub networks: Vec<NetworkCreateRequest>,
    /// The external networks the services join: they must exist.
    pub external_networks: Vec<String>,
    /// The secrets and configs the services use.
    pub files: Vec<FileObject>,
    /// The services, in the project's order.
    pub services: Vec<StackService>,
    /// What Swarm cannot carry (see [`crate::loss`]).
    pub losses: Vec<Diagnostic>,
}

impl Stack {
    /// The project as stack `name`.
    ///
    /// # Errors
    /// A service `docker stack deploy` would refuse, or a secret or config whose content
    /// cannot be had (an unset variable).
    pub fn of(project: &Project, name: &str) -> Result<Stack, ConvertError> {
        let mut services = Vec::new();
        let mut losses = Vec::new();
        let mut used: Vec<(FileKind, String)> = Vec::new();
        for s in project.services() {
            let spec = swarm::service_spec(project, name, s)?;
            losses.extend(crate::loss::losses(&s));
            for f in s.files() {
                if !used.iter().any(|(k, n)| *k == f.kind && n == f.source) {
                    used.push((f.kind, f.source.to_string()));
                }
            }
            let gates = s
                .dependencies()
                .filter(|d| d.condition != Condition::Started)
                .filter(|d| project.service(d.service).is_some())
                .map(|d| (d.service.to_string(), d.condition))
                .collect();
            services.push(StackService {
                key: s.name.to_string(),
                spec,
                gates,
                job: matches!(s.deploy().mode, "replicated-job" | "global-job"),
            });
        }
        // A service others wait on with `service_completed_successfully` runs once: on Swarm
        // that is a job (a replicated service would be restarted each time it completes).
        let completed: Vec<String> = services
            .iter()
            .flat_map(|s| s.gates.iter())
            .filter(|(_, c)| *c == Condition::CompletedSuccessfully)
            .map(|(g, _)| g.clone())
            .collect();
        for s in services.iter_mut().filter(|s| completed.contains(&s.key)) {
            as_job(s);
        }
        let mut files = Vec::new();
        for (kind, key) in used {
            let Some(def) = project.file_def(kind, &key) else {
                continue;
            };
            losses.extend(crate::loss::file_losses(&def));
            let content = if def.external {
                None
            } else if let Some(path) = def.file {
                Some(Content::File(PathBuf::from(path)))
            } else {
                let data = project.inline_value(&def).map_err(|message| ConvertError {
                    service: String::new(),
                    message,
                })?;
                data.map(Content::Data)
            };
            let mut labels: HashMap<String, String> = def
                .labels
                .iter()
                .map(|(k, v)| ((*k).to_string(), v.clone()))
                .collect();
            labels.insert(LABEL_NAMESPACE.into(), name.into());
            files.push(FileObject {
                kind,
                name: swarm::object_name(project, name, &def),
                key,
                labels,
                external: def.external,
                content,
                template_driver: def
                    .value
                    .get("template_driver")
                    .and_then(berth_model::Value::as_str)
                    .map(str::to_string),
            });
        }
        let external_networks = project
            .network_defs()
            .filter(|n| n.external)
            .filter(|n| {
                project
                    .services()
                    .any(|s| s.attachments().any(|a| a.network == n.key))
            })
            .map(|n| n.name.unwrap_or(n.key).to_string())
            .collect();
        Ok(Stack {
            name: name.to_string(),
            networks: swarm::networks_to_create(project, name),
            external_networks,
            files,
            services,
            losses,
        })
    }
}

/// Turns a replicated service into a replicated job of as many completions as it has
/// replicas, restarted only on failure unless it says otherwise.
fn as_job(s: &mut StackService) {
    let Some(mode) = s.spec.mode.as_mut() else {
        return;
    };
    let Some(replicated) = mode.replicated.take() else {
        return;
    };
    let n = replicated.replicas.unwrap_or(1);
    mode.replicated_job = Some(ServiceSpecModeReplicatedJob {
        max_concurrent: Some(n),
        total_completions: Some(n),
    });
    if let Some(t) = s.spec.task_template.as_mut() {
        let policy = t
            .restart_policy
            .get_or_insert_with(TaskSpecRestartPolicy::default);
        if policy
            .condition
            .is_none_or(|c| c == TaskSpecRestartPolicyConditionEnum::ANY)
        {
            policy.condition = Some(TaskSpecRestartPolicyConditionEnum::NONE);
        }
    }
    s.job = true;
}

/// One step of a deploy: the services applied together (by index in the stack), then the
/// services the later steps wait on, each with whether it must complete (a job) rather than
/// run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Wave {
    pub services: Vec<usize>,
    pub then_wait_for: Vec<(String, bool)>,
}

/// The order of a deploy: a service goes once every service gating it has converged; those
/// without gates go first, together.
///
/// # Errors
/// The gates form a cycle (the loader refuses one in `depends_on`, so only a hand-made stack
/// can).
pub fn waves(services: &[StackService]) -> Result<Vec<Wave>, String> {
    let mut done: Vec<&str> = Vec::new();
    let mut out = Vec::new();
    while done.len() < services.len() {
        let wave: Vec<usize> = (0..services.len())
            .filter(|&i| !done.contains(&services[i].key.as_str()))
            .filter(|&i| {
                services[i]
                    .gates
                    .iter()
                    .all(|(g, _)| done.contains(&g.as_str()))
            })
            .collect();
        if wave.is_empty() {
            return Err("the services' dependencies form a cycle: nothing can start".into());
        }
        done.extend(wave.iter().map(|&i| services[i].key.as_str()));
        let mut then_wait_for: Vec<(String, bool)> = Vec::new();
        for (g, c) in services.iter().flat_map(|s| s.gates.iter()) {
            let Some(&i) = wave.iter().find(|&&i| &services[i].key == g) else {
                continue;
            };
            let name = services[i].spec.name.clone().unwrap_or_default();
            let complete = *c == Condition::CompletedSuccessfully;
            if !then_wait_for.contains(&(name.clone(), complete)) {
                then_wait_for.push((name, complete));
            }
        }
        out.push(Wave {
            services: wave,
            then_wait_for,
        });
    }
    Ok(out)
}

/// A service as the swarm holds it.
#[derive(Clone, Debug)]
pub struct Observed {
    pub name: String,
    /// Its spec as the engine returns it, with network IDs turned back into names.
    pub spec: serde_json::Value,
}

/// What a deploy does with a service.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Action {
    Create,
    /// Update these fields (paths in the Engine API's spec).
    Update(Vec<String>),
    Unchanged,
}

/// What the deploy does with each service of the stack (in the stack's order), and the
/// services on the swarm the stack no longer has (removed by `--prune`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Plan {
    pub services: Vec<(String, Action)>,
    pub orphans: Vec<String>,
}

/// Compares the stack's services (their specs as they would be sent, secrets and configs
/// resolved) with those the swarm holds.
#[must_use]
pub fn plan(desired: &[(String, serde_json::Value)], observed: &[Observed]) -> Plan {
    let services = desired
        .iter()
        .map(|(name, spec)| {
            let action = match observed.iter().find(|o| &o.name == name) {
                None => Action::Create,
                Some(o) => {
                    let changed = crate::compare::changes(spec, &o.spec);
                    if changed.is_empty() {
                        Action::Unchanged
                    } else {
                        Action::Update(changed)
                    }
                }
            };
            (name.clone(), action)
        })
        .collect();
    let mut orphans: Vec<String> = observed
        .iter()
        .filter(|o| !desired.iter().any(|(n, _)| n == &o.name))
        .map(|o| o.name.clone())
        .collect();
    orphans.sort();
    Plan { services, orphans }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn service(key: &str, gates: &[(&str, Condition)]) -> StackService {
        StackService {
            key: key.into(),
            spec: ServiceSpec {
                name: Some(format!("st_{key}")),
                ..ServiceSpec::default()
            },
            gates: gates.iter().map(|(g, c)| ((*g).to_string(), *c)).collect(),
            job: false,
        }
    }

    #[test]
    fn gated_services_wait_for_their_gates_and_the_rest_go_first() {
        let services = [
            service("db", &[]),
            service("init", &[]),
            service(
                "api",
                &[
                    ("db", Condition::Healthy),
                    ("init", Condition::CompletedSuccessfully),
                ],
            ),
            service("web", &[("api", Condition::Healthy)]),
            service("cache", &[]),
        ];
        let w = waves(&services).expect("waves");
        assert_eq!(
            w,
            vec![
                Wave {
                    services: vec![0, 1, 4],
                    then_wait_for: vec![("st_db".into(), false), ("st_init".into(), true)],
                },
                Wave {
                    services: vec![2],
                    then_wait_for: vec![("st_api".into(), false)],
                },
                Wave {
                    services: vec![3],
                    then_wait_for: vec![],
                },
            ]
        );
        let cycle = [
            service("a", &[("b", Condition::Healthy)]),
            service("b", &[("a", Condition::Healthy)]),
        ];
        assert!(waves(&cycle).is_err());
    }

    #[test]
    fn new_changed_unchanged_and_orphaned_services() {
        let desired = vec![
            (
                "st_a".to_string(),
                json!({"Name": "st_a", "Labels": {"x": "1"}}),
            ),
            (
                "st_b".to_string(),
                json!({"Name": "st_b", "Labels": {"x": "2"}}),
            ),
            ("st_c".to_string(), json!({"Name": "st_c"})),
        ];
        let observed = vec![
            Observed {
                name: "st_b".into(),
                spec: json!({"Name": "st_b", "Labels": {"x": "1"}}),
            },
            Observed {
                name: "st_c".into(),
                spec: json!({"Name": "st_c", "EndpointSpec": {"Mode": "vip"}}),
            },
            Observed {
                name: "st_old".into(),
                spec: json!({"Name": "st_old"}),
            },
        ];
        let p = plan(&desired, &observed);
        assert_eq!(
            p.services,
            vec![
                ("st_a".to_string(), Action::Create),
                ("st_b".to_string(), Action::Update(vec!["Labels.x".into()])),
                ("st_c".to_string(), Action::Unchanged),
            ]
        );
        assert_eq!(p.orphans, vec!["st_old".to_string()]);
    }
}
