//! `berth publish REPOSITORY[:TAG]`: the Compose application as an OCI artifact, as Docker
//! Compose publishes it. Each compose file is a layer (`application/vnd.docker.compose.file+yaml`)
//! of an image manifest with the `application/vnd.docker.compose.project` artifact type (or,
//! with `--oci-version 1.0`, the empty config of that media type instead); its `env_file` paths
//! become `SHA256-OF-PATH.env` and local `extends` files become layers of their own named
//! `SHA256-OF-PATH.yaml`. With `--with-env` the env files are layers too.
//!
//! Before anything leaves the machine the command asks, as the reference does, about bind
//! mounts, about values that look like secrets, and about environment variables (refused
//! without `--with-env`); `-y` answers yes. A stack of build-only services, and a stack with
//! local `include`s, cannot be published.
//!
//! The raw text of each file is what is published, so each is parsed again here (from the
//! text the loader already read) for the spans of the scalars to rewrite; nothing else is
//! read from it.

use berth_model::resources::FileKind;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use berth_audit::secrets::{self, Finding};
use berth_engine::bake::go_string as json;
use berth_engine::registry::{self, Client, Content, Reference};
use berth_model::{Project, Span, Value};

use super::engine::{connect, exit_status, runtime};
use super::{load_options, load_project};
use crate::cli::{GlobalArgs, PublishArgs};
use crate::printer::Printer;
use crate::progress::{self, StderrProgress};
use berth_engine::progress::{Phase, Progress as _};

const COMPOSE_VERSION: &str = "2.40.3";
const FILE_TYPE: &str = "application/vnd.docker.compose.file+yaml";
const ENV_TYPE: &str = "application/vnd.docker.compose.envfile";
const ARTIFACT_TYPE: &str = "application/vnd.docker.compose.project";
const EMPTY_TYPE: &str = "application/vnd.oci.empty.v1+json";
const EMPTY_CONFIG_TYPE: &str = "application/vnd.docker.compose.config.empty.v1+json";
const MANIFEST_TYPE: &str = "application/vnd.oci.image.manifest.v1+json";
const INDEX_TYPE: &str = "application/vnd.oci.image.index.v1+json";

