//! `pkg/e2e/export_test.go` and `pkg/e2e/commit_test.go`: a service container's filesystem as
//! a tar archive, and as a new image, from the first replica or the one `--index` names.

use crate::harness::{docker, tools, Cli};

const COMPOSE: &str = r"
services:
  service:
    image: berth-test/busybox
    init: true
    command: sleep 3600
  service-with-replicas:
    image: berth-test/busybox
    init: true
    command: sleep 3600
    deploy:
      replicas: 3
";

/// `ServiceScale`: the service has `n` running containers.
fn running(c: &Cli, service: &str) -> usize {
    let res = c.named(&["ps", "--format", "{{.Service}} {{.State}}"]).ok();
    res.stdout
        .lines()
        .filter(|l| *l == format!("{service} running"))
        .count()
}

/// TestExport
#[test]
fn test_export() {
    for tool in tools() {
        let c = Cli::new(&tool, "e2e-export", &[("compose.yaml", COMPOSE)]);
        c.with_file("compose.yaml", &["up", "-d", "service"]).ok();
        assert_eq!(running(&c, "service"), 1, "{}", tool.name);
        let out = c.dir.path().join("service.tar");
        let out_s = out.to_string_lossy().into_owned();
        c.with_file("compose.yaml", &["export", "-o", &out_s, "service"])
            .ok();
        let (ok, listing) = docker(&[
            "run",
            "--rm",
            "-v",
            &format!("{out_s}:/x.tar"),
            "berth-test/busybox",
            "tar",
            "tf",
            "/x.tar",
        ]);
        assert!(
            ok && listing.contains("bin/busybox"),
            "{}: {listing}",
            tool.name
        );
        c.named(&["export", "-o", &out_s, "nosuch"])
            .fails(1, "service \"nosuch\" is not running");
    }
}

/// TestExportWithReplicas
#[test]
fn test_export_with_replicas() {
    for tool in tools() {
        let c = Cli::new(&tool, "e2e-export-replicas", &[("compose.yaml", COMPOSE)]);
        c.with_file("compose.yaml", &["up", "-d", "service-with-replicas"])
            .ok();
        assert_eq!(running(&c, "service-with-replicas"), 3, "{}", tool.name);
        for i in ["1", "2"] {
            let out = c.dir.path().join(format!("r{i}.tar"));
            let out_s = out.to_string_lossy().into_owned();
            c.with_file(
                "compose.yaml",
                &[
                    "export",
                    "-o",
                    &out_s,
                    &format!("--index={i}"),
                    "service-with-replicas",
                ],
            )
            .ok();
            assert!(out.metadata().is_ok_and(|m| m.len() > 0), "{}", tool.name);
        }
        c.named(&[
            "export",
            "-o",
            "x.tar",
            "--index=9",
            "service-with-replicas",
        ])
        .fails(1, "is not running container #9");
    }
}

/// TestCommit
#[test]
fn test_commit() {
    for tool in tools() {
        let c = Cli::new(&tool, "e2e-commit", &[("compose.yaml", COMPOSE)]);
        let image = format!("{}:latest", c.project);
        c.with_file("compose.yaml", &["up", "-d", "service"]).ok();
        assert_eq!(running(&c, "service"), 1, "{}", tool.name);
        c.with_file(
            "compose.yaml",
            &[
                "commit",
                "-a",
                "John Hannibal Smith <hannibal@a-team.com>",
                "-c",
                "ENV DEBUG=true",
                "-m",
                "sample commit",
                "service",
                &image,
            ],
        )
        .ok();
        let (ok, info) = docker(&[
            "image",
            "inspect",
            &image,
            "--format",
            "{{.Author}}|{{.Comment}}|{{.Config.Env}}",
        ]);
        assert!(ok, "{}: no image {image}", tool.name);
        assert!(
            info.contains("John Hannibal Smith"),
            "{}: {info}",
            tool.name
        );
        assert!(info.contains("sample commit"), "{}: {info}", tool.name);
        assert!(info.contains("DEBUG=true"), "{}: {info}", tool.name);
        docker(&["image", "rm", "-f", &image]);
    }
}

/// TestCommitWithReplicas
#[test]
fn test_commit_with_replicas() {
    for tool in tools() {
        let c = Cli::new(&tool, "e2e-commit-replicas", &[("compose.yaml", COMPOSE)]);
        c.with_file("compose.yaml", &["up", "-d", "service-with-replicas"])
            .ok();
        assert_eq!(running(&c, "service-with-replicas"), 3, "{}", tool.name);
        for i in ["1", "2"] {
            let image = format!("{}:{i}", c.project);
            c.with_file(
                "compose.yaml",
                &[
                    "commit",
                    "-m",
                    "sample commit",
                    &format!("--index={i}"),
                    "service-with-replicas",
                    &image,
                ],
            )
            .ok();
            assert!(
                docker(&["image", "inspect", &image]).0,
                "{}: {image}",
                tool.name
            );
            docker(&["image", "rm", "-f", &image]);
        }
    }
}
