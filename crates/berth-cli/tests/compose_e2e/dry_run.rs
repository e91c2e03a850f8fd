//! `--dry-run` of every command that changes the engine: what it would do is reported, each
//! event marked ` DRY-RUN MODE - `, and the engine is left exactly as it was (containers and
//! their states, networks, volumes, images). The Go suite has no file of its own for it; the
//! outputs asserted here are the reference's, and each scenario runs with both tools, except
//! where noted.

use crate::harness::{docker, tools, Cli};

const APP: &str = r#"
services:
  db:
    image: berth-test/busybox
    init: true
    command: sleep 3600
    healthcheck:
      test: ["CMD", "true"]
      interval: 1s
    volumes: [data:/data]
  web:
    image: berth-test/busybox
    init: true
    command: sleep 3600
    depends_on:
      db: {condition: service_healthy}
volumes:
  data:
"#;

/// What the engine holds for project `p`: its containers with their states, its networks,
/// its volumes.
fn engine_state(p: &str) -> String {
    let label = format!("label=com.docker.compose.project={p}");
    let mut all = String::new();
    for args in [
        &[
            "ps",
            "-a",
            "--filter",
            &label,
            "--format",
            "{{.ID}} {{.Names}} {{.State}}",
        ][..],
        &["network", "ls", "-q", "--filter", &label][..],
        &["volume", "ls", "-q", "--filter", &label][..],
    ] {
        let (ok, out) = docker(args);
        assert!(ok, "docker {args:?}");
        let mut lines: Vec<&str> = out.lines().collect();
        lines.sort_unstable();
        all.push_str(&lines.join("\n"));
        all.push('\n');
    }
    all
}

fn event(kind: &str, name: &str, status: &str) -> String {
    format!("DRY-RUN MODE -  {kind} {name}  {status}")
}

#[test]
fn dry_run_of_up_on_an_empty_engine_creates_nothing() {
    for tool in tools() {
        let c = Cli::new(&tool, "e2e-dry-up", &[("compose.yaml", APP)]);
        let p = c.project.clone();
        let res = c.named(&["--dry-run", "up", "-d"]).ok();
        for (kind, name, status) in [
            ("Network", format!("{p}_default"), "Created"),
            ("Volume", format!("{p}_data"), "Created"),
            ("Container", format!("{p}-db-1"), "Created"),
            ("Container", format!("{p}-db-1"), "Started"),
            ("Container", format!("{p}-db-1"), "Healthy"),
            ("Container", format!("{p}-web-1"), "Started"),
        ] {
            res.has(&event(kind, &name, status));
        }
        assert_eq!(engine_state(&p), "\n\n\n", "{}", tool.name);
        // After the command, as a flag of its own.
        c.named(&["create", "--dry-run"]).ok().has(&event(
            "Container",
            &format!("{p}-web-1"),
            "Created",
        ));
        // Attached: the create phase only (newer Go suites' TestUpDryRunCreatesNothing),
        // nothing to attach to, said on stdout, and no failure.
        let res = c.named(&["--dry-run", "up", "--menu=false"]).ok();
        res.has(&event("Container", &format!("{p}-web-1"), "Created"));
        res.lacks(&event("Container", &format!("{p}-web-1"), "Start"));
        assert_eq!(
            res.stdout,
            "end of 'compose up' output, interactive run is not supported in dry-run mode\n",
            "{}",
            tool.name
        );
        c.named(&["--dry-run", "run", "--rm", "--no-deps", "web", "echo", "hi"])
            .fails(1, "interactive run is not supported in dry-run mode");
        assert_eq!(engine_state(&p), "\n\n\n", "{}", tool.name);
    }
}

