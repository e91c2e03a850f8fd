//! providers_test.go: `TestDependsOnMultipleProviders`, with a provider of the test's own (a
//! shell script standing for the Go suite's `example-provider`: it says what it prepares and
//! sets `URL`), and the refusals Docker Compose words for a provider that is missing, lacks a
//! required option, or fails.

use crate::harness::{tools, Cli};

/// Answers `compose metadata` with nothing (every option is then passed), and `compose …
/// up --name=N … SERVICE` with an info message and `URL=https://magic.cloud/N`.
const EXAMPLE: &str = r#"#!/bin/sh
[ "$2" = metadata ] && exit 1
name=""
for a in "$@"; do
  case "$a" in --name=*) name=${a#--name=} ;; esac
done
echo '{"type":"info","message":"preparing '"$name"'"}'
echo '{"type":"debug","message":"not shown"}'
echo '{"type":"setenv","message":"URL=https://magic.cloud/'"$name"'"}'
"#;

/// Describes one required option, `name`.
const STRICT: &str = r#"#!/bin/sh
if [ "$2" = metadata ]; then
  echo '{"description":"strict","up":{"parameters":[{"name":"name","required":true,"type":"string"}]},"down":{"parameters":[]}}'
  exit 0
fi
exit 3
"#;

const MULTIPLE: &str = r"
services:
  test:
    image: berth-test/busybox
    command: env
    depends_on:
      - provider1
      - provider2
  provider1:
    provider:
      type: example-provider
      options:
        name: provider1
        type: test1
  provider2:
    provider:
      type: example-provider
      options:
        name: provider2
        type: test2
";

/// The scenario's folder with the providers in it, on `PATH`.
fn with_providers(tool: &crate::harness::Tool, base: &str, files: &[(&str, &str)]) -> Cli {
    let mut all = vec![
        ("bin/example-provider", EXAMPLE),
        ("bin/strict-provider", STRICT),
    ];
    all.extend_from_slice(files);
    let mut c = Cli::new(tool, base, &all);
    let bin = c.dir.path().join("bin");
    for name in ["example-provider", "strict-provider"] {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(bin.join(name), std::fs::Permissions::from_mode(0o755))
            .expect("chmod");
    }
    let path = format!(
        "{}:{}",
        std::env::var("PATH").unwrap_or_default(),
        bin.display()
    );
    c.env("PATH", &path);
    c
}

#[test]
fn test_depends_on_multiple_providers() {
    for tool in tools() {
        let c = with_providers(
            &tool,
            "depends-on-multiple-providers",
            &[("compose.yaml", MULTIPLE)],
        );
        let res = c.with_file("compose.yaml", &["up"]).ok();
        let env: Vec<&str> = res
            .stdout
            .lines()
            .filter_map(|l| l.strip_prefix("test-1  | "))
            .collect();
        assert!(
            env.contains(&"PROVIDER1_URL=https://magic.cloud/provider1"),
            "{}: {env:?}",
            tool.name
        );
        assert!(
            env.contains(&"PROVIDER2_URL=https://magic.cloud/provider2"),
            "{}: {env:?}",
            tool.name
        );
        // The provider's progress, as the reference shows it.
        res.has(" provider1  preparing provider1");
        res.has(" provider2  Created");
        res.lacks("not shown");
        c.named(&["down"]).ok();
    }
}

#[test]
fn providers_that_cannot_run_fail_as_the_reference_says() {
    for tool in tools() {
        let c = with_providers(
            &tool,
            "e2e-provider-errors",
            &[
                (
                    "missing.yaml",
                    "services:\n  p:\n    provider:\n      type: no-such-provider\n",
                ),
                (
                    "strict.yaml",
                    "services:\n  p:\n    provider:\n      type: strict-provider\n      options:\n        other: x\n",
                ),
                (
                    "failing.yaml",
                    "services:\n  p:\n    provider:\n      type: strict-provider\n      options:\n        name: x\n",
                ),
            ],
        );
        c.with_file("missing.yaml", &["up", "-d"]).fails(
            1,
            "exec: \"no-such-provider\": executable file not found in $PATH",
        );
        c.with_file("strict.yaml", &["up", "-d"]).fails(
            1,
            "required parameter \"name\" is missing from provider \"strict-provider\" definition",
        );
        let res = c.with_file("failing.yaml", &["up", "-d"]);
        res.fails(1, "failed to create service provider: exit status 3");
        res.has(" p  exit status 3");
    }
}
