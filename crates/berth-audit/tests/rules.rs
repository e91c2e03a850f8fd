//! A positive and a negative fixture per rule: each fixture is a small project loaded by the
//! real loader, and the test checks which codes fire, and on which file and line.

use std::path::PathBuf;

use berth_audit::{audit, Context, RunningPort, RULES};
use berth_loader::load::{load, Options};

/// Writes `files` (name, text), loads those named `compose*` (the first is the base file) and
/// returns `code file:line` for every finding.
fn findings_in(files: &[(&str, &str)], production: bool) -> Vec<String> {
    let dir = tempfile::tempdir().expect("temp dir");
    for (name, text) in files {
        let path = dir.path().join(name);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).expect("fixture folder");
        }
        std::fs::write(path, text).expect("write fixture");
    }
    // Variables the fixtures interpolate, as a deployment would set them.
    let env = ["PG_PASSWORD", "P", "REDIS_PASSWORD"]
        .iter()
        .map(|k| ((*k).to_string(), "from-the-environment".to_string()))
        .collect();
    let mut opts = Options::new(dir.path().to_path_buf(), env);
    // Other files (a mounted prometheus.yml) are only written.
    opts.files = files
        .iter()
        .filter(|(n, _)| n.starts_with("compose"))
        .map(|(n, _)| PathBuf::from(n))
        .collect();
    opts.keep_layers = true;
    let project = load(&opts).unwrap_or_else(|e| panic!("{}", e.render()));
    let report = audit(&Context {
        project: &project,
        production,
        running: &[],
        config: &berth_audit::config::Config::default(),
        suppressions: &[],
    });
    report
        .findings
        .iter()
        .map(|f| {
            let d = &f.diagnostic;
            let loc = d
                .primary_span()
                .and_then(|s| project.sources.location(s))
                .map(|l| l.rsplit('/').next().unwrap_or_default().to_string())
                .unwrap_or_default();
            let loc = loc
                .rsplit_once(':')
                .map_or(loc.clone(), |(a, _)| a.to_string());
            format!("{} {loc}", d.code.clone().unwrap_or_default())
        })
        .collect()
}

fn findings(yaml: &str) -> Vec<String> {
    findings_in(&[("compose.yaml", yaml)], false)
}

/// The findings of one rule.
fn of(code: &str, all: &[String]) -> Vec<String> {
    all.iter()
        .filter(|f| f.starts_with(code))
        .cloned()
        .collect()
}

#[test]
fn b101_a_service_defined_in_full_in_two_files() {
    let base = "services:\n  prometheus:\n    image: prom/prometheus:v2\n";
    let add =
        "services:\n  prometheus:\n    image: prom/prometheus:v2\n    ports: [\"9091:9090\"]\n";
    let tweak = "services:\n  prometheus:\n    ports: [\"9091:9090\"]\n";
    let both = findings_in(
        &[("compose.yaml", base), ("compose.betanet.yaml", add)],
        false,
    );
    assert_eq!(of("B101", &both), ["B101 compose.yaml:2"]);
    let ok = findings_in(
        &[("compose.yaml", base), ("compose.betanet.yaml", tweak)],
        false,
    );
    assert!(of("B101", &ok).is_empty());
}

#[test]
fn b102_two_services_doing_one_job() {
    let two = findings(
        "services:\n  prometheus:\n    image: prom/prometheus:v2\n  prom2:\n    image: prom/prometheus:v2\n",
    );
    assert_eq!(of("B102", &two), ["B102 compose.yaml:3"]);
    let one = findings(
        "services:\n  prometheus:\n    image: prom/prometheus:v2\n  web:\n    image: nginx:1\n",
    );
    assert!(of("B102", &one).is_empty());
}

#[test]
fn b201_host_port_conflicts_understand_addresses_protocols_and_ranges() {
    let f = |ports_a: &str, ports_b: &str| {
        of(
            "B201",
            &findings(&format!(
                "services:\n  a:\n    image: x:1\n    ports: {ports_a}\n  b:\n    image: x:1\n    ports: {ports_b}\n"
            )),
        )
    };
    assert_eq!(
        f("[\"9090:9090\"]", "[\"9090:80\"]"),
        ["B201 compose.yaml:7"]
    );
    assert_eq!(f("[\"8000-8005:80\"]", "[\"8003:80\"]").len(), 1);
    assert_eq!(f("[\"0.0.0.0:53:53\"]", "[\"127.0.0.1:53:53\"]").len(), 1);
    assert!(f("[\"53:53/udp\"]", "[\"53:53/tcp\"]").is_empty());
    assert!(f("[\"127.0.0.1:80:80\"]", "[\"127.0.0.2:80:80\"]").is_empty());
    assert!(f("[\"0.0.0.0:80:80\"]", "[\"[::1]:80:80\"]").is_empty());
    assert!(f("[\"8000-8005:80\"]", "[\"8006:80\"]").is_empty());
}

