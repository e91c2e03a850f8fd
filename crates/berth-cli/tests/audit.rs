//! `berth audit` and `berth diff` as a user runs them, on the fog-compute examples: findings,
//! exit statuses, deployment patterns, `--explain` and `--list-rules`, and snapshots of every
//! output format (human, JSON, SARIF; the diff's human, JSON and Markdown).
//!
//! Snapshots live in `tests/snapshots/`; `BERTH_UPDATE_SNAPSHOTS=1 cargo test` rewrites them
//! (then read the change before committing it).

use std::path::PathBuf;
use std::process::Output;

mod common;

use common::{berth_in, examples, pipe, snapshot, stdout};

fn example() -> PathBuf {
    examples().join("fog-compute-before")
}

fn berth(args: &[&str]) -> Output {
    berth_in(&example(), args)
}

#[test]
fn the_before_example_fails_with_the_seeds_problems() {
    let out = berth(&[
        "-f",
        "docker-compose.yml",
        "-f",
        "docker-compose.betanet.yml",
        "audit",
    ]);
    assert_eq!(out.status.code(), Some(1));
    let text = stdout(&out);
    for needle in [
        "error[B201]: host port 9090/tcp is published by both `prometheus` and `prometheus-betanet`",
        "warning[B102]: 2 services run prometheus: prometheus, prometheus-betanet",
        "warning[B102]: 2 services run grafana: grafana, grafana-betanet",
        "error[B501]: hard-coded credential in `postgres`: POSTGRES_PASSWORD is set to a literal value",
        "warning[B402]: `backend` starts a development server (`--reload`) outside a development file",
        "warning[B401]: `backend` bind-mounts source code at /app outside a development file",
        "warning[B403]: `frontend` is built from a development Dockerfile outside a development file",
        "warning[B204]: `redis` runs redis without a password",
        "warning[B601]: volume `betanetNode3Data` is named in camelCase while most volumes use snake_case",
        "  --> docker-compose.betanet.yml:",
        "  = help: `berth audit --explain B201` (host-port-conflict)",
    ] {
        assert!(text.contains(needle), "{needle} missing in:\n{text}");
    }
    assert!(text.ends_with("info\n"), "{text}");
}

#[test]
fn json_output_and_fail_on() {
    let out = berth(&["audit", "--format", "json", "--fail-on", "never"]);
    assert_eq!(out.status.code(), Some(0));
    let text = stdout(&out);
    // Keys are sorted, at every level.
    assert!(
        text.starts_with("{\n  \"files\": [\n    \"docker-compose.yml\"\n  ],"),
        "{text}"
    );
    assert!(
        text.contains("\n  \"project\": \"fog-compute-before\","),
        "{text}"
    );
    assert!(
        text.contains("\"file\": \"docker-compose.yml\",\n          \"line\": 20,"),
        "{text}"
    );
    assert!(
        text.contains("\"rule\": \"hardcoded-credential\""),
        "{text}"
    );
    let bad = berth(&["audit", "--fail-on", "sometimes"]);
    assert_eq!(bad.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("invalid --fail-on value \"sometimes\""));
}

#[test]
fn explain_and_list_rules() {
    let out = berth(&["audit", "--explain", "b201"]);
    assert_eq!(out.status.code(), Some(0));
    let text = stdout(&out);
    assert!(
        text.starts_with("B201 host-port-conflict (error)\n\n## What it does\n"),
        "{text}"
    );
    assert!(text.contains("## Use instead"), "{text}");
    let list = stdout(&berth(&["audit", "--list-rules"]));
    assert!(
        list.contains("B704  warning  missing-resource-limits (production)"),
        "{list}"
    );
    let unknown = berth(&["audit", "--explain", "B999"]);
    assert_eq!(unknown.status.code(), Some(1));
}

/// The SARIF log with the machine's folder replaced, so that the snapshot holds anywhere.
fn stable_sarif(text: &str) -> String {
    let root = std::fs::canonicalize(example()).expect("example folder");
    let mut dir = root.display().to_string();
    if !dir.ends_with('/') {
        dir.push('/');
    }
    text.replace(&format!("file://{dir}"), "file:///EXAMPLE/")
}

#[test]
fn every_output_format_matches_its_snapshot() {
    let files = [
        "-f",
        "docker-compose.yml",
        "-f",
        "docker-compose.betanet.yml",
    ];
    let run = |extra: &[&str]| {
        let mut args: Vec<&str> = files.to_vec();
        args.push("audit");
        args.extend_from_slice(extra);
        stdout(&berth(&args))
    };
    snapshot("before-betanet.txt", &run(&[]));
    snapshot("before-betanet.json", &run(&["--format", "json"]));
    snapshot(
        "before-betanet.sarif",
        &stable_sarif(&run(&["--format", "sarif"])),
    );
    snapshot(
        "before-patterns.txt",
        &stdout(&berth(&["audit", "--patterns"])),
    );
}

