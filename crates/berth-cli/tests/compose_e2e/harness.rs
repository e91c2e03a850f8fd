//! What the ported scenarios share: the two tools (Berth and the reference), a project folder
//! per scenario and tool, and commands run with a deadline.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

#[path = "../common/mod.rs"]
pub mod common;

/// How long one command may take before the scenario fails as hung.
const DEADLINE: Duration = Duration::from_mins(2);

/// A Compose implementation under test.
#[derive(Clone, Debug)]
pub struct Tool {
    /// `berth` or `reference`.
    pub name: &'static str,
    pub bin: PathBuf,
}

/// Berth, then the reference: every scenario runs on both. Without the reference (a fresh
/// clone, not CI), the scenarios run on Berth alone, saying so; without an engine and the test
/// image, on neither (each scenario is skipped, saying so).
pub fn tools() -> Vec<Tool> {
    if !common::ensure_image() {
        return Vec::new();
    }
    let mut out = vec![Tool {
        name: "berth",
        bin: PathBuf::from(env!("CARGO_BIN_EXE_berth")),
    }];
    match berth_conformance::reference_binary() {
        Ok(bin) => out.push(Tool {
            name: "reference",
            bin,
        }),
        Err(e) => {
            if let Err(skip) =
                berth_conformance::requires("the reference Docker Compose", false, &e)
            {
                eprintln!("{skip}");
            }
        }
    }
    out
}

/// Whether `program` is on `PATH`; when it is not, says that the test is skipped and how to
/// install it (and fails under CI).
pub fn needs_program(program: &str, how: &str) -> bool {
    common::needs(program, common::on_path(program), how)
}

/// What one command did.
#[derive(Debug)]
pub struct Res {
    pub what: String,
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
}

impl Res {
    /// Standard output and error together, as the Go tests' `Combined()`.
    pub fn combined(&self) -> String {
        format!("{}{}", self.stdout, self.stderr)
    }

    /// The command succeeded; returns it for further checks.
    #[track_caller]
    pub fn ok(self) -> Res {
        assert_eq!(self.code, Some(0), "{}\n{}", self.what, self.combined());
        self
    }

    /// The command failed with `code` and said `needle` (on either stream).
    #[track_caller]
    pub fn fails(&self, code: i32, needle: &str) {
        assert_eq!(self.code, Some(code), "{}\n{}", self.what, self.combined());
        self.has(needle);
    }

    #[track_caller]
    pub fn has(&self, needle: &str) {
        assert!(
            self.combined().contains(needle),
            "{}: {needle:?} not in\n{}",
            self.what,
            self.combined()
        );
    }

    #[track_caller]
    pub fn lacks(&self, needle: &str) {
        assert!(
            !self.combined().contains(needle),
            "{}: {needle:?} unexpected in\n{}",
            self.what,
            self.combined()
        );
    }

    /// Some line of standard output has every one of `words`, in this order.
    #[track_caller]
    pub fn line_with(&self, words: &[&str]) {
        let found = self.stdout.lines().any(|l| {
            let mut rest = l;
            words.iter().all(|w| match rest.find(w) {
                Some(i) => {
                    rest = &rest[i + w.len()..];
                    true
                }
                None => false,
            })
        });
        assert!(
            found,
            "{}: no line with {words:?} in\n{}",
            self.what, self.stdout
        );
    }
}

/// One scenario run by one tool: a folder of fixture files and a project name of its own
/// (`<base>-<tool>`, so the two runs never share containers). Everything the project left is
/// removed when it is dropped.
pub struct Cli {
    pub tool: Tool,
    pub dir: tempfile::TempDir,
    /// The project name the scenario uses.
    pub project: String,
    env: Vec<(String, String)>,
}