#[test]
fn b202_backing_services_on_every_interface() {
    let open = findings("services:\n  db:\n    image: postgres:16\n    ports: [\"5432:5432\"]\n");
    assert_eq!(of("B202", &open), ["B202 compose.yaml:4"]);
    let local = findings("services:\n  db:\n    image: postgres:16\n    ports: [\"127.0.0.1:5432:5432\"]\n  web:\n    image: myapp:1\n    ports: [\"80:80\"]\n");
    assert!(of("B202", &local).is_empty());
}

#[test]
fn b203_production_ports_other_than_the_proxy() {
    let yaml = "services:\n  proxy:\n    image: nginx:1.27\n    ports: [\"443:443\"]\n  api:\n    image: app:1\n    ports: [\"8000:8000\"]\n";
    let prod = findings_in(&[("compose.yaml", yaml)], true);
    assert_eq!(of("B203", &prod), ["B203 compose.yaml:7"]);
    assert!(of("B203", &findings(yaml)).is_empty(), "production only");
}

#[test]
fn b204_redis_without_a_password() {
    let bare = findings("services:\n  redis:\n    image: redis:7\n");
    assert_eq!(of("B204", &bare), ["B204 compose.yaml:3"]);
    let auth = findings("services:\n  redis:\n    image: redis:7\n    command: redis-server --requirepass ${REDIS_PASSWORD}\n");
    assert!(of("B204", &auth).is_empty());
}

#[test]
fn b301_references_across_networks() {
    let yaml = |backend_nets: &str| {
        format!("services:\n  backend:\n    image: app:1\n    environment:\n      DATABASE_URL: postgresql://postgres:5432/db\n    networks: {backend_nets}\n  postgres:\n    image: postgres:16\n    networks: [internal]\nnetworks:\n  public: {{}}\n  internal: {{}}\n")
    };
    assert_eq!(
        of("B301", &findings(&yaml("[public]"))),
        ["B301 compose.yaml:5"]
    );
    assert!(of("B301", &findings(&yaml("[public, internal]"))).is_empty());
}

#[test]
fn b301_a_prometheus_that_cannot_reach_its_scrape_targets() {
    // The targets are read from the prometheus.yml the service bind-mounts.
    let scrape = "scrape_configs:\n  - job_name: nodes\n    static_configs:\n      - targets:\n          - node:9091\n          - \"api:8000\"\n";
    let yaml = |node_nets: &str| {
        format!("services:\n  prometheus:\n    image: prom/prometheus:v2\n    volumes:\n      - ./prometheus.yml:/etc/prometheus/prometheus.yml:ro\n    networks: [monitoring]\n  node:\n    image: node:1\n    networks: {node_nets}\n  api:\n    image: app:1\n    networks: [monitoring]\nnetworks:\n  monitoring: {{}}\n  mixnet: {{}}\n")
    };
    let isolated = findings_in(
        &[
            ("compose.yaml", &yaml("[mixnet]")),
            ("prometheus.yml", scrape),
        ],
        false,
    );
    assert_eq!(of("B301", &isolated), ["B301 compose.yaml:5"]);
    let bridged = findings_in(
        &[
            ("compose.yaml", &yaml("[mixnet, monitoring]")),
            ("prometheus.yml", scrape),
        ],
        false,
    );
    assert!(of("B301", &bridged).is_empty());
}

#[test]
fn b301_a_traefik_router_to_a_service_on_another_network() {
    let yaml = |app_nets: &str| {
        format!("services:\n  traefik:\n    image: traefik:v3.0\n    networks: [edge]\n  app:\n    image: app:1\n    labels:\n      traefik.http.routers.app.rule: Host(`app.local`)\n    networks: {app_nets}\nnetworks:\n  edge: {{}}\n  back: {{}}\n")
    };
    assert_eq!(
        of("B301", &findings(&yaml("[back]"))),
        ["B301 compose.yaml:8"]
    );
    assert!(of("B301", &findings(&yaml("[back, edge]"))).is_empty());
}

