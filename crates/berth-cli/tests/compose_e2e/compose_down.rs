//! `pkg/e2e/compose_down_test.go`: `down` of a project with nothing on the engine says so and
//! succeeds.

use crate::harness::{tools, Cli};

/// TestDown
#[test]
fn test_down() {
    for tool in tools() {
        let c = Cli::new(&tool, "e2e-down", &[]);
        let p = c.project.clone();
        // The reference's logger quotes the name again (`\"e2e-down-r\"`) off a terminal.
        let res = c.named(&["down"]).ok();
        res.has("No resource found to remove for project");
        res.has(&p);
    }
}
