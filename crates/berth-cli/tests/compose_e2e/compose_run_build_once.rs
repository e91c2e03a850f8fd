//! `pkg/e2e/compose_run_build_once_test.go`: `run --build` builds each `pull_policy: build`
//! service once, dependencies included (the Go test counts BuildKit's `naming to` lines; the
//! builders' outputs differ, so this counts each Dockerfile's `RUN` line, which both print
//! once per build).

use crate::harness::{tools, Cli};

const NESTED: &str = r#"
services:
  db:
    pull_policy: build
    build:
      dockerfile_inline: |
        FROM berth-test/busybox
        RUN echo "DB built at $(date)" > /db-build.txt
        CMD sleep 3600
  api:
    pull_policy: build
    build:
      dockerfile_inline: |
        FROM berth-test/busybox
        RUN echo "API built at $(date)" > /api-build.txt
        CMD sleep 3600
    depends_on:
      - db
  app:
    pull_policy: build
    build:
      dockerfile_inline: |
        FROM berth-test/busybox
        RUN echo "App built at $(date)" > /app-build.txt
        CMD echo "App running"
    depends_on:
      - api
"#;

/// TestRunBuildOnce ("nested dependencies build only once each").
#[test]
fn test_run_build_once() {
    for tool in tools() {
        let c = Cli::new(&tool, "build-nested", &[("compose.yaml", NESTED)]);
        c.named(&["down", "--rmi", "local", "--remove-orphans", "-v"])
            .ok();
        let res = c.named(&["run", "--build", "--rm", "app"]).ok();
        let out = res.combined();
        for marker in [
            "RUN echo \"DB built",
            "RUN echo \"API built",
            "RUN echo \"App built",
        ] {
            assert_eq!(
                out.matches(marker).count(),
                1,
                "{}: {marker} built more or less than once\n{out}",
                tool.name
            );
        }
        res.has("App running");
        c.named(&["down", "--rmi", "local", "--remove-orphans", "-v"])
            .ok();
    }
}
