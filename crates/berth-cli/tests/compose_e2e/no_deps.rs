//! noDeps_test.go: `up --no-deps SERVICE` reuses the container that lends it its volumes
//! (`volumes_from`) or its network namespace (`network_mode: service:`), and fails when that
//! container is gone.

use std::process::Command;

use crate::harness::{tools, Cli};

/// The container IDs of a service, as `ps -q` gives them.
fn ids(c: &Cli, service: &str) -> String {
    c.named(&["ps", "-aq", service]).ok().stdout
}

/// `shared`: a mount the donor lends `app` (`volumes_from`), checked on the engine.
fn scenario(base: &str, compose: &str, message: &str, shared: Option<&str>) {
    for tool in tools() {
        let c = Cli::new(&tool, base, &[("compose.yaml", compose)]);
        // up starts the service and the donor
        c.run(&["-p", c.project.as_str(), "up", "-d"]).ok();
        let res = c.named(&["ps", "--format", "{{.Service}} {{.State}}"]).ok();
        res.has("app running");
        res.has("db running");
        if let Some(dest) = shared {
            let out = Command::new("docker")
                .args([
                    "inspect",
                    "--format",
                    "{{range .Mounts}}{{.Destination}} {{end}}",
                    &format!("{}-app-1", c.project),
                ])
                .output()
                .expect("docker inspect");
            let mounts = String::from_utf8_lossy(&out.stdout);
            assert!(mounts.contains(dest), "{}: app mounts {mounts}", tool.name);
        }
        // up --no-deps reuses the donor container while it exists
        let (app, db) = (ids(&c, "app"), ids(&c, "db"));
        c.run(&["-p", c.project.as_str(), "up", "--no-deps", "-d", "app"])
            .ok();
        assert_eq!(ids(&c, "app"), app, "{}: app was recreated", tool.name);
        assert_eq!(ids(&c, "db"), db, "{}: db was recreated", tool.name);
        // the donor container is removed behind compose's back
        let st = Command::new("docker")
            .args(["rm", "-f", &format!("{}-db-1", c.project)])
            .output()
            .expect("docker rm");
        assert!(st.status.success());
        assert!(ids(&c, "db").trim().is_empty());
        // up --no-deps without the donor container is rejected; so is a change to app
        std::fs::write(
            c.dir.path().join("compose.yaml"),
            compose.replace("sleep infinity", "sleep 3600"),
        )
        .unwrap();
        c.run(&["-p", c.project.as_str(), "up", "--no-deps", "-d", "app"])
            .fails(1, message);
    }
}

#[test]
fn no_deps_volume_from() {
    scenario(
        "e2e-nodeps-volumes",
        r"
services:
  app:
    image: berth-test/busybox
    init: true
    command: sleep infinity
    volumes_from:
      - db
  db:
    image: berth-test/busybox
    init: true
    command: sleep infinity
    volumes:
      - /var/data
",
        "cannot share volume with service db: container missing",
        Some("/var/data"),
    );
}

#[test]
fn no_deps_network_mode() {
    scenario(
        "e2e-nodeps-netns",
        r"
services:
  app:
    image: berth-test/busybox
    init: true
    command: sleep infinity
    network_mode: service:db
  db:
    image: berth-test/busybox
    init: true
    command: sleep infinity
",
        "cannot share network namespace with service db: container missing",
        None,
    );
}