#[test]
fn b302_ports_on_an_internal_network_only() {
    let yaml = |internal: bool| {
        format!("services:\n  api:\n    image: app:1\n    ports: [\"8000:8000\"]\n    networks: [back]\nnetworks:\n  back:\n    internal: {internal}\n")
    };
    assert_eq!(of("B302", &findings(&yaml(true))), ["B302 compose.yaml:4"]);
    assert!(of("B302", &findings(&yaml(false))).is_empty());
}

#[test]
fn b4xx_development_settings_belong_in_a_development_file() {
    let dev = "services:\n  backend:\n    build:\n      context: ./backend\n      dockerfile: Dockerfile.dev\n    command: uvicorn main:app --reload\n    volumes: [\"./backend:/app\"]\n    environment:\n      LOG_LEVEL: debug\n  pgadmin:\n    image: dpage/pgadmin4:8\n";
    let in_base = findings_in(&[("compose.yaml", dev)], false);
    for code in ["B401", "B402", "B403", "B404", "B405"] {
        assert_eq!(of(code, &in_base).len(), 1, "{code}: {in_base:?}");
    }
    let base = "services:\n  backend:\n    image: app:1\n";
    let in_override = findings_in(
        &[("compose.yaml", base), ("compose.override.yaml", dev)],
        false,
    );
    for code in ["B401", "B402", "B403", "B404", "B405"] {
        assert!(of(code, &in_override).is_empty(), "{code}: {in_override:?}");
    }
}

#[test]
fn b501_b502_credentials_in_the_files() {
    let literal = findings("services:\n  db:\n    image: postgres:16\n    environment:\n      POSTGRES_PASSWORD: secret\n  app:\n    image: app:1\n    environment:\n      DATABASE_URL: postgresql://u:pw@db/app\n    command: redis-server --requirepass hunter2\n");
    assert_eq!(
        of("B501", &literal),
        [
            "B501 compose.yaml:5",
            "B501 compose.yaml:9",
            "B501 compose.yaml:10"
        ]
    );
    let external = findings("services:\n  db:\n    image: postgres:16\n    environment:\n      POSTGRES_PASSWORD: ${PG_PASSWORD:?}\n      POSTGRES_PASSWORD_FILE: /run/secrets/pg\n      GF_SECURITY_ADMIN_PASSWORD: ${GF_PASSWORD:-admin}\n");
    assert!(of("B501", &external).is_empty(), "{external:?}");
    assert_eq!(of("B502", &external), ["B502 compose.yaml:7"]);
}

#[test]
fn b601_mixed_naming_conventions() {
    let mixed = findings("services:\n  a:\n    image: x:1\n    volumes: [node1-data:/a, node2_data:/b, node3_data:/c]\nvolumes:\n  node1-data: {}\n  node2_data: {}\n  node3_data: {}\n");
    assert_eq!(of("B601", &mixed), ["B601 compose.yaml:6"]);
    let same = findings("services:\n  a:\n    image: x:1\n    volumes: [data:/a, more_data:/b]\nvolumes:\n  data: {}\n  more_data: {}\n");
    assert!(of("B601", &same).is_empty());
}

#[test]
fn b7xx_operations() {
    let yaml = "services:\n  app:\n    image: app\n    privileged: true\n    user: root\n    volumes: [/var/run/docker.sock:/var/run/docker.sock]\n    depends_on:\n      cache: {condition: service_healthy}\n      prometheus: {condition: service_started}\n  cache:\n    image: redis:7\n    command: redis-server --requirepass ${P}\n  prometheus:\n    image: prom/prometheus:v2\n";
    let all = findings(yaml);
    assert_eq!(of("B701", &all), ["B701 compose.yaml:8"]);
    assert_eq!(of("B702", &all), ["B702 compose.yaml:9"]);
    assert_eq!(of("B703", &all).len(), 2);
    assert_eq!(of("B705", &all), ["B705 compose.yaml:3"]);
    assert_eq!(of("B706", &all), ["B706 compose.yaml:4"]);
    assert_eq!(of("B707", &all), ["B707 compose.yaml:6"]);
    assert_eq!(of("B708", &all), ["B708 compose.yaml:5"]);
    assert!(of("B704", &all).is_empty(), "production only");
    let prod = findings_in(&[("compose.yaml", yaml)], true);
    assert_eq!(of("B704", &prod).len(), 3);
    let clean = findings("services:\n  app:\n    image: app:1.2\n    depends_on:\n      cache: {condition: service_healthy}\n  cache:\n    image: redis:7\n    command: redis-server --requirepass ${P}\n    healthcheck: {test: [CMD, redis-cli, ping]}\n");
    assert!(clean.is_empty(), "{clean:?}");
}