/// One layer of the artifact.
struct Layer {
    media_type: &'static str,
    data: Vec<u8>,
    /// Sorted annotation keys and values.
    annotations: Vec<(&'static str, String)>,
}

pub fn run(global: &GlobalArgs, args: &PublishArgs, printer: &mut Printer) -> anyhow::Result<u8> {
    // The application with its images pins them by digest, as Docker Compose's does.
    let resolve_digests = args.resolve_image_digests || args.app;
    let mut opts = load_options(global)?;
    // Every service is published, whatever its profiles.
    opts.profiles = vec!["*".to_string()];
    let Some(project) = load_project(&opts, printer) else {
        return Ok(1);
    };
    let files = match raw_files(&project) {
        Ok(f) => f,
        Err(e) => {
            printer.error(&e);
            return Ok(1);
        }
    };
    if files.iter().any(|f| f.local_include) {
        printer.error("cannot publish compose file with local includes");
        return Ok(1);
    }
    let build_only: Vec<&str> = project
        .services()
        .filter(|s| s.image().is_none() && s.build().is_some())
        .map(|s| s.name)
        .collect();
    if !build_only.is_empty() {
        let mut m = String::from(
            "your Compose stack cannot be published as it only contains a build section for service(s):\n",
        );
        for s in build_only {
            let _ = writeln!(m, "- {s:?}");
        }
        printer.error(&m);
        return Ok(1);
    }
    if !args.yes {
        match pre_checks(&project, &files, args.with_env) {
            Ok(true) => {}
            Ok(false) => return Ok(0),
            Err(e) => {
                printer.error(&e);
                return Ok(1);
            }
        }
    }
    let spec = berth_engine::spec::project_spec(&project);
    let needs_engine = spec.services.iter().any(|s| s.build.is_some()) || resolve_digests;
    let digests = if needs_engine {
        let rt = runtime()?;
        let result = rt.block_on(async {
            let engine = connect().await?;
            if global.dry_run {
                for s in &spec.services {
                    StderrProgress.detail(&s.name, "Skipped", "", Phase::Done);
                }
            } else {
                super::build::push_services(&engine, &spec, true, false).await?;
            }
            if resolve_digests {
                image_digests(&engine, &project).await.map(Some)
            } else {
                Ok(None)
            }
        });
        match result {
            Ok(d) => d,
            Err(e) => return Ok(exit_status(Err(e), printer)),
        }
    } else {
        for s in &spec.services {
            StderrProgress.detail(&s.name, "Skipped", "", Phase::Done);
        }
        None
    };
    let mut layers = layers(&files, args.with_env);
    if let Some(yaml) = digests {
        layers.push(Layer {
            media_type: FILE_TYPE,
            data: yaml.into_bytes(),
            annotations: vec![
                ("com.docker.compose.file", "image-digests.yaml".to_string()),
                ("com.docker.compose.version", COMPOSE_VERSION.to_string()),
            ],
        });
    }
    let repository = &args.repository;
    StderrProgress.detail(repository, "publishing", "", Phase::Working);
    if !global.dry_run {
        let pushed = push(repository, &layers, args.oci_version.as_deref()).and_then(|p| {
            if args.app {
                push_images(&project, &p)
            } else {
                Ok(())
            }
        });
        if let Err(e) = pushed {
            StderrProgress.detail(repository, "publishing", "Error", Phase::Failed);
            printer.error(&e);
            return Ok(1);
        }
    }
    StderrProgress.detail(repository, "published", "", Phase::Done);
    Ok(0)
}

/// A compose file (or a local file one of them `extends`) as it will be published.
struct RawFile {
    path: PathBuf,
    /// The text with its `env_file` and `extends.file` paths replaced.
    published: String,
    /// `SHA.yaml` for a file reached through `extends`, the file's own name otherwise.
    name: String,
    extended: bool,
    local_include: bool,
    /// `services.NAME.environment.KEY` and the like, for the secret scan, with raw values.
    scalars: Vec<(String, String)>,
    /// Absolute paths of the env files it names, with their published names.
    env_files: Vec<(PathBuf, String)>,
}

fn absolute(p: &str, base: &Path) -> PathBuf {
    let home = std::env::var(berth_loader::env_vars::HOME).ok();
    PathBuf::from(berth_loader::paths::absolute(p, base, home.as_deref()))
}

fn sha_name(path: &Path, ext: &str) -> String {
    let d = registry::digest(path.to_string_lossy().as_bytes());
    format!("{}.{ext}", &d["sha256:".len()..])
}

/// The project's compose files, then the local files they `extends`, transitively.
fn raw_files(project: &Project) -> Result<Vec<RawFile>, String> {
    let mut out: Vec<RawFile> = Vec::new();
    let mut queue: Vec<(PathBuf, bool)> = project
        .config_files
        .iter()
        .map(|p| (p.clone(), false))
        .collect();
    let mut i = 0;
    while i < queue.len() {
        let (path, extended) = queue[i].clone();
        i += 1;
        if out.iter().any(|f| f.path == path) {
            continue;
        }
        let text = project
            .sources
            .iter()
            .find(|(_, f)| f.path == path)
            .map(|(_, f)| f.text.to_string())
            .map_or_else(
                || std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display())),
                Ok,
            )?;
        let base = if extended {
            path.parent().map_or_else(PathBuf::new, Path::to_path_buf)
        } else {
            project.working_dir.clone()
        };
        let expand = |s: &str| -> String {
            berth_loader::template::substitute(s, &|k| project.environment.get(k).cloned())
                .map_or_else(|_| s.to_string(), |x| x.value)
        };
        let docs = berth_loader::yaml::parse(berth_model::source::FileId(u32::MAX), &text)
            .map_err(|d| format!("{}: {}", path.display(), d.message))?;
        let mut edits: Vec<(Span, String)> = Vec::new();
        let mut file = RawFile {
            name: if extended {
                sha_name(&path, "yaml")
            } else {
                path.file_name()
                    .map_or_else(String::new, |n| n.to_string_lossy().into_owned())
            },
            path: path.clone(),
            published: String::new(),
            extended,
            local_include: false,
            scalars: Vec::new(),
            env_files: Vec::new(),
        };
        for root in docs.iter().filter_map(|d| d.root.as_ref()) {
            collect_scalars(root, &mut String::new(), &mut file.scalars);
            if let Some(inc) = root.get("include").and_then(Value::as_seq) {
                file.local_include |= inc.iter().any(|e| {
                    let p = e
                        .as_str()
                        .or_else(|| e.get("path").and_then(Value::as_str))
                        .or_else(|| {
                            e.get("path")
                                .and_then(Value::as_seq)
                                .and_then(|s| s.first())
                                .and_then(Value::as_str)
                        });
                    p.is_some_and(|p| {
                        !p.starts_with("oci://") && !p.contains("://") && !p.starts_with("git@")
                    })
                });
            }
            let Some(services) = root.get("services").and_then(Value::as_map) else {
                continue;
            };
            for (_, svc) in services.iter() {
                let mut env_scalars: Vec<&Value> = Vec::new();
                match svc.get("env_file") {
                    Some(v) if v.as_str().is_some() => env_scalars.push(v),
                    Some(v) => {
                        for e in v.as_seq().unwrap_or(&[]) {
                            if e.as_str().is_some() {
                                env_scalars.push(e);
                            } else if let Some(p) = e.get("path").filter(|p| p.as_str().is_some()) {
                                env_scalars.push(p);
                            }
                        }
                    }
                    None => {}
                }
                for v in env_scalars {
                    let abs = absolute(&expand(v.as_str().unwrap_or("")), &base);
                    let name = sha_name(&abs, "env");
                    edits.push((v.span, name.clone()));
                    if !file.env_files.iter().any(|(p, _)| *p == abs) {
                        file.env_files.push((abs, name));
                    }
                }
                if let Some(xf) = svc
                    .get("extends")
                    .and_then(|e| e.get("file"))
                    .filter(|f| f.as_str().is_some())
                {
                    let abs = absolute(&expand(xf.as_str().unwrap_or("")), &base);
                    if abs.is_file() {
                        edits.push((xf.span, sha_name(&abs, "yaml")));
                        queue.push((abs, true));
                    }
                }
            }
        }
        file.published = apply_edits(&text, edits);
        out.push(file);
    }
    Ok(out)
}

