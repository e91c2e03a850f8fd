//! `pkg/e2e/volumes_test.go`: bind mounts, named, anonymous and external volumes, secrets and
//! configs read from files, as the engine reports them; anonymous volumes kept across a
//! recreation unless `-V`; external volumes switched and volumes recreated when their
//! definition changes (`-y`); binds never count as a change.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use crate::harness::{docker, docker_exec, tools, Cli};

const VOLUME_TEST: &str = r#"
services:
  nginx:
    build: nginx-build
    volumes:
      - ./static:/usr/share/nginx/html
    ports:
      - "127.0.0.1::80"
  nginx2:
    build: nginx-build
    volumes:
      - staticVol:/usr/share/nginx/html:ro
      - /usr/src/app/node_modules
      - otherVol:/usr/share/nginx/test
    ports:
      - "127.0.0.1::80"
    configs:
      - myconfig
    secrets:
      - mysecret
volumes:
  staticVol:
  otherVol:
    name: ${OTHER_VOLUME}
configs:
  myconfig:
    file: ./static/index.html
secrets:
  mysecret:
    file: ./static/index.html
"#;

const NGINX_BUILD: &str = "FROM berth-test/busybox\nCMD [\"httpd\", \"-f\", \"-p\", \"80\", \"-h\", \"/usr/share/nginx/html\"]\n";

/// The body of `GET /` on the published port, retried for up to 20 s (`HTTPGetWithRetry`).
fn http_get(port: &str) -> String {
    let start = Instant::now();
    loop {
        let got = TcpStream::connect(port).ok().and_then(|mut s| {
            s.set_read_timeout(Some(Duration::from_secs(2))).ok()?;
            s.write_all(b"GET / HTTP/1.0\r\n\r\n").ok()?;
            let mut body = String::new();
            s.read_to_string(&mut body).ok()?;
            Some(body)
        });
        match got {
            Some(b) if b.contains("200 OK") => return b,
            _ if start.elapsed() > Duration::from_secs(20) => panic!("no answer on {port}"),
            _ => std::thread::sleep(Duration::from_millis(200)),
        }
    }
}

