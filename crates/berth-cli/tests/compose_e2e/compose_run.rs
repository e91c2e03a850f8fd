//! `pkg/e2e/compose_run_test.go`: one-off containers: their names and labels, `--rm`,
//! `--volumes`, `--publish` and `--service-ports`, orphans (and `COMPOSE_IGNORE_ORPHANS`,
//! `COMPOSE_REMOVE_ORPHANS`), dependencies started or not (`--no-deps`, `required: false` on
//! a service of an inactive profile), `--env-from-file`, `--env`, and piped standard input
//! (no TTY unless asked for, which then fails).
//!
//! Left out: `--quiet-pull`, `--pull` and `COMPOSE_PROGRESS=quiet`, which pull from Docker Hub
//! (the pull flags have their own scenarios), and `run build` of a service whose Dockerfile
//! starts `FROM` another service's build (`additional_contexts: service:`), which needs named
//! build contexts that this engine's BuildKit lacks (both tools fail there: see
//! `build::additional_contexts_fail_as_the_engine_lacks_named_contexts`).

use crate::harness::{docker, tools, Cli};

const RUN_TEST: &str = r#"
services:
  back:
    image: berth-test/busybox
    command: echo "Hello there!!"
    depends_on:
      - db
    networks:
      - backnet
  db:
    image: berth-test/busybox
    init: true
    command: sleep infinity
    networks:
      - backnet
    volumes:
      - data:/test
  front:
    image: berth-test/busybox
    init: true
    command: sleep infinity
    networks:
      - frontnet
networks:
  frontnet:
  backnet:
volumes:
  data:
"#;

const DEPS: &str = r#"
services:
  service_a:
    image: berth-test/busybox
    command: echo "a"
    depends_on:
      - shared_dep
  service_b:
    image: berth-test/busybox
    command: echo "b"
    depends_on:
      - shared_dep
  shared_dep:
    image: berth-test/busybox
"#;

const NOT_REQUIRED: &str = r#"
services:
  foo:
    image: berth-test/busybox
    command: echo "foo"
    depends_on:
      bar:
        required: false
        condition: service_healthy
  bar:
    image: berth-test/busybox
    profiles: [not-required]
"#;

const PIPED: &str = r#"
services:
  piped-test:
    image: berth-test/busybox
    command: cat
  tty-test:
    image: berth-test/busybox
    command: sh -c "if [ -t 0 ]; then echo 'TTY detected'; else echo 'No TTY detected'; fi"
"#;

fn last_line(s: &str) -> &str {
    s.lines().last().unwrap_or_default()
}

fn all_containers() -> String {
    docker(&["ps", "--all"]).1
}

