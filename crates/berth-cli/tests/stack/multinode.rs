//! `berth stack` on a swarm of two nodes ([`crate::nodes`]): tasks placed by constraint, mode
//! and spread, service discovery across nodes over the stack's overlay network, tasks moved
//! when a node goes away, images built here and pushed for the other node, a rebuild rolled
//! out by its new digest, and `--with-registry-auth` for a private registry.

use std::time::{Duration, Instant};

use super::common::registry::Registry;
use super::nodes::{TwoNodes, WORKER_HOST};
use super::{docker, Stack, IMAGE};

/// Pushes the test image to `reg` (with the Docker CLI's configuration in `config`, when
/// given) and names it there.
fn push_test_image(reg: &Registry, config: Option<&str>) -> String {
    let image = format!("{}/berth-test/busybox:latest", reg.host());
    docker(&["tag", IMAGE, &image]).ok();
    let mut args = Vec::new();
    if let Some(c) = config {
        args.extend(["--config", c]);
    }
    args.extend(["push", image.as_str()]);
    docker(&args).ok();
    image
}

/// The nodes the running tasks of service `service` of `s` are on, sorted, as `berth stack
/// ps` shows them.
fn nodes_of(s: &Stack, service: &str) -> Vec<String> {
    let out = s
        .berth(&[
            "stack",
            "ps",
            service,
            "--format",
            "{{.Node}} {{.DesiredState}} {{.CurrentState}}",
        ])
        .ok();
    let mut nodes: Vec<String> = out
        .stdout
        .lines()
        .filter(|l| l.contains(" Running Running"))
        .filter_map(|l| l.split_whitespace().next().map(str::to_string))
        .collect();
    nodes.sort();
    nodes
}

/// The manager's host name, as `stack ps` shows it.
fn manager_host() -> String {
    docker(&["info", "--format", "{{.Name}}"])
        .ok()
        .stdout
        .trim()
        .to_string()
}

/// Waits (a minute at most) until `check` holds.
#[track_caller]
fn wait_until(what: &str, mut check: impl FnMut() -> bool) {
    let start = Instant::now();
    while !check() {
        assert!(
            start.elapsed() < Duration::from_mins(1),
            "waited a minute for {what}"
        );
        std::thread::sleep(Duration::from_millis(500));
    }
}

/// A container of service `service` of `s` running on the worker.
fn worker_container(nodes: &TwoNodes, s: &Stack, service: &str) -> String {
    let filter = format!("label=com.docker.swarm.service.name={}_{service}", s.name);
    let out = nodes.worker.docker(&["ps", "-q", "--filter", &filter]).ok();
    out.stdout
        .lines()
        .next()
        .unwrap_or_else(|| panic!("no container of {service} on the worker"))
        .to_string()
}

/// Constraints, global mode and spreading place tasks on the nodes they name; a service on
/// the worker reaches one on the manager by name over the stack's overlay network; when the
/// worker goes away its tasks move to the manager (where they may), those pinned to it wait,
/// and once it is back a deploy converges again.
#[test]
fn tasks_are_placed_across_nodes_and_move_when_a_node_goes() {
    let Some(reg) = Registry::start() else { return };
    let Some(nodes) = TwoNodes::start() else {
        return;
    };
    let _served = reg.serve_in(&nodes.worker.netns);
    let image = push_test_image(&reg, None);
    let svc = |name: &str, deploy: &str| {
        format!(
            "  {name}:\n    image: {image}\n    command: [\"sleep\", \"3600\"]\n    stop_signal: SIGKILL\n    deploy:\n{deploy}"
        )
    };
    let compose = format!(
        "services:\n  api:\n    image: {image}\n    command: [\"sh\", \"-c\", \"mkdir -p /srv && echo from-the-manager > /srv/index.html && exec httpd -f -p 8080 -h /srv\"]\n    stop_signal: SIGKILL\n    deploy:\n      placement: {{constraints: [node.role == manager]}}\n{}{}{}{}",
        svc("pinned", "      placement: {constraints: [node.role == worker]}\n"),
        svc("everywhere", "      mode: global\n"),
        svc("spread", "      replicas: 2\n      placement: {max_replicas_per_node: 1}\n"),
        svc("moved", "      replicas: 2\n      placement: {preferences: [{spread: node.id}]}\n"),
    );
    let s = Stack::new("nodes", &compose);
    s.deploy();
    let manager = manager_host();
    let both = {
        let mut v = vec![manager.clone(), WORKER_HOST.to_string()];
        v.sort();
        v
    };
    assert_eq!(nodes_of(&s, "api"), vec![manager.clone()]);
    assert_eq!(nodes_of(&s, "pinned"), vec![WORKER_HOST.to_string()]);
    assert_eq!(nodes_of(&s, "everywhere"), both);
    assert_eq!(nodes_of(&s, "spread"), both);
    assert_eq!(nodes_of(&s, "moved"), both);
    // Service discovery across the nodes, over the overlay network (by the tasks' names: the
    // service's virtual IP needs iptables rules the worker's engine does not make).
    let pinned = worker_container(&nodes, &s, "pinned");
    let got = nodes
        .worker
        .docker(&["exec", &pinned, "wget", "-qO-", "http://tasks.api:8080/"])
        .ok();
    assert_eq!(got.stdout, "from-the-manager\n");

    nodes.worker.cut();
    wait_until("the moved service's tasks on the manager", || {
        nodes_of(&s, "moved") == vec![manager.clone(), manager.clone()]
    });
    // One task per node at most: the second waits for a node.
    assert_eq!(nodes_of(&s, "spread"), vec![manager.clone()]);
    // The task pinned to the worker waits, and `stack ps` says why.
    wait_until("the pinned service's task pending", || {
        s.berth(&["stack", "ps", "pinned", "--no-trunc"])
            .ok()
            .all()
            .contains("no suitable node")
    });

    nodes.worker.mend();
    wait_until("the worker back", || {
        docker(&[
            "node",
            "inspect",
            "--format",
            "{{.Status.State}}",
            &nodes.worker.node_id,
        ])
        .stdout
        .trim()
            == "ready"
    });
    let again = s.deploy();
    again.lacks("Updated");
    assert_eq!(nodes_of(&s, "pinned"), vec![WORKER_HOST.to_string()]);
    assert_eq!(nodes_of(&s, "spread"), both);
    s.berth(&["stack", "rm"]).ok();
}