/// `code file:line` of each finding of `yaml` audited with `config` (and, for B001, the
/// suppressions left unused).
fn findings_with(
    yaml: &str,
    production: bool,
    config: &berth_audit::config::Config,
) -> Vec<String> {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("compose.yaml"), yaml).expect("write");
    let mut opts = Options::new(dir.path().to_path_buf(), indexmap::IndexMap::new());
    opts.files = vec![PathBuf::from("compose.yaml")];
    opts.keep_layers = true;
    let project = load(&opts).unwrap_or_else(|e| panic!("{}", e.render()));
    let mut runs = vec![berth_audit::run::audit_one(
        project,
        None,
        production,
        &[],
        config,
    )];
    berth_audit::run::report_unused(&mut runs, config);
    let run = &runs[0];
    run.report
        .findings
        .iter()
        .map(|f| {
            let d = &f.diagnostic;
            let line = d
                .primary_span()
                .and_then(|s| Some(run.project.sources.get(s.file)?.line_col(s.start).0))
                .unwrap_or_default();
            format!("{} {line}", d.code.clone().unwrap_or_default())
        })
        .collect()
}

#[test]
fn b8xx_hardening_and_b602_in_production() {
    let yaml = "services:\n  web:\n    image: registry.example.com/web:1.2\n    build: .\n    network_mode: host\n    cap_add: [SYS_ADMIN, NET_BIND_SERVICE]\n    security_opt: [\"seccomp=unconfined\"]\n    devices: [\"/dev/mem:/dev/mem\"]\n    volumes: [\"/etc:/host/etc:ro\", \"/etc/localtime:/etc/localtime:ro\"]\n    logging: {driver: none}\n  db:\n    image: postgres:16.4\n";
    let default = findings_with(yaml, true, &berth_audit::config::Config::default());
    let hardening: Vec<&String> = default
        .iter()
        .filter(|f| f.starts_with("B8") || f.starts_with("B602"))
        .collect();
    assert_eq!(
        hardening,
        ["B602 1", "B811 3", "B801 5", "B802 6", "B804 7", "B805 8", "B806 9", "B807 10"],
        "the rules on by default: {default:?}"
    );
    let all = berth_audit::config::Config::default()
        .with_command_line(&["B8".into()], &[], &[])
        .expect("selection");
    let selected = findings_with(yaml, false, &all);
    // web builds (no digest rule), db is only pulled.
    assert_eq!(
        selected,
        [
            "B803 2", "B808 2", "B809 2", "B811 3", "B801 5", "B802 6", "B804 7", "B805 8",
            "B806 9", "B807 10", "B803 11", "B808 11", "B809 11", "B810 12"
        ]
    );
    let hardened = "name: shop\nservices:\n  db:\n    image: postgres:16.4@sha256:0000000000000000000000000000000000000000000000000000000000000000\n    cap_drop: [ALL]\n    security_opt: [\"no-new-privileges:true\"]\n    read_only: true\n";
    let clean = findings_with(hardened, true, &all);
    assert!(clean.is_empty(), "{clean:?}");
}

#[test]
fn b001_suppressions_that_suppress_nothing_or_have_no_reason() {
    let yaml = "services:\n  a:\n    image: a:1\n    privileged: true # berth: ignore[B706] it needs raw devices\n  b:\n    image: b:1 # berth: ignore[B706] nothing here\n  c:\n    image: c:1\n    privileged: true # berth: ignore[B706]\n";
    let found = findings_with(yaml, false, &berth_audit::config::Config::default());
    assert_eq!(found, ["B001 6", "B706 9", "B001 9"]);
    let off = berth_audit::config::Config::default()
        .with_command_line(&[], &[], &["B001".into()])
        .expect("selection");
    assert_eq!(findings_with(yaml, false, &off), ["B706 9"]);
}

