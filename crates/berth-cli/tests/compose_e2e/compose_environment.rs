//! `pkg/e2e/compose_environment_test.go`: which source wins for a container's variable (the
//! `run -e` value, the shell, `--env-file`, `COMPOSE_ENV_FILES`, `.env`, `environment`,
//! `env_file`, the image's `ENV`), interpolation defaults from `.env`, comments in env files,
//! and a variable declared without a value. The images print with `echo` and `env`: the
//! test image's busybox has no `printenv`.

use crate::harness::{docker, tools, Cli};

const PRIORITY_DOCKERFILE: &str =
    "FROM berth-test/busybox\nENV WHEREAMI=Dockerfile\nCMD [\"sh\", \"-c\", \"echo $WHEREAMI\"]\n";

fn priority(tool: &crate::harness::Tool) -> Cli {
    let mut c = Cli::new(
        tool,
        "env-priority",
        &[
            ("Dockerfile", PRIORITY_DOCKERFILE),
            (
                "compose.yaml",
                "services:\n  env-compose-priority:\n    image: ${IMG}\n",
            ),
            (
                "compose-with-env.yaml",
                "services:\n  env-compose-priority:\n    image: ${IMG}\n    build:\n      context: .\n    environment:\n      WHEREAMI: \"Compose File\"\n",
            ),
            (
                "compose-with-env-file.yaml",
                "services:\n  env-compose-priority:\n    image: ${IMG}\n    build:\n      context: .\n    env_file:\n      - .env.override\n",
            ),
            (".env", "WHEREAMI=Env File\n"),
            (".env.override", "WHEREAMI=override\n"),
            (
                ".env.override.with.default",
                "WHEREAMI=${WHEREAMI:-EnvFileDefaultValue}\n",
            ),
            (".env.empty", ""),
        ],
    );
    let image = format!("{}-env-compose-priority", c.project);
    c.env("IMG", &image);
    c
}

/// One run of TestEnvPriority: the file, the flags before `run`, the `-e` flags, the shell's
/// `WHEREAMI`, and what the container must print.
type Case<'a> = (
    &'a str,
    &'a [&'a str],
    &'a [&'a str],
    Option<&'a str>,
    &'a str,
);

/// What `run --rm -e …` printed, for the file and flags given.
fn whereami(c: &Cli, file: &str, before: &[&str], env: &[&str]) -> String {
    let mut args = vec!["-f", file];
    args.extend_from_slice(before);
    args.extend(["run", "--rm"]);
    args.extend_from_slice(env);
    args.push("env-compose-priority");
    c.named(&args).ok().stdout.trim().to_string()
}

/// TestEnvPriority
#[test]
fn test_env_priority() {
    for tool in tools() {
        let mut c = priority(&tool);
        let image = format!("{}-env-compose-priority", c.project);
        let _ = docker(&["rmi", &image]);
        c.named(&["-f", "compose-with-env.yaml", "up", "-d", "--build"])
            .ok();
        let over = ["--env-file", ".env.override"];
        let with_default = ["--env-file", ".env.override.with.default"];
        let cases: Vec<Case> = vec![
            // compose file priority: the shell, through -e KEY
            (
                "compose-with-env.yaml",
                &over,
                &["-e", "WHEREAMI"],
                Some("shell"),
                "shell",
            ),
            // compose file priority: -e KEY=VALUE
            (
                "compose-with-env.yaml",
                &over,
                &["-e", "WHEREAMI=shell"],
                None,
                "shell",
            ),
            // shell priority
            (
                "compose.yaml",
                &over,
                &["-e", "WHEREAMI"],
                Some("shell"),
                "shell",
            ),
            // shell priority file with default value
            (
                "compose.yaml",
                &with_default,
                &["-e", "WHEREAMI"],
                Some("shell"),
                "shell",
            ),
            // shell priority implicitly set
            (
                "compose.yaml",
                &with_default,
                &["-e", "WHEREAMI"],
                None,
                "EnvFileDefaultValue",
            ),
            // shell priority from run command
            (
                "compose.yaml",
                &over,
                &["-e", "WHEREAMI=shell-run"],
                None,
                "shell-run",
            ),
            // override env file from compose
            (
                "compose-with-env-file.yaml",
                &[],
                &["-e", "WHEREAMI"],
                None,
                "Env File",
            ),
            // override env file
            ("compose.yaml", &over, &["-e", "WHEREAMI"], None, "override"),
            // env file
            ("compose.yaml", &[], &["-e", "WHEREAMI"], None, "Env File"),
            // use Dockerfile
            (
                "compose.yaml",
                &["--env-file", ".env.empty"],
                &["-e", "WHEREAMI"],
                None,
                "Dockerfile",
            ),
        ];
        for (file, before, env, shell, expected) in cases {
            match shell {
                Some(v) => c.env("WHEREAMI", v),
                None => c.unset_env("WHEREAMI"),
            }
            let got = whereami(&c, file, before, env);
            assert_eq!(got, expected, "{}: {file} {before:?} {env:?}", tool.name);
        }
        c.unset_env("WHEREAMI");
        // shell priority from COMPOSE_ENV_FILES variable
        c.env("COMPOSE_ENV_FILES", ".env.override.with.default");
        assert_eq!(
            whereami(&c, "compose.yaml", &[], &["-e", "WHEREAMI"]),
            "EnvFileDefaultValue",
            "{}",
            tool.name
        );
        c.named(&["down"]).ok();
        let _ = docker(&["rmi", &image]);
    }
}

