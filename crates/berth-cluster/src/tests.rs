use berth_model::Project;
use bollard_stubs::models::{
    EndpointPortConfigPublishModeEnum, ServiceSpec, TaskSpecRestartPolicyConditionEnum,
};

use crate::swarm::{service_spec, LABEL_IMAGE, LABEL_NAMESPACE};

/// Each diagnostic's message and the line it points at: `MESSAGE line N`.
pub(crate) fn said_at(p: &Project, diags: &[berth_model::Diagnostic]) -> Vec<String> {
    diags
        .iter()
        .map(|d| {
            let at = d
                .primary_span()
                .and_then(|s| p.sources.location(s))
                .unwrap_or_default();
            let line = at.rsplit(':').nth(1).unwrap_or_default().to_string();
            format!("{} line {line}", d.message)
        })
        .collect()
}

pub(crate) fn load(yaml: &str) -> Project {
    let d = tempfile::tempdir().expect("temp dir");
    std::fs::write(d.path().join("compose.yaml"), yaml).expect("write");
    let mut opts =
        berth_loader::load::Options::new(d.path().to_path_buf(), indexmap::IndexMap::new());
    opts.project_name = Some("p".into());
    berth_loader::load::load(&opts).unwrap_or_else(|e| panic!("{}", e.render()))
}

fn spec(yaml: &str, service: &str) -> ServiceSpec {
    let p = load(yaml);
    let s = p.service(service).expect("service");
    service_spec(&p, "st", s).expect("converts")
}

#[test]
fn a_service_is_named_labelled_and_run_as_docker_stack_deploy_makes_it() {
    let s = spec(
        "services:\n  web:\n    image: nginx:1.27\n    entrypoint: [nginx]\n    command: [-g, daemon off;]\n    environment: {B: \"2\", A: \"1\", C: null}\n    extra_hosts: [\"db:10.0.0.2\"]\n    labels: {tier: front}\n    deploy:\n      replicas: 2\n      labels: {team: ops}\n",
        "web",
    );
    assert_eq!(s.name.as_deref(), Some("st_web"));
    let labels = s.labels.expect("labels");
    assert_eq!(labels[LABEL_NAMESPACE], "st");
    assert_eq!(labels[LABEL_IMAGE], "nginx:1.27");
    assert_eq!(labels["team"], "ops");
    let task = s.task_template.expect("task");
    let c = task.container_spec.expect("container");
    assert_eq!(c.command, Some(vec!["nginx".to_string()]));
    assert_eq!(
        c.args,
        Some(vec!["-g".to_string(), "daemon off;".to_string()])
    );
    assert_eq!(
        c.env,
        Some(vec!["A=1".to_string(), "B=2".to_string(), "C".to_string()])
    );
    assert_eq!(c.hosts, Some(vec!["10.0.0.2 db".to_string()]));
    let container_labels = c.labels.expect("container labels");
    assert_eq!(container_labels["tier"], "front");
    assert_eq!(container_labels[LABEL_NAMESPACE], "st");
    assert_eq!(
        s.mode.and_then(|m| m.replicated).and_then(|r| r.replicas),
        Some(2)
    );
    // The default network, scoped, with the service's name as an alias.
    let nets = task.networks.expect("networks");
    assert_eq!(nets[0].target.as_deref(), Some("st_default"));
    assert_eq!(nets[0].aliases, Some(vec!["web".to_string()]));
}

#[test]
fn networks_are_scoped_or_named_and_sorted() {
    let s = spec(
        "services:\n  api:\n    image: app:1\n    networks:\n      zeta: {aliases: [backend]}\n      alpha: {}\nnetworks:\n  zeta: {}\n  alpha:\n    name: shared-alpha\n",
        "api",
    );
    let nets = s.task_template.and_then(|t| t.networks).expect("networks");
    let targets: Vec<_> = nets
        .iter()
        .map(|n| n.target.clone().unwrap_or_default())
        .collect();
    assert_eq!(targets, ["shared-alpha", "st_zeta"]);
    assert_eq!(
        nets[1].aliases,
        Some(vec!["backend".to_string(), "api".to_string()])
    );
}

