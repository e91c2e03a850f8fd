//! `pkg/e2e/cascade_stop_test.go` and `pkg/e2e/cascade_test.go`: attached `up` with
//! `--abort-on-container-exit`, `--exit-code-from` and `--abort-on-container-failure`.

use std::time::Duration;

use crate::harness::{tools, Cli};

const CASCADE_STOP: &str = r"
services:
  should_fail:
    image: berth-test/busybox
    command: ls /does_not_exist
  sleep:
    image: berth-test/busybox
    command: ping localhost
";

const CASCADE: &str = r#"
services:
  running:
    image: berth-test/busybox
    init: true
    command: sleep infinity
  exit:
    image: berth-test/busybox
    command: /bin/true
  fail:
    image: berth-test/busybox
    command: sh -c "sleep 0.1 && /bin/false"
"#;

/// TestCascadeStop (`cascade_stop_test.go`): the first exit stops the project; the exit code
/// is that container's, or the `--exit-code-from` service's (137: `ping` was killed).
#[test]
fn test_cascade_stop() {
    for tool in tools() {
        let c = Cli::new(&tool, "e2e-cascade-stop", &[("compose.yaml", CASCADE_STOP)]);
        let res = c.with_file("compose.yaml", &["up", "--abort-on-container-exit"]);
        res.fails(1, "should_fail-1 exited with code 1");
        res.has("Aborting on container exit...");
        let res = c.with_file("compose.yaml", &["up", "--exit-code-from=sleep"]);
        res.fails(137, "should_fail-1 exited with code 1");
        res.has("Aborting on container exit...");
        let res = c.with_file("compose.yaml", &["up", "--exit-code-from=unknown"]);
        res.fails(1, "no such service: unknown");
        c.named(&["down"]).ok();
    }
}

/// TestCascadeFail (`cascade_test.go`): a clean exit does not abort, a failure does, with its
/// exit code.
#[test]
fn test_cascade_fail() {
    for tool in tools() {
        let c = Cli::new(&tool, "e2e-cascade-fail", &[("compose.yaml", CASCADE)]);
        let res = c.with_file("compose.yaml", &["up", "--abort-on-container-failure"]);
        res.fails(1, "exit-1 exited with code 0");
        res.has("fail-1 exited with code 1");
        c.assert_state("running", "exited");
    }
}

/// TestCascadeIgnoresOneOffContainer (`cascade_test.go`): a one-off container of the project
/// that exits does not abort an attached `up --abort-on-container-exit`. Docker Compose
/// v2.40.3 still aborts there (the Go test came with the fix, after that release), so this
/// runs with Berth only.
#[test]
fn test_cascade_ignores_one_off_container() {
    let Some(tool) = tools().into_iter().next() else {
        return;
    };
    let tool = &tool;
    let c = Cli::new(tool, "e2e-cascade-oneoff", &[("compose.yaml", CASCADE)]);
    let up = c.spawn_named_output(&[
        "-f",
        "compose.yaml",
        "up",
        "--abort-on-container-exit",
        "--menu=false",
        "running",
    ]);
    crate::harness::within("Attaching to running-1", || {
        up.output().contains("Attaching to running-1")
    });
    c.with_file(
        "compose.yaml",
        &["run", "--rm", "--no-deps", "running", "/bin/true"],
    )
    .ok();
    std::thread::sleep(Duration::from_secs(3));
    assert!(
        !up.output().contains("Aborting on container exit"),
        "{}",
        up.output()
    );
    c.assert_state("running", "running");
}
