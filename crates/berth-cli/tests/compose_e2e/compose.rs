//! `pkg/e2e/compose_test.go`: a project's whole life (`up`, `ps`, `top`, labels, health,
//! `images`, `down SERVICE`, `down`), `rm --stop`, `--compatibility` names, attached `up
//! SERVICE` with `--attach-dependencies`, `down --remove-orphans SERVICE`, the compose file
//! named by `.env`, `--project-directory` or `--env-file`, nested `.env` files, and external
//! networks only the selected services need.

use crate::harness::{docker, tools, Cli};

const SENTENCES: &str = r#"
services:
  db:
    image: berth-test/busybox
    init: true
    command: sleep infinity
  words:
    image: berth-test/busybox
    init: true
    command: sh -c "exec sleep 3600"
  web:
    image: berth-test/busybox
    init: true
    command: sleep infinity
    labels:
      my-label: test
    healthcheck:
      test: ["CMD", "true"]
      interval: 1s
"#;

const SIMPLE: &str = r"
services:
  simple:
    image: berth-test/busybox
    init: true
    command: sleep infinity
  another:
    image: berth-test/busybox
    init: true
    command: sleep infinity
";

/// TestLocalComposeUp, on busybox stand-ins for the sentences images.
#[test]
fn test_local_compose_up() {
    for tool in tools() {
        let c = Cli::new(&tool, "compose-e2e-demo", &[("compose.yaml", SENTENCES)]);
        let p = c.project.clone();
        c.with_file("compose.yaml", &["up", "-d"]).ok();
        c.named(&["ps"]).ok().has("web");
        let (_, networks) = docker(&["network", "ls"]);
        assert!(networks.contains(&format!("{p}_default")), "{networks}");

        // top
        let top = c.named(&["top"]).ok().stdout;
        for h in ["UID", "PID", "PPID", "C", "STIME", "TTY", "TIME", "CMD"] {
            assert!(top.contains(h), "{}: {top}", tool.name);
        }
        assert!(top.contains("sleep 3600"), "{}: {top}", tool.name);

        // compose and user labels
        let (_, web) = docker(&["inspect", &format!("{p}-web-1")]);
        for label in [
            r#""com.docker.compose.container-number": "1""#.to_string(),
            format!(r#""com.docker.compose.project": "{p}""#),
            r#""com.docker.compose.oneoff": "False","#.to_string(),
            r#""com.docker.compose.config-hash":"#.to_string(),
            r#""com.docker.compose.project.config_files":"#.to_string(),
            r#""com.docker.compose.project.working_dir":"#.to_string(),
            r#""com.docker.compose.service": "web""#.to_string(),
            r#""com.docker.compose.version":"#.to_string(),
            r#""my-label": "test""#.to_string(),
        ] {
            assert!(web.contains(&label), "{}: {label} not in {web}", tool.name);
        }
        let (_, net) = docker(&["network", "inspect", &format!("{p}_default")]);
        for label in [
            r#""com.docker.compose.network": "default""#,
            r#""com.docker.compose.project": "#,
            r#""com.docker.compose.version": "#,
        ] {
            assert!(net.contains(label), "{}: {label} not in {net}", tool.name);
        }

        // healthcheck output
        c.eventually(&["-p", &p, "ps"], |r| r.stdout.contains("(healthy)"))
            .ok()
            .line_with(&[&format!("{p}-web-1"), "web", "(healthy)"]);

        // images
        let images = c.named(&["images"]).ok();
        for s in ["db", "web", "words"] {
            images.line_with(&[&format!("{p}-{s}-1"), "berth-test/busybox", "latest"]);
        }

        // down SERVICE
        c.named(&["down", "web"]).ok();
        let ps = c.named(&["ps"]).ok();
        ps.lacks(&format!("{p}-web-1"));
        ps.has(&format!("{p}-db-1"));

        c.named(&["down"]).ok();
        let (_, all) = docker(&["ps", "--all"]);
        assert!(!all.contains(&p), "{all}");
        let (_, networks) = docker(&["network", "ls"]);
        assert!(!networks.contains(&p), "{networks}");
    }
}

/// TestDownComposefileInParentFolder: a project found from `--project-directory` is taken
/// down by its name.
#[test]
fn test_down_composefile_in_parent_folder() {
    for tool in tools() {
        let c = Cli::new(
            &tool,
            "compose-parent-folder",
            &[("compose.yaml", SIMPLE), ("test-tmp-x/.keep", "")],
        );
        // The project is named after the folder; each tool gets its own folder.
        let folder = format!("test-tmp-{}", &tool.name[..1]);
        std::fs::create_dir_all(c.dir.path().join(&folder)).expect("folder");
        let res = c.run(&["--project-directory", &folder, "up", "-d"]).ok();
        res.has("Started");
        c.run(&["-p", &folder, "down"]).ok().has("Removed");
    }
}

/// TestInitContainer: a dependency that must complete runs (and prints) first.
#[test]
fn test_init_container() {
    for tool in tools() {
        let c = Cli::new(
            &tool,
            "init-container",
            &[(
                "compose.yaml",
                "services:\n  foo:\n    image: berth-test/busybox\n    command: \"echo hello\"\n  bar:\n    image: berth-test/busybox\n    command: \"echo world\"\n    depends_on:\n      foo:\n        condition: \"service_completed_successfully\"\n",
            )],
        );
        let out = c.named(&["--ansi=never", "up", "--menu=false"]).ok().stdout;
        let hello = out.find("foo-1  | hello");
        let world = out.find("bar-1  | world");
        assert!(
            matches!((hello, world), (Some(h), Some(w)) if h < w),
            "{}: {out}",
            tool.name
        );
    }
}

/// TestRm
#[test]
fn test_rm() {
    for tool in tools() {
        let c = Cli::new(&tool, "compose-e2e-rm", &[("compose.yaml", SIMPLE)]);
        let p = c.project.clone();
        let names = || docker(&["ps", "--all", "--format", "{{.Names}}"]).1;
        c.with_file("compose.yaml", &["up", "-d"]).ok();
        c.with_file("compose.yaml", &["rm", "--stop", "--force", "simple"])
            .ok()
            .has("Removed");
        let all = names();
        assert!(!all.contains(&format!("{p}-simple")), "{all}");
        assert!(all.contains(&format!("{p}-another")), "{all}");
        c.with_file("compose.yaml", &["up", "-d"]).ok();
        c.with_file("compose.yaml", &["rm", "--stop", "--force"])
            .ok();
        let all = names();
        assert!(!all.contains(&format!("{p}-simple")), "{all}");
        assert!(!all.contains(&format!("{p}-another")), "{all}");
    }
}

/// TestStopWithDependenciesAttached: attached `up foo --attach-dependencies` returns once
/// `foo` exits, its dependency running on. Regression: Berth waited for the dependency too,
/// and `up SERVICE` never returned while a dependency ran.
#[test]
fn test_stop_with_dependencies_attached() {
    for tool in tools() {
        let mut c = Cli::new(
            &tool,
            "compose-e2e-stop-with-deps",
            &[(
                "compose.yaml",
                "services:\n  foo:\n    image: berth-test/busybox\n    command: \"${COMMAND}\"\n    depends_on:\n      - bar\n  bar:\n    image: berth-test/busybox\n    init: true\n    command: sleep infinity\n    scale: 2\n",
            )],
        );
        c.env("COMMAND", "echo hello");
        c.with_file(
            "compose.yaml",
            &["up", "--attach-dependencies", "foo", "--menu=false"],
        )
        .ok()
        .has("exited with code 0");
        c.assert_state("bar", "running");
        c.with_file("compose.yaml", &["up", "foo", "--menu=false"])
            .ok()
            .has("foo-1 exited with code 0");
    }
}

/// TestRemoveOrphaned: `down --remove-orphans web` does not take the project's other
/// services for orphans.
#[test]
fn test_remove_orphaned() {
    for tool in tools() {
        let c = Cli::new(
            &tool,
            "compose-e2e-remove-orphaned",
            &[("compose.yaml", SENTENCES)],
        );
        c.with_file("compose.yaml", &["up", "-d"]).ok();
        c.with_file("compose.yaml", &["down", "--remove-orphans", "web"])
            .ok();
        c.with_file("compose.yaml", &["ps", "--format", "{{.Name}}"])
            .ok()
            .has(&format!("{}-words-1", c.project));
    }
}

const DOTENV_COMPOSE: &str =
    "services:\n  backend:\n    image: $IMAGE_NAME:$IMAGE_TAG\n  test:\n    profiles:\n      - test\n    image: enabled:profile\n";

fn dotenv(tool: &crate::harness::Tool) -> Cli {
    Cli::new(
        tool,
        "dotenv",
        &[
            (
                ".env",
                "COMPOSE_FILE=\"${COMPOSE_FILE:-development/compose.yaml}\"\nIMAGE_NAME=test\nIMAGE_TAG=latest\nCOMPOSE_PROFILES=test\n",
            ),
            ("development/compose.yaml", DOTENV_COMPOSE),
            (
                "development/.env",
                "IMAGE_NAME=\"${IMAGE_NAME:-backend}\"\nIMAGE_TAG=\"${IMAGE_TAG:-latest}\"\n",
            ),
        ],
    )
}

/// TestComposeFileSetByDotEnv, TestComposeFileSetByProjectDirectory and
/// TestComposeFileSetByEnvFile.
#[test]
fn test_compose_file_set_by_dot_env() {
    for tool in tools() {
        let c = dotenv(&tool);
        let res = c.run(&["config"]).ok();
        res.has("image: test:latest");
        res.has("image: enabled:profile");
        c.run(&["--project-directory", "development", "config"])
            .ok()
            .has("image: backend:latest");
        std::fs::write(
            c.dir.path().join("other.env"),
            "COMPOSE_FILE=development/compose.yaml\nIMAGE_NAME=test\nIMAGE_TAG=latest\nCOMPOSE_PROFILES=test\n",
        )
        .expect("env file");
        std::fs::remove_file(c.dir.path().join(".env")).expect("rm .env");
        let res = c.run(&["--env-file", "other.env", "config"]).ok();
        res.has("image: test:latest");
        res.has("image: enabled:profile");
    }
}

/// TestNestedDotEnv: run from a sub-folder without a compose file, the project found above
/// reads both `.env` files, the nearer one winning.
#[test]
fn test_nested_dot_env() {
    for tool in tools() {
        let c = Cli::new(
            &tool,
            "nested",
            &[
                (
                    "compose.yaml",
                    "services:\n  echo:\n    image: berth-test/busybox\n    command: echo $ROOT $SUB win=$WIN\n",
                ),
                (".env", "ROOT=root\nWIN=root"),
                ("sub/.env", "SUB=sub\nWIN=sub\n"),
            ],
        );
        let p = c.project.clone();
        c.run(&["-p", &p, "run", "--rm", "echo"])
            .ok()
            .has("root win=root");
        c.run_in(
            &c.dir.path().join("sub"),
            &["-p", &p, "run", "--rm", "echo"],
        )
        .ok()
        .has("root sub win=sub");
    }
}

/// TestUnnecessaryResources: a missing external network fails `up` of the service that uses
/// it, not of the one that does not.
#[test]
fn test_unnecessary_resources() {
    for tool in tools() {
        let c = Cli::new(
            &tool,
            "compose-e2e-unnecessary-resources",
            &[(
                "compose.yaml",
                "services:\n  test:\n    image: berth-test/busybox\n    command: \"true\"\n  other:\n    image: berth-test/busybox\n    networks:\n      test_network:\n        ipv4_address: 8.8.8.8\nnetworks:\n  test_network:\n    external: true\n    name: foo_bar\n",
            )],
        );
        c.with_file("compose.yaml", &["up", "-d"]).fails(
            1,
            "network foo_bar declared as external, but could not be found",
        );
        c.with_file("compose.yaml", &["up", "-d", "test"]).ok();
    }
}
