//! `push` and `build --push` against a real registry: Debian's `docker-registry` package,
//! started here on a free port of 127.0.0.1 with its storage in a temporary folder (the engine
//! pushes to loopback registries over plain HTTP).

use std::process::Command;

use crate::harness::common::registry::{free_port, Registry};
use crate::harness::{tools, Cli};

#[test]
fn push_and_build_push_send_the_built_images_to_the_registry() {
    let Some(reg) = Registry::start() else {
        return;
    };
    let host = format!("127.0.0.1:{}", reg.port);
    for tool in tools() {
        let t = &tool.name[..1];
        let compose = format!(
            r#"
services:
  built:
    build:
      context: ctx
      tags: ["{host}/berth-{t}/built:extra"]
    image: {host}/berth-{t}/built:1
  plain:
    image: berth-test/busybox
"#
        );
        let c = Cli::new(
            &tool,
            "e2e-push",
            &[
                ("compose.yaml", compose.as_str()),
                (
                    "ctx/Dockerfile",
                    "FROM berth-test/busybox\nRUN echo pushed > /p\n",
                ),
            ],
        );
        c.with_file("compose.yaml", &["build", "--push"]).ok();
        let tags = reg
            .get(&format!("/v2/berth-{t}/built/tags/list"))
            .unwrap_or_default();
        assert!(
            tags.contains("\"1\"") && tags.contains("\"extra\""),
            "{}: {tags}",
            tool.name
        );

        // push: again, quietly; the service that is not built is skipped.
        let res = c.with_file("compose.yaml", &["push"]).ok();
        res.has("plain Skipped");
        let res = c.with_file("compose.yaml", &["push", "-q"]).ok();
        res.lacks("Skipped");
        let catalog = reg.get("/v2/_catalog").unwrap_or_default();
        assert!(!catalog.contains("busybox"), "{}: {catalog}", tool.name);

        // A registry that does not answer: an error, or a warning with --ignore-push-failures.
        let closed = free_port();
        std::fs::write(
            c.dir.path().join("gone.yaml"),
            format!("services:\n  x:\n    build: ctx\n    image: 127.0.0.1:{closed}/nope:1\n"),
        )
        .unwrap();
        c.with_file("gone.yaml", &["build"]).ok();
        let res = c.with_file("gone.yaml", &["push"]);
        assert_eq!(res.code, Some(1), "{}: {}", tool.name, res.combined());
        res.has("connection refused");
        c.with_file("gone.yaml", &["push", "--ignore-push-failures"])
            .ok();
        for image in [
            format!("{host}/berth-{t}/built:1"),
            format!("{host}/berth-{t}/built:extra"),
            format!("127.0.0.1:{closed}/nope:1"),
        ] {
            let _ = Command::new("docker")
                .args(["image", "rm", "-f", &image])
                .output();
        }
    }
}
