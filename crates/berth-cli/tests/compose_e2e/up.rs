//! `pkg/e2e/up_test.go` (the scenarios `start_fail.rs` does not hold): Ctrl-C of `up SERVICE`
//! stops that service and leaves its dependency and other containers running; a built image
//! shared by two services; scaling up without recreating; an optional dependency that cannot
//! start; `--all-resources`; `up` of a profiled service; an image named by its bare ID.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::harness::{docker, tools, Cli};

const DEPS_STOP: &str = r#"
services:
  app:
    image: berth-test/busybox
    init: true
    command: sh -c "echo hello app; sleep infinity"
    depends_on: [dependency]
  dependency:
    image: berth-test/busybox
    init: true
    command: sleep infinity
"#;

const ORPHAN: &str =
    "services:\n  orphan:\n    image: berth-test/busybox\n    init: true\n    command: sleep infinity\n";

/// TestUpDependenciesNotStopped. Regression: Berth's Ctrl-C stopped the dependency too.
#[test]
fn test_up_dependencies_not_stopped() {
    for tool in tools() {
        let c = Cli::new(
            &tool,
            "up-deps-stop",
            &[("compose.yaml", DEPS_STOP), ("orphan.yaml", ORPHAN)],
        );
        c.with_file("orphan.yaml", &["up", "--wait", "--detach", "orphan"])
            .ok();
        c.assert_state("orphan", "running");
        // Its own process group, as the Go test starts it, so that Ctrl-C reaches it alone.
        let out = tempfile::NamedTempFile::new().expect("output file");
        let mut up = {
            use std::os::unix::process::CommandExt as _;
            Command::new(&tool.bin)
                .current_dir(c.dir.path())
                .args([
                    "-f",
                    "compose.yaml",
                    "-p",
                    &c.project,
                    "up",
                    "--menu=false",
                    "app",
                ])
                .stdin(Stdio::null())
                .stdout(out.reopen().expect("reopen"))
                .stderr(Stdio::null())
                .process_group(0)
                .spawn()
                .expect("start up")
        };
        crate::harness::within("hello app", || {
            std::fs::read_to_string(out.path()).is_ok_and(|s| s.contains("hello app"))
        });
        c.assert_state("app", "running");
        c.assert_state("dependency", "running");
        let group = format!("-{}", up.id());
        assert!(Command::new("kill")
            .args(["-INT", "--", &group])
            .status()
            .is_ok_and(|s| s.success()));
        let start = Instant::now();
        let status = loop {
            if let Some(st) = up.try_wait().expect("wait") {
                break st;
            }
            if start.elapsed() > Duration::from_mins(1) {
                let _ = up.kill();
                panic!("{}: up still running 60 s after Ctrl-C", tool.name);
            }
            std::thread::sleep(Duration::from_millis(100));
        };
        assert_eq!(status.code(), Some(130), "{}", tool.name);
        c.assert_state("app", "exited");
        c.assert_state("dependency", "running");
        c.assert_state("orphan", "running");
    }
}

/// TestUpWithBuildDependencies: one service builds the image another runs.
#[test]
fn test_up_with_build_dependencies() {
    for tool in tools() {
        let mut c = Cli::new(
            &tool,
            "e2e-build-deps",
            &[
                (
                    "compose.yaml",
                    "services:\n  foo:\n    image: ${BUILT_IMAGE}\n    build:\n      context: .\n  bar:\n    image: ${BUILT_IMAGE}\n    depends_on:\n      - foo\n",
                ),
                ("Dockerfile", "FROM berth-test/busybox\nRUN echo \"hello\"\n"),
            ],
        );
        let image = format!("{}-built", c.project);
        c.env("BUILT_IMAGE", &image);
        c.named(&["up", "-d"]).ok();
        assert!(docker(&["image", "inspect", &image]).0, "{}", tool.name);
        c.named(&["down"]).ok();
        let _ = docker(&["image", "rm", "-f", &image]);
    }
}

/// TestScaleDoesntRecreate
#[test]
fn test_scale_doesnt_recreate() {
    for tool in tools() {
        let c = Cli::new(
            &tool,
            "e2e-scale-no-recreate",
            &[(
                "compose.yaml",
                "services:\n  simple:\n    image: berth-test/busybox\n    init: true\n    command: sleep infinity\n",
            )],
        );
        c.named(&["up", "-d"]).ok();
        c.named(&["up", "--scale", "simple=2", "-d"])
            .ok()
            .lacks("Recreated");
        let p = &c.project;
        let names = c.named(&["ps", "--format", "{{.Name}}"]).ok().stdout;
        let mut names: Vec<&str> = names.lines().collect();
        names.sort_unstable();
        assert_eq!(
            names,
            [format!("{p}-simple-1"), format!("{p}-simple-2")],
            "{}",
            tool.name
        );
    }
}

/// TestUpWithDependencyNotRequired: an optional dependency without a healthcheck does not
/// stop its dependent (the warning says why).
#[test]
fn test_up_with_dependency_not_required() {
    for tool in tools() {
        let c = Cli::new(
            &tool,
            "e2e-dependency-not-required",
            &[(
                "compose.yaml",
                "services:\n  foo:\n    image: berth-test/busybox\n    command: echo \"foo\"\n    depends_on:\n      bar:\n        required: false\n        condition: service_healthy\n  bar:\n    image: berth-test/busybox\n    init: true\n    command: sleep infinity\n    profiles: [not-required]\n",
            )],
        );
        let res = c.named(&["--profile", "not-required", "up", "-d"]).ok();
        res.has("foo");
        res.has("optional dependency \"bar\" failed to start");
        res.has("has no healthcheck configured");
    }
}

/// TestUpWithAllResources
#[test]
fn test_up_with_all_resources() {
    for tool in tools() {
        let c = Cli::new(
            &tool,
            "e2e-all-resources",
            &[(
                "compose.yaml",
                "volumes:\n  my_vol: {}\nnetworks:\n  my_net: {}\n",
            )],
        );
        let p = &c.project;
        let res = c.named(&["--all-resources", "up"]).ok();
        res.has(&format!("Volume {p}_my_vol  Created"));
        res.has(&format!("Network {p}_my_net  Created"));
        c.named(&["--all-resources", "down", "-v"]).ok();
    }
}

/// TestUpProfile
#[test]
fn test_up_profile() {
    for tool in tools() {
        let c = Cli::new(
            &tool,
            "e2e-up-profile",
            &[(
                "compose.yaml",
                "services:\n  foo:\n    profiles: [ test ]\n    image: berth-test/busybox\n    depends_on: [ db ]\n  bar:\n    profiles: [ test ]\n    image: berth-test/busybox\n  db:\n    image: berth-test/busybox\n",
            )],
        );
        c.named(&["up", "foo"]).ok();
        c.assert_state("foo", "exited");
        c.assert_state("db", "exited");
        assert!(c.states("bar").is_empty(), "{}", tool.name);
    }
}

/// TestUpImageID
#[test]
fn test_up_image_id() {
    if tools().is_empty() {
        return;
    }
    let (_, digest) = docker(&["image", "inspect", "berth-test/busybox", "-f", "{{ .ID }}"]);
    let id = digest
        .trim()
        .split_once(':')
        .map(|(_, id)| id.to_string())
        .unwrap_or_default();
    for tool in tools() {
        let mut c = Cli::new(
            &tool,
            "e2e-up-image-id",
            &[(
                "compose.yaml",
                "services:\n  test:\n    image: ${ID:?ID variable must be set}\n",
            )],
        );
        c.env("ID", &id);
        c.named(&["up"]).ok();
    }
}
