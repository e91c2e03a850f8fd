//! `pkg/e2e/watch_test.go`'s ground: `watch` (and `up --watch`) acting on `develop.watch` as
//! files change: `sync` (with `ignore` and deletions), `sync+restart`, `sync+exec`,
//! `initial_sync`, and `rebuild` (a new image, the container recreated from it).

use std::process::Command;

use crate::harness::{tools, within, Cli};

const WATCHED: &str = r#"
services:
  app:
    build: ctx
    init: true
    command: sh -c "cat /ctx/version > /tmp/started; exec sleep 3600"
    develop:
      watch:
        - path: ./src
          action: sync
          target: /app
          ignore: ["*.tmp"]
        - path: ./conf
          action: sync+restart
          target: /etc/app
        - path: ./hook
          action: sync+exec
          target: /hook
          exec:
            command: touch /tmp/hooked
        - path: ./seed
          action: sync
          target: /seed
          initial_sync: true
        - path: ./ctx
          action: rebuild
"#;

/// The project's files: the compose file, the build context and the watched folders.
const FILES: &[(&str, &str)] = &[
    ("compose.yaml", WATCHED),
    ("ctx/Dockerfile", "FROM berth-test/busybox\nCOPY . /ctx\n"),
    ("ctx/version", "v1"),
    ("src/a.txt", "a"),
    ("conf/app.conf", "level=info"),
    ("hook/.keep", ""),
    ("seed/s.txt", "seed"),
];

fn exec(container: &str, script: &str) -> String {
    let out = Command::new("docker")
        .args(["exec", container, "sh", "-c", script])
        .output()
        .expect("docker exec");
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

fn started_at(container: &str) -> String {
    let out = Command::new("docker")
        .args(["inspect", "--format", "{{.State.StartedAt}}", container])
        .output()
        .expect("docker inspect");
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

fn check_watch(c: &Cli) {
    let app = format!("{}-app-1", c.project);
    let name = &c.tool.name;
    let write = |rel: &str, text: &str| std::fs::write(c.dir.path().join(rel), text).unwrap();
    // initial_sync: the seed folder is there before any change.
    within(&format!("{name}: initial sync"), || {
        exec(&app, "cat /seed/s.txt") == "seed"
    });
    // sync: a new file arrives, an ignored one does not, a deleted one goes.
    write("src/b.txt", "bee");
    write("src/x.tmp", "ignored");
    within(&format!("{name}: sync"), || {
        exec(&app, "cat /app/b.txt") == "bee"
    });
    assert_eq!(exec(&app, "ls /app"), "b.txt", "{name}: only b.txt");
    std::fs::remove_file(c.dir.path().join("src/b.txt")).unwrap();
    within(&format!("{name}: deletion"), || {
        exec(&app, "ls /app").is_empty()
    });
    // sync+restart: the file arrives and the container starts again.
    let before = started_at(&app);
    write("conf/app.conf", "level=debug");
    within(&format!("{name}: sync+restart"), || {
        exec(&app, "cat /etc/app/app.conf") == "level=debug" && started_at(&app) != before
    });
    // sync+exec: the command runs after the sync.
    write("hook/h.txt", "h");
    within(&format!("{name}: sync+exec"), || {
        exec(
            &app,
            "cat /hook/h.txt; echo; test -f /tmp/hooked && echo ok",
        ) == "h\nok"
    });
    // rebuild: a new image, the container made again from it.
    write("ctx/version", "v2");
    within(&format!("{name}: rebuild"), || {
        exec(&app, "cat /tmp/started") == "v2"
    });
}

#[test]
fn watch_syncs_restarts_execs_and_rebuilds() {
    for tool in tools() {
        let c = Cli::new(&tool, "e2e-watch", FILES);
        {
            let _watch = c.spawn_named(&["watch"]);
            let app = format!("{}-app-1", c.project);
            within(&format!("{}: up before watching", tool.name), || {
                exec(&app, "cat /tmp/started") == "v1"
            });
            check_watch(&c);
        }
        c.named(&["down", "-t", "0", "--rmi", "local"]).ok();
        let _ = Command::new("docker")
            .args(["image", "rm", "-f", &format!("{}-app", c.project)])
            .output();
    }
}

#[test]
fn up_watch_watches_while_attached() {
    for tool in tools() {
        let c = Cli::new(&tool, "e2e-up-watch", FILES);
        {
            let _up = c.spawn_named(&["up", "--watch"]);
            let app = format!("{}-app-1", c.project);
            within(&format!("{}: up", tool.name), || {
                exec(&app, "cat /tmp/started") == "v1"
            });
            let write =
                |rel: &str, text: &str| std::fs::write(c.dir.path().join(rel), text).unwrap();
            write("src/b.txt", "bee");
            within(&format!("{}: sync", tool.name), || {
                exec(&app, "cat /app/b.txt") == "bee"
            });
        }
        c.named(&["down", "-t", "0"]).ok();
        let _ = Command::new("docker")
            .args(["image", "rm", "-f", &format!("{}-app", c.project)])
            .output();
    }
}