/// On two nodes a service's built image is pushed to the registry its `image:` names, and the
/// worker runs it; a rebuild pushed under the same tag has a new digest, so the next deploy
/// rolls it out. An image without a registry to push to stops the deploy, saying why.
#[test]
fn built_images_reach_the_other_node_and_a_rebuild_rolls_out() {
    let Some(reg) = Registry::start() else { return };
    let Some(nodes) = TwoNodes::start() else {
        return;
    };
    let _served = reg.serve_in(&nodes.worker.netns);
    let made = format!("{}/berth-stack/made:1", reg.host());
    let s = Stack::new(
        "pushed",
        &format!(
            "services:\n  made:\n    build: ./app\n    image: {made}\n    command: [\"sleep\", \"3600\"]\n    stop_signal: SIGKILL\n    deploy:\n      placement: {{constraints: [node.role == worker]}}\n"
        ),
    );
    std::fs::create_dir_all(s.dir.path().join("app")).expect("mkdir");
    let version = |v: &str| {
        s.file(
            "app/Dockerfile",
            &format!("FROM {IMAGE}\nRUN echo {v} > /made.txt\n"),
        );
    };
    version("first");
    let _ = docker(&["rmi", "-f", &made]);
    let out = s.deploy();
    out.has("Built");
    out.has("Pushed");
    let cat = |s: &Stack| {
        let c = worker_container(&nodes, s, "made");
        nodes
            .worker
            .docker(&["exec", &c, "cat", "/made.txt"])
            .ok()
            .stdout
    };
    assert_eq!(cat(&s), "first\n");

    version("second");
    s.berth(&["build"]).ok();
    let out = s.deploy();
    out.has("Updated");
    wait_until("the second build on the worker", || cat(&s) == "second\n");

    let unnamed = Stack::new(
        "unnamed",
        "services:\n  local:\n    build: ./app\n    command: [\"sleep\", \"3600\"]\n",
    );
    std::fs::create_dir_all(unnamed.dir.path().join("app")).expect("mkdir");
    unnamed.file("app/Dockerfile", &format!("FROM {IMAGE}\n"));
    let refused = unnamed.berth(&["stack", "deploy"]);
    assert_eq!(refused.code, Some(1), "{}", refused.all());
    refused.has("service local is built on this node, but the swarm has 2 nodes");
    let _ = docker(&["rmi", "-f", &made, &format!("{}-local", unnamed.name)]);
    s.berth(&["stack", "rm"]).ok();
}

/// A private registry: without `--with-registry-auth` the worker cannot pull the image and
/// the deploy fails naming the service; with it, the worker gets the login and runs it.
#[test]
fn with_registry_auth_lets_the_worker_pull_a_private_image() {
    let Some(reg) = Registry::start_with_login("berth", "s3cret") else {
        return;
    };
    let Some(nodes) = TwoNodes::start() else {
        return;
    };
    let _served = reg.serve_in(&nodes.worker.netns);
    let logins = tempfile::tempdir().expect("temp dir");
    let auth = {
        use base64::Engine as _;
        base64::engine::general_purpose::STANDARD.encode("berth:s3cret")
    };
    std::fs::write(
        logins.path().join("config.json"),
        format!(
            "{{\"auths\": {{\"{}\": {{\"auth\": \"{auth}\"}}}}}}",
            reg.host()
        ),
    )
    .expect("config.json");
    let config = logins.path().display().to_string();
    let image = push_test_image(&reg, Some(&config));
    let s = Stack::new(
        "private",
        &format!(
            "services:\n  private:\n    image: {image}\n    command: [\"sleep\", \"3600\"]\n    stop_signal: SIGKILL\n    deploy:\n      placement: {{constraints: [node.role == worker]}}\n"
        ),
    );
    let env = [("DOCKER_CONFIG", config.as_str())];
    let refused = s.berth_with(&["stack", "deploy"], &env);
    assert_ne!(refused.code, Some(0), "{}", refused.all());
    refused.has(&format!("service {}_private", s.name));
    s.berth(&["stack", "rm"]).ok();

    s.berth_with(&["stack", "deploy", "--with-registry-auth"], &env)
        .ok();
    assert_eq!(nodes_of(&s, "private"), vec![WORKER_HOST.to_string()]);
    s.berth(&["stack", "rm"]).ok();
}
