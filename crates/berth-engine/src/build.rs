//! Images: building a service's image with the engine's build API (the classic builder, fed a
//! tar of the build context that honours `.dockerignore`), pulling, and deciding which of the
//! two a service needs before `up` (Docker Compose's `pull_policy` rules).

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use futures_util::StreamExt;

use crate::client::Engine;
use crate::labels;
use crate::progress::{Phase, Progress, Resource, Status};
use crate::spec::ServiceSpec;
use crate::EngineError;

pub use crate::spec::{BuildSecret, BuildSpec, SecretValue};

impl BuildSpec {
    /// The SSH agents' sockets by ID: `SSH_AUTH_SOCK` for one without a path, the socket
    /// given, or for a key file an agent of Berth's own holding that key ([`KeyAgent`]),
    /// which lives as long as the returned guards.
    ///
    /// # Errors
    /// No agent to forward to, a path that is neither an agent's socket nor a key file, or a
    /// key file `ssh-add` refuses (one with a passphrase when there is no terminal).
    pub fn ssh_agents(&self) -> Result<(HashMap<String, PathBuf>, Vec<KeyAgent>), String> {
        use std::os::unix::fs::FileTypeExt;
        let mut out = HashMap::new();
        let mut keys = Vec::new();
        for (id, path) in &self.ssh {
            let path = match path {
                Some(p) => PathBuf::from(p),
                None => std::env::var_os(berth_loader::env_vars::SSH_AUTH_SOCK)
                    .map(PathBuf::from)
                    .ok_or_else(|| {
                        format!(
                            "ssh {id:?}: SSH_AUTH_SOCK is not set, and no agent's socket is given"
                        )
                    })?,
            };
            let meta = std::fs::metadata(&path)
                .map_err(|e| format!("ssh {id:?}: {}: {e}", path.display()))?;
            if meta.file_type().is_socket() {
                out.insert(id.clone(), path);
            } else if meta.is_file() {
                let agent = KeyAgent::start(id, &path)?;
                out.insert(id.clone(), agent.socket.clone());
                keys.push(agent);
            } else {
                return Err(format!(
                    "ssh {id:?}: {} is neither an SSH agent's socket nor a key file",
                    path.display()
                ));
            }
        }
        Ok((out, keys))
    }

    /// The secrets' values by ID, read now.
    ///
    /// # Errors
    /// A secret whose file cannot be read, or that has no value.
    pub fn secret_values(&self) -> Result<HashMap<String, Vec<u8>>, String> {
        let mut out = HashMap::new();
        for s in &self.secrets {
            let data = match &s.value {
                SecretValue::File(p) => std::fs::read(p)
                    .map_err(|e| format!("secret {:?}: {}: {e}", s.source, p.display()))?,
                SecretValue::Env(v) => v.clone().into_bytes(),
                SecretValue::Missing => {
                    return Err(format!("secret {:?} has no value", s.source));
                }
            };
            out.insert(s.id.clone(), data);
        }
        Ok(out)
    }
}

/// Options of one `build` run (command-line flags).
#[derive(Clone, Debug, Default)]
pub struct BuildOptions {
    /// `--build-arg K=V` (over the file's `args`).
    pub args: Vec<(String, String)>,
    pub no_cache: bool,
    pub pull: bool,
    /// `-q`: keep the builder's output to oneself.
    pub quiet: bool,
    /// `-m`: memory limit of the build container, in bytes (the engine API's field is 32
    /// bits wide).
    pub memory: Option<i32>,
    /// `--ssh`: agents forwarded to every build, over the services' own `build.ssh` of the
    /// same ID.
    pub ssh: Vec<(String, Option<String>)>,
}

/// `--ssh`'s value as Docker Compose reads it: `default`, `ID`, or `ID=SOCKET_OR_KEY`.
#[must_use]
pub fn ssh_flag(value: &str) -> (String, Option<String>) {
    match value.split_once('=') {
        Some((id, path)) => (id.to_string(), Some(path.to_string())),
        None => (value.to_string(), None),
    }
}

/// Where the inline Dockerfile goes in the context sent to the engine.
const INLINE_DOCKERFILE: &str = ".berth-inline.Dockerfile";

