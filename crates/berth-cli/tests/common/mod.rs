//! What the CLI's integration tests share: the bundled examples, running `berth` in a folder,
//! and snapshots (`tests/snapshots/`; `BERTH_UPDATE_SNAPSHOTS=1 cargo test` rewrites them, then
//! read the change before committing it).

#![allow(dead_code)]

pub mod http;
pub mod registry;

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

/// The repository's root folder.
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Builds the engine tests' image (`scripts/test-image.sh`) once per test binary, when missing.
///
/// Whether the engine tests can run here: a Docker Engine answers and has the test image (built
/// by `scripts/test-image.sh` from Debian's busybox-static when missing). Without them, a test
/// that needs them is skipped, saying so (under CI it fails, see `berth_conformance::requires`).
pub fn ensure_image() -> bool {
    static READY: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    let ready = *READY.get_or_init(|| {
        Command::new("bash")
            .arg(repo_root().join("scripts/test-image.sh"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    });
    needs(
        "a Docker Engine with the test image berth-test/busybox",
        ready,
        "a running Docker Engine, apt-get install busybox-static, scripts/test-image.sh",
    )
}

/// Whether what a test needs is here; when it is not, says that the test is skipped and why
/// (and fails under CI, see `berth_conformance::requires`).
pub fn needs(what: &str, present: bool, how: &str) -> bool {
    match berth_conformance::requires(what, present, how) {
        Ok(()) => true,
        Err(skip) => {
            eprintln!("{skip}");
            false
        }
    }
}

/// Whether `program` is an executable file on `PATH`.
pub fn on_path(program: &str) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::env::var_os("PATH").is_some_and(|path| {
        std::env::split_paths(&path).any(|dir| {
            std::fs::metadata(dir.join(program))
                .is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
        })
    })
}

/// The repository's `examples/` folder.
pub fn examples() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples")
}

/// Runs `berth` in `dir`, without the Compose variables of the test's own environment.
pub fn berth_in(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_berth"))
        .current_dir(dir)
        .args(args)
        .env_remove("COMPOSE_FILE")
        .env_remove("COMPOSE_PROJECT_NAME")
        .output()
        .expect("run berth")
}

/// Whether `program` runs here (asked for its version with `version_arg`): a test that needs
/// it is skipped, saying so, without it (but under CI, see `berth_conformance::requires`).
pub fn has_program(program: &str, version_arg: &str) -> bool {
    Command::new(program)
        .arg(version_arg)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// Runs `program` with `args`, `input` on its standard input; `what` names it when it is
/// missing (how to install it).
pub fn pipe(program: &str, args: &[&str], input: &[u8], what: &str) -> Output {
    let mut child = Command::new(program)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("{program}: {e} ({what})"));
    child
        .stdin
        .as_mut()
        .expect("stdin")
        .write_all(input)
        .expect("write to the child");
    child.wait_with_output().expect("wait for the child")
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// Compares `text` with the snapshot `name` under `tests/snapshots/`, or rewrites it when
/// BERTH_UPDATE_SNAPSHOTS is set (see `berth_conformance::snapshot`).
pub fn snapshot(name: &str, text: &str) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/snapshots")
        .join(name);
    if let Err(e) = berth_conformance::snapshot(&path, text) {
        panic!("{e}");
    }
}

/// Waits for `child` (its stdout and stderr piped) for at most `deadline`: its exit code and
/// what it wrote. A command still running then is killed and fails the test as hung.
pub fn wait_with_deadline(
    mut child: std::process::Child,
    what: &str,
    deadline: std::time::Duration,
) -> (Option<i32>, String, String) {
    use std::io::Read as _;
    let out = child.stdout.take().expect("stdout");
    let err = child.stderr.take().expect("stderr");
    let reader = |mut r: Box<dyn std::io::Read + Send>| {
        std::thread::spawn(move || {
            let mut buf = Vec::new();
            let _ = r.read_to_end(&mut buf);
            String::from_utf8_lossy(&buf).into_owned()
        })
    };
    let out_t = reader(Box::new(out));
    let err_t = reader(Box::new(err));
    let start = std::time::Instant::now();
    let status = loop {
        if let Some(st) = child.try_wait().expect("wait") {
            break st;
        }
        if start.elapsed() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("{what}: still running after {deadline:?}; killed");
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    };
    (
        status.code(),
        out_t.join().unwrap_or_default(),
        err_t.join().unwrap_or_default(),
    )
}

/// Waits until something listens on 127.0.0.1:`port`; fails, naming `what`, after 20 s.
pub fn wait_listening(port: u16, what: &str) {
    let start = std::time::Instant::now();
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            start.elapsed() < std::time::Duration::from_secs(20),
            "{what} does not listen on 127.0.0.1:{port}"
        );
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
}

/// The engine's volume `volume` as `find` and `stat` see it in a container of the test image:
/// each entry's path, type, mode, owner, size and link target, and each file's checksum.
pub fn volume_listing(volume: &str) -> String {
    let mount = format!("{volume}:/v");
    let out = Command::new("docker")
        .args(["run", "--rm", "-v", &mount, "berth-test/busybox", "sh", "-c"])
        .arg("cd /v && find . | sort | while read -r f; do stat -c '%n %F %a %u:%g %s %N' \"$f\"; [ -f \"$f\" ] && [ ! -L \"$f\" ] && md5sum \"$f\"; done; true")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("docker run");
    let (code, stdout, stderr) = wait_with_deadline(
        out,
        &format!("listing {volume}"),
        std::time::Duration::from_mins(2),
    );
    assert_eq!(code, Some(0), "{stderr}");
    stdout
}
