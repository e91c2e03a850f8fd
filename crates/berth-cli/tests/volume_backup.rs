//! `berth volumes backup` and `berth volumes restore` against the Docker Engine running on this
//! machine: a volume's files, folders (empty ones too), symbolic links, permissions and
//! owners make the round trip; the services that write to it are stopped while it is read and
//! started again; a volume that holds files is not written over without --force; a damaged
//! backup is refused. Each test has its own project, and every command a deadline.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

mod common;

/// A project in a temporary folder, taken down (volumes too) when dropped.
struct Project {
    dir: tempfile::TempDir,
    name: String,
}

/// What one command did: its exit code, stdout and stderr.
struct Out {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

fn run(program: &str, dir: &Path, args: &[&str]) -> Out {
    let what = format!("{program} {}", args.join(" "));
    let child = Command::new(program)
        .current_dir(dir)
        .args(args)
        .env_remove("COMPOSE_FILE")
        .env_remove("COMPOSE_PROJECT_NAME")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("{what}: {e}"));
    let (code, stdout, stderr) = common::wait_with_deadline(child, &what, Duration::from_mins(3));
    Out {
        code,
        stdout,
        stderr,
    }
}

impl Project {
    fn up(name: &str, compose: &str) -> Option<Project> {
        if !common::ensure_image() {
            return None;
        }
        let dir = tempfile::tempdir().expect("temp dir");
        std::fs::write(dir.path().join("compose.yaml"), compose).expect("write compose file");
        let p = Project {
            dir,
            name: format!("berth-backup-{name}"),
        };
        p.berth(&["down", "-v", "-t", "0"]);
        let up = p.berth(&["up", "-d"]);
        assert_eq!(up.code, Some(0), "{}", up.stderr);
        Some(p)
    }

    fn berth(&self, args: &[&str]) -> Out {
        let mut all = vec!["-p", self.name.as_str()];
        all.extend_from_slice(args);
        run(env!("CARGO_BIN_EXE_berth"), self.dir.path(), &all)
    }

    /// The project's volume `key` as `find` and `stat` see it in a container.
    fn listing(&self, key: &str) -> String {
        common::volume_listing(&format!("{}_{key}", self.name))
    }

    fn started_at(&self, service: &str) -> String {
        let name = format!("{}-{service}-1", self.name);
        run(
            "docker",
            Path::new("/"),
            &[
                "inspect",
                "-f",
                "{{.State.Status}} {{.State.StartedAt}}",
                &name,
            ],
        )
        .stdout
        .trim()
        .to_string()
    }
}

impl Drop for Project {
    fn drop(&mut self) {
        self.berth(&["down", "-v", "-t", "0"]);
    }
}

/// A writer that fills its volume with every kind of entry and keeps appending to a log, and a
/// reader of the same volume.
const COMPOSE: &str = r#"
services:
  writer:
    image: berth-test/busybox
    stop_grace_period: 1s
    command:
      - sh
      - -c
      - |
        if [ ! -e /data/ready ]; then
          mkdir -p /data/nested/deeper /data/empty /data/private
          echo hello > /data/a.txt
          printf 'spaces and ünïcode\n' > '/data/nested/name with spaces ü.txt'
          head -c 1048576 /dev/urandom > /data/nested/deeper/random.bin
          ln -s a.txt /data/link
          ln -s /nowhere /data/dangling
          chown 1234:5678 /data/a.txt
          chmod 640 /data/a.txt
          chmod 700 /data/private
          chown 42:43 /data/private
          touch /data/ready
        fi
        while true; do date >> /data/log; sleep 1; done
    volumes: [data:/data]
  reader:
    image: berth-test/busybox
    command: [sleep, "3600"]
    stop_grace_period: 1s
    volumes: [data:/data:ro]
volumes:
  data: {}
"#;

