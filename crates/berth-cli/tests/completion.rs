//! `berth completion` and `berth __complete`: the scripts, and what they offer, tried in a
//! real bash.

use std::path::Path;
use std::process::Command;

mod common;

use common::{berth_in, stdout};

const COMPOSE: &str = r"
services:
  db:
    image: berth-test/busybox
  web:
    image: berth-test/busybox
  debug:
    image: berth-test/busybox
    profiles: [debug]
";

fn project() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(dir.path().join("compose.yaml"), COMPOSE).expect("write");
    dir
}

fn lines(dir: &Path, args: &[&str]) -> Vec<String> {
    let out = berth_in(dir, args);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    stdout(&out).lines().map(str::to_string).collect()
}

#[test]
fn complete_offers_commands_flags_and_the_projects_services() {
    let dir = project();
    let d = dir.path();
    assert_eq!(lines(d, &["__complete", "u"]), ["up", "unpause"]);
    // Services of the project, those of inactive profiles too.
    assert_eq!(lines(d, &["__complete", "up", ""]), ["db", "debug", "web"]);
    assert_eq!(lines(d, &["__complete", "logs", "w"]), ["web"]);
    let flags = lines(d, &["__complete", "up", "--no-r"]);
    assert_eq!(flags, ["--no-recreate"]);
    // Global flags before the command name the project.
    let elsewhere = tempfile::tempdir().expect("temp dir");
    let file = d.join("compose.yaml");
    let file = file.to_string_lossy();
    assert_eq!(
        lines(elsewhere.path(), &["__complete", "-f", &file, "stop", "d"]),
        ["db", "debug"]
    );
    // No project, no services; a flag's value is left to the shell.
    assert!(lines(elsewhere.path(), &["__complete", "stop", ""]).is_empty());
    assert!(lines(d, &["__complete", "up", "--scale", ""]).is_empty());
}

#[test]
fn the_bash_script_completes_in_bash() {
    let dir = project();
    let bin = Path::new(env!("CARGO_BIN_EXE_berth"));
    let path = format!(
        "{}:{}",
        bin.parent().expect("bin dir").display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let out = Command::new("bash")
        .arg("-c")
        .arg(
            r#"source <(berth completion bash)
COMP_WORDS=(berth stop w); COMP_CWORD=2; _berth; printf '%s\n' "${COMPREPLY[@]}"
COMP_WORDS=(berth res); COMP_CWORD=1; _berth; printf '%s\n' "${COMPREPLY[@]}""#,
        )
        .current_dir(dir.path())
        .env("PATH", path)
        .output()
        .expect("bash");
    assert_eq!(
        stdout(&out),
        "web\nrestart\n",
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    for shell in ["zsh", "fish"] {
        let out = berth_in(dir.path(), &["completion", shell]);
        assert!(stdout(&out).contains("__complete"), "{shell}");
    }
    let out = berth_in(dir.path(), &["completion", "tcsh"]);
    assert_eq!(out.status.code(), Some(1));
}
