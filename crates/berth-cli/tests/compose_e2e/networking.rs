//! Networking the e2e scenarios rely on (networks_test.go, ipc_test.go, links and
//! `network_mode`): `network_mode: service:NAME` and `container:NAME`, `links:` aliases that
//! resolve, `mac_address`, `ipc: shareable` and `ipc: service:NAME`, and `--all-resources`
//! creating networks no service uses. The engine's view of each container is compared, with
//! container IDs replaced by the service that owns them.

use std::process::Command;

use crate::harness::{tools, Cli};

fn compose(project: &str) -> String {
    format!(
        r#"
services:
  db:
    image: berth-test/busybox
    command: sleep 300
    init: true
    ipc: shareable
    mac_address: "02:42:ac:11:65:43"
  web:
    image: berth-test/busybox
    command: sleep 300
    init: true
    links: ["db:database", "db"]
    ipc: service:db
  side:
    image: berth-test/busybox
    command: sleep 300
    init: true
    network_mode: service:db
  other:
    image: berth-test/busybox
    command: sleep 300
    init: true
    network_mode: container:{project}-db-1
    depends_on: [db]
networks:
  unused: {{}}
"#
    )
}

fn inspect(container: &str, format: &str) -> String {
    let out = Command::new("docker")
        .args(["inspect", "--format", format, container])
        .output()
        .expect("docker inspect");
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

#[test]
fn network_mode_links_mac_address_and_ipc_match_the_reference() {
    for tool in tools() {
        let name = format!("e2e-networking-{}", &tool.name[..1]);
        let c = Cli::new(
            &tool,
            "e2e-networking",
            &[("compose.yaml", &compose(&name))],
        );
        let p = c.project.clone();
        assert_eq!(p, name);
        c.with_file("compose.yaml", &["--all-resources", "up", "-d"])
            .ok();
        let db_id = inspect(&format!("{p}-db-1"), "{{.Id}}");
        let shared = format!("container:{db_id}");
        let field = |svc: &str, f: &str| inspect(&format!("{p}-{svc}-1"), f);
        assert_eq!(
            field("db", "{{.HostConfig.IpcMode}}"),
            "shareable",
            "{}",
            tool.name
        );
        assert_eq!(
            field("db", "{{.Config.MacAddress}}"),
            "02:42:ac:11:65:43",
            "{}",
            tool.name
        );
        assert_eq!(
            field("web", "{{.HostConfig.IpcMode}}"),
            shared,
            "{}",
            tool.name
        );
        assert_eq!(
            field("side", "{{.HostConfig.NetworkMode}}"),
            shared,
            "{}",
            tool.name
        );
        assert_eq!(
            field("other", "{{.HostConfig.NetworkMode}}"),
            shared,
            "{}",
            tool.name
        );
        let links = field(
            "web",
            &format!("{{{{(index .NetworkSettings.Networks \"{p}_default\").Links}}}}"),
        );
        for l in ["db-1:database", "db-1:db", "db-1:db-1"] {
            assert!(
                links.contains(&format!("{p}-{l}")),
                "{}: {links}",
                tool.name
            );
        }
        // The link alias resolves from web; side shares db's network stack.
        let out = Command::new("docker")
            .args([
                "exec",
                &format!("{p}-web-1"),
                "ping",
                "-c1",
                "-W2",
                "database",
            ])
            .output()
            .expect("docker exec");
        assert!(
            out.status.success(),
            "{}: database does not resolve",
            tool.name
        );
        assert_eq!(
            inspect(&format!("{p}_unused"), "{{.Name}}"),
            format!("{p}_unused"),
            "{}: --all-resources creates the unused network",
            tool.name
        );
        // Nothing changed: nothing is recreated.
        let res = c
            .with_file("compose.yaml", &["--all-resources", "up", "-d"])
            .ok();
        res.lacks("Recreate");
        c.named(&["down", "-t", "0"]).ok();
    }
}
