//! `berth dashboard` against the Docker Engine running on this machine: the API and the page
//! show each service, its last probe and its logs, and follow its state from the engine's
//! events; what the compose files put on the page is escaped, credentials in what the
//! containers write are masked; off loopback every request needs the token, and on loopback a
//! request for another host name is refused. Each test has its own project and deadline.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

mod common;

use common::ensure_image;

/// A project in a temporary folder, and its dashboard; both stopped when dropped.
struct Running {
    dir: tempfile::TempDir,
    name: String,
    dashboard: Option<Child>,
    /// `HOST:PORT` the dashboard listens on, and the `?token=…` of its URL.
    addr: String,
    query: String,
}

impl Running {
    fn berth(&self, args: &[&str]) -> std::process::Output {
        Command::new(env!("CARGO_BIN_EXE_berth"))
            .current_dir(self.dir.path())
            .arg("-p")
            .arg(&self.name)
            .args(args)
            .env_remove("COMPOSE_FILE")
            .env_remove("COMPOSE_PROJECT_NAME")
            .env_remove("BERTH_DASHBOARD_TOKEN")
            .output()
            .expect("run berth")
    }

    /// Writes `compose`, brings it up (when it has services) and starts the dashboard on
    /// `listen`; none without an engine and the test image.
    fn start(name: &str, compose: &str, listen: &str) -> Option<Running> {
        if !ensure_image() {
            return None;
        }
        let dir = tempfile::tempdir().expect("temp dir");
        std::fs::write(dir.path().join("compose.yaml"), compose).expect("write compose file");
        let mut r = Running {
            dir,
            name: format!("berth-dash-{name}"),
            dashboard: None,
            addr: String::new(),
            query: String::new(),
        };
        r.berth(&["down", "-v", "-t", "0"]);
        let up = r.berth(&["up", "-d"]);
        assert!(
            up.status.success(),
            "{}",
            String::from_utf8_lossy(&up.stderr)
        );
        let mut child = Command::new(env!("CARGO_BIN_EXE_berth"))
            .current_dir(r.dir.path())
            .args(["-p", &r.name, "dashboard", "--listen", listen])
            .env_remove("BERTH_DASHBOARD_TOKEN")
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start the dashboard");
        let out = child.stdout.take().expect("stdout");
        r.dashboard = Some(child);
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let mut line = String::new();
            let _ = BufReader::new(out).read_line(&mut line);
            let _ = tx.send(line);
        });
        let line = rx
            .recv_timeout(Duration::from_secs(30))
            .expect("the dashboard prints its URL within 30 s");
        let url = line
            .split_whitespace()
            .last()
            .and_then(|u| u.strip_prefix("http://"))
            .unwrap_or_else(|| panic!("no URL in {line:?}"));
        let (addr, rest) = url.split_once('/').expect("URL with a path");
        r.addr = addr.to_string();
        r.query = rest.to_string();
        Some(r)
    }

    /// The port the dashboard listens on.
    fn port(&self) -> &str {
        self.addr.rsplit_once(':').map_or("", |(_, p)| p)
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        if let Some(mut c) = self.dashboard.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
        self.berth(&["down", "-v", "-t", "0"]);
    }
}

/// `GET path` on 127.0.0.1:`port` with `Host: host` and the extra header lines: the status
/// code and the body.
fn get(port: &str, host: &str, path: &str, extra: &str) -> (u16, String) {
    let mut s = TcpStream::connect(format!("127.0.0.1:{port}")).expect("connect");
    s.set_read_timeout(Some(Duration::from_secs(20)))
        .expect("timeout");
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n{extra}\r\n"
    )
    .expect("send");
    let mut text = String::new();
    s.read_to_string(&mut text).expect("read the answer");
    let code = text
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    let body = text.split_once("\r\n\r\n").map_or("", |(_, b)| b);
    (code, body.to_string())
}

