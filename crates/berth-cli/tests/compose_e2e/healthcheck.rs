//! `pkg/e2e/healthcheck_test.go`: `healthcheck.start_interval`. The engine here speaks API
//! 1.41, so Docker Compose v2.40.3 refuses it before creating anything ("… require Docker
//! Engine v25 or later"; on a newer engine a missing `start_period` is refused instead, the
//! Go test's assertion), and a service without it turns healthy under `up --wait`.

use crate::harness::{tools, Cli};

const START_INTERVAL: &str = r#"
services:
  test:
    image: berth-test/busybox
    init: true
    command: sleep infinity
    healthcheck:
      interval: 1s
      start_period: 10s
      test: "/bin/true"
  error:
    image: berth-test/busybox
    init: true
    command: sleep infinity
    healthcheck:
      interval: 30s
      start_interval: 1s
      test: "/bin/true"
"#;

/// TestStartInterval
#[test]
fn test_start_interval() {
    for tool in tools() {
        let c = Cli::new(
            &tool,
            "e2e-start-interval",
            &[("compose.yaml", START_INTERVAL)],
        );
        let res = c.with_file("compose.yaml", &["up", "--wait", "-d", "error"]);
        res.fails(
            1,
            "can't set healthcheck.start_interval as feature require Docker Engine v25 or later",
        );
        assert!(c.states("error").is_empty(), "{}: created", tool.name);
        c.with_file("compose.yaml", &["up", "--wait", "-d", "test"])
            .ok()
            .has("Healthy");
    }
}
