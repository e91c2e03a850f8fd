//! The networks' and volumes' plan: the project's spec plus the labels of the networks and
//! volumes the engine already has under those names → what `up` must do to each, as Docker
//! Compose decides it (`ensureNetwork` and `ensureVolume` of docker/compose `create.go`):
//! create what is missing, keep what matches, recreate a network whose configuration changed,
//! ask before recreating such a volume, warn about one made outside the project, and refuse a
//! missing external resource or a network made for another key before anything is made.

use std::collections::{HashMap, HashSet};

use crate::labels;
use crate::spec::ProjectSpec;

/// The labels of a network or volume the engine has, by its name.
pub type Found = HashMap<String, HashMap<String, String>>;

/// What `up` does to one network.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum NetworkStep {
    /// There and up to date (or external): nothing to do.
    Keep {
        name: String,
    },
    Create {
        name: String,
    },
    /// Its configuration changed: the containers of the services on it are stopped and
    /// disconnected, the network is removed and created again, and they are connected back.
    Recreate {
        name: String,
    },
}

/// What `up` does to one volume.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum VolumeStep {
    /// There (or external): nothing to do.
    Keep {
        name: String,
    },
    Create {
        name: String,
    },
    /// Its configuration changed: recreated only if the user says so (the data would be
    /// lost), after removing the containers that mount it.
    Diverged {
        name: String,
    },
}

/// Steps in the spec's order, and the warnings to show before applying them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ResourcePlan<S> {
    pub steps: Vec<S>,
    pub warnings: Vec<String>,
}

impl<S> Default for ResourcePlan<S> {
    fn default() -> Self {
        ResourcePlan {
            steps: Vec::new(),
            warnings: Vec::new(),
        }
    }
}

/// The names of the networks `up` sees to: those the selected services use, every network of
/// the project with `--all-resources`.
fn wanted_networks(spec: &ProjectSpec) -> HashSet<&str> {
    let used: HashSet<&str> = spec
        .services
        .iter()
        .flat_map(|s| s.networks.iter().map(String::as_str))
        .collect();
    spec.networks
        .iter()
        .map(|n| n.name.as_str())
        .filter(|n| spec.all_resources || used.contains(n))
        .collect()
}

/// The networks `up` must look up before planning.
#[must_use]
pub fn networks_to_look_up(spec: &ProjectSpec) -> Vec<String> {
    let wanted = wanted_networks(spec);
    spec.networks
        .iter()
        .filter(|n| wanted.contains(n.name.as_str()))
        .map(|n| n.name.clone())
        .collect()
}

/// Plans the project's networks from those `found` under their names.
///
/// # Errors
/// A missing external network, or one of that name made for another network key, in Docker
/// Compose's words.
pub fn plan_networks(
    spec: &ProjectSpec,
    found: &Found,
) -> Result<ResourcePlan<NetworkStep>, String> {
    let wanted = wanted_networks(spec);
    let mut plan = ResourcePlan::default();
    for n in spec
        .networks
        .iter()
        .filter(|n| wanted.contains(n.name.as_str()))
    {
        let name = n.name.clone();
        let Some(have) = found.get(&n.name) else {
            if n.external {
                return Err(format!(
                    "network {name} declared as external, but could not be found"
                ));
            }
            plan.steps.push(NetworkStep::Create { name });
            continue;
        };
        if n.external {
            plan.steps.push(NetworkStep::Keep { name });
            continue;
        }
        match have.get(labels::PROJECT) {
            None => plan.warnings.push(format!(
                "a network with name {name} exists but was not created by compose.\nSet `external: true` to use an existing network"
            )),
            Some(p) if *p != spec.name => plan.warnings.push(format!(
                "a network with name {name} exists but was not created for project \"{}\".\nSet `external: true` to use an existing network",
                spec.name
            )),
            Some(_) => {}
        }
        let key = have.get(labels::NETWORK).map_or("", String::as_str);
        if key != n.key {
            return Err(format!(
                "network {name} was found but has incorrect label {} set to \"{key}\" (expected: \"{}\")",
                labels::NETWORK,
                n.key
            ));
        }
        let hash = have.get(labels::CONFIG_HASH).map_or("", String::as_str);
        plan.steps.push(if hash.is_empty() || hash == n.hash {
            NetworkStep::Keep { name }
        } else {
            NetworkStep::Recreate { name }
        });
    }
    Ok(plan)
}

