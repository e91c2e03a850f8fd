//! The containers' plan: the project's spec plus the containers the engine already has → what
//! `up` must do to each service: keep, recreate, scale up and down, remove orphans.

use std::collections::{HashMap, HashSet};

use crate::client::Observed;
use crate::spec::ProjectSpec;

/// When existing containers are replaced.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum RecreatePolicy {
    /// When the configuration or image changed (the default).
    #[default]
    Diverged,
    /// Always (`--force-recreate`).
    Force,
    /// Never (`--no-recreate`).
    Never,
}

/// Options of `up` that change the plan.
#[derive(Clone, Debug, Default)]
pub struct UpOptions {
    pub recreate: RecreatePolicy,
    /// `--scale SERVICE=N`.
    pub scale: HashMap<String, u32>,
    /// The services named on the command line (all when empty): `recreate` applies to them,
    /// `dependencies` to the others (Docker Compose: `--force-recreate` forces the named
    /// services, `--always-recreate-deps` their dependencies).
    pub targets: Vec<String>,
    pub dependencies: RecreatePolicy,
}

/// One container-level step.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Step {
    /// Up to date: started if it is not running.
    Keep {
        id: String,
        name: String,
        number: u32,
        running: bool,
    },
    /// A new replica.
    Create { number: u32, name: String },
    /// Replaced by a new container of the same number and name.
    Recreate {
        id: String,
        name: String,
        number: u32,
    },
    /// Scaled away.
    Remove { id: String, name: String },
}

/// The steps for one service.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ServicePlan {
    pub service: String,
    pub steps: Vec<Step>,
    /// The local ID of the service's image, if the engine has it.
    pub image_id: Option<String>,
    /// A dependency declared with `restart: true` is recreated: the running containers this
    /// plan keeps are stopped before it, and started again once it is ready (Docker Compose
    /// prints them `Stopped`, then `Started`).
    pub restart_for_dependency: bool,
}

/// What `up` will do.
#[derive(Clone, Debug, PartialEq)]
pub struct Plan {
    /// In dependency order.
    pub services: Vec<ServicePlan>,
    /// Containers of the project whose service is no longer in the model.
    pub orphans: Vec<Observed>,
}

/// Plans `up`. `image_ids` maps image references to local image IDs, where known: a container
/// created from another image than the one its reference now names is recreated.
#[must_use]
pub fn plan_up(
    spec: &ProjectSpec,
    known_services: &HashSet<String>,
    observed: &[Observed],
    image_ids: &HashMap<String, String>,
    opts: &UpOptions,
) -> Plan {
    let mut services = Vec::new();
    for s in &spec.services {
        // A provider's service has no container.
        let expected = if s.provider.is_some() {
            0
        } else {
            opts.scale.get(&s.name).copied().unwrap_or(s.replicas)
        };
        let policy = if opts.targets.is_empty() || opts.targets.contains(&s.name) {
            opts.recreate
        } else {
            opts.dependencies
        };
        let outdated = |c: &Observed| match policy {
            RecreatePolicy::Force => true,
            RecreatePolicy::Never => false,
            // As Docker Compose: the configuration or the image changed, a running container
            // is off one of its networks, or a named volume is not the one mounted.
            RecreatePolicy::Diverged => {
                c.hash != s.hash
                    || matches!(
                        (&c.image_id, image_ids.get(&s.image)),
                        (Some(have), Some(want)) if have != want
                    )
                    || (c.state == "running" && s.networks.iter().any(|n| !c.networks.contains(n)))
                    || s.volumes.iter().any(|v| !c.volumes.contains(v))
            }
        };
        let mut existing: Vec<&Observed> =
            observed.iter().filter(|c| c.service == s.name).collect();
        let proper = |c: &Observed| s.container_name(&spec.name, c.number);
        let temporary = |c: &Observed| is_recreate_temporary(&c.name);
        // What an interrupted recreate leaves (a killed `up`): two containers with one number,
        // the replaced one and its replacement under a temporary name. The one that is not
        // temporary stays (else the newest); the others go first.
        let mut steps = Vec::new();
        let mut numbers: Vec<u32> = existing.iter().map(|c| c.number).collect();
        numbers.sort_unstable();
        numbers.dedup();
        for n in numbers {
            let mut same: Vec<&Observed> =
                existing.iter().copied().filter(|c| c.number == n).collect();
            if same.len() < 2 {
                continue;
            }
            same.sort_by_key(|c| (temporary(c), std::cmp::Reverse(c.created)));
            for c in &same[1..] {
                steps.push(Step::Remove {
                    id: c.id.clone(),
                    name: c.name.clone(),
                });
            }
            existing.retain(|c| c.number != n || c.id == same[0].id);
        }
        // A container left under a temporary name is recreated under its own.
        let outdated = |c: &Observed| outdated(c) || temporary(c);
        // Outdated containers first, then by number: as Docker Compose orders them.
        existing.sort_by_key(|c| (!outdated(c), c.number));
        let mut next = existing.iter().map(|c| c.number).max().unwrap_or(0) + 1;
        for (i, c) in existing.iter().enumerate() {
            if i >= expected as usize {
                steps.push(Step::Remove {
                    id: c.id.clone(),
                    name: c.name.clone(),
                });
            } else if outdated(c) {
                steps.push(Step::Recreate {
                    id: c.id.clone(),
                    name: if temporary(c) {
                        proper(c)
                    } else {
                        c.name.clone()
                    },
                    number: c.number,
                });
            } else {
                steps.push(Step::Keep {
                    id: c.id.clone(),
                    name: c.name.clone(),
                    number: c.number,
                    running: c.state == "running",
                });
            }
        }
        for _ in existing.len()..expected as usize {
            steps.push(Step::Create {
                number: next,
                name: s.container_name(&spec.name, next),
            });
            next += 1;
        }
        services.push(ServicePlan {
            service: s.name.clone(),
            steps,
            image_id: image_ids.get(&s.image).cloned(),
            restart_for_dependency: false,
        });
    }
    let recreated: HashSet<String> = services
        .iter()
        .filter(|p| p.steps.iter().any(|s| matches!(s, Step::Recreate { .. })))
        .map(|p| p.service.clone())
        .collect();
    for (p, s) in services.iter_mut().zip(&spec.services) {
        p.restart_for_dependency = s
            .depends_on
            .iter()
            .any(|d| d.restart && recreated.contains(&d.service))
            && p.steps
                .iter()
                .any(|s| matches!(s, Step::Keep { running: true, .. }));
    }
    let orphans = observed
        .iter()
        .filter(|c| !known_services.contains(&c.service))
        .cloned()
        .collect();
    Plan { services, orphans }
}