/// Builds the image of `service` from `build`, tagged with the service's image name. BuildKit's
/// reports go to `progress` as [`crate::buildkit::Status`]es, the classic builder's output
/// line by line; the caller says when its builds are done ([`Progress::builds_done`]).
///
/// # Errors
/// An unreadable context, or the builder's error (naming the service).
pub async fn build_image(
    engine: &Engine,
    project: &str,
    service: &ServiceSpec,
    build: &BuildSpec,
    opts: &BuildOptions,
    progress: &dyn Progress,
) -> Result<String, EngineError> {
    let out = |line: &str| progress.output(line);
    let with_flags;
    let build = if opts.ssh.is_empty() {
        build
    } else {
        let mut b = build.clone();
        b.ssh
            .retain(|(id, _)| !opts.ssh.iter().any(|(o, _)| o == id));
        b.ssh.extend(opts.ssh.iter().cloned());
        with_flags = b;
        &with_flags
    };
    let fail = |m: String| {
        EngineError::Other(format!("service \"{}\" failed to build: {m}", service.name))
    };
    // The engine's own builder makes one image for one platform: the reference's words
    // for its builder on this engine (the docker driver).
    if build.platforms.len() > 1 {
        return Err(EngineError::Other(
            "Multi-platform build is not supported for the docker driver.\nSwitch to a different driver, or turn on the containerd image store, and try again.\nLearn more at https://docs.docker.com/go/build-multi-platform/".into(),
        ));
    }
    // Named contexts are frontend attributes (`context:NAME`) that the engine's /build API
    // has no field for, and the Dockerfile frontend of this engine's BuildKit lacks the
    // capability: Docker Compose fails here too, with the frontend's words.
    if !build.named_contexts.is_empty() {
        return Err(fail(format!(
            "additional_contexts ({}) need named build contexts, which the engine's builder does not support (frontend capability moby.buildkit.frontend.contexts)",
            build.named_contexts.join(", ")
        )));
    }
    let buildkit = buildkit();
    let remote = is_remote(&build.context);
    // The context goes one of three ways: a URL the engine fetches itself; with BuildKit, the
    // folders served through the build's session (the Docker CLI's way: BuildKit reads what it
    // needs); with the classic builder, a tar of the whole context as the request's body.
    let mut folders = None;
    let (dockerfile, body) = if remote {
        (
            build
                .dockerfile
                .clone()
                .unwrap_or_else(|| "Dockerfile".into()),
            None,
        )
    } else if buildkit {
        let dir = PathBuf::from(&build.context);
        let meta = std::fs::metadata(&dir)
            .map_err(|e| fail(format!("build context {}: {e}", dir.display())))?;
        if !meta.is_dir() {
            return Err(fail(format!(
                "build context {} is not a folder",
                dir.display()
            )));
        }
        let (name, dockerfile_folder) = if let Some(text) = &build.dockerfile_inline {
            (
                "Dockerfile".to_string(),
                crate::filesync::Source::Files(vec![(
                    "Dockerfile".to_string(),
                    text.clone().into_bytes(),
                )]),
            )
        } else {
            let path = dir.join(build.dockerfile.as_deref().unwrap_or("Dockerfile"));
            let name = path
                .file_name()
                .map_or_else(|| "Dockerfile".into(), |n| n.to_string_lossy().into_owned());
            let parent = path.parent().map_or_else(|| dir.clone(), Path::to_path_buf);
            (name, crate::filesync::Source::Dir(parent))
        };
        folders = Some(crate::filesync::Folders(HashMap::from([
            ("context".to_string(), crate::filesync::Source::Dir(dir)),
            ("dockerfile".to_string(), dockerfile_folder),
        ])));
        (name, None)
    } else {
        let dir = PathBuf::from(&build.context);
        let dockerfile = if build.dockerfile_inline.is_some() {
            INLINE_DOCKERFILE.to_string()
        } else {
            build
                .dockerfile
                .clone()
                .unwrap_or_else(|| "Dockerfile".into())
        };
        let inline = build.dockerfile_inline.clone();
        let d = dockerfile.clone();
        let context =
            tokio::task::spawn_blocking(move || Context::list(&dir, &d, inline.as_deref()))
                .await
                .map_err(|e| fail(e.to_string()))?
                .map_err(fail)?;
        if !opts.quiet && !engine.dry_run {
            out(&format!(
                "Sending build context to Docker daemon  {}B",
                context.size()
            ));
        }
        (dockerfile, Some(context))
    };
    // A dry run reads the context (so that a missing one is found) and builds nothing: the
    // image it would make gets a made-up ID.
    if engine.dry_run {
        return Ok(dry_run_image_id(&service.image));
    }
    let mut buildargs = build.args.clone();
    for (k, v) in &opts.args {
        buildargs.insert(k.clone(), v.clone());
    }
    let mut image_labels = build.labels.clone();
    image_labels.insert(labels::PROJECT.into(), project.to_string());
    image_labels.insert(labels::SERVICE.into(), service.name.clone());
    image_labels.insert(labels::VERSION.into(), labels::COMPOSE_VERSION.into());
    if !buildkit {
        image_labels.insert("com.docker.compose.image.builder".into(), "classic".into());
    }
    let options = bollard::query_parameters::BuildImageOptions {
        dockerfile,
        t: Some(service.image.clone()),
        remote: if remote {
            Some(build.context.clone())
        } else if folders.is_some() {
            Some("client-session".to_string())
        } else {
            None
        },
        nocache: opts.no_cache || build.no_cache,
        pull: (opts.pull || build.pull).then(|| "1".to_string()),
        rm: true,
        forcerm: true,
        buildargs: Some(buildargs),
        labels: Some(image_labels),
        networkmode: build.network.clone(),
        target: build.target.clone().unwrap_or_default(),
        memory: opts.memory,
        version: if buildkit {
            bollard::query_parameters::BuilderVersion::BuilderBuildKit
        } else {
            bollard::query_parameters::BuilderVersion::BuilderV1
        },
        // BuildKit's builds go with a session (the context, registry credentials).
        session: buildkit.then(crate::oneoff::new_slug),
        ..Default::default()
    };
    // The context, secrets and agents are served by a session of Berth's own; other builds
    // (a URL's context, the classic builder) go through bollard's.
    type Infos<'a> = std::pin::Pin<
        Box<
            dyn futures_util::Stream<Item = Result<bollard::models::BuildInfo, EngineError>>
                + Send
                + 'a,
        >,
    >;
    // Agents started for key files, stopped when the build is over.
    let mut held_agents: Vec<KeyAgent> = Vec::new();
    let own_session =
        buildkit && (folders.is_some() || !build.secrets.is_empty() || !build.ssh.is_empty());
    let mut stream: Infos<'_> = if own_session {
        let (ssh, key_agents) = build.ssh_agents().map_err(fail)?;
        held_agents = key_agents;
        let served = crate::session::Served {
            secrets: build.secret_values().map_err(fail)?,
            ssh,
            credentials: engine.all_credentials(),
            folders: folders.unwrap_or_default(),
        };
        let s = crate::session::build(engine, options, body.map(send_context), served)
            .await
            .map_err(|e| fail(e.to_string()))?;
        Box::pin(s)
    } else {
        Box::pin(
            engine
                .docker
                .build_image(
                    options,
                    // `docker login`'s credentials, for the base images' registries.
                    Some(engine.all_credentials()).filter(|c| !c.is_empty()),
                    body.map(|c| bollard::body_try_stream(send_context(c))),
                )
                .map(|item| {
                    item.map_err(|e| match e {
                        // The builder's own words, without bollard's.
                        bollard::errors::Error::DockerStreamError { error } => {
                            EngineError::Other(error)
                        }
                        e => EngineError::Other(e.to_string()),
                    })
                }),
        )
    };
    while let Some(item) = stream.next().await {
        let info = item.map_err(|e| fail(e.to_string()))?;
        if let Some(e) = info.error.or(info.error_detail.and_then(|d| d.message)) {
            return Err(fail(e));
        }
        if opts.quiet {
            continue;
        }
        // BuildKit's own words are its progress (the engine's `Successfully tagged` is not
        // shown, as Docker Compose does not show it).
        if let Some(s) = info.stream.filter(|_| !buildkit) {
            for line in s.lines().filter(|l| !l.trim().is_empty()) {
                out(line);
            }
        }
        if let Some(bollard::models::BuildInfoAux::BuildKit(status)) = &info.aux {
            progress.build_status(&service.name, &crate::buildkit::Status::from(status));
        }
    }
    drop(held_agents);
    for t in &build.tags {
        let (repo, tag) = split_reference(t);
        engine
            .docker
            .tag_image(
                &service.image,
                Some(bollard::query_parameters::TagImageOptions {
                    repo: Some(repo.to_string()),
                    tag: Some(tag.to_string()),
                }),
            )
            .await
            .map_err(|e| fail(crate::daemon_message(&e)))?;
    }
    engine
        .image_id(&service.image)
        .await?
        .ok_or_else(|| fail(format!("no image {} after the build", service.image)))
}

