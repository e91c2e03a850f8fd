//! publish_test.go: `TestPublishChecks` (the questions and refusals, all with `--dry-run`)
//! and `TestPublish` (a real publication, here to an HTTPS registry on 127.0.0.1, whose
//! manifest is compared between the two tools).
//!
//! In v2.40.3 the questions read their answer from a piped stdin, and a "no" ends the command
//! with status 0; `-y` skips them (and the environment check) altogether.

use crate::harness::common::registry::Registry;
use crate::harness::{tools, Cli};

const ENVIRONMENT: &str =
    "services:\n  serviceA:\n    image: berth-test/busybox\n    environment:\n      FOO: bar\n";
const ENV_FILE: &str =
    "services:\n  serviceA:\n    image: berth-test/busybox\n    env_file: publish.env\n";
const MULTI: &str = r"
services:
  serviceA:
    image: berth-test/busybox
    environment:
      FOO: bar
  serviceB:
    image: berth-test/busybox
    env_file: publish.env
    environment:
      - BAR=baz
    configs: [quix]
configs:
  quix:
    environment: QUIX
";
const BIND: &str = "services:\n  serviceA:\n    image: berth-test/busybox\n    volumes:\n      - ./data:/user-data\n";
const BUILD_ONLY: &str =
    "services:\n  serviceA:\n    build: .\n  serviceB:\n    build:\n      context: .\n";
const LOCAL_INCLUDE: &str =
    "include:\n  - inc.yml\nservices:\n  app:\n    image: berth-test/busybox\n";
const EXTENDS: &str =
    "services:\n  app:\n    extends:\n      file: base.yml\n      service: base\n";
const SENSITIVE: &str = r#"
services:
  serviceA:
    image: berth-test/busybox
    environment:
      AWS_ACCESS_KEY_ID: A3TX1234567890ABCDEF
      AWS_SECRET_ACCESS_KEY: aws"12345+67890/abcdefghijklm+NOPQRSTUVWXYZ+"
  serviceB:
    image: berth-test/busybox
    env_file: secrets.env
    secrets: [key]
secrets:
  key:
    file: key.pem
"#;

fn fixtures() -> Vec<(&'static str, &'static str)> {
    vec![
        ("compose-environment.yml", ENVIRONMENT),
        ("compose-env-file.yml", ENV_FILE),
        ("compose-multi-env-config.yml", MULTI),
        ("compose-bind-mount.yml", BIND),
        ("compose-build-only.yml", BUILD_ONLY),
        ("compose-local-include.yml", LOCAL_INCLUDE),
        ("compose-with-extends.yml", EXTENDS),
        ("compose-sensitive.yml", SENSITIVE),
        ("publish.env", "FOO=bar\n"),
        (
            "inc.yml",
            "services:\n  inc:\n    image: berth-test/busybox\n",
        ),
        (
            "base.yml",
            "services:\n  base:\n    image: berth-test/busybox\n",
        ),
        (
            "secrets.env",
            "GITHUB_TOKEN=ghp_1234567890abcdefghijklmnopqrstuvwxyz\n",
        ),
        (
            "key.pem",
            "-----BEGIN DSA PRIVATE KEY-----\nwxyz+ABC=\n-----END DSA PRIVATE KEY-----\n",
        ),
    ]
}