#[test]
fn dry_run_leaves_a_running_project_as_it_was() {
    for tool in tools() {
        let c = Cli::new(&tool, "e2e-dry-run", &[("compose.yaml", APP)]);
        let p = c.project.clone();
        let (db, web) = (format!("{p}-db-1"), format!("{p}-web-1"));
        c.with_file("compose.yaml", &["up", "-d", "--wait"]).ok();
        let before = engine_state(&p);
        assert!(before.contains(&format!("{web} running")), "{before}");

        let res = c.named(&["--dry-run", "up", "-d", "--force-recreate"]).ok();
        res.has(&event("Container", &db, "Recreated"));
        res.has(&event("Container", &web, "Recreated"));
        let res = c.named(&["--dry-run", "stop"]).ok();
        res.has(&event("Container", &web, "Stopped"));
        res.has(&event("Container", &db, "Stopped"));
        c.named(&["--dry-run", "restart"])
            .ok()
            .has(&event("Container", &web, "Started"));
        c.named(&["--dry-run", "kill"])
            .ok()
            .has(&event("Container", &db, "Killed"));
        c.named(&["--dry-run", "pause"])
            .ok()
            .has(&event("Container", &web, "Paused"));
        let res = c.named(&["--dry-run", "rm", "-s", "-f", "web"]).ok();
        res.has(&format!("Going to remove {web}"));
        res.has(&event("Container", &web, "Removed"));
        c.named(&["--dry-run", "scale", "web=2"]).ok().has(&event(
            "Container",
            &format!("{p}-web-2"),
            "Started",
        ));
        let res = c.named(&["--dry-run", "down", "-v"]).ok();
        res.has(&event("Container", &web, "Removed"));
        res.has(&event("Container", &db, "Removed"));
        res.has(&event("Volume", &format!("{p}_data"), "Removed"));
        c.named(&["--dry-run", "exec", "-T", "web", "echo", "hi"])
            .fails(1, "interactive exec is not supported in dry-run mode");
        c.named(&["--dry-run", "exec", "-d", "web", "touch", "/dry"])
            .ok()
            .has("DRY-RUN MODE - Executing command [\"touch\" \"/dry\"]");
        c.named(&["--dry-run", "attach", "web"])
            .fails(1, "interactive run is not supported in dry-run mode");
        let image = format!("{p}-dry:1");
        let res = c.named(&["--dry-run", "commit", "web", &image]).ok();
        res.has(&format!("DRY-RUN MODE -  {web} Commit {web} Committed"));
        assert!(!docker(&["image", "inspect", &image]).0, "{}", tool.name);

        assert_eq!(engine_state(&p), before, "{}", tool.name);
        // The detached exec ran nothing.
        c.named(&["exec", "-T", "web", "test", "!", "-e", "/dry"])
            .ok();
        c.named(&["down", "-t", "0", "-v"]).ok();
    }
}

/// Berth's own: the reference's dry-run `cp` reads from a pipe its fake copy already closed
/// and fails (`Could not find the file  in container`); Berth reports the copy and makes
/// none, either way.
#[test]
fn dry_run_of_cp_copies_nothing() {
    let Some(tool) = tools().into_iter().next() else {
        return;
    };
    let c = Cli::new(
        &tool,
        "e2e-dry-cp",
        &[("compose.yaml", APP), ("note", "hi\n")],
    );
    let web = format!("{}-web-1", c.project);
    c.with_file("compose.yaml", &["up", "-d", "web"]).ok();
    c.named(&["--dry-run", "cp", "note", "web:/note"])
        .ok()
        .has(&format!(
            "DRY-RUN MODE -  {web} copy note to {web}:/note Copied"
        ));
    c.named(&["exec", "-T", "web", "test", "!", "-e", "/note"])
        .ok();
    let out = c.dir.path().join("hostname");
    c.named(&[
        "--dry-run",
        "cp",
        "web:/etc/hostname",
        out.to_str().expect("path"),
    ])
    .ok();
    assert!(!out.exists());
    c.named(&["down", "-t", "0", "-v"]).ok();
}

/// Berth's own words for a build (the reference's dry-run build goes through Bake, whose
/// output differs): the context is read, no image is made, and `up --build` goes on with the
/// image it would have.
#[test]
fn dry_run_of_build_makes_no_image() {
    let Some(tool) = tools().into_iter().next() else {
        return;
    };
    let c = Cli::new(
        &tool,
        "e2e-dry-build",
        &[
            (
                "compose.yaml",
                "services:\n  app:\n    build: ctx\n    command: sleep 3600\n",
            ),
            (
                "ctx/Dockerfile",
                "FROM berth-test/busybox\nRUN touch /built\n",
            ),
        ],
    );
    let p = c.project.clone();
    let image = format!("{p}-app");
    c.named(&["--dry-run", "build"])
        .ok()
        .has(&event("Service", "app", "Built"));
    assert!(!docker(&["image", "inspect", &image]).0);
    let res = c.named(&["--dry-run", "up", "-d", "--build"]).ok();
    res.has(&event("Container", &format!("{p}-app-1"), "Started"));
    assert!(!docker(&["image", "inspect", &image]).0);
    assert_eq!(engine_state(&p), "\n\n\n");
    // A missing context is still found.
    std::fs::remove_dir_all(c.dir.path().join("ctx")).expect("rm ctx");
    c.named(&["--dry-run", "build"]).fails(1, "ctx");
}