/// Replaces each span's scalar with `new`, keeping the quotes it was written with.
fn apply_edits(text: &str, mut edits: Vec<(Span, String)>) -> String {
    edits.sort_by_key(|(s, _)| s.start);
    let mut out = String::with_capacity(text.len());
    let mut at = 0usize;
    for (span, new) in edits {
        let (start, end) = (span.start as usize, span.end as usize);
        if start < at || end > text.len() || start > end {
            continue;
        }
        out.push_str(&text[at..start]);
        let old = &text[start..end];
        match old.chars().next() {
            Some(q @ ('"' | '\'')) if old.len() >= 2 && old.ends_with(q) => {
                out.push(q);
                out.push_str(&new);
                out.push(q);
            }
            _ => out.push_str(&new),
        }
        at = end;
    }
    out.push_str(&text[at..]);
    out
}

/// Every scalar under `services.*.environment` (and the rest of the document) with its path.
fn collect_scalars(v: &Value, path: &mut String, out: &mut Vec<(String, String)>) {
    if let Some(m) = v.as_map() {
        for (k, child) in m.iter() {
            let len = path.len();
            if !path.is_empty() {
                path.push('.');
            }
            path.push_str(&k.name);
            collect_scalars(child, path, out);
            path.truncate(len);
        }
    } else if let Some(items) = v.as_seq() {
        let in_env = path.ends_with(".environment");
        for (i, item) in items.iter().enumerate() {
            // `- KEY=value` under `environment` is the key `KEY`.
            if let (true, Some((k, val))) = (in_env, item.as_str().and_then(|s| s.split_once('=')))
            {
                out.push((format!("{path}.{k}"), val.to_string()));
                continue;
            }
            let len = path.len();
            let _ = write!(path, "[{i}]");
            collect_scalars(item, path, out);
            path.truncate(len);
        }
    } else if let Some(s) = v.scalar_to_string() {
        out.push((path.clone(), s));
    }
}

