//! `pkg/e2e/logs_test.go`: `logs` of a project named only by `--project-name`, of some of its
//! services, and of one replica (`--index`).

use crate::harness::{tools, within, Cli};

const LOGS: &str = r#"
services:
  ping:
    image: berth-test/busybox
    init: true
    command: sh -c "ping -c 1 localhost; exec sleep 300"
  hello:
    image: berth-test/busybox
    command: echo hello
    deploy:
      replicas: 2
"#;

/// TestLocalComposeLogs
#[test]
fn test_local_compose_logs() {
    for tool in tools() {
        let c = Cli::new(&tool, "compose-e2e-logs", &[("compose.yaml", LOGS)]);
        c.with_file("compose.yaml", &["up", "-d"]).ok();
        // The containers write at once; their first lines are waited for.
        within(&format!("{}: logs", tool.name), || {
            let out = c.named(&["logs"]).stdout;
            out.contains("PING localhost (127.0.0.1)") && out.matches("hello").count() >= 2
        });

        // logs ping
        let res = c.named(&["logs", "ping"]).ok();
        res.has("PING localhost (127.0.0.1)");
        assert!(
            !res.stdout.contains("hello"),
            "{}: {}",
            tool.name,
            res.stdout
        );

        // logs hello ping
        let res = c.named(&["logs", "hello", "ping"]).ok();
        res.has("PING localhost (127.0.0.1)");
        res.has("hello");

        // logs --index 2 hello
        let res = c.named(&["logs", "--index", "2", "hello"]).ok();
        assert!(
            !res.stdout.contains("hello-1"),
            "{}: {}",
            tool.name,
            res.stdout
        );
        assert!(
            res.stdout.contains("hello-2"),
            "{}: {}",
            tool.name,
            res.stdout
        );
        c.named(&["down"]).ok();
    }
}
