//! `berth stack` against the Swarm mode of this machine's Docker Engine (no mock). Each test
//! takes the swarm lock (the tests run one at a time), turns Swarm mode on when the engine is
//! not already in a swarm and leaves the swarm when it ends, whatever happens, so the rest of
//! the suite finds the engine as it was. Every command runs with a deadline. The stacks run
//! the test image (`scripts/test-image.sh`); their processes stop at once (`stop_signal:
//! SIGKILL`) so that removals do not wait for the engine's 10 s grace period.

use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::Mutex;
use std::time::Duration;

#[path = "../common/mod.rs"]
mod common;
mod dashboard;
mod multinode;
mod nodes;

/// How long one command may take before the test fails as hung.
const DEADLINE: Duration = Duration::from_mins(3);

static SWARM: Mutex<()> = Mutex::new(());

/// What one command did.
struct Res {
    what: String,
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

impl Res {
    fn all(&self) -> String {
        format!("{}{}", self.stdout, self.stderr)
    }

    #[track_caller]
    fn ok(self) -> Res {
        assert_eq!(self.code, Some(0), "{}\n{}", self.what, self.all());
        self
    }

    /// Said `needle`, on either stream.
    #[track_caller]
    fn has(&self, needle: &str) {
        assert!(
            self.all().contains(needle),
            "{}: {needle:?} not in\n{}",
            self.what,
            self.all()
        );
    }

    #[track_caller]
    fn lacks(&self, needle: &str) {
        assert!(
            !self.all().contains(needle),
            "{}: {needle:?} in\n{}",
            self.what,
            self.all()
        );
    }
}

fn run(program: &Path, dir: &Path, args: &[&str]) -> Res {
    run_with(program, dir, args, &[])
}

/// [`run`] with environment variables `env`.
fn run_with(program: &Path, dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Res {
    let what = format!("{} {}", program.display(), args.join(" "));
    let child = Command::new(program)
        .current_dir(dir)
        .envs(env.iter().copied())
        .args(args)
        .env_remove("COMPOSE_FILE")
        .env_remove("COMPOSE_PROJECT_NAME")
        .env_remove("COMPOSE_PROFILES")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("{what}: {e}"));
    let (code, stdout, stderr) = common::wait_with_deadline(child, &what, DEADLINE);
    Res {
        what,
        code,
        stdout,
        stderr,
    }
}

fn docker(args: &[&str]) -> Res {
    run(Path::new("docker"), Path::new("/"), args)
}

/// Swarm mode for the length of a test: on when the engine was not in a swarm (and off again
/// when dropped), and the lock that runs the swarm tests one at a time.
struct Swarm {
    left_on: bool,
    /// Whether the engine had the `docker_gwbridge` network before (Swarm makes it when a
    /// task first joins an overlay network, and leaving keeps it).
    had_bridge: bool,
    _lock: std::sync::MutexGuard<'static, ()>,
}

impl Swarm {
    fn start() -> Option<Swarm> {
        Swarm::start_on("127.0.0.1", true)
    }