/// A build context's tar as a stream of pieces, written by a thread of its own as the engine
/// reads them: a context of any size is sent in a bounded amount of memory. A file that
/// cannot be read ends the stream with its error, which fails the build with it.
pub(crate) type ContextStream = std::pin::Pin<
    Box<dyn futures_util::Stream<Item = Result<bytes::Bytes, std::io::Error>> + Send>,
>;

fn send_context(context: Context) -> ContextStream {
    /// Pieces of this size go to the engine, at most `DEPTH` of them waiting.
    const PIECE: usize = 256 * 1024;
    const DEPTH: usize = 4;
    struct Pieces {
        buf: Vec<u8>,
        tx: tokio::sync::mpsc::Sender<Result<bytes::Bytes, std::io::Error>>,
    }
    impl Pieces {
        fn send(&mut self) -> std::io::Result<()> {
            if self.buf.is_empty() {
                return Ok(());
            }
            let piece =
                bytes::Bytes::from(std::mem::replace(&mut self.buf, Vec::with_capacity(PIECE)));
            self.tx.blocking_send(Ok(piece)).map_err(|_| {
                std::io::Error::new(std::io::ErrorKind::BrokenPipe, "the engine stopped reading")
            })
        }
    }
    impl std::io::Write for Pieces {
        fn write(&mut self, data: &[u8]) -> std::io::Result<usize> {
            let n = data.len().min(PIECE - self.buf.len());
            self.buf.extend_from_slice(&data[..n]);
            if self.buf.len() == PIECE {
                self.send()?;
            }
            Ok(n)
        }
        fn flush(&mut self) -> std::io::Result<()> {
            self.send()
        }
    }
    let (tx, mut rx) = tokio::sync::mpsc::channel(DEPTH);
    let errors = tx.clone();
    tokio::task::spawn_blocking(move || {
        let pieces = Pieces {
            buf: Vec::with_capacity(PIECE),
            tx,
        };
        let sent = context
            .write(pieces)
            .and_then(|mut p| std::io::Write::flush(&mut p).map_err(|e| e.to_string()));
        if let Err(e) = sent {
            let _ = errors.blocking_send(Err(std::io::Error::other(format!(
                "sending the build context: {e}"
            ))));
        }
    });
    Box::pin(futures_util::stream::poll_fn(move |cx| rx.poll_recv(cx)))
}

