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
use common::http::{self, get, request, wait_for_event, wait_for_line};

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

    /// Writes `compose`, brings it up and starts the dashboard on `listen`; none without an
    /// engine and the test image.
    fn start(name: &str, compose: &str, listen: &str) -> Option<Running> {
        Running::start_with(name, compose, &["--listen", listen], &[])
    }

    /// As [`Running::start`], with the dashboard's arguments and environment.
    fn start_with(
        name: &str,
        compose: &str,
        args: &[&str],
        env: &[(&str, &str)],
    ) -> Option<Running> {
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
        let mut command = Command::new(env!("CARGO_BIN_EXE_berth"));
        command
            .current_dir(r.dir.path())
            .args(["-p", &r.name, "dashboard"])
            .args(args)
            .envs(env.iter().copied());
        let (child, addr, query) = http::start_dashboard(command);
        r.dashboard = Some(child);
        r.addr = addr;
        r.query = query;
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

fn status(port: &str, query: &str) -> serde_json::Value {
    let (code, body) = get(port, "localhost", &format!("/api/status{query}"), "");
    assert_eq!(code, 200, "{body}");
    serde_json::from_str(&body).expect("JSON")
}

/// The service `name` of a status.
fn service(st: &serde_json::Value, name: &str) -> serde_json::Value {
    st["services"]
        .as_array()
        .and_then(|s| s.iter().find(|s| s["name"] == name))
        .cloned()
        .unwrap_or_default()
}

fn service_state(st: &serde_json::Value, name: &str) -> String {
    service(st, name)["state"]
        .as_str()
        .unwrap_or("")
        .to_string()
}

const PROJECT: &str = r#"
services:
  web:
    image: berth-test/busybox
    command: ["sh", "-c", "echo hello from web; echo password=s3cr3t-value; while sleep 1; do echo tick; done"]
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
    let worker = service(&st, "worker");
    assert_eq!(worker["waits_on"][0]["service"], "web", "{worker}");
    assert_eq!(worker["waits_on"][0]["condition"], "service_healthy");
    assert_eq!(worker["waits_on"][0]["met"], true);
    assert_eq!(worker["replicas"]["running"], 1);
    let web = service(&st, "web");
    assert_eq!(web["containers"][0]["last_probe"], "probe-says-hi", "{web}");
    assert_eq!(web["containers"][0]["restarts"], 0, "{web}");
    assert!(
        web["containers"][0]["uptime_seconds"].as_i64().is_some(),
        "{web}"
    );
    // CPU and memory come from the stats stream, followed from the first status asked for.
    let start = Instant::now();
    let web = loop {
        let web = service(&status(&port, ""), "web")["containers"][0].clone();
        if web["memory"].as_u64().is_some_and(|m| m > 0) {
            break web;
        }
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "no memory reading: {web}"
        );
        std::thread::sleep(Duration::from_millis(200));
    };
    assert!(web["cpu_percent"].as_f64().is_some(), "{web}");
    assert!(
        web["memory_limit"].as_u64() > web["memory"].as_u64(),
        "{web}"
    );

    // The audit's findings, with the service and the place in the compose file.
    let (code, findings) = get(&port, "localhost", "/api/findings", "");
    assert_eq!(code, 200, "{findings}");
    let findings: serde_json::Value = serde_json::from_str(&findings).expect("JSON");
    assert!(
        findings
            .as_array()
            .is_some_and(|f| f.iter().any(|f| f["code"] == "B705"
                && f["service"] == "web"
                && f["location"] == "compose.yaml:4:12")),
        "{findings}"
    );

    // Following a service's logs: lines written after the request come as events.
    let mut follow = http::events(&port, "/api/logs/web?follow=1&tail=0");
    let tick = wait_for_line(&mut follow, Duration::from_secs(10), |l| {
        l.ends_with("| tick")
    });
    assert_eq!(tick, format!("{}-web-1 | tick", r.name));
    drop(follow);

    // Without --allow-actions, no action is taken, even from the page's own origin.
    let (code, body) = request(
        &port,
        "POST",
        "/api/services/worker/stop",
        &format!("Origin: http://localhost:{port}\r\n"),
    );
    assert_eq!(code, 403, "{body}");
    assert!(body.contains("--allow-actions"), "{body}");

    // The logs of a service, prefixed as `berth logs` prefixes them, credentials masked.
    let (code, logs) = get(&port, "localhost", "/api/logs/web?tail=1000", "");
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
    let mut events = http::events(&port, "/api/events");
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
    // The page says so too (and draws the startup order), as it is without JavaScript.
    let (_, page) = get(&port, "localhost", "/", "");
    assert!(page.contains("<td class=\"exited\">exited</td>"), "{page}");
    assert!(page.contains("<figure id=\"startup\">"), "no startup order");

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

