//! Snapshot tests of error output: for every `*-error` fixture under `tests/fixtures/config/`,
//! the exit status must be 1 and stderr (with the fixture path replaced by `$DIR`) must equal
//! `tests/snapshots/errors/<fixture>.stderr`. Run with `BERTH_BLESS=1` to rewrite the snapshots
//! after reviewing the change.

use std::path::{Path, PathBuf};
use std::process::Command;

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

#[test]
fn error_messages_match_their_snapshots() {
    let root = repo_root().join("tests/fixtures/config");
    let snapshots = repo_root().join("tests/snapshots/errors");
    let bless = std::env::var_os("BERTH_BLESS").is_some();
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
        if bless {
            std::fs::create_dir_all(&snapshots).expect("snapshot folder");
            std::fs::write(&snap, &stderr).expect("write snapshot");
            continue;
        }
        match std::fs::read_to_string(&snap) {
            Ok(expected) if expected == stderr => {}
            Ok(expected) => failures.push(format!(
                "{name}: stderr differs\n--- expected\n{expected}--- actual\n{stderr}"
            )),
            Err(_) => failures.push(format!(
                "{name}: no snapshot {} (run with BERTH_BLESS=1)",
                snap.display()
            )),
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
