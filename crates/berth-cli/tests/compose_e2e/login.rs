//! Not Go tests of their own: a registry that asks for a login (htpasswd), and the
//! credentials `docker login` keeps in the Docker CLI's `config.json` (under `DOCKER_CONFIG`).
//! Both tools send them when they pull a service's image, when the engine's BuildKit pulls a
//! base image for a build (through the session of the build, Berth's own when the build has
//! secrets), and when they push. Without them the registry refuses.

use crate::harness::common::registry::Registry;
use crate::harness::{docker, tools, Cli};

#[test]
fn stored_credentials_reach_pulls_builds_and_pushes() {
    let Some(reg) = Registry::start_with_login("berth", "s3cret") else {
        return;
    };
    let host = reg.host();
    let logins = tempfile::tempdir().expect("temp dir");
    let auth = {
        use base64::Engine as _;
        base64::engine::general_purpose::STANDARD.encode("berth:s3cret")
    };
    std::fs::write(
        logins.path().join("config.json"),
        format!("{{\"auths\": {{\"{host}\": {{\"auth\": \"{auth}\"}}}}}}"),
    )
    .expect("config.json");
    let base = format!("{host}/private/base:1");
    // The private base image, pushed with the Docker CLI and the same login.
    assert!(docker(&["tag", "berth-test/busybox", &base]).0);
    let pushed = std::process::Command::new("docker")
        .arg("--config")
        .arg(logins.path())
        .args(["push", &base])
        .output()
        .expect("docker push");
    assert!(pushed.status.success(), "docker push: {pushed:?}");
    let compose = format!(
        r#"
services:
  app:
    image: {base}
    command: "true"
  built:
    build:
      context: .
      dockerfile_inline: |
        FROM {base}
        RUN echo built > /built
  secret-built:
    build:
      context: .
      secrets: [s]
      dockerfile_inline: |
        FROM {base}
        RUN --mount=type=secret,id=s cat /run/secrets/s > /secret
secrets:
  s:
    environment: BERTH_TEST_SECRET
"#
    );
    for tool in tools() {
        let mut c = Cli::new(&tool, "e2e-login", &[("compose.yaml", &compose)]);
        c.env("BERTH_TEST_SECRET", "hello");
        let forget = || {
            let _ = docker(&["rmi", "-f", &base]);
        };
        // Without the login, the registry refuses.
        forget();
        let empty = tempfile::tempdir().expect("temp dir");
        c.env("DOCKER_CONFIG", &empty.path().display().to_string());
        c.named(&["pull", "app"])
            .fails(1, "no basic auth credentials");
        c.env("DOCKER_CONFIG", &logins.path().display().to_string());
        c.named(&["pull", "app"]).ok();
        for service in ["built", "secret-built"] {
            forget();
            c.named(&["build", "--no-cache", service]).ok();
        }
        let image = format!("{}-secret-built", c.project);
        let (_, secret) = docker(&["run", "--rm", &image, "cat", "/secret"]);
        assert_eq!(secret, "hello", "{}", tool.name);
        // A push with the login.
        let target = format!("{host}/{}/pushed:1", &tool.name[..1]);
        assert!(docker(&["tag", &image, &target]).0);
        let push = format!("services:\n  pushed:\n    image: {target}\n    build: .\n");
        std::fs::write(c.dir.path().join("push.yaml"), push).expect("push.yaml");
        c.with_file("push.yaml", &["push"]).ok();
        let _ = docker(&[
            "rmi",
            "-f",
            &target,
            &image,
            &format!("{}-built", c.project),
        ]);
    }
    let _ = docker(&["rmi", "-f", &base]);
}
