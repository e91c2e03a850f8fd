use serde_json::Value as Json;

use super::{convert, to_yaml, Options};
use crate::tests::{load, said_at};

fn objects(yaml: &str) -> Vec<Json> {
    convert(&load(yaml), &Options::default())
        .expect("converts")
        .objects
}

/// The object of `kind` named `name`.
fn find<'a>(all: &'a [Json], kind: &str, name: &str) -> &'a Json {
    all.iter()
        .find(|o| o["kind"] == kind && o["metadata"]["name"] == name)
        .unwrap_or_else(|| panic!("no {kind} {name} in {all:#?}"))
}

#[test]
fn each_service_gets_the_workload_its_shape_asks_for() {
    let all = objects(
        "services:\n  db:\n    image: pg\n    volumes: [data:/var/lib/data]\n  web:\n    image: w\n    deploy: {replicas: 2}\n    volumes: [data2:/d]\n  agent:\n    image: a\n    deploy: {mode: global}\n  once:\n    image: o\n  app:\n    image: x\n    depends_on:\n      once: {condition: service_completed_successfully}\n  batch:\n    image: b\n    deploy: {mode: replicated-job, replicas: 3}\nvolumes:\n  data: {}\n  data2: {}\n",
    );
    let kinds: Vec<(String, String)> = all
        .iter()
        .map(|o| {
            (
                o["kind"].as_str().unwrap_or_default().to_string(),
                o["metadata"]["name"]
                    .as_str()
                    .unwrap_or_default()
                    .to_string(),
            )
        })
        .collect();
    let has = |k: &str, n: &str| kinds.contains(&(k.to_string(), n.to_string()));
    assert!(has("StatefulSet", "db"), "{kinds:?}");
    // Two replicas share the claim: a Deployment and a claim of its own.
    assert!(has("Deployment", "web") && has("PersistentVolumeClaim", "data2"));
    assert!(has("DaemonSet", "agent"));
    assert!(has("Job", "once") && has("Job", "batch"));
    assert!(has("Deployment", "app") && has("ServiceAccount", "p-job-waiter"));
    assert_eq!(find(&all, "Job", "batch")["spec"]["completions"], 3);
    let db = find(&all, "StatefulSet", "db");
    assert_eq!(
        db["spec"]["volumeClaimTemplates"][0]["metadata"]["name"],
        "data"
    );
}

#[test]
fn a_healthcheck_becomes_probes_with_its_command_and_timings() {
    let all = objects(
        "services:\n  a:\n    image: x\n    healthcheck:\n      test: [CMD, curl, -f, http://localhost/]\n      interval: 10s\n      timeout: 2500ms\n      retries: 4\n      start_period: 30s\n      start_interval: 2s\n",
    );
    let c = &find(&all, "Deployment", "a")["spec"]["template"]["spec"]["containers"][0];
    for probe in ["readinessProbe", "livenessProbe"] {
        assert_eq!(
            c[probe]["exec"]["command"],
            serde_json::json!(["curl", "-f", "http://localhost/"])
        );
        assert_eq!(c[probe]["periodSeconds"], 10);
        assert_eq!(c[probe]["timeoutSeconds"], 3);
        assert_eq!(c[probe]["failureThreshold"], 4);
    }
    // 30 s of start period at one try each 2 s, then the retries.
    assert_eq!(c["startupProbe"]["periodSeconds"], 2);
    assert_eq!(c["startupProbe"]["failureThreshold"], 19);
}

#[test]
fn a_health_gated_dependency_is_an_init_container_waiting_for_its_service() {
    let all = objects(
        "services:\n  db:\n    image: pg\n    expose: [\"5432\"]\n    healthcheck: {test: [CMD, ready]}\n  api:\n    image: a\n    depends_on:\n      db: {condition: service_healthy}\n",
    );
    let init = &find(&all, "Deployment", "api")["spec"]["template"]["spec"]["initContainers"];
    assert_eq!(init[0]["name"], "wait-for-db");
    assert_eq!(init[0]["image"], super::DEFAULT_WAIT_IMAGE);
    let script = init[0]["command"][2].as_str().unwrap_or_default();
    assert!(script.contains("nc -z -w 2 db 5432"), "{script}");
}

