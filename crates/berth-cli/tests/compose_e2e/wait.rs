//! `pkg/e2e/wait_test.go`: `wait SERVICE` returns once the service's containers have exited,
//! never while one runs, and `--down-project` takes the project down afterwards.

use std::time::{Duration, Instant};

use crate::harness::{docker, tools, Cli};

const WAIT: &str = r"
services:
  faster:
    image: berth-test/busybox
    command: sleep 2
  slower:
    image: berth-test/busybox
    command: sleep 5
  infinity:
    image: berth-test/busybox
    init: true
    command: sleep infinity
";

fn up(tool: &crate::harness::Tool, name: &str) -> Cli {
    let c = Cli::new(tool, name, &[("compose.yaml", WAIT)]);
    c.with_file("compose.yaml", &["up", "-d"]).ok();
    c
}

/// TestWaitOnFaster
#[test]
fn test_wait_on_faster() {
    for tool in tools() {
        let c = up(&tool, "e2e-wait-faster");
        c.named(&["wait", "faster"]).ok();
    }
}

/// TestWaitOnSlower
#[test]
fn test_wait_on_slower() {
    for tool in tools() {
        let c = up(&tool, "e2e-wait-slower");
        c.named(&["wait", "slower"]).ok();
    }
}

/// TestWaitOnInfinity: `wait` on a service that never exits is still waiting 7 s later.
#[test]
fn test_wait_on_infinity() {
    for tool in tools() {
        let c = up(&tool, "e2e-wait-infinity");
        let mut waiting = c.spawn_named(&["wait", "infinity"]);
        let start = Instant::now();
        while start.elapsed() < Duration::from_secs(7) {
            assert!(
                waiting.still_running(),
                "{}: wait infinity should not finish",
                tool.name
            );
            std::thread::sleep(Duration::from_millis(250));
        }
    }
}

/// TestWaitAndDrop
#[test]
fn test_wait_and_drop() {
    for tool in tools() {
        let c = up(&tool, "e2e-wait-and-drop");
        c.named(&["wait", "--down-project", "faster"]).ok();
        let (_, all) = docker(&["ps", "--all"]);
        assert!(!all.contains(&c.project), "{}: {all}", tool.name);
    }
}