#[test]
fn patterns_come_from_the_file_names_and_production_rules_apply_to_production() {
    // Before: development (base + dev), production (what runs without the dev file:
    // base + betanet) and everything.
    let out = berth(&[
        "audit",
        "--patterns",
        "--format",
        "json",
        "--fail-on",
        "never",
    ]);
    assert_eq!(out.status.code(), Some(0));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    let names: Vec<&str> = v["patterns"]
        .as_array()
        .expect("patterns")
        .iter()
        .map(|p| p["name"].as_str().unwrap_or_default())
        .collect();
    assert_eq!(names, ["development", "production", "full"]);
    assert_eq!(v["patterns"][1]["production"], true);
    // Production-only rules report only in the production pattern.
    let b203: Vec<&serde_json::Value> = v["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter(|f| f["code"] == "B203")
        .collect();
    // One per port entry of base + betanet: 11 host ports, 9090 published twice.
    assert_eq!(b203.len(), 12);
    assert!(b203
        .iter()
        .all(|f| f["patterns"] == serde_json::json!(["production"])));
    // After: the four patterns of the seeds, and not one finding in any of them; the two
    // suppressions carry their reasons.
    let after = examples().join("fog-compute-after");
    let out = berth_in(&after, &["audit", "--patterns"]);
    assert_eq!(out.status.code(), Some(0));
    let text = stdout(&out);
    for line in [
        "development (docker-compose.yml + docker-compose.override.yml): 0 errors, 0 warnings, 0 info",
        "production (docker-compose.yml + docker-compose.prod.yml, production): 0 errors, 0 warnings, 0 info",
        "betanet (docker-compose.yml + docker-compose.betanet.yml): 0 errors, 0 warnings, 0 info",
        "full (docker-compose.yml + docker-compose.override.yml + docker-compose.betanet.yml): 0 errors, 0 warnings, 0 info",
        "fog-compute: 0 errors, 0 warnings, 0 info in 4 patterns (8 suppressed)",
    ] {
        assert!(text.contains(line), "{line} missing in:\n{text}");
    }
    // One pattern by name; an unknown name is an error that lists the known ones.
    let out = berth_in(
        &after,
        &["audit", "--pattern", "production", "--fail-on", "info"],
    );
    assert_eq!(out.status.code(), Some(0));
    let out = berth_in(&after, &["audit", "--pattern", "staging"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains(
        "no pattern \"staging\": this project has development, production, betanet, full"
    ));
}

#[test]
fn diff_gives_the_seeds_before_and_after_table() {
    let out = berth_in(
        &examples(),
        &["diff", "fog-compute-before", "fog-compute-after"],
    );
    assert_eq!(out.status.code(), Some(0));
    let text = stdout(&out);
    for row in [
        "Files                                           3                  4  +1 (+33%)",
        "Duplicate services                              2                  0  -2 (-100%)",
        "Port conflicts                                  1                  0  -1 (-100%)",
        "Hard-coded secrets                              5                  0  -5 (-100%)",
        "Published ports (production)                   11                  2  -9 (-82%)",
        "  + 80, 443",
        "  grafana-betanet     removed",
    ] {
        assert!(text.contains(row), "{row:?} missing in:\n{text}");
    }
    snapshot("diff.txt", &text);
    let json = berth_in(
        &examples(),
        &[
            "diff",
            "fog-compute-before",
            "fog-compute-after",
            "--format",
            "json",
        ],
    );
    let v: serde_json::Value = serde_json::from_slice(&json.stdout).expect("json");
    assert_eq!(
        v["old"]["metrics"]["hardcoded_secrets"]
            .as_array()
            .map(Vec::len),
        Some(5)
    );
    assert_eq!(
        v["new"]["metrics"]["published_ports"]["production"],
        serde_json::json!([
            {"port": 80, "protocol": "tcp"},
            {"port": 443, "protocol": "tcp"}
        ])
    );
    snapshot("diff.json", &stdout(&json));
    let md = berth_in(
        &examples(),
        &[
            "diff",
            "fog-compute-before",
            "fog-compute-after",
            "--format",
            "markdown",
        ],
    );
    snapshot("diff.md", &stdout(&md));
    // Files joined with commas name a side too; a missing one is a clear error.
    let out = berth_in(
        &examples(),
        &[
            "diff",
            "fog-compute-before/docker-compose.yml,fog-compute-before/docker-compose.betanet.yml",
            "fog-compute-after/docker-compose.yml",
        ],
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = berth_in(&examples(), &["diff", "nowhere", "fog-compute-after"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("nowhere: no such file or folder"));
}

#[test]
fn sarif_validates_against_the_sarif_2_1_0_schema() {
    // pydantic-sarif is the SARIF 2.1.0 JSON schema turned into models (required properties,
    // enumerations, no unknown properties); `.ci/run` installs it.
    let validator = std::process::Command::new("python3")
        .args(["-c", "import pydantic_sarif"])
        .output()
        .is_ok_and(|o| o.status.success());
    if let Err(skip) = berth_conformance::requires(
        "the SARIF validator",
        validator,
        "python3 -m pip install pydantic-sarif==0.1.1",
    ) {
        eprintln!("{skip}");
        return;
    }
    let check = r#"
import sys
try:
    from pydantic_sarif.model import StaticAnalysisResultsFormatSarifVersion210JsonSchema as Log
except ImportError:
    sys.exit("pydantic-sarif is missing: python3 -m pip install pydantic-sarif==0.1.1")
log = Log.model_validate_json(sys.stdin.read())
print(len(log.runs[0].results), len(log.runs[0].tool.driver.rules))
"#;
    for (dir, args) in [
        (
            example(),
            vec![
                "-f",
                "docker-compose.yml",
                "-f",
                "docker-compose.betanet.yml",
            ],
        ),
        (examples().join("fog-compute-after"), vec![]),
    ] {
        let mut a = args.clone();
        a.extend(["audit", "--patterns", "--format", "sarif"]);
        let out = berth_in(&dir, &a);
        let done = pipe("python3", &["-c", check], &out.stdout, "python3");
        assert!(
            done.status.success(),
            "{}\n{}",
            String::from_utf8_lossy(&done.stderr),
            String::from_utf8_lossy(&out.stdout)
        );
        let counts = String::from_utf8_lossy(&done.stdout).into_owned();
        let rules = berth_audit_rule_count();
        assert!(counts.ends_with(&format!(" {rules}\n")), "{counts}");
    }
}

/// How many rules `--list-rules` lists (each SARIF log describes them all).
fn berth_audit_rule_count() -> usize {
    stdout(&berth(&["audit", "--list-rules"])).lines().count()
}

#[test]
fn the_awesome_compose_corpus_gets_no_false_errors() {
    // 39 real, working projects: an error there would be a false positive. The one error rule
    // that reports is hardcoded-credential, and each of its findings below was read: a literal
    // password in the file (these are demo stacks). scripts/audit_corpus.py prints every rule.
    let projects = match berth_conformance::corpus(&examples().join("..")) {
        Ok(p) => p,
        Err(skip) => {
            eprintln!("{skip}");
            return;
        }
    };
    assert_eq!(projects.len(), 39, "the awesome-compose corpus");
    let mut errors = Vec::new();
    for dir in &projects {
        let out = berth_in(
            dir,
            &[
                "audit",
                "--patterns",
                "--format",
                "json",
                "--fail-on",
                "never",
            ],
        );
        assert_eq!(
            out.status.code(),
            Some(0),
            "{}: {}",
            dir.display(),
            String::from_utf8_lossy(&out.stderr)
        );
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
        let name = dir.file_name().unwrap_or_default().to_string_lossy();
        for f in v["findings"].as_array().expect("findings") {
            if f["severity"] == "error" {
                errors.push(format!(
                    "{name} {} {}",
                    f["code"].as_str().unwrap_or_default(),
                    f["message"].as_str().unwrap_or_default()
                ));
            }
        }
    }
    let reviewed = [
        "aspnet-mssql B501 hard-coded credential in `db`: SA_PASSWORD is set to a literal value",
        "gitea-postgres B501 hard-coded credential in `gitea`: DB_PASSWD is set to a literal value",
        "gitea-postgres B501 hard-coded credential in `db`: POSTGRES_PASSWORD is set to a literal value",
        "nextcloud-postgres B501 hard-coded credential in `nc`: POSTGRES_PASSWORD is set to a literal value",
        "nextcloud-postgres B501 hard-coded credential in `db`: POSTGRES_PASSWORD is set to a literal value",
        "nextcloud-redis-mariadb B501 hard-coded credential in `nc`: MYSQL_PASSWORD is set to a literal value",
        "nextcloud-redis-mariadb B501 hard-coded credential in `db`: MYSQL_ROOT_PASSWORD is set to a literal value",
        "nextcloud-redis-mariadb B501 hard-coded credential in `db`: MYSQL_PASSWORD is set to a literal value",
        "prometheus-grafana B501 hard-coded credential in `grafana`: GF_SECURITY_ADMIN_PASSWORD is set to a literal value",
        "react-express-mysql B501 hard-coded credential in `backend`: DATABASE_PASSWORD is set to a literal value",
        "react-rust-postgres B501 hard-coded credential in `backend`: PG_PASSWORD is set to a literal value",
        "react-rust-postgres B501 hard-coded credential in `db`: POSTGRES_PASSWORD is set to a literal value",
        "wasmedge-kafka-mysql B501 hard-coded credential in `etl`: DATABASE_URL holds a password in its URL",
        "wasmedge-kafka-mysql B501 hard-coded credential in `db`: MYSQL_ROOT_PASSWORD is set to a literal value",
        "wasmedge-mysql-nginx B501 hard-coded credential in `backend`: DATABASE_URL holds a password in its URL",
        "wasmedge-mysql-nginx B501 hard-coded credential in `db`: MYSQL_ROOT_PASSWORD is set to a literal value",
        "wordpress-mysql B501 hard-coded credential in `db`: MYSQL_ROOT_PASSWORD is set to a literal value",
        "wordpress-mysql B501 hard-coded credential in `db`: MYSQL_PASSWORD is set to a literal value",
        "wordpress-mysql B501 hard-coded credential in `wordpress`: WORDPRESS_DB_PASSWORD is set to a literal value",
    ];
    assert_eq!(errors, reviewed);
}

/// `code message` of every finding of `berth audit` in an example folder.
fn findings_of(dir: &str) -> Vec<String> {
    let out = berth_in(
        &examples().join(dir),
        &["audit", "--format", "json", "--fail-on", "never"],
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    v["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|f| {
            format!(
                "{} {}",
                f["code"].as_str().unwrap_or_default(),
                f["message"].as_str().unwrap_or_default()
            )
        })
        .collect()
}

#[test]
fn the_other_seeds_examples_report_what_their_documents_show() {
    // TaylorDash: credentials as literals (in a URL, a variable, a healthcheck's mosquitto_pub)
    // and as defaults, a development bind mount in the only file, exposed database and broker.
    let taylordash = findings_of("taylordash");
    for want in [
        "B501 hard-coded credential in `backend`: DATABASE_URL holds a password in its URL",
        "B501 hard-coded credential in `backend`: MQTT_PASSWORD is set to a literal value",
        "B501 hard-coded credential in `mosquitto`: -P is given a literal password",
        "B502 `minio`: MINIO_ROOT_PASSWORD falls back to a default credential when MINIO_ROOT_PASSWORD is not set",
        "B502 `grafana`: GF_SECURITY_ADMIN_PASSWORD falls back to a default credential when GRAFANA_PASSWORD is not set",
        "B401 `backend` bind-mounts source code at /app outside a development file",
        "B202 `postgres` is a database published on every interface of the host (port 5432)",
        "B202 `mosquitto` is a message broker published on every interface of the host (port 1883)",
        "B707 `traefik` mounts the Docker Engine's socket",
        "B705 image `minio/minio:latest` of `minio` is tagged `latest`",
    ] {
        assert!(taylordash.contains(&want.to_string()), "{want} not in {taylordash:#?}");
    }
    // hw-server: the application waits for the whole monitoring stack; the rest as the seed
    // shows it. The Prometheus targets and Traefik routers reach their services (one network).
    let hw = findings_of("hw-server");
    for want in [
        "B702 `hw-server` depends on the monitoring service `prometheus`",
        "B702 `hw-server` depends on the monitoring service `alloy`",
        "B501 hard-coded credential in `hw-db`: POSTGRES_PASSWORD is set to a literal value",
        "B204 `hw-redis` runs redis without a password",
        "B707 `alloy` mounts the Docker Engine's socket",
        "B401 `hw-server-shell` bind-mounts source code at /app outside a development file",
    ] {
        assert!(hw.contains(&want.to_string()), "{want} not in {hw:#?}");
    }
    assert!(!hw.iter().any(|f| f.starts_with("B301")), "{hw:#?}");
    // The Docker Compose Examples stacks follow their document's practices: secrets, non-root
    // users, healthchecks, pinned images, one network each. Nothing to report.
    for stack in ["basic-stack", "cluster-example", "swarm-stack"] {
        let found = findings_of(&format!("docker-examples/{stack}"));
        assert!(found.is_empty(), "{stack}: {found:#?}");
    }
}

#[test]
fn patterns_listed_in_the_base_file_replace_the_names() {
    let dir = tempfile::tempdir().expect("temp dir");
    let write =
        |name: &str, text: &str| std::fs::write(dir.path().join(name), text).expect("write");
    write(
        "compose.yaml",
        "services:\n  web:\n    image: shop/web:1.0\nx-berth:\n  patterns:\n    staging: [compose.yaml, stage.yaml]\n    live: [compose.yaml, live.yaml]\n",
    );
    write(
        "stage.yaml",
        "services:\n  web:\n    ports: [\"8080:80\"]\n",
    );
    write("live.yaml", "services:\n  web:\n    ports: [\"80:80\"]\n");
    let out = berth_in(
        dir.path(),
        &[
            "audit",
            "--patterns",
            "--format",
            "json",
            "--fail-on",
            "never",
        ],
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    let patterns: Vec<(String, bool)> = v["patterns"]
        .as_array()
        .expect("patterns")
        .iter()
        .map(|p| {
            (
                p["name"].as_str().unwrap_or_default().to_string(),
                p["production"] == true,
            )
        })
        .collect();
    // `live` is production by its name: its published port is reported there only.
    assert_eq!(
        patterns,
        [("staging".to_string(), false), ("live".to_string(), true)]
    );
    let b203: Vec<&serde_json::Value> = v["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter(|f| f["code"] == "B203")
        .collect();
    assert_eq!(b203.len(), 1);
    assert_eq!(b203[0]["patterns"], serde_json::json!(["live"]));
    // A malformed list is an error at its place.
    write(
        "compose.yaml",
        "services:\n  web:\n    image: shop/web:1.0\nx-berth:\n  patterns:\n    staging: stage.yaml\n",
    );
    let out = berth_in(dir.path(), &["audit", "--patterns"]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("x-berth.patterns.staging: expected a list of compose files"),
        "{err}"
    );
    assert!(err.contains("compose.yaml:6:14"), "{err}");
}

/// Each audit rule's own fixture (`tests/fixtures/audit/<CODE>-<name>/`: a project that breaks
/// the rule, and an `args` file when it needs flags) and a snapshot of what `berth audit` prints
/// on it (`audit.txt` beside the fixture). Every rule has one, and its code is among the
/// findings.
#[test]
fn every_rule_has_a_fixture_and_its_rendered_findings_match_their_snapshot() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/audit");
    let mut failures = Vec::new();
    for rule in berth_audit::RULES {
        let dir = root.join(format!("{}-{}", rule.code, rule.name));
        if !dir.is_dir() {
            failures.push(format!("{}: no fixture {}", rule.code, dir.display()));
            continue;
        }
        let args = std::fs::read_to_string(dir.join("args")).unwrap_or_default();
        let mut argv: Vec<&str> = Vec::new();
        let (before, after): (Vec<&str>, Vec<&str>) = args
            .lines()
            .partition(|a| *a == "-f" || a.ends_with(".yaml"));
        argv.extend(before);
        argv.push("audit");
        argv.extend(after);
        let out = berth_in(&dir, &argv);
        let text = stdout(&out);
        if !text.contains(&format!("[{}]", rule.code)) {
            failures.push(format!(
                "{}: the fixture does not trip it:\n{text}",
                rule.code
            ));
        }
        if let Err(e) = berth_conformance::snapshot(&dir.join("audit.txt"), &text) {
            failures.push(format!("{}: {e}", rule.code));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

/// `berth audit` run in `dir` with `env` set.
fn berth_env(dir: &std::path::Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_berth"));
    cmd.current_dir(dir)
        .args(args)
        .env_remove("COMPOSE_FILE")
        .env_remove("COMPOSE_PROJECT_NAME")
        .env_remove("GITHUB_WORKSPACE")
        .env_remove("NO_COLOR");
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().expect("run berth")
}

#[test]
fn ci_formats_match_their_snapshots_and_their_formats() {
    let dir = fixture("audit-hardening");
    let run = |format: &str| {
        let out = berth_env(
            &dir,
            &[
                "audit",
                "--production",
                "--extend-select",
                "B8",
                "--format",
                format,
            ],
            &[("SOURCE_DATE_EPOCH", "1765152000")],
        );
        assert_eq!(
            out.status.code(),
            Some(0),
            "{format}: warnings only: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        stdout(&out)
    };
    // GitHub workflow commands: one per finding, `::LEVEL file=..,line=..,col=..::message`.
    let github = run("github");
    snapshot("hardening.github.txt", &github);
    let command = |l: &str| {
        let (head, message) = l[2..].split_once("::")?;
        let (level, props) = head.split_once(' ')?;
        let ok = matches!(level, "error" | "warning" | "notice")
            && props.starts_with("file=compose.yaml,line=")
            && props.contains(",col=")
            && props.contains(",title=B")
            && !message.is_empty()
            && !message.contains('\n');
        ok.then_some(())
    };
    for line in github.lines() {
        assert!(command(line).is_some(), "not a workflow command: {line}");
    }
    // JUnit: valid against the Ant JUnit schema.
    let junit = run("junit");
    snapshot("hardening.junit.xml", &junit);
    if common::has_program("xmllint", "--version") {
        let file = tempfile::NamedTempFile::new().expect("temp");
        std::fs::write(file.path(), &junit).expect("write");
        let check = std::process::Command::new("xmllint")
            .args(["--noout", "--schema"])
            .arg(fixture("junit/ant-junit.xsd"))
            .arg(file.path())
            .output()
            .expect("xmllint");
        assert!(
            check.status.success(),
            "{}",
            String::from_utf8_lossy(&check.stderr)
        );
    }
    // Code Climate: what GitLab requires of each issue, fingerprints unique.
    let cc = run("codeclimate");
    snapshot("hardening.codeclimate.json", &cc);
    let issues: Vec<serde_json::Value> = serde_json::from_str(&cc).expect("json array");
    assert_eq!(issues.len(), github.lines().count());
    let mut prints = std::collections::HashSet::new();
    for i in &issues {
        assert!(
            i["description"].as_str().is_some_and(|d| !d.is_empty()),
            "{i}"
        );
        assert!(
            i["check_name"].as_str().is_some_and(|c| c.starts_with('B')),
            "{i}"
        );
        assert!(
            matches!(
                i["severity"].as_str(),
                Some("info" | "minor" | "major" | "critical" | "blocker")
            ),
            "{i}"
        );
        assert_eq!(i["location"]["path"], "compose.yaml");
        assert!(
            i["location"]["lines"]["begin"]
                .as_u64()
                .is_some_and(|l| l > 0),
            "{i}"
        );
        assert!(prints.insert(i["fingerprint"].as_str().expect("fingerprint").to_string()));
    }
    // A clean project is one passing case.
    let clean = tempfile::tempdir().expect("temp");
    std::fs::write(
        clean.path().join("compose.yaml"),
        "name: ok\nservices:\n  a:\n    image: a:1\n    healthcheck: {test: [CMD, a]}\n",
    )
    .expect("write");
    let out = berth_env(clean.path(), &["audit", "--format", "junit"], &[]);
    let text = stdout(&out);
    assert!(
        text.contains("<testcase name=\"berth audit\" classname=\"ok\" time=\"0\"/>"),
        "{text}"
    );
}

#[test]
fn the_hardening_file_trips_every_hardening_rule() {
    let out = berth_in(
        &fixture("audit-hardening"),
        &[
            "audit",
            "--production",
            "--extend-select",
            "B8",
            "--format",
            "json",
        ],
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    let mut codes: Vec<&str> = v["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter_map(|f| f["code"].as_str())
        .collect();
    codes.sort_unstable();
    codes.dedup();
    assert_eq!(
        codes,
        [
            "B602", "B704", "B706", "B707", "B801", "B802", "B803", "B804", "B805", "B806", "B807",
            "B808", "B809", "B810", "B811"
        ]
    );
}

#[test]
fn berth_toml_selects_rules_sets_levels_and_suppresses_with_reasons() {
    let dir = tempfile::tempdir().expect("temp");
    let compose = "name: shop\nservices:\n  web:\n    image: nginx:latest\n    privileged: true # berth: ignore[B706] captures packets for the demo\n  agent:\n    image: agent:1\n    volumes: [/var/run/docker.sock:/var/run/docker.sock]\n  db:\n    image: postgres\n";
    std::fs::write(dir.path().join("compose.yaml"), compose).expect("write");
    std::fs::write(
        dir.path().join("berth.toml"),
        "[audit]\nignore = [\"missing-healthcheck\"]\n\n[audit.rules]\nB705 = \"error\"\n\n[[audit.suppress]]\nrules = [\"B707\"]\nservices = [\"agent\"]\nreason = \"lists containers through a read-only proxy\"\n",
    )
    .expect("write");
    let out = berth_env(dir.path(), &["audit", "--format", "json"], &[]);
    assert_eq!(out.status.code(), Some(1), "B705 is an error now");
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    let found: Vec<String> = v["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|f| {
            format!(
                "{} {} {}",
                f["code"].as_str().unwrap_or(""),
                f["severity"].as_str().unwrap_or(""),
                f["service"].as_str().unwrap_or("")
            )
        })
        .collect();
    assert_eq!(found, ["B705 error web", "B705 error db"]);
    let reasons: Vec<&str> = v["suppressed"]
        .as_array()
        .expect("suppressed")
        .iter()
        .filter_map(|f| f["reason"].as_str())
        .collect();
    assert_eq!(
        reasons,
        [
            "captures packets for the demo",
            "lists containers through a read-only proxy"
        ]
    );
    // The command line: --select replaces the selection, --ignore adds.
    let out = berth_env(
        dir.path(),
        &[
            "audit", "--select", "B7", "--ignore", "B705", "--format", "json",
        ],
        &[],
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(v["findings"].as_array().map(Vec::len), Some(0), "{v}");
    // Errors name berth.toml's line and column, and a selector that picks no rule is refused.
    std::fs::write(
        dir.path().join("berth.toml"),
        "[audit]\nselect = [\"B7\"]\n\n[audit.rules]\nB705 = \"loud\"\n",
    )
    .expect("write");
    let out = berth_env(dir.path(), &["audit"], &[]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains(
            "berth.toml:5:8: invalid level \"loud\": expected error, warning, info or off"
        ),
        "{err}"
    );
    let out = berth_env(
        dir.path(),
        &["audit", "--config", "/nonexistent/berth.toml"],
        &[],
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("/nonexistent/berth.toml: cannot read it")
    );
    std::fs::remove_file(dir.path().join("berth.toml")).expect("rm");
    let out = berth_env(dir.path(), &["audit", "--select", "B999"], &[]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--select: \"B999\" selects no rule"));
}

#[test]
fn a_baseline_hides_known_findings_and_shows_new_ones() {
    let dir = tempfile::tempdir().expect("temp");
    let compose = "name: shop\nservices:\n  web:\n    image: nginx:latest\n    healthcheck: {test: [CMD, a]}\n";
    std::fs::write(dir.path().join("compose.yaml"), compose).expect("write");
    let baseline = dir.path().join("audit-baseline.json");
    let args = [
        "audit",
        "--baseline",
        "audit-baseline.json",
        "--fail-on",
        "warning",
    ];
    let out = berth_env(dir.path(), &args, &[]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stderr)
        .contains("wrote the baseline audit-baseline.json with 1 findings"));
    assert!(
        stdout(&out).contains("shop: 0 errors, 0 warnings, 0 info (1 in the baseline)"),
        "{}",
        stdout(&out)
    );
    assert!(baseline.is_file());
    // Lines added above the known finding do not make it new; a new finding is reported.
    let grown = format!(
        "# a comment\n{compose}  db:\n    image: postgres:latest\n    healthcheck: {{test: [CMD, a]}}\n"
    );
    std::fs::write(dir.path().join("compose.yaml"), grown).expect("write");
    let out = berth_env(dir.path(), &args, &[]);
    assert_eq!(out.status.code(), Some(1));
    let text = stdout(&out);
    assert!(text.contains("image `postgres:latest` of `db`"), "{text}");
    assert!(!text.contains("of `web`"), "{text}");
    assert!(
        text.contains("shop: 0 errors, 1 warning, 0 info (1 in the baseline)"),
        "{text}"
    );
    std::fs::write(&baseline, "{\"not\": 1}").expect("write");
    let out = berth_env(dir.path(), &args, &[]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("not a baseline"));
}

#[test]
fn colours_follow_ansi_and_no_color() {
    let dir = example();
    let coloured = berth_env(&dir, &["--ansi", "always", "audit"], &[]);
    let text = stdout(&coloured);
    assert!(text.contains("\u{1b}[1;31merror[B501]:\u{1b}[0m"), "{text}");
    assert!(text.contains("\u{1b}[1;33mwarning["), "{text}");
    // Not on a pipe (auto), and never with NO_COLOR; the text is the same without the codes.
    let plain = berth_env(&dir, &["audit"], &[]);
    assert!(!stdout(&plain).contains('\u{1b}'));
    let mut stripped = String::new();
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            for c in chars.by_ref() {
                if c == 'm' {
                    break;
                }
            }
        } else {
            stripped.push(c);
        }
    }
    assert_eq!(stripped, stdout(&plain));
    let no_color = berth_env(&dir, &["audit"], &[("NO_COLOR", "1")]);
    assert!(!stdout(&no_color).contains('\u{1b}'));
}

/// Copies the folder `from` into `to`, recursively.
fn copy_tree(from: &std::path::Path, to: &std::path::Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    for e in std::fs::read_dir(from).expect("read dir").flatten() {
        let target = to.join(e.file_name());
        if e.file_type().is_ok_and(|t| t.is_dir()) {
            copy_tree(&e.path(), &target);
        } else {
            std::fs::copy(e.path(), &target).expect("copy");
        }
    }
}

/// The paths where two JSON documents differ, with both values.
fn json_changes(a: &serde_json::Value, b: &serde_json::Value, path: &str, out: &mut Vec<String>) {
    use serde_json::Value;
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            let keys: std::collections::BTreeSet<&String> = x.keys().chain(y.keys()).collect();
            for k in keys {
                let null = Value::Null;
                json_changes(
                    x.get(k).unwrap_or(&null),
                    y.get(k).unwrap_or(&null),
                    &format!("{path}.{k}"),
                    out,
                );
            }
        }
        (Value::Array(x), Value::Array(y)) if x.len() == y.len() => {
            for (i, (p, q)) in x.iter().zip(y).enumerate() {
                json_changes(p, q, &format!("{path}.{i}"), out);
            }
        }
        _ if a != b => out.push(format!("{path}: {a} -> {b}")),
        _ => {}
    }
}

#[test]
fn fix_round_trips_on_every_bundled_example() {
    // Each example, fixed with every fixable rule on: it loads to the same project but for the
    // fixed settings (credentials keep their values, now read from .env), its comments stay,
    // and a second --fix has nothing left to do.
    let allowed = |change: &str| {
        let parts: Vec<&str> = change.split(':').next().unwrap_or("").split('.').collect();
        matches!(
            parts.as_slice(),
            ["", "services", _, "cap_drop" | "read_only" | "security_opt"]
        ) || matches!(parts.as_slice(), ["", "services", _, "ports", _, "host_ip"])
    };
    let mut fixed_total = 0;
    for name in [
        "fog-compute-before",
        "fog-compute-after",
        "hw-server",
        "taylordash",
        "swarm-local",
    ] {
        let dir = tempfile::tempdir().expect("temp");
        copy_tree(&examples().join(name), dir.path());
        let config = |dir: &std::path::Path| -> serde_json::Value {
            let out = berth_env(dir, &["config", "--format", "json"], &[]);
            assert_eq!(
                out.status.code(),
                Some(0),
                "{name}: {}",
                String::from_utf8_lossy(&out.stderr)
            );
            serde_json::from_slice(&out.stdout).expect("json")
        };
        let before = config(dir.path());
        let comments = |dir: &std::path::Path| -> Vec<String> {
            let mut lines = Vec::new();
            for e in std::fs::read_dir(dir).expect("dir").flatten() {
                let p = e.path();
                if p.extension().is_some_and(|x| x == "yml" || x == "yaml") {
                    let text = std::fs::read_to_string(&p).expect("read");
                    lines.extend(
                        text.lines()
                            .filter(|l| l.trim_start().starts_with('#'))
                            .map(str::to_string),
                    );
                }
            }
            lines.sort();
            lines
        };
        let comments_before = comments(dir.path());
        let args = [
            "audit",
            "--fix",
            "--extend-select",
            "B8",
            "--production",
            "--fail-on",
            "never",
        ];
        let out = berth_env(dir.path(), &args, &[]);
        assert_eq!(
            out.status.code(),
            Some(0),
            "{name}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let said = String::from_utf8_lossy(&out.stderr);
        let made: usize = said
            .lines()
            .find_map(|l| l.strip_suffix(" fixes made")?.parse().ok())
            .unwrap_or_else(|| panic!("{name}: {said}"));
        assert!(made > 0, "{name}: nothing fixed");
        fixed_total += made;
        let after = config(dir.path());
        let mut changes = Vec::new();
        json_changes(&before, &after, "", &mut changes);
        // A volume renamed to the convention (B601) keeps its engine name: the same value
        // under the new key, and the mounts' sources renamed alike.
        let mut renames: Vec<(String, String)> = Vec::new();
        for gone in &changes {
            let Some((key, value)) = gone
                .strip_prefix(".volumes.")
                .and_then(|r| r.split_once(": "))
                .and_then(|(k, v)| Some((k, v.strip_suffix(" -> null")?)))
            else {
                continue;
            };
            let came = changes.iter().find_map(|c| {
                let (k, v) = c.strip_prefix(".volumes.")?.split_once(": null -> ")?;
                (v == value).then_some(k)
            });
            if let Some(new) = came {
                renames.push((key.to_string(), new.to_string()));
            }
        }
        let renamed = |c: &str| {
            renames.iter().any(|(old, new)| {
                c == format!(
                    ".volumes.{old}: {} -> null",
                    c.split_once(": ")
                        .map_or("", |x| x.1)
                        .trim_end_matches(" -> null")
                ) || c.starts_with(&format!(".volumes.{new}: null -> "))
                    || (c.starts_with(".services.")
                        && c.ends_with(&format!(".source: \"{old}\" -> \"{new}\"")))
            })
        };
        let unexpected: Vec<&String> = changes
            .iter()
            .filter(|c| !allowed(c) && !renamed(c))
            .collect();
        assert!(unexpected.is_empty(), "{name}: {unexpected:#?}");
        assert!(!changes.is_empty(), "{name}");
        assert_eq!(comments(dir.path()), comments_before, "{name}: comments");
        let again = berth_env(
            dir.path(),
            &[
                "audit",
                "--fix",
                "--dry-run",
                "--extend-select",
                "B8",
                "--production",
            ],
            &[],
        );
        assert!(stdout(&again).is_empty(), "{name}: {}", stdout(&again));
    }
    assert!(fixed_total > 100, "{fixed_total}");
}

#[test]
fn fix_dry_run_prints_a_diff_that_keeps_comments_anchors_and_quotes() {
    let dir = tempfile::tempdir().expect("temp");
    let compose = "# top comment\nname: shop\nservices:\n  db: &db\n    image: postgres:16.4\n    environment:\n      POSTGRES_PASSWORD: \"s3cret!\"   # keep me\n    ports:\n      - \"5432:5432\"\n  app:\n    image: app:1.0\n    environment:\n      - DB_PASSWORD=hunter2\n    ports: [\"8080:80\"]\n  cache: {image: redis:7.4, ports: [\"6379:6379\"]}\n";
    std::fs::write(dir.path().join("compose.yaml"), compose).expect("write");
    let out = berth_env(
        dir.path(),
        &["audit", "--fix", "--dry-run", "--select", "B202,B501,B8"],
        &[],
    );
    assert_eq!(out.status.code(), Some(0));
    snapshot("fix-dry-run.diff", &stdout(&out));
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(
        said.contains("not fixed: B803 compose.yaml:15: the service is written in flow style"),
        "{said}"
    );
    assert_eq!(
        std::fs::read_to_string(dir.path().join("compose.yaml")).expect("read"),
        compose,
        "--dry-run writes nothing"
    );
    assert!(!dir.path().join(".env").exists());
    // Fixed for real: the credentials stay out of the compose file, with the same values.
    let out = berth_env(
        dir.path(),
        &["audit", "--fix", "--select", "B202,B501"],
        &[],
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = std::fs::read_to_string(dir.path().join("compose.yaml")).expect("read");
    assert!(
        !text.contains("s3cret!") && !text.contains("hunter2"),
        "{text}"
    );
    assert_eq!(
        std::fs::read_to_string(dir.path().join(".env")).expect(".env"),
        "DB_PASSWORD='hunter2'\nPOSTGRES_PASSWORD='s3cret!'\n"
    );
    assert_eq!(
        std::fs::read_to_string(dir.path().join(".env.example")).expect(".env.example"),
        "DB_PASSWORD=\nPOSTGRES_PASSWORD=\n"
    );
    assert!(
        stdout(&out).contains("shop: 0 errors, 0 warnings, 0 info"),
        "{}",
        stdout(&out)
    );
}

#[test]
fn fix_renames_a_volume_to_the_convention_and_keeps_its_data() {
    let dir = tempfile::tempdir().expect("temp");
    let compose = "name: shop\nservices:\n  a:\n    image: x:1\n    volumes: [node1-data:/a, \"node2_data:/b\", nodeThreeData:/c]\n  b:\n    image: x:1\n    volumes:\n      - type: volume\n        source: node1-data\n        target: /d\nvolumes:\n  node1-data: {}\n  node2_data:\n  nodeThreeData:\n    driver: local # a comment\n";
    std::fs::write(dir.path().join("compose.yaml"), compose).expect("write");
    let config = || -> serde_json::Value {
        let out = berth_env(dir.path(), &["config", "--format", "json"], &[]);
        serde_json::from_slice(&out.stdout).expect("json")
    };
    let before = config();
    let out = berth_env(dir.path(), &["audit", "--fix", "--select", "B601"], &[]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout(&out).contains("shop: 0 errors, 0 warnings, 0 info"),
        "{}",
        stdout(&out)
    );
    let after = config();
    assert_eq!(after["volumes"]["node1_data"]["name"], "shop_node1-data");
    assert_eq!(
        after["volumes"]["node_three_data"]["name"],
        "shop_nodeThreeData"
    );
    assert_eq!(
        after["volumes"]["node_three_data"]["driver"],
        before["volumes"]["nodeThreeData"]["driver"]
    );
    assert_eq!(after["services"]["b"]["volumes"][0]["source"], "node1_data");
    assert_eq!(
        after["services"]["a"]["volumes"][2]["source"],
        "node_three_data"
    );
    let text = std::fs::read_to_string(dir.path().join("compose.yaml")).expect("read");
    assert!(
        text.contains(
            "  node_three_data:\n    name: shop_nodeThreeData\n    driver: local # a comment\n"
        ),
        "{text}"
    );
    assert!(
        text.contains("  node1_data: {name: shop_node1-data}\n"),
        "{text}"
    );
}

#[test]
fn fix_added_hardening_keys_to_the_anchor_a_service_merges() {
    // The service's first key came from `<<: *defaults`: the key went into x-defaults, which
    // every service merging it shares. It goes into the service's own block.
    let dir = tempfile::tempdir().expect("temp");
    let compose = "name: shop\nx-defaults: &defaults\n  image: x:1.0\n  restart: always\nservices:\n  a:\n    <<: *defaults\n    command: [a]\n  b: &b\n    # the second one\n    <<: *defaults\n  c: {<<: *defaults}\n";
    std::fs::write(dir.path().join("compose.yaml"), compose).expect("write");
    let out = berth_env(dir.path(), &["audit", "--fix", "--select", "B809"], &[]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = std::fs::read_to_string(dir.path().join("compose.yaml")).expect("read");
    assert_eq!(
        text,
        "name: shop\nx-defaults: &defaults\n  image: x:1.0\n  restart: always\nservices:\n  a:\n    read_only: true\n    <<: *defaults\n    command: [a]\n  b: &b\n    read_only: true\n    # the second one\n    <<: *defaults\n  c: {<<: *defaults}\n"
    );
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("not fixed: B809"),
        "c is flow style"
    );
}
