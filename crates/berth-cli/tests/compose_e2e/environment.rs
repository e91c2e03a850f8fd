//! The variables Docker Compose reads in place of flags: `COMPOSE_ANSI`,
//! `COMPOSE_STATUS_STDOUT`, `COMPOSE_COMPATIBILITY`, and `DOCKER_CONTEXT` (the Docker CLI
//! context whose endpoint is the engine).

use std::process::Command;

use crate::harness::{tools, Cli};

const ONE: &str = r"
services:
  web:
    image: berth-test/busybox
    command: echo hello-from-web
";

/// Whether `s` holds an SGR (colour) escape: `ESC [ digits ; ... m`.
fn has_colour(s: &str) -> bool {
    s.split('\u{1b}').skip(1).any(|rest| {
        rest.strip_prefix('[').is_some_and(|r| {
            let code: String = r
                .chars()
                .take_while(|c| c.is_ascii_digit() || *c == ';')
                .collect();
            !code.is_empty() && r[code.len()..].starts_with('m')
        })
    })
}

#[test]
fn compose_ansi_status_stdout_and_compatibility_are_read() {
    for tool in tools() {
        let mut c = Cli::new(&tool, "e2e-env-vars", &[("compose.yaml", ONE)]);
        let p = c.project.clone();
        c.env("COMPOSE_ANSI", "always");
        let res = c.with_file("compose.yaml", &["up"]).ok();
        assert!(
            res.stdout.contains('\u{1b}'),
            "{}: colours expected\n{}",
            tool.name,
            res.stdout
        );
        res.has("hello-from-web");
        c.env("COMPOSE_ANSI", "never");
        let res = c.with_file("compose.yaml", &["up"]).ok();
        // (The reference still erases a line with `ESC[K`: no colour is what counts.)
        assert!(
            !has_colour(&res.combined()),
            "{}: {}",
            tool.name,
            res.combined()
        );
        c.named(&["down"]).ok();

        c.env("COMPOSE_STATUS_STDOUT", "1");
        let res = c.with_file("compose.yaml", &["up", "-d"]).ok();
        assert!(
            res.stdout
                .contains(&format!("Container {p}-web-1  Started")),
            "{}: progress on stdout\n{}",
            tool.name,
            res.combined()
        );
        c.env("COMPOSE_STATUS_STDOUT", "0");
        c.named(&["down"]).ok();

        c.env("COMPOSE_COMPATIBILITY", "true");
        let res = c.with_file("compose.yaml", &["up", "-d"]).ok();
        res.has(&format!("Container {p}_web_1  Started"));
        c.named(&["down"]).ok();
    }
}

#[test]
fn docker_context_names_the_engine() {
    if tools().is_empty() {
        return;
    }
    let config = tempfile::tempdir().expect("temp dir");
    let dir = config.path().to_string_lossy().into_owned();
    for (name, host) in [
        ("berth-good", "unix:///var/run/docker.sock"),
        ("berth-bad", "unix:///nonexistent/berth.sock"),
    ] {
        let st = Command::new("docker")
            .args(["--config", &dir, "context", "create", name, "--docker"])
            .arg(format!("host={host}"))
            .output()
            .expect("docker context create");
        assert!(
            st.status.success(),
            "{}",
            String::from_utf8_lossy(&st.stderr)
        );
    }
    for tool in tools() {
        let mut c = Cli::new(&tool, "e2e-docker-context", &[("compose.yaml", ONE)]);
        let p = c.project.clone();
        c.env("DOCKER_CONFIG", &dir);
        c.env("DOCKER_CONTEXT", "berth-good");
        c.with_file("compose.yaml", &["up", "-d"]).ok();
        c.named(&["ps", "-a"]).ok().has(&format!("{p}-web-1"));
        c.env("DOCKER_CONTEXT", "berth-bad");
        let res = c.named(&["ps"]);
        assert_eq!(res.code, Some(1), "{}: {}", tool.name, res.combined());
        res.has("unix:///nonexistent/berth.sock");
        c.env("DOCKER_CONTEXT", "berth-missing");
        let res = c.named(&["ps"]);
        assert_eq!(res.code, Some(1), "{}: {}", tool.name, res.combined());
        res.has("berth-missing");
        c.env("DOCKER_CONTEXT", "default");
        c.named(&["down"]).ok();
    }
}