#[test]
fn a_volume_makes_the_round_trip_with_owners_modes_links_and_empty_folders() {
    let Some(p) = Project::up("roundtrip", COMPOSE) else {
        return;
    };
    let volume = format!("{}_data", p.name);
    // Wait for the writer to have made its files.
    let start = std::time::Instant::now();
    while !p.listing("data").contains("./ready") {
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "the writer made no files"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
    let (writer_before, reader_before) = (p.started_at("writer"), p.started_at("reader"));
    let out_dir = p.dir.path().join("backups");
    let backup = p.berth(&["volumes", "backup", "-o", out_dir.to_str().unwrap_or(".")]);
    assert_eq!(backup.code, Some(0), "{}", backup.stderr);
    assert!(
        backup
            .stdout
            .starts_with(&format!("{volume}: 5 files, 4 folders, 2 links, ")),
        "{}",
        backup.stdout
    );
    // The service that writes to the volume was stopped meanwhile, and runs again; the one
    // that only reads it went on.
    let writer = format!("{}-writer-1", p.name);
    for said in [
        format!("Container {writer}  Stopped"),
        format!("Container {writer}  Started"),
    ] {
        assert!(backup.stderr.contains(&said), "{}", backup.stderr);
    }
    assert!(
        !backup
            .stderr
            .contains(&format!("{}-reader-1  Stopp", p.name)),
        "{}",
        backup.stderr
    );
    let (writer_after, reader_after) = (p.started_at("writer"), p.started_at("reader"));
    assert!(writer_after.starts_with("running ") && writer_after != writer_before);
    assert_eq!(reader_after, reader_before, "the reader was not stopped");
    let archive = out_dir.join(format!("{volume}.tar"));
    // What the volume held when it was read: the writer is stopped again to compare.
    assert_eq!(p.berth(&["stop", "writer"]).code, Some(0));
    let before = p.listing("data");

    // Gone, and restored: the volume is made again, with every entry as it was.
    assert_eq!(p.berth(&["down", "-v", "-t", "0"]).code, Some(0));
    let restore = p.berth(&["volumes", "restore", archive.to_str().unwrap_or("")]);
    assert_eq!(restore.code, Some(0), "{}", restore.stderr);
    assert!(
        restore
            .stdout
            .contains("(volume created); every file checked"),
        "{}",
        restore.stdout
    );
    let after = p.listing("data");
    // The log may have grown between the backup and the second stop: compare the rest.
    let without_log = |s: &str| -> String {
        s.lines()
            .filter(|l| !l.contains("./log") && !l.ends_with("  ./log"))
            .collect::<Vec<_>>()
            .join("\n")
    };
    assert_eq!(without_log(&after), without_log(&before));
    assert!(
        after.contains("./a.txt regular file 640 1234:5678 6"),
        "{after}"
    );
    assert!(after.contains("./private directory 700 42:43"), "{after}");
    assert!(after.contains("./empty directory"), "{after}");
    assert!(after.contains("'./dangling' -> '/nowhere'"), "{after}");
    let labels = run(
        "docker",
        Path::new("/"),
        &[
            "volume",
            "inspect",
            "-f",
            "{{index .Labels \"com.docker.compose.volume\"}}",
            &volume,
        ],
    );
    assert_eq!(labels.stdout.trim(), "data", "the volume keeps its labels");

    // Not again over a volume that holds files, unless forced; what the backup lacks stays.
    let again = p.berth(&["volumes", "restore", archive.to_str().unwrap_or("")]);
    assert_eq!(again.code, Some(1));
    assert!(again.stderr.contains("is not empty"), "{}", again.stderr);
    assert!(again.stderr.contains("--force"), "{}", again.stderr);
    let mount = format!("{volume}:/v");
    run(
        "docker",
        Path::new("/"),
        &[
            "run",
            "--rm",
            "-v",
            &mount,
            "berth-test/busybox",
            "sh",
            "-c",
            "echo extra > /v/extra.txt; echo changed > /v/a.txt",
        ],
    );
    let forced = p.berth(&[
        "volumes",
        "restore",
        "--force",
        archive.to_str().unwrap_or(""),
    ]);
    assert_eq!(forced.code, Some(0), "{}", forced.stderr);
    assert!(forced.stderr.contains("extra.txt"), "{}", forced.stderr);
    let listing = p.listing("data");
    assert!(listing.contains("./extra.txt"), "{listing}");
    assert!(
        listing.contains("b1946ac92492d2347c6235b4d2611184  ./a.txt"),
        "a.txt is the backup's again: {listing}"
    );

    // A damaged backup is refused before anything is written.
    let mut bytes = std::fs::read(&archive).expect("read the backup");
    let at = bytes.len() - 4096;
    bytes[at] ^= 0xff;
    let damaged = p.dir.path().join("damaged.tar");
    std::fs::write(&damaged, bytes).expect("write");
    let refused = p.berth(&[
        "volumes",
        "restore",
        "--force",
        damaged.to_str().unwrap_or(""),
    ]);
    assert_eq!(refused.code, Some(1));
    assert!(refused.stderr.contains("damaged"), "{}", refused.stderr);
}

#[test]
fn live_backups_warn_and_unknown_volumes_are_named() {
    let compose = "services:\n  app:\n    image: berth-test/busybox\n    command: [sleep, \"3600\"]\n    stop_grace_period: 1s\n    volumes: [cache:/cache]\nvolumes:\n  cache: {}\n";
    let Some(p) = Project::up("live", compose) else {
        return;
    };
    let before = p.started_at("app");
    let live = p.berth(&["volumes", "backup", "--live", "-o", "out", "cache"]);
    assert_eq!(live.code, Some(0), "{}", live.stderr);
    assert!(
        live.stderr.contains("may be inconsistent"),
        "{}",
        live.stderr
    );
    assert_eq!(
        p.started_at("app"),
        before,
        "a live backup leaves the service running"
    );
    assert!(p
        .dir
        .path()
        .join(format!("out/{}_cache.tar", p.name))
        .is_file());
    let unknown = p.berth(&["volumes", "backup", "nosuch"]);
    assert_eq!(unknown.code, Some(1));
    assert!(
        unknown
            .stderr
            .contains("no such volume: nosuch (the project's volumes: cache)"),
        "{}",
        unknown.stderr
    );
    // Listing still takes service names.
    let list = p.berth(&["volumes", "app"]);
    assert_eq!(list.code, Some(0), "{}", list.stderr);
    assert!(
        list.stdout.contains(&format!("{}_cache", p.name)),
        "{}",
        list.stdout
    );
}
