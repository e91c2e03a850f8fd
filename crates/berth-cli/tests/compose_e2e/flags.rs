//! The commands and flags the e2e scenarios use that had no scenario of their own here:
//! `ps --format/--filter/--no-trunc/--orphans`, `run --env-from-file/-q/-t/--pull/--build`,
//! `exec` into a `run -d` container, `scale`, `volumes`, `version` and `--dry-run` after the
//! command. Each runs with Berth and with the reference.

use crate::harness::{tools, Cli};

const APP: &str = r#"
services:
  web:
    image: berth-test/busybox
    init: true
    command: ["sh", "-c", "exec sleep 3600; echo a command longer than twenty characters"]
    volumes: [data:/data]
  worker:
    image: berth-test/busybox
    init: true
    command: sleep 3600
volumes:
  data:
"#;

const BUILT: &str = r"
services:
  app:
    build: ctx
    command: cat /greeting
";

#[test]
fn ps_formats_filters_and_truncation_match_the_reference() {
    for tool in tools() {
        let c = Cli::new(&tool, "e2e-ps-flags", &[("compose.yaml", APP)]);
        let p = c.project.clone();
        c.with_file("compose.yaml", &["up", "-d"]).ok();
        let res = c.named(&["ps", "--format", "{{.Name}}"]).ok();
        assert_eq!(
            res.stdout,
            format!("{p}-web-1\n{p}-worker-1\n"),
            "{}",
            tool.name
        );
        let res = c
            .named(&["ps", "--format", "table {{.Service}}\\t{{.State}}"])
            .ok();
        assert_eq!(
            res.stdout, "SERVICE   STATE\nweb       running\nworker    running\n",
            "{}",
            tool.name
        );
        let res = c
            .named(&["ps", "--format", "{{json .Publishers}} {{.Mounts}}", "web"])
            .ok();
        // Mount names are cut to 15 characters, as the Docker CLI's formatter cuts them.
        let cut: String = format!("{p}_data").chars().take(14).collect();
        assert_eq!(res.stdout, format!("[] {cut}…\n"), "{}", tool.name);
        c.named(&["ps", "--format", "{{.Nope}}"])
            .fails(1, "can't evaluate field Nope");

        c.named(&["stop", "-t", "0", "worker"]).ok();
        let res = c
            .named(&[
                "ps",
                "--filter",
                "status=exited",
                "--format",
                "{{.Service}}",
            ])
            .ok();
        assert_eq!(res.stdout, "worker\n", "{}", tool.name);
        c.named(&["ps", "--filter", "name=x"])
            .fails(1, "unknown filter name");
        c.named(&["ps", "--filter", "status"])
            .fails(1, "arguments to --filter should be in form KEY=VAL");

        c.named(&["ps"]).ok().lacks("longer than twenty");
        c.named(&["ps", "--no-trunc"])
            .ok()
            .has("longer than twenty characters");

        // --orphans=false hides the containers of services the files no longer declare.
        std::fs::write(
            c.dir.path().join("one.yaml"),
            APP.replace("  worker:\n    image: berth-test/busybox\n    init: true\n    command: sleep 3600\n", ""),
        )
        .unwrap();
        let res = c
            .with_file(
                "one.yaml",
                &["ps", "-a", "--orphans=false", "--format", "{{.Service}}"],
            )
            .ok();
        assert_eq!(res.stdout, "web\n", "{}", tool.name);
        let res = c
            .with_file("one.yaml", &["ps", "-a", "--format", "{{.Service}}"])
            .ok();
        assert_eq!(res.stdout, "web\nworker\n", "{}", tool.name);

        // --dry-run after the command, on one that only reads.
        c.named(&["ps", "--dry-run", "-q"]).ok();
        c.named(&["down", "-t", "0"]).ok();
    }
}

