//! `pkg/e2e/restart_test.go`: `restart` of a project named by `--project-name` or
//! `COMPOSE_PROJECT_NAME` alone, in dependency order, restarting the dependents that ask for it
//! (`depends_on: {restart: true}`) once their dependency is healthy again.

use crate::harness::{tools, Cli};

const RESTART: &str = r#"
services:
  restart:
    image: berth-test/busybox
    init: true
    command: sh -c "if [ -f /tmp/restart.lock ] ; then sleep 3600; else touch /tmp/restart.lock; fi"
  test:
    profiles: [test]
    image: berth-test/busybox
    init: true
    command: sleep 3600
"#;

const DEPENDS_ON: &str = r#"
services:
  with-restart:
    image: berth-test/busybox
    init: true
    command: tail -f /dev/null
    depends_on:
      nginx: {condition: service_healthy, restart: true}
  no-restart:
    image: berth-test/busybox
    init: true
    command: tail -f /dev/null
    depends_on:
      nginx: { condition: service_healthy }
  nginx:
    image: berth-test/busybox
    init: true
    command: sh -c "touch /tmp/ok; exec sleep 3600"
    labels:
      TEST: ${LABEL:-test}
    healthcheck:
      test: "test -f /tmp/ok"
      interval: 1s
      timeout: 1s
      retries: 10
"#;

/// TestRestart
#[test]
fn test_restart() {
    for tool in tools() {
        let c = Cli::new(&tool, "e2e-restart", &[("compose.yaml", RESTART)]);
        let p = c.project.clone();
        c.named(&["down"]).ok();
        let res = c.with_file("compose.yaml", &["up", "-d"]).ok();
        res.has(&format!("Container {p}-restart-1  Started"));
        // Wait for the first run to exit.
        let mut exited = false;
        for _ in 0..50 {
            let res = c.named(&["ps", "-a", "--format", "json"]).ok();
            if res.stdout.contains(r#""State":"exited""#) {
                exited = true;
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(200));
        }
        assert!(exited, "{}: the first run did not exit", tool.name);
        let res = c.named(&["ps", "-a"]).ok();
        res.line_with(&[&format!("{p}-restart-1"), "restart", "Exited"]);
        c.with_file("compose.yaml", &["restart"]).ok();
        // Give it the same time, but it must not exit.
        std::thread::sleep(std::time::Duration::from_secs(1));
        let res = c.named(&["ps"]).ok();
        res.line_with(&[&format!("{p}-restart-1"), "restart", "Up"]);
        c.named(&["down", "-t", "0"]).ok();
    }
}

/// TestRestartWithDependencies
#[test]
fn test_restart_with_dependencies() {
    for tool in tools() {
        let mut c = Cli::new(
            &tool,
            "e2e-restart-deps",
            &[("compose-depends-on.yaml", DEPENDS_ON)],
        );
        let p = c.project.clone();
        c.env("COMPOSE_PROJECT_NAME", &p);
        c.run(&["-f", "compose-depends-on.yaml", "up", "-d"]).ok();
        let out = c.run(&["restart", "-t", "0", "nginx"]).ok();
        out.has(&format!("Container {p}-nginx-1  Restarting"));
        out.has(&format!("Container {p}-nginx-1  Healthy"));
        out.has(&format!("Container {p}-with-restart-1  Started"));
        out.lacks("no-restart");
        let combined = out.combined();
        let healthy = combined.find(&format!("{p}-nginx-1  Healthy"));
        let dependent = combined.find(&format!("{p}-with-restart-1  Restarting"));
        assert!(healthy < dependent, "{}: {combined}", tool.name);

        c.env("LABEL", "recreate");
        let out = c.run(&["-f", "compose-depends-on.yaml", "up", "-d"]).ok();
        out.has(&format!("Container {p}-with-restart-1  Stopped"));
        out.has(&format!("Container {p}-nginx-1  Recreated"));
        out.has(&format!("Container {p}-nginx-1  Healthy"));
        out.has(&format!("Container {p}-with-restart-1  Started"));
        out.has(&format!("Container {p}-no-restart-1  Running"));
        c.run(&["down", "-t", "0", "--remove-orphans"]).ok();
    }
}

/// TestRestartWithProfiles
#[test]
fn test_restart_with_profiles() {
    for tool in tools() {
        let mut c = Cli::new(&tool, "e2e-restart-profiles", &[("compose.yaml", RESTART)]);
        let p = c.project.clone();
        c.env("COMPOSE_PROJECT_NAME", &p);
        c.run(&["-f", "compose.yaml", "--profile", "test", "up", "-d"])
            .ok();
        let out = c.run(&["restart", "-t", "0", "test"]).ok();
        out.has(&format!("Container {p}-test-1  Started"));
        c.run(&["down", "-t", "0", "--remove-orphans"]).ok();
    }
}
