//! `pkg/e2e/compose_exec_test.go`: `exec` exit codes and `-e KEY` taken from the caller's
//! environment (or left out when unset), with the project found through
//! `--project-directory`.

use crate::harness::{tools, Cli};

const SIMPLE: &str = r"
services:
  simple:
    image: berth-test/busybox
    init: true
    command: sleep 300
";

/// TestLocalComposeExec
#[test]
fn test_local_compose_exec() {
    for tool in tools() {
        let mut c = Cli::new(
            &tool,
            "compose-e2e-exec",
            &[("simple-composefile/compose.yaml", SIMPLE)],
        );
        let p = c.project.clone();
        let cmd = |c: &Cli, args: &[&str]| {
            let mut all = vec![
                "--project-directory",
                "simple-composefile",
                "--project-name",
                &p,
            ];
            all.extend_from_slice(args);
            c.run(&all)
        };
        cmd(&c, &["up", "-d"]).ok();
        // exec true, exec false
        cmd(&c, &["exec", "-T", "simple", "/bin/true"]).ok();
        let res = cmd(&c, &["exec", "-T", "simple", "/bin/false"]);
        assert_eq!(res.code, Some(1), "{}: {}", tool.name, res.combined());
        // exec without env set
        let res = cmd(&c, &["exec", "-T", "-e", "FOO", "simple", "/bin/env"]).ok();
        assert!(
            !res.stdout.contains("FOO="),
            "{}: {}",
            tool.name,
            res.stdout
        );
        // exec with env set
        c.env("FOO", "BAR");
        let res = cmd(&c, &["exec", "-T", "-e", "FOO", "simple", "/bin/env"]).ok();
        res.has("FOO=BAR");
        cmd(&c, &["down", "-t", "0"]).ok();
    }
}