/// The loader writes `shm_size` in bytes as a string; the settings read only integers, so a
/// pod (and a container of `up`) lost its /dev/shm size.
#[test]
fn shm_size_as_the_loader_writes_it_is_kept() {
    let all = objects("services:\n  a:\n    image: x\n    shm_size: 64M\n");
    let spec = &find(&all, "Deployment", "a")["spec"]["template"]["spec"];
    assert_eq!(spec["volumes"][0]["emptyDir"]["sizeLimit"], "64Mi");
    assert_eq!(
        spec["containers"][0]["volumeMounts"][0]["mountPath"],
        "/dev/shm"
    );
}

#[test]
fn names_are_mapped_to_dns_labels_and_told_apart() {
    let p = load("services:\n  my_app:\n    image: x\n  my-app:\n    image: y\n");
    let m = convert(&p, &Options::default()).expect("converts");
    let names: Vec<&str> = m
        .objects
        .iter()
        .filter_map(|o| o["metadata"]["name"].as_str())
        .collect();
    assert!(names.contains(&"my-app"));
    let other = names
        .iter()
        .find(|n| n.starts_with("my-app-"))
        .expect("the other name told apart");
    assert!(super::names::is_label(other));
    assert_eq!(m.renamed.len(), 1);
}

#[test]
fn the_output_is_the_same_bytes_each_time() {
    let yaml = "services:\n  b:\n    image: x\n    ports: [\"80:80\"]\n    environment: {Z: \"1\", A: \"2\"}\n  a:\n    image: y\n    depends_on: [b]\n";
    let first = to_yaml(&objects(yaml));
    for _ in 0..3 {
        assert_eq!(to_yaml(&objects(yaml)), first);
    }
}

#[test]
fn what_kubernetes_cannot_keep_is_reported_where_it_is_written() {
    let p = load(
        "services:\n  a:\n    image: x\n    container_name: fixed\n    ulimits: {nofile: 1024}\n    volumes: [./data:/data]\n",
    );
    let m = convert(&p, &Options::default()).expect("converts");
    // The headline up to the setting's name, and the line.
    let said: Vec<String> = said_at(&p, &m.losses)
        .iter()
        .map(|l| {
            let (message, line) = l.rsplit_once(" line ").unwrap_or_default();
            let head = message.split(':').take(2).collect::<Vec<_>>().join(":");
            format!("{head} line {line}")
        })
        .collect();
    assert_eq!(
        said,
        [
            "service \"a\": `container_name` line 4",
            "service \"a\": `ulimits` line 5",
            "service \"a\": `volumes` line 6",
        ]
    );
}

/// Pod-to-pod reachability under NetworkPolicies, as Kubernetes decides it, for traffic on
/// any port: a connection from pod A to pod B is allowed when A's policies (if any select it
/// for egress) have a rule without ports whose peers match B, and B's policies (if any select
/// it for ingress) have a rule without ports whose peers match A. Peers are pods of this
/// namespace (`podSelector`), or every pod (`namespaceSelector: {}` alone); an `ipBlock`
/// stands for addresses outside the cluster.
mod reach {
    use serde_json::Value as Json;

    pub struct Pod {
        pub service: String,
        labels: serde_json::Map<String, Json>,
    }

    fn selects(selector: &Json, labels: &serde_json::Map<String, Json>) -> bool {
        selector
            .get("matchLabels")
            .and_then(Json::as_object)
            .is_none_or(|m| m.iter().all(|(k, v)| labels.get(k) == Some(v)))
    }

    fn peer_is(peer: &Json, pod: &Pod) -> bool {
        match (peer.get("podSelector"), peer.get("namespaceSelector")) {
            (Some(p), None) => selects(p, &pod.labels),
            (None, Some(ns)) => ns.as_object().is_some_and(serde_json::Map::is_empty),
            _ => false,
        }
    }

