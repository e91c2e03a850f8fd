//! `pkg/e2e/pull_test.go`: `pull` of the project's images, each once, skipping what has no
//! image to pull and, by `pull_policy: missing`, what is already present. The images come
//! from Debian's docker-registry on a loopback port instead of Docker Hub.

use crate::harness::common::registry::Registry;
use crate::harness::{docker, tools, Cli};

/// TestComposePull
#[test]
fn test_compose_pull() {
    let Some(reg) = Registry::start() else {
        return;
    };
    let image = format!("{}/berth-pull/simple:1", reg.host());
    assert!(docker(&["tag", "berth-test/busybox", &image]).0);
    assert!(docker(&["push", &image]).0, "push to the test registry");
    for tool in tools() {
        let c = Cli::new(
            &tool,
            "compose-pull",
            &[
                (
                    "duplicate/compose.yaml",
                    &format!("services:\n  simple:\n    image: {image}\n  another:\n    image: {image}\n"),
                ),
                (
                    "present/compose.yaml",
                    &format!("services:\n  simple:\n    image: {image}\n    pull_policy: missing\n    command: top\n"),
                ),
                (
                    "no-image/compose.yaml",
                    "services:\n  simple:\n    build: .\n",
                ),
                ("no-image/Dockerfile", "FROM berth-test/busybox\n"),
            ],
        );
        let p = c.project.clone();
        let pull = |dir: &str| c.run_in(&c.dir.path().join(dir), &["-p", &p, "pull"]).ok();

        // Verify a image is pulled once
        let _ = docker(&["rmi", &image]);
        let res = pull("duplicate");
        let out = res.combined();
        if out.contains("another Pulled") {
            res.has("Skipped - Image is already being pulled by another");
        } else {
            res.has("simple Pulled");
            res.has("Skipped - Image is already being pulled by simple");
        }
        assert!(docker(&["image", "inspect", &image]).0, "{}", tool.name);

        // Verify skipped pull if image is already present locally
        pull("present").has("simple Skipped - Image is already present locally");

        // Verify skipped no image to be pulled
        pull("no-image").has("Skipped - No image to be pulled");
    }
    let _ = docker(&["rmi", &image]);
}
