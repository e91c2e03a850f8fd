//! build_test.go's flags that need no BuildKit instance: `--print` (the bake file, compared
//! between the two tools run in one folder), and what `--builder`, `--provenance`, `--sbom`
//! and `--ssh` (without an agent) say on an engine whose builder is not buildx. `--check` is Berth's own check
//! of contexts and Dockerfiles (the reference, without buildx, builds instead). And the
//! builder's scenarios: TestLocalComposeBuild and TestBuildTags, with the engine's BuildKit (and
//! a Dockerfile only BuildKit builds).

use crate::harness::{docker, tools, Cli, Tool};

const COMPOSE: &str = r#"
services:
  a:
    image: example.test/a:1
    build:
      context: ctx
      target: t1
      args:
        X: "1"
      labels:
        l1: v1
      tags: ["example.test/a:extra"]
      cache_from: ["type=local,src=/tmp/c"]
      network: host
      platforms: ["linux/amd64"]
      shm_size: 64m
      extra_hosts: ["h:1.2.3.4"]
      additional_contexts:
        other: ./ctx
      secrets: [s1]
  b:
    build:
      context: .
      dockerfile_inline: |
        FROM berth-test/busybox
    depends_on: [a]
  plain:
    image: berth-test/busybox
secrets:
  s1:
    file: ./ctx/Dockerfile
"#;

/// The bake JSON with the group's targets sorted (the reference lists them in map order).
fn normalized(json: &str, what: &str) -> serde_json::Value {
    let mut v: serde_json::Value =
        serde_json::from_str(json).unwrap_or_else(|e| panic!("{what}: {e}\n{json}"));
    if let Some(t) = v["group"]["default"]["targets"].as_array_mut() {
        t.sort_by(|a, b| a.as_str().cmp(&b.as_str()));
    }
    v
}

#[test]
fn build_print() {
    let files = [
        ("compose.yaml", COMPOSE),
        ("ctx/Dockerfile", "FROM berth-test/busybox AS t1\n"),
    ];
    let mut shared: Option<std::path::PathBuf> = None;
    let mut outputs: Vec<Vec<serde_json::Value>> = Vec::new();
    let mut clis = Vec::new();
    for tool in tools() {
        let c = Cli::new(&tool, "e2e-build-print", &files);
        let dir = shared
            .get_or_insert_with(|| c.dir.path().to_path_buf())
            .clone();
        let mut mine = Vec::new();
        for extra in [
            vec![],
            vec!["b"],
            vec!["--no-cache", "--pull", "--build-arg", "Z=3", "--push", "a"],
        ] {
            let mut args = vec!["-p", "e2e-print", "build", "--print"];
            args.extend(extra);
            let res = c.run_in(&dir, &args).ok();
            mine.push(normalized(&res.stdout, &res.what));
        }
        outputs.push(mine);
        clis.push(c);
    }
    // Without the engine (the scenario is skipped), nothing ran; without the reference, there
    // is Berth's output alone to check.
    let Some(ours) = outputs.first() else {
        return;
    };
    if let Some(theirs) = outputs.get(1) {
        assert_eq!(ours, theirs, "the bake files differ");
    }
    let all = &ours[0];
    assert_eq!(all["target"]["a"]["tags"][1], "example.test/a:1");
    assert_eq!(all["target"]["b"]["tags"][0], "e2e-print-b");
    assert!(all["target"].get("plain").is_none());
}

#[test]
fn build_flags_that_need_buildkit() {
    let files = [
        ("compose.yaml", "services:\n  s:\n    build: ctx\n"),
        ("ctx/Dockerfile", "FROM berth-test/busybox\n"),
    ];
    for tool in tools() {
        let mut c = Cli::new(&tool, "e2e-build-buildkit", &files);
        c.env("SSH_AUTH_SOCK", "");
        c.with_file("compose.yaml", &["build", "--builder", "nosuch"])
            .fails(1, "no builder \"nosuch\" found");
        for flag in ["--provenance", "--sbom"] {
            c.with_file("compose.yaml", &["build", flag, "true"])
                .fails(1, "Attestation is not supported for the docker driver.");
        }
        c.with_file("compose.yaml", &["build", "--ssh", "default"])
            .fails(
                1,
                "invalid empty ssh agent socket: make sure SSH_AUTH_SOCK is set",
            );
    }
}