#[test]
fn run_flags_match_the_reference() {
    for tool in tools() {
        let c = Cli::new(
            &tool,
            "e2e-run-flags",
            &[
                ("compose.yaml", APP),
                ("vars.env", "A=1\n# a comment\nB=\"two words\"\n"),
                ("built.yaml", BUILT),
                (
                    "ctx/Dockerfile",
                    "FROM berth-test/busybox\nRUN echo built-here > /greeting\n",
                ),
            ],
        );
        let res = c
            .with_file(
                "compose.yaml",
                &[
                    "run",
                    "--rm",
                    "--env-from-file",
                    "vars.env",
                    "-e",
                    "B=override",
                    "worker",
                    "sh",
                    "-c",
                    "echo $A $B",
                ],
            )
            .ok();
        assert_eq!(res.stdout.trim_end(), "1 override", "{}", tool.name);
        c.with_file(
            "compose.yaml",
            &[
                "run",
                "--rm",
                "--env-from-file",
                "nope.env",
                "worker",
                "true",
            ],
        )
        .fails(1, "no such file or directory");
        // Standard input is no terminal here.
        c.with_file("compose.yaml", &["run", "--rm", "-t", "worker", "true"])
            .fails(1, "the input device is not a TTY");
        let res = c
            .with_file(
                "compose.yaml",
                &["run", "--rm", "-q", "worker", "echo", "quiet"],
            )
            .ok();
        assert_eq!(res.stdout, "quiet\n", "{}", tool.name);
        // --build builds the image first; --pull never with a missing image fails.
        let res = c
            .with_file("built.yaml", &["run", "--rm", "--build", "app"])
            .ok();
        assert!(
            res.stdout.contains("built-here"),
            "{}: {}",
            tool.name,
            res.combined()
        );
        let mut c2 = c;
        c2.env("NOPE_IMAGE", "1");
        std::fs::write(
            c2.dir.path().join("missing.yaml"),
            "services:\n  gone:\n    image: berth-test/no-such-image:never\n",
        )
        .unwrap();
        let res = c2.with_file("missing.yaml", &["run", "--rm", "--pull", "never", "gone"]);
        assert_ne!(res.code, Some(0), "{}: {}", tool.name, res.combined());

        // exec reaches a `run -d` container of a service with no other container.
        c2.with_file("compose.yaml", &["run", "-d", "worker", "sleep", "3600"])
            .ok();
        let res = c2.named(&["exec", "-T", "worker", "echo", "reached"]).ok();
        assert_eq!(res.stdout, "reached\n", "{}", tool.name);
        c2.named(&["exec", "-T", "--index", "2", "web", "true"])
            .fails(1, "is not running container #2");
        c2.named(&["down", "-t", "0", "--remove-orphans"]).ok();
        let _ = std::process::Command::new("docker")
            .args(["image", "rm", "-f", &format!("{}-app", c2.project)])
            .output();
    }
}

#[test]
fn scale_volumes_and_version_match_the_reference() {
    for tool in tools() {
        let c = Cli::new(&tool, "e2e-scale-volumes", &[("compose.yaml", APP)]);
        let p = c.project.clone();
        c.with_file("compose.yaml", &["up", "-d"]).ok();
        c.with_file("compose.yaml", &["scale", "worker=3"]).ok();
        let count = |c: &Cli| {
            c.named(&["ps", "--format", "{{.Service}}"])
                .ok()
                .stdout
                .lines()
                .filter(|l| *l == "worker")
                .count()
        };
        assert_eq!(count(&c), 3, "{}", tool.name);
        c.with_file("compose.yaml", &["scale", "--no-deps", "worker=1"])
            .ok();
        assert_eq!(count(&c), 1, "{}", tool.name);
        c.with_file("compose.yaml", &["scale", "worker"])
            .fails(1, "invalid scale specifier: worker");
        c.with_file("compose.yaml", &["scale", "worker=x"])
            .fails(1, "can't parse replica value as int");

        let res = c.named(&["volumes", "-q"]).ok();
        assert_eq!(res.stdout, format!("{p}_data\n"), "{}", tool.name);
        let res = c.named(&["volumes"]).ok();
        assert_eq!(
            res.stdout,
            format!("DRIVER    VOLUME NAME\nlocal     {p}_data\n"),
            "{}",
            tool.name
        );
        let res = c
            .named(&["volumes", "--format", "{{.Name}} {{.Driver}}"])
            .ok();
        assert_eq!(res.stdout, format!("{p}_data local\n"), "{}", tool.name);
        let res = c
            .with_file("compose.yaml", &["volumes", "-q", "worker"])
            .ok();
        assert_eq!(res.stdout, "", "{}", tool.name);
        let res = c.named(&["volumes", "--format", "json"]).ok();
        let v: serde_json::Value = serde_json::from_str(res.stdout.trim()).expect("volume JSON");
        assert_eq!(v["Name"], format!("{p}_data"), "{}", tool.name);
        assert_eq!(v["Driver"], "local", "{}", tool.name);

        assert_eq!(
            c.run(&["version", "--short"]).ok().stdout,
            "2.40.3\n",
            "{}",
            tool.name
        );
        c.run(&["version"])
            .ok()
            .has("Docker Compose version v2.40.3");
        let res = c.run(&["version", "--format", "json"]).ok();
        let v: serde_json::Value = serde_json::from_str(res.stdout.trim()).expect("version JSON");
        assert_eq!(v["version"], "v2.40.3", "{}", tool.name);
        c.named(&["down", "-t", "0", "-v"]).ok();
    }
}