/// The reference's three questions; `Ok(false)` when one is answered no.
fn pre_checks(project: &Project, files: &[RawFile], with_env: bool) -> Result<bool, String> {
    let mut binds = String::new();
    for s in project.services() {
        let mut lines = String::new();
        for m in s.mounts() {
            if m.kind != berth_model::mount::MountKind::Bind {
                continue;
            }
            let source = m.source.unwrap_or("");
            let target = m.target.unwrap_or("");
            let ro = m.read_only;
            let _ = writeln!(lines, "{source}:{target}:{}", if ro { "ro" } else { "rw" });
        }
        if !lines.is_empty() {
            binds.push_str(s.name);
            binds.push_str(&lines);
        }
    }
    if !binds.is_empty() {
        let q = format!(
            "you are about to publish bind mounts declaration within your OCI artifact.\n\
             only the bind mount declarations will be added to the OCI artifact (not content)\n\
             please double check that you are not mounting potential user's sensitive directories or data\n\
             {binds}Are you ok to publish these bind mount declarations?"
        );
        if !progress::confirm_piped(&q) {
            return Ok(false);
        }
    }
    let found = sensitive_data(project, files);
    if !found.is_empty() {
        let mut q = String::from(
            "you are about to publish sensitive data within your OCI artifact.\n\
             please double check that you are not leaking sensitive data\n",
        );
        for f in &found {
            let _ = writeln!(q, "{}\n{:?}: {}", f.kind.name(), f.key, f.value);
        }
        q.push_str("Are you ok to publish these sensitive data?");
        if !progress::confirm_piped(&q) {
            return Ok(false);
        }
    }
    let mut errors = String::new();
    let mut listed = String::new();
    for s in project.services() {
        let env = s.settings().environment.map(|e| e.value);
        let from_files = files
            .iter()
            .any(|f| !f.extended && has_env_file(&f.scalars, s.name));
        if from_files {
            let _ = writeln!(errors, "service {:?} has env_file declared.", s.name);
        }
        if let Some(env) = env.filter(|e| !e.is_empty()) {
            let _ = writeln!(
                errors,
                "service {:?} has environment variable(s) declared.",
                s.name
            );
            let _ = writeln!(listed, "Service/Config  {}", s.name);
            for var in &env {
                let _ = writeln!(
                    listed,
                    "{}={}",
                    var.name,
                    var.value.as_deref().unwrap_or_default()
                );
            }
        }
    }
    {
        for c in project.file_defs(FileKind::Config) {
            if let Some(var) = c.environment {
                let name = c.name;
                let _ = writeln!(
                    errors,
                    "config {name:?} is declare as an environment variable."
                );
                let _ = writeln!(listed, "Service/Config  {name}\n{name}={var}");
            }
        }
    }
    if errors.is_empty() {
        return Ok(true);
    }
    if !with_env {
        return Err(format!(
            "{errors}To avoid leaking sensitive data, you must either explicitly allow the sending of environment variables by using the --with-env flag,\nor remove sensitive data from your Compose configuration"
        ));
    }
    let q = format!(
        "you are about to publish environment variables within your OCI artifact.\n\
         please double check that you are not leaking sensitive data\n\
         {listed}Are you ok to publish these environment variables?"
    );
    Ok(progress::confirm_piped(&q))
}

fn has_env_file(scalars: &[(String, String)], service: &str) -> bool {
    let prefix = format!("services.{service}.env_file");
    scalars.iter().any(|(k, _)| k.starts_with(&prefix))
}

/// What looks like a secret in the compose files (as written), the env files, and the files of
/// configs and secrets.
fn sensitive_data(project: &Project, files: &[RawFile]) -> Vec<Finding> {
    let mut found: Vec<Finding> = Vec::new();
    for f in files.iter().filter(|f| !f.extended) {
        for (k, v) in &f.scalars {
            found.extend(secrets::scan(k, v));
        }
    }
    for (path, _) in env_files(files) {
        if let Ok(text) = std::fs::read_to_string(path) {
            found.extend(secrets::scan_env_file(&text));
        }
    }
    for kind in [FileKind::Config, FileKind::Secret] {
        for r in project.file_defs(kind) {
            if let Some(file) = r.file {
                if let Ok(text) = std::fs::read_to_string(file) {
                    found.extend(secrets::scan_text(&text));
                }
            }
        }
    }
    // Listed by kind, as the reference's detectors list them.
    found.sort_by_key(|f| f.kind);
    found
}