impl Cli {
    pub fn new(tool: &Tool, base: &str, files: &[(&str, &str)]) -> Cli {
        let dir = tempfile::tempdir().expect("temp dir");
        for (name, text) in files {
            let path = dir.path().join(name);
            std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
            std::fs::write(path, text).expect("write fixture");
        }
        let cli = Cli {
            tool: tool.clone(),
            dir,
            project: format!("{base}-{}", &tool.name[..1]),
            env: Vec::new(),
        };
        cli.clean();
        cli
    }

    /// Sets a variable for every later command (as the Go tests' `WithEnv`).
    pub fn env(&mut self, key: &str, value: &str) {
        self.env.push((key.to_string(), value.to_string()));
    }

    /// Stops setting `key` (a variable the Go test gave one command only).
    pub fn unset_env(&mut self, key: &str) {
        self.env.retain(|(k, _)| k != key);
    }

    /// Runs the tool with `args` in the scenario's folder.
    pub fn run(&self, args: &[&str]) -> Res {
        self.run_in(self.dir.path(), args)
    }

    /// Runs the tool with `-p <project>` and then `args`.
    pub fn named(&self, args: &[&str]) -> Res {
        let mut all = vec!["--project-name", self.project.as_str()];
        all.extend_from_slice(args);
        self.run(&all)
    }

    /// Runs the tool with `-f FILE -p <project>` and then `args`.
    pub fn with_file(&self, file: &str, args: &[&str]) -> Res {
        let mut all = vec!["-f", file, "--project-name", self.project.as_str()];
        all.extend_from_slice(args);
        self.run(&all)
    }

