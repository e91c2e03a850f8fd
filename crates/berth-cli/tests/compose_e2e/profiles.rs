//! `pkg/e2e/profiles_test.go`: `up`, `stop`, `start` and `restart` with `--profile`, without
//! it, and with a profiled service named on the command line (which enables its profile).

use crate::harness::{docker, tools, Cli};

const PROFILES: &str = r"
services:
  regular-service:
    image: berth-test/busybox
    init: true
    command: sleep infinity
  profiled-service:
    image: berth-test/busybox
    init: true
    command: sleep infinity
    profiles:
      - test-profile
";

const REGULAR: &str = "regular-service";
const PROFILED: &str = "profiled-service";

fn cli(tool: &crate::harness::Tool, name: &str) -> Cli {
    Cli::new(tool, name, &[("compose.yaml", PROFILES)])
}

/// The services `ps --status running` lists (the Go tests read its table).
fn running(c: &Cli) -> String {
    c.named(&["ps", "--status", "running"]).ok().combined()
}

/// Takes the project down; nothing of it runs afterwards.
fn down_leaves_nothing(c: &Cli) {
    c.named(&["down"]).ok();
    let (_, ps) = docker(&["ps"]);
    assert!(!ps.contains(&c.project), "{}: {ps}", c.tool.name);
}

/// TestExplicitProfileUsage
#[test]
fn test_explicit_profile_usage() {
    for tool in tools() {
        let c = cli(&tool, "compose-e2e-profiles");
        let with_profile = |args: &[&str]| {
            let mut all = vec!["--profile", "test-profile"];
            all.extend_from_slice(args);
            c.with_file("compose.yaml", &all).ok();
        };
        with_profile(&["up", "-d"]);
        let ps = c.named(&["ps"]).ok();
        ps.has(REGULAR);
        ps.has(PROFILED);
        with_profile(&["stop"]);
        let ps = running(&c);
        assert!(!ps.contains(REGULAR) && !ps.contains(PROFILED), "{ps}");
        with_profile(&["start"]);
        let ps = running(&c);
        assert!(ps.contains(REGULAR) && ps.contains(PROFILED), "{ps}");
        with_profile(&["restart"]);
        let ps = running(&c);
        assert!(ps.contains(REGULAR) && ps.contains(PROFILED), "{ps}");
        down_leaves_nothing(&c);
    }
}

/// TestNoProfileUsage
#[test]
fn test_no_profile_usage() {
    for tool in tools() {
        let c = cli(&tool, "compose-e2e-no-profiles");
        c.with_file("compose.yaml", &["up", "-d"]).ok();
        let ps = c.named(&["ps"]).ok();
        ps.has(REGULAR);
        ps.lacks(PROFILED);
        c.with_file("compose.yaml", &["stop"]).ok();
        let ps = running(&c);
        assert!(!ps.contains(REGULAR) && !ps.contains(PROFILED), "{ps}");
        for cmd in ["start", "restart"] {
            c.with_file("compose.yaml", &[cmd]).ok();
            let ps = running(&c);
            assert!(
                ps.contains(REGULAR) && !ps.contains(PROFILED),
                "{cmd}: {ps}"
            );
        }
        down_leaves_nothing(&c);
    }
}

/// TestActiveProfileViaTargetedService
#[test]
fn test_active_profile_via_targeted_service() {
    for tool in tools() {
        let c = cli(&tool, "compose-e2e-profiles-via-target-service");
        c.with_file("compose.yaml", &["up", PROFILED, "-d"]).ok();
        for ps in [
            c.named(&["ps"]).ok(),
            c.named(&["--profile", "test-profile", "ps"]).ok(),
        ] {
            ps.lacks(REGULAR);
            ps.has(PROFILED);
        }
        c.with_file("compose.yaml", &["stop", PROFILED]).ok();
        let ps = running(&c);
        assert!(!ps.contains(REGULAR) && !ps.contains(PROFILED), "{ps}");
        c.with_file("compose.yaml", &["start", PROFILED]).ok();
        let ps = running(&c);
        assert!(!ps.contains(REGULAR) && ps.contains(PROFILED), "{ps}");
        c.with_file("compose.yaml", &["restart"]).ok();
        let ps = running(&c);
        assert!(!ps.contains(REGULAR) && ps.contains(PROFILED), "{ps}");
        down_leaves_nothing(&c);
    }
}

/// Naming a service enables it, not what it depends on: a required dependency of an
/// inactive profile fails the command, as compose-go's `WithServicesEnabled` leaves it.
/// Regression: Berth enabled the dependency too and started it.
#[test]
fn naming_a_service_does_not_enable_its_dependencies_profiles() {
    for tool in tools() {
        let c = Cli::new(
            &tool,
            "e2e-profiles-deps",
            &[(
                "compose.yaml",
                "services:\n  foo:\n    image: berth-test/busybox\n    command: echo foo\n    depends_on: [bar]\n  bar:\n    image: berth-test/busybox\n    profiles: [p]\n",
            )],
        );
        c.named(&["up", "-d", "foo"])
            .fails(1, "service \"foo\" depends on undefined service \"bar\"");
        assert!(c.states("bar").is_empty(), "{}: bar created", tool.name);
        c.named(&["--profile", "p", "up", "-d", "foo"]).ok();
    }
}