/// Not in the Go suite: Berth's `--check` reads each build's Dockerfile and builds nothing.
#[test]
fn build_check_reads_the_dockerfiles_and_builds_nothing() {
    let Some(tool) = tools().into_iter().next() else {
        return;
    };
    let c = Cli::new(
        &tool,
        "e2e-build-check",
        &[
            (
                "compose.yaml",
                "services:\n  good:\n    build: ok\n  bad:\n    build: nofrom\n  gone:\n    build: missing\n",
            ),
            ("ok/Dockerfile", "# syntax\nFROM berth-test/busybox\n"),
            ("nofrom/Dockerfile", "RUN true\n"),
        ],
    );
    let res = c.with_file("compose.yaml", &["build", "--check"]);
    res.fails(1, "service \"bad\": the Dockerfile has no FROM instruction");
    res.has("service \"gone\":");
    res.has("good Checked");
    c.with_file("compose.yaml", &["build", "--check", "good"])
        .ok()
        .has("good Checked");
    let images = std::process::Command::new("docker")
        .args(["images", "-q", &format!("{}-good", c.project)])
        .output()
        .expect("docker images");
    assert!(images.stdout.is_empty(), "--check built an image");
}

const BUILD_TEST: &str = r#"
services:
  nginx:
    build: nginx-build
    ports:
      - "127.0.0.1::80"
  nginx2:
    build: nginx-build2
    image: ${CUSTOM}
"#;

fn build_test(tool: &Tool) -> Cli {
    let mut c = Cli::new(
        tool,
        "build-test",
        &[
            ("compose.yaml", BUILD_TEST),
            (
                "nginx-build/Dockerfile",
                "FROM berth-test/busybox\nARG FOO\nLABEL FOO=$FOO\nCOPY static /usr/share/nginx/html\nCMD [\"httpd\", \"-f\", \"-p\", \"80\", \"-h\", \"/usr/share/nginx/html\"]\n",
            ),
            ("nginx-build/static/index.html", "Hello from Nginx container\n"),
            (
                "nginx-build2/Dockerfile",
                "FROM berth-test/busybox\nCOPY static2 /usr/share/nginx/html\nCMD [\"sleep\", \"infinity\"]\n",
            ),
            ("nginx-build2/static2/index.html", "hi\n"),
            (
                "multi-args/Dockerfile",
                "ARG IMAGE=666\nARG TAG=666\nFROM ${IMAGE}:${TAG}\nRUN echo \"SUCCESS\"\n",
            ),
            (
                "multi-args/compose.yaml",
                "services:\n  multiargs:\n    build:\n      context: .\n      args:\n        IMAGE: berth-test/busybox\n        TAG: latest\n      labels:\n        - RESULT=SUCCESS\n",
            ),
        ],
    );
    let custom = format!("{}-custom-nginx", c.project);
    c.env("CUSTOM", &custom);
    c
}

fn labels(image: &str) -> String {
    docker(&["image", "inspect", image, "-f", "{{json .Config.Labels}}"]).1
}