/// The body of an HTTP answer, read to its `Content-Length` (chromedriver keeps the
/// connection open whatever the request asks).
fn answer(s: &mut TcpStream) -> String {
    let mut reader = BufReader::new(s);
    let mut length = 0usize;
    loop {
        let mut line = String::new();
        reader
            .read_line(&mut line)
            .expect("read an answer's header");
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        if let Some((k, v)) = line.split_once(':') {
            if k.eq_ignore_ascii_case("content-length") {
                length = v.trim().parse().unwrap_or(0);
            }
        }
    }
    let mut body = vec![0; length];
    reader.read_exact(&mut body).expect("read an answer's body");
    String::from_utf8_lossy(&body).into_owned()
}

/// A headless chromium driven through chromedriver's WebDriver API (plain HTTP and JSON).
struct Browser {
    driver: Child,
    port: u16,
    session: String,
}

impl Browser {
    /// The browser, or none (the test is skipped, saying so) without chromium and chromedriver.
    fn start() -> Option<Browser> {
        let here = common::on_path("chromium") && common::on_path("chromedriver");
        if !common::needs(
            "chromium and chromedriver",
            here,
            "apt-get install chromium chromium-driver",
        ) {
            return None;
        }
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let driver = Command::new("chromedriver")
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start chromedriver");
        let mut b = Browser {
            driver,
            port,
            session: String::new(),
        };
        common::wait_listening(port, "chromedriver");
        let caps = serde_json::json!({ "capabilities": { "alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": {
                "binary": "/usr/bin/chromium",
                "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1200,900"],
            },
        } } });
        let made = b.call("POST", "/session", &caps);
        b.session = made["value"]["sessionId"]
            .as_str()
            .unwrap_or_else(|| panic!("no session: {made}"))
            .to_string();
        Some(b)
    }

    fn call(&self, method: &str, path: &str, body: &serde_json::Value) -> serde_json::Value {
        let body = body.to_string();
        let mut s = TcpStream::connect(("127.0.0.1", self.port)).expect("connect to chromedriver");
        s.set_read_timeout(Some(Duration::from_mins(1)))
            .expect("timeout");
        write!(
            s,
            "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        )
        .expect("send");
        let body = answer(&mut s);
        serde_json::from_str(&body).unwrap_or_else(|e| panic!("{e}: {body}"))
    }

    fn goto(&self, url: &str) {
        let path = format!("/session/{}/url", self.session);
        self.call("POST", &path, &serde_json::json!({ "url": url }));
    }

    /// Waits until the page follows the event stream.
    fn wait_following(&self) {
        self.wait_for(
            "return window.berthEvents.readyState;",
            &serde_json::json!(1),
            Duration::from_secs(10),
        );
    }

    /// Sets the window's size.
    fn resize(&self, width: u32, height: u32) {
        let path = format!("/session/{}/window/rect", self.session);
        self.call(
            "POST",
            &path,
            &serde_json::json!({ "width": width, "height": height }),
        );
    }

    /// Runs `script` (a function body) in the page; what it returns.
    fn run(&self, script: &str) -> serde_json::Value {
        let path = format!("/session/{}/execute/sync", self.session);
        self.call(
            "POST",
            &path,
            &serde_json::json!({ "script": script, "args": [] }),
        )["value"]
            .clone()
    }

    /// Waits until `script` returns `want`, failing after `deadline`.
    fn wait_for(&self, script: &str, want: &serde_json::Value, deadline: Duration) -> Duration {
        let start = Instant::now();
        loop {
            let got = self.run(script);
            if &got == want {
                return start.elapsed();
            }
            assert!(
                start.elapsed() < deadline,
                "{script}: {got} after {deadline:?}, not {want}"
            );
            std::thread::sleep(Duration::from_millis(25));
        }
    }

    fn screenshot(&self) -> Vec<u8> {
        use base64::Engine as _;
        let path = format!("/session/{}/screenshot", self.session);
        let mut s = TcpStream::connect(("127.0.0.1", self.port)).expect("connect");
        s.set_read_timeout(Some(Duration::from_mins(1)))
            .expect("timeout");
        write!(
            s,
            "GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
        )
        .expect("send");
        let json: serde_json::Value = serde_json::from_str(&answer(&mut s)).expect("JSON");
        base64::engine::general_purpose::STANDARD
            .decode(json["value"].as_str().unwrap_or_default())
            .expect("base64 PNG")
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        if !self.session.is_empty() {
            let path = format!("/session/{}", self.session);
            let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                self.call("DELETE", &path, &serde_json::json!({}));
            }));
        }
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

