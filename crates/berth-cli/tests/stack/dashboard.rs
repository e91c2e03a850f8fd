//! `berth stack dashboard`: the live page of a stack deployed on this engine's swarm, with
//! its services' replicas, their tasks and the nodes they run on, following the stack's
//! containers' events.

use std::process::Command;
use std::time::{Duration, Instant};

use super::{docker, service, Stack, Swarm};
use crate::common::http::{self, get, wait_for_event, wait_for_line};

/// The dashboard, killed when dropped.
struct Dashboard(std::process::Child);

impl Drop for Dashboard {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn status(port: &str) -> serde_json::Value {
    let (code, body) = get(port, "localhost", "/api/status", "");
    assert_eq!(code, 200, "{body}");
    serde_json::from_str(&body).expect("JSON")
}

fn service_of<'a>(st: &'a serde_json::Value, name: &str) -> &'a serde_json::Value {
    st["services"]
        .as_array()
        .and_then(|s| s.iter().find(|s| s["name"] == name))
        .unwrap_or_else(|| panic!("no {name} in {st}"))
}

#[test]
fn the_stack_dashboard_shows_services_tasks_and_nodes() {
    let Some(_swarm) = Swarm::start() else { return };
    let compose = format!(
        "services:\n  web:\n    image: berth-test/busybox:latest\n    command: [\"sh\", \"-c\", \"while true; do echo web says hi; sleep 1; done\"]\n    stop_signal: SIGKILL\n    deploy:\n      replicas: 2\n{}",
        service("worker", "")
    );
    let s = Stack::new("dash", &compose);
    s.deploy();
    let host = docker(&["info", "--format", "{{.Name}}"]).ok();
    let host = host.stdout.trim();

    // Actions change a compose project's containers, not a stack's services.
    let refused = s.berth(&["stack", "dashboard", "--allow-actions"]);
    assert_eq!(refused.code, Some(1));
    refused.has("berth stack deploy");

    let mut command = Command::new(env!("CARGO_BIN_EXE_berth"));
    command.current_dir(s.dir.path()).args([
        "-p",
        &s.name,
        "stack",
        "dashboard",
        "--listen",
        "127.0.0.1:0",
    ]);
    let (child, addr, _) = http::start_dashboard(command);
    let _dashboard = Dashboard(child);
    let port = addr.rsplit_once(':').map_or("", |(_, p)| p).to_string();

    let st = status(&port);
    assert_eq!(st["project"], s.name.as_str());
    let web = service_of(&st, "web");
    assert_eq!(web["replicas"]["running"], 2, "{web}");
    assert_eq!(web["replicas"]["desired"], 2, "{web}");
    assert_eq!(web["state"], "running", "{web}");
    let tasks = web["containers"].as_array().expect("tasks");
    assert_eq!(tasks.len(), 2, "{web}");
    for t in tasks {
        assert_eq!(t["node"], host, "{t}");
        assert!(
            t["status"]
                .as_str()
                .is_some_and(|s| s.starts_with("Running")),
            "{t}"
        );
    }
    assert_eq!(st["nodes"][0]["hostname"], host, "{st}");
    assert_eq!(st["nodes"][0]["status"], "ready", "{st}");
    assert_eq!(st["nodes"][0]["manager_status"], "leader", "{st}");
    let (code, page) = get(&port, "localhost", "/", "");
    assert_eq!(code, 200);
    assert!(page.contains("<h2>Nodes</h2>"), "no nodes on the page");
    assert!(
        page.contains(&format!(" · on {host}")),
        "no task's node on the page"
    );

    // The logs of a stack's service: its tasks' containers, followed.
    let mut logs = http::events(&port, "/api/logs/web?follow=1&tail=1");
    let line = wait_for_line(&mut logs, Duration::from_secs(20), |l| {
        l.ends_with("| web says hi")
    });
    assert!(line.starts_with(&format!("{}_web.", s.name)), "{line}");

    // Scaled to nothing, worker's task stops: its event is pushed, and the status follows.
    let mut events = http::events(&port, "/api/events");
    wait_for_event(&mut events, Duration::from_secs(10), |v| {
        v["engine"] == "connected"
    });
    let scoped = format!("{}_worker=0", s.name);
    docker(&["service", "scale", "-d", &scoped]).ok();
    let died = wait_for_event(&mut events, Duration::from_secs(30), |v| {
        v["action"] == "die"
    });
    assert_eq!(died["service"], "worker", "{died}");
    let start = Instant::now();
    loop {
        let st = status(&port);
        let worker = service_of(&st, "worker");
        if worker["replicas"]["desired"] == 0 && worker["replicas"]["running"] == 0 {
            assert_eq!(worker["state"], "missing", "{worker}");
            break;
        }
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "worker still runs: {worker}"
        );
        std::thread::sleep(Duration::from_millis(300));
    }
}
