//! `pkg/e2e/pause_test.go`: `pause` and `unpause` of a project named by `COMPOSE_PROJECT_NAME`
//! with `COMPOSE_FILE`, the published port read from `ps --format=json`'s `Publishers`.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use crate::harness::{tools, Cli};

const PAUSE: &str = r#"
services:
  a:
    image: berth-test/busybox
    init: true
    command: sh -c "echo a > /www/index.html; exec httpd -f -p 80 -h /www"
    ports: ["127.0.0.1::80"]
  b:
    image: berth-test/busybox
    init: true
    command: sh -c "echo b > /www/index.html; exec httpd -f -p 80 -h /www"
    ports: ["127.0.0.1::80"]
"#;

fn cli(tool: &crate::harness::Tool, name: &str) -> Cli {
    let mut c = Cli::new(tool, name, &[("compose.yaml", PAUSE)]);
    let p = c.project.clone();
    c.env("COMPOSE_PROJECT_NAME", &p);
    c.env("COMPOSE_FILE", "compose.yaml");
    c.run(&["down", "-v", "--remove-orphans", "-t", "0"]).ok();
    c
}

/// The host port of `service`'s container port 80, from `ps --format=json SERVICE`.
fn published_port(c: &Cli, service: &str) -> u16 {
    let res = c.run(&["ps", "--format=json", service]).ok();
    let lines: Vec<&str> = res.stdout.lines().collect();
    assert_eq!(
        lines.len(),
        1,
        "{}: expected exactly 1 service\n{}",
        c.tool.name,
        res.stdout
    );
    let v: serde_json::Value = serde_json::from_str(lines[0]).expect("ps JSON");
    v["Publishers"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|p| p["TargetPort"] == 80)
        .and_then(|p| p["PublishedPort"].as_u64())
        .and_then(|p| u16::try_from(p).ok())
        .unwrap_or_else(|| panic!("{}: no published port for 80\n{}", c.tool.name, res.stdout))
}

/// The body of `GET /` on 127.0.0.1:`port`, or `None` when nothing answers within `wait`.
fn get(port: u16, wait: Duration) -> Option<String> {
    let mut s = TcpStream::connect_timeout(&([127, 0, 0, 1], port).into(), wait).ok()?;
    s.set_read_timeout(Some(wait)).ok()?;
    s.write_all(b"GET /index.html HTTP/1.0\r\n\r\n").ok()?;
    let mut body = String::new();
    s.read_to_string(&mut body).ok()?;
    (!body.is_empty()).then_some(body)
}

/// `HTTPGetWithRetry`: the page answers within 5 s.
fn answers(port: u16) -> bool {
    let start = Instant::now();
    while start.elapsed() < Duration::from_secs(5) {
        if get(port, Duration::from_millis(250)).is_some() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    false
}

/// TestPause
#[test]
fn test_pause() {
    for tool in tools() {
        let c = cli(&tool, "e2e-pause");
        c.run(&["up", "-d"]).ok();
        let (a, b) = (published_port(&c, "a"), published_port(&c, "b"));
        assert!(
            answers(a) && answers(b),
            "{}: a and b must answer",
            tool.name
        );

        // pause a and verify that it can no longer be hit but b still can
        c.run(&["pause", "a"]).ok();
        assert_eq!(
            get(a, Duration::from_millis(250)),
            None,
            "{}: a should no longer respond",
            tool.name
        );
        assert!(answers(b), "{}: b must still answer", tool.name);

        // unpause a and verify that both containers work again
        c.run(&["unpause", "a"]).ok();
        assert!(answers(a) && answers(b), "{}: both answer again", tool.name);
    }
}

/// TestPauseServiceNotRunning
#[test]
fn test_pause_service_not_running() {
    for tool in tools() {
        let c = cli(&tool, "e2e-pause-svc-not-running");
        c.run(&["pause", "a"]).ok();
    }
}

/// TestPauseServiceAlreadyPaused
#[test]
fn test_pause_service_already_paused() {
    for tool in tools() {
        let c = cli(&tool, "e2e-pause-svc-already-paused");
        c.run(&["up", "-d", "a"]).ok();
        assert!(answers(published_port(&c, "a")), "{}: a answers", tool.name);
        // pause a twice: the first time passes, the second fails
        c.run(&["pause", "a"]).ok();
        c.run(&["pause", "a"]).fails(1, "already paused");
    }
}

/// TestPauseServiceDoesNotExist
#[test]
fn test_pause_service_does_not_exist() {
    for tool in tools() {
        let c = cli(&tool, "e2e-pause-svc-not-exist");
        c.run(&["pause", "does_not_exist"]).ok();
    }
}