/// The services' rows as the page shows them: `[[service, state], …]`.
const ROWS: &str = "return Array.from(document.querySelectorAll('tr[data-service]')).map(function(r){return [r.dataset.service, r.children[1].textContent];});";

#[test]
fn the_browser_shows_each_service_and_follows_a_stop_without_reloading() {
    let Some(r) = Running::start("browser", PROJECT, "127.0.0.1:0") else {
        return;
    };
    let port = r.port().to_string();
    let start = Instant::now();
    while service_state(&status(&port, ""), "web") != "healthy" {
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "web never healthy"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
    let Some(browser) = Browser::start() else {
        return;
    };
    browser.goto(&format!("http://127.0.0.1:{port}/"));
    assert_eq!(
        browser.run(ROWS),
        serde_json::json!([["web", "healthy"], ["worker", "running"]])
    );
    // What the compose file carries is text: no element comes from the label.
    assert_eq!(
        browser.run("return document.querySelectorAll('script').length;"),
        1
    );
    assert_eq!(
        browser.run("return document.querySelectorAll('td b').length;"),
        0
    );
    browser.wait_following();
    browser.run("window.berthMarker = 42; return null;");
    // The startup order is drawn; web's log panel, opened, shows the lines web writes.
    assert_eq!(
        browser.run("return document.querySelectorAll('#startup svg').length;"),
        1
    );
    browser.run(
        "document.querySelector('details.logs[data-service=\"web\"]').open = true; return null;",
    );
    browser.wait_for(
        "return document.querySelector('details.logs[data-service=\"web\"] pre').textContent.includes('-web-1 | tick\\n');",
        &serde_json::json!(true),
        Duration::from_secs(10),
    );

    let stop = r.berth(&["stop", "worker"]);
    assert!(stop.status.success());
    let took = browser.wait_for(
        "return document.querySelector('tr[data-service=\"worker\"]').children[1].textContent;",
        &serde_json::json!("exited"),
        Duration::from_secs(10),
    );
    eprintln!("the page showed worker exited {took:?} after `berth stop` returned");
    // The page was not reloaded, and the drawing follows: worker's node is the exited colour.
    assert_eq!(browser.run("return window.berthMarker;"), 42);
    assert_eq!(
        browser.run("return getComputedStyle(document.querySelector('#s_worker > rect')).fill;"),
        "rgb(244, 182, 182)"
    );

    // On a narrow screen, nothing is wider than the window: the table stacks its cells.
    browser.resize(400, 900);
    let widths = browser.run(
        "return [document.documentElement.scrollWidth, document.documentElement.clientWidth];",
    );
    assert!(
        widths[0].as_u64() <= widths[1].as_u64() && widths[1].as_u64() < Some(420),
        "on a narrow screen the page is {widths} wide"
    );
    browser.resize(1200, 900);

    // The screenshot shows the topology drawn and coloured: inside web's node, the healthy
    // colour.
    let b = browser.run(
        "var r=document.querySelector('#s_web > rect').getBoundingClientRect();return [Math.round(r.left+4), Math.round(r.top+r.height/2), window.devicePixelRatio];",
    );
    let (x, y) = (b[0].as_u64().unwrap_or(0), b[1].as_u64().unwrap_or(0));
    assert_eq!(b[2], 1, "{b}");
    let png = browser.screenshot();
    let decoder = png::Decoder::new(std::io::Cursor::new(png));
    let mut reader = decoder.read_info().expect("a PNG");
    let mut pixels = vec![0; reader.output_buffer_size()];
    let info = reader.next_frame(&mut pixels).expect("frame");
    let step = info.color_type.samples();
    let at = usize::try_from(y * u64::from(info.width) + x).expect("index") * step;
    assert_eq!(
        pixels.get(at..at + 3),
        Some(&[0x9b, 0xe2, 0x9b][..]),
        "pixel ({x}, {y}) of the screenshot, inside web's node"
    );
}

const FLAKY: &str = r#"
services:
  flaky:
    image: berth-test/busybox
    command: ["sh", "-c", "touch /tmp/ok; sleep 3600"]
    stop_grace_period: 1s
    healthcheck:
      test: ["CMD-SHELL", "test -f /tmp/ok || { echo probe failed: no /tmp/ok; exit 1; }"]
      interval: 1s
      retries: 1
  waiter:
    image: berth-test/busybox
    command: ["sleep", "3600"]
    stop_grace_period: 1s
    depends_on:
      flaky: {condition: service_healthy}
"#;

/// The text of a cell of a service's row: `return` script for the browser.
fn cell(service: &str, column: usize) -> String {
    format!("return document.querySelector('tr[data-service=\"{service}\"]').children[{column}].textContent;")
}

#[test]
fn an_unhealthy_service_shows_its_probe_and_what_waits_on_it() {
    let Some(r) = Running::start("unhealthy", FLAKY, "127.0.0.1:0") else {
        return;
    };
    let port = r.port().to_string();
    let Some(browser) = Browser::start() else {
        return;
    };
    browser.goto(&format!("http://127.0.0.1:{port}/"));
    browser.wait_following();
    // The healthcheck starts failing: the page shows flaky unhealthy, with the probe's output.
    let rm = r.berth(&["exec", "-T", "flaky", "rm", "/tmp/ok"]);
    assert!(
        rm.status.success(),
        "{}",
        String::from_utf8_lossy(&rm.stderr)
    );
    browser.wait_for(
        &cell("flaky", 1),
        &serde_json::json!("unhealthy"),
        Duration::from_secs(20),
    );
    browser.wait_for(
        "return document.querySelector('tr[data-service=\"flaky\"] pre.probe').textContent;",
        &serde_json::json!("probe failed: no /tmp/ok"),
        Duration::from_secs(10),
    );
    // waiter, recreated, waits on flaky's health, which does not come: `up` gives up, and
    // the page shows what waiter waits for.
    let rm = r.berth(&["rm", "-s", "-f", "waiter"]);
    assert!(
        rm.status.success(),
        "{}",
        String::from_utf8_lossy(&rm.stderr)
    );
    let up = r.berth(&["up", "-d", "waiter"]);
    assert!(
        !up.status.success(),
        "up waited for an unhealthy dependency and succeeded"
    );
    browser.wait_for(
        &cell("waiter", 1),
        &serde_json::json!("created"),
        Duration::from_secs(10),
    );
    assert_eq!(
        browser.run(&cell("waiter", 5)),
        "flaky (service_healthy): waiting"
    );
    let st = status(&port, "");
    let waiter = service(&st, "waiter");
    assert_eq!(waiter["waits_on"][0]["met"], false, "{waiter}");
    assert_eq!(
        service(&st, "flaky")["containers"][0]["last_probe"],
        "probe failed: no /tmp/ok"
    );
}

#[test]
fn actions_need_the_flag_the_token_and_the_pages_own_origin() {
    let Some(r) = Running::start_with(
        "actions",
        PROJECT,
        &["--listen", "127.0.0.1:0", "--allow-actions"],
        &[],
    ) else {
        return;
    };
    let port = r.port().to_string();
    // With actions allowed, the token is required on loopback too.
    let token = r
        .query
        .strip_prefix("?token=")
        .expect("a token in the URL with --allow-actions")
        .to_string();
    let origin = format!("Origin: http://localhost:{port}\r\n");
    let stop = format!("/api/services/worker/stop?token={token}");
    assert_eq!(
        request(&port, "POST", "/api/services/worker/stop", &origin).0,
        401
    );
    // Not from the page: no Origin (a script), or another page's.
    let (code, body) = request(&port, "POST", &stop, "");
    assert_eq!(code, 403, "{body}");
    let (code, _) = request(&port, "POST", &stop, "Origin: http://evil.example\r\n");
    assert_eq!(code, 403);
    let nosuch = format!("/api/services/nosuch/stop?token={token}");
    assert_eq!(request(&port, "POST", &nosuch, &origin).0, 404);
    let kill = format!("/api/services/worker/kill?token={token}");
    assert_eq!(request(&port, "POST", &kill, &origin).0, 404);
    assert_eq!(
        get(&port, "localhost", &stop, "").0,
        405,
        "an action is a POST"
    );
    let query = format!("?token={token}");
    assert_eq!(service_state(&status(&port, &query), "worker"), "running");
    let (code, body) = request(&port, "POST", &stop, &origin);
    assert_eq!(code, 200, "{body}");
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(&body).expect("JSON")["containers"],
        1
    );
    assert_eq!(service_state(&status(&port, &query), "worker"), "exited");

    // From the page in a browser: its start button starts worker again.
    let Some(browser) = Browser::start() else {
        return;
    };
    browser.goto(&format!("http://localhost:{port}/{query}"));
    browser.wait_following();
    browser.run("document.querySelector('tr[data-service=\"worker\"] form[action^=\"/api/services/worker/start\"] button').click(); return null;");
    browser.wait_for(
        &cell("worker", 1),
        &serde_json::json!("running"),
        Duration::from_secs(20),
    );
    assert_eq!(
        browser.run("return window.berthError || null;"),
        serde_json::Value::Null
    );
    // A form sent without JavaScript is answered by sending the browser back to the page.
    let restart = format!("/api/services/worker/restart?token={token}");
    let form = format!("{origin}Content-Type: application/x-www-form-urlencoded\r\n");
    assert_eq!(request(&port, "POST", &restart, &form).0, 303);
}

