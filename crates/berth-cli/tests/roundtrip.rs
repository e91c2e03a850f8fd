//! `config` output reads back as itself (issue 17, item 7): for every fixture the loader
//! accepts and every project of the awesome-compose corpus, what `berth config` prints,
//! loaded again as a compose file, prints the same. A value the emitter wrote so that YAML
//! reads it as something else (`DASH: -`, read back as null) fails here.

use std::path::{Path, PathBuf};

use berth_conformance::{fixture_cases, run, Case};

/// Where the reference's own output does not read back as itself either, and Berth prints
/// what it prints.
const REFERENCE_TOO: &[&str] = &[
    // A key `$SET` is printed `$$SET`, which reads back as the key `$$SET` (keys are not
    // interpolated), printed `$$$$SET`.
    "interpolation-matrix",
    // `target: 0` is printed without its target, which the schema then requires.
    "validation-ports",
];

fn berth() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_berth"))
}

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// `config` of `case` (in YAML or JSON), then `config` of that output: the two must match.
fn round_trip(case: &Case, format: &str) -> Result<(), String> {
    let mut first = case.clone();
    first.args = vec!["config".into(), "--format".into(), format.into()];
    // Whatever the fixture asks beyond its files (profiles, env files) stays as it was.
    first.args.splice(
        0..0,
        case.args
            .iter()
            .take_while(|a| *a != "config")
            .cloned()
            .collect::<Vec<_>>(),
    );
    let out = run(&berth(), &first)?;
    if out.status != 0 {
        return Ok(());
    }
    let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    let file = dir.path().join(format!("config.{format}"));
    std::fs::write(&file, &out.stdout).map_err(|e| e.to_string())?;
    // Loaded from a folder of its own: nothing of the fixture's (its `.env`) applies twice.
    let again = Case {
        dir: dir.path().to_path_buf(),
        // The services the first output holds are the ones its profiles enabled.
        args: vec![
            "-f".into(),
            file.display().to_string(),
            "--profile".into(),
            "*".into(),
            "config".into(),
            "--format".into(),
            format.into(),
        ],
        env: Vec::new(),
        stdin: None,
    };
    let second = run(&berth(), &again)?;
    if second.status != 0 {
        return Err(format!(
            "{} ({format}): the output does not load again: {}",
            case.dir.display(),
            second.stderr
        ));
    }
    if second.stdout != out.stdout {
        let line = out
            .stdout
            .lines()
            .zip(second.stdout.lines())
            .position(|(a, b)| a != b)
            .unwrap_or(0);
        return Err(format!(
            "{} ({format}): reads back differently from line {}: {:?} became {:?}",
            case.dir.display(),
            line + 1,
            out.stdout.lines().nth(line).unwrap_or(""),
            second.stdout.lines().nth(line).unwrap_or("")
        ));
    }
    Ok(())
}

#[test]
fn config_output_reads_back_as_itself() {
    let root = repo_root().join("tests/fixtures/config");
    let mut cases: Vec<Case> = Vec::new();
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(&root)
        .expect("fixtures folder")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.is_dir() && !p.to_string_lossy().ends_with("-error"))
        .filter(|p| {
            !REFERENCE_TOO
                .iter()
                .any(|k| p.file_name().is_some_and(|n| n == *k))
        })
        .collect();
    dirs.sort();
    for dir in &dirs {
        // The fixture's first invocation, when it reads files (not standard input).
        if let Some(case) = fixture_cases(dir).into_iter().next() {
            if case.stdin.is_none() && case.args.iter().any(|a| a == "config") {
                cases.push(case);
            }
        }
    }
    // The fixtures, and the awesome-compose corpus where it is (skipped, saying so, on a clone
    // without ../shared; required under CI).
    let fixtures = cases.len();
    match berth_conformance::corpus(&repo_root()) {
        Ok(projects) => cases.extend(projects.into_iter().map(|dir| Case {
            dir,
            args: vec!["config".into()],
            env: Vec::new(),
            stdin: None,
        })),
        Err(skip) => eprintln!("{skip}"),
    }
    assert!(fixtures > 60, "only {fixtures} fixtures");
    let mut failures = Vec::new();
    for case in &cases {
        // YAML: the JSON output, like the reference's, writes `command: null`, which the
        // schema refuses as input.
        if let Err(e) = round_trip(case, "yaml") {
            failures.push(e);
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} round trips differ:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}
