//! `berth migrate OLD NEW`: the plan for the bundled fog-compute consolidation, in each
//! format, and the errors of a bad `--source`; then, on the engine, a migration carried out
//! (every file and checksum arrived, the new project runs, the old volumes are kept), one
//! that fails and rolls back, one killed midway (the old project keeps its data and starts),
//! and the refusals that change nothing.

mod common;

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::Duration;

use common::{berth_in, examples, stdout};

fn plan(args: &[&str]) -> std::process::Output {
    let before = examples().join("fog-compute-before");
    let after = examples().join("fog-compute-after");
    let mut all = vec![
        "migrate",
        before.to_str().unwrap_or(""),
        after.to_str().unwrap_or(""),
    ];
    all.extend_from_slice(args);
    berth_in(&examples(), &all)
}

#[test]
fn the_fog_compute_plan_names_its_renames_and_the_merged_monitoring() {
    let out = plan(&["--dry-run"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = stdout(&out);
    let row = |action: &str, from: &str, to: &str, why: &str| {
        assert!(
            text.lines().any(|l| {
                let cols: Vec<&str> = l.split_whitespace().collect();
                cols.first() == Some(&action)
                    && l.contains(&format!("fog-compute-before_{from} "))
                    && l.contains(&format!("fog-compute_{to} "))
                    && l.contains(why)
            }),
            "{action} {from} -> {to} ({why}) not in\n{text}"
        );
    };
    row(
        "copy",
        "redis-data",
        "redis_data",
        "renamed (redis at /data)",
    );
    row("copy", "loki-data", "loki_data", "renamed (loki at /loki)");
    row(
        "copy",
        "betanet-node1-data",
        "betanet_node1_data",
        "renamed",
    );
    row("copy", "betanetNode3Data", "betanet_node3_data", "renamed");
    row(
        "copy",
        "betanet_node2_data",
        "betanet_node2_data",
        "project renamed",
    );
    row("copy", "postgres_data", "postgres_data", "project renamed");
    // The betanet's own Prometheus and Grafana were merged into the shared ones: two sources
    // each, for the user to choose between.
    row(
        "choose",
        "betanet-prometheus-data",
        "prometheus_data",
        "--source prometheus_data=betanet-prometheus-data",
    );
    row(
        "choose",
        "prometheus_data",
        "prometheus_data",
        "--source prometheus_data=prometheus_data",
    );
    row(
        "choose",
        "betanet_grafana_data",
        "grafana_data",
        "service merged (grafana-betanet",
    );
    assert!(text.contains("2 volumes have several sources"), "{text}");

    // A choice settles one; the betanet's volume is then dropped, kept on the engine.
    let out = plan(&[
        "--dry-run",
        "--source",
        "prometheus_data=prometheus_data",
        "--format",
        "json",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let doc: serde_json::Value = serde_json::from_str(&stdout(&out)).expect("JSON");
    assert_eq!(doc["undecided"], serde_json::json!(["grafana_data"]));
    let dropped = doc["dropped"].as_array().expect("dropped");
    assert!(
        dropped.iter().any(|d| d["key"] == "betanet-prometheus-data"
            && d["why"]
                .as_str()
                .is_some_and(|w| w.contains("not chosen for prometheus_data"))),
        "{doc}"
    );
    let md = stdout(&plan(&["--dry-run", "--format", "markdown"]));
    assert!(
        md.starts_with("| Action | fog-compute-before | fog-compute | Why | Size |"),
        "{md}"
    );
}

#[test]
fn a_bad_source_is_named() {
    for (source, says) in [
        (
            "prometheus_data=nosuch",
            "the old project has no volume nosuch",
        ),
        ("nosuch=redis-data", "the new project has no volume nosuch"),
        (
            "prometheus_data=redis-data",
            "redis-data is not a source of prometheus_data",
        ),
        ("prometheus_data", "expected NEW_VOLUME=OLD_VOLUME"),
    ] {
        let out = plan(&["--dry-run", "--source", source]);
        assert_eq!(out.status.code(), Some(1), "{source}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(says), "{source}: {err}");
    }
    // Neither --dry-run nor --yes: the plan, and nothing done.
    let out = plan(&[]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("nothing done: pass --yes"));
    // Several sources undecided: nothing done, even with --yes.
    let out = plan(&["--yes"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("has several sources"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A `before` and an `after` layout in a temporary folder: `before` names its volumes with
/// hyphens and keeps writing to one; `after` names them with underscores and moves `cache` to
/// a file of its own. Both projects are taken down, volumes too, when dropped.
struct Layouts {
    dir: tempfile::TempDir,
    old: String,
    new: String,
}

impl Layouts {
    /// `after`'s db healthcheck tests `check` (a path in its volume).
    fn new(tag: &str, check: &str) -> Option<Layouts> {
        if !common::ensure_image() {
            return None;
        }
        let dir = tempfile::tempdir().expect("temp dir");
        let (old, new) = (
            format!("berth-mig-{tag}-old"),
            format!("berth-mig-{tag}-new"),
        );
        std::fs::create_dir_all(dir.path().join("before")).expect("dir");
        std::fs::create_dir_all(dir.path().join("after")).expect("dir");
        std::fs::write(
            dir.path().join("before/compose.yaml"),
            format!(
                r#"name: {old}
services:
  db:
    image: berth-test/busybox
    command: ["sh", "-c", "[ -e /data/seed ] || {{ mkdir -p /data/empty /data/deep/er; echo rows > /data/seed; head -c 3000000 /dev/urandom > /data/deep/er/blob; ln -s seed /data/link; chown 7:8 /data/seed; chmod 600 /data/seed; }}; while true; do date >> /data/wal; sleep 1; done"]
    stop_grace_period: 1s
    volumes: [db-data:/data]
  cache:
    image: berth-test/busybox
    command: ["sh", "-c", "echo warm > /cache/hot; sleep 3600"]
    stop_grace_period: 1s
    volumes: [cache-data:/cache]
  reader:
    image: berth-test/busybox
    command: [sleep, "3600"]
    stop_grace_period: 1s
    volumes: [db-data:/data:ro]
volumes:
  db-data: {{}}
  cache-data: {{}}
"#
            ),
        )
        .expect("write");
        std::fs::write(
            dir.path().join("after/compose.yaml"),
            format!(
                r#"name: {new}
services:
  db:
    image: berth-test/busybox
    command: ["sh", "-c", "while true; do date >> /data/wal; sleep 1; done"]
    stop_grace_period: 1s
    volumes: [db_data:/data]
    healthcheck: {{test: ["CMD", "test", "-e", "{check}"], interval: 1s, retries: 2}}
volumes:
  db_data: {{}}
"#
            ),
        )
        .expect("write");
        std::fs::write(
            dir.path().join("after/compose.cache.yaml"),
            "services:\n  cache:\n    image: berth-test/busybox\n    command: [sleep, \"3600\"]\n    stop_grace_period: 1s\n    volumes: [cache_data:/cache]\nvolumes:\n  cache_data: {}\n",
        )
        .expect("write");
        let l = Layouts { dir, old, new };
        l.down();
        let up = l.berth(&["-f", "before/compose.yaml", "up", "-d"]);
        assert_eq!(
            up.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&up.stderr)
        );
        let start = std::time::Instant::now();
        while !common::volume_listing(&format!("{}_db-data", l.old)).contains("./wal") {
            assert!(
                start.elapsed() < Duration::from_secs(30),
                "db wrote nothing"
            );
            std::thread::sleep(Duration::from_millis(200));
        }
        Some(l)
    }

    fn berth(&self, args: &[&str]) -> std::process::Output {
        berth_in(self.dir.path(), args)
    }

    fn down(&self) {
        self.berth(&["-f", "before/compose.yaml", "down", "-v", "-t", "0"]);
        self.berth(&[
            "-f",
            "after/compose.yaml",
            "-f",
            "after/compose.cache.yaml",
            "down",
            "-v",
            "-t",
            "0",
        ]);
    }

    fn migrate(&self, extra: &[&str]) -> std::process::Output {
        let mut args = vec![
            "migrate",
            "before",
            "after",
            "--yes",
            "--backup-dir",
            "backups",
        ];
        args.extend_from_slice(extra);
        self.berth(&args)
    }

    /// The state of container `NAME`.
    fn state(name: &str) -> String {
        let out = Command::new("docker")
            .args(["inspect", "-f", "{{.State.Status}}", name])
            .output()
            .expect("docker inspect");
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    }

    fn volume_exists(name: &str) -> bool {
        Command::new("docker")
            .args(["volume", "inspect", name])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    }
}

impl Drop for Layouts {
    fn drop(&mut self) {
        self.down();
    }
}

/// The listing without the log that keeps growing while the old project runs.
fn settled(listing: &str) -> String {
    listing
        .lines()
        .filter(|l| !l.contains("./wal"))
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn a_migration_carries_every_file_and_the_new_project_runs() {
    let Some(l) = Layouts::new("ok", "/data/seed") else {
        return;
    };
    let out = l.migrate(&[]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{err}");
    let said = stdout(&out);
    assert!(
        said.contains(&format!("{} migrated to {}", l.old, l.new)),
        "{said}"
    );
    for step in ["Stopped", "Backed up", "Copied", "Started"] {
        assert!(err.contains(&format!(" Migrate  {step} ")), "{step}: {err}");
    }
    // Every file arrived, with its owner, mode and checksum; links and empty folders too.
    for (from, to) in [("db-data", "db_data"), ("cache-data", "cache_data")] {
        let old = common::volume_listing(&format!("{}_{from}", l.old));
        let new = common::volume_listing(&format!("{}_{to}", l.new));
        assert_eq!(settled(&new), settled(&old), "{from} -> {to}");
    }
    let db = common::volume_listing(&format!("{}_db_data", l.new));
    assert!(db.contains("./seed regular file 600 7:8 5"), "{db}");
    assert!(db.contains("./empty directory"), "{db}");
    assert!(db.contains("'./link' -> 'seed'"), "{db}");
    // The new project runs (db healthy on the copied data); the old one is stopped, its
    // volumes kept; the backups and the journal are in the folder given.
    assert_eq!(Layouts::state(&format!("{}-db-1", l.new)), "running");
    assert_eq!(Layouts::state(&format!("{}-cache-1", l.new)), "running");
    assert_eq!(Layouts::state(&format!("{}-db-1", l.old)), "exited");
    assert!(Layouts::volume_exists(&format!("{}_db-data", l.old)));
    let backups = l.dir.path().join("backups");
    assert!(backups.join(format!("{}_db-data.tar", l.old)).is_file());
    let journal: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(backups.join("journal.json")).expect("journal"),
    )
    .expect("JSON");
    assert_eq!(journal["new"]["project"], l.new.as_str());

    // Again: the new volumes hold data now, so nothing is done.
    let again = l.migrate(&["--backup-dir", "backups2"]);
    assert_eq!(again.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&again.stderr).contains("already holds data"));

    // Later, the old project's volumes gone: --rollback restores them from the backups and
    // brings the old project up; the new one stops.
    let old_db = settled(&common::volume_listing(&format!("{}_db-data", l.old)));
    let gone = l.berth(&["-f", "before/compose.yaml", "down", "-v", "-t", "0"]);
    assert_eq!(gone.status.code(), Some(0));
    assert!(!Layouts::volume_exists(&format!("{}_db-data", l.old)));
    let back = berth_in(
        &examples(),
        &["migrate", "--rollback", backups.to_str().unwrap_or("")],
    );
    let err = String::from_utf8_lossy(&back.stderr);
    assert_eq!(back.status.code(), Some(0), "{err}");
    assert!(
        err.contains(&format!(" Migrate  Restored {}_db-data from ", l.old)),
        "{err}"
    );
    assert_eq!(Layouts::state(&format!("{}-db-1", l.old)), "running");
    assert_eq!(Layouts::state(&format!("{}-db-1", l.new)), "exited");
    let restored = settled(&common::volume_listing(&format!("{}_db-data", l.old)));
    assert_eq!(restored, old_db);
}

#[test]
fn a_failed_start_rolls_back_to_the_old_project() {
    // The new db never becomes healthy.
    let Some(l) = Layouts::new("rollback", "/data/never-there") else {
        return;
    };
    let before = settled(&common::volume_listing(&format!("{}_db-data", l.old)));
    let out = l.migrate(&["--wait-timeout", "20", "--format", "json"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("did not come up healthy"), "{err}");
    assert!(err.contains("Rolled back"), "{err}");
    // One JSON document: the plan, and how it ended.
    let doc: serde_json::Value = serde_json::from_str(&stdout(&out)).expect("JSON");
    assert_eq!(doc["outcome"]["ended"], "rolled back", "{doc}");
    assert_eq!(doc["outcome"]["downtime_seconds"], serde_json::Value::Null);
    assert_eq!(
        doc["plan"]["steps"].as_array().map(Vec::len),
        Some(2),
        "{doc}"
    );
    let copied = doc["outcome"]["copied"].as_array().expect("copied");
    assert!(
        copied.iter().all(|c| c["files_checked"].as_u64() > Some(0)),
        "{doc}"
    );
    for service in ["db", "cache", "reader"] {
        assert_eq!(
            Layouts::state(&format!("{}-{service}-1", l.old)),
            "running",
            "{service}"
        );
    }
    assert_ne!(Layouts::state(&format!("{}-db-1", l.new)), "running");
    let after = settled(&common::volume_listing(&format!("{}_db-data", l.old)));
    assert_eq!(after, before, "the old volume is untouched");
}

#[test]
fn a_migration_killed_midway_leaves_the_old_project_whole() {
    let Some(l) = Layouts::new("killed", "/data/seed") else {
        return;
    };
    let before = settled(&common::volume_listing(&format!("{}_db-data", l.old)));
    for (point, backups) in [("Backed up", "b1"), ("Copied", "b2")] {
        let mut child = Command::new(env!("CARGO_BIN_EXE_berth"))
            .current_dir(l.dir.path())
            .args([
                "migrate",
                "before",
                "after",
                "--yes",
                "--backup-dir",
                backups,
            ])
            .env_remove("COMPOSE_FILE")
            .env_remove("COMPOSE_PROJECT_NAME")
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start migrate");
        let err = child.stderr.take().expect("stderr");
        let (tx, rx) = std::sync::mpsc::channel();
        let wanted = format!(" Migrate  {point} ");
        std::thread::spawn(move || {
            for line in BufReader::new(err).lines().map_while(Result::ok) {
                if line.starts_with(&wanted) {
                    let _ = tx.send(());
                }
            }
        });
        let reached = rx.recv_timeout(Duration::from_mins(2)).is_ok();
        let _ = child.kill();
        let _ = child.wait();
        assert!(reached, "the migration never reached {point:?}");
        // The old project's data is all there, and it starts.
        let up = l.berth(&["-f", "before/compose.yaml", "up", "-d"]);
        assert_eq!(
            up.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&up.stderr)
        );
        assert_eq!(Layouts::state(&format!("{}-db-1", l.old)), "running");
        let now = settled(&common::volume_listing(&format!("{}_db-data", l.old)));
        assert_eq!(now, before, "killed after {point:?}");
        // What the killed run made of the new project is cleared for the next point.
        l.berth(&[
            "-f",
            "after/compose.yaml",
            "-f",
            "after/compose.cache.yaml",
            "down",
            "-v",
            "-t",
            "0",
        ]);
    }
}
