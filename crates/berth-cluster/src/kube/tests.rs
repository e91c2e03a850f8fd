use berth_model::Project;
use serde_json::Value as Json;

use super::{convert, to_yaml, Options};

fn load(yaml: &str) -> Project {
    let d = tempfile::tempdir().expect("temp dir");
    std::fs::write(d.path().join("compose.yaml"), yaml).expect("write");
    let mut opts =
        berth_loader::load::Options::new(d.path().to_path_buf(), indexmap::IndexMap::new());
    opts.project_name = Some("p".into());
    berth_loader::load::load(&opts).unwrap_or_else(|e| panic!("{}", e.render()))
}

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
    let said: Vec<String> = m
        .losses
        .iter()
        .map(|d| {
            let at = d
                .primary_span()
                .and_then(|s| p.sources.location(s))
                .unwrap_or_default();
            let line = at.rsplit(':').nth(1).unwrap_or_default().to_string();
            let head = d.message.split(':').take(2).collect::<Vec<_>>().join(":");
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
