//! `pkg/e2e/hooks_test.go`: `post_start` hooks run once the container has started and a
//! failing one fails `up`; `pre_stop` hooks run before `stop` and `down`, and a failing one
//! fails them; each with the reference's `SERVICE hook exited with status N`.

use crate::harness::{docker, tools, Cli};

const POST_START_ERROR: &str = r"
services:
  test:
    image: berth-test/busybox
    init: true
    command: sleep infinity
    post_start:
      - command: sh -c 'command in error'
";

const HOOKS: &str = r#"
services:
  sample:
    image: berth-test/busybox
    init: true
    command: sleep infinity
    volumes:
      - "data:/data"
    pre_stop:
      - command: sh -c 'echo "In the pre-stop" >> /data/log.txt'
  test:
    image: berth-test/busybox
    init: true
    command: sleep infinity
    post_start:
      - command: sh -c 'echo $$GREETING from $$(pwd) as $$(id -u)'
        environment:
          GREETING: hello
        working_dir: /tmp
        user: "1000"
volumes:
  data: {}
"#;

const PRE_STOP_ERROR: &str = r"
services:
  sample:
    image: berth-test/busybox
    init: true
    command: sleep infinity
    pre_stop:
      - command: sh -c 'command in error'
";

/// What the project's `data` volume holds in `log.txt`.
fn pre_stop_log(c: &Cli) -> String {
    let volume = format!("{}_data:/mnt", c.project);
    docker(&[
        "run",
        "--rm",
        "-v",
        &volume,
        "berth-test/busybox",
        "sh",
        "-c",
        "cat /mnt/log.txt 2>/dev/null || echo missing",
    ])
    .1
}

/// TestPostStartHookInError: detached and attached.
#[test]
fn test_post_start_hook_in_error() {
    for tool in tools() {
        let c = Cli::new(
            &tool,
            "e2e-post-start-error",
            &[("compose.yaml", POST_START_ERROR)],
        );
        c.with_file("compose.yaml", &["up", "-d"])
            .fails(1, "test hook exited with status 127");
        c.with_file("compose.yaml", &["down", "-t", "0"]).ok();
        // Attached, the hook's output is shown as the container's, marked as the hook's.
        let res = c.with_file("compose.yaml", &["up", "--menu=false"]);
        res.fails(1, "test hook exited with status 127");
        res.has("test-1 ->  | sh: in: not found");
    }
}

/// TestPostStartHookSuccess and TestPostStartAndPreStopHook: the hook runs with its own
/// environment, working folder and user, and `up` goes on.
#[test]
fn test_post_start_hook_success() {
    for tool in tools() {
        let c = Cli::new(&tool, "e2e-post-start-success", &[("compose.yaml", HOOKS)]);
        c.with_file("compose.yaml", &["up", "-d"]).ok();
        c.assert_state("test", "running");
        c.assert_state("sample", "running");
    }
}

/// The hook's output in attached `up`, marked as the hook's (`test-1 ->  | …`).
#[test]
fn post_start_hook_output_is_shown_attached() {
    for tool in tools() {
        let c = Cli::new(
            &tool,
            "e2e-post-start-attached",
            &[("compose.yaml", &HOOKS.replace("sleep infinity", "sleep 2"))],
        );
        c.with_file("compose.yaml", &["up", "--menu=false", "test"])
            .ok()
            .has("test-1 ->  | hello from /tmp as 1000");
    }
}

/// TestPreStopHookInError: `down` and `stop` fail on the hook's error.
#[test]
fn test_pre_stop_hook_in_error() {
    for tool in tools() {
        let c = Cli::new(
            &tool,
            "e2e-pre-stop-error",
            &[("compose.yaml", PRE_STOP_ERROR)],
        );
        c.with_file("compose.yaml", &["up", "-d"]).ok();
        c.assert_state("sample", "running");
        c.with_file("compose.yaml", &["down", "-t", "0"])
            .fails(1, "sample hook exited with status 127");
        c.with_file("compose.yaml", &["stop"])
            .fails(1, "sample hook exited with status 127");
        // The hook's failure leaves the container as it was.
        c.assert_state("sample", "running");
    }
}

/// TestPreStopHookSuccessWithPreviousStop: stopping the hooked service leaves the other one
/// running.
#[test]
fn test_pre_stop_hook_success_with_previous_stop() {
    for tool in tools() {
        let c = Cli::new(&tool, "e2e-pre-stop-previous", &[("compose.yaml", HOOKS)]);
        c.with_file("compose.yaml", &["up", "-d"]).ok();
        c.with_file("compose.yaml", &["stop", "sample"]).ok();
        c.assert_state("sample", "exited");
        c.assert_state("test", "running");
    }
}

/// TestPreStopHookSuccess: what the hook writes before the stop is in the volume. Docker
/// Compose v2.40.3 runs `pre_stop` hooks on `down` and `restart` but, detached, loses the one
/// of `stop` (the file stays missing; later releases, whose Go test this is, write it), so
/// `stop` is checked with Berth only and `down` with both.
#[test]
fn test_pre_stop_hook_success() {
    for tool in tools() {
        let c = Cli::new(&tool, "e2e-pre-stop-success", &[("compose.yaml", HOOKS)]);
        c.with_file("compose.yaml", &["up", "-d"]).ok();
        c.assert_state("sample", "running");
        if tool.name == "berth" {
            c.with_file("compose.yaml", &["stop"]).ok();
            c.assert_state("sample", "exited");
            assert!(pre_stop_log(&c).contains("In the pre-stop"));
            c.with_file("compose.yaml", &["start"]).ok();
        }
        c.with_file("compose.yaml", &["down"]).ok();
        let log = pre_stop_log(&c);
        assert!(log.contains("In the pre-stop"), "{}: {log}", tool.name);
    }
}