fn status(port: &str, query: &str) -> serde_json::Value {
    let (code, body) = get(port, "localhost", &format!("/api/status{query}"), "");
    assert_eq!(code, 200, "{body}");
    serde_json::from_str(&body).expect("JSON")
}

fn service_state(st: &serde_json::Value, name: &str) -> String {
    st["services"]
        .as_array()
        .and_then(|s| s.iter().find(|s| s["name"] == name))
        .and_then(|s| s["state"].as_str())
        .unwrap_or("")
        .to_string()
}

/// Reads Server-Sent Events from `stream` until one whose data satisfies `wanted`, failing
/// after `deadline`.
fn wait_for_event(
    stream: &mut BufReader<TcpStream>,
    deadline: Duration,
    wanted: impl Fn(&serde_json::Value) -> bool,
) -> serde_json::Value {
    let start = Instant::now();
    let mut line = String::new();
    loop {
        assert!(
            start.elapsed() < deadline,
            "no such event within {deadline:?}"
        );
        line.clear();
        match stream.read_line(&mut line) {
            Ok(0) => panic!("the event stream ended"),
            Ok(_) => {}
            Err(e)
                if e.kind() == std::io::ErrorKind::WouldBlock
                    || e.kind() == std::io::ErrorKind::TimedOut =>
            {
                continue
            }
            Err(e) => panic!("reading the event stream: {e}"),
        }
        if let Some(data) = line.trim_end().strip_prefix("data: ") {
            if let Ok(v) = serde_json::from_str::<serde_json::Value>(data) {
                if wanted(&v) {
                    return v;
                }
            }
        }
    }
}

const PROJECT: &str = r#"
services:
  web:
    image: berth-test/busybox
    command: ["sh", "-c", "echo hello from web; echo password=s3cr3t-value; sleep 3600"]
    stop_grace_period: 1s
    labels:
      note: "<script>alert(1)</script><b>bold</b>"
    healthcheck:
      test: ["CMD-SHELL", "echo probe-says-hi"]
      interval: 1s
      retries: 3
  worker:
    image: berth-test/busybox
    command: ["sh", "-c", "sleep 3600"]
    stop_grace_period: 1s
    depends_on:
      web: {condition: service_healthy}
"#;

