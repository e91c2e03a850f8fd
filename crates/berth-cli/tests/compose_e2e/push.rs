//! `push` and `build --push` against a real registry: Debian's `docker-registry` package,
//! started here on a free port of 127.0.0.1 with its storage in a temporary folder (the engine
//! pushes to loopback registries over plain HTTP).

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::harness::{tools, Cli};

/// A registry process, killed when dropped.
struct Registry {
    child: Child,
    port: u16,
    _dir: tempfile::TempDir,
}

impl Registry {
    fn start() -> Registry {
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map(|a| a.port())
            .expect("a free port");
        let dir = tempfile::tempdir().expect("temp dir");
        let config = dir.path().join("config.yml");
        std::fs::write(
            &config,
            format!(
                "version: 0.1\nlog:\n  level: error\nstorage:\n  filesystem:\n    rootdirectory: {}\nhttp:\n  addr: 127.0.0.1:{port}\n",
                dir.path().join("data").display()
            ),
        )
        .expect("write registry config");
        let child = Command::new("docker-registry")
            .arg("serve")
            .arg(&config)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("docker-registry (apt-get install docker-registry; .ci/run installs it)");
        let r = Registry {
            child,
            port,
            _dir: dir,
        };
        let start = Instant::now();
        while r.get("/v2/").is_none() {
            assert!(
                start.elapsed() < Duration::from_secs(20),
                "the registry did not start"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        r
    }

    /// The body of an HTTP GET of `path`.
    fn get(&self, path: &str) -> Option<String> {
        let mut s = TcpStream::connect(("127.0.0.1", self.port)).ok()?;
        s.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
        write!(s, "GET {path} HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n").ok()?;
        let mut text = String::new();
        s.read_to_string(&mut text).ok()?;
        text.split_once("\r\n\r\n").map(|(_, b)| b.to_string())
    }
}

impl Drop for Registry {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn push_and_build_push_send_the_built_images_to_the_registry() {
    let reg = Registry::start();
    let host = format!("127.0.0.1:{}", reg.port);
    for tool in tools() {
        let t = &tool.name[..1];
        let compose = format!(
            r#"
services:
  built:
    build:
      context: ctx
      tags: ["{host}/berth-{t}/built:extra"]
    image: {host}/berth-{t}/built:1
  plain:
    image: berth-test/busybox
"#
        );
        let c = Cli::new(
            &tool,
            "e2e-push",
            &[
                ("compose.yaml", compose.as_str()),
                (
                    "ctx/Dockerfile",
                    "FROM berth-test/busybox\nRUN echo pushed > /p\n",
                ),
            ],
        );
        c.with_file("compose.yaml", &["build", "--push"]).ok();
        let tags = reg
            .get(&format!("/v2/berth-{t}/built/tags/list"))
            .unwrap_or_default();
        assert!(
            tags.contains("\"1\"") && tags.contains("\"extra\""),
            "{}: {tags}",
            tool.name
        );

        // push: again, quietly; the service that is not built is skipped.
        let res = c.with_file("compose.yaml", &["push"]).ok();
        res.has("plain Skipped");
        let res = c.with_file("compose.yaml", &["push", "-q"]).ok();
        res.lacks("Skipped");
        let catalog = reg.get("/v2/_catalog").unwrap_or_default();
        assert!(!catalog.contains("busybox"), "{}: {catalog}", tool.name);

        // A registry that does not answer: an error, or a warning with --ignore-push-failures.
        let closed = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map(|a| a.port())
            .expect("a free port");
        std::fs::write(
            c.dir.path().join("gone.yaml"),
            format!("services:\n  x:\n    build: ctx\n    image: 127.0.0.1:{closed}/nope:1\n"),
        )
        .unwrap();
        c.with_file("gone.yaml", &["build"]).ok();
        let res = c.with_file("gone.yaml", &["push"]);
        assert_eq!(res.code, Some(1), "{}: {}", tool.name, res.combined());
        res.has("connection refused");
        c.with_file("gone.yaml", &["push", "--ignore-push-failures"])
            .ok();
        for image in [
            format!("{host}/berth-{t}/built:1"),
            format!("{host}/berth-{t}/built:extra"),
            format!("127.0.0.1:{closed}/nope:1"),
        ] {
            let _ = Command::new("docker")
                .args(["image", "rm", "-f", &image])
                .output();
        }
    }
}