/// Pushes an image to its registry; each progress message goes to `out` as (status, progress
/// bar).
///
/// # Errors
/// The registry's or the engine's error.
pub async fn push_image(
    engine: &Engine,
    image: &str,
    credentials: Option<crate::registry::Credentials>,
    out: &(dyn Fn(&str, &str) + Sync),
) -> Result<(), EngineError> {
    if engine.dry_run {
        out("Pushed", "");
        return Ok(());
    }
    let (repo, tag) = split_reference(image);
    let credentials = credentials.map_or_else(bollard::auth::DockerCredentials::default, |c| {
        bollard::auth::DockerCredentials {
            username: Some(c.username).filter(|u| !u.is_empty()),
            password: Some(c.password).filter(|p| !p.is_empty()),
            identitytoken: Some(c.identity_token).filter(|t| !t.is_empty()),
            ..Default::default()
        }
    });
    let mut stream = engine.docker.push_image(
        repo,
        Some(bollard::query_parameters::PushImageOptions {
            tag: Some(tag.to_string()),
            ..Default::default()
        }),
        Some(credentials),
    );
    while let Some(item) = stream.next().await {
        let info = item.map_err(|e| EngineError::Other(crate::daemon_message(&e)))?;
        if let Some(e) = info.error_detail.and_then(|d| d.message).or(info.error) {
            return Err(EngineError::Other(e));
        }
        if let Some(s) = info.status {
            out(&s, info.progress.as_deref().unwrap_or(""));
        }
    }
    Ok(())
}

fn is_remote(context: &str) -> bool {
    ["http://", "https://", "git://", "git@", "github.com/"]
        .iter()
        .any(|p| context.starts_with(p))
}

/// Pulls an image; progress lines go to `out`.
///
/// # Errors
/// The registry's or engine's error.
pub async fn pull_image(
    engine: &Engine,
    image: &str,
    out: &(dyn Fn(&str) + Sync),
) -> Result<(), EngineError> {
    // A dry run asks the registry whether the image is there, as Docker Compose's does, and
    // pulls nothing.
    if engine.dry_run {
        engine.distribution_digest(image).await?;
        return Ok(());
    }
    let (repo, tag) = split_reference(image);
    let mut stream = engine.docker.create_image(
        Some(bollard::query_parameters::CreateImageOptions {
            from_image: Some(repo.to_string()),
            tag: Some(tag.to_string()),
            ..Default::default()
        }),
        None,
        engine.credentials_for(image),
    );
    while let Some(item) = stream.next().await {
        let info = item?;
        if let Some(e) = info.error_detail.and_then(|d| d.message) {
            return Err(EngineError::Other(e));
        }
        if let Some(s) = info.status {
            out(&s);
        }
    }
    Ok(())
}

/// `name[:tag][@digest]` into the repository and the tag (or digest); `latest` by default.
fn split_reference(image: &str) -> (&str, &str) {
    if let Some((repo, digest)) = image.split_once('@') {
        return (repo, digest);
    }
    match image.rsplit_once(':') {
        Some((repo, tag)) if !tag.contains('/') => (repo, tag),
        _ => (image, "latest"),
    }
}

/// What `up` does about a service's image before creating containers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ImageAction {
    /// Present, or nothing to do.
    Keep,
    Pull,
    Build,
}

/// Docker Compose's rules (`pull_policy`, `--pull`, `--build`, `--no-build`): build when asked
/// or when the image is missing and the service can be built; pull when asked or when it is
/// missing and cannot be built.
#[must_use]
pub fn image_action(
    policy: Option<&str>,
    has_build: bool,
    present: bool,
    force_build: bool,
    no_build: bool,
) -> ImageAction {
    if has_build && !no_build && (force_build || policy == Some("build")) {
        return ImageAction::Build;
    }
    match policy {
        Some("always") => ImageAction::Pull,
        Some("never") => ImageAction::Keep,
        _ if present => ImageAction::Keep,
        _ if has_build && !no_build => ImageAction::Build,
        _ => ImageAction::Pull,
    }
}

/// How `up`, `create` and `run` get images: their `--build`, `--no-build` and `--pull`.
#[derive(Clone, Debug, Default)]
pub struct ImagePolicy {
    pub force_build: bool,
    pub no_build: bool,
    /// `--pull`: overrides every service's `pull_policy`.
    pub pull: Option<String>,
    pub build: BuildOptions,
}

