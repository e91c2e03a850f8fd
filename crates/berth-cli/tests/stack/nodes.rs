//! A swarm of two nodes on one machine: this machine's Docker Engine as the manager, and a
//! second Docker Engine as a worker, in a network namespace of the test's own joined to this
//! one by a veth pair (iproute2). The worker's engine runs under `nsenter --net` (`ip netns
//! exec` would hide the cgroup mounts it needs) with a host name of its own (`unshare --uts`),
//! its own configuration, data, state and socket, the vfs storage driver, and no bridge or
//! iptables rules of its own. It has no images: it pulls them from a registry the test serves
//! on loopback in its namespace too ([`crate::common::registry::Registry::serve_in`]).
//!
//! Dropping the swarm makes the worker leave, stops its engine by its pid and deletes its
//! namespace (and with it the veth pair), then leaves Swarm mode on this engine.

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use super::{docker, run, Res, Swarm};

/// The manager's address on the veth pair, and the worker's.
const MANAGER_ADDR: &str = "100.64.231.1";
const WORKER_ADDR: &str = "100.64.231.2";

/// The worker's host name, which `stack ps` shows as its node.
pub const WORKER_HOST: &str = "berth-worker";

/// A program run to completion with the suite's deadline; panics when it fails.
fn sh(program: &str, args: &[&str]) -> Res {
    run(Path::new(program), Path::new("/"), args).ok()
}

/// The second engine, joined to the swarm as a worker.
pub struct Worker {
    pub netns: String,
    host_link: String,
    socket: String,
    daemon: Child,
    pub node_id: String,
    dir: tempfile::TempDir,
}

/// This engine as a swarm manager with one worker. The worker goes first when dropped.
pub struct TwoNodes {
    pub worker: Worker,
    _swarm: Swarm,
    /// One such swarm at a time: its namespace and links have the process's name.
    _lock: MutexGuard<'static, ()>,
}

static NODES: Mutex<()> = Mutex::new(());

impl TwoNodes {
    /// None when a test cannot make the swarm here (said, and a failure under CI).
    pub fn start() -> Option<TwoNodes> {
        let tools = ["dockerd", "nsenter", "unshare", "ip"].iter().all(|p| {
            crate::common::needs(
                p,
                crate::common::on_path(p),
                "apt-get install iproute2 util-linux docker.io",
            )
        });
        if !tools {
            return None;
        }
        let lock = NODES.lock().unwrap_or_else(PoisonError::into_inner);
        let pid = std::process::id();
        let netns = format!("berth-w{pid}");
        let host_link = format!("bh{pid}");
        let worker_link = format!("bw{pid}");
        let _ = Command::new("ip").args(["netns", "del", &netns]).status();
        sh("ip", &["netns", "add", &netns]);
        let dir = tempfile::tempdir().expect("temp dir");
        // From here on, the worker's drop cleans up whatever was made.
        let mut worker = Worker {
            netns: netns.clone(),
            host_link: host_link.clone(),
            socket: format!("unix://{}", dir.path().join("docker.sock").display()),
            daemon: Command::new("true").spawn().expect("true"),
            node_id: String::new(),
            dir,
        };
        sh(
            "ip",
            &[
                "link",
                "add",
                &host_link,
                "type",
                "veth",
                "peer",
                "name",
                &worker_link,
            ],
        );
        sh("ip", &["link", "set", &worker_link, "netns", &netns]);
        sh(
            "ip",
            &[
                "addr",
                "add",
                &format!("{MANAGER_ADDR}/24"),
                "dev",
                &host_link,
            ],
        );
        sh("ip", &["link", "set", &host_link, "up"]);
        let inside = |args: &[&str]| {
            let mut all = vec!["netns", "exec", netns.as_str(), "ip"];
            all.extend_from_slice(args);
            sh("ip", &all);
        };
        inside(&[
            "addr",
            "add",
            &format!("{WORKER_ADDR}/24"),
            "dev",
            &worker_link,
        ]);
        inside(&["link", "set", &worker_link, "up"]);
        inside(&["link", "set", "lo", "up"]);
        inside(&["route", "add", "default", "via", MANAGER_ADDR]);
        let swarm = Swarm::start_on(MANAGER_ADDR, false)?;
        worker.start_daemon();
        let token = docker(&["swarm", "join-token", "-q", "worker"]).ok();
        worker
            .docker(&[
                "swarm",
                "join",
                "--token",
                token.stdout.trim(),
                &format!("{MANAGER_ADDR}:2377"),
            ])
            .ok();
        worker.node_id = worker
            .docker(&["info", "--format", "{{.Swarm.NodeID}}"])
            .ok()
            .stdout
            .trim()
            .to_string();
        Some(TwoNodes {
            worker,
            _swarm: swarm,
            _lock: lock,
        })
    }
}

impl Worker {
    fn start_daemon(&mut self) {
        let d = self.dir.path();
        std::fs::write(d.join("daemon.json"), "{}").expect("write daemon.json");
        let command = format!(
            "hostname {WORKER_HOST} && exec dockerd --config-file {config} --data-root {data} \
             --exec-root {exec} --pidfile {pid} -H {socket} --storage-driver=vfs \
             --bridge=none --iptables=false",
            config = d.join("daemon.json").display(),
            data = d.join("data").display(),
            exec = d.join("exec").display(),
            pid = d.join("dockerd.pid").display(),
            socket = self.socket,
        );
        let log = std::fs::File::create(d.join("dockerd.log")).expect("dockerd log");
        self.daemon = Command::new("nsenter")
            .arg(format!("--net=/run/netns/{}", self.netns))
            .args(["unshare", "--uts", "sh", "-c", &command])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .expect("start the worker's dockerd");
        let start = Instant::now();
        while self.docker(&["info", "--format", "{{.ID}}"]).code != Some(0) {
            assert!(
                start.elapsed() < Duration::from_mins(1),
                "the worker's dockerd did not start:\n{}",
                std::fs::read_to_string(d.join("dockerd.log")).unwrap_or_default()
            );
            std::thread::sleep(Duration::from_millis(200));
        }
    }

    /// The docker CLI against the worker's engine.
    pub fn docker(&self, args: &[&str]) -> Res {
        let mut all = vec!["-H", self.socket.as_str()];
        all.extend_from_slice(args);
        docker(&all)
    }

    /// Cuts the worker off the network: to the manager, it is a node gone.
    pub fn cut(&self) {
        sh("ip", &["link", "set", &self.host_link, "down"]);
    }

    /// Joins the worker to the network again.
    pub fn mend(&self) {
        sh("ip", &["link", "set", &self.host_link, "up"]);
    }
}

impl Drop for Worker {
    fn drop(&mut self) {
        let _ = Command::new("ip")
            .args(["link", "set", &self.host_link, "up"])
            .status();
        if !self.node_id.is_empty() {
            let _ = self.docker(&["swarm", "leave", "--force"]);
            let _ = docker(&["node", "rm", "--force", &self.node_id]);
        }
        // The engine stops its containers and its containerd on SIGTERM.
        let pid = self.daemon.id().to_string();
        let _ = Command::new("kill").args(["-TERM", &pid]).status();
        let start = Instant::now();
        while self.daemon.try_wait().ok().flatten().is_none() {
            if start.elapsed() > Duration::from_secs(30) {
                let _ = self.daemon.kill();
                let _ = self.daemon.wait();
                break;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        let _ = Command::new("ip")
            .args(["netns", "del", &self.netns])
            .status();
    }
}