#[test]
fn restart_falls_back_to_the_services_own_policy() {
    let legacy = spec(
        "services:\n  a:\n    image: x:1\n    restart: on-failure:3\n",
        "a",
    );
    let p = legacy
        .task_template
        .and_then(|t| t.restart_policy)
        .expect("policy");
    assert_eq!(
        p.condition,
        Some(TaskSpecRestartPolicyConditionEnum::ON_FAILURE)
    );
    assert_eq!(p.max_attempts, Some(3));
    let deploy = spec(
        "services:\n  a:\n    image: x:1\n    restart: always\n    deploy:\n      restart_policy: {condition: none, delay: 5s}\n",
        "a",
    );
    let p = deploy
        .task_template
        .and_then(|t| t.restart_policy)
        .expect("policy");
    assert_eq!(p.condition, Some(TaskSpecRestartPolicyConditionEnum::NONE));
    assert_eq!(p.delay, Some(5_000_000_000));
    let none = spec(
        "services:\n  a:\n    image: x:1\n    restart: \"no\"\n",
        "a",
    );
    assert!(none.task_template.and_then(|t| t.restart_policy).is_none());
}

#[test]
fn ports_resources_and_modes() {
    let s = spec(
        "services:\n  a:\n    image: x:1\n    ports:\n      - \"8081-8082:80\"\n      - {target: 53, published: \"5353\", protocol: udp, mode: host}\n    deploy:\n      mode: global\n      resources:\n        limits: {cpus: \"0.5\", memory: 64M}\n",
        "a",
    );
    let ports = s.endpoint_spec.and_then(|e| e.ports).expect("ports");
    let published: Vec<_> = ports.iter().map(|p| p.published_port).collect();
    assert_eq!(published, [Some(5353), Some(8081), Some(8082)]);
    assert_eq!(
        ports[0].publish_mode,
        Some(EndpointPortConfigPublishModeEnum::HOST)
    );
    assert!(s.mode.as_ref().is_some_and(|m| m.global.is_some()));
    let limits = s
        .task_template
        .and_then(|t| t.resources)
        .and_then(|r| r.limits)
        .expect("limits");
    assert_eq!(limits.nano_cpus, Some(500_000_000));
    assert_eq!(limits.memory_bytes, Some(64 * 1024 * 1024));
}

#[test]
fn replicas_with_a_global_mode_are_refused_as_the_docker_cli_refuses_them() {
    let p = load("services:\n  a:\n    image: x:1\n    deploy: {mode: global, replicas: 2}\n");
    let e = service_spec(&p, "st", p.service("a").expect("a")).unwrap_err();
    assert_eq!(
        e.to_string(),
        "service a: replicas can only be used with replicated or replicated-job mode"
    );
}

#[test]
fn what_swarm_cannot_carry_is_reported_where_it_is_written() {
    let p = load(
        "services:\n  a:\n    image: x:1\n    container_name: fixed\n    privileged: true\n    deploy:\n      resources:\n        reservations:\n          devices: [{capabilities: [gpu]}]\n    depends_on:\n      b: {condition: service_healthy, restart: true}\n  b:\n    image: y:1\n    healthcheck: {test: [CMD, \"true\"]}\n",
    );
    let losses = crate::loss::losses(&p.service("a").expect("a"));
    let said = said_at(&p, &losses);
    assert_eq!(
        said,
        [
            "service \"a\": `container_name` is not supported by Docker Swarm and is ignored line 4",
            "service \"a\": `privileged` is not supported by Docker Swarm and is ignored line 5",
            "service \"a\": `deploy.resources.reservations.devices` is not supported by Docker Swarm and is ignored line 9",
            "service \"a\": `depends_on.restart` is not supported by Docker Swarm and is ignored line 11",
        ]
    );
}