/// Pulls or builds what the services need before their containers are created, each image once.
/// Returns the image IDs the engine then has (image reference → ID), so that the caller need not
/// look them up again.
///
/// # Errors
/// A failed pull (of an image that cannot be built instead) or build, naming the service.
pub async fn ensure_images(
    engine: &Engine,
    project: &str,
    services: &[ServiceSpec],
    policy: &ImagePolicy,
    progress: &dyn Progress,
) -> Result<HashMap<String, String>, EngineError> {
    let mut built = false;
    let got = ensure_each(engine, project, services, policy, progress, &mut built).await;
    if built {
        progress.builds_done();
    }
    got
}

async fn ensure_each(
    engine: &Engine,
    project: &str,
    services: &[ServiceSpec],
    policy: &ImagePolicy,
    progress: &dyn Progress,
    built: &mut bool,
) -> Result<HashMap<String, String>, EngineError> {
    let mut present = engine
        .image_ids(services.iter().map(|s| s.image.as_str()))
        .await?;
    let mut changed = Vec::new();
    let mut done = std::collections::HashSet::new();
    for s in services {
        // A provider's service has no image.
        if done.contains(&s.image) || s.provider.is_some() {
            continue;
        }
        let pull_policy = policy.pull.as_deref().or(s.pull_policy.as_deref());
        let action = image_action(
            pull_policy,
            s.build.is_some(),
            present.contains_key(&s.image),
            policy.force_build,
            policy.no_build,
        );
        let build = match (action, &s.build) {
            (ImageAction::Keep, _) => None,
            (ImageAction::Build, Some(b)) => Some(b),
            (ImageAction::Build, None) => None,
            (ImageAction::Pull, b) => {
                progress.detail(&s.name, "Pulling", "", Phase::Working);
                match pull_image(engine, &s.image, &|_| {}).await {
                    Ok(()) => {
                        progress.detail(&s.name, "Pulled", "", Phase::Done);
                        None
                    }
                    // Docker Compose falls back to building what can be built.
                    Err(e) if b.is_some() && !policy.no_build => {
                        progress.detail(&s.name, "Warning", &e.bare(), Phase::Done);
                        b.as_ref()
                    }
                    Err(e) => {
                        progress.detail(&s.name, "Error", &e.bare(), Phase::Failed);
                        return Err(e);
                    }
                }
            }
        };
        if let Some(b) = build {
            progress.event(Resource::Service, &s.name, &Status::Building);
            *built = true;
            let id = build_image(engine, project, s, b, &policy.build, progress).await?;
            progress.event(Resource::Service, &s.name, &Status::Built);
            if engine.dry_run {
                present.insert(s.image.clone(), id);
            }
        }
        if action != ImageAction::Keep {
            changed.push(s.image.clone());
        }
        done.insert(s.image.clone());
    }
    for image in changed {
        if let Some(id) = engine.image_id(&image).await? {
            present.insert(image, id);
        } else if engine.dry_run {
            present
                .entry(image)
                .or_insert_with_key(|i| dry_run_image_id(i));
        }
    }
    Ok(present)
}

/// Whether builds go to the engine's BuildKit, as Docker Compose's do, rather than its
/// classic builder (`DOCKER_BUILDKIT=0`, as for the Docker CLI).
fn buildkit() -> bool {
    !matches!(
        std::env::var(berth_loader::env_vars::DOCKER_BUILDKIT)
            .ok()
            .as_deref(),
        Some("0" | "false" | "FALSE" | "False" | "f" | "F")
    )
}

/// The ID a dry run gives an image it would build or pull.
fn dry_run_image_id(image: &str) -> String {
    format!("dry-run:{image}")
}

/// An SSH agent of Berth's own for one key file of `build.ssh` (`mykey=./id_ed25519`), as
/// Docker Compose loads such a key into an agent of its own: OpenSSH's `ssh-agent` on a
/// socket in a private folder, the key added with `ssh-add`. Stopped, and its folder
/// removed, when dropped.
pub struct KeyAgent {
    child: std::process::Child,
    dir: PathBuf,
    socket: PathBuf,
}

impl KeyAgent {
    fn start(id: &str, key: &Path) -> Result<KeyAgent, String> {
        use std::os::unix::fs::PermissionsExt;
        use std::process::{Command, Stdio};
        let dir = std::env::temp_dir().join(format!("berth-ssh-{}", crate::oneoff::new_slug()));
        std::fs::create_dir(&dir).map_err(|e| format!("ssh {id:?}: {}: {e}", dir.display()))?;
        let _ = std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o700));
        let socket = dir.join("agent.sock");
        let child = Command::new("ssh-agent")
            .arg("-D")
            .arg("-a")
            .arg(&socket)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn();
        let child = match child {
            Ok(c) => c,
            Err(e) => {
                let _ = std::fs::remove_dir_all(&dir);
                return Err(format!(
                    "ssh {id:?}: a key file needs OpenSSH's ssh-agent and ssh-add (package openssh-client): ssh-agent: {e}"
                ));
            }
        };
        let agent = KeyAgent { child, dir, socket };
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        while !agent.socket.exists() {
            if std::time::Instant::now() > deadline {
                return Err(format!("ssh {id:?}: ssh-agent did not open its socket"));
            }
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        let added = Command::new("ssh-add")
            .arg("-q")
            .arg(key)
            .env(berth_loader::env_vars::SSH_AUTH_SOCK, &agent.socket)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .output()
            .map_err(|e| format!("ssh {id:?}: ssh-add: {e}"))?;
        if !added.status.success() {
            return Err(format!(
                "ssh {id:?}: cannot load the key {}: {}",
                key.display(),
                String::from_utf8_lossy(&added.stderr).trim()
            ));
        }
        Ok(agent)
    }
}

