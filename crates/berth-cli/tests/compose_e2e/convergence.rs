//! Berth's own (issue 17, item 1): an `up` killed at any point of a recreate leaves a state the
//! next `up` converges from. The recreate is made slow (the old container ignores SIGTERM and
//! has two seconds to stop), and `up` is killed with SIGKILL at many points of it: before the
//! replacement is made, while the old container stops, between its removal and the rename.

use std::time::Duration;

use crate::harness::{docker, tools, Cli};

const SLOW_STOP: &str = r#"
services:
  web:
    image: berth-test/busybox
    stop_grace_period: 2s
    environment: ["V=${V:-1}"]
    command: ["sh", "-c", "trap '' TERM; sleep 300 & wait; sleep 300"]
"#;

/// `NAME STATE` of every container of project `p`, sorted.
fn containers(p: &str) -> Vec<String> {
    let label = format!("label=com.docker.compose.project={p}");
    let (_, names) = docker(&[
        "ps",
        "-a",
        "--filter",
        &label,
        "--format",
        "{{.Names}} {{.State}}",
    ]);
    let mut out: Vec<String> = names.lines().map(str::to_string).collect();
    out.sort_unstable();
    out
}

/// Whether `container` was made with `V=v` in its environment.
fn has_v(container: &str, v: &str) -> bool {
    let (_, env) = docker(&[
        "inspect",
        container,
        "--format",
        "{{range .Config.Env}}{{println .}}{{end}}",
    ]);
    env.lines().any(|l| l == format!("V={v}"))
}

/// Recreates the project's `services` with a new `V` for each delay, killing `up` that long
/// after it starts; the next `up` must leave one running container per service, made with the
/// new `V`.
fn kill_recreates_and_converge(c: &mut Cli, services: &[String], delays_ms: &[u64]) {
    let p = c.project.clone();
    c.env("V", "0");
    c.named(&["up", "-d"]).ok();
    let mut want: Vec<String> = services
        .iter()
        .map(|s| format!("{p}-{s}-1 running"))
        .collect();
    want.sort_unstable();
    for (i, delay_ms) in delays_ms.iter().enumerate() {
        let v = (i + 1).to_string();
        c.env("V", &v);
        let killed = c.spawn_named(&["up", "-d"]);
        std::thread::sleep(Duration::from_millis(*delay_ms));
        // SIGKILL, wherever it is.
        drop(killed);
        c.named(&["up", "-d"]).ok();
        assert_eq!(containers(&p), want, "after a kill at {delay_ms} ms");
        for s in services {
            assert!(
                has_v(&format!("{p}-{s}-1"), &v),
                "{s} after a kill at {delay_ms} ms"
            );
        }
    }
    c.named(&["down", "-t", "0"]).ok();
}

#[test]
fn a_killed_recreate_converges_on_the_next_up() {
    let Some(tool) = tools().into_iter().next() else {
        return;
    };
    let mut c = Cli::new(&tool, "e2e-killed-recreate", &[("compose.yaml", SLOW_STOP)]);
    kill_recreates_and_converge(
        &mut c,
        &["web".to_string()],
        &[50, 200, 400, 700, 1000, 1500, 2000, 2300, 2700, 3200],
    );
}

/// Ten services recreated at once, `up` killed at several points (the issue saw 11 to 19
/// containers left behind for four timings): the next `up` leaves exactly one container per
/// service, each with the new configuration.
#[test]
fn a_killed_recreate_of_ten_services_converges() {
    let Some(tool) = tools().into_iter().next() else {
        return;
    };
    let mut compose = String::from(
        "x-slow: &slow\n  image: berth-test/busybox\n  stop_grace_period: 2s\n  environment: [\"V=${V:-1}\"]\n  command: [\"sh\", \"-c\", \"trap '' TERM; sleep 300 & wait; sleep 300\"]\nservices:\n",
    );
    let services: Vec<String> = (0..10).map(|i| format!("s{i}")).collect();
    for s in &services {
        compose.push_str(&format!("  {s}: *slow\n"));
    }
    let mut c = Cli::new(&tool, "e2e-killed-ten", &[("compose.yaml", &compose)]);
    kill_recreates_and_converge(&mut c, &services, &[300, 1200, 2200, 3000]);
}

/// Half a scale-up: `up --scale web=6` killed while it creates the new containers; the next
/// `up --scale web=6` leaves exactly six, numbered 1 to 6, all running.
#[test]
fn a_killed_scale_up_converges() {
    let Some(tool) = tools().into_iter().next() else {
        return;
    };
    let c = Cli::new(
        &tool,
        "e2e-killed-scale",
        &[(
            "compose.yaml",
            "services:\n  web:\n    image: berth-test/busybox\n    init: true\n    command: sleep 300\n",
        )],
    );
    let p = c.project.clone();
    for (round, delay_ms) in [100u64, 400, 800].into_iter().enumerate() {
        c.named(&["up", "-d", "--scale", "web=1"]).ok();
        let killed = c.spawn_named(&["up", "-d", "--scale", "web=6"]);
        std::thread::sleep(Duration::from_millis(delay_ms));
        drop(killed);
        c.named(&["up", "-d", "--scale", "web=6"]).ok();
        let mut want: Vec<String> = (1..=6).map(|i| format!("{p}-web-{i} running")).collect();
        want.sort_unstable();
        assert_eq!(
            containers(&p),
            want,
            "round {round}: after a kill at {delay_ms} ms"
        );
    }
    c.named(&["down", "-t", "0"]).ok();
}