    /// Swarm mode advertised on `address`, whose nodes see a node gone within seconds (a
    /// heartbeat of 1 s). One already on, `reuse` says whether a test can use it as it is.
    fn start_on(address: &str, reuse: bool) -> Option<Swarm> {
        if !common::ensure_image() {
            return None;
        }
        let lock = SWARM
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let state = docker(&["info", "--format", "{{.Swarm.LocalNodeState}}"]);
        let active = state.stdout.trim() == "active";
        if active
            && !reuse
            && !common::needs(
                "an engine not yet in a swarm (to make one of several nodes)",
                false,
                "docker swarm leave --force",
            )
        {
            return None;
        }
        let had_bridge = docker(&["network", "inspect", "docker_gwbridge"]).code == Some(0);
        if !active {
            docker(&[
                "swarm",
                "init",
                "--advertise-addr",
                address,
                "--dispatcher-heartbeat",
                "1s",
            ])
            .ok();
        }
        Some(Swarm {
            left_on: active,
            had_bridge,
            _lock: lock,
        })
    }
}

impl Drop for Swarm {
    fn drop(&mut self) {
        if !self.left_on {
            let _ = docker(&["swarm", "leave", "--force"]);
            // The bridge goes once the leaving node has let go of it.
            for _ in 0..50 {
                if self.had_bridge
                    || docker(&["network", "rm", "docker_gwbridge"]).code == Some(0)
                    || docker(&["network", "inspect", "docker_gwbridge"]).code != Some(0)
                {
                    break;
                }
                std::thread::sleep(Duration::from_millis(100));
            }
        }
    }
}

/// A stack in a folder of its own, removed (with `docker stack rm`, then waiting) when dropped.
struct Stack {
    dir: tempfile::TempDir,
    name: String,
}

impl Stack {
    fn new(name: &str, compose: &str) -> Stack {
        let dir = tempfile::tempdir().expect("temp dir");
        std::fs::write(dir.path().join("compose.yaml"), compose).expect("write compose file");
        Stack {
            dir,
            name: format!("berth-stack-{name}"),
        }
    }

    fn file(&self, name: &str, text: &str) {
        std::fs::write(self.dir.path().join(name), text).expect("write file");
    }

    fn berth(&self, args: &[&str]) -> Res {
        self.berth_with(args, &[])
    }

    /// `berth` with environment variables `env`.
    fn berth_with(&self, args: &[&str], env: &[(&str, &str)]) -> Res {
        let mut all = vec!["--progress", "plain", "-p", self.name.as_str()];
        all.extend_from_slice(args);
        run_with(
            Path::new(env!("CARGO_BIN_EXE_berth")),
            self.dir.path(),
            &all,
            env,
        )
    }

    fn deploy(&self) -> Res {
        self.berth(&["stack", "deploy"]).ok()
    }

    /// The stack's tasks that should run, by ID, sorted.
    fn running_tasks(&self) -> Vec<String> {
        let out = docker(&[
            "stack",
            "ps",
            &self.name,
            "--filter",
            "desired-state=running",
            "-q",
        ]);
        let mut ids: Vec<String> = out.stdout.lines().map(str::to_string).collect();
        ids.sort();
        ids
    }

    /// `docker ID-LIST --filter label=…namespace=STACK` (secrets, configs, networks,
    /// services, containers).
    fn labelled(&self, what: &[&str]) -> Vec<String> {
        let label = format!("label=com.docker.stack.namespace={}", self.name);
        let mut args = what.to_vec();
        args.extend(["--filter", label.as_str(), "--format", "{{.Name}}"]);
        let mut names: Vec<String> = docker(&args).stdout.lines().map(str::to_string).collect();
        names.sort();
        names
    }

