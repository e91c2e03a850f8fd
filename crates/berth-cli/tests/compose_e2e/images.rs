//! `pkg/e2e/images_test.go`: `images` of a project whose running container's image tag was
//! removed still succeeds and lists the container (docker/compose#14014).

use crate::harness::{docker, tools, Cli};

/// TestImagesAfterImageRemoved
#[test]
fn test_images_after_image_removed() {
    for tool in tools() {
        let mut c = Cli::new(
            &tool,
            "compose-e2e-images-removed",
            &[(
                "compose.yaml",
                "services:\n  app:\n    image: ${IMAGE}\n    init: true\n    command: sleep infinity\n",
            )],
        );
        let image = format!("{}:v1", c.project);
        c.env("IMAGE", &image);
        assert!(docker(&["tag", "berth-test/busybox", &image]).0);
        c.named(&["up", "-d"]).ok();
        docker(&["image", "rm", "-f", &image]);
        c.named(&["images"])
            .ok()
            .has(&format!("{}-app-1", c.project));
    }
}

/// Regression: with another tag of the same repository on the image (`x:1.0` beside
/// `x:latest`), Berth's `images` showed that tag; the container was created from `x`, which
/// is `x:latest`, as the reference shows.
#[test]
fn images_shows_the_tag_the_container_was_created_from() {
    for tool in tools() {
        let mut c = Cli::new(
            &tool,
            "e2e-images-tag",
            &[(
                "compose.yaml",
                "services:\n  app:\n    image: ${IMAGE}\n    init: true\n    command: sleep infinity\n",
            )],
        );
        let repo = format!("{}-img", c.project);
        for tag in ["1.0", "latest"] {
            assert!(docker(&["tag", "berth-test/busybox", &format!("{repo}:{tag}")]).0);
        }
        c.env("IMAGE", &repo);
        c.named(&["up", "-d"]).ok();
        c.named(&["images"])
            .ok()
            .line_with(&[&format!("{}-app-1", c.project), &repo, "latest"]);
        c.named(&["down", "-t", "0"]).ok();
        let _ = docker(&["rmi", &format!("{repo}:1.0"), &format!("{repo}:latest")]);
    }
}