/// TestLocalComposeVolume
#[test]
fn test_local_compose_volume() {
    for tool in tools() {
        let mut c = Cli::new(
            &tool,
            "compose-e2e-volume",
            &[
                ("compose.yaml", VOLUME_TEST),
                ("nginx-build/Dockerfile", NGINX_BUILD),
                ("static/index.html", "Hello from Nginx container\n"),
            ],
        );
        let p = c.project.clone();
        let other = format!("{p}-myVolume");
        c.env("OTHER_VOLUME", &other);
        let _ = docker(&["rmi", &format!("{p}-nginx"), &format!("{p}-nginx2")]);
        c.named(&["up", "-d"]).ok();

        // access bind mount data
        let port = c.named(&["port", "nginx", "80"]).ok().stdout;
        assert!(http_get(port.trim()).contains("Hello from Nginx container"));

        // check container volume specs
        let nginx2 = format!("{p}-nginx2-1");
        let (_, mounts) = docker(&["inspect", &nginx2, "--format", "{{ json .Mounts }}"]);
        assert!(
            mounts.contains(r#""Destination":"/usr/src/app/node_modules","Driver":"local","Mode":"z","RW":true,"Propagation":"""#),
            "{}: {mounts}",
            tool.name
        );
        assert!(
            mounts.contains(
                r#""Destination":"/myconfig","Mode":"","RW":false,"Propagation":"rprivate""#
            ),
            "{}: {mounts}",
            tool.name
        );

        // check config and secrets content
        for path in ["/myconfig", "/run/secrets/mysecret"] {
            let (_, text) = docker_exec(&nginx2, &["cat", path]);
            assert!(
                text.contains("Hello from Nginx container"),
                "{path}: {text}"
            );
        }

        // check container bind-mounts specs
        let (_, mounts) = docker(&[
            "inspect",
            &format!("{p}-nginx-1"),
            "--format",
            "{{ json .Mounts }}",
        ]);
        assert!(mounts.contains(r#""Type":"bind""#), "{mounts}");
        assert!(
            mounts.contains(r#""Destination":"/usr/share/nginx/html""#),
            "{mounts}"
        );

        // should inherit anonymous volumes
        docker_exec(&nginx2, &["touch", "/usr/src/app/node_modules/test"]);
        c.named(&["up", "--force-recreate", "-d"]).ok();
        let (kept, _) = docker_exec(&nginx2, &["ls", "/usr/src/app/node_modules/test"]);
        assert!(kept, "{}: the anonymous volume was not kept", tool.name);

        // should renew anonymous volumes; the one renewed is left dangling by both tools (as
        // Docker Compose leaves it), and removed by the test below.
        let (_, renewed) = docker(&[
            "inspect",
            &nginx2,
            "--format",
            "{{ range .Mounts }}{{ if eq .Destination \"/usr/src/app/node_modules\" }}{{ .Name }}{{ end }}{{ end }}",
        ]);
        docker_exec(&nginx2, &["touch", "/usr/src/app/node_modules/test"]);
        c.named(&["up", "--force-recreate", "--renew-anon-volumes", "-d"])
            .ok();
        let (kept, _) = docker_exec(&nginx2, &["ls", "/usr/src/app/node_modules/test"]);
        assert!(!kept, "{}: the anonymous volume was not renewed", tool.name);

        // cleanup volume project
        c.named(&["down", "--volumes"]).ok();
        let (_, ls) = docker(&["volume", "ls"]);
        assert!(!ls.contains(&format!("{p}_staticVol")), "{ls}");
        assert!(!ls.contains(&other), "{ls}");
        let _ = docker(&["rmi", &format!("{p}-nginx"), &format!("{p}-nginx2")]);
        if !renewed.trim().is_empty() {
            let _ = docker(&["volume", "rm", renewed.trim()]);
        }
    }
}

const SWITCH_VOLUMES: &str = r#"
services:
  app:
    image: berth-test/busybox
    init: true
    command: sleep infinity
    volumes:
      - "my_vol:/my_vol"
volumes:
  my_vol:
    external: true
    name: ${EXTERNAL}
"#;

/// TestUpSwitchVolumes: the container follows its external volume to the new name.
#[test]
fn test_up_switch_volumes() {
    for tool in tools() {
        let mut c = Cli::new(
            &tool,
            "compose-e2e-switch-volumes",
            &[("compose.yaml", SWITCH_VOLUMES)],
        );
        let p = c.project.clone();
        let (first, second) = (format!("{p}-external"), format!("{p}-external-2"));
        for v in [&first, &second] {
            assert!(docker(&["volume", "create", v]).0);
        }
        let mount = || {
            docker(&[
                "inspect",
                &format!("{p}-app-1"),
                "-f",
                "{{ (index .Mounts 0).Name }}",
            ])
            .1
        };
        c.env("EXTERNAL", &first);
        c.named(&["up", "-d"]).ok();
        assert_eq!(mount().trim(), first);
        c.env("EXTERNAL", &second);
        c.named(&["up", "-d"]).ok();
        assert_eq!(mount().trim(), second);
        c.named(&["down", "-t", "0"]).ok();
        let _ = docker(&["volume", "rm", "-f", &first, &second]);
    }
}

const RECREATE_VOLUMES: &str = r"
services:
  app:
    image: berth-test/busybox
    init: true
    command: sleep infinity
    volumes:
      - my_vol:/my_vol
volumes:
  my_vol:
    labels:
      foo: ${FOO}
";

/// TestUpRecreateVolumes: a changed volume definition recreates the volume with `-y`.
#[test]
fn test_up_recreate_volumes() {
    for tool in tools() {
        let mut c = Cli::new(
            &tool,
            "compose-e2e-recreate-volumes",
            &[("compose.yaml", RECREATE_VOLUMES)],
        );
        let p = c.project.clone();
        let label = || {
            docker(&[
                "volume",
                "inspect",
                &format!("{p}_my_vol"),
                "-f",
                "{{ index .Labels \"foo\" }}",
            ])
            .1
        };
        c.env("FOO", "bar");
        c.named(&["up", "-d"]).ok();
        assert_eq!(label().trim(), "bar");
        c.env("FOO", "zot");
        c.named(&["up", "-d", "-y"]).ok();
        assert_eq!(label().trim(), "zot");
    }
}

/// TestUpRecreateVolumes_IgnoreBinds
#[test]
fn test_up_recreate_volumes_ignore_binds() {
    for tool in tools() {
        let c = Cli::new(
            &tool,
            "compose-e2e-recreate-volumes-binds",
            &[(
                "compose.yaml",
                "services:\n  app:\n    image: berth-test/busybox\n    init: true\n    command: sleep infinity\n    volumes:\n      - .:/my_vol\n",
            )],
        );
        c.named(&["up", "-d"]).ok();
        c.named(&["up", "-d"]).ok().lacks("Recreated");
    }
}

/// Berth's own (issue 17, item 2): a missing external volume is found before anything is
/// made. v2.40.3 creates the project's network and its own volumes first, then fails, and
/// leaves them behind.
#[test]
fn missing_external_volume_makes_nothing() {
    let Some(tool) = tools().into_iter().next() else {
        return;
    };
    let c = Cli::new(
        &tool,
        "e2e-missing-external",
        &[(
            "compose.yaml",
            "services:\n  a:\n    image: berth-test/busybox\n    command: sleep 30\n    volumes: [own:/own, ext:/ext]\nvolumes:\n  own:\n  ext:\n    external: true\n    name: berth-no-such-external-volume\n",
        )],
    );
    let p = c.project.clone();
    c.named(&["up", "-d"]).fails(
        1,
        "external volume \"berth-no-such-external-volume\" not found",
    );
    let label = format!("label=com.docker.compose.project={p}");
    for kind in ["volume", "network"] {
        let (ok, out) = docker(&[kind, "ls", "-q", "--filter", &label]);
        assert!(ok);
        assert_eq!(out.trim(), "", "{kind}s were made");
    }
}
