//! build_test.go's flags that need no BuildKit instance: `--print` (the bake file, compared
//! between the two tools run in one folder), and what `--builder`, `--provenance`, `--sbom`
//! and `--ssh` say on an engine whose builder is not buildx. `--check` is Berth's own check
//! of contexts and Dockerfiles (the reference, without buildx, builds instead).

use crate::harness::{tools, Cli};

const COMPOSE: &str = r#"
services:
  a:
    image: example.test/a:1
    build:
      context: ctx
      target: t1
      args:
        X: "1"
      labels:
        l1: v1
      tags: ["example.test/a:extra"]
      cache_from: ["type=local,src=/tmp/c"]
      network: host
      platforms: ["linux/amd64"]
      shm_size: 64m
      extra_hosts: ["h:1.2.3.4"]
      additional_contexts:
        other: ./ctx
      secrets: [s1]
  b:
    build:
      context: .
      dockerfile_inline: |
        FROM berth-test/busybox
    depends_on: [a]
  plain:
    image: berth-test/busybox
secrets:
  s1:
    file: ./ctx/Dockerfile
"#;

/// The bake JSON with the group's targets sorted (the reference lists them in map order).
fn normalized(json: &str, what: &str) -> serde_json::Value {
    let mut v: serde_json::Value =
        serde_json::from_str(json).unwrap_or_else(|e| panic!("{what}: {e}\n{json}"));
    if let Some(t) = v["group"]["default"]["targets"].as_array_mut() {
        t.sort_by(|a, b| a.as_str().cmp(&b.as_str()));
    }
    v
}

#[test]
fn build_print() {
    let files = [
        ("compose.yaml", COMPOSE),
        ("ctx/Dockerfile", "FROM berth-test/busybox AS t1\n"),
    ];
    let mut shared: Option<std::path::PathBuf> = None;
    let mut outputs: Vec<Vec<serde_json::Value>> = Vec::new();
    let mut clis = Vec::new();
    for tool in tools() {
        let c = Cli::new(&tool, "e2e-build-print", &files);
        let dir = shared
            .get_or_insert_with(|| c.dir.path().to_path_buf())
            .clone();
        let mut mine = Vec::new();
        for extra in [
            vec![],
            vec!["b"],
            vec!["--no-cache", "--pull", "--build-arg", "Z=3", "--push", "a"],
        ] {
            let mut args = vec!["-p", "e2e-print", "build", "--print"];
            args.extend(extra);
            let res = c.run_in(&dir, &args).ok();
            mine.push(normalized(&res.stdout, &res.what));
        }
        outputs.push(mine);
        clis.push(c);
    }
    assert_eq!(outputs[0], outputs[1], "the bake files differ");
    let all = &outputs[0][0];
    assert_eq!(all["target"]["a"]["tags"][1], "example.test/a:1");
    assert_eq!(all["target"]["b"]["tags"][0], "e2e-print-b");
    assert!(all["target"].get("plain").is_none());
}

#[test]
fn build_flags_that_need_buildkit() {
    let files = [
        ("compose.yaml", "services:\n  s:\n    build: ctx\n"),
        ("ctx/Dockerfile", "FROM berth-test/busybox\n"),
    ];
    for tool in tools() {
        let mut c = Cli::new(&tool, "e2e-build-buildkit", &files);
        c.env("SSH_AUTH_SOCK", "");
        c.with_file("compose.yaml", &["build", "--builder", "nosuch"])
            .fails(1, "no builder \"nosuch\" found");
        for flag in ["--provenance", "--sbom"] {
            c.with_file("compose.yaml", &["build", flag, "true"])
                .fails(1, "Attestation is not supported for the docker driver.");
        }
        c.with_file("compose.yaml", &["build", "--ssh", "default"])
            .fails(
                1,
                "invalid empty ssh agent socket: make sure SSH_AUTH_SOCK is set",
            );
    }
}

/// Not in the Go suite: Berth's `--check` reads each build's Dockerfile and builds nothing.
#[test]
fn build_check_reads_the_dockerfiles_and_builds_nothing() {
    let tool = tools().remove(0);
    let c = Cli::new(
        &tool,
        "e2e-build-check",
        &[
            (
                "compose.yaml",
                "services:\n  good:\n    build: ok\n  bad:\n    build: nofrom\n  gone:\n    build: missing\n",
            ),
            ("ok/Dockerfile", "# syntax\nFROM berth-test/busybox\n"),
            ("nofrom/Dockerfile", "RUN true\n"),
        ],
    );
    let res = c.with_file("compose.yaml", &["build", "--check"]);
    res.fails(1, "service \"bad\": the Dockerfile has no FROM instruction");
    res.has("service \"gone\":");
    res.has("good Checked");
    c.with_file("compose.yaml", &["build", "--check", "good"])
        .ok()
        .has("good Checked");
    let images = std::process::Command::new("docker")
        .args(["images", "-q", &format!("{}-good", c.project)])
        .output()
        .expect("docker images");
    assert!(images.stdout.is_empty(), "--check built an image");
}