/// TestLocalComposeBuild, with the engine's BuildKit (the bake variant of the Go test drives
/// buildx). The build's output is on standard output, also when `up` builds.
#[test]
fn test_local_compose_build() {
    for tool in tools() {
        let mut c = build_test(&tool);
        let p = c.project.clone();
        let (nginx, custom) = (format!("{p}-nginx"), format!("{p}-custom-nginx"));
        let rmi = || {
            let _ = docker(&["rmi", "-f", &nginx, &custom]);
        };
        // build named and unnamed images
        rmi();
        c.named(&["build"])
            .ok()
            .line_with(&["COPY static /usr/share/nginx/html"]);
        assert!(docker(&["image", "inspect", &nginx]).0);
        assert!(docker(&["image", "inspect", &custom]).0);
        // build with build-arg, and one set by the environment
        rmi();
        c.named(&["build", "--build-arg", "FOO=BAR"]).ok();
        assert!(
            labels(&nginx).contains(r#""FOO":"BAR""#),
            "{}",
            labels(&nginx)
        );
        rmi();
        c.env("FOO", "BAZ");
        c.named(&["build", "--build-arg", "FOO"]).ok();
        c.unset_env("FOO");
        assert!(
            labels(&nginx).contains(r#""FOO":"BAZ""#),
            "{}",
            labels(&nginx)
        );
        // build with multiple build-args
        let multi = format!("{p}-multiargs");
        let _ = docker(&["rmi", "-f", &multi]);
        c.run_in(&c.dir.path().join("multi-args"), &["-p", &p, "build"])
            .ok();
        assert!(
            labels(&multi).contains(r#""RESULT":"SUCCESS""#),
            "{}",
            labels(&multi)
        );
        let _ = docker(&["rmi", "-f", &multi]);
        // build as part of up
        rmi();
        let res = c.named(&["up", "-d"]).ok();
        res.line_with(&["COPY static /usr/share/nginx/html"]);
        res.line_with(&["COPY static2 /usr/share/nginx/html"]);
        // no rebuild when up again
        c.named(&["up", "-d"]).ok().lacks("COPY static");
        // rebuild when up --build
        let res = c.named(&["up", "-d", "--build"]).ok();
        res.line_with(&["COPY static /usr/share/nginx/html"]);
        res.line_with(&["COPY static2 /usr/share/nginx/html"]);
        // build --push ignored for unnamed images
        c.named(&["build", "--push", "nginx"])
            .ok()
            .lacks("failed to push");
        c.named(&["down"]).ok();
        rmi();
    }
}

/// TestBuildTags
#[test]
fn test_build_tags() {
    for tool in tools() {
        let c = Cli::new(
            &tool,
            "build-test-tags",
            &[("Dockerfile", "FROM berth-test/busybox\nRUN echo tags\n")],
        );
        let p = c.project.clone();
        std::fs::write(
            c.dir.path().join("compose.yaml"),
            format!("services:\n  nginx:\n    image: {p}-build-test-tags\n    build:\n      context: .\n      tags:\n        - docker.io/docker/{p}-build-test-tags:1.0.0\n        - {p}-other-image-name:v1.0.0\n"),
        )
        .expect("compose file");
        // `--progress` after `build`: the old flag, which the reference still takes unlisted.
        c.named(&["build", "--no-cache", "--progress", "plain"])
            .ok();
        let (_, tags) = docker(&[
            "image",
            "inspect",
            &format!("{p}-build-test-tags"),
            "-f",
            "{{json .RepoTags}}",
        ]);
        assert_eq!(
            tags.trim(),
            format!(
                r#"["docker/{p}-build-test-tags:1.0.0","{p}-build-test-tags:latest","{p}-other-image-name:v1.0.0"]"#
            ),
            "{}",
            tool.name
        );
        let _ = docker(&[
            "rmi",
            &format!("docker/{p}-build-test-tags:1.0.0"),
            &format!("{p}-build-test-tags"),
            &format!("{p}-other-image-name:v1.0.0"),
        ]);
    }
}

/// TestBuildPlatformsStandardErrors ("builder does not support multi-arch"): the engine's own
/// builder makes one platform's image, so two are refused with the reference's words.
#[test]
fn test_build_platforms_standard_errors() {
    for tool in tools() {
        let c = Cli::new(
            &tool,
            "build-platforms",
            &[
                ("Dockerfile", "FROM berth-test/busybox\nRUN echo hi\n"),
                (
                    "compose.yaml",
                    "services:\n  platforms:\n    build:\n      context: .\n      platforms:\n        - linux/amd64\n        - linux/arm64\n",
                ),
            ],
        );
        c.named(&["build"]).fails(
            1,
            "Multi-platform build is not supported for the docker driver.",
        );
    }
}

/// Not a Go test of its own: `additional_contexts` are named build contexts, which the
/// BuildKit of this engine (20.10) does not have; both tools fail with the frontend
/// capability's name (Berth used to warn, go on without them and fail to pull an image named
/// after the context).
#[test]
fn additional_contexts_fail_as_the_engine_lacks_named_contexts() {
    for tool in tools() {
        let c = Cli::new(
            &tool,
            "build-named-contexts",
            &[
                (
                    "Dockerfile",
                    "FROM berth-test/busybox\nCOPY --from=extra x.txt /x.txt\n",
                ),
                ("other/x.txt", "data\n"),
                (
                    "compose.yaml",
                    "services:\n  a:\n    build:\n      context: .\n      additional_contexts:\n        extra: ./other\n",
                ),
            ],
        );
        c.named(&["build"])
            .fails(1, "moby.buildkit.frontend.contexts");
    }
}

/// Not a Go test of its own: a Dockerfile only BuildKit builds (a cache mount) is built by both
/// tools, with BuildKit's plain progress on standard output; with `DOCKER_BUILDKIT=0` the
/// classic builder refuses it, in the engine's words.
#[test]
fn buildkit_builds_what_only_buildkit_can() {
    for tool in tools() {
        let mut c = Cli::new(
            &tool,
            "e2e-buildkit",
            &[
                ("compose.yaml", "services:\n  app:\n    build: ctx\n"),
                (
                    "ctx/Dockerfile",
                    "FROM berth-test/busybox\nRUN --mount=type=cache,target=/c echo cached > /c/x && cp /c/x /out\n",
                ),
            ],
        );
        let image = format!("{}-app", c.project);
        let res = c.named(&["build", "--no-cache"]).ok();
        res.line_with(&["[app ", "2/2] RUN --mount=type=cache"]);
        res.line_with(&["#", " DONE "]);
        let (ok, out) = docker(&["run", "--rm", &image, "cat", "/out"]);
        assert!(ok, "{}", tool.name);
        assert_eq!(out, "cached\n", "{}", tool.name);
        c.env("DOCKER_BUILDKIT", "0");
        c.named(&["build", "--no-cache"])
            .fails(1, "the --mount option requires BuildKit");
        let _ = docker(&["rmi", "-f", &image]);
    }
}

/// Not a Go test of its own (the Go suite's secret builds drive buildx): a build's secrets, one
/// from a file and one from a variable under another ID, reach `RUN --mount=type=secret`
/// through BuildKit's session, and stay out of the image's configuration.
#[test]
fn build_secrets_reach_run_mounts() {
    for tool in tools() {
        let mut c = Cli::new(
            &tool,
            "e2e-build-secrets",
            &[
                (
                    "compose.yaml",
                    "services:\n  app:\n    build:\n      context: .\n      secrets:\n        - mysecret\n        - source: envsecret\n          target: token\nsecrets:\n  mysecret:\n    file: ./secret.txt\n  envsecret:\n    environment: MY_TOKEN\n",
                ),
                ("secret.txt", "from-a-file\n"),
                (
                    "Dockerfile",
                    "FROM berth-test/busybox\nRUN --mount=type=secret,id=mysecret cp /run/secrets/mysecret /file-secret\nRUN --mount=type=secret,id=token cp /run/secrets/token /env-secret\n",
                ),
            ],
        );
        c.env("MY_TOKEN", "from-a-variable");
        let image = format!("{}-app", c.project);
        c.named(&["build", "--no-cache"]).ok();
        let (_, file) = docker(&["run", "--rm", &image, "cat", "/file-secret"]);
        assert_eq!(file, "from-a-file\n", "{}", tool.name);
        let (_, env) = docker(&["run", "--rm", &image, "cat", "/env-secret"]);
        assert_eq!(env, "from-a-variable", "{}", tool.name);
        let (_, config) = docker(&["image", "inspect", &image, "-f", "{{json .Config}}"]);
        assert!(!config.contains("from-a-"), "{}: {config}", tool.name);
        let _ = docker(&["rmi", "-f", &image]);
    }
}

/// An SSH agent, in the foreground on a socket of its own, killed when dropped.
struct Agent(std::process::Child);

impl Drop for Agent {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A static client, built in `dir` from the fixture `agent-list.c`, that asks the SSH agent of
/// a build's `RUN --mount=type=ssh` for its identities and prints the reply in hex.
fn agent_list_client(dir: &std::path::Path) -> std::path::PathBuf {
    let client = dir.join("agent-list");
    let built = std::process::Command::new("gcc")
        .args(["-static", "-O2", "-o"])
        .arg(&client)
        .arg(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/compose_e2e/fixtures/agent-list.c"
        ))
        .status()
        .expect("gcc");
    assert!(built.success(), "gcc -static");
    client
}

/// Not a Go test of its own: `build.ssh: [default]`, and `build --ssh default`, forward the
/// agent of `SSH_AUTH_SOCK` to `RUN --mount=type=ssh` through BuildKit's session. A static client built here asks the
/// agent for its identities from inside the build; the agent's answer (none) is what it saw.
#[test]
fn build_ssh_reaches_the_agent() {
    let has = crate::harness::needs_program;
    if crate::harness::tools().is_empty()
        || !has("gcc", "apt-get install gcc")
        || !has("ssh-agent", "apt-get install openssh-client")
    {
        return;
    }
    let work = tempfile::tempdir().expect("temp dir");
    let client = agent_list_client(work.path());
    let socket = work.path().join("agent.sock");
    let agent = Agent(
        std::process::Command::new("ssh-agent")
            .arg("-D")
            .arg("-a")
            .arg(&socket)
            .stdout(std::process::Stdio::null())
            .spawn()
            .expect("ssh-agent (apt-get install openssh-client; .ci/run installs it)"),
    );
    crate::harness::within("the agent's socket", || socket.exists());
    for tool in tools() {
        let mut c = Cli::new(
            &tool,
            "e2e-build-ssh",
            &[
                (
                    "compose.yaml",
                    "services:\n  app:\n    build:\n      context: .\n      ssh: [default]\n",
                ),
                (
                    "Dockerfile",
                    "FROM berth-test/busybox\nCOPY agent-list /agent-list\nRUN --mount=type=ssh /agent-list > /reply\n",
                ),
            ],
        );
        std::fs::copy(&client, c.dir.path().join("agent-list")).expect("copy the client");
        c.env("SSH_AUTH_SOCK", &socket.display().to_string());
        let image = format!("{}-app", c.project);
        c.named(&["build", "--no-cache"]).ok();
        // SSH2_AGENT_IDENTITIES_ANSWER, no keys.
        let (_, reply) = docker(&["run", "--rm", &image, "cat", "/reply"]);
        assert_eq!(reply, "000000050c00000000\n", "{}", tool.name);
        let _ = docker(&["rmi", "-f", &image]);
        // `build --ssh default` forwards the agent to a build whose file names none.
        std::fs::write(
            c.dir.path().join("compose.yaml"),
            "services:\n  app:\n    build: .\n",
        )
        .expect("write");
        c.named(&["build", "--no-cache", "--ssh", "default"]).ok();
        let (_, reply) = docker(&["run", "--rm", &image, "cat", "/reply"]);
        assert_eq!(reply, "000000050c00000000\n", "{} --ssh", tool.name);
        let _ = docker(&["rmi", "-f", &image]);
    }
    drop(agent);
}

/// Not a Go test of its own: `build.ssh: [mykey=./id_test]` names a key file, which is
/// loaded into an agent of the tool's own for the build (Berth said key files were not
/// supported). The agent seen from inside the build holds exactly that key.
#[test]
fn build_ssh_loads_a_key_file() {
    let work = tempfile::tempdir().expect("temp dir");
    let client = agent_list_client(work.path());
    for tool in tools() {
        let c = Cli::new(
            &tool,
            "e2e-build-ssh-key",
            &[
                (
                    "compose.yaml",
                    "services:\n  app:\n    build:\n      context: .\n      ssh: [\"mykey=./id_test\"]\n",
                ),
                (
                    "Dockerfile",
                    "FROM berth-test/busybox\nCOPY agent-list /agent-list\nRUN --mount=type=ssh,id=mykey /agent-list > /reply\n",
                ),
                (".dockerignore", "id_test*\n"),
            ],
        );
        std::fs::copy(&client, c.dir.path().join("agent-list")).expect("copy the client");
        let keygen = std::process::Command::new("ssh-keygen")
            .args(["-q", "-t", "ed25519", "-N", "", "-C", "berth-test", "-f"])
            .arg(c.dir.path().join("id_test"))
            .status()
            .expect("ssh-keygen (openssh-client)");
        assert!(keygen.success());
        let image = format!("{}-app", c.project);
        c.named(&["build", "--no-cache"]).ok();
        // SSH2_AGENT_IDENTITIES_ANSWER with one key, an ed25519 one.
        let (_, reply) = docker(&["run", "--rm", &image, "cat", "/reply"]);
        assert_eq!(
            reply.get(8..18),
            Some("0c00000001"),
            "{}: {reply}",
            tool.name
        );
        let ed25519: String = b"ssh-ed25519".iter().map(|b| format!("{b:02x}")).collect();
        assert!(reply.contains(&ed25519), "{}: {reply}", tool.name);
        let _ = docker(&["rmi", "-f", &image]);
    }
}

/// Not a Go test of its own (the Go suite runs without a terminal): on a terminal, `build`
/// draws BuildKit's live view, as the reference does, instead of its plain lines: a header
/// with the time, the steps done and the builder, a line per step with its time, and under a
/// running step the last lines it wrote. The last frame says `FINISHED`.
#[test]
fn build_draws_buildkits_view_on_a_terminal() {
    for tool in tools() {
        let c = Cli::new(
            &tool,
            "e2e-build-tty",
            &[
                (
                    "compose.yaml",
                    "services:\n  app:\n    build: .\n    image: e2e-build-tty-app\n",
                ),
                (
                    "Dockerfile",
                    "FROM berth-test/busybox\nRUN echo hello-from-run && sleep 4\n",
                ),
            ],
        );
        let Some(pane) = crate::harness::Pane::start(&c, "", "build --no-cache") else {
            return;
        };
        // The running step's output, under it.
        pane.wait_for("the step's output", "=> => # hello-from-run");
        assert!(
            pane.screen()
                .iter()
                .any(|l| l.starts_with("[+] Building") && l.ends_with("docker:default")),
            "{}: {:#?}",
            tool.name,
            pane.screen()
        );
        pane.wait_for("the end", "EXIT=0");
        let screen = pane.screen();
        let step = screen
            .iter()
            .find(|l| l.contains("=> [app 2/2] RUN echo hello-from-run && sleep 4"))
            .unwrap_or_else(|| panic!("{}: no step line: {screen:#?}", tool.name));
        assert!(step.ends_with('s'), "{}: {step:?}", tool.name);
        assert!(
            screen
                .iter()
                .any(|l| l.starts_with("[+] Building") && l.contains(") FINISHED")),
            "{}: {screen:#?}",
            tool.name
        );
        // The output is not left on the screen once the step is done, nor printed plain.
        assert!(
            !screen
                .iter()
                .any(|l| l.contains("# hello-from-run") || l.starts_with('#')),
            "{}: {screen:#?}",
            tool.name
        );
        let _ = docker(&["rmi", "-f", "e2e-build-tty-app"]);
    }
}

/// Not a Go test of its own: Ctrl-C during a build on a terminal marks the running step
/// `CANCELED` in the view's last frame and exits 130, as BuildKit's view in the reference.
#[test]
fn ctrl_c_cancels_the_build_on_a_terminal() {
    for tool in tools() {
        let c = Cli::new(
            &tool,
            "e2e-build-cancel",
            &[
                (
                    "compose.yaml",
                    "services:\n  app:\n    build: .\n    image: e2e-build-cancel-app\n",
                ),
                ("Dockerfile", "FROM berth-test/busybox\nRUN sleep 60\n"),
            ],
        );
        for args in ["build --no-cache", "up --build --menu=false"] {
            let Some(pane) = crate::harness::Pane::start(&c, "", args) else {
                return;
            };
            pane.wait_for("the running step", "=> [app 2/2] RUN sleep 60");
            std::thread::sleep(std::time::Duration::from_millis(1500));
            pane.keys("C-c");
            pane.wait_for("the exit", "EXIT=130");
            let screen = pane.screen();
            assert!(
                screen
                    .iter()
                    .any(|l| l.contains("=> CANCELED [app 2/2] RUN sleep 60")),
                "{} {args}: {screen:#?}",
                tool.name
            );
            drop(pane);
            // Nothing was made.
            assert!(c.states("app").is_empty(), "{} {args}", tool.name);
        }
    }
}

/// Issue 17, item 8: a build sent the whole context as a tar before BuildKit started (2-3 s
/// for a 400 MB file the Dockerfile never reads; the reference: 0.15 s). The context is now
/// served through the build's session, as the Docker CLI serves it: BuildKit asks for the
/// Dockerfile, `.dockerignore` and then only the files `COPY` reads. Checked with both tools:
/// a 64 MB file beside the Dockerfile is not transferred, `.dockerignore` holds, a
/// Dockerfile in another folder and an inline one build.
#[test]
fn build_sent_the_whole_context_before_building() {
    for tool in tools() {
        let c = Cli::new(
            &tool,
            "e2e-build-filesync",
            &[
                (
                    "compose.yaml",
                    "services:\n  app:\n    build:\n      context: .\n      dockerfile: docker/app.Dockerfile\n    image: e2e-build-filesync-app\n  inline:\n    build:\n      context: src\n      dockerfile_inline: |\n        FROM berth-test/busybox\n        COPY . /ctx\n    image: e2e-build-filesync-inline\n",
                ),
                (
                    "docker/app.Dockerfile",
                    "FROM berth-test/busybox\nCOPY src /src\nRUN ls -a /src | tr '\\n' ' ' > /listing\n",
                ),
                ("src/kept.txt", "kept\n"),
                ("src/secret.env", "TOKEN=x\n"),
                ("src/.dockerignore", "*.env\n"),
                (".dockerignore", "src/secret.env\n"),
            ],
        );
        let big = std::fs::File::create(c.dir.path().join("big.bin")).expect("create");
        big.set_len(64 * 1024 * 1024).expect("64 MB");
        let res = c
            .named(&["--progress", "plain", "build", "--no-cache"])
            .ok();
        let out = res.combined();
        // The context's transfer is the files COPY reads, not the 64 MB beside them.
        let transfers: Vec<&str> = out
            .lines()
            .filter(|l| l.contains("transferring context:"))
            .collect();
        assert!(!transfers.is_empty(), "{}: {out}", tool.name);
        assert!(
            transfers.iter().all(|l| !l.contains("MB")),
            "{}: {transfers:?}",
            tool.name
        );
        let (_, listing) = docker(&["run", "--rm", "e2e-build-filesync-app", "cat", "/listing"]);
        assert_eq!(
            listing.trim(),
            ". .. .dockerignore kept.txt",
            "{}",
            tool.name
        );
        let (_, inline) = docker(&["run", "--rm", "e2e-build-filesync-inline", "ls", "/ctx"]);
        assert_eq!(inline.trim(), "kept.txt", "{}", tool.name);
        let _ = docker(&[
            "rmi",
            "-f",
            "e2e-build-filesync-app",
            "e2e-build-filesync-inline",
        ]);
    }
}
