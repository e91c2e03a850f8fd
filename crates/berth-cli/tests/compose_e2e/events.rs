//! `pkg/e2e/events_test.go`: `events` of a service the project does not have fails at once.
//! Docker Compose v2.40.3 instead waits for events forever (the Go test came with the fix,
//! after that release; measured: still running after 10 s), so this runs with Berth only.

use crate::harness::{tools, Cli};

/// TestEventsUnknownService
#[test]
fn test_events_unknown_service() {
    let Some(tool) = tools().into_iter().next() else {
        return;
    };
    let c = Cli::new(
        &tool,
        "e2e-events-unknown",
        &[(
            "compose.yaml",
            "services:\n  simple:\n    image: berth-test/busybox\n",
        )],
    );
    c.with_file("compose.yaml", &["events", "not-a-service"])
        .fails(1, "no such service: not-a-service");
}