#[test]
fn update_and_rollback_configs_take_the_docker_clis_defaults() {
    use bollard_stubs::models::{
        ServiceSpecRollbackConfigFailureActionEnum, ServiceSpecUpdateConfigOrderEnum,
    };
    let s = spec(
        "services:\n  a:\n    image: x:1\n    deploy:\n      update_config: {delay: 10s, order: start-first}\n      rollback_config: {parallelism: 2, failure_action: pause}\n",
        "a",
    );
    let u = s.update_config.expect("update config");
    assert_eq!(u.parallelism, Some(1));
    assert_eq!(u.delay, Some(10_000_000_000));
    assert_eq!(u.order, Some(ServiceSpecUpdateConfigOrderEnum::START_FIRST));
    let r = s.rollback_config.expect("rollback config");
    assert_eq!(r.parallelism, Some(2));
    assert_eq!(
        r.failure_action,
        Some(ServiceSpecRollbackConfigFailureActionEnum::PAUSE)
    );
}

#[test]
fn volumes_become_the_stacks_mounts() {
    use bollard_stubs::models::MountTypeEnum;
    let s = spec(
        "services:\n  db:\n    image: x:1\n    volumes:\n      - data:/var/lib/data\n      - shared:/shared:ro\n      - /anon\n      - ./conf:/etc/conf\n      - {type: tmpfs, target: /tmp, tmpfs: {size: 1m}}\nvolumes:\n  data:\n    driver: local\n    labels: {backup: daily}\n  shared:\n    external: true\n    name: the-shared-one\n",
        "db",
    );
    let mounts = s
        .task_template
        .and_then(|t| t.container_spec)
        .and_then(|c| c.mounts)
        .expect("mounts");
    let data = &mounts[0];
    assert_eq!(data.typ, Some(MountTypeEnum::VOLUME));
    assert_eq!(data.source.as_deref(), Some("st_data"));
    let options = data.volume_options.clone().expect("options");
    let labels = options.labels.expect("labels");
    assert_eq!(labels["backup"], "daily");
    assert_eq!(labels[crate::swarm::LABEL_NAMESPACE], "st");
    assert_eq!(
        options.driver_config.and_then(|d| d.name).as_deref(),
        Some("local")
    );
    let shared = &mounts[1];
    assert_eq!(shared.source.as_deref(), Some("the-shared-one"));
    assert_eq!(shared.read_only, Some(true));
    assert!(
        shared
            .volume_options
            .as_ref()
            .and_then(|o| o.labels.as_ref())
            .is_none(),
        "an external volume is not the stack's"
    );
    assert_eq!(mounts[2].source, None, "anonymous");
    assert_eq!(mounts[3].typ, Some(MountTypeEnum::BIND));
    assert!(mounts[3]
        .source
        .as_deref()
        .is_some_and(|s| s.ends_with("/conf")));
    assert_eq!(mounts[4].typ, Some(MountTypeEnum::TMPFS));
    assert_eq!(
        mounts[4].tmpfs_options.as_ref().and_then(|t| t.size_bytes),
        Some(1024 * 1024)
    );
}

#[test]
fn a_dependency_waited_on_to_complete_is_a_job() {
    let p = load(
        "services:\n  init:\n    image: x:1\n    deploy:\n      replicas: 2\n  app:\n    image: y:1\n    depends_on:\n      init: {condition: service_completed_successfully}\n",
    );
    let stack = crate::stack::Stack::of(&p, "st").expect("stack");
    let init = &stack.services[0];
    assert!(init.job);
    let mode = init.spec.mode.as_ref().expect("mode");
    assert!(mode.replicated.is_none());
    let job = mode.replicated_job.as_ref().expect("job");
    assert_eq!(
        (job.max_concurrent, job.total_completions),
        (Some(2), Some(2))
    );
    let restart = init
        .spec
        .task_template
        .as_ref()
        .and_then(|t| t.restart_policy.as_ref())
        .and_then(|r| r.condition);
    assert_eq!(restart, Some(TaskSpecRestartPolicyConditionEnum::NONE));
    let app = &stack.services[1];
    assert_eq!(
        app.gates,
        vec![(
            "init".to_string(),
            berth_model::dependency::Condition::CompletedSuccessfully
        )]
    );
}

