//! `pkg/e2e/start_stop_test.go`: `stop`, `start`, `ps` and `down` of a project named only by
//! `--project-name`, with no compose file given, as most of the Go tests clean up.

use crate::harness::{tools, Cli};

const START_STOP: &str = r"
services:
  simple:
    image: berth-test/busybox
    command: sleep 3600
    init: true
  another:
    image: berth-test/busybox
    command: sleep 3600
    init: true
  hello:
    image: berth-test/busybox
    command: echo please-see-me
";

const DEPENDENCIES: &str = r"
services:
  foo:
    image: berth-test/busybox
    command: sleep 3600
    init: true
    depends_on:
      - bar
  bar:
    image: berth-test/busybox
    command: sleep 3600
    init: true
";

/// TestStartStop
#[test]
fn test_start_stop() {
    for tool in tools() {
        let c = Cli::new(
            &tool,
            "e2e-start-stop-no-dependencies",
            &[("compose.yaml", START_STOP)],
        );
        let p = c.project.clone();
        let res = c.with_file("compose.yaml", &["up", "-d"]).ok();
        res.has(&format!("Container {p}-simple-1  Started"));
        // `hello` exits at once; the moment it takes is waited for.
        c.eventually(&["ls", "--all"], |r| {
            r.stdout
                .lines()
                .any(|l| l.starts_with(&format!("{p} ")) && l.contains("running(2)"))
        })
        .ok()
        .line_with(&[&p, "running(2)"]);
        let res = c.named(&["ps"]).ok();
        res.line_with(&[&format!("{p}-simple-1"), "simple", "Up"]);
        res.line_with(&[&format!("{p}-another-1"), "another", "Up"]);

        // stop project
        c.with_file("compose.yaml", &["stop"]).ok();
        c.run(&["ls"]).ok().lacks(&format!("{p} "));
        c.run(&["ls", "--all"]).ok().line_with(&[&p, "exited(3)"]);
        c.named(&["ps"]).ok().lacks(&format!("{p}-simple-1"));
        let res = c.named(&["ps", "--all"]).ok();
        res.line_with(&[&format!("{p}-simple-1"), "simple", "Exited"]);
        res.line_with(&[&format!("{p}-another-1"), "another", "Exited"]);

        // start project: `hello` starts too, and exits at once.
        c.with_file("compose.yaml", &["start"]).ok();
        let ls = c.eventually(&["ls"], |r| {
            r.stdout
                .lines()
                .any(|l| l.starts_with(&format!("{p} ")) && l.contains("running(2)"))
        });
        ls.line_with(&[&p, "running(2)"]);

        // down, by name only
        let res = c.named(&["down"]).ok();
        res.has(&format!("Container {p}-simple-1  Removed"));
        res.has(&format!("Network {p}_default  Removed"));
        c.named(&["ps", "--all"]).ok().lacks(&p);
    }
}

/// TestStartStopWithDependencies
#[test]
fn test_start_stop_with_dependencies() {
    for tool in tools() {
        let c = Cli::new(
            &tool,
            "e2e-start-stop-with-dependencies",
            &[("compose.yaml", DEPENDENCIES)],
        );
        let p = c.project.clone();
        let res = c.with_file("compose.yaml", &["up", "-d"]).ok();
        res.has(&format!("Container {p}-foo-1  Started"));
        res.has(&format!("Container {p}-bar-1  Started"));

        // stop foo
        let res = c.named(&["stop", "foo"]).ok();
        res.has(&format!("Container {p}-foo-1  Stopped"));
        let res = c.named(&["ps", "--status", "running"]).ok();
        res.has(&format!("{p}-bar-1"));
        res.lacks(&format!("{p}-foo-1"));

        // start foo: its dependency first
        let res = c.named(&["stop"]).ok();
        res.has(&format!("Container {p}-bar-1  Stopped"));
        let res = c.named(&["start", "foo"]).ok();
        res.has(&format!("Container {p}-bar-1  Started"));
        res.has(&format!("Container {p}-foo-1  Started"));
        let combined = res.combined();
        let bar = combined.find(&format!("{p}-bar-1  Started"));
        let foo = combined.find(&format!("{p}-foo-1  Started"));
        assert!(
            bar < foo,
            "{}: bar must start before foo\n{combined}",
            tool.name
        );
        let res = c.named(&["ps", "--status", "running"]).ok();
        res.has(&format!("{p}-bar-1"));
        res.has(&format!("{p}-foo-1"));

        // Up no-deps
        c.named(&["down", "-t", "0"]).ok();
        let res = c
            .with_file("compose.yaml", &["up", "--no-deps", "-d", "foo"])
            .ok();
        res.has(&format!("Container {p}-foo-1  Started"));
        res.lacks(&format!("Container {p}-bar-1  Started"));

        // A service the named project does not hold.
        c.named(&["start", "nosuch"])
            .fails(1, "no such service: \"nosuch\": not found");
        c.named(&["down", "-t", "0"]).ok();
    }
}

/// TestStartStopWithOneOffs
#[test]
fn test_start_stop_with_one_offs() {
    for tool in tools() {
        let c = Cli::new(
            &tool,
            "e2e-start-stop-with-oneoffs",
            &[("compose.yaml", DEPENDENCIES)],
        );
        let p = c.project.clone();
        let res = c.with_file("compose.yaml", &["up", "-d"]).ok();
        res.has(&format!("Container {p}-foo-1  Started"));

        // run one-off
        c.with_file("compose.yaml", &["run", "-d", "bar", "sleep", "3600"])
            .ok();
        let res = c.named(&["ps", "-a"]).ok();
        res.has(&format!("{p}-foo-1"));
        res.has(&format!("{p}-bar-1"));
        res.has(&format!("{p}-bar-run-"));

        // stop (not one-off containers)
        let res = c.named(&["stop", "-t", "0"]).ok();
        res.has(&format!("{p}-foo-1"));
        res.has(&format!("{p}-bar-1"));
        res.lacks(&format!("{p}-bar-run-"));
        let res = c.named(&["ps", "-a", "--status", "running"]).ok();
        res.has(&format!("{p}-bar-run-"));

        // start (not one-off containers)
        let res = c.named(&["start"]).ok();
        res.has(&format!("{p}-foo-1"));
        res.has(&format!("{p}-bar-1"));
        res.lacks(&format!("{p}-bar-run-"));

        // restart (not one-off containers)
        let res = c.named(&["restart", "-t", "0"]).ok();
        res.has(&format!("{p}-foo-1"));
        res.has(&format!("{p}-bar-1"));
        res.lacks(&format!("{p}-bar-run-"));

        // down --remove-orphans takes the one-off container too
        c.named(&["down", "-t", "0", "--remove-orphans"]).ok();
        let res = c.named(&["ps", "-a", "--status", "running"]).ok();
        res.lacks(&format!("{p}-bar"));
    }
}