    /// A running container of service `service`.
    fn container(&self, service: &str) -> String {
        let filter = format!(
            "label=com.docker.swarm.service.name={}_{service}",
            self.name
        );
        docker(&["ps", "-q", "--filter", &filter])
            .stdout
            .lines()
            .next()
            .unwrap_or_else(|| panic!("no running container of {service}"))
            .to_string()
    }
}

impl Drop for Stack {
    fn drop(&mut self) {
        let _ = self.berth(&["stack", "rm"]);
    }
}

const IMAGE: &str = "berth-test/busybox:latest";

fn service(name: &str, extra: &str) -> String {
    format!(
        "  {name}:\n    image: {IMAGE}\n    command: [\"sleep\", \"3600\"]\n    stop_signal: SIGKILL\n{extra}"
    )
}

/// The fog-compute production shape: an internal overlay network and a public one, a secret
/// from a file at /run/secrets, two replicas of a backend, a three-node chain gated on health
/// (each node created once the one before is healthy), and published ports in host mode
/// (reached on 127.0.0.1) and ingress mode.
#[test]
fn deploy_runs_the_production_shape() {
    let Some(_swarm) = Swarm::start() else { return };
    let health = "    healthcheck:\n      test: [\"CMD\", \"true\"]\n      interval: 1s\n";
    let compose = format!(
        "services:\n{}{}{}{}{}{}\nnetworks:\n  public: {{}}\n  private:\n    internal: true\nsecrets:\n  token:\n    file: ./token.txt\n",
        service(
            "backend",
            "    networks: [private]\n    secrets: [token]\n    deploy:\n      replicas: 2\n"
        ),
        service("node1", &format!("    networks: [private]\n{health}")),
        service(
            "node2",
            &format!("    networks: [private]\n{health}    depends_on:\n      node1:\n        condition: service_healthy\n")
        ),
        service(
            "node3",
            &format!("    networks: [private]\n{health}    depends_on:\n      node2:\n        condition: service_healthy\n")
        ),
        "  web:\n    image: berth-test/busybox:latest\n    command: [\"sh\", \"-c\", \"echo served > /www/index.html; exec httpd -f -p 8080 -h /www\"]\n    stop_signal: SIGKILL\n    networks: [public, private]\n    ports:\n      - target: 8080\n        published: 18481\n        mode: host\n",
        "  mesh:\n    image: berth-test/busybox:latest\n    command: [\"sleep\", \"3600\"]\n    stop_signal: SIGKILL\n    networks: [public]\n    ports:\n      - \"18482:8080\"\n",
    );
    let s = Stack::new("prod", &compose);
    s.file("token.txt", "s3cret\n");
    let out = s.deploy();
    // The chain was created in order, each node after the one before converged.
    let all = out.all();
    let at = |needle: &str| {
        all.find(needle)
            .unwrap_or_else(|| panic!("{needle:?} not in\n{all}"))
    };
    let n = &s.name;
    assert!(
        at(&format!("Service {n}_node1  Running")) < at(&format!("Service {n}_node2  Creating"))
    );
    assert!(
        at(&format!("Service {n}_node2  Running")) < at(&format!("Service {n}_node3  Creating"))
    );
    // Converged when the command returned.
    let services = s.berth(&["stack", "services"]).ok();
    for (svc, replicas) in [
        ("backend", "2/2"),
        ("node1", "1/1"),
        ("node2", "1/1"),
        ("node3", "1/1"),
        ("web", "1/1"),
        ("mesh", "1/1"),
    ] {
        assert!(
            services
                .stdout
                .lines()
                .any(|l| l.contains(&format!("{n}_{svc} ")) && l.contains(replicas)),
            "{svc} {replicas}:\n{}",
            services.stdout
        );
    }
    assert!(
        services.stdout.contains("*:18482->8080/tcp"),
        "{}",
        services.stdout
    );
    // The secret, in a backend task.
    let secret = docker(&["exec", &s.container("backend"), "cat", "/run/secrets/token"]).ok();
    assert_eq!(secret.stdout, "s3cret\n");
    // The networks, as overlay networks of the stack; the private one internal.
    assert_eq!(
        s.labelled(&["network", "ls"]),
        vec![format!("{n}_private"), format!("{n}_public")]
    );
    let internal = docker(&[
        "network",
        "inspect",
        &format!("{n}_private"),
        "--format",
        "{{.Driver}} {{.Internal}}",
    ])
    .ok();
    assert_eq!(internal.stdout.trim(), "overlay true");
    // The host-mode port answers on 127.0.0.1.
    let body = run(
        Path::new("curl"),
        Path::new("/"),
        &[
            "-s",
            "-m",
            "5",
            "--retry",
            "5",
            "--retry-connrefused",
            "http://127.0.0.1:18481/",
        ],
    );
    assert_eq!(body.stdout, "served\n");
    // Docker's own CLI sees the stack.
    let ls = docker(&["stack", "ls"]).ok();
    assert!(
        ls.stdout
            .lines()
            .any(|l| l.starts_with(&format!("{n} ")) && l.contains('6')),
        "{}",
        ls.stdout
    );
}

/// A changed environment updates that service only; the other's tasks keep running, and a
/// deploy of the same files again changes nothing.
#[test]
fn an_env_change_updates_only_that_service() {
    let Some(_swarm) = Swarm::start() else { return };
    let compose = |v: &str| {
        format!(
            "services:\n{}{}",
            service("a", &format!("    environment:\n      LEVEL: \"{v}\"\n")),
            service("b", "")
        )
    };
    let s = Stack::new("env", &compose("1"));
    s.deploy();
    let before = s.running_tasks();
    let again = s.deploy();
    again.lacks("Updat");
    assert_eq!(s.running_tasks(), before);
    s.file("compose.yaml", &compose("2"));
    let dry = s.berth(&["stack", "deploy", "--dry-run"]).ok();
    let n = &s.name;
    dry.has(&format!(
        "Service {n}_a Updated TaskTemplate.ContainerSpec.Env"
    ));
    dry.lacks(&format!("{n}_b Updated"));
    assert_eq!(s.running_tasks(), before, "a dry run changes nothing");
    let out = s.deploy();
    out.has(&format!("Service {n}_a  Updated"));
    out.lacks(&format!("{n}_b  Updat"));
    let after = s.running_tasks();
    let b_tasks = |ids: &[String]| -> Vec<String> {
        ids.iter()
            .filter(|id| {
                docker(&["inspect", id, "--format", "{{.ServiceID}}"])
                    .stdout
                    .trim()
                    == docker(&[
                        "service",
                        "inspect",
                        &format!("{n}_b"),
                        "--format",
                        "{{.ID}}",
                    ])
                    .stdout
                    .trim()
            })
            .cloned()
            .collect()
    };
    assert_eq!(b_tasks(&after), b_tasks(&before));
    assert_ne!(after, before);
    let env = docker(&["exec", &s.container("a"), "sh", "-c", "echo $LEVEL"]).ok();
    assert_eq!(env.stdout, "2\n");
}

/// A secret whose file changed is deployed as a new version, the service using it is updated
/// to it, and the old version is removed.
#[test]
fn a_secret_change_rotates() {
    let Some(_swarm) = Swarm::start() else { return };
    let compose = format!(
        "services:\n{}secrets:\n  key:\n    file: ./key.txt\nconfigs:\n  conf:\n    file: ./conf.txt\n",
        service("app", "    secrets: [key]\n    configs: [conf]\n")
    );
    let s = Stack::new("rotate", &compose);
    s.file("key.txt", "one\n");
    s.file("conf.txt", "first\n");
    s.deploy();
    let n = &s.name;
    assert_eq!(s.labelled(&["secret", "ls"]), vec![format!("{n}_key")]);
    s.file("key.txt", "two\n");
    s.file("conf.txt", "second\n");
    let out = s.deploy();
    let secrets = s.labelled(&["secret", "ls"]);
    assert_eq!(secrets.len(), 1, "{secrets:?}\n{}", out.all());
    assert!(secrets[0].starts_with(&format!("{n}_key-")), "{secrets:?}");
    let configs = s.labelled(&["config", "ls"]);
    assert_eq!(configs.len(), 1, "{configs:?}");
    let app = s.container("app");
    assert_eq!(
        docker(&["exec", &app, "cat", "/run/secrets/key"])
            .ok()
            .stdout,
        "two\n"
    );
    assert_eq!(
        docker(&["exec", &app, "cat", "/conf"]).ok().stdout,
        "second\n"
    );
}

/// `--prune` removes a service the files dropped; without it, the service stays.
#[test]
fn prune_removes_a_dropped_service() {
    let Some(_swarm) = Swarm::start() else { return };
    let s = Stack::new(
        "prune",
        &format!("services:\n{}{}", service("a", ""), service("b", "")),
    );
    s.deploy();
    s.file("compose.yaml", &format!("services:\n{}", service("a", "")));
    let n = &s.name;
    s.deploy();
    assert_eq!(
        s.labelled(&["service", "ls"]),
        vec![format!("{n}_a"), format!("{n}_b")]
    );
    let out = s.berth(&["stack", "deploy", "--prune"]).ok();
    out.has(&format!("Service {n}_b  Removed"));
    assert_eq!(s.labelled(&["service", "ls"]), vec![format!("{n}_a")]);
}

/// `stack rm` returns when nothing of the stack is left: no service, task container, network,
/// secret or config.
#[test]
fn rm_leaves_nothing_behind() {
    let Some(_swarm) = Swarm::start() else { return };
    let compose = format!(
        "services:\n{}{}networks:\n  back: {{}}\nsecrets:\n  key:\n    file: ./key.txt\nconfigs:\n  conf:\n    content: hello\n",
        service("a", "    networks: [back]\n    secrets: [key]\n    configs: [conf]\n    deploy:\n      replicas: 2\n"),
        service("b", "")
    );
    let s = Stack::new("rm", &compose);
    s.file("key.txt", "k\n");
    s.deploy();
    s.berth(&["stack", "rm"]).ok();
    for what in [
        &["service", "ls"][..],
        &["network", "ls"],
        &["secret", "ls"],
        &["config", "ls"],
        &["ps", "-a"],
    ] {
        assert_eq!(s.labelled(what), Vec::<String>::new(), "{what:?} left");
    }
    let again = s.berth(&["stack", "rm"]).ok();
    again.has("Nothing found in stack");
}

/// A stack the Docker CLI deployed is the same stack to Berth, and the other way round:
/// deploying the same files with either tool after the other restarts no task.
#[test]
fn docker_stack_deploy_and_berth_interoperate() {
    let Some(_swarm) = Swarm::start() else { return };
    let compose = format!(
        "services:\n{}{}networks:\n  back: {{}}\nsecrets:\n  key:\n    file: ./key.txt\n",
        service("a", "    networks: [back]\n    secrets: [key]\n    environment:\n      X: \"1\"\n    healthcheck:\n      test: [\"CMD\", \"true\"]\n      interval: 1s\n"),
        service("b", "    deploy:\n      replicas: 2\n    ports:\n      - \"18483:80\"\n")
    );
    let s = Stack::new("interop", &compose);
    s.file("key.txt", "k\n");
    let n = s.name.clone();
    let docker_deploy = || {
        run(
            Path::new("docker"),
            s.dir.path(),
            &[
                "stack",
                "deploy",
                "--detach=false",
                "-c",
                "compose.yaml",
                &n,
            ],
        )
        .ok()
    };
    docker_deploy();
    let before = s.running_tasks();
    assert_eq!(before.len(), 3);
    let out = s.deploy();
    out.lacks("Updat");
    out.lacks("Creat");
    assert_eq!(s.running_tasks(), before);
    // Berth's listing of the Docker CLI's stack.
    let services = s.berth(&["stack", "services"]).ok();
    assert!(
        services.stdout.contains(&format!("{n}_b ")),
        "{}",
        services.stdout
    );
    // And the other way.
    s.berth(&["stack", "rm"]).ok();
    s.deploy();
    let before = s.running_tasks();
    docker_deploy();
    std::thread::sleep(Duration::from_secs(2));
    assert_eq!(s.running_tasks(), before);
    let rm = docker(&["stack", "rm", &n]).ok();
    assert!(
        rm.stdout.contains(&format!("Removing service {n}_a")),
        "{}",
        rm.all()
    );
}

/// A task that fails, and a healthcheck that fails, end the deploy with a non-zero status
/// naming the service.
#[test]
fn failing_tasks_fail_the_deploy() {
    let Some(_swarm) = Swarm::start() else { return };
    let s = Stack::new(
        "fail",
        "services:\n  crash:\n    image: berth-test/busybox:latest\n    command: [\"sh\", \"-c\", \"echo no; exit 3\"]\n",
    );
    let out = s.berth(&["stack", "deploy"]);
    assert_eq!(out.code, Some(1), "{}", out.all());
    let n = &s.name;
    out.has(&format!("service {n}_crash: task {n}_crash.1 failed"));
    s.berth(&["stack", "rm"]).ok();
    s.file(
        "compose.yaml",
        &format!(
            "services:\n{}",
            service("sick", "    healthcheck:\n      test: [\"CMD\", \"false\"]\n      interval: 1s\n      retries: 1\n")
        ),
    );
    let out = s.berth(&["stack", "deploy"]);
    assert_eq!(out.code, Some(1), "{}", out.all());
    out.has(&format!("service {n}_sick: task {n}_sick.1"));
}

/// What Swarm cannot carry is a warning naming the file, line and column; `--strict` makes it
/// an error before anything reaches the engine.
#[test]
fn lost_settings_are_reported_and_strict_refuses_them() {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(
        dir.path().join("compose.yaml"),
        "services:\n  a:\n    image: x\n    privileged: true\n    container_name: fixed\n",
    )
    .expect("write");
    let berth = Path::new(env!("CARGO_BIN_EXE_berth"));
    let out = run(
        berth,
        dir.path(),
        &["-p", "lossy", "stack", "deploy", "--strict"],
    );
    assert_eq!(out.code, Some(1), "{}", out.all());
    out.has("`privileged` is not supported by Docker Swarm");
    out.has("compose.yaml:4:");
    out.has("`container_name`");
    out.has("(--strict)");
}

/// `convert swarm` writes what `docker stack deploy -c -` accepts: the project as loaded (its
/// `.env`, its profiles), `depends_on` with conditions, a port range and a secret's mode in
/// the forms that file format wants, and the settings Swarm cannot carry left out.
#[test]
fn convert_swarm_output_is_accepted_by_docker_stack_deploy() {
    let Some(_swarm) = Swarm::start() else { return };
    let s = Stack::new(
        "convert",
        "services:\n  app:\n    image: ${IMAGE}\n    command: [\"sleep\", \"3600\"]\n    stop_signal: SIGKILL\n    privileged: true\n    environment:\n      LEVEL: ${LEVEL}\n    ports:\n      - \"18491-18492:8000-8001\"\n    secrets:\n      - source: key\n        mode: 0400\n    depends_on:\n      db:\n        condition: service_started\n  db:\n    image: ${IMAGE}\n    command: [\"sleep\", \"3600\"]\n    stop_signal: SIGKILL\n  debug:\n    image: ${IMAGE}\n    profiles: [debug]\nsecrets:\n  key:\n    file: ./key.txt\n",
    );
    s.file(
        ".env",
        "IMAGE=berth-test/busybox:latest\nLEVEL=from-dotenv\n",
    );
    s.file("key.txt", "k\n");
    let out = s.berth(&["convert", "swarm"]).ok();
    out.has("`privileged` is not supported by Docker Swarm");
    assert!(!out.stdout.contains("privileged"), "{}", out.stdout);
    assert!(!out.stdout.contains("debug"), "{}", out.stdout);
    std::fs::write(s.dir.path().join("stack.yaml"), &out.stdout).expect("write");
    let n = s.name.clone();
    let deployed = run(
        Path::new("sh"),
        s.dir.path(),
        &[
            "-c",
            &format!("docker stack deploy --detach=false -c - {n} < stack.yaml"),
        ],
    );
    assert_eq!(deployed.code, Some(0), "{}\n{}", deployed.all(), out.stdout);
    assert_eq!(
        s.labelled(&["service", "ls"]),
        vec![format!("{n}_app"), format!("{n}_db")]
    );
    let env = docker(&[
        "exec",
        &s.container("app"),
        "sh",
        "-c",
        "echo $LEVEL; cat /run/secrets/key",
    ])
    .ok();
    assert_eq!(env.stdout, "from-dotenv\nk\n");
    let ports = docker(&[
        "service",
        "inspect",
        &format!("{n}_app"),
        "--format",
        "{{range .Endpoint.Ports}}{{.PublishedPort}} {{end}}",
    ])
    .ok();
    assert_eq!(ports.stdout.trim(), "18491 18492");
    // Berth sees that stack as its own: nothing to change.
    let again = s.berth(&["stack", "deploy", "--dry-run"]).ok();
    again.lacks("Updated");
}

/// `stack logs` shows the output of every task of the stack, named by service, slot and node.
#[test]
fn logs_show_every_task() {
    let Some(_swarm) = Swarm::start() else { return };
    let s = Stack::new(
        "logs",
        "services:\n  talk:\n    image: berth-test/busybox:latest\n    command: [\"sh\", \"-c\", \"echo said-$$HOSTNAME; echo oops >&2; exec sleep 3600\"]\n    hostname: \"{{.Task.Slot}}\"\n    stop_signal: SIGKILL\n    deploy:\n      replicas: 2\n",
    );
    s.deploy();
    let n = &s.name;
    let mut out = s.berth(&["stack", "logs"]).ok();
    for _ in 0..20 {
        if out.stdout.matches("said-").count() >= 2 {
            break;
        }
        std::thread::sleep(Duration::from_millis(250));
        out = s.berth(&["stack", "logs"]).ok();
    }
    for slot in [1, 2] {
        assert!(
            out.stdout
                .lines()
                .any(|l| l.starts_with(&format!("{n}_talk.{slot}."))
                    && l.ends_with(&format!("| said-{slot}"))),
            "{}",
            out.all()
        );
    }
    out.has("| oops");
    let missing = s.berth(&["stack", "logs", "nope"]);
    assert_eq!(missing.code, Some(1));
    missing.has("no such service in stack");
}

/// A service waited on with `service_completed_successfully` runs as a job: its dependent is
/// created once it has completed, and the deploy succeeds.
#[test]
fn a_completion_gate_runs_the_dependency_as_a_job() {
    let Some(_swarm) = Swarm::start() else { return };
    let s = Stack::new(
        "job",
        &format!(
            "services:\n  init:\n    image: {IMAGE}\n    command: [\"sh\", \"-c\", \"sleep 1; echo ready\"]\n{}",
            service("app", "    depends_on:\n      init:\n        condition: service_completed_successfully\n")
        ),
    );
    let out = s.deploy();
    let all = out.all();
    let n = &s.name;
    let done = all
        .find(&format!("Service {n}_init  Exited"))
        .unwrap_or_else(|| panic!("{all}"));
    let created = all
        .find(&format!("Service {n}_app  Creating"))
        .unwrap_or_else(|| panic!("{all}"));
    assert!(done < created, "{all}");
    let mode = docker(&[
        "service",
        "inspect",
        &format!("{n}_init"),
        "--format",
        "{{json .Spec.Mode}}",
    ])
    .ok();
    assert!(mode.stdout.contains("ReplicatedJob"), "{}", mode.stdout);
}

/// The README's example: the bundled swarm stack deploys, answers on its published port, and
/// is removed.
#[test]
fn the_bundled_swarm_example_deploys() {
    let Some(_swarm) = Swarm::start() else { return };
    let dir = common::examples().join("swarm-local");
    let berth = Path::new(env!("CARGO_BIN_EXE_berth"));
    run(berth, &dir, &["stack", "deploy"]).ok();
    let body = run(
        Path::new("curl"),
        Path::new("/"),
        &[
            "-s",
            "-m",
            "5",
            "--retry",
            "5",
            "--retry-connrefused",
            "http://127.0.0.1:18080/",
        ],
    );
    let services = run(berth, &dir, &["stack", "services"]).ok();
    run(berth, &dir, &["stack", "rm"]).ok();
    assert_eq!(body.stdout, "swarm-local\n");
    assert!(
        services
            .stdout
            .lines()
            .any(|l| l.contains("swarm-local_api ") && l.contains(" 2/2 ")),
        "{}",
        services.stdout
    );
}

/// A service with `build` is built on this node before the deploy (as `up` builds it) and runs
/// the image it made, named as Docker Compose names it when the file gives no `image:`.
#[test]
fn a_service_with_build_is_built_and_deployed() {
    let Some(_swarm) = Swarm::start() else { return };
    let s = Stack::new(
        "build",
        "services:\n  made:\n    build: ./app\n    command: [\"sleep\", \"3600\"]\n    stop_signal: SIGKILL\n",
    );
    std::fs::create_dir_all(s.dir.path().join("app")).expect("mkdir");
    s.file(
        "app/Dockerfile",
        &format!("FROM {IMAGE}\nRUN echo built-here > /made.txt\n"),
    );
    let image = format!("{}-made", s.name);
    let _ = docker(&["rmi", "-f", &image]);
    let out = s.deploy();
    out.has("Built");
    let made = docker(&["exec", &s.container("made"), "cat", "/made.txt"]).ok();
    assert_eq!(made.stdout, "built-here\n");
    s.berth(&["stack", "rm"]).ok();
    let _ = docker(&["rmi", "-f", &image]);
}

/// A config with `template_driver: golang` is rendered by the engine for each task.
#[test]
fn a_template_driver_renders_the_config_for_each_task() {
    let Some(_swarm) = Swarm::start() else { return };
    let s = Stack::new(
        "template",
        &format!(
            "services:\n{}configs:\n  greeting:\n    content: \"hello from {{{{ .Service.Name }}}}\"\n    template_driver: golang\n",
            service("t", "    configs: [{source: greeting, target: /greeting}]\n")
        ),
    );
    s.deploy();
    let got = docker(&["exec", &s.container("t"), "cat", "/greeting"]).ok();
    assert_eq!(got.stdout, format!("hello from {}_t", s.name));
    s.berth(&["stack", "rm"]).ok();
}

/// An update whose tasks fail is rolled back by Swarm (`failure_action: rollback`): the
/// deploy fails naming the service, the service is back at its former spec, and deploying
/// that again changes nothing.
#[test]
fn a_failed_update_rolls_back_and_fails_the_deploy() {
    let Some(_swarm) = Swarm::start() else { return };
    let update = "    deploy:\n      update_config: {failure_action: rollback, monitor: 2s}\n";
    let good = format!("services:\n{}", service("r", update));
    let s = Stack::new("rollback", &good);
    s.deploy();
    s.file(
        "compose.yaml",
        &format!(
            "services:\n  r:\n    image: {IMAGE}\n    command: [\"sh\", \"-c\", \"exit 3\"]\n    stop_signal: SIGKILL\n{update}"
        ),
    );
    let failed = s.berth(&["stack", "deploy"]);
    assert_eq!(failed.code, Some(1), "{}", failed.all());
    failed.has(&format!("service {}_r", s.name));
    let service = format!("{}_r", s.name);
    let start = std::time::Instant::now();
    loop {
        let state = docker(&[
            "service",
            "inspect",
            "--format",
            "{{.UpdateStatus.State}}",
            &service,
        ]);
        if state.stdout.trim() == "rollback_completed" {
            break;
        }
        assert!(
            start.elapsed() < Duration::from_mins(1),
            "no rollback: {}",
            state.all()
        );
        std::thread::sleep(Duration::from_millis(500));
    }
    s.file("compose.yaml", &good);
    s.deploy().lacks("Updated");
    s.berth(&["stack", "rm"]).ok();
}
