//! Differential tests: every fixture under `tests/fixtures/config/` is run through `berth` and
//! the reference Docker Compose v2.40.3; stdout and exit status must match. The awesome-compose
//! corpus in `../shared/corpus` is compared the same way when it is present.

use std::path::{Path, PathBuf};

use berth_conformance::{compare, fixture_cases, project_dirs, reference_binary, Case};

fn berth() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_berth"))
}

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn reference() -> PathBuf {
    reference_binary().unwrap_or_else(|e| panic!("{e}"))
}

#[test]
fn config_fixtures_match_the_reference() {
    let reference = reference();
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
    let corpus = repo_root().join("../shared/corpus/awesome-compose");
    let projects = project_dirs(&corpus);
    assert_eq!(
        projects.len(),
        39,
        "expected the 39 awesome-compose projects in {}",
        corpus.display()
    );
    let reference = reference();
    let mut failures = Vec::new();
    for dir in &projects {
        for args in [vec!["config"], vec!["config", "--format", "json"]] {
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
    let reference = reference();
    let dir = repo_root().join("examples/fog-compute-before");
    let combos: [&[&str]; 3] = [
        &["-f", "docker-compose.yml", "-f", "docker-compose.dev.yml"],
        &[
            "-f",
            "docker-compose.yml",
            "-f",
            "docker-compose.betanet.yml",
        ],
        &[
            "-f",
            "docker-compose.yml",
            "-f",
            "docker-compose.dev.yml",
            "-f",
            "docker-compose.betanet.yml",
        ],
    ];
    let mut failures = Vec::new();
    for combo in combos {
        for format in ["yaml", "json"] {
            let mut args: Vec<String> = combo.iter().map(|s| (*s).to_string()).collect();
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