/// A Unix socket that forwards every connection to the engine's, and can be cut (every
/// connection closed, nothing listening) to make the engine vanish for a client.
struct EngineProxy {
    path: std::path::PathBuf,
    stop: std::sync::Arc<std::sync::atomic::AtomicBool>,
    open: std::sync::Arc<std::sync::Mutex<Vec<std::os::unix::net::UnixStream>>>,
    accepting: Option<std::thread::JoinHandle<()>>,
}

impl EngineProxy {
    fn engine_socket() -> String {
        std::env::var("DOCKER_HOST")
            .ok()
            .and_then(|h| h.strip_prefix("unix://").map(str::to_string))
            .unwrap_or_else(|| "/var/run/docker.sock".into())
    }

    fn up(path: &std::path::Path) -> EngineProxy {
        use std::os::unix::net::{UnixListener, UnixStream};
        let _ = std::fs::remove_file(path);
        let listener = UnixListener::bind(path).expect("bind the proxy's socket");
        let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let open = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let (stop2, open2) = (stop.clone(), open.clone());
        let accepting = std::thread::spawn(move || {
            for client in listener.incoming() {
                if stop2.load(std::sync::atomic::Ordering::SeqCst) {
                    break;
                }
                let Ok(client) = client else { continue };
                let Ok(engine) = UnixStream::connect(Self::engine_socket()) else {
                    continue;
                };
                let mut held = open2.lock().expect("lock");
                for s in [&client, &engine] {
                    if let Ok(s) = s.try_clone() {
                        held.push(s);
                    }
                }
                drop(held);
                let pipe = |mut from: UnixStream, mut to: UnixStream| {
                    std::thread::spawn(move || {
                        let _ = std::io::copy(&mut from, &mut to);
                        let _ = to.shutdown(std::net::Shutdown::Both);
                    });
                };
                if let (Ok(c2), Ok(e2)) = (client.try_clone(), engine.try_clone()) {
                    pipe(client, e2);
                    pipe(engine, c2);
                }
            }
        });
        EngineProxy {
            path: path.to_path_buf(),
            stop,
            open,
            accepting: Some(accepting),
        }
    }