impl Drop for KeyAgent {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// One entry of a build context, listed before it is sent.
#[derive(Debug)]
pub struct ContextEntry {
    /// The path in the archive, with `/` between folders.
    name: String,
    mode: u32,
    kind: EntryKind,
}

#[derive(Debug)]
enum EntryKind {
    Dir,
    File { path: PathBuf, size: u64 },
    Symlink(String),
    Inline(String),
}

/// A build context listed: what goes into its tar, and the tar's size.
#[derive(Debug)]
pub struct Context {
    entries: Vec<ContextEntry>,
}

impl Context {
    /// Lists the build context in `dir`, leaving out what `.dockerignore` excludes (the
    /// Dockerfile and `.dockerignore` are always sent, as the engine needs them), with `inline`
    /// added as `dockerfile` when given. Only names and sizes are read here: the files are read
    /// as the archive is written.
    ///
    /// # Errors
    /// An unreadable context folder, named.
    pub fn list(dir: &Path, dockerfile: &str, inline: Option<&str>) -> Result<Context, String> {
        let meta =
            std::fs::metadata(dir).map_err(|e| format!("build context {}: {e}", dir.display()))?;
        if !meta.is_dir() {
            return Err(format!("build context {} is not a folder", dir.display()));
        }
        let ignore = std::fs::read_to_string(dir.join(".dockerignore"))
            .map(|s| Ignore::parse(&s))
            .unwrap_or_default();
        let mut entries = Vec::new();
        let mut todo = vec![PathBuf::new()];
        while let Some(rel) = todo.pop() {
            let full = dir.join(&rel);
            let mut found: Vec<_> = std::fs::read_dir(&full)
                .map_err(|e| format!("build context {}: {e}", full.display()))?
                .filter_map(Result::ok)
                .collect();
            found.sort_by_key(std::fs::DirEntry::file_name);
            for e in found {
                let path = rel.join(e.file_name());
                let name = path.to_string_lossy().replace('\\', "/");
                let always = name == dockerfile || name == ".dockerignore";
                if !always && ignore.excludes(&name) && !ignore.may_include_below(&name) {
                    continue;
                }
                let md = std::fs::symlink_metadata(e.path())
                    .map_err(|err| format!("{}: {err}", e.path().display()))?;
                let mode = std::os::unix::fs::PermissionsExt::mode(&md.permissions()) & 0o7777;
                let kind = if md.is_dir() {
                    todo.push(path);
                    if ignore.excludes(&name) {
                        continue;
                    }
                    EntryKind::Dir
                } else if ignore.excludes(&name) && !always {
                    continue;
                } else if md.file_type().is_symlink() {
                    let target = std::fs::read_link(e.path()).map_err(|err| err.to_string())?;
                    EntryKind::Symlink(target.to_string_lossy().into_owned())
                } else if md.is_file() {
                    EntryKind::File {
                        path: e.path(),
                        size: md.len(),
                    }
                } else {
                    continue;
                };
                entries.push(ContextEntry { name, mode, kind });
            }
        }
        if let Some(text) = inline {
            entries.push(ContextEntry {
                name: dockerfile.to_string(),
                mode: 0o644,
                kind: EntryKind::Inline(text.to_string()),
            });
        }
        Ok(Context { entries })
    }

    /// The size of the context's tar, in bytes.
    #[must_use]
    pub fn size(&self) -> u64 {
        self.entries
            .iter()
            .map(|e| match &e.kind {
                EntryKind::Dir => crate::tar::stored_size(&format!("{}/", e.name), 0),
                EntryKind::File { size, .. } => crate::tar::stored_size(&e.name, *size),
                EntryKind::Symlink(_) => crate::tar::stored_size(&e.name, 0),
                EntryKind::Inline(text) => crate::tar::stored_size(&e.name, text.len() as u64),
            })
            .sum::<u64>()
            + crate::tar::TRAILER
    }

