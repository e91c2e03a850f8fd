//! `pkg/e2e/configs_test.go`: configs read from a file, a variable and inline content, at
//! their default place and at a `target`.

use crate::harness::{tools, Cli};

const COMPOSE: &str = r"
services:
  from_env:
    image: berth-test/busybox
    configs:
      - source: from_env
    command: cat /from_env
  from_file:
    image: berth-test/busybox
    configs:
      - source: from_file
    command: cat /from_file
  inlined:
    image: berth-test/busybox
    configs:
      - source: inlined
    command: cat /inlined
  target:
    image: berth-test/busybox
    configs:
      - source: inlined
        target: /target
    command: cat /target
configs:
  from_env:
    environment: CONFIG
  from_file:
    file: config.txt
  inlined:
    content: This is my $CONFIG
";

/// TestConfigFromEnv
#[test]
fn test_config_from_env() {
    for tool in tools() {
        let mut c = Cli::new(
            &tool,
            "e2e-configs",
            &[
                ("compose.yaml", COMPOSE),
                ("config.txt", "This is my config file\n"),
            ],
        );
        c.env("CONFIG", "config");
        for (service, expected) in [
            ("from_file", "This is my config file"),
            ("from_env", "config"),
            ("inlined", "This is my config"),
            ("target", "This is my config"),
        ] {
            c.named(&["run", service]).ok().has(expected);
        }
    }
}
