//! `pkg/e2e/secrets_test.go`: secrets read from a variable, with the target, owner and mode
//! asked for, and from the `env_file` of the `include` that declares them.

use crate::harness::{tools, Cli};

const COMPOSE: &str = r#"
include:
  - path: child/compose.yaml
    env_file:
      - secret.env

services:
  foo:
    image: berth-test/busybox
    secrets:
      - source: secret
        target: bar
        uid: "1005"
        gid: "1005"
        mode: 0440
    command: cat /run/secrets/bar

secrets:
  secret:
    environment: SECRET
"#;

const CHILD: &str = r"
services:
  included:
    image: berth-test/busybox
    secrets:
      - my-secret
    command: cat /run/secrets/my-secret

secrets:
  my-secret:
    environment: 'MY_SECRET'
";

fn cli(tool: &crate::harness::Tool, name: &str) -> Cli {
    Cli::new(
        tool,
        name,
        &[
            ("compose.yaml", COMPOSE),
            ("child/compose.yaml", CHILD),
            ("secret.env", "MY_SECRET='this-is-secret'\n"),
        ],
    )
}

/// TestSecretFromEnv. The Go test lists `/var/run/secrets/bar`, a link to `/run` on Alpine;
/// busybox's root file system has no such link, so the secret is listed where it is.
#[test]
fn test_secret_from_env() {
    for tool in tools() {
        let mut c = cli(&tool, "env-secret");
        c.env("SECRET", "BAR");
        c.with_file("compose.yaml", &["run", "foo"]).ok().has("BAR");
        c.with_file(
            "compose.yaml",
            &["run", "foo", "ls", "-al", "/run/secrets/bar"],
        )
        .ok()
        .has("-r--r-----    1 1005     1005");
    }
}

/// TestSecretFromInclude: the variable is only in the include's `env_file`
/// (docker/compose#12632).
#[test]
fn test_secret_from_include() {
    for tool in tools() {
        let c = cli(&tool, "env-secret-include");
        c.with_file("compose.yaml", &["run", "included"])
            .ok()
            .has("this-is-secret");
    }
}
