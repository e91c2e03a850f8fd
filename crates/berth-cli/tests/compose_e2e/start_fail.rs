//! `pkg/e2e/start_fail_test.go` and the failing-dependency scenarios of `up_test.go`: `up`
//! fails when a dependency never turns healthy or exits, naming the container, and leaves the
//! dependent created.

use crate::harness::{tools, Cli};

const START_FAIL: &str = r#"
services:
  fail:
    image: berth-test/busybox
    init: true
    command: sleep infinity
    healthcheck:
      test: "false"
      interval: 1s
      retries: 3
  depends:
    image: berth-test/busybox
    init: true
    command: sleep infinity
    depends_on:
      fail:
        condition: service_healthy
"#;

const DEPENDENCY_EXIT: &str = r#"
services:
  web:
    image: berth-test/busybox
    init: true
    command: sleep infinity
    depends_on:
      db:
        condition: service_healthy
  db:
    image: berth-test/busybox
    command: sh -c "exit 1"
"#;

/// TestStartFail, and TestUpServiceUnhealthy (`up_test.go`), which asserts the same on the
/// same project: the message names the container (v2.40.3's words; the older Go file named
/// the service), and the dependent stays created.
#[test]
fn test_start_fail() {
    for tool in tools() {
        let c = Cli::new(&tool, "e2e-start-fail", &[("compose.yaml", START_FAIL)]);
        let p = c.project.clone();
        let res = c.with_file("compose.yaml", &["up", "-d"]);
        res.fails(1, &format!("container {p}-fail-1 is unhealthy"));
        res.has(&format!("Container {p}-fail-1  Error"));
        c.assert_state("depends", "created");
        c.named(&["down"]).ok();
    }
}

/// TestUpWithDependencyExit
#[test]
fn test_up_with_dependency_exit() {
    for tool in tools() {
        let c = Cli::new(
            &tool,
            "e2e-dependency-exit",
            &[("compose.yaml", DEPENDENCY_EXIT)],
        );
        let p = c.project.clone();
        let res = c.with_file("compose.yaml", &["up", "-d"]);
        res.fails(
            1,
            &format!("dependency failed to start: container {p}-db-1 exited (1)"),
        );
        c.assert_state("web", "created");
    }
}
