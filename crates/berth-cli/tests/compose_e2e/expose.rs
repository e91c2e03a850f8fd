//! `pkg/e2e/expose_test.go`: a port range in `expose` is accepted (docker/compose#13378), and
//! with Berth each of its ports is exposed.

use crate::harness::{tools, Cli};

/// TestExposeRange
#[test]
fn test_expose_range() {
    for tool in tools() {
        let c = Cli::new(
            &tool,
            "e2e-expose-range",
            &[(
                "compose.yaml",
                "services:\n  a:\n    image: berth-test/busybox\n    command: \"true\"\n    expose:\n      - \"8000-8010\"\n",
            )],
        );
        c.named(&["up"]).ok();
        // Docker Compose v2.40.3 hands the range to the engine as one key (`8000-8010`);
        // Berth exposes each port of it, as `docker run --expose 8000-8010` does.
        if tool.name != "berth" {
            continue;
        }
        let (_, ports) = crate::harness::docker(&[
            "inspect",
            &format!("{}-a-1", c.project),
            "--format",
            "{{json .Config.ExposedPorts}}",
        ]);
        assert!(
            ports.contains("\"8000/tcp\"") && ports.contains("\"8010/tcp\""),
            "{}: {ports}",
            tool.name
        );
    }
}