    /// Writes the context's tar to `out`, each file read in pieces.
    ///
    /// # Errors
    /// A file that cannot be read, named, or the writer's error.
    pub fn write<W: std::io::Write>(&self, out: W) -> Result<W, String> {
        let mut tar = crate::tar::Tar::new(out);
        for e in &self.entries {
            match &e.kind {
                EntryKind::Dir => tar.dir(&e.name, e.mode),
                EntryKind::Symlink(target) => tar.symlink(&e.name, target),
                EntryKind::Inline(text) => tar.file(&e.name, e.mode, text.as_bytes()),
                EntryKind::File { path, size } => {
                    let file = std::fs::File::open(path)
                        .map_err(|err| format!("{}: {err}", path.display()))?;
                    tar.file_from(&e.name, e.mode, *size, file);
                }
            }
        }
        tar.close().map_err(|e| e.to_string())
    }
}

/// A tar (ustar, GNU long names) of the build context in `dir`, in memory: see
/// [`Context::list`].
///
/// # Errors
/// An unreadable context folder or file, named.
pub fn context_tar(dir: &Path, dockerfile: &str, inline: Option<&str>) -> Result<Vec<u8>, String> {
    Context::list(dir, dockerfile, inline)?.write(Vec::new())
}

/// `.dockerignore` patterns: `*`, `?` and `**`, `!` to take back; the last match decides, and a
/// pattern that matches a folder covers what is in it.
#[derive(Debug, Default)]
pub(crate) struct Ignore {
    rules: Vec<(bool, Vec<String>)>,
}

impl Ignore {
    pub(crate) fn parse(text: &str) -> Ignore {
        let rules = text
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.starts_with('#'))
            .map(|l| {
                let (negate, p) = match l.strip_prefix('!') {
                    Some(rest) => (true, rest.trim()),
                    None => (false, l),
                };
                let parts = p
                    .trim_start_matches("./")
                    .split('/')
                    .filter(|s| !s.is_empty() && *s != ".")
                    .map(str::to_string)
                    .collect();
                (negate, parts)
            })
            .collect();
        Ignore { rules }
    }

    pub(crate) fn excludes(&self, path: &str) -> bool {
        let parts: Vec<&str> = path.split('/').collect();
        let mut out = false;
        for (negate, pat) in &self.rules {
            // The path itself or one of the folders above it.
            if (1..=parts.len()).any(|n| glob_parts(pat, &parts[..n])) {
                out = !negate;
            }
        }
        out
    }

    /// Whether a pattern could match something inside the folder `path`.
    pub(crate) fn matches_below(&self, path: &str) -> bool {
        let prefix: Vec<&str> = path.split('/').collect();
        self.rules.iter().any(|(_, pat)| {
            pat.iter().any(|p| p == "**")
                || (pat.len() > prefix.len() && glob_parts(&pat[..prefix.len()], &prefix))
        })
    }

    /// Whether a `!` pattern could take back something inside the folder `path`.
    pub(crate) fn may_include_below(&self, path: &str) -> bool {
        self.rules.iter().any(|(negate, pat)| {
            *negate && {
                let prefix: Vec<&str> = path.split('/').collect();
                pat.len() > prefix.len() || pat.iter().any(|p| p == "**")
            }
        })
    }
}

fn glob_parts(pat: &[String], path: &[&str]) -> bool {
    match (pat.first(), path.first()) {
        (None, None) => true,
        (Some(p), _) if p == "**" => {
            glob_parts(&pat[1..], path) || (!path.is_empty() && glob_parts(pat, &path[1..]))
        }
        (Some(p), Some(s)) => glob(p.as_bytes(), s.as_bytes()) && glob_parts(&pat[1..], &path[1..]),
        _ => false,
    }
}

