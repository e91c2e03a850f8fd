//! Dependencies as the e2e scenarios use them (dependencies_test.go, start_fail_test.go):
//! `up --wait` with a `service_completed_successfully` dependency, the reference's message for
//! a dependency that exits, and `required: false` dependencies that fail: a warning, and the
//! dependent starts.

use crate::harness::{tools, Cli};

const DEPS: &str = r#"
services:
  init:
    image: berth-test/busybox
    command: sh -c "sleep 1; exit 0"
  app:
    image: berth-test/busybox
    init: true
    command: sleep 300
    depends_on:
      init:
        condition: service_completed_successfully
  db:
    image: berth-test/busybox
    command: sh -c "exit 1"
    healthcheck:
      test: ["CMD", "true"]
      interval: 1s
  web:
    image: berth-test/busybox
    init: true
    command: sleep 300
    depends_on:
      db:
        condition: service_healthy
  optional:
    image: berth-test/busybox
    init: true
    command: sleep 300
    depends_on:
      failing:
        condition: service_completed_successfully
        required: false
  failing:
    image: berth-test/busybox
    command: sh -c "exit 1"
"#;

#[test]
fn completed_failed_and_optional_dependencies_follow_the_reference() {
    for tool in tools() {
        let c = Cli::new(&tool, "e2e-dependencies", &[("compose.yaml", DEPS)]);
        let p = c.project.clone();
        c.with_file("compose.yaml", &["up", "-d", "--wait", "app"])
            .ok();
        let res = c
            .named(&["ps", "-a", "--format", "{{.Service}} {{.State}}"])
            .ok();
        assert_eq!(res.stdout, "app running\ninit exited\n", "{}", tool.name);

        c.with_file("compose.yaml", &["up", "-d", "web"]).fails(
            1,
            &format!("dependency failed to start: container {p}-db-1 exited (1)"),
        );

        let res = c.with_file("compose.yaml", &["up", "-d", "optional"]).ok();
        res.has("optional dependency \"failing\" didn't complete successfully: exit 1");
        res.has(&format!("Container {p}-optional-1  Started"));
        c.named(&["down", "-t", "0"]).ok();
    }
}