/// Every env file the files name, once each, in the order first named.
fn env_files(files: &[RawFile]) -> Vec<&(PathBuf, String)> {
    let mut out: Vec<&(PathBuf, String)> = Vec::new();
    for e in files.iter().flat_map(|f| &f.env_files) {
        if !out.iter().any(|o| o.0 == e.0) {
            out.push(e);
        }
    }
    out
}

fn layers(files: &[RawFile], with_env: bool) -> Vec<Layer> {
    let mut out = Vec::new();
    for f in files {
        let mut annotations = Vec::new();
        if f.extended {
            annotations.push(("com.docker.compose.extends", "true".to_string()));
        }
        annotations.push(("com.docker.compose.file", f.name.clone()));
        annotations.push(("com.docker.compose.version", COMPOSE_VERSION.to_string()));
        out.push(Layer {
            media_type: FILE_TYPE,
            data: f.published.clone().into_bytes(),
            annotations,
        });
    }
    if with_env {
        for (path, name) in env_files(files) {
            // An env file that cannot be read is left out, as in the reference.
            if let Ok(data) = std::fs::read(path) {
                out.push(Layer {
                    media_type: ENV_TYPE,
                    data,
                    annotations: vec![
                        ("com.docker.compose.envfile", name.clone()),
                        ("com.docker.compose.version", COMPOSE_VERSION.to_string()),
                    ],
                });
            }
        }
    }
    out
}

/// `image: NAME@DIGEST` for every service, from the registries the images came from.
async fn image_digests(
    engine: &berth_engine::Engine,
    project: &Project,
) -> Result<String, berth_engine::EngineError> {
    let mut yaml = String::from("services:\n");
    for s in project.services() {
        let Some(image) = s.image() else { continue };
        let digest = engine.distribution_digest(image).await.map_err(|e| {
            berth_engine::EngineError::Other(format!(
                "failed to resolve digest for {}: {e}",
                normalized(image)
            ))
        })?;
        let name = image.split('@').next().unwrap_or(image);
        let _ = write!(yaml, "  {}:\n    image: {name}@{digest}\n", s.name);
    }
    Ok(yaml)
}

/// `docker.io/library/busybox:latest` for `busybox`.
fn normalized(image: &str) -> String {
    match Reference::parse(image) {
        Ok(r) if r.reference.starts_with("sha256:") => {
            format!("{}/{}@{}", r.domain, r.repository, r.reference)
        }
        Ok(r) => format!("{}/{}:{}", r.domain, r.repository, r.reference),
        Err(_) => image.to_string(),
    }
}

fn descriptor(media_type: &str, data: &[u8], annotations: &[(&str, String)]) -> String {
    use base64::Engine as _;
    let mut d = format!(
        "{{\"mediaType\":{},\"digest\":\"{}\",\"size\":{}",
        json(media_type),
        registry::digest(data),
        data.len()
    );
    if !annotations.is_empty() {
        d.push_str(",\"annotations\":{");
        for (i, (k, v)) in annotations.iter().enumerate() {
            if i > 0 {
                d.push(',');
            }
            let _ = write!(d, "{}:{}", json(k), json(v));
        }
        d.push('}');
    }
    let _ = write!(
        d,
        ",\"data\":\"{}\"}}",
        base64::engine::general_purpose::STANDARD.encode(data)
    );
    d
}

/// The image manifest of the artifact, as the reference marshals it.
fn manifest(layers: &[Layer], oci_1_0: bool, created: &str) -> String {
    let mut m = format!(
        "{{\"schemaVersion\":2,\"mediaType\":{}",
        json(MANIFEST_TYPE)
    );
    if !oci_1_0 {
        let _ = write!(m, ",\"artifactType\":{}", json(ARTIFACT_TYPE));
    }
    let config_type = if oci_1_0 {
        EMPTY_CONFIG_TYPE
    } else {
        EMPTY_TYPE
    };
    let _ = write!(m, ",\"config\":{}", descriptor(config_type, b"{}", &[]));
    m.push_str(",\"layers\":[");
    for (i, l) in layers.iter().enumerate() {
        if i > 0 {
            m.push(',');
        }
        m.push_str(&descriptor(l.media_type, &l.data, &l.annotations));
    }
    let _ = write!(
        m,
        "],\"annotations\":{{\"org.opencontainers.image.created\":{}}}}}",
        json(created)
    );
    m
}