    /// The pods of the workloads among `objects`.
    pub fn pods(objects: &[Json]) -> Vec<Pod> {
        objects
            .iter()
            .filter(|o| {
                matches!(
                    o["kind"].as_str(),
                    Some("Deployment" | "StatefulSet" | "DaemonSet" | "Job")
                )
            })
            .map(|o| Pod {
                service: o["metadata"]["name"]
                    .as_str()
                    .unwrap_or_default()
                    .to_string(),
                labels: o["spec"]["template"]["metadata"]["labels"]
                    .as_object()
                    .cloned()
                    .unwrap_or_default(),
            })
            .collect()
    }

    /// The rules (`ingress` or `egress`) of the policies selecting `pod` for `kind`; `None`
    /// when no policy does (all traffic allowed).
    fn rules<'a>(policies: &'a [Json], pod: &Pod, kind: &str, list: &str) -> Option<Vec<&'a Json>> {
        let mine: Vec<&Json> = policies
            .iter()
            .filter(|p| p["kind"] == "NetworkPolicy")
            .filter(|p| selects(&p["spec"]["podSelector"], &pod.labels))
            .filter(|p| {
                p["spec"]["policyTypes"]
                    .as_array()
                    .is_some_and(|t| t.iter().any(|t| t == kind))
            })
            .collect();
        if mine.is_empty() {
            return None;
        }
        Some(
            mine.iter()
                .flat_map(|p| p["spec"][list].as_array().into_iter().flatten())
                .collect(),
        )
    }

    fn allows(rules: Option<Vec<&Json>>, side: &str, other: &Pod) -> bool {
        rules.is_none_or(|rules| {
            rules.iter().any(|r| {
                r.get("ports").is_none()
                    && r.get(side)
                        .and_then(Json::as_array)
                        .is_none_or(|peers| peers.iter().any(|p| peer_is(p, other)))
            })
        })
    }

    /// Whether `from` may open a connection to `to` on any port.
    pub fn reaches(objects: &[Json], from: &Pod, to: &Pod) -> bool {
        allows(rules(objects, from, "Egress", "egress"), "to", to)
            && allows(rules(objects, to, "Ingress", "ingress"), "from", from)
    }

    /// Whether `pod` may reach addresses outside the cluster on any port.
    pub fn reaches_world(objects: &[Json], pod: &Pod) -> bool {
        rules(objects, pod, "Egress", "egress").is_none_or(|rules| {
            rules.iter().any(|r| {
                r.get("ports").is_none()
                    && r["to"].as_array().is_some_and(|peers| {
                        peers.iter().any(|p| p["ipBlock"]["cidr"] == "0.0.0.0/0")
                    })
            })
        })
    }
}