/// One path segment against `*` / `?` / literal characters.
fn glob(p: &[u8], s: &[u8]) -> bool {
    match (p.first(), s.first()) {
        (None, None) => true,
        (Some(b'*'), _) => glob(&p[1..], s) || (!s.is_empty() && glob(p, &s[1..])),
        (Some(b'?'), Some(_)) => glob(&p[1..], &s[1..]),
        (Some(b'\\'), Some(c)) if p.get(1) == Some(c) => glob(&p[2..], &s[1..]),
        (Some(a), Some(b)) if a == b => glob(&p[1..], &s[1..]),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(tar: &[u8]) -> Vec<String> {
        let mut out = Vec::new();
        let mut i = 0;
        let mut long: Option<String> = None;
        while i + 512 <= tar.len() && tar[i] != 0 {
            let h = &tar[i..i + 512];
            let end = h[..100].iter().position(|&b| b == 0).unwrap_or(100);
            let size = usize::from_str_radix(
                std::str::from_utf8(&h[124..135])
                    .unwrap()
                    .trim_matches('\0'),
                8,
            )
            .unwrap();
            let data = &tar[i + 512..i + 512 + size];
            if h[156] == b'L' {
                long = Some(String::from_utf8_lossy(&data[..size - 1]).into_owned());
            } else {
                out.push(
                    long.take()
                        .unwrap_or_else(|| String::from_utf8_lossy(&h[..end]).into_owned()),
                );
            }
            i += 512 + size.div_ceil(512) * 512;
        }
        out
    }

    #[test]
    fn build_secrets_are_read_by_their_ids() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("s.txt");
        std::fs::write(&file, "from-file").unwrap();
        let secret = |id: &str, value: SecretValue| BuildSecret {
            id: id.into(),
            source: format!("{id}-source"),
            value,
        };
        let mut b = BuildSpec {
            context: ".".into(),
            dockerfile: None,
            dockerfile_inline: None,
            target: None,
            args: HashMap::new(),
            labels: HashMap::new(),
            network: None,
            no_cache: false,
            pull: false,
            tags: Vec::new(),
            platforms: Vec::new(),
            secrets: Vec::new(),
            ssh: Vec::new(),
            named_contexts: Vec::new(),
        };
        b.secrets = vec![
            secret("a", SecretValue::File(file)),
            secret("token", SecretValue::Env("from-env".into())),
        ];
        let values = b.secret_values().unwrap();
        assert_eq!(values["a"], b"from-file");
        assert_eq!(values["token"], b"from-env");
        b.secrets.push(secret("gone", SecretValue::Missing));
        assert_eq!(
            b.secret_values().unwrap_err(),
            "secret \"gone-source\" has no value"
        );
    }

    #[test]
    fn the_context_tar_honours_dockerignore() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path();
        std::fs::write(p.join("Dockerfile"), "FROM scratch\n").unwrap();
        std::fs::write(
            p.join(".dockerignore"),
            "*.log\nnode_modules\n!keep.log\nDockerfile\n",
        )
        .unwrap();
        std::fs::write(p.join("a.log"), "x").unwrap();
        std::fs::write(p.join("keep.log"), "x").unwrap();
        std::fs::create_dir_all(p.join("node_modules/x")).unwrap();
        std::fs::write(p.join("node_modules/x/i.js"), "x").unwrap();
        let deep = format!("{}/f.txt", "d".repeat(120));
        std::fs::create_dir_all(p.join("d".repeat(120))).unwrap();
        std::fs::write(p.join(&deep), "x").unwrap();
        let tar = context_tar(p, "Dockerfile", None).unwrap();
        let mut n = names(&tar);
        n.sort();
        let mut want = vec![
            ".dockerignore".to_string(),
            "Dockerfile".to_string(),
            "keep.log".to_string(),
            format!("{}/", "d".repeat(120)),
            deep,
        ];
        want.sort();
        assert_eq!(n, want);
        let with_inline = context_tar(p, INLINE_DOCKERFILE, Some("FROM scratch\n")).unwrap();
        assert!(names(&with_inline).contains(&INLINE_DOCKERFILE.to_string()));
        assert!(context_tar(&p.join("missing"), "Dockerfile", None).is_err());
    }

    /// Issue 17, item 8: `build` held the whole context in memory (1.24 GB for a 400 MB
    /// file). The context is listed first and its tar written in pieces: the size announced
    /// is the size sent, and a file gone since the listing is named.
    #[test]
    fn build_held_the_whole_context_in_memory() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path();
        std::fs::write(p.join("Dockerfile"), "FROM scratch\n").unwrap();
        std::fs::write(p.join("big.bin"), vec![7u8; 3 * 256 * 1024 + 5]).unwrap();
        let deep = "d".repeat(120);
        std::fs::create_dir_all(p.join(&deep)).unwrap();
        std::fs::write(p.join(&deep).join("f"), "x").unwrap();
        std::os::unix::fs::symlink("big.bin", p.join("link")).unwrap();
        let context = Context::list(p, INLINE_DOCKERFILE, Some("FROM scratch\n")).unwrap();
        let tar = context.write(Vec::new()).unwrap();
        assert_eq!(tar.len() as u64, context.size());
        let mut n = names(&tar);
        n.sort();
        assert_eq!(
            n,
            [
                INLINE_DOCKERFILE.to_string(),
                "Dockerfile".into(),
                "big.bin".into(),
                format!("{deep}/"),
                format!("{deep}/f"),
                "link".into(),
            ]
        );
        std::fs::remove_file(p.join("big.bin")).unwrap();
        let err = context.write(Vec::new()).unwrap_err();
        assert!(err.contains("big.bin"), "{err}");
    }

    #[test]
    fn globs() {
        let i = Ignore::parse("**/*.tmp\nbuild/\n# comment\n/docs/*.md\n");
        assert!(i.excludes("a/b/c.tmp"));
        assert!(i.excludes("c.tmp"));
        assert!(i.excludes("build/out/x"));
        assert!(i.excludes("docs/a.md"));
        assert!(!i.excludes("docs/sub/a.md"));
        assert!(!i.excludes("src/main.rs"));
    }

    #[test]
    fn pull_and_build_rules() {
        use ImageAction::*;
        assert_eq!(image_action(None, false, true, false, false), Keep);
        assert_eq!(image_action(None, false, false, false, false), Pull);
        assert_eq!(image_action(None, true, false, false, false), Build);
        assert_eq!(image_action(None, true, true, true, false), Build);
        assert_eq!(image_action(Some("build"), true, true, false, false), Build);
        assert_eq!(
            image_action(Some("always"), false, true, false, false),
            Pull
        );
        assert_eq!(
            image_action(Some("never"), false, false, false, false),
            Keep
        );
        assert_eq!(image_action(None, true, false, false, true), Pull);
        assert_eq!(split_reference("a/b:1.2"), ("a/b", "1.2"));
        assert_eq!(split_reference("host:5000/b"), ("host:5000/b", "latest"));
    }
}