/// The artifact as pushed: where, and its manifest's descriptor (the subject of the
/// application's index, with `--app`).
struct Pushed {
    client: Client,
    target: Reference,
    subject: Subject,
}

/// The artifact's manifest, as an index refers to it.
struct Subject {
    digest: String,
    size: usize,
    oci_1_0: bool,
}

/// Pushes the layers, the empty config and the manifest. With no `--oci-version`, an OCI 1.1
/// manifest first, and an OCI 1.0 one when the registry refuses it with a client error other
/// than an auth one (it does not know artifact types).
fn push(repository: &str, layers: &[Layer], oci_version: Option<&str>) -> Result<Pushed, String> {
    let oci_1_0 = match oci_version {
        None | Some("" | "1.1") => false,
        Some("1.0") => true,
        Some(other) => return Err(format!("unsupported OCI version: {other}")),
    };
    let reference = Reference::parse(repository)?;
    let credentials = crate::context::credentials(&reference.domain);
    let client = Client::connect(&reference, credentials).map_err(|e| e.to_string())?;
    let created = {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        berth_engine::logs::utc_time(
            i64::try_from(now).unwrap_or(0),
            0,
            berth_engine::logs::TimeStyle::Trimmed,
        )
    };
    let blob = |media_type: &str, data: &[u8]| {
        client
            .push_blob(&Content { media_type, data })
            .map_err(|e| e.to_string())
    };
    blob(EMPTY_TYPE, b"{}")?;
    for l in layers {
        blob(l.media_type, &l.data)?;
    }
    let put = |oci_1_0: bool| {
        let body = manifest(layers, oci_1_0, &created);
        client
            .put_manifest(
                &reference.reference,
                &Content {
                    media_type: MANIFEST_TYPE,
                    data: body.as_bytes(),
                },
            )
            .map(|digest| (digest, body.len(), oci_1_0))
    };
    let (digest, size, oci_1_0) = match put(oci_1_0) {
        Ok(done) => done,
        Err(e)
            if oci_version.is_none()
                && e.status
                    .is_some_and(|s| (400..500).contains(&s) && ![401, 403, 407].contains(&s)) =>
        {
            blob(EMPTY_CONFIG_TYPE, b"{}")?;
            put(true).map_err(|e| e.to_string())?
        }
        Err(e) => return Err(e.to_string()),
    };
    Ok(Pushed {
        client,
        target: reference,
        subject: Subject {
            digest,
            size,
            oci_1_0,
        },
    })
}

/// `--app`: each service's image copied, by digest, from its registry into the artifact's
/// repository, and an image index listing them, whose subject is the artifact, pushed there by
/// digest, as Docker Compose publishes an application with its images.
fn push_images(project: &Project, pushed: &Pushed) -> Result<(), String> {
    let mut images = Vec::new();
    for s in project.services() {
        let Some(image) = s.image() else { continue };
        let source = Reference::parse(image)?;
        let credentials = crate::context::credentials(&source.domain);
        let src = Client::connect(&source, credentials).map_err(|e| e.to_string())?;
        let same = source.api_host() == pushed.target.api_host();
        let copied = registry::copy_image(&src, &pushed.client, &source.reference, same)
            .map_err(|e| format!("failed to copy {image}: {e}"))?;
        images.push((copied, source));
    }
    let index = app_index(&images, &pushed.subject);
    pushed
        .client
        .put_manifest(
            &registry::digest(index.as_bytes()),
            &Content {
                media_type: INDEX_TYPE,
                data: index.as_bytes(),
            },
        )
        .map(|_| ())
        .map_err(|e| e.to_string())
}

