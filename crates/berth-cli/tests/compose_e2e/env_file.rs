//! `pkg/e2e/env_file_test.go`: an `env_file` of `format: raw` is passed as written, quotes
//! and all.

use crate::harness::{tools, Cli};

/// TestRawEnvFile
#[test]
fn test_raw_env_file() {
    for tool in tools() {
        let c = Cli::new(
            &tool,
            "e2e-raw-env-file",
            &[
                (
                    "raw.yaml",
                    "services:\n  test:\n    image: berth-test/busybox\n    command: sh -c \"echo $$TEST_VAR\"\n    env_file:\n      - path: .env.raw\n        format: raw # parse without interpolation\n",
                ),
                (".env.raw", "TEST_VAR='{\"key\": \"value\"}'"),
            ],
        );
        let res = c.with_file("raw.yaml", &["run", "test"]).ok();
        assert_eq!(res.stdout.trim(), r#"'{"key": "value"}'"#, "{}", tool.name);
    }
}
