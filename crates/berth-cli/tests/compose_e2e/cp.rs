//! `pkg/e2e/cp_test.go`: `cp` to every replica by default, to one with `--index`, from the
//! first by default, and folders both ways.

use crate::harness::{docker_exec, tools, Cli};

const CP: &str = r"
services:
  nginx:
    image: berth-test/busybox
    init: true
    command: sleep 3600
";

/// TestCopy
#[test]
fn test_copy() {
    for tool in tools() {
        let c = Cli::new(
            &tool,
            "copy_e2e",
            &[
                ("compose.yaml", CP),
                ("cp-me.txt", "hello world"),
                ("cp-folder/cp-me.txt", "hello world from folder"),
            ],
        );
        let p = c.project.clone();
        // start service
        c.with_file("compose.yaml", &["up", "--scale", "nginx=5", "-d"])
            .ok();
        // make sure service is running
        c.run(&["-p", &p, "ps"]).ok().line_with(&["nginx", "Up"]);

        // copy to container copies the file to all the containers by default
        c.with_file(
            "compose.yaml",
            &["cp", "./cp-me.txt", "nginx:/tmp/default.txt"],
        )
        .ok();
        for n in 1..=3 {
            let (_, out) = docker_exec(&format!("{p}-nginx-{n}"), &["cat", "/tmp/default.txt"]);
            assert!(
                out.contains("hello world"),
                "{}: replica {n}: {out}",
                tool.name
            );
        }

        // copy to container with a given index copies the file to the given container
        c.with_file(
            "compose.yaml",
            &["cp", "--index=3", "./cp-me.txt", "nginx:/tmp/indexed.txt"],
        )
        .ok();
        let (_, out) = docker_exec(&format!("{p}-nginx-3"), &["cat", "/tmp/indexed.txt"]);
        assert!(out.contains("hello world"), "{}: {out}", tool.name);
        let (ok, _) = docker_exec(&format!("{p}-nginx-2"), &["cat", "/tmp/indexed.txt"]);
        assert!(!ok, "{}: replica 2 must not have the file", tool.name);

        // copy from a container copies the file to the host from the first container
        c.with_file(
            "compose.yaml",
            &["cp", "nginx:/tmp/default.txt", "./from-default.txt"],
        )
        .ok();
        let data = std::fs::read_to_string(c.dir.path().join("from-default.txt")).unwrap();
        assert_eq!(data, "hello world", "{}", tool.name);

        // copy from a container with a given index
        c.with_file(
            "compose.yaml",
            &[
                "cp",
                "--index=3",
                "nginx:/tmp/indexed.txt",
                "./from-indexed.txt",
            ],
        )
        .ok();
        let data = std::fs::read_to_string(c.dir.path().join("from-indexed.txt")).unwrap();
        assert_eq!(data, "hello world", "{}", tool.name);

        // copy to and from a container also work with folders
        c.with_file("compose.yaml", &["cp", "./cp-folder", "nginx:/tmp"])
            .ok();
        let (_, out) = docker_exec(
            &format!("{p}-nginx-1"),
            &["cat", "/tmp/cp-folder/cp-me.txt"],
        );
        assert!(
            out.contains("hello world from folder"),
            "{}: {out}",
            tool.name
        );
        c.with_file(
            "compose.yaml",
            &["cp", "nginx:/tmp/cp-folder", "./cp-folder2"],
        )
        .ok();
        let data = std::fs::read_to_string(c.dir.path().join("cp-folder2/cp-me.txt")).unwrap();
        assert_eq!(data, "hello world from folder", "{}", tool.name);

        // Errors: no direction, no such service, no such file.
        c.named(&["cp", "./a", "./b"])
            .fails(1, "unknown copy direction");
        c.named(&["cp", "nosuch:/a", "./b"])
            .fails(1, "no container found for service \"nosuch\"");
        c.named(&["cp", "nginx:/nope", "./b"])
            .fails(1, "Could not find the file /nope");
        c.named(&["down", "-t", "0"]).ok();
    }
}
