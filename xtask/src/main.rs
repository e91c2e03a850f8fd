//! Project tasks: `cargo xtask conformance DIR...` compares `berth config` with the reference
//! Docker Compose on every compose project under the given folders, in YAML and in JSON.

use std::path::PathBuf;
use std::process::{Command, ExitCode};

use berth_conformance::{compare, project_dirs, reference_binary, Case};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if let Some("conformance") = args.first().map(String::as_str) {
        conformance(&args[1..])
    } else {
        eprintln!("usage: cargo xtask conformance DIR... [-- EXTRA CONFIG ARGS]");
        ExitCode::from(2)
    }
}

fn berth_binary() -> Result<PathBuf, String> {
    let status = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
        .args([
            "build",
            "--quiet",
            "--release",
            "--package",
            "berth-cli",
            "--bin",
            "berth",
        ])
        .status()
        .map_err(|e| format!("cannot run cargo: {e}"))?;
    if !status.success() {
        return Err("building berth failed".into());
    }
    let target = std::env::var_os("CARGO_TARGET_DIR").map_or_else(
        || {
            PathBuf::from(env!("CARGO_MANIFEST_DIR"))
                .join("..")
                .join("target")
        },
        PathBuf::from,
    );
    Ok(target.join("release").join("berth"))
}

fn conformance(args: &[String]) -> ExitCode {
    let (dirs, extra): (Vec<&String>, Vec<&String>) = match args.iter().position(|a| a == "--") {
        Some(i) => (args[..i].iter().collect(), args[i + 1..].iter().collect()),
        None => (args.iter().collect(), Vec::new()),
    };
    if dirs.is_empty() {
        eprintln!("usage: cargo xtask conformance DIR... [-- EXTRA CONFIG ARGS]");
        return ExitCode::from(2);
    }
    let reference = match reference_binary() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    let berth = match berth_binary() {
        Ok(b) => b,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    let (mut projects, mut identical, mut failures) = (0, 0, Vec::new());
    for root in dirs {
        for dir in project_dirs(&PathBuf::from(root)) {
            projects += 1;
            let mut ok = true;
            for format in [None, Some("json")] {
                let mut a = vec!["config".to_string()];
                if let Some(f) = format {
                    a.extend(["--format".to_string(), f.to_string()]);
                }
                a.extend(extra.iter().map(|s| (*s).clone()));
                let case = Case {
                    dir: dir.clone(),
                    args: a,
                    env: Vec::new(),
                    stdin: None,
                };
                if let Err(e) = compare(&berth, &reference, &case) {
                    ok = false;
                    failures.push(e);
                }
            }
            if ok {
                identical += 1;
            }
        }
    }
    for f in &failures {
        eprintln!("{f}");
    }
    println!("{identical}/{projects} projects identical in YAML and JSON");
    if identical == projects {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}