    /// Closes every connection and stops listening.
    fn cut(&mut self) {
        self.stop.store(true, std::sync::atomic::Ordering::SeqCst);
        // Wakes the accepting thread, which then sees it must stop.
        let _ = std::os::unix::net::UnixStream::connect(&self.path);
        if let Some(t) = self.accepting.take() {
            let _ = t.join();
        }
        let _ = std::fs::remove_file(&self.path);
        for s in self.open.lock().expect("lock").drain(..) {
            let _ = s.shutdown(std::net::Shutdown::Both);
        }
    }
}

impl Drop for EngineProxy {
    fn drop(&mut self) {
        self.cut();
    }
}

#[test]
fn the_page_says_when_the_engine_is_lost_and_when_it_is_back() {
    let socket_dir = tempfile::tempdir().expect("temp dir");
    let socket = socket_dir.path().join("engine.sock");
    let mut proxy = EngineProxy::up(&socket);
    let host = format!("unix://{}", socket.display());
    let compose = "services:\n  app:\n    image: berth-test/busybox\n    command: [sleep, \"3600\"]\n    stop_grace_period: 1s\n";
    let Some(r) = Running::start_with(
        "engine",
        compose,
        &["--listen", "127.0.0.1:0"],
        &[("DOCKER_HOST", &host)],
    ) else {
        return;
    };
    let port = r.port().to_string();
    let mut events = http::events(&port, "/api/events");
    wait_for_event(&mut events, Duration::from_secs(10), |v| {
        v["engine"] == "connected"
    });
    let browser = Browser::start();
    if let Some(b) = &browser {
        b.goto(&format!("http://127.0.0.1:{port}/"));
        b.wait_for(
            "return document.getElementById('engine').textContent;",
            &serde_json::json!("engine connected"),
            Duration::from_secs(10),
        );
    }

    proxy.cut();
    wait_for_event(&mut events, Duration::from_secs(10), |v| {
        v["engine"] == "lost"
    });
    let (code, body) = get(&port, "localhost", "/api/status", "");
    assert_eq!(code, 503, "{body}");
    assert!(body.contains("the engine does not answer"), "{body}");
    if let Some(b) = &browser {
        b.wait_for(
            "return document.getElementById('engine').textContent;",
            &serde_json::json!("engine connection lost"),
            Duration::from_secs(10),
        );
    }

    let _proxy = EngineProxy::up(&socket);
    wait_for_event(&mut events, Duration::from_secs(10), |v| {
        v["engine"] == "connected"
    });
    if let Some(b) = &browser {
        b.wait_for(
            "return document.getElementById('engine').textContent;",
            &serde_json::json!("engine connected"),
            Duration::from_secs(10),
        );
    }
    // Back, it follows the engine's events again.
    let stop = r.berth(&["stop", "app"]);
    assert!(stop.status.success());
    wait_for_event(&mut events, Duration::from_secs(10), |v| {
        v["service"] == "app" && v["action"] == "die"
    });
    assert_eq!(service_state(&status(&port, ""), "app"), "exited");
}

