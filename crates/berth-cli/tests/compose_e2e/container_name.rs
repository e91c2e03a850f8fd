//! `pkg/e2e/container_name_test.go`: two services claiming one `container_name` fail `up` of
//! the whole project, but each may run alone, the check applying to the services selected.

use crate::harness::{tools, Cli};

/// TestUpContainerNameConflict. The container name carries the tool's project name, so the
/// two runs never claim the same one.
#[test]
fn test_up_container_name_conflict() {
    for tool in tools() {
        let mut c = Cli::new(
            &tool,
            "e2e-container-name-conflict",
            &[(
                "compose.yaml",
                r"
services:
  test:
    image: berth-test/busybox
    container_name: ${NAME}
    command: /bin/true
  another_test:
    image: berth-test/busybox
    container_name: ${NAME}
    command: /bin/true
",
            )],
        );
        let name = format!("{}-test", c.project);
        c.env("NAME", &name);
        let res = c.with_file("compose.yaml", &["up"]);
        res.fails(1, &format!("container name \"{name}\" is already in use"));
        c.named(&["down"]).ok();
        c.with_file("compose.yaml", &["up", "test"]).ok();
        c.named(&["down"]).ok();
        c.with_file("compose.yaml", &["up", "another_test"]).ok();
    }
}
