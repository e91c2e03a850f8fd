//! `attach` and `stats`, which the scenarios use around running services: attach follows a
//! running container's output to its end and returns its exit code; `stats --no-stream`
//! reads each container once, in the Docker CLI's columns and units.

use crate::harness::{tools, Cli};

const TICKER: &str = r#"
services:
  ticker:
    image: berth-test/busybox
    command: sh -c "sleep 1; for i in 1 2 3; do echo tick-$$i; sleep 0.3; done; exit 3"
  idle:
    image: berth-test/busybox
    init: true
    command: sleep 300
"#;

#[test]
fn attach_follows_the_output_and_returns_the_exit_code() {
    for tool in tools() {
        let c = Cli::new(&tool, "e2e-attach", &[("compose.yaml", TICKER)]);
        c.with_file("compose.yaml", &["up", "-d"]).ok();
        let res = c.named(&["attach", "--no-stdin", "ticker"]);
        assert_eq!(res.code, Some(3), "{}: {}", tool.name, res.combined());
        res.has("tick-1");
        res.has("tick-3");
        c.named(&["attach", "ticker"])
            .fails(1, "service \"ticker\" is not running");
        c.named(&["down", "-t", "0"]).ok();
    }
}

#[test]
fn stats_no_stream_reads_every_running_container_once() {
    for tool in tools() {
        let c = Cli::new(&tool, "e2e-stats", &[("compose.yaml", TICKER)]);
        let p = c.project.clone();
        c.with_file("compose.yaml", &["up", "-d", "idle"]).ok();
        let res = c.named(&["stats", "--no-stream"]).ok();
        let lines: Vec<&str> = res.stdout.lines().collect();
        assert_eq!(
            lines
                .first()
                .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" ")),
            Some("CONTAINER ID NAME CPU % MEM USAGE / LIMIT MEM % NET I/O BLOCK I/O PIDS".into()),
            "{}",
            tool.name
        );
        assert_eq!(lines.len(), 2, "{}: {}", tool.name, res.stdout);
        res.line_with(&[
            &format!("{p}-idle-1"),
            "%",
            "iB / ",
            "%",
            "B / ",
            "B / ",
            "2",
        ]);
        let res = c
            .named(&["stats", "--no-stream", "--format", "json", "idle"])
            .ok();
        let v: serde_json::Value = serde_json::from_str(res.stdout.trim()).expect("stats JSON");
        assert_eq!(v["Name"], format!("{p}-idle-1"), "{}", tool.name);
        // init and sleep.
        assert_eq!(v["PIDs"], "2", "{}", tool.name);
        assert!(
            v["CPUPerc"].as_str().is_some_and(|s| s.ends_with('%')),
            "{}",
            tool.name
        );
        let res = c
            .named(&["stats", "--no-stream", "--format", "{{.Name}}", "ticker"])
            .ok();
        assert_eq!(res.stdout, "", "{}: no running ticker", tool.name);
        c.named(&["down", "-t", "0"]).ok();
    }
}