#[test]
fn b401_took_config_files_and_a_pulled_images_data_for_source_code() {
    // nginx-wsgi-flask: a config file inside a build context; redpanda (wasmedge-kafka-mysql):
    // a folder at /app of a pulled application image.
    let yaml = "services:\n  proxy:\n    build: nginx\n    volumes: [./nginx/default.conf:/tmp/default.conf, ./nginx/conf.d:/etc/nginx/conf.d]\n  redpanda:\n    image: docker.redpanda.com/vectorized/redpanda:v22.2.2\n    volumes: [./kafka:/app]\n  web:\n    build: web\n    volumes: [./web:/app, ./web/package.json:/code/package.json]\n  php:\n    image: php:8.3-apache\n    volumes: [./site:/var/www/html]\n";
    let all = findings(yaml);
    assert_eq!(
        of("B401", &all),
        [
            "B401 compose.yaml:10",
            "B401 compose.yaml:10",
            "B401 compose.yaml:13"
        ]
    );
    // A folder that exists and holds no source (configuration only) is not code; one with a
    // source file or a Dockerfile is.
    let files = [
        ("compose.yaml", "services:\n  a:\n    build: a\n    volumes: [./a/conf:/app/conf, ./a/src:/app/src, ./a/b:/app/b]\n"),
        ("a/conf/app.ini", "x=1\n"),
        ("a/src/main.py", "print(1)\n"),
        ("a/b/Dockerfile.dev", "FROM scratch\n"),
    ];
    let on_disk = findings_in(&files, false);
    assert_eq!(
        of("B401", &on_disk),
        ["B401 compose.yaml:4", "B401 compose.yaml:4"]
    );
}

#[test]
fn b202_counted_grafana_and_kibana_web_uis_as_backing_services() {
    let yaml = "services:\n  grafana:\n    image: grafana/grafana:11.2.0\n    ports: [\"3000:3000\"]\n  kibana:\n    image: kibana:8.15.0\n    ports: [\"5601:5601\"]\n  prometheus:\n    image: prom/prometheus:v2.54.0\n    ports: [\"9090:9090\"]\n";
    let all = findings(yaml);
    assert_eq!(of("B202", &all), ["B202 compose.yaml:10"]);
}

#[test]
fn every_rule_has_a_test_here() {
    let source = include_str!("rules.rs");
    for r in RULES {
        let group = format!("{}xx", &r.code[..2]);
        assert!(
            source.contains(&r.code.to_ascii_lowercase())
                || source.contains(&group.to_ascii_lowercase())
                || source.contains(&format!("\"{}\"", r.code)),
            "no test for {}",
            r.code
        );
    }
}

#[test]
fn b201_ports_running_containers_already_hold() {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(
        dir.path().join("compose.yaml"),
        "services:\n  web:\n    image: nginx:1.25\n    ports: [\"127.0.0.1:8080:80\", \"9000-9002:9000-9002\", \"[::1]:7000:70\"]\n",
    )
    .expect("write");
    let mut opts = Options::new(dir.path().to_path_buf(), indexmap::IndexMap::new());
    opts.files = vec![PathBuf::from("compose.yaml")];
    let project = load(&opts).unwrap_or_else(|e| panic!("{}", e.render()));
    let held = |ip: &str, port: u32, protocol: &str| RunningPort {
        container: "other-1".into(),
        host_ip: ip.into(),
        port,
        protocol: protocol.into(),
    };
    let running = [
        held("0.0.0.0", 8080, "tcp"), // every IPv4 address: takes 127.0.0.1 too
        held("", 9001, "tcp"),        // inside the range
        held("0.0.0.0", 7000, "tcp"), // IPv4 only: [::1] is free
        held("0.0.0.0", 9002, "udp"), // another protocol
        held("127.0.0.2", 8080, "tcp"), // another address
    ];
    let report = audit(&Context {
        project: &project,
        production: false,
        running: &running,
        config: &berth_audit::config::Config::default(),
        suppressions: &[],
    });
    let found: Vec<&str> = report
        .findings
        .iter()
        .filter(|f| f.diagnostic.code.as_deref() == Some("B201"))
        .map(|f| f.diagnostic.message.as_str())
        .collect();
    assert_eq!(
        found,
        [
            "host port 8080/tcp of `web` is already published by the running container `other-1`",
            "host port 9001/tcp of `web` is already published by the running container `other-1`",
        ]
    );
}
