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

#[test]
fn a_killed_recreate_converges_on_the_next_up() {
    let tool = tools().remove(0);
    let mut c = Cli::new(&tool, "e2e-killed-recreate", &[("compose.yaml", SLOW_STOP)]);
    let p = c.project.clone();
    c.env("V", "0");
    c.named(&["up", "-d"]).ok();
    let label = format!("label=com.docker.compose.project={p}");
    for (i, delay_ms) in [50u64, 200, 400, 700, 1000, 1500, 2000, 2300, 2700, 3200]
        .into_iter()
        .enumerate()
    {
        let v = (i + 1).to_string();
        c.env("V", &v);
        let killed = c.spawn_named(&["up", "-d"]);
        std::thread::sleep(Duration::from_millis(delay_ms));
        // SIGKILL, wherever it is.
        drop(killed);
        c.named(&["up", "-d"]).ok();
        let (_, names) = docker(&[
            "ps",
            "-a",
            "--filter",
            &label,
            "--format",
            "{{.Names}} {{.State}}",
        ]);
        assert_eq!(
            names.trim(),
            format!("{p}-web-1 running"),
            "after a kill at {delay_ms} ms"
        );
        let (_, env) = docker(&[
            "inspect",
            &format!("{p}-web-1"),
            "--format",
            "{{range .Config.Env}}{{println .}}{{end}}",
        ]);
        assert!(
            env.lines().any(|l| l == format!("V={v}")),
            "after a kill at {delay_ms} ms: {env}"
        );
    }
    c.named(&["down", "-t", "0"]).ok();
}
