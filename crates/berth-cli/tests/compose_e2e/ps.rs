//! `pkg/e2e/ps_test.go`: the table's ports, `--format json`'s `Publishers` (published and
//! exposed ports), `--all`, and a service name the project does not have.

use crate::harness::{tools, Cli};

const PS: &str = r#"
services:
  nginx:
    image: berth-test/busybox
    init: true
    command: sleep 300
    expose: ["80", "443", "8080"]
  busybox:
    image: berth-test/busybox
    init: true
    command: sleep 300
    ports: ["127.0.0.1:18001:8000"]
"#;

/// TestPs
#[test]
fn test_ps() {
    for tool in tools() {
        let c = Cli::new(&tool, "e2e-ps", &[("compose.yaml", PS)]);
        let p = c.project.clone();
        let res = c.with_file("compose.yaml", &["up", "-d"]).ok();
        res.has(&format!("Container {p}-busybox-1  Started"));

        // table
        let res = c.with_file("compose.yaml", &["ps"]).ok();
        let lines: Vec<&str> = res.stdout.split('\n').collect();
        assert_eq!(lines.len(), 4, "{}: {}", tool.name, res.stdout);
        let mut count = 0;
        for line in &lines[1..3] {
            if line.contains(&format!("{p}-busybox-1")) {
                assert!(
                    line.contains("127.0.0.1:18001->8000/tcp"),
                    "{}: {line}",
                    tool.name
                );
                count += 1;
            }
            if line.contains(&format!("{p}-nginx-1")) {
                assert!(
                    line.contains("80/tcp, 443/tcp, 8080/tcp"),
                    "{}: {line}",
                    tool.name
                );
                count += 1;
            }
        }
        assert_eq!(count, 2, "{}: {}", tool.name, res.stdout);

        // json
        let res = c
            .with_file("compose.yaml", &["ps", "--format", "json"])
            .ok();
        let rows: Vec<serde_json::Value> = res
            .stdout
            .lines()
            .map(|l| serde_json::from_str(l).expect("a JSON object per line"))
            .collect();
        assert_eq!(rows.len(), 2, "{}", tool.name);
        for row in &rows {
            assert_eq!(row["Project"], p.as_str(), "{}", tool.name);
            let publishers = &row["Publishers"];
            if row["Name"] == format!("{p}-busybox-1").as_str() {
                assert_eq!(
                    publishers,
                    &serde_json::json!([{"URL": "127.0.0.1", "TargetPort": 8000, "PublishedPort": 18001, "Protocol": "tcp"}]),
                    "{}",
                    tool.name
                );
            } else {
                assert_eq!(
                    publishers,
                    &serde_json::json!([
                        {"URL": "", "TargetPort": 80, "PublishedPort": 0, "Protocol": "tcp"},
                        {"URL": "", "TargetPort": 443, "PublishedPort": 0, "Protocol": "tcp"},
                        {"URL": "", "TargetPort": 8080, "PublishedPort": 0, "Protocol": "tcp"}
                    ]),
                    "{}",
                    tool.name
                );
            }
        }

        // ps --all
        c.named(&["stop", "-t", "0"]).ok();
        let res = c.with_file("compose.yaml", &["ps"]).ok();
        assert_eq!(
            res.stdout.split('\n').count(),
            2,
            "{}: {}",
            tool.name,
            res.stdout
        );
        let res = c.with_file("compose.yaml", &["ps", "--all"]).ok();
        assert_eq!(
            res.stdout.split('\n').count(),
            4,
            "{}: {}",
            tool.name,
            res.stdout
        );

        // ps unknown
        c.with_file("compose.yaml", &["ps", "nginx"]).ok();
        c.with_file("compose.yaml", &["ps", "unknown"])
            .fails(1, "no such service: unknown");
        c.named(&["down", "-t", "0"]).ok();
    }
}
