//! `pkg/e2e/orphans_test.go`, and the variables that change what `up` and `down` do with
//! orphan containers: `COMPOSE_REMOVE_ORPHANS` and `COMPOSE_IGNORE_ORPHANS`.

use crate::harness::{tools, Cli};

const ORPHANS: &str = r"
services:
  orphan:
    profiles: [run]
    image: berth-test/busybox
    command: echo hello
  test:
    image: berth-test/busybox
    init: true
    command: sleep 3600
";

const TWO: &str = r"
services:
  keep:
    image: berth-test/busybox
    init: true
    command: sleep 3600
  gone:
    image: berth-test/busybox
    init: true
    command: sleep 3600
";

const ONE: &str = r"
services:
  keep:
    image: berth-test/busybox
    init: true
    command: sleep 3600
";

/// TestRemoveOrphans: `run` of a service in an inactive profile activates it. The Go test
/// then expects `up -d` to remove the finished one-off container; the reference binary
/// v2.40.3 keeps it and warns of it as an orphan, and that is what is asserted (it goes with
/// `down --remove-orphans`).
#[test]
fn test_remove_orphans() {
    for tool in tools() {
        let c = Cli::new(&tool, "compose-e2e-orphans", &[("compose.yaml", ORPHANS)]);
        let p = c.project.clone();
        c.with_file("compose.yaml", &["run", "orphan"])
            .ok()
            .has("hello");
        let res = c.named(&["ps", "--all"]).ok();
        res.has(&format!("{p}-orphan-run-"));
        let res = c.with_file("compose.yaml", &["up", "-d"]).ok();
        res.has(&format!("Found orphan containers ([{p}-orphan-run-"));
        c.named(&["ps", "--all"])
            .ok()
            .has(&format!("{p}-orphan-run-"));
        c.named(&["down", "--remove-orphans", "-t", "0"]).ok();
        c.named(&["ps", "--all"])
            .ok()
            .lacks(&format!("{p}-orphan-run-"));
    }
}

/// `COMPOSE_IGNORE_ORPHANS=true`: `up` says nothing of the orphan and leaves it;
/// `COMPOSE_REMOVE_ORPHANS=true`: `up` removes it, as `--remove-orphans` does.
#[test]
fn compose_ignore_and_remove_orphans_are_honoured() {
    for tool in tools() {
        let mut c = Cli::new(
            &tool,
            "e2e-orphan-vars",
            &[("two.yaml", TWO), ("one.yaml", ONE)],
        );
        let p = c.project.clone();
        c.with_file("two.yaml", &["up", "-d"]).ok();
        let res = c.with_file("one.yaml", &["up", "-d"]).ok();
        res.has("Found orphan containers");
        res.has(&format!("{p}-gone-1"));

        c.env("COMPOSE_IGNORE_ORPHANS", "true");
        let res = c.with_file("one.yaml", &["up", "-d"]).ok();
        res.lacks("Found orphan containers");
        c.named(&["ps"]).ok().has(&format!("{p}-gone-1"));

        let mut c2 = c;
        c2.env("COMPOSE_IGNORE_ORPHANS", "false");
        c2.env("COMPOSE_REMOVE_ORPHANS", "true");
        let res = c2.with_file("one.yaml", &["up", "-d"]).ok();
        res.has(&format!("Container {p}-gone-1  Removed"));
        c2.named(&["ps", "--all"])
            .ok()
            .lacks(&format!("{p}-gone-1"));

        // `down` removes them too with the variable set.
        c2.with_file("two.yaml", &["up", "-d"]).ok();
        let res = c2.with_file("one.yaml", &["down", "-t", "0"]).ok();
        res.has(&format!("Container {p}-gone-1  Removed"));
    }
}

/// `up` refuses `--remove-orphans` (or `COMPOSE_REMOVE_ORPHANS`) with
/// `COMPOSE_IGNORE_ORPHANS`, before creating anything; `down` takes both.
#[test]
fn up_refuses_to_both_remove_and_ignore_orphans() {
    for tool in tools() {
        let mut c = Cli::new(&tool, "e2e-orphans-both", &[("compose.yaml", TWO)]);
        c.env("COMPOSE_IGNORE_ORPHANS", "true");
        c.named(&["up", "-d", "--remove-orphans"]).fails(
            1,
            "cannot combine COMPOSE_IGNORE_ORPHANS and --remove-orphans",
        );
        assert!(c.states("keep").is_empty(), "{}: created", tool.name);
        c.env("COMPOSE_REMOVE_ORPHANS", "true");
        c.named(&["up", "-d"]).fails(
            1,
            "cannot combine COMPOSE_IGNORE_ORPHANS and --remove-orphans",
        );
        c.named(&["down"]).ok();
    }
}
