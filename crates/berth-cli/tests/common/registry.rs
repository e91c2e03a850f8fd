//! A real registry for the push and publish scenarios: Debian's `docker-registry` package,
//! started on a free port of 127.0.0.1 with its storage in a temporary folder, killed when
//! dropped. The engine pushes to loopback registries over plain HTTP; Docker Compose's
//! `publish` speaks HTTPS only, so [`Registry::start_tls`] serves a certificate signed by a CA
//! made for the test (`openssl`), which both tools trust through `SSL_CERT_FILE`.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

pub struct Registry {
    child: Child,
    pub port: u16,
    dir: tempfile::TempDir,
    tls: bool,
}

/// A port nothing listens on (yet).
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

/// Whether the programs a registry needs are here (the test is skipped, saying so, without
/// them): Debian's `docker-registry`, and `openssl` for HTTPS, `htpasswd` for a login.
fn can_launch(tls: bool, login: bool) -> bool {
    let has = |program: &str, how: &str| super::needs(program, super::on_path(program), how);
    has("docker-registry", "apt-get install docker-registry")
        && (!tls || has("openssl", "apt-get install openssl"))
        && (!login || has("htpasswd", "apt-get install apache2-utils"))
}

impl Registry {
    /// A plain-HTTP registry; none without the programs it needs (the test is skipped).
    pub fn start() -> Option<Registry> {
        can_launch(false, false).then(|| Registry::launch_with(false, None))
    }

    /// An HTTPS registry; [`Registry::ca`] is the CA that signed its certificate.
    pub fn start_tls() -> Option<Registry> {
        can_launch(true, false).then(|| Registry::launch_with(true, None))
    }

    /// A plain-HTTP registry that asks for `user` and `password` (htpasswd, from Debian's
    /// apache2-utils).
    pub fn start_with_login(user: &str, password: &str) -> Option<Registry> {
        can_launch(false, true).then(|| Registry::launch_with(false, Some((user, password))))
    }

    fn launch_with(tls: bool, login: Option<(&str, &str)>) -> Registry {
        let port = free_port();
        let dir = tempfile::tempdir().expect("temp dir");
        let mut http = format!("http:\n  addr: 127.0.0.1:{port}\n");
        if let Some((user, password)) = login {
            let out = Command::new("htpasswd")
                .args(["-Bbn", user, password])
                .output()
                .expect("htpasswd (apt-get install apache2-utils; .ci/run installs it)");
            assert!(out.status.success(), "htpasswd");
            let file = dir.path().join("htpasswd");
            std::fs::write(&file, &out.stdout).expect("write htpasswd");
            http.insert_str(
                0,
                &format!(
                    "auth:\n  htpasswd:\n    realm: berth-test\n    path: {}\n",
                    file.display()
                ),
            );
        }
        if tls {
            make_certificates(dir.path());
            http.push_str(&format!(
                "  tls:\n    certificate: {}\n    key: {}\n",
                dir.path().join("leaf.pem").display(),
                dir.path().join("leaf.key").display()
            ));
        }
        let config = dir.path().join("config.yml");
        std::fs::write(
            &config,
            format!(
                "version: 0.1\nlog:\n  level: error\nstorage:\n  filesystem:\n    rootdirectory: {}\n{http}",
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
            dir,
            tls,
        };
        super::wait_listening(port, "the registry");
        r
    }

    /// `127.0.0.1:PORT`.
    pub fn host(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    /// The same registry (its storage, address and login) served inside network namespace
    /// `netns` as well, so that a node there pulls what this node pushed under the same name
    /// (`127.0.0.1:PORT/…` is loopback on either side). Stopped when dropped.
    pub fn serve_in(&self, netns: &str) -> Served {
        let child = Command::new("nsenter")
            .arg(format!("--net=/run/netns/{netns}"))
            .arg("docker-registry")
            .arg("serve")
            .arg(self.dir.path().join("config.yml"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("nsenter docker-registry");
        Served(child)
    }

    /// The CA's certificate (TLS registries only).
    pub fn ca(&self) -> PathBuf {
        self.dir.path().join("ca.pem")
    }

    /// The body of a GET of `path`, with `accept` as the Accept header.
    pub fn get_as(&self, path: &str, accept: &str) -> Option<String> {
        if self.tls {
            let out = Command::new("curl")
                .args(["-sf", "--cacert"])
                .arg(self.ca())
                .args(["-H", &format!("Accept: {accept}")])
                .arg(format!("https://{}{path}", self.host()))
                .output()
                .ok()?;
            return out
                .status
                .success()
                .then(|| String::from_utf8_lossy(&out.stdout).into_owned());
        }
        let mut s = TcpStream::connect(("127.0.0.1", self.port)).ok()?;
        s.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
        write!(
            s,
            "GET {path} HTTP/1.0\r\nHost: 127.0.0.1\r\nAccept: {accept}\r\n\r\n"
        )
        .ok()?;
        let mut text = String::new();
        s.read_to_string(&mut text).ok()?;
        text.split_once("\r\n\r\n").map(|(_, b)| b.to_string())
    }

    /// The body of a GET of `path`.
    pub fn get(&self, path: &str) -> Option<String> {
        self.get_as(path, "*/*")
    }
}

/// A registry process serving in a network namespace ([`Registry::serve_in`]).
pub struct Served(Child);

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

impl Drop for Registry {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A CA, and a certificate it signs for 127.0.0.1 (rustls, unlike Go, refuses a self-signed
/// CA certificate as a server's own).
fn make_certificates(dir: &std::path::Path) {
    let run = |args: &[&str]| {
        let st = Command::new("openssl")
            .current_dir(dir)
            .args(args)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .expect("openssl (apt-get install openssl; .ci/run installs it)");
        assert!(st.success(), "openssl {args:?} failed");
    };
    run(&[
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-keyout",
        "ca.key",
        "-out",
        "ca.pem",
        "-days",
        "2",
        "-subj",
        "/CN=berth test CA",
    ]);
    run(&[
        "req",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-keyout",
        "leaf.key",
        "-out",
        "leaf.csr",
        "-subj",
        "/CN=127.0.0.1",
    ]);
    std::fs::write(
        dir.join("ext.cnf"),
        "subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\n",
    )
    .expect("write ext.cnf");
    run(&[
        "x509",
        "-req",
        "-in",
        "leaf.csr",
        "-CA",
        "ca.pem",
        "-CAkey",
        "ca.key",
        "-CAcreateserial",
        "-out",
        "leaf.pem",
        "-days",
        "2",
        "-extfile",
        "ext.cnf",
    ]);
}