#[test]
fn the_stack_file_takes_the_docker_clis_forms() {
    use berth_model::value::Value;
    let p = load(
        "services:\n  app:\n    image: x:1\n    privileged: true\n    ports: [\"8001-8002:9001-9002\"]\n    extra_hosts: [\"db:10.0.0.2\"]\n    secrets:\n      - source: key\n        mode: 0400\n      - token\n    depends_on:\n      db: {condition: service_healthy}\n  db:\n    image: y:1\nnetworks:\n  back: {}\nsecrets:\n  key:\n    file: ./key.txt\n  token:\n    environment: TOKEN\n",
    );
    let (file, losses) = crate::stackfile::stack_file(&p, "st");
    let app = file.path(&["services", "app"]).expect("app");
    assert!(app.get("privileged").is_none());
    let published: Vec<i64> = app
        .get("ports")
        .and_then(Value::as_seq)
        .expect("ports")
        .iter()
        .filter_map(|port| port.get("published").and_then(Value::as_i64))
        .collect();
    assert_eq!(published, [8001, 8002]);
    let deps: Vec<&str> = app
        .get("depends_on")
        .and_then(Value::as_seq)
        .expect("depends_on")
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert_eq!(deps, ["db"]);
    let secret = &app.get("secrets").and_then(Value::as_seq).expect("secrets")[0];
    assert_eq!(secret.get("mode").and_then(Value::as_i64), Some(0o400));
    assert!(
        secret.get("target").is_none(),
        "the default target is left out"
    );
    assert_eq!(
        app.path(&["extra_hosts", "db"]).and_then(Value::as_str),
        Some("10.0.0.2")
    );
    // The loader's generated names are left for the Docker CLI to make.
    assert!(file.path(&["networks", "back", "name"]).is_none());
    assert!(file.path(&["secrets", "key", "name"]).is_none());
    // A secret from the environment must exist: it is written as external.
    assert_eq!(
        file.path(&["secrets", "token", "external"])
            .and_then(Value::as_bool),
        Some(true)
    );
    let said: Vec<&str> = losses.iter().map(|d| d.message.as_str()).collect();
    assert!(said.iter().any(|m| m.contains("`privileged`")), "{said:?}");
    assert!(
        said.iter().any(|m| m.contains("written as external")),
        "{said:?}"
    );
}

#[test]
fn a_secret_driver_is_reported_where_it_is_written_and_a_template_driver_is_carried() {
    let p = load(
        "services:\n  a:\n    image: x:1\n    secrets: [s]\n    configs: [c]\nsecrets:\n  s:\n    file: ./s.txt\n    driver: vault\n    template_driver: golang\nconfigs:\n  c:\n    content: hi\n    template_driver: golang\n",
    );
    let stack = crate::stack::Stack::of(&p, "st").expect("converts");
    let said = said_at(&p, &stack.losses);
    assert_eq!(
        said,
        ["secret \"s\": `driver` is not supported by Berth on Docker Swarm and is ignored line 9"]
    );
    let drivers: Vec<Option<&str>> = stack
        .files
        .iter()
        .map(|f| f.template_driver.as_deref())
        .collect();
    assert_eq!(drivers, [Some("golang"), Some("golang")]);
}

#[test]
fn an_image_is_named_with_its_tag_as_the_docker_cli_sends_it() {
    let s = spec("services:\n  a:\n    image: busybox\n", "a");
    let image = s
        .task_template
        .and_then(|t| t.container_spec)
        .and_then(|c| c.image);
    assert_eq!(image.as_deref(), Some("busybox:latest"));
    // The label keeps the image as the file writes it.
    assert_eq!(
        s.labels
            .and_then(|l| l.get(LABEL_IMAGE).cloned())
            .as_deref(),
        Some("busybox")
    );
}