#[test]
fn publish_checks() {
    for tool in tools() {
        let c = Cli::new(&tool, "e2e-publish-checks", &fixtures());
        let publish = |file: &str, extra: &[&str]| {
            let mut args = vec!["publish", "test/test"];
            args.extend_from_slice(extra);
            c.with_file(file, &args)
        };

        // publish error environment / env_file / multiple errors
        publish("compose-environment.yml", &[]).fails(
            1,
            "service \"serviceA\" has environment variable(s) declared.\nTo avoid leaking sensitive data,",
        );
        let res = publish("compose-env-file.yml", &[]);
        res.fails(1, "service \"serviceA\" has env_file declared.");
        res.has("service \"serviceA\" has environment variable(s) declared.");
        let res = publish("compose-multi-env-config.yml", &[]);
        res.fails(1, "service \"serviceB\" has env_file declared.");
        res.has("service \"serviceB\" has environment variable(s) declared.");
        res.has("service \"serviceA\" has environment variable(s) declared.");
        res.has("To avoid leaking sensitive data, you must either explicitly allow the sending of environment variables by using the --with-env flag,\nor remove sensitive data from your Compose configuration\n");

        // publish success environment / env_file
        for file in ["compose-environment.yml", "compose-env-file.yml"] {
            let res = publish(file, &["--with-env", "-y", "--dry-run"]).ok();
            res.has("test/test publishing");
            res.has("test/test published");
        }

        // publish approve / refuse validation message
        let args = [
            "-f",
            "compose-env-file.yml",
            "-p",
            c.project.as_str(),
            "publish",
            "test/test",
            "--with-env",
            "--dry-run",
        ];
        let res = c.run_stdin("y\n", &args).ok();
        res.has("Are you ok to publish these environment variables?");
        res.has("test/test published");
        let res = c.run_stdin("n\n", &args).ok();
        res.has("Are you ok to publish these environment variables?");
        res.lacks("test/test publishing");

        // publish with extends
        publish("compose-with-extends.yml", &["--dry-run"])
            .ok()
            .has("test/test published");

        // publish list env variables
        let res = c
            .run_stdin(
                "n\n",
                &[
                    "-f",
                    "compose-multi-env-config.yml",
                    "publish",
                    "test/test",
                    "--with-env",
                    "--dry-run",
                ],
            )
            .ok();
        res.has("you are about to publish environment variables within your OCI artifact.\nplease double check that you are not leaking sensitive data");
        res.has("Service/Config  serviceA\nFOO=bar");
        res.has("Service/Config  serviceB");
        res.has("BAR=baz");
        res.has("_quix=QUIX");
        res.lacks("publishing");

        // bind mounts: asked about (v2.40.3 no longer refuses them), the answer honoured
        let res = c
            .run_stdin(
                "n\n",
                &[
                    "-f",
                    "compose-bind-mount.yml",
                    "publish",
                    "test/test",
                    "--dry-run",
                ],
            )
            .ok();
        res.has("you are about to publish bind mounts declaration within your OCI artifact.");
        res.has(":/user-data:rw");
        res.has("Are you ok to publish these bind mount declarations?");
        res.lacks("test/test published");
        let res = c
            .run_stdin(
                "y\n",
                &[
                    "-f",
                    "compose-bind-mount.yml",
                    "publish",
                    "test/test",
                    "--dry-run",
                ],
            )
            .ok();
        res.has("test/test published");

        // refuse to publish with build section only
        let res = publish("compose-build-only.yml", &["--with-env", "-y", "--dry-run"]);
        res.fails(
            1,
            "your Compose stack cannot be published as it only contains a build section for service(s):",
        );
        res.has("\"serviceA\"");
        res.has("\"serviceB\"");

        // refuse to publish with local include
        publish("compose-local-include.yml", &["--dry-run"])
            .fails(1, "cannot publish compose file with local includes");

        // detect sensitive data
        let res = c
            .run_stdin(
                "n\n",
                &[
                    "-f",
                    "compose-sensitive.yml",
                    "publish",
                    "test/test",
                    "--with-env",
                    "--dry-run",
                ],
            )
            .ok();
        res.has("you are about to publish sensitive data within your OCI artifact.\n");
        res.has("please double check that you are not leaking sensitive data");
        res.has("AWS Client ID\n\"services.serviceA.environment.AWS_ACCESS_KEY_ID\": A3TX1234567890ABCDEF");
        res.has("AWS Secret Key\n\"services.serviceA.environment.AWS_SECRET_ACCESS_KEY\": aws\"12345+67890/abcdefghijklm+NOPQRSTUVWXYZ+\"");
        res.has(
            "Github authentication\n\"GITHUB_TOKEN\": ghp_1234567890abcdefghijklmnopqrstuvwxyz",
        );
        res.has("Private Key\n\"\": -----BEGIN DSA PRIVATE KEY-----\nwxyz+ABC=\n-----END DSA PRIVATE KEY-----");
        res.lacks("publishing");
    }
}

