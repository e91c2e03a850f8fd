//! `up` flags the e2e scenarios use: `-V/--renew-anon-volumes` (and anonymous volumes kept
//! across a recreation without it, removed by `down -v`), `--force-recreate` of named services
//! only, `--always-recreate-deps`, `--attach-dependencies`, `--quiet-pull` and `--menu=false`.

use std::process::Command;

use crate::harness::{tools, Cli};

const ANON: &str = r#"
services:
  a:
    image: berth-test/busybox
    init: true
    command: sleep 300
    volumes: ["/data"]
    environment:
      X: ${X:-1}
"#;

const DEPS: &str = r#"
services:
  db:
    image: berth-test/busybox
    init: true
    command: sh -c "echo from-db; sleep 1"
  web:
    image: berth-test/busybox
    init: true
    command: sh -c "sleep 2; echo from-web"
    depends_on: [db]
"#;

const RECREATE: &str = r"
services:
  db:
    image: berth-test/busybox
    init: true
    command: sleep 300
  web:
    image: berth-test/busybox
    init: true
    command: sleep 300
    depends_on: [db]
";

fn cat(container: &str) -> String {
    let out = Command::new("docker")
        .args(["exec", container, "cat", "/data/f"])
        .output()
        .expect("docker exec");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn anonymous_volume(container: &str) -> String {
    let out = Command::new("docker")
        .args([
            "inspect",
            "--format",
            "{{range .Mounts}}{{.Name}}{{end}}",
            container,
        ])
        .output()
        .expect("docker inspect");
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

fn volume_exists(name: &str) -> bool {
    Command::new("docker")
        .args(["volume", "inspect", name])
        .output()
        .is_ok_and(|o| o.status.success())
}

#[test]
fn anonymous_volumes_survive_a_recreation_unless_renewed() {
    for tool in tools() {
        let mut c = Cli::new(&tool, "e2e-anon-volumes", &[("compose.yaml", ANON)]);
        let a = format!("{}-a-1", c.project);
        c.with_file("compose.yaml", &["up", "-d"]).ok();
        let first = anonymous_volume(&a);
        Command::new("docker")
            .args(["exec", &a, "sh", "-c", "echo kept > /data/f"])
            .output()
            .expect("docker exec");
        c.env("X", "2");
        c.with_file("compose.yaml", &["up", "-d"])
            .ok()
            .has("Recreated");
        assert_eq!(cat(&a), "kept\n", "{}: the data must survive", tool.name);
        assert_eq!(anonymous_volume(&a), first, "{}", tool.name);
        c.env("X", "3");
        c.with_file("compose.yaml", &["up", "-d", "-V"]).ok();
        assert_eq!(cat(&a), "", "{}: -V gives a new volume", tool.name);
        let renewed = anonymous_volume(&a);
        assert_ne!(renewed, first, "{}", tool.name);
        c.named(&["down", "-v", "-t", "0"]).ok();
        assert!(
            !volume_exists(&renewed),
            "{}: down -v removes it",
            tool.name
        );
        let _ = Command::new("docker")
            .args(["volume", "rm", &first])
            .output();
    }
}

#[test]
fn recreate_flags_follow_the_reference() {
    for tool in tools() {
        let c = Cli::new(&tool, "e2e-recreate-flags", &[("compose.yaml", RECREATE)]);
        let p = c.project.clone();
        c.with_file(
            "compose.yaml",
            &["up", "-d", "--quiet-pull", "--menu=false"],
        )
        .ok();
        let res = c
            .with_file("compose.yaml", &["up", "-d", "--force-recreate", "web"])
            .ok();
        res.has(&format!("Container {p}-web-1  Recreated"));
        res.lacks(&format!("Container {p}-db-1  Recreated"));
        let res = c
            .with_file(
                "compose.yaml",
                &["up", "-d", "--always-recreate-deps", "web"],
            )
            .ok();
        res.has(&format!("Container {p}-db-1  Recreated"));
        c.with_file(
            "compose.yaml",
            &["up", "-d", "--always-recreate-deps", "--no-recreate"],
        )
        .fails(
            1,
            "--always-recreate-deps and --no-recreate are incompatible",
        );
        c.named(&["down", "-t", "0"]).ok();
    }
}

#[test]
fn attached_up_shows_the_named_services_and_their_dependencies_when_asked() {
    for tool in tools() {
        let c = Cli::new(&tool, "e2e-attach-deps", &[("compose.yaml", DEPS)]);
        let res = c.with_file("compose.yaml", &["up", "web"]).ok();
        res.has("from-web");
        res.lacks("from-db");
        c.named(&["down", "-t", "0"]).ok();
        let res = c
            .with_file("compose.yaml", &["up", "--attach-dependencies", "web"])
            .ok();
        res.has("from-web");
        res.has("from-db");
        c.named(&["down", "-t", "0"]).ok();
    }
}