/// Plans the project's volumes from those `found` under their names.
///
/// # Errors
/// A missing external volume, in Docker Compose's words.
pub fn plan_volumes(spec: &ProjectSpec, found: &Found) -> Result<ResourcePlan<VolumeStep>, String> {
    let mut plan = ResourcePlan::default();
    for v in &spec.volumes {
        let name = v.name.clone();
        let Some(have) = found.get(&v.name) else {
            if v.external {
                return Err(format!("external volume \"{name}\" not found"));
            }
            plan.steps.push(VolumeStep::Create { name });
            continue;
        };
        if v.external {
            plan.steps.push(VolumeStep::Keep { name });
            continue;
        }
        match have.get(labels::PROJECT) {
            None => plan.warnings.push(format!(
                "volume \"{name}\" already exists but was not created by Docker Compose. Use `external: true` to use an existing volume"
            )),
            Some(p) if *p != spec.name => plan.warnings.push(format!(
                "volume \"{name}\" already exists but was created for project \"{p}\" (expected \"{}\"). Use `external: true` to use an existing volume",
                spec.name
            )),
            Some(_) => {}
        }
        let want = v
            .create
            .labels
            .as_ref()
            .and_then(|l| l.get(labels::CONFIG_HASH));
        let diverged = matches!(
            (have.get(labels::CONFIG_HASH), want),
            (Some(have), Some(want)) if have != want
        );
        plan.steps.push(if diverged {
            VolumeStep::Diverged { name }
        } else {
            VolumeStep::Keep { name }
        });
    }
    Ok(plan)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn project(yaml: &str) -> ProjectSpec {
        crate::spec::project_spec(&crate::spec::tests::load(yaml, &[]))
    }

    fn labels(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_string(), (*v).to_string()))
            .collect()
    }

    /// The labels `up` gives network `key` of project `p`.
    fn made_by_up(spec: &ProjectSpec, key: &str) -> HashMap<String, String> {
        let n = spec.networks.iter().find(|n| n.key == key).unwrap();
        n.create.labels.clone().unwrap()
    }

    /// Service `a` on `front`, `b` on `back`; only `a` selected.
    fn two_nets() -> ProjectSpec {
        let mut spec = project("services:\n  a:\n    image: x\n    networks: [front]\n  b:\n    image: x\n    networks: [back]\nnetworks:\n  front: {}\n  back: {}\n");
        spec.select(&["a".to_string()], true).unwrap();
        spec
    }

    #[test]
    fn missing_networks_are_created_and_unused_ones_left_alone() {
        let spec = two_nets();
        let plan = plan_networks(&spec, &Found::new()).unwrap();
        assert_eq!(
            plan.steps,
            vec![NetworkStep::Create {
                name: "p_front".into()
            }]
        );
        assert!(plan.warnings.is_empty());
        assert_eq!(networks_to_look_up(&spec), vec!["p_front".to_string()]);
    }

    #[test]
    fn all_resources_plans_the_unused_networks_too() {
        let mut spec = two_nets();
        spec.all_resources = true;
        let plan = plan_networks(&spec, &Found::new()).unwrap();
        assert_eq!(plan.steps.len(), 2);
    }

    #[test]
    fn a_matching_network_is_kept_and_a_changed_one_recreated() {
        let spec = two_nets();
        let mut found = Found::new();
        found.insert("p_front".into(), made_by_up(&spec, "front"));
        let plan = plan_networks(&spec, &found).unwrap();
        assert_eq!(
            plan.steps,
            vec![NetworkStep::Keep {
                name: "p_front".into()
            }]
        );
        let mut changed = made_by_up(&spec, "front");
        changed.insert(labels::CONFIG_HASH.into(), "other".into());
        found.insert("p_front".into(), changed);
        let plan = plan_networks(&spec, &found).unwrap();
        assert_eq!(
            plan.steps,
            vec![NetworkStep::Recreate {
                name: "p_front".into()
            }]
        );
    }

    #[test]
    fn a_network_made_elsewhere_is_used_with_a_warning() {
        let spec = two_nets();
        let mut found = Found::new();
        found.insert("p_front".into(), labels(&[(labels::NETWORK, "front")]));
        let plan = plan_networks(&spec, &found).unwrap();
        assert_eq!(
            plan.steps,
            vec![NetworkStep::Keep {
                name: "p_front".into()
            }]
        );
        assert_eq!(
            plan.warnings,
            vec!["a network with name p_front exists but was not created by compose.\nSet `external: true` to use an existing network".to_string()]
        );
        found.insert(
            "p_front".into(),
            labels(&[(labels::NETWORK, "front"), (labels::PROJECT, "q")]),
        );
        let plan = plan_networks(&spec, &found).unwrap();
        assert!(plan.warnings[0].contains("was not created for project \"p\""));
    }

    #[test]
    fn a_network_made_for_another_key_is_refused() {
        let spec = two_nets();
        let mut found = Found::new();
        found.insert(
            "p_front".into(),
            labels(&[(labels::PROJECT, "p"), (labels::NETWORK, "back")]),
        );
        assert_eq!(
            plan_networks(&spec, &found).unwrap_err(),
            "network p_front was found but has incorrect label com.docker.compose.network set to \"back\" (expected: \"front\")"
        );
    }

    /// A missing external network stops `up` before anything is made, even when it comes
    /// after networks that would be created.
    #[test]
    fn a_missing_external_network_is_refused_before_anything_is_made() {
        let spec = project("services:\n  a:\n    image: x\n    networks: [front, ext]\nnetworks:\n  front: {}\n  ext:\n    external: true\n");
        assert_eq!(
            plan_networks(&spec, &Found::new()).unwrap_err(),
            "network ext declared as external, but could not be found"
        );
        let mut found = Found::new();
        found.insert("ext".into(), HashMap::new());
        let plan = plan_networks(&spec, &found).unwrap();
        assert_eq!(
            plan.steps,
            vec![
                NetworkStep::Create {
                    name: "p_front".into()
                },
                NetworkStep::Keep { name: "ext".into() }
            ]
        );
    }

    const VOLUMES: &str = "services:\n  a:\n    image: x\n    volumes: [data:/d, ext:/e]\nvolumes:\n  data: {}\n  ext:\n    external: true\n";

    #[test]
    fn volumes_are_created_kept_or_found_diverged() {
        let spec = project(VOLUMES);
        let mut found = Found::new();
        assert_eq!(
            plan_volumes(&spec, &found).unwrap_err(),
            "external volume \"ext\" not found"
        );
        found.insert("ext".into(), HashMap::new());
        let plan = plan_volumes(&spec, &found).unwrap();
        assert_eq!(
            plan.steps,
            vec![
                VolumeStep::Create {
                    name: "p_data".into()
                },
                VolumeStep::Keep { name: "ext".into() }
            ]
        );
        let mine = spec.volumes[0].create.labels.clone().unwrap();
        found.insert("p_data".into(), mine.clone());
        let plan = plan_volumes(&spec, &found).unwrap();
        assert_eq!(
            plan.steps[0],
            VolumeStep::Keep {
                name: "p_data".into()
            }
        );
        assert!(plan.warnings.is_empty());
        let mut changed = mine;
        changed.insert(labels::CONFIG_HASH.into(), "other".into());
        found.insert("p_data".into(), changed);
        assert_eq!(
            plan_volumes(&spec, &found).unwrap().steps[0],
            VolumeStep::Diverged {
                name: "p_data".into()
            }
        );
    }

    #[test]
    fn a_volume_made_elsewhere_is_used_with_a_warning() {
        let spec = project(VOLUMES);
        let mut found = Found::new();
        found.insert("ext".into(), HashMap::new());
        found.insert("p_data".into(), labels(&[(labels::PROJECT, "q")]));
        let plan = plan_volumes(&spec, &found).unwrap();
        assert_eq!(
            plan.warnings,
            vec!["volume \"p_data\" already exists but was created for project \"q\" (expected \"p\"). Use `external: true` to use an existing volume".to_string()]
        );
        assert_eq!(
            plan.steps[0],
            VolumeStep::Keep {
                name: "p_data".into()
            }
        );
    }
}