/// TestLocalComposeRun
#[test]
fn test_local_compose_run() {
    for (i, tool) in tools().into_iter().enumerate() {
        let port = 48_081 + 10 * i;
        let mut c = Cli::new(
            &tool,
            "run-test",
            &[
                ("compose.yaml", RUN_TEST),
                (
                    "ports.yaml",
                    &format!("services:\n  back:\n    image: berth-test/busybox\n    ports:\n      - 127.0.0.1:{}:80\n", port + 1),
                ),
                ("orphan.yaml", "services:\n  simple:\n    image: berth-test/busybox\n    command: echo \"Hi there!!\"\n"),
                ("deps.yaml", DEPS),
                ("deps-not-required.yaml", NOT_REQUIRED),
                ("run.env", "FOO=BAR\n"),
            ],
        );
        let p = c.project.clone();
        let run = |c: &Cli, file: &str, args: &[&str]| c.with_file(file, args);

        // compose run
        let res = run(&c, "compose.yaml", &["run", "back"]).ok();
        assert_eq!(last_line(&res.stdout), "Hello there!!", "{}", res.stdout);
        res.lacks("orphan");
        let res = run(
            &c,
            "compose.yaml",
            &["run", "back", "echo", "Hello one more time"],
        )
        .ok();
        assert_eq!(last_line(&res.stdout), "Hello one more time");
        res.has("orphan");

        // check run container exited
        let (_, ps) = docker(&["ps", "--all", "--format", "{{.Names}}\t{{.Status}}"]);
        let back: Vec<&str> = ps
            .lines()
            .filter_map(|l| l.split('\t').next())
            .filter(|n| n.starts_with(&format!("{p}-back")))
            .collect();
        assert!(!back.is_empty(), "{ps}");
        for name in &back {
            assert!(name.starts_with(&format!("{p}-back-run-")), "{name}");
        }
        assert!(
            ps.lines()
                .any(|l| l.starts_with(&format!("{p}-db-1\t")) && l.contains("Up")),
            "{ps}"
        );
        let slug = back[0].trim_start_matches(&format!("{p}-back-run-"));
        let (_, inspect) = docker(&["inspect", back[0]]);
        for needle in [
            r#" "Status": "exited""#.to_string(),
            format!(r#""com.docker.compose.project": "{p}""#),
            r#""com.docker.compose.oneoff": "True","#.to_string(),
            format!(r#""com.docker.compose.slug": "{slug}"#),
        ] {
            assert!(inspect.contains(&needle), "{}: {needle}", tool.name);
        }

        // compose run --rm
        let res = run(
            &c,
            "compose.yaml",
            &["run", "--rm", "back", "echo", "Hello again"],
        )
        .ok();
        assert_eq!(last_line(&res.stdout), "Hello again");
        assert!(all_containers().contains(&format!("{p}-back")));

        // down
        run(&c, "compose.yaml", &["down", "--remove-orphans"]).ok();
        assert!(!all_containers().contains(&p));

        // compose run --volumes
        let folder = format!("{}:/foo", c.dir.path().display());
        run(
            &c,
            "compose.yaml",
            &[
                "run",
                "--volumes",
                &folder,
                "back",
                "/bin/sh",
                "-c",
                "ls /foo",
            ],
        )
        .ok()
        .has("deps.yaml");

        // compose run --publish
        let publish = format!("127.0.0.1:{port}:80");
        run(
            &c,
            "ports.yaml",
            &[
                "run",
                "--publish",
                &publish,
                "-d",
                "back",
                "/bin/sh",
                "-c",
                "sleep 1",
            ],
        )
        .ok();
        let (_, ps) = docker(&["ps"]);
        assert!(ps.contains(&format!("{port}->80/tcp")), "{ps}");
        assert!(!ps.contains(&format!("{}->80/tcp", port + 1)), "{ps}");

        // compose run --service-ports
        run(
            &c,
            "ports.yaml",
            &[
                "run",
                "--service-ports",
                "-d",
                "back",
                "/bin/sh",
                "-c",
                "sleep 1",
            ],
        )
        .ok();
        let (_, ps) = docker(&["ps"]);
        assert!(ps.contains(&format!("{}->80/tcp", port + 1)), "{ps}");

        // compose run orphan
        run(&c, "orphan.yaml", &["run", "simple"]).ok();
        run(&c, "compose.yaml", &["run", "back", "echo", "Hello"])
            .ok()
            .has("orphan");
        c.env("COMPOSE_IGNORE_ORPHANS", "True");
        run(&c, "compose.yaml", &["run", "back", "echo", "Hello"])
            .ok()
            .lacks("orphan");

        // down with COMPOSE_REMOVE_ORPHANS
        c.env("COMPOSE_REMOVE_ORPHANS", "True");
        c.unset_env("COMPOSE_IGNORE_ORPHANS");
        run(&c, "compose.yaml", &["down"]).ok();
        c.unset_env("COMPOSE_REMOVE_ORPHANS");
        assert!(!all_containers().contains(&p), "{}", all_containers());

        // run starts only container and dependencies
        run(&c, "deps.yaml", &["up", "service_b", "--menu=false"]).ok();
        let res = run(&c, "deps.yaml", &["run", "service_a"]).ok();
        res.has("shared_dep");
        res.lacks("service_b");
        run(&c, "deps.yaml", &["down", "--remove-orphans"]).ok();

        // run without dependencies
        let res = run(&c, "deps.yaml", &["run", "--no-deps", "service_a"]).ok();
        res.lacks("shared_dep");
        res.lacks("service_b");
        run(&c, "deps.yaml", &["down", "--remove-orphans"]).ok();

        // run with not required dependency (of an inactive profile): it is left alone
        let res = run(&c, "deps-not-required.yaml", &["run", "foo"]).ok();
        res.has("foo");
        res.lacks("bar");
        run(&c, "deps-not-required.yaml", &["down", "--remove-orphans"]).ok();

        // compose run --env-from-file, --env
        run(
            &c,
            "compose.yaml",
            &["run", "--env-from-file", "run.env", "front", "env"],
        )
        .ok()
        .has("FOO=BAR");
        run(
            &c,
            "compose.yaml",
            &["run", "--env", "FOO=BAR", "front", "env"],
        )
        .ok()
        .has("FOO=BAR");
    }
}

/// TestComposeRunPipedInput
#[test]
fn test_compose_run_piped_input() {
    for tool in tools() {
        let c = Cli::new(&tool, "run-piped-test", &[("compose.yaml", PIPED)]);
        c.run_stdin(
            "piped-content\n",
            &["-p", &c.project, "run", "--rm", "piped-test"],
        )
        .ok()
        .has("piped-content");
        c.run_stdin("\n", &["-p", &c.project, "run", "--rm", "tty-test"])
            .ok()
            .has("No TTY detected");
        c.run_stdin(
            "test\n",
            &["-p", &c.project, "run", "--rm", "--tty", "piped-test"],
        )
        .fails(1, "the input device is not a TTY");
        c.run_stdin(
            "test\n",
            &[
                "-p",
                &c.project,
                "run",
                "--rm",
                "--no-TTY=false",
                "piped-test",
            ],
        )
        .fails(1, "the input device is not a TTY");
    }
}
