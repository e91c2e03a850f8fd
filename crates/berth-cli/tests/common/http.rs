//! Talking to a server under test over plain HTTP/1.1: requests read to their end, and
//! Server-Sent Events read until the one wanted; and starting `berth dashboard`.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// `GET path` on 127.0.0.1:`port` with `Host: host` and the extra header lines: the status
/// code and the body.
pub fn get(port: &str, host: &str, path: &str, extra: &str) -> (u16, String) {
    send(
        port,
        &format!("GET {path} HTTP/1.1\r\nHost: {host}\r\n{extra}"),
    )
}

/// `METHOD path` on 127.0.0.1:`port` for `localhost:PORT`, with the extra header lines.
pub fn request(port: &str, method: &str, path: &str, extra: &str) -> (u16, String) {
    send(
        port,
        &format!(
            "{method} {path} HTTP/1.1\r\nHost: localhost:{port}\r\nContent-Length: 0\r\n{extra}"
        ),
    )
}

/// Sends a request's head (its lines, without the blank line that ends it) and reads the
/// answer to its end: the status code and the body.
pub fn send(port: &str, head: &str) -> (u16, String) {
    let mut s = TcpStream::connect(format!("127.0.0.1:{port}")).expect("connect");
    s.set_read_timeout(Some(Duration::from_secs(20)))
        .expect("timeout");
    write!(s, "{head}Connection: close\r\n\r\n").expect("send");
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

/// Reads Server-Sent Events from `stream` until one whose data satisfies `wanted`, failing
/// after `deadline`.
pub fn wait_for_event(
    stream: &mut BufReader<TcpStream>,
    deadline: Duration,
    wanted: impl Fn(&serde_json::Value) -> bool,
) -> serde_json::Value {
    let data = wait_for_line(stream, deadline, |data| {
        serde_json::from_str::<serde_json::Value>(data).is_ok_and(|v| wanted(&v))
    });
    serde_json::from_str(&data).expect("JSON")
}

/// Reads Server-Sent Events from `stream` until one whose data satisfies `wanted`, failing
/// after `deadline`: that data.
pub fn wait_for_line(
    stream: &mut BufReader<TcpStream>,
    deadline: Duration,
    wanted: impl Fn(&str) -> bool,
) -> String {
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
            if wanted(data) {
                return data.to_string();
            }
        }
    }
}

/// Opens `path` on 127.0.0.1:`port` as an event stream (its answer read line by line).
pub fn events(port: &str, path: &str) -> BufReader<TcpStream> {
    let mut s = TcpStream::connect(format!("127.0.0.1:{port}")).expect("connect");
    s.set_read_timeout(Some(Duration::from_millis(500)))
        .expect("timeout");
    write!(s, "GET {path} HTTP/1.1\r\nHost: localhost\r\n\r\n").expect("send");
    BufReader::new(s)
}

/// Spawns `command` (a `berth dashboard`) and reads the URL it prints: the child, the
/// `HOST:PORT` it listens on and the `?token=…` of its URL (empty without a token).
pub fn start_dashboard(mut command: Command) -> (Child, String, String) {
    let mut child = command
        .env_remove("BERTH_DASHBOARD_TOKEN")
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("start the dashboard");
    let out = child.stdout.take().expect("stdout");
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut line = String::new();
        let _ = BufReader::new(out).read_line(&mut line);
        let _ = tx.send(line);
    });
    let Ok(line) = rx.recv_timeout(Duration::from_secs(30)) else {
        let _ = child.kill();
        let _ = child.wait();
        panic!("the dashboard prints no URL within 30 s");
    };
    let url = line
        .split_whitespace()
        .last()
        .and_then(|u| u.strip_prefix("http://"))
        .unwrap_or_else(|| panic!("no URL in {line:?}"));
    let (addr, rest) = url.split_once('/').expect("URL with a path");
    (child, addr.to_string(), rest.to_string())
}
