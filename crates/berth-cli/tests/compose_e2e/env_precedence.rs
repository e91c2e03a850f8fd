//! `compose_environment_test.go`'s precedence for `run -e KEY` with no value (the shell, then
//! `--env-file`, `.env` or `COMPOSE_ENV_FILES`), and env files that only the services a command
//! acts on need: `up a` and `ps` work while `b`'s env file is missing, `config` does not.

use crate::harness::{tools, Cli};

const ECHO: &str = r#"
services:
  s:
    image: berth-test/busybox
    command: sh -c "echo [$$WHEREAMI]"
"#;

const MISSING: &str = r"
services:
  a:
    image: berth-test/busybox
    init: true
    command: sleep 300
  b:
    image: berth-test/busybox
    env_file: missing.env
";

#[test]
fn run_e_without_a_value_reads_the_project_environment() {
    for tool in tools() {
        let mut c = Cli::new(
            &tool,
            "e2e-env-priority",
            &[
                ("compose.yaml", ECHO),
                (".env", "WHEREAMI=dotenv\n"),
                ("other.env", "WHEREAMI=envfile\n"),
            ],
        );
        let run = |c: &Cli, extra: &[&str]| {
            let mut args: Vec<&str> = extra.to_vec();
            args.extend(["run", "--rm", "-e", "WHEREAMI", "s"]);
            c.with_file("compose.yaml", &args)
                .ok()
                .stdout
                .trim()
                .to_string()
        };
        assert_eq!(run(&c, &[]), "[dotenv]", "{}", tool.name);
        assert_eq!(
            run(&c, &["--env-file", "other.env"]),
            "[envfile]",
            "{}",
            tool.name
        );
        c.env("COMPOSE_ENV_FILES", "other.env");
        assert_eq!(run(&c, &[]), "[envfile]", "{}", tool.name);
        c.env("WHEREAMI", "shell");
        assert_eq!(run(&c, &[]), "[shell]", "{}", tool.name);
    }
}

#[test]
fn an_env_file_of_a_service_not_acted_on_may_be_missing() {
    for tool in tools() {
        let c = Cli::new(&tool, "e2e-env-missing", &[("compose.yaml", MISSING)]);
        let p = c.project.clone();
        c.with_file("compose.yaml", &["up", "-d", "a"]).ok();
        let res = c
            .with_file("compose.yaml", &["ps", "--format", "{{.Name}}"])
            .ok();
        assert_eq!(res.stdout, format!("{p}-a-1\n"), "{}", tool.name);
        c.with_file("compose.yaml", &["stop", "-t", "0", "a"]).ok();
        let res = c.with_file("compose.yaml", &["config", "a"]);
        assert_eq!(res.code, Some(1), "{}: {}", tool.name, res.combined());
        res.has("missing.env");
        let res = c.with_file("compose.yaml", &["up", "-d", "b"]);
        assert_eq!(res.code, Some(1), "{}: {}", tool.name, res.combined());
        res.has("missing.env");
        c.named(&["down", "-t", "0"]).ok();
    }
}