/// The manifest a tool published, with its creation time blanked.
fn manifest(reg: &Registry, repo: &str) -> String {
    let m = reg
        .get_as(
            &format!("/v2/{repo}/manifests/v1"),
            "application/vnd.oci.image.manifest.v1+json",
        )
        .unwrap_or_else(|| panic!("no manifest for {repo}"));
    let at = m
        .find("\"org.opencontainers.image.created\":\"")
        .expect("a creation time");
    m[..at].to_string()
}

#[test]
fn publish() {
    let Some(reg) = Registry::start_tls() else {
        return;
    };
    let ca = reg.ca();
    let files = [
        (
            "compose.yaml",
            "services:\n  app:\n    image: berth-test/busybox   # kept as written\n    env_file: app.env\n    environment:\n      HELLO: WORLD\n  web:\n    extends:\n      file: base.yml\n      service: base\n",
        ),
        ("compose-override.yaml", "services:\n  app:\n    env_file:\n      - path: app.env\n        required: false\n"),
        ("app.env", "FOO=bar\n# a comment\n"),
        ("base.yml", "services:\n  base:\n    image: berth-test/busybox\n"),
    ];
    // Both tools publish the same folder: the names of env and extended files are hashes of
    // their paths.
    let mut published = Vec::new();
    let mut shared: Option<std::path::PathBuf> = None;
    let mut clis = Vec::new();
    for tool in tools() {
        let t = &tool.name[..1];
        let mut c = Cli::new(&tool, "e2e-publish", &files);
        c.env("SSL_CERT_FILE", &ca.display().to_string());
        let dir = shared
            .get_or_insert_with(|| c.dir.path().to_path_buf())
            .clone();
        let host = reg.host();
        for (repo, extra) in [
            ("app", vec!["--with-env"]),
            ("old", vec!["--oci-version", "1.0"]),
        ] {
            let target = format!("{host}/{t}/{repo}:v1");
            let mut args = vec![
                "-f",
                "compose.yaml",
                "-f",
                "compose-override.yaml",
                "publish",
                &target,
                "-y",
            ];
            args.extend(extra);
            let res = c.run_in(&dir, &args).ok();
            res.has(&format!("{target} published"));
        }
        published.push((
            manifest(&reg, &format!("{t}/app")),
            manifest(&reg, &format!("{t}/old")),
        ));
        clis.push(c);
    }
    let (berth, reference) = (&published[0], &published[1]);
    assert_eq!(berth.0, reference.0, "the OCI 1.1 manifests differ");
    assert_eq!(berth.1, reference.1, "the OCI 1.0 manifests differ");
    // What the manifest holds: both files (env_file paths hashed), the extended file, the env
    // file (with --with-env only), and the artifact type of OCI 1.1 alone.
    assert!(berth
        .0
        .contains("\"artifactType\":\"application/vnd.docker.compose.project\""));
    assert!(berth
        .0
        .contains("\"com.docker.compose.file\":\"compose-override.yaml\""));
    assert!(berth.0.contains("\"com.docker.compose.extends\":\"true\""));
    assert!(berth.0.contains("application/vnd.docker.compose.envfile"));
    assert!(!berth.1.contains("artifactType"));
    assert!(!berth.1.contains("application/vnd.docker.compose.envfile"));
}

/// Not a Go scenario: Berth also publishes to a plain-HTTP registry on loopback (as the engine
/// pushes images there), where Docker Compose insists on HTTPS.
#[test]
fn publish_to_a_plain_http_loopback_registry() {
    let Some(reg) = Registry::start() else {
        return;
    };
    let Some(tool) = tools().into_iter().next() else {
        return;
    };
    let c = Cli::new(
        &tool,
        "e2e-publish-plain",
        &[(
            "compose.yaml",
            "services:\n  app:\n    image: berth-test/busybox\n",
        )],
    );
    let target = format!("{}/plain/app:v1", reg.host());
    c.run(&["publish", &target]).ok().has("published");
    let m = manifest(&reg, "plain/app");
    assert!(
        m.contains("\"com.docker.compose.file\":\"compose.yaml\""),
        "{m}"
    );
}