/// TestEnvInterpolation
#[test]
fn test_env_interpolation() {
    for tool in tools() {
        let mut c = Cli::new(
            &tool,
            "env-interpolation",
            &[
                (
                    "compose.yaml",
                    "services:\n  env-interpolation:\n    image: busybox\n    environment:\n      IMAGE: ${IMAGE}\n",
                ),
                (".env", "WHEREAMI=Env File\nIMAGE=default_env:${WHEREAMI}\n"),
                (
                    "default/compose.yaml",
                    "services:\n  env-interpolation:\n    image: busybox\n    environment:\n      IMAGE: ${IMAGE}\n",
                ),
                (
                    "default/.env",
                    "IMAGE=default_env:${WHEREAMI:-EnvFileDefaultValue}\n",
                ),
            ],
        );
        c.env("WHEREAMI", "shell");
        c.run(&["config"]).ok().has("IMAGE: default_env:shell");
        c.unset_env("WHEREAMI");
        c.run(&["-f", "default/compose.yaml", "config"])
            .ok()
            .has("IMAGE: default_env:EnvFileDefaultValue");
    }
}

/// TestCommentsInEnvFile
#[test]
fn test_comments_in_env_file() {
    for tool in tools() {
        let mut c = Cli::new(
            &tool,
            "env-file-comments",
            &[
                (
                    "Dockerfile",
                    "FROM berth-test/busybox\nENV COMMENT=Dockerfile\nENV NO_COMMENT=Dockerfile\nCMD [\"env\"]\n",
                ),
                (
                    "compose.yaml",
                    "services:\n  env-file-comments:\n    build:\n      context: .\n    image: ${IMG}\n",
                ),
                (".env", "COMMENT=1234 # comment\nNO_COMMENT=\"1234#5\"\n"),
            ],
        );
        let image = format!("{}-env-file-comments", c.project);
        c.env("IMG", &image);
        c.named(&["up", "-d", "--build"]).ok();
        let res = c
            .named(&[
                "run",
                "--rm",
                "-e",
                "COMMENT",
                "-e",
                "NO_COMMENT",
                "env-file-comments",
            ])
            .ok();
        res.has("COMMENT=1234\n");
        res.has("NO_COMMENT=1234#5");
        c.named(&["down", "--rmi", "all"]).ok();
    }
}

/// TestUnsetEnv
#[test]
fn test_unset_env() {
    for tool in tools() {
        let mut c = Cli::new(
            &tool,
            "empty-variable",
            &[
                (
                    "Dockerfile",
                    "FROM berth-test/busybox\nENV EMPTY=not_empty\nCMD [\"sh\", \"-c\", \"echo \\\"=$EMPTY=\\\"\"]\n",
                ),
                (
                    "compose.yaml",
                    "services:\n  empty-variable:\n    build:\n      context: .\n    image: ${IMG}\n    environment:\n      - EMPTY # expect to propagate value from user's env OR unset in container\n",
                ),
            ],
        );
        let image = format!("{}-empty-variable", c.project);
        c.env("IMG", &image);
        c.named(&["build"]).ok();
        c.named(&["run", "-e", "EMPTY=hello", "--rm", "empty-variable"])
            .ok()
            .has("=hello=");
        c.named(&["run", "--rm", "empty-variable"]).ok().has("==");
        c.named(&["down", "--rmi", "all"]).ok();
    }
}
