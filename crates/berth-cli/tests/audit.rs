//! `berth audit` as a user runs it, on the fog-compute "before" example: findings, exit
//! statuses, the JSON output, `--explain` and `--list-rules`.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn example() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/fog-compute-before")
}

fn berth(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_berth"))
        .current_dir(example())
        .args(args)
        .env_remove("COMPOSE_FILE")
        .env_remove("COMPOSE_PROJECT_NAME")
        .output()
        .expect("run berth")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
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
        text.contains("\"file\": \"docker-compose.yml\",\n          \"line\": 10,"),
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