/// `sha256:HEX` of `text`, by coreutils' `sha256sum`.
fn sha256(text: &str) -> String {
    use std::io::Write as _;
    let mut child = std::process::Command::new("sha256sum")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("sha256sum");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(text.as_bytes())
        .expect("write");
    let out = child.wait_with_output().expect("sha256sum");
    let hex = String::from_utf8_lossy(&out.stdout);
    format!("sha256:{}", hex.split_whitespace().next().unwrap_or(""))
}

/// `publish --app`: the service's image is copied beside the artifact, by digest, and an index
/// whose subject is the artifact lists it; the image's digests are pinned in the artifact.
/// The registry is the HTTPS one (the reference's only), the image pushed there by the
/// engine, which takes loopback registries as insecure ones.
#[test]
fn publish_app() {
    let Some(reg) = Registry::start_tls() else {
        return;
    };
    let ca = reg.ca();
    let host = reg.host();
    let image = format!("{host}/base/img:1");
    assert!(crate::harness::docker(&["tag", "berth-test/busybox", &image]).0);
    let pushed = std::process::Command::new("docker")
        .args(["push", &image])
        .output()
        .expect("docker push");
    assert!(pushed.status.success(), "docker push {image}");
    let _ = crate::harness::docker(&["rmi", &image]);
    let accept = "application/vnd.oci.image.index.v1+json, application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.v2+json";
    let source = reg
        .get_as("/v2/base/img/manifests/1", accept)
        .expect("the image's manifest");
    let source_json: serde_json::Value = serde_json::from_str(&source).expect("manifest JSON");
    for tool in tools() {
        let t = &tool.name[..1];
        let mut c = Cli::new(
            &tool,
            "e2e-publish-app",
            &[(
                "compose.yaml",
                &format!("services:\n  app:\n    image: {image}\n"),
            )],
        );
        c.env("SSL_CERT_FILE", &ca.display().to_string());
        let target = format!("{host}/{t}/app:v1");
        c.run(&["publish", "--app", &target, "-y"])
            .ok()
            .has(&format!("{target} published"));
        // The artifact pins the image by digest.
        let artifact = reg
            .get_as(&format!("/v2/{t}/app/manifests/v1"), accept)
            .expect("the artifact");
        assert!(
            artifact.contains("\"com.docker.compose.file\":\"image-digests.yaml\""),
            "{}: {artifact}",
            tool.name
        );
        // The image, by digest, with its config and layers.
        let copied = reg
            .get_as(
                &format!("/v2/{t}/app/manifests/{}", sha256(&source)),
                accept,
            )
            .unwrap_or_else(|| panic!("{}: the image was not copied", tool.name));
        assert_eq!(copied, source, "{}", tool.name);
        for blob in std::iter::once(&source_json["config"])
            .chain(source_json["layers"].as_array().expect("layers"))
        {
            let digest = blob["digest"].as_str().expect("digest");
            assert!(
                reg.get(&format!("/v2/{t}/app/blobs/{digest}")).is_some(),
                "{}: blob {digest} missing",
                tool.name
            );
        }
        // The index, byte for byte as the reference marshals it.
        let media_type = source_json["mediaType"].as_str().expect("media type");
        let index = format!(
            concat!(
                r#"{{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[{{"mediaType":"{}","digest":"{}","size":{},"annotations":{{"containerd.io/distribution.source.127.0.0.1":"base/img"}}}}],"#,
                r#""subject":{{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"{}","size":{},"annotations":{{"com.docker.compose.version":"2.40.3"}},"artifactType":"application/vnd.docker.compose.project"}},"annotations":{{"com.docker.compose.version":"2.40.3"}}}}"#
            ),
            media_type,
            sha256(&source),
            source.len(),
            sha256(&artifact),
            artifact.len()
        );
        let pushed_index = reg
            .get_as(&format!("/v2/{t}/app/manifests/{}", sha256(&index)), accept)
            .unwrap_or_else(|| panic!("{}: no index {index}", tool.name));
        assert_eq!(pushed_index, index, "{}", tool.name);
    }
}
