//! `berth graph` on every bundled example: snapshots of each view in Mermaid and DOT, the DOT
//! read back by Graphviz's `dot` (`.ci/run` installs it), and the facts the seeds' hand-drawn
//! diagrams show.

mod common;

use std::io::Write as _;
use std::process::{Command, Stdio};

use common::{berth_in, examples, snapshot, stdout};

/// Each example as `graph` is run on it: a name, its folder and the `-f` files (discovery when
/// none).
const EXAMPLES: [(&str, &str, &[&str]); 7] = [
    (
        "fog-before",
        "fog-compute-before",
        &["docker-compose.yml", "docker-compose.betanet.yml"],
    ),
    ("fog-after", "fog-compute-after", &[]),
    ("taylordash", "taylordash", &[]),
    ("hw-server", "hw-server", &[]),
    ("basic-stack", "docker-examples/basic-stack", &[]),
    ("cluster-example", "docker-examples/cluster-example", &[]),
    ("swarm-stack", "docker-examples/swarm-stack", &[]),
];

const VIEWS: [&str; 4] = ["services", "networks", "dependencies", "ports"];

fn graph(dir: &str, files: &[&str], extra: &[&str]) -> String {
    let mut args: Vec<&str> = Vec::new();
    for f in files {
        args.extend(["-f", f]);
    }
    args.push("graph");
    args.extend_from_slice(extra);
    let out = berth_in(&examples().join(dir), &args);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{dir} {extra:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    stdout(&out)
}

#[test]
fn every_view_of_every_example_matches_its_snapshot_and_graphviz_reads_the_dot() {
    for (name, dir, files) in EXAMPLES {
        for view in VIEWS {
            let mermaid = graph(dir, files, &["--view", view]);
            snapshot(&format!("graph/{name}-{view}.mmd"), &mermaid);
            let dot = graph(dir, files, &["--view", view, "--format", "dot"]);
            snapshot(&format!("graph/{name}-{view}.dot"), &dot);
            let mut gv = Command::new("dot")
                .arg("-Tsvg")
                .stdin(Stdio::piped())
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .expect("Graphviz's dot (apt-get install graphviz)");
            gv.stdin
                .as_mut()
                .expect("stdin")
                .write_all(dot.as_bytes())
                .expect("write");
            let done = gv.wait_with_output().expect("dot");
            assert!(
                done.status.success() && done.stdout.starts_with(b"<?xml"),
                "{name} {view}: {}\n{dot}",
                String::from_utf8_lossy(&done.stderr)
            );
        }
    }
}

#[test]
fn the_seeds_diagram_facts_appear() {
    // hw-server's "Traefik Routing Configuration": each host to its service.
    let hw = graph("hw-server", &[], &[]);
    for edge in [
        "s_traefik -->|\"api.localhost\"| s_hw_server",
        "s_traefik -->|\"keycloak.localhost\"| s_hw_keycloak",
        "s_traefik -->|\"prometheus.localhost\"| s_prometheus",
        "s_traefik -->|\"grafana.localhost\"| s_grafana",
        "s_prometheus -.->|\"scrapes\"| s_hw_server",
        "s_hw_keycloak ==>|\"healthy\"| s_hw_db",
    ] {
        assert!(hw.contains(edge), "{edge} not in\n{hw}");
    }
    // Its external ports: Keycloak 9999 to 9000, and the rest host to the same port.
    let ports = graph("hw-server", &[], &["--view", "ports"]);
    for edge in [
        "p_9999_tcp -->|\"9000\"| s_hw_keycloak",
        "p_80_tcp -->|\"80\"| s_traefik",
        "p_443_tcp -->|\"443\"| s_traefik",
        "p_8080_tcp -->|\"8080\"| s_traefik",
        "p_5432_tcp -->|\"5432\"| s_hw_db",
        "p_6379_tcp -->|\"6379\"| s_hw_redis",
        "p_9090_tcp -->|\"9090\"| s_prometheus",
        "p_3000_tcp -->|\"3000\"| s_grafana",
    ] {
        assert!(ports.contains(edge), "{edge} not in\n{ports}");
    }
    // fog-compute after: the backend bridges internal, public and monitoring; internal is
    // internal; the betanet subnet is shown.
    let nets = graph(
        "fog-compute-after",
        &["docker-compose.yml", "docker-compose.betanet.yml"],
        &["--view", "networks"],
    );
    for fact in [
        "n_internal{{\"internal<br/>internal\"}}",
        "n_betanet{{\"betanet<br/>172.30.0.0/16\"}}",
        "s_backend --- n_monitoring",
        "class n_internal internal",
    ] {
        assert!(nets.contains(fact), "{fact} not in\n{nets}");
    }
    assert!(
        nets.contains("class ") && nets.contains("s_backend"),
        "{nets}"
    );
    // The mixnodes start one after another, health-gated: the critical path.
    let deps = graph(
        "fog-compute-after",
        &["docker-compose.yml", "docker-compose.betanet.yml"],
        &["--view", "dependencies"],
    );
    assert!(deps.contains("s_betanet_mixnode_1 ==>|\"healthy\"| s_betanet_mixnode_2"));
    assert!(deps.contains("linkStyle "), "{deps}");
    // The cluster example's three Python replicas.
    let cluster = graph("docker-examples/cluster-example", &[], &[]);
    assert!(cluster.contains("× 3 replicas"), "{cluster}");
    // --only: a service and its neighbours; an unknown one is an error.
    let only = graph("hw-server", &[], &["--only", "hw-db"]);
    assert!(
        only.contains("s_hw_keycloak") && !only.contains("s_grafana"),
        "{only}"
    );
    let out = berth_in(&examples().join("hw-server"), &["graph", "--only", "nope"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no such service: nope"));
    let out = berth_in(&examples().join("hw-server"), &["graph", "--view", "flows"]);
    assert_eq!(out.status.code(), Some(1));
}
