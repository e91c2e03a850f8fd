//! `pkg/e2e/recreate_no_deps_test.go`: `up --force-recreate --no-deps SERVICE` replaces the
//! service and leaves its healthy dependency alone.

use crate::harness::{tools, Cli};

const COMPOSE: &str = r#"
services:
  my-service:
    image: berth-test/busybox
    init: true
    command: sleep infinity
    depends_on:
      dep:
        condition: service_healthy
  dep:
    image: berth-test/busybox
    init: true
    command: sleep infinity
    healthcheck:
      test: ["CMD", "true"]
      interval: 1s
"#;

fn ids(c: &Cli) -> Vec<String> {
    let res = c
        .named(&["ps", "-a", "--format", "{{.Service}} {{.ID}}"])
        .ok();
    let mut lines: Vec<String> = res.stdout.lines().map(str::to_string).collect();
    lines.sort();
    lines
}

/// TestRecreateWithNoDeps
#[test]
fn test_recreate_with_no_deps() {
    for tool in tools() {
        let c = Cli::new(&tool, "e2e-recreate-no-deps", &[("compose.yaml", COMPOSE)]);
        let p = c.project.clone();
        c.with_file("compose.yaml", &["up", "-d", "--wait"]).ok();
        c.assert_state("my-service", "running");
        let before = ids(&c);
        let res = c
            .with_file(
                "compose.yaml",
                &["up", "-d", "--force-recreate", "--no-deps", "my-service"],
            )
            .ok();
        res.has(&format!("Container {p}-my-service-1  Recreated"));
        res.lacks(&format!("{p}-dep-1"));
        // A replacement is reported as the reference reports it, without a creation.
        res.lacks("Creating");
        c.assert_state("my-service", "running");
        let after = ids(&c);
        assert_eq!(before[0], after[0], "{}: dep was recreated", tool.name);
        assert_ne!(before[1], after[1], "{}: my-service kept", tool.name);
    }
}
