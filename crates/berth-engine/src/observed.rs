//! The spec of a project known only by its name: what Docker Compose's `projectOrName` falls
//! back to when `-p NAME` is given without `-f` (or only `COMPOSE_PROJECT_NAME` names a project
//! whose files are not found). Its services, networks and volumes are read off the labels of
//! what the engine holds for it, so that `ps`, `logs`, `stop`, `down` and the other commands that
//! act on what exists work from any folder.
//!
//! Pure: the engine listing is done by the caller ([`crate::client::Engine::named_project`]).

use bollard::models::{NetworkCreateRequest, VolumeCreateOptions};

use crate::labels;
use crate::spec::{
    dependency_order, Condition, Dependency, NetworkSpec, ProjectSpec, ServiceSpec, VolumeSpec,
};

/// A network or volume of a project as the engine lists it: its engine name and its key in
/// the compose file (the `com.docker.compose.network` / `.volume` label).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ObservedResource {
    pub name: String,
    pub key: String,
}

/// The `com.docker.compose.depends_on` label (`db:service_started:false,cache:service_healthy:true`:
/// service, condition, restart) read back into dependencies.
fn depends_on_label(label: &str) -> Vec<Dependency> {
    label
        .split(',')
        .filter(|d| !d.is_empty())
        .filter_map(|d| {
            let mut parts = d.splitn(3, ':');
            let service = parts.next()?.to_string();
            let condition = Condition::parse(parts.next().unwrap_or("service_started"));
            let restart = parts.next() == Some("true");
            Some(Dependency {
                service,
                condition,
                required: true,
                restart,
            })
        })
        .collect()
}

/// The spec of a project known only by name, read off what the engine holds for it, as Docker
/// Compose does for `-p NAME` without a compose file: one service per `com.docker.compose.service`
/// label of its containers (in dependency order, from their `depends_on` labels), its
/// containers' images, names and networks, and the networks and volumes labelled with the
/// project. Nothing is created from it: it serves the commands that act on what exists.
#[must_use]
pub fn from_observed(
    name: &str,
    containers: &[crate::client::Observed],
    networks: &[ObservedResource],
    volumes: &[ObservedResource],
) -> ProjectSpec {
    let mut services: Vec<ServiceSpec> = Vec::new();
    let mut sorted: Vec<&crate::client::Observed> = containers.iter().collect();
    sorted.sort_by(|a, b| (&a.service, a.number).cmp(&(&b.service, b.number)));
    for c in sorted {
        if let Some(s) = services.iter_mut().find(|s| s.name == c.service) {
            s.replicas += 1;
            continue;
        }
        let default_name = format!("{name}-{}-{}", c.service, c.number);
        let compat_name = format!("{name}_{}_{}", c.service, c.number);
        services.push(ServiceSpec {
            name: c.service.clone(),
            image: c.image.clone(),
            image_named: true,
            replicas: 1,
            hash: c.hash.clone(),
            container_name: (c.name != default_name && c.name != compat_name)
                .then(|| c.name.clone()),
            depends_on: c
                .labels
                .get(labels::DEPENDS_ON)
                .map(|l| depends_on_label(l))
                .unwrap_or_default(),
            networks: c.networks.clone(),
            volumes: c.volumes.clone(),
            read_only_volumes: c.read_only_volumes.clone(),
            has_healthcheck: c.status.contains("health"),
            // The engine keeps each container's own stop timeout.
            stop_timeout: None,
            build: None,
            pull_policy: None,
            separator: if c.name == compat_name { '_' } else { '-' },
            // Labels do not carry the hooks: a project known only by name runs none, as in
            // Docker Compose.
            post_start: Vec::new(),
            pre_stop: Vec::new(),
            tty: false,
            provider: None,
        });
    }
    let networks = networks
        .iter()
        .map(|n| NetworkSpec {
            key: n.key.clone(),
            name: n.name.clone(),
            external: false,
            hash: String::new(),
            create: NetworkCreateRequest::default(),
        })
        .collect();
    let volumes = volumes
        .iter()
        .map(|v| VolumeSpec {
            key: v.key.clone(),
            name: v.name.clone(),
            external: false,
            create: VolumeCreateOptions::default(),
        })
        .collect();
    ProjectSpec {
        name: name.to_string(),
        networks,
        volumes,
        services: dependency_order(services),
        all_resources: false,
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;
    use crate::client::Observed;

    fn container(service: &str, number: u32, name: &str, depends_on: Option<&str>) -> Observed {
        let mut labels_map = HashMap::new();
        if let Some(d) = depends_on {
            labels_map.insert(labels::DEPENDS_ON.to_string(), d.to_string());
        }
        Observed {
            id: format!("id-{name}"),
            name: name.to_string(),
            service: service.to_string(),
            number,
            hash: "h".into(),
            image_id: None,
            state: "running".into(),
            status: "Up 1 second".into(),
            image: "busybox".into(),
            command: String::new(),
            created: 0,
            labels: labels_map,
            ports: Vec::new(),
            networks: vec!["p_default".into()],
            volumes: Vec::new(),
            read_only_volumes: Vec::new(),
        }
    }

    #[test]
    fn services_come_in_dependency_order_from_the_labels() {
        let containers = vec![
            container(
                "web",
                1,
                "p-web-1",
                Some("db:service_healthy:true,cache:service_started:false"),
            ),
            container("web", 2, "p-web-2", Some("db:service_healthy:true")),
            container("cache", 1, "p-cache-1", Some("")),
            container("db", 1, "fixed-db", None),
        ];
        let spec = from_observed("p", &containers, &[], &[]);
        let names: Vec<&str> = spec.services.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(names, ["cache", "db", "web"]);
        let web = &spec.services[2];
        assert_eq!(web.replicas, 2);
        assert_eq!(web.container_name, None);
        assert_eq!(web.depends_on.len(), 2);
        assert_eq!(web.depends_on[0].condition, Condition::Healthy);
        assert!(web.depends_on[0].restart);
        assert!(!web.depends_on[1].restart);
        assert_eq!(spec.services[1].container_name.as_deref(), Some("fixed-db"));
    }

    #[test]
    fn networks_and_volumes_keep_their_keys() {
        let nets = vec![ObservedResource {
            name: "p_back".into(),
            key: "back".into(),
        }];
        let vols = vec![ObservedResource {
            name: "p_data".into(),
            key: "data".into(),
        }];
        let spec = from_observed("p", &[], &nets, &vols);
        assert_eq!(spec.networks[0].key, "back");
        assert!(!spec.networks[0].external);
        assert_eq!(spec.volumes[0].name, "p_data");
        assert!(spec.services.is_empty());
    }
}