#[test]
fn the_page_and_the_api_show_each_service_and_follow_its_state() {
    let Some(r) = Running::start("follow", PROJECT, "127.0.0.1:0") else {
        return;
    };
    let port = r.port().to_string();
    // The API: every service, web healthy within its healthcheck's time.
    let start = Instant::now();
    let st = loop {
        let st = status(&port, "");
        if service_state(&st, "web") == "healthy" {
            break st;
        }
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "web never healthy: {st}"
        );
        std::thread::sleep(Duration::from_millis(200));
    };
    assert_eq!(service_state(&st, "worker"), "running", "{st}");
    let worker = st["services"]
        .as_array()
        .and_then(|s| s.iter().find(|s| s["name"] == "worker"))
        .cloned()
        .unwrap_or_default();
    assert_eq!(worker["waits_on"][0]["service"], "web", "{worker}");
    assert_eq!(worker["waits_on"][0]["condition"], "service_healthy");
    assert_eq!(worker["waits_on"][0]["met"], true);
    assert_eq!(worker["replicas"]["running"], 1);
    let web = st["services"]
        .as_array()
        .and_then(|s| s.iter().find(|s| s["name"] == "web"))
        .cloned()
        .unwrap_or_default();
    assert_eq!(web["containers"][0]["last_probe"], "probe-says-hi", "{web}");

    // The logs of a service, prefixed as `berth logs` prefixes them, credentials masked.
    let (code, logs) = get(&port, "localhost", "/api/logs/web?tail=10", "");
    assert_eq!(code, 200, "{logs}");
    assert!(
        logs.contains(&format!("{}-web-1 | hello from web\n", r.name)),
        "{logs}"
    );
    assert!(
        logs.contains("password=") && !logs.contains("s3cr3t-value"),
        "{logs}"
    );
    assert_eq!(get(&port, "localhost", "/api/logs/nosuch", "").0, 404);
    assert_eq!(
        get(&port, "localhost", "/api/logs/web?tail=many", "").0,
        400
    );

    // The page: each service, its drawing, and the label escaped.
    let (code, page) = get(&port, "localhost", "/", "");
    assert_eq!(code, 200);
    assert!(page.contains("<svg"), "no drawing");
    assert!(page.contains("data-service=\"web\"") && page.contains("data-service=\"worker\""));
    assert!(page.contains("&lt;script&gt;alert(1)&lt;/script&gt;&lt;b&gt;bold&lt;/b&gt;"));
    assert!(!page.contains("<script>alert(1)") && !page.contains("<b>bold"));

    // The event stream: the engine is connected; stopping worker is pushed as it happens.
    let mut sse = TcpStream::connect(format!("127.0.0.1:{port}")).expect("connect");
    sse.set_read_timeout(Some(Duration::from_millis(500)))
        .expect("timeout");
    write!(sse, "GET /api/events HTTP/1.1\r\nHost: localhost\r\n\r\n").expect("send");
    let mut events = BufReader::new(sse);
    wait_for_event(&mut events, Duration::from_secs(10), |v| {
        v["engine"] == "connected"
    });
    let stop = r.berth(&["stop", "worker"]);
    assert!(stop.status.success());
    let died = wait_for_event(&mut events, Duration::from_secs(10), |v| {
        v["service"] == "worker" && v["action"] == "die"
    });
    assert_eq!(died["name"], format!("{}-worker-1", r.name));
    let st = status(&port, "");
    assert_eq!(service_state(&st, "worker"), "exited", "{st}");
    assert_eq!(service_state(&st, "web"), "healthy", "{st}");

    // On loopback, a request for another host name (a DNS name rebound to 127.0.0.1) is refused.
    let (code, _) = get(&port, "rebound.example:80", "/api/status", "");
    assert_eq!(code, 403);

    // Interrupted with an event stream open, it stops at once (a graceful shutdown would
    // wait for the stream to end, which it never does).
    let mut r = r;
    let mut child = r.dashboard.take().expect("the dashboard");
    let killed = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .expect("kill");
    assert!(killed.success());
    let start = Instant::now();
    let code = loop {
        if let Some(st) = child.try_wait().expect("wait") {
            break st.code();
        }
        if start.elapsed() > Duration::from_secs(10) {
            let _ = child.kill();
            panic!("the dashboard still runs 10 s after SIGINT, with a client connected");
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    assert_eq!(code, Some(130));
    drop(events);
}

#[test]
fn off_loopback_every_request_needs_the_token() {
    let compose = "services:\n  app:\n    image: berth-test/busybox\n    command: [sleep, \"3600\"]\n    stop_grace_period: 1s\n";
    let Some(r) = Running::start("token", compose, "0.0.0.0:0") else {
        return;
    };
    let port = r.port().to_string();
    let token = r
        .query
        .strip_prefix("?token=")
        .expect("a token in the URL")
        .to_string();
    assert_eq!(token.len(), 32, "{token}");
    for path in ["/", "/api/status", "/api/events"] {
        let (code, _) = get(&port, "example.test", path, "");
        assert_eq!(code, 401, "{path} without the token");
        let (code, _) = get(&port, "example.test", &format!("{path}?token=wrong"), "");
        assert_eq!(code, 401, "{path} with a wrong token");
    }
    let (code, body) = get(
        &port,
        "example.test",
        &format!("/api/status?token={token}"),
        "",
    );
    assert_eq!(code, 200, "{body}");
    let (code, _) = get(
        &port,
        "example.test",
        "/api/status",
        &format!("Authorization: Bearer {token}\r\n"),
    );
    assert_eq!(code, 200);
}