/// The dashboard's resident memory, in KiB.
fn resident_kib(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .unwrap_or_default()
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

/// A bounded load test: 50 clients follow the event stream for 30 seconds while containers
/// stop and start; each receives every change, in order, and the server's memory stays flat.
#[test]
fn fifty_event_stream_clients_each_receive_every_change() {
    const CLIENTS: usize = 50;
    let compose = "services:\n  a:\n    image: berth-test/busybox\n    command: [sleep, \"3600\"]\n  b:\n    image: berth-test/busybox\n    command: [sleep, \"3600\"]\n";
    let Some(r) = Running::start("load", compose, "127.0.0.1:0") else {
        return;
    };
    let port = r.port().to_string();
    let pid = r.dashboard.as_ref().map(Child::id).expect("the dashboard");
    let done = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let (ready_tx, ready) = std::sync::mpsc::channel();
    let clients: Vec<_> = (0..CLIENTS)
        .map(|_| {
            let (port, done, ready_tx) = (port.clone(), done.clone(), ready_tx.clone());
            std::thread::spawn(move || {
                let mut lines = http::events(&port, "/api/events");
                let mut seen = Vec::new();
                let mut line = String::new();
                while !done.load(std::sync::atomic::Ordering::SeqCst) {
                    line.clear();
                    match lines.read_line(&mut line) {
                        Ok(0) => break,
                        Ok(_) => {}
                        Err(_) => continue,
                    }
                    let Some(data) = line.trim_end().strip_prefix("data: ") else {
                        continue;
                    };
                    let v: serde_json::Value = serde_json::from_str(data).expect("JSON");
                    if v["engine"] == "connected" && v.get("lagged").is_none() && seen.is_empty() {
                        let _ = ready_tx.send(());
                    }
                    if v.get("lagged").is_some() {
                        seen.push("lagged".to_string());
                    }
                    if v["action"] == "start" || v["action"] == "die" {
                        seen.push(format!(
                            "{} {}",
                            v["service"].as_str().unwrap_or(""),
                            v["action"].as_str().unwrap_or("")
                        ));
                    }
                }
                seen
            })
        })
        .collect();
    for _ in 0..CLIENTS {
        ready
            .recv_timeout(Duration::from_secs(30))
            .expect("every client connected within 30 s");
    }
    let before = resident_kib(pid);
    let mut expected = Vec::new();
    let start = Instant::now();
    let mut round = 0;
    while start.elapsed() < Duration::from_secs(30) {
        let service = ["a", "b"][round % 2];
        for (verb, action) in [("stop", "die"), ("start", "start")] {
            let args: &[&str] = if verb == "stop" {
                &["stop", "-t", "0", service]
            } else {
                &["start", service]
            };
            let out = r.berth(args);
            assert!(
                out.status.success(),
                "{}",
                String::from_utf8_lossy(&out.stderr)
            );
            expected.push(format!("{service} {action}"));
        }
        round += 1;
    }
    // What the engine sent last reaches the clients within a few seconds.
    std::thread::sleep(Duration::from_secs(3));
    let after = resident_kib(pid);
    done.store(true, std::sync::atomic::Ordering::SeqCst);
    for (i, c) in clients.into_iter().enumerate() {
        let seen = c.join().expect("a client");
        assert_eq!(seen, expected, "client {i}");
    }
    eprintln!(
        "{} changes to {CLIENTS} clients; the dashboard's memory went from {before} KiB to {after} KiB",
        expected.len()
    );
    assert!(
        after < before + 16 * 1024,
        "the dashboard's memory grew from {before} KiB to {after} KiB"
    );
}

/// The fog-compute consolidation (`examples/fog-compute-after`) on the test image: every
/// service's image replaced by busybox running `sleep`, its healthchecks by one that passes,
/// its ports and secrets left out, so that its shape (services, health-gated dependencies,
/// networks, volumes) is the example's own.
#[test]
fn the_fog_compute_shape_shows_every_service_with_its_state() {
    if !ensure_image() {
        return;
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let copy = Command::new("cp")
        .arg("-r")
        .arg(common::examples().join("fog-compute-after"))
        .arg(dir.path())
        .status()
        .expect("cp");
    assert!(copy.success());
    let project = dir.path().join("fog-compute-after");
    let loaded = common::berth_in(&project, &["config", "--format", "json"]);
    assert!(
        loaded.status.success(),
        "{}",
        String::from_utf8_lossy(&loaded.stderr)
    );
    let loaded: serde_json::Value = serde_json::from_slice(&loaded.stdout).expect("JSON");
    let services = loaded["services"].as_object().expect("services");
    let mut overlay = String::from("services:\n");
    let mut expected = Vec::new();
    for (name, s) in services {
        overlay.push_str(&format!(
            "  {name}:\n    image: berth-test/busybox\n    entrypoint: [sleep, \"3600\"]\n    command: !reset []\n    user: !reset null\n    ports: !reset []\n    secrets: !reset []\n    stop_grace_period: 1s\n"
        ));
        let healthy = s.get("healthcheck").is_some_and(|h| h["disable"] != true);
        if healthy {
            overlay.push_str(
                "    healthcheck:\n      test: [CMD, \"true\"]\n      interval: 1s\n      start_period: 0s\n",
            );
        }
        expected.push(serde_json::json!([
            name,
            if healthy { "healthy" } else { "running" }
        ]));
    }
    expected.sort_by_key(|v| v[0].as_str().unwrap_or("").to_string());
    std::fs::write(project.join("compose.test.yaml"), overlay).expect("write the overlay");
    let mut r = Running {
        dir,
        name: "berth-dash-fog".into(),
        dashboard: None,
        addr: String::new(),
        query: String::new(),
    };
    let files = [
        "-f",
        "fog-compute-after/docker-compose.yml",
        "-f",
        "fog-compute-after/docker-compose.override.yml",
        "-f",
        "fog-compute-after/compose.test.yaml",
    ];
    r.berth(&[&files[..], &["down", "-v", "-t", "0"]].concat());
    let up = r.berth(&[&files[..], &["up", "-d", "--no-build", "--wait"]].concat());
    assert!(
        up.status.success(),
        "{}",
        String::from_utf8_lossy(&up.stderr)
    );
    let mut command = Command::new(env!("CARGO_BIN_EXE_berth"));
    command
        .current_dir(r.dir.path())
        .args(["-p", &r.name])
        .args(files)
        .args(["dashboard", "--listen", "127.0.0.1:0"]);
    let (child, addr, _) = http::start_dashboard(command);
    r.dashboard = Some(child);
    r.addr = addr;
    // (When dropped, `down` finds the project by its name.)
    let Some(browser) = Browser::start() else {
        return;
    };
    browser.goto(&format!("http://127.0.0.1:{}/", r.port()));
    assert_eq!(
        browser.run(ROWS),
        serde_json::Value::Array(expected.clone()),
        "every service of the example, with its state"
    );
    for e in &expected {
        let name = e[0].as_str().unwrap_or("");
        let id = format!(
            "s_{}",
            name.replace(|c: char| !c.is_ascii_alphanumeric(), "_")
        );
        assert_eq!(
            browser.run(&format!(
                "return document.querySelectorAll('#{id} > rect').length;"
            )),
            3,
            "{name} is drawn in the services, networks and startup-order views"
        );
    }
}
