//! `pkg/e2e/scale_test.go`: `scale` up and down, of one and of several services, to zero,
//! with and without `--no-deps`, in a project named by `COMPOSE_PROJECT_NAME` whose files are
//! found through `--project-directory`.

use crate::harness::{tools, Cli};

const SCALE: &str = r"
services:
  front:
    image: berth-test/busybox
    init: true
    command: sleep 300
    depends_on: [back]
  back:
    image: berth-test/busybox
    init: true
    command: sleep 300
    depends_on: [db]
  db:
    image: berth-test/busybox
    init: true
    command: sleep 300
  dbadmin:
    image: berth-test/busybox
    init: true
    command: sleep 300
    depends_on: [db]
";

/// `checkServiceContainer`: how many lines name a container of `name` with `state`.
fn count(out: &str, name: &str, state: &str) -> usize {
    out.lines()
        .filter(|l| l.contains(name) && l.contains(state))
        .count()
}

/// TestScaleBasicCases. The Go file's counts of `Started` and `Running` lines are not what
/// the reference v2.40.3 prints (it reports a kept replica `Running` and a new one `Started`);
/// the reference's are asserted.
#[test]
fn test_scale_basic_cases() {
    for tool in tools() {
        let mut c = Cli::new(&tool, "scale-basic-tests", &[("scale/compose.yaml", SCALE)]);
        let p = c.project.clone();
        c.env("COMPOSE_PROJECT_NAME", &p);
        let scale = |c: &Cli, args: &[&str]| {
            let mut all = vec!["--project-directory", "scale", "scale"];
            all.extend_from_slice(args);
            c.run(&all).ok()
        };
        c.run(&["--project-directory", "scale", "up", "-d"]).ok();

        // scale up one service
        let out = scale(&c, &["dbadmin=2"]).combined();
        let n = |svc: &str, state: &str| count(&out, &format!("{p}-{svc}-"), state);
        assert_eq!(
            (n("dbadmin", "Running"), n("dbadmin", "Started")),
            (1, 1),
            "{}: {out}",
            tool.name
        );

        // scale up 2 services
        let out = scale(&c, &["front=3", "back=2"]).combined();
        let n = |svc: &str, state: &str| count(&out, &format!("{p}-{svc}-"), state);
        assert_eq!(
            (n("front", "Running"), n("front", "Started")),
            (1, 2),
            "{}: {out}",
            tool.name
        );
        assert_eq!(
            (n("back", "Running"), n("back", "Started")),
            (1, 1),
            "{}: {out}",
            tool.name
        );

        // scale down one service
        let out = scale(&c, &["dbadmin=1"]).combined();
        assert_eq!(
            count(&out, &format!("{p}-dbadmin-"), "Running"),
            1,
            "{}: {out}",
            tool.name
        );

        // scale to 0 a service
        let res = scale(&c, &["dbadmin=0"]);
        assert_eq!(res.stdout, "", "{}", tool.name);

        // scale down 2 services
        let out = scale(&c, &["front=2", "back=1"]).combined();
        assert_eq!(
            count(&out, &format!("{p}-front-"), "Running"),
            2,
            "{}: {out}",
            tool.name
        );
        assert!(
            !out.contains(&format!("Container {p}-front-3  Running")),
            "{}: {out}",
            tool.name
        );
        assert_eq!(
            count(&out, &format!("{p}-back-"), "Running"),
            1,
            "{}: {out}",
            tool.name
        );
        c.run(&["down", "-t", "0"]).ok();
    }
}

/// TestScaleWithDepsCases
#[test]
fn test_scale_with_deps_cases() {
    for tool in tools() {
        let mut c = Cli::new(&tool, "scale-deps-tests", &[("scale/compose.yaml", SCALE)]);
        let p = c.project.clone();
        c.env("COMPOSE_PROJECT_NAME", &p);
        c.run(&[
            "--project-directory",
            "scale",
            "up",
            "-d",
            "--scale",
            "db=2",
        ])
        .ok();
        let ps = |c: &Cli| c.run(&["ps"]).ok().combined();
        assert_eq!(count(&ps(&c), &format!("{p}-db-"), ""), 2, "{}", tool.name);

        // scale up 1 service with --no-deps
        c.run(&[
            "--project-directory",
            "scale",
            "scale",
            "--no-deps",
            "back=2",
        ])
        .ok();
        let out = ps(&c);
        assert_eq!(
            count(&out, &format!("{p}-back-"), ""),
            2,
            "{}: {out}",
            tool.name
        );
        assert_eq!(
            count(&out, &format!("{p}-db-"), ""),
            2,
            "{}: {out}",
            tool.name
        );

        // scale up 1 service without --no-deps: its dependencies go back to their scale
        c.run(&["--project-directory", "scale", "scale", "back=2"])
            .ok();
        let out = ps(&c);
        assert_eq!(
            count(&out, &format!("{p}-back-"), ""),
            2,
            "{}: {out}",
            tool.name
        );
        assert_eq!(
            count(&out, &format!("{p}-db-"), ""),
            1,
            "{}: {out}",
            tool.name
        );
        c.run(&["down", "-t", "0"]).ok();
    }
}