/// The index of an application's images, as the reference marshals it: each image's
/// descriptor noting the repository it came from (containerd's distribution-source label,
/// keyed by the registry's host name without its port), the artifact as its subject.
fn app_index(images: &[(registry::Copied, Reference)], artifact: &Subject) -> String {
    let mut m = format!(
        "{{\"schemaVersion\":2,\"mediaType\":{},\"manifests\":[",
        json(INDEX_TYPE)
    );
    for (i, (copied, source)) in images.iter().enumerate() {
        if i > 0 {
            m.push(',');
        }
        let host = source
            .domain
            .strip_prefix('[')
            .and_then(|h| h.split_once(']').map(|(h, _)| h))
            .unwrap_or_else(|| source.domain.split(':').next().unwrap_or(&source.domain));
        let _ = write!(
            m,
            "{{\"mediaType\":{},\"digest\":{},\"size\":{},\"annotations\":{{{}:{}}}}}",
            json(&copied.media_type),
            json(&copied.digest),
            copied.size,
            json(&format!("containerd.io/distribution.source.{host}")),
            json(&source.repository)
        );
    }
    let _ = write!(
        m,
        "],\"subject\":{{\"mediaType\":{},\"digest\":{},\"size\":{},\"annotations\":{{\"com.docker.compose.version\":{}}}",
        json(MANIFEST_TYPE),
        json(&artifact.digest),
        artifact.size,
        json(COMPOSE_VERSION)
    );
    if !artifact.oci_1_0 {
        let _ = write!(m, ",\"artifactType\":{}", json(ARTIFACT_TYPE));
    }
    let _ = write!(
        m,
        "}},\"annotations\":{{\"com.docker.compose.version\":{}}}}}",
        json(COMPOSE_VERSION)
    );
    m
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_manifest_is_marshalled_as_the_references() {
        let layers = [Layer {
            media_type: FILE_TYPE,
            data: b"services:\n  app:\n    image: x\n".to_vec(),
            annotations: vec![
                ("com.docker.compose.file", "compose.yaml".to_string()),
                ("com.docker.compose.version", COMPOSE_VERSION.to_string()),
            ],
        }];
        let m = manifest(&layers, false, "2026-12-04T19:07:26Z");
        assert!(m.starts_with(
            "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"artifactType\":\"application/vnd.docker.compose.project\",\"config\":{\"mediaType\":\"application/vnd.oci.empty.v1+json\",\"digest\":\"sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a\",\"size\":2,\"data\":\"e30=\"},\"layers\":[{\"mediaType\":\"application/vnd.docker.compose.file+yaml\""
        ));
        assert!(m.ends_with(
            "\"annotations\":{\"org.opencontainers.image.created\":\"2026-12-04T19:07:26Z\"}}"
        ));
        let old = manifest(&layers, true, "t");
        assert!(!old.contains("artifactType"));
        assert!(old.contains(EMPTY_CONFIG_TYPE));
    }

    #[test]
    fn the_application_index_is_marshalled_as_the_references() {
        let images = [(
            registry::Copied {
                media_type: MANIFEST_TYPE.into(),
                digest: "sha256:289f60884f41989d15b14806ab134944cc7b04f7ae2d99f751c422351b5da391"
                    .into(),
                size: 418,
            },
            Reference::parse("127.0.0.1:5443/base/img:1").unwrap(),
        )];
        let subject = Subject {
            digest: "sha256:3a13394f02b2c8c28a8c1b92b472e217ec308987728eb0545a9eea9a2ab184ba"
                .into(),
            size: 1139,
            oci_1_0: false,
        };
        // What the reference pushed for this image and artifact.
        assert_eq!(
            app_index(&images, &subject),
            r#"{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:289f60884f41989d15b14806ab134944cc7b04f7ae2d99f751c422351b5da391","size":418,"annotations":{"containerd.io/distribution.source.127.0.0.1":"base/img"}}],"subject":{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:3a13394f02b2c8c28a8c1b92b472e217ec308987728eb0545a9eea9a2ab184ba","size":1139,"annotations":{"com.docker.compose.version":"2.40.3"},"artifactType":"application/vnd.docker.compose.project"},"annotations":{"com.docker.compose.version":"2.40.3"}}"#
        );
    }

    #[test]
    fn edits_keep_the_quotes_of_the_scalar() {
        let text = "a: x.env\nb: \"y.env\"\n";
        let s = |start, end| Span::new(berth_model::source::FileId(0), start, end);
        let out = apply_edits(text, vec![(s(12, 19), "H2".into()), (s(3, 8), "H1".into())]);
        assert_eq!(out, "a: H1\nb: \"H2\"\n");
    }
}
