//! `pkg/e2e/networks_test.go`: project networks and networks named with `name:`, created and
//! removed with the project; `port`; a fixed address from the network's IPAM config; and
//! `run` of a service on another service's network namespace (`network_mode: service:`),
//! whose container it starts first.

use crate::harness::{docker, tools, Cli};

const NETWORK_TEST: &str = r#"
services:
  mydb:
    image: berth-test/busybox
    network_mode: "service:db"
    command: sleep infinity
  db:
    image: berth-test/busybox
    init: true
    command: sleep infinity
    networks:
      - dbnet
      - closesnetworkname1
      - closesnetworkname2
  words:
    image: berth-test/busybox
    init: true
    command: sleep infinity
    ports:
      - "8080"
    networks:
      - dbnet
      - servicenet
  web:
    image: berth-test/busybox
    init: true
    command: sleep infinity
    networks:
      - servicenet
networks:
  dbnet:
  servicenet:
    name: ${PROJECT}-microservices
  closesnetworkname1:
    name: ${PROJECT}-closenamenet
  closesnetworkname2:
    name: ${PROJECT}-closenamenet-2
"#;

fn networks() -> String {
    docker(&["network", "ls", "--format", "{{.Name}}"]).1
}

fn cli(tool: &crate::harness::Tool, name: &str) -> Cli {
    let mut c = Cli::new(tool, name, &[("compose.yaml", NETWORK_TEST)]);
    let p = c.project.clone();
    c.env("PROJECT", &p);
    c
}

/// TestNetworks. The named networks carry the project's name, so that both tools' runs can
/// share the engine.
#[test]
fn test_networks() {
    for tool in tools() {
        let c = cli(&tool, "network-e2e");
        let p = c.project.clone();
        c.with_file("compose.yaml", &["up", "-d"]).ok();
        c.named(&["ps"]).ok().has("web");
        let nets = networks();
        assert!(nets.contains(&format!("{p}_dbnet")), "{nets}");
        assert!(nets.contains(&format!("{p}-microservices")), "{nets}");
        c.named(&["port", "words", "8080"]).ok().has("0.0.0.0:");
        c.named(&["down"]).ok();
        let nets = networks();
        assert!(!nets.contains(&p), "{}: {nets}", tool.name);
    }
}

/// TestIPAMConfig: each tool gets a subnet of its own.
#[test]
fn test_ipam_config() {
    for (i, tool) in tools().into_iter().enumerate() {
        let subnet = format!("10.{}.0.0/16", 81 + i);
        let address = format!("10.{}.0.100", 81 + i);
        let c = Cli::new(
            &tool,
            "ipam_e2e",
            &[(
                "compose.yaml",
                &format!("services:\n  foo:\n    image: berth-test/busybox\n    init: true\n    command: sleep infinity\n    networks:\n      default:\n        ipv4_address: {address}\nnetworks:\n  default:\n    ipam:\n      config:\n        - subnet: {subnet}\n"),
            )],
        );
        let p = c.project.clone();
        c.named(&["up", "-d"]).ok();
        // The project's name has a hyphen, which a template's field path cannot hold.
        let (_, nets) = docker(&[
            "inspect",
            &format!("{p}-foo-1"),
            "-f",
            "{{json .NetworkSettings.Networks}}",
        ]);
        let nets: serde_json::Value = serde_json::from_str(&nets).expect("networks");
        let ip = nets[format!("{p}_default")]["IPAddress"].as_str();
        assert_eq!(ip, Some(address.as_str()), "{}", tool.name);
    }
}

/// TestNetworkModes. Regression: Berth's `run` handed `service:db` to the engine as a
/// network name ("network service:db not found").
#[test]
fn test_network_modes() {
    for tool in tools() {
        let c = cli(&tool, "network_mode_service_run");
        c.with_file("compose.yaml", &["run", "-T", "mydb", "echo", "success"])
            .ok()
            .has("success");
        c.named(&["down", "--remove-orphans"]).ok();
    }
}