/// Whether `name` is one a recreate gives a replacement until its predecessor is gone:
/// `<12 hex of the old ID>_<name>` (`0123456789ab_project-web-1`).
#[must_use]
pub fn is_recreate_temporary(name: &str) -> bool {
    name.split_once('_').is_some_and(|(id, rest)| {
        id.len() == 12 && id.bytes().all(|b| b.is_ascii_hexdigit()) && !rest.is_empty()
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::tests::observed as obs;
    use crate::spec::ServiceSpec;

    fn svc(name: &str, replicas: u32, hash: &str) -> ServiceSpec {
        ServiceSpec {
            name: name.into(),
            image: "img".into(),
            image_named: true,
            replicas,
            hash: hash.into(),
            container_name: None,
            depends_on: Vec::new(),
            networks: Vec::new(),
            volumes: Vec::new(),
            read_only_volumes: Vec::new(),
            has_healthcheck: false,
            stop_timeout: None,
            build: None,
            pull_policy: None,
            separator: '-',
            post_start: Vec::new(),
            pre_stop: Vec::new(),
            tty: false,
            provider: None,
        }
    }

    fn spec(services: Vec<ServiceSpec>) -> ProjectSpec {
        ProjectSpec {
            name: "p".into(),
            networks: Vec::new(),
            volumes: Vec::new(),
            services,
            all_resources: false,
        }
    }

    fn known(names: &[&str]) -> HashSet<String> {
        names.iter().map(|s| (*s).to_string()).collect()
    }

    #[test]
    fn unchanged_containers_are_kept_and_changed_ones_recreated() {
        let s = spec(vec![svc("a", 1, "h1"), svc("b", 1, "h2")]);
        let o = vec![obs("a", 1, "h1"), obs("b", 1, "old")];
        let p = plan_up(
            &s,
            &known(&["a", "b"]),
            &o,
            &HashMap::new(),
            &UpOptions::default(),
        );
        assert!(matches!(p.services[0].steps[..], [Step::Keep { .. }]));
        assert!(matches!(
            p.services[1].steps[..],
            [Step::Recreate { number: 1, .. }]
        ));
    }

    /// Issue 17, item 1: a recreate killed between making the replacement (under a temporary
    /// name) and renaming it left two containers with one number, and every later `up`
    /// failed on the temporary name.
    #[test]
    fn a_killed_recreate_converges() {
        let s = spec(vec![svc("web", 1, "new")]);
        let old = obs("web", 1, "old");
        let mut replacement = obs("web", 1, "new");
        replacement.id = "replacement".into();
        replacement.name = "0123456789ab_p-web-1".into();
        replacement.created = 10;
        replacement.state = "created".into();
        // Killed after the replacement was made: it goes, the old one is recreated.
        let p = plan_up(
            &s,
            &known(&["web"]),
            &[old.clone(), replacement.clone()],
            &HashMap::new(),
            &UpOptions::default(),
        );
        assert_eq!(
            p.services[0].steps,
            [
                Step::Remove {
                    id: "replacement".into(),
                    name: "0123456789ab_p-web-1".into()
                },
                Step::Recreate {
                    id: "web1".into(),
                    name: "p-web-1".into(),
                    number: 1
                },
            ]
        );
        // Killed after the old one was removed, before the rename: the replacement is made
        // again under the number's own name.
        let p = plan_up(
            &s,
            &known(&["web"]),
            &[replacement],
            &HashMap::new(),
            &UpOptions::default(),
        );
        assert_eq!(
            p.services[0].steps,
            [Step::Recreate {
                id: "replacement".into(),
                name: "p-web-1".into(),
                number: 1
            }]
        );
    }

    #[test]
    fn a_new_image_recreates_even_with_the_same_hash() {
        let s = spec(vec![svc("a", 1, "h1")]);
        let o = vec![obs("a", 1, "h1")];
        let ids = HashMap::from([("img".to_string(), "sha256:b".to_string())]);
        let p = plan_up(&s, &known(&["a"]), &o, &ids, &UpOptions::default());
        assert!(matches!(p.services[0].steps[..], [Step::Recreate { .. }]));
    }

    #[test]
    fn scale_up_numbers_after_the_highest_and_scale_down_removes_the_highest() {
        let s = spec(vec![svc("a", 4, "h")]);
        let o = vec![obs("a", 1, "h"), obs("a", 3, "h")];
        let p = plan_up(
            &s,
            &known(&["a"]),
            &o,
            &HashMap::new(),
            &UpOptions::default(),
        );
        let created: Vec<u32> = p.services[0]
            .steps
            .iter()
            .filter_map(|st| match st {
                Step::Create { number, .. } => Some(*number),
                _ => None,
            })
            .collect();
        assert_eq!(created, [4, 5]);
        let opts = UpOptions {
            scale: HashMap::from([("a".to_string(), 1)]),
            ..UpOptions::default()
        };
        let p = plan_up(&s, &known(&["a"]), &o, &HashMap::new(), &opts);
        assert!(
            matches!(&p.services[0].steps[..], [Step::Keep { name, .. }, Step::Remove { name: r, .. }] if name == "p-a-1" && r == "p-a-3")
        );
    }

    #[test]
    fn a_running_container_off_its_network_or_without_its_volume_is_recreated() {
        let mut a = svc("a", 1, "h");
        a.networks = vec!["p_default".into()];
        a.volumes = vec!["p_data".into()];
        let s = spec(vec![a]);
        let mut on = obs("a", 1, "h");
        on.networks = vec!["p_default".into()];
        on.volumes = vec!["p_data".into()];
        let plan = |o: &Observed| {
            plan_up(
                &s,
                &known(&["a"]),
                std::slice::from_ref(o),
                &HashMap::new(),
                &UpOptions::default(),
            )
            .services
            .remove(0)
            .steps
        };
        assert!(matches!(plan(&on)[..], [Step::Keep { number: 1, .. }]));
        let mut off = on.clone();
        off.networks.clear();
        assert!(matches!(plan(&off)[..], [Step::Recreate { .. }]));
        // Networks are checked on running containers only, as Docker Compose does.
        off.state = "exited".into();
        assert!(matches!(
            plan(&off)[..],
            [Step::Keep { running: false, .. }]
        ));
        let mut other = on.clone();
        other.volumes = vec!["p_old".into()];
        assert!(matches!(plan(&other)[..], [Step::Recreate { .. }]));
    }

    #[test]
    fn policies_and_orphans() {
        let s = spec(vec![svc("a", 1, "new")]);
        let o = vec![obs("a", 1, "old"), obs("gone", 1, "x")];
        let never = UpOptions {
            recreate: RecreatePolicy::Never,
            ..UpOptions::default()
        };
        let p = plan_up(&s, &known(&["a"]), &o, &HashMap::new(), &never);
        assert!(matches!(p.services[0].steps[..], [Step::Keep { .. }]));
        assert_eq!(p.orphans.len(), 1);
        assert_eq!(p.orphans[0].service, "gone");
        let s = spec(vec![svc("a", 1, "old")]);
        let force = UpOptions {
            recreate: RecreatePolicy::Force,
            ..UpOptions::default()
        };
        let p = plan_up(&s, &known(&["a"]), &o[..1], &HashMap::new(), &force);
        assert!(matches!(p.services[0].steps[..], [Step::Recreate { .. }]));
    }

    #[test]
    fn force_recreate_applies_to_the_named_services_and_always_recreate_deps_to_the_rest() {
        let mut web = svc("web", 1, "h");
        web.depends_on = vec![crate::spec::Dependency {
            service: "db".into(),
            condition: crate::spec::Condition::Started,
            required: true,
            restart: false,
        }];
        let s = spec(vec![svc("db", 1, "h"), web]);
        let o = vec![obs("db", 1, "h"), obs("web", 1, "h")];
        let steps = |opts: &UpOptions| -> Vec<bool> {
            plan_up(&s, &known(&["db", "web"]), &o, &HashMap::new(), opts)
                .services
                .iter()
                .map(|p| matches!(p.steps[..], [Step::Recreate { .. }]))
                .collect()
        };
        let force_web = UpOptions {
            recreate: RecreatePolicy::Force,
            targets: vec!["web".into()],
            ..UpOptions::default()
        };
        assert_eq!(steps(&force_web), [false, true]);
        let deps_too = UpOptions {
            dependencies: RecreatePolicy::Force,
            ..force_web.clone()
        };
        assert_eq!(steps(&deps_too), [true, true]);
        let all = UpOptions {
            recreate: RecreatePolicy::Force,
            ..UpOptions::default()
        };
        assert_eq!(steps(&all), [true, true]);
    }
}
