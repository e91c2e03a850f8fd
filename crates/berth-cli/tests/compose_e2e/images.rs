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