    /// Runs `args` until `done` holds of the result, for at most 10 s (the Go tests'
    /// `WaitForCmdResult`), and returns the last result.
    pub fn eventually(&self, args: &[&str], done: impl Fn(&Res) -> bool) -> Res {
        let start = Instant::now();
        loop {
            let res = self.run(args);
            if done(&res) || start.elapsed() > Duration::from_secs(10) {
                return res;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Starts the tool with `-p <project>` and `args` in the background (a command that runs
    /// until stopped, as `watch`); it is killed when the guard is dropped.
    pub fn spawn_named(&self, args: &[&str]) -> Background {
        let mut cmd = self.named_command(args);
        cmd.stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        Background(cmd.spawn().expect("start the tool"))
    }

    /// The tool with `-p <project>` and `args`, in the scenario's folder, with the scenario's
    /// variables and none of the Compose variables of the environment the tests run in.
    fn named_command(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(&self.tool.bin);
        cmd.current_dir(self.dir.path())
            .arg("--project-name")
            .arg(&self.project)
            .args(args)
            .env_remove("COMPOSE_FILE")
            .env_remove("COMPOSE_PROJECT_NAME")
            .env_remove("COMPOSE_PROFILES");
        for (k, v) in &self.env {
            cmd.env(k, v);
        }
        cmd
    }

    /// As [`Cli::spawn_named`], keeping what the command writes (both streams, as the Go
    /// tests' `icmd.StartCmd`) for [`Watched::output`].
    pub fn spawn_named_output(&self, args: &[&str]) -> Watched {
        let mut cmd = self.named_command(args);
        cmd.stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = cmd.spawn().expect("start the tool");
        let seen = std::sync::Arc::new(std::sync::Mutex::new(String::new()));
        let streams: [Box<dyn Read + Send>; 2] = [
            Box::new(child.stdout.take().expect("stdout")),
            Box::new(child.stderr.take().expect("stderr")),
        ];
        for mut stream in streams {
            let seen = std::sync::Arc::clone(&seen);
            std::thread::spawn(move || {
                let mut buf = [0u8; 4096];
                while let Ok(n) = stream.read(&mut buf) {
                    if n == 0 {
                        break;
                    }
                    if let Ok(mut s) = seen.lock() {
                        s.push_str(&String::from_utf8_lossy(&buf[..n]));
                    }
                }
            });
        }
        Watched {
            _child: Background(child),
            seen,
        }
    }

    /// Runs the tool in `dir` with `args`, no standard input, and the deadline.
    pub fn run_in(&self, dir: &Path, args: &[&str]) -> Res {
        self.run_with_input(dir, None, args)
    }

    /// Runs the tool in the scenario's folder with `input` piped to its standard input (the Go
    /// tests' `WithStdin`).
    pub fn run_stdin(&self, input: &str, args: &[&str]) -> Res {
        self.run_with_input(self.dir.path(), Some(input), args)
    }

    fn run_with_input(&self, dir: &Path, input: Option<&str>, args: &[&str]) -> Res {
        let what = format!("{} {}", self.tool.name, args.join(" "));
        let mut cmd = Command::new(&self.tool.bin);
        cmd.current_dir(dir)
            .args(args)
            .env_remove("COMPOSE_FILE")
            .env_remove("COMPOSE_PROJECT_NAME")
            .env_remove("COMPOSE_PROFILES")
            .stdin(if input.is_some() {
                Stdio::piped()
            } else {
                Stdio::null()
            })
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        for (k, v) in &self.env {
            cmd.env(k, v);
        }
        let mut child = cmd
            .spawn()
            .unwrap_or_else(|e| panic!("{what}: cannot start: {e}"));
        if let (Some(text), Some(mut stdin)) = (input, child.stdin.take()) {
            use std::io::Write as _;
            let _ = stdin.write_all(text.as_bytes());
        }
        wait_with_deadline(child, &what)
    }

    /// Removes what the project holds on the engine, with the tool itself, then any container
    /// still labelled with the project (the reference's `down` leaves the running one-off
    /// containers of a service that has no other).
    fn clean(&self) {
        let _ = self.named(&["down", "-v", "-t", "0", "--remove-orphans"]);
        let label = format!("label=com.docker.compose.project={}", self.project);
        // Any container still labelled with the project; then what `down` by name leaves (the
        // reference keeps a network a `run` made): the project's networks and volumes go too,
        // so that the engine is left as it was found.
        remove_labelled(&["ps", "-aq"], &["rm", "-f", "-v"], &label);
        remove_labelled(&["network", "ls", "-q"], &["network", "rm"], &label);
        remove_labelled(&["volume", "ls", "-q"], &["volume", "rm"], &label);
    }
}

/// Lists with `docker LIST… --filter LABEL` and removes what it finds with `docker REMOVE…`.
fn remove_labelled(list: &[&str], remove: &[&str], label: &str) {
    let Ok(out) = Command::new("docker")
        .args(list)
        .args(["--filter", label])
        .output()
    else {
        return;
    };
    let ids: Vec<String> = String::from_utf8_lossy(&out.stdout)
        .split_whitespace()
        .map(str::to_string)
        .collect();
    if !ids.is_empty() {
        let _ = Command::new("docker").args(remove).args(&ids).output();
    }
}

impl Drop for Cli {
    fn drop(&mut self) {
        self.clean();
    }
}

fn wait_with_deadline(child: Child, what: &str) -> Res {
    let (code, stdout, stderr) = common::wait_with_deadline(child, what, DEADLINE);
    Res {
        what: what.to_string(),
        code,
        stdout,
        stderr,
    }
}

/// Runs the Docker CLI (the Go tests' `RunDockerCmd`); returns whether it succeeded and its
/// standard output.
pub fn docker(args: &[&str]) -> (bool, String) {
    let out = Command::new("docker").args(args).output().expect("docker");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
    )
}

/// `docker exec CONTAINER ARGS…`.
pub fn docker_exec(container: &str, args: &[&str]) -> (bool, String) {
    let mut all = vec!["exec", container];
    all.extend_from_slice(args);
    docker(&all)
}

impl Cli {
    /// The engine states of `service`'s containers (the Go tests' `ServiceState`), read with
    /// the tool's own `ps -a`.
    pub fn states(&self, service: &str) -> Vec<String> {
        let res = self
            .named(&["ps", "-a", "--format", "{{.Service}} {{.State}}"])
            .ok();
        res.stdout
            .lines()
            .filter_map(|l| l.split_once(' '))
            .filter(|(s, _)| *s == service)
            .map(|(_, state)| state.to_string())
            .collect()
    }

    /// `ServiceState`: every container of `service` is in `state`, and there is one.
    #[track_caller]
    pub fn assert_state(&self, service: &str, state: &str) {
        let states = self.states(service);
        assert!(
            !states.is_empty() && states.iter().all(|s| s == state),
            "{}: {service} is {states:?}, not {state}",
            self.tool.name
        );
    }
}

/// A command running in the background, killed when dropped.
pub struct Background(Child);

impl Background {
    /// Whether it has not exited yet.
    pub fn still_running(&mut self) -> bool {
        matches!(self.0.try_wait(), Ok(None))
    }
}

impl Drop for Background {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A command running in the background whose output is kept; killed when dropped.
pub struct Watched {
    _child: Background,
    seen: std::sync::Arc<std::sync::Mutex<String>>,
}

impl Watched {
    /// Everything written so far.
    pub fn output(&self) -> String {
        self.seen.lock().map(|s| s.clone()).unwrap_or_default()
    }
}

/// Waits up to 60 s for `check` to hold (a deadline, not a timing goal: on two busy cores
/// the reference's `watch` has taken over 20 s for its first sync).
pub fn within(what: &str, check: impl Fn() -> bool) {
    let start = Instant::now();
    while !check() {
        assert!(
            start.elapsed() < Duration::from_mins(1),
            "{what}: not within 60 s"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// A tmux session running one command in a pane 100 columns by 20 rows; killed when dropped.
pub struct Pane(String);

impl Pane {
    /// The pane, or none (the test is skipped, saying so) without tmux.
    pub fn start(c: &Cli, env: &str, args: &str) -> Option<Pane> {
        if !common::needs("tmux", common::on_path("tmux"), "apt-get install tmux") {
            return None;
        }
        let name = format!("berth-{}", c.project);
        let _ = Command::new("tmux")
            .args(["kill-session", "-t", &name])
            .output();
        let line = format!(
            "{env} {} -p {} {args}; echo EXIT=$?; sleep 120",
            c.tool.bin.display(),
            c.project
        );
        // Tests run in parallel on one tmux server: a session started while another test's
        // last session closes can reach the server as it exits, and fail. It is tried again.
        let mut failure = String::new();
        for _ in 0..5 {
            let out = Command::new("tmux")
                .env("TERM", "xterm-256color")
                .args([
                    "new-session",
                    "-d",
                    "-s",
                    &name,
                    "-x",
                    "100",
                    "-y",
                    "20",
                    "-c",
                ])
                .arg(c.dir.path())
                .arg(&line)
                .output()
                .expect("tmux");
            if out.status.success() {
                return Some(Pane(name));
            }
            failure = String::from_utf8_lossy(&out.stderr).into_owned();
            std::thread::sleep(std::time::Duration::from_millis(300));
        }
        panic!("tmux new-session: {failure}");
    }

    /// What the pane shows, one string per row.
    pub fn screen(&self) -> Vec<String> {
        let out = Command::new("tmux")
            .args(["capture-pane", "-p", "-t", &self.0])
            .output()
            .expect("tmux capture-pane");
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .map(|l| l.trim_end().to_string())
            .collect()
    }

    pub fn shows(&self, text: &str) -> bool {
        self.screen().iter().any(|l| l.contains(text))
    }

    pub fn wait_for(&self, what: &str, text: &str) {
        within(what, || self.shows(text));
    }

    pub fn keys(&self, keys: &str) {
        let ok = Command::new("tmux")
            .args(["send-keys", "-t", &self.0, keys])
            .status()
            .expect("tmux send-keys")
            .success();
        assert!(ok, "tmux send-keys {keys}");
    }
}

impl Drop for Pane {
    fn drop(&mut self) {
        let _ = Command::new("tmux")
            .args(["kill-session", "-t", &self.0])
            .output();
    }
}
