//! Differential tests: every fixture under `tests/fixtures/config/` is run through `berth` and
//! the reference Docker Compose v2.40.3; stdout and exit status must match. The awesome-compose
//! corpus in `../shared/corpus` is compared the same way when it is present.

use std::path::{Path, PathBuf};

use berth_conformance::{compare, corpus, fixture_cases, reference_binary, requires, Case};

fn berth() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_berth"))
}

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The reference binary; `None` (the test is skipped, saying why) on a machine without it,
/// but under CI.
fn reference() -> Option<PathBuf> {
    match reference_binary() {
        Ok(r) => Some(r),
        Err(e) => {
            if let Err(skip) = requires("the reference Docker Compose", false, &e) {
                eprintln!("{skip}");
            }
            None
        }
    }
}

#[test]
fn config_fixtures_match_the_reference() {
    let Some(reference) = reference() else {
        return;
    };
    let root = repo_root().join("tests/fixtures/config");
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(&root)
        .expect("fixtures folder")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    let mut failures = Vec::new();
    let mut count = 0;
    for dir in &dirs {
        for case in fixture_cases(dir) {
            count += 1;
            if let Err(e) = compare(&berth(), &reference, &case) {
                failures.push(e);
            }
        }
    }
    // The raw model of `config --no-interpolate`, for every fixture that runs with the default
    // invocation.
    for dir in &dirs {
        if ["args", "cwd", "stdin"]
            .iter()
            .any(|f| dir.join(f).exists())
        {
            continue;
        }
        for format in ["yaml", "json"] {
            let mut case = fixture_cases(dir).remove(0);
            case.args = vec![
                "config".into(),
                "--no-interpolate".into(),
                "--format".into(),
                format.into(),
            ];
            count += 1;
            if let Err(e) = compare(&berth(), &reference, &case) {
                failures.push(e);
            }
        }
    }
    assert!(count > 0, "no fixture ran");
    assert!(
        failures.is_empty(),
        "{} of {count} fixture invocations differ:\n{}",
        failures.len(),
        failures.join("\n")
    );
    eprintln!("{count} fixture invocations identical to the reference");
}

#[test]
fn awesome_compose_corpus_matches_the_reference() {
    let projects = match corpus(&repo_root()) {
        Ok(p) => p,
        Err(skip) => {
            eprintln!("{skip}");
            return;
        }
    };
    assert_eq!(
        projects.len(),
        39,
        "expected the 39 awesome-compose projects"
    );
    let Some(reference) = reference() else {
        return;
    };
    let mut failures = Vec::new();
    for dir in &projects {
        for args in [
            vec!["config"],
            vec!["config", "--format", "json"],
            vec!["config", "--no-interpolate"],
            vec!["config", "--no-interpolate", "--format", "json"],
        ] {
            let case = Case {
                dir: dir.clone(),
                args: args.iter().map(|s| (*s).to_string()).collect(),
                env: Vec::new(),
                stdin: None,
            };
            if let Err(e) = compare(&berth(), &reference, &case) {
                failures.push(e);
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} corpus comparisons differ:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn bundled_examples_match_the_reference() {
    let Some(reference) = reference() else {
        return;
    };
    // Every deployment pattern of the fog-compute examples, before and after.
    let before: [&[&str]; 3] = [
        &["docker-compose.dev.yml"],
        &["docker-compose.betanet.yml"],
        &["docker-compose.dev.yml", "docker-compose.betanet.yml"],
    ];
    let after: [&[&str]; 4] = [
        &["docker-compose.override.yml"],
        &["docker-compose.prod.yml"],
        &["docker-compose.betanet.yml"],
        &["docker-compose.override.yml", "docker-compose.betanet.yml"],
    ];
    // And the single-file examples of the other seeds.
    let single: [&str; 6] = [
        "taylordash",
        "hw-server",
        "docker-examples/basic-stack",
        "docker-examples/cluster-example",
        "docker-examples/swarm-stack",
        "swarm-local",
    ];
    let none: &[&str] = &[];
    let cases = before
        .iter()
        .map(|o| ("fog-compute-before", *o))
        .chain(after.iter().map(|o| ("fog-compute-after", *o)))
        .chain(single.iter().map(|d| (*d, none)));
    let mut failures = Vec::new();
    for (example, overlays) in cases {
        let dir = repo_root().join("examples").join(example);
        for format in ["yaml", "json"] {
            let mut args: Vec<String> = vec!["-f".into(), "docker-compose.yml".into()];
            for o in overlays {
                args.extend(["-f".into(), (*o).to_string()]);
            }
            args.extend(["config".into(), "--format".into(), format.into()]);
            let case = Case {
                dir: dir.clone(),
                args,
                env: Vec::new(),
                stdin: None,
            };
            if let Err(e) = compare(&berth(), &reference, &case) {
                failures.push(e);
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