/// The fog-compute production pattern with its betanet: pod reachability under the
/// generated NetworkPolicies is exactly the container reachability of the compose networks
/// (two containers reach each other when they share a network), and pods reach the world
/// unless all their networks are internal.
#[test]
fn network_policies_give_pods_the_reachability_of_the_compose_networks() {
    let dir =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/fog-compute-after");
    let mut opts = berth_loader::load::Options::new(dir, indexmap::IndexMap::new());
    opts.files = [
        "docker-compose.yml",
        "docker-compose.prod.yml",
        "docker-compose.betanet.yml",
    ]
    .iter()
    .map(std::path::PathBuf::from)
    .collect();
    let p = berth_loader::load::load(&opts).unwrap_or_else(|e| panic!("{}", e.render()));
    let objects = convert(&p, &Options::default()).expect("converts").objects;
    let pods = reach::pods(&objects);
    assert_eq!(pods.len(), p.services().count());
    let networks = |name: &str| -> Vec<String> {
        p.services()
            .find(|s| super::names::label(s.name) == name)
            .map(|s| s.networks().map(str::to_string).collect())
            .unwrap_or_default()
    };
    let mut pairs = 0;
    for a in &pods {
        for b in &pods {
            if a.service == b.service {
                continue;
            }
            let shared = networks(&a.service)
                .iter()
                .any(|n| networks(&b.service).contains(n));
            assert_eq!(
                reach::reaches(&objects, a, b),
                shared,
                "{} -> {}",
                a.service,
                b.service
            );
            pairs += 1;
        }
        let internal_only = networks(&a.service)
            .iter()
            .all(|n| p.network_def(n).and_then(|d| d.internal) == Some(true));
        assert_eq!(
            reach::reaches_world(&objects, a),
            !internal_only,
            "{}",
            a.service
        );
    }
    assert_eq!(pairs, 17 * 16, "every ordered pair of the 17 services");
    // The seed's design, spelled out.
    let pod = |n: &str| pods.iter().find(|p| p.service == n).expect(n);
    assert!(reach::reaches(&objects, pod("backend"), pod("postgres")));
    assert!(!reach::reaches(&objects, pod("frontend"), pod("postgres")));
    assert!(reach::reaches(&objects, pod("prometheus"), pod("backend")));
    assert!(!reach::reaches(
        &objects,
        pod("prometheus"),
        pod("frontend")
    ));
    assert!(reach::reaches(
        &objects,
        pod("betanet-mixnode-1"),
        pod("betanet-mixnode-2")
    ));
    assert!(!reach::reaches(
        &objects,
        pod("frontend"),
        pod("betanet-mixnode-1")
    ));
    assert!(!reach::reaches_world(&objects, pod("postgres")));
}

/// hw-server's Traefik routes become Ingress rules for its four hosts, each to the routed
/// service's Service on the router's port, which that Service has.
#[test]
fn traefik_routes_become_ingress_rules_on_the_right_ports() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/hw-server");
    let opts = berth_loader::load::Options::new(dir, indexmap::IndexMap::new());
    let p = berth_loader::load::load(&opts).unwrap_or_else(|e| panic!("{}", e.render()));
    let objects = convert(&p, &Options::default()).expect("converts").objects;
    let mut routes: Vec<(String, String, String, u64)> = Vec::new();
    for o in objects.iter().filter(|o| o["kind"] == "Ingress") {
        for rule in o["spec"]["rules"].as_array().into_iter().flatten() {
            for path in rule["http"]["paths"].as_array().into_iter().flatten() {
                let backend = &path["backend"]["service"];
                let service = backend["name"].as_str().unwrap_or_default().to_string();
                let port = backend["port"]["number"].as_u64().unwrap_or_default();
                // The Service the rule names has the port.
                let svc = find(&objects, "Service", &service);
                assert!(
                    svc["spec"]["ports"]
                        .as_array()
                        .is_some_and(|ps| ps.iter().any(|p| p["port"] == port)),
                    "{service} has no port {port}"
                );
                routes.push((
                    rule["host"].as_str().unwrap_or_default().to_string(),
                    path["path"].as_str().unwrap_or_default().to_string(),
                    service,
                    port,
                ));
            }
        }
    }
    routes.sort();
    let want = [
        ("api.localhost", "/", "hw-server", 8000),
        ("api.localhost", "/web", "hw-server", 8000),
        ("grafana.localhost", "/", "grafana", 3000),
        ("keycloak.localhost", "/", "hw-keycloak", 8080),
        ("prometheus.localhost", "/", "prometheus", 9090),
    ];
    let want: Vec<(String, String, String, u64)> = want
        .iter()
        .map(|(h, p, s, n)| ((*h).into(), (*p).into(), (*s).into(), *n))
        .collect();
    assert_eq!(routes, want);
}

/// A router names the container's port; the Ingress rule names the Service's port in front
/// of it (the published one), and a router without a port takes the service's only port.
#[test]
fn an_ingress_rule_names_the_services_port_for_the_routers_container_port() {
    let all = objects(
        "services:\n  web:\n    image: w\n    ports: [\"8081:80\"]\n    labels:\n      traefik.http.routers.web.rule: Host(`web.localhost`)\n",
    );
    let ing = find(&all, "Ingress", "web");
    let backend = &ing["spec"]["rules"][0]["http"]["paths"][0]["backend"]["service"];
    assert_eq!(backend["port"]["number"], 8081);
    let svc = find(&all, "Service", "web");
    assert_eq!(svc["spec"]["ports"][0]["port"], 8081);
    assert_eq!(svc["spec"]["ports"][0]["targetPort"], 80);
}

