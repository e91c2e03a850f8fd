//! Snapshot tests of error output: for every `*-error` fixture under `tests/fixtures/config/`,
//! the exit status must be 1 and stderr (with the fixture path replaced by `$DIR`) must equal
//! `tests/snapshots/errors/<fixture>.stderr` (Berth's one snapshot mechanism,
//! `berth_conformance::snapshot`: `BERTH_UPDATE_SNAPSHOTS=1` rewrites them; review the change).

use std::path::{Path, PathBuf};
use std::process::Command;

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

#[test]
fn error_messages_match_their_snapshots() {
    let root = repo_root().join("tests/fixtures/config");
    let snapshots = repo_root().join("tests/snapshots/errors");
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(&root)
        .expect("fixtures")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| {
            p.file_name()
                .is_some_and(|n| n.to_string_lossy().ends_with("-error"))
        })
        .collect();
    dirs.sort();
    assert!(!dirs.is_empty());
    let mut failures = Vec::new();
    for dir in &dirs {
        let name = dir
            .file_name()
            .unwrap_or_default()
            .to_string_lossy()
            .into_owned();
        // The fixture's first invocation (its `args` file, or plain `config`).
        let case = berth_conformance::fixture_cases(dir)
            .into_iter()
            .next()
            .expect("an invocation");
        let out = Command::new(env!("CARGO_BIN_EXE_berth"))
            .args(&case.args)
            .current_dir(&case.dir)
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .envs(case.env.iter().map(|(k, v)| (k, v)))
            .output()
            .expect("berth runs");
        let canonical = dir.canonicalize().unwrap_or_else(|_| dir.clone());
        let stderr = String::from_utf8_lossy(&out.stderr)
            .replace(&canonical.display().to_string(), "$DIR")
            .replace(&dir.display().to_string(), "$DIR");
        if out.status.code() != Some(1) {
            failures.push(format!(
                "{name}: exit status {:?}, expected 1",
                out.status.code()
            ));
        }
        let snap = snapshots.join(format!("{name}.stderr"));
        if let Err(e) = berth_conformance::snapshot(&snap, &stderr) {
            failures.push(format!("{name}: {e}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Issue 17, item 9: include, extends or env_file pointing at `/dev/zero` read until the
/// memory ran out, and an env_file that is a named pipe nobody writes to hung. Both stop: the
/// first at the size limit, with an error naming the file and where it is used.
#[test]
fn dev_zero_and_fifos_neither_fill_memory_nor_hang() {
    let dir = tempfile::tempdir().expect("temp dir");
    let fifo = dir.path().join("fifo.env");
    assert!(Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .expect("mkfifo")
        .success());
    let cases = [
        (
            "include:\n  - /dev/zero\nservices:\n  a:\n    image: x\n",
            "error: cannot read included file /dev/zero: the file is larger than 64 MiB",
        ),
        (
            "services:\n  a:\n    image: x\n    extends:\n      file: /dev/zero\n      service: b\n",
            "error: cannot extend service \"a\": cannot read /dev/zero: the file is larger than 64 MiB",
        ),
        (
            "services:\n  a:\n    image: x\n    env_file: /dev/zero\n",
            "error: failed to read env file /dev/zero: the file is larger than 64 MiB",
        ),
    ];
    for (compose, want) in cases {
        std::fs::write(dir.path().join("compose.yaml"), compose).expect("compose file");
        let out = Command::new(env!("CARGO_BIN_EXE_berth"))
            .arg("config")
            .current_dir(dir.path())
            .output()
            .expect("berth runs");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{compose}: {stderr}");
        assert!(stderr.starts_with(want), "{compose}: {stderr}");
    }
    std::fs::write(
        dir.path().join("compose.yaml"),
        "services:\n  a:\n    image: x\n    env_file: fifo.env\n",
    )
    .expect("compose file");
    let out = Command::new(env!("CARGO_BIN_EXE_berth"))
        .args(["config", "--environment"])
        .current_dir(dir.path())
        .output()
        .expect("berth runs");
    assert_eq!(out.status.code(), Some(0), "a named pipe with no writer");
}

/// Issue 17, item 12: a variable used in an env file and set nowhere went unwarned; the
/// reference warns of it as of one in a compose file. The env file's line is named, not
/// quoted.
#[test]
fn unset_variables_in_env_files_went_unwarned() {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(
        dir.path().join("compose.yaml"),
        "services:\n  a:\n    image: x\n    env_file: app.env\n",
    )
    .expect("compose file");
    std::fs::write(
        dir.path().join("app.env"),
        "A=${BERTH_SURELY_UNSET_A}\nB=${BERTH_SURELY_UNSET_B:-b}\n",
    )
    .expect("env file");
    let out = Command::new(env!("CARGO_BIN_EXE_berth"))
        .arg("config")
        .current_dir(dir.path())
        .output()
        .expect("berth runs");
    assert_eq!(out.status.code(), Some(0));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(
            "warning: The \"BERTH_SURELY_UNSET_A\" variable is not set. Defaulting to a blank string."
        ) && stderr.contains("app.env:1:1"),
        "{stderr}"
    );
    assert!(!stderr.contains("BERTH_SURELY_UNSET_B"), "{stderr}");
}

/// Issue 17, item 12: `--env-file DIR` said `couldn't find env file` for a folder that is
/// there (the reference says it is a directory), and `--env-file /dev/zero` the same for a
/// device, which is now read up to the size limit.
#[test]
fn env_file_flag_said_a_directory_was_not_found() {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(
        dir.path().join("compose.yaml"),
        "services:\n  a:\n    image: x\n",
    )
    .expect("compose file");
    std::fs::create_dir(dir.path().join("envs")).expect("folder");
    let run = |env_file: &str| {
        let out = Command::new(env!("CARGO_BIN_EXE_berth"))
            .args(["--env-file", env_file, "config"])
            .current_dir(dir.path())
            .output()
            .expect("berth runs");
        assert_eq!(out.status.code(), Some(1), "{env_file}");
        String::from_utf8_lossy(&out.stderr).into_owned()
    };
    let folder = dir.path().join("envs");
    assert!(run(&folder.display().to_string())
        .starts_with(&format!("error: {} is a directory", folder.display())));
    assert!(run("/dev/zero").contains("larger than 64 MiB"));
    assert!(run("missing.env").starts_with("error: couldn't find env file:"));
}