/// `x-berth: {kubernetes: {autoscale}}` gives the service's workload an autoscaler; without a
/// CPU request the autoscaler has nothing to measure against, which is reported.
#[test]
fn a_service_asking_for_autoscaling_gets_an_autoscaler() {
    let p = load(
        "services:\n  api:\n    image: a\n    deploy:\n      resources:\n        reservations: {cpus: \"0.5\"}\n    x-berth:\n      kubernetes:\n        autoscale: {min: 2, max: 8, cpu: 60}\n  bare:\n    image: b\n    x-berth:\n      kubernetes:\n        autoscale: {max: 4}\n",
    );
    let m = convert(&p, &Options::default()).expect("converts");
    let hpa = find(&m.objects, "HorizontalPodAutoscaler", "api");
    assert_eq!(hpa["spec"]["scaleTargetRef"]["kind"], "Deployment");
    assert_eq!(hpa["spec"]["minReplicas"], 2);
    assert_eq!(hpa["spec"]["maxReplicas"], 8);
    assert_eq!(
        hpa["spec"]["metrics"][0]["resource"]["target"]["averageUtilization"],
        60
    );
    let bare = find(&m.objects, "HorizontalPodAutoscaler", "bare");
    assert_eq!(bare["spec"]["minReplicas"], 1);
    assert!(m
        .losses
        .iter()
        .any(|d| d.message.contains("\"bare\"") && d.message.contains("CPU request")));
}

/// `volumes_from: [SERVICE]` mounts that service's named volumes by the same claims (shared,
/// so not a StatefulSet's template); `pid: host` is the pod's host PID namespace, reported.
#[test]
fn volumes_from_shares_the_claims_and_pid_host_is_carried() {
    let p = load(
        "services:\n  data:\n    image: d\n    volumes: [store:/store]\n  reader:\n    image: r\n    volumes_from: [\"data:ro\"]\n    pid: host\nvolumes:\n  store: {}\n",
    );
    let m = convert(&p, &Options::default()).expect("converts");
    find(&m.objects, "PersistentVolumeClaim", "store");
    let reader = &find(&m.objects, "Deployment", "reader")["spec"]["template"]["spec"];
    assert_eq!(reader["hostPID"], true);
    assert_eq!(
        reader["volumes"][0]["persistentVolumeClaim"]["claimName"],
        "store"
    );
    let mount = &reader["containers"][0]["volumeMounts"][0];
    assert_eq!(mount["mountPath"], "/store");
    assert_eq!(mount["readOnly"], true);
    assert!(m.losses.iter().any(|d| d.message.contains("`pid`")));
}

/// How a network is made (its driver, its addresses) and a volume's labels have no place in
/// the manifests: each is reported where it is written.
#[test]
fn network_and_volume_settings_left_out_are_reported() {
    let p = load(
        "services:\n  a:\n    image: x\n    networks: [n]\n    volumes: [\"vol:/v\"]\nnetworks:\n  n:\n    driver: bridge\n    ipam:\n      config: [{subnet: 10.9.0.0/24}]\nvolumes:\n  vol:\n    labels: {backup: daily}\n",
    );
    let m = convert(&p, &Options::default()).expect("converts");
    let said = said_at(&p, &m.losses);
    for (what, line) in [
        ("networks.n.driver", 8),
        ("networks.n.ipam", 10),
        ("volumes.vol.labels", 13),
    ] {
        assert!(
            said.iter()
                .any(|l| l.contains(&format!("`{what}`")) && l.ends_with(&format!(" line {line}"))),
            "{what} at line {line} in {said:#?}"
        );
    }
}
