//! The load pipeline (compose-go `loader/loader.go` plus docker compose's project options):
//! environment → files → per document: parse, interpolate, canonicalize, extends, include,
//! `!reset`, merge → decode → normalize → paths → environment resolution → profiles →
//! consistency → selection.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use berth_model::{Diagnostic, FileId, Key, Kind, Map, MapKind, Project, SourceMap, Span, Value};
use indexmap::IndexMap;

use crate::decode::{self, decode_struct};
use crate::template::{substitute, TemplateError};
use crate::{canonical, dotenv, env_vars, merge, paths, yaml};

/// How to load a project: the command line's global flags plus the process environment.
#[derive(Clone, Debug)]
pub struct Options {
    /// `-f` files, in order; `-` reads standard input.
    pub files: Vec<PathBuf>,
    /// `-p`.
    pub project_name: Option<String>,
    /// `--project-directory`.
    pub project_directory: Option<PathBuf>,
    /// `--env-file`, in order.
    pub env_files: Vec<PathBuf>,
    /// `--profile`.
    pub profiles: Vec<String>,
    /// Services named on the command line (selection).
    pub services: Vec<String>,
    /// Services named on the command line of an engine command: enabled whatever their
    /// profiles, but not selected (Docker Compose's `WithServicesEnabled`: `restart debug`
    /// acts on `debug` of an inactive profile). What they depend on is not enabled with them.
    pub enable: Vec<String>,
    pub interpolate: bool,
    pub normalize: bool,
    pub resolve_paths: bool,
    pub consistency: bool,
    /// Merge `env_file` contents into `environment` and drop `env_file` (what `config` shows).
    pub resolve_env_files: bool,
    /// The services the command acts on (`up SERVICE…`), when not empty: Docker Compose
    /// reads the env files (with `resolve_env_files`) and checks that container names are
    /// unique for these and what they depend on alone.
    pub acting_on: Vec<String>,
    /// The process environment.
    pub os_env: IndexMap<String, String>,
    /// The working directory.
    pub cwd: PathBuf,
    /// Content of standard input, for `-f -`.
    pub stdin: Option<String>,
    /// `--all-resources`: keep networks, volumes, secrets and configs no service uses.
    pub all_resources: bool,
    /// Keep each file's own document in [`Project::layers`] (for the audit).
    pub keep_layers: bool,
}

impl Options {
    /// Options for loading with the defaults of `docker compose config` in `cwd`.
    #[must_use]
    pub fn new(cwd: PathBuf, os_env: IndexMap<String, String>) -> Options {
        Options {
            files: Vec::new(),
            project_name: None,
            project_directory: None,
            env_files: Vec::new(),
            profiles: Vec::new(),
            services: Vec::new(),
            enable: Vec::new(),
            interpolate: true,
            normalize: true,
            resolve_paths: true,
            consistency: true,
            resolve_env_files: true,
            acting_on: Vec::new(),
            os_env,
            cwd,
            stdin: None,
            all_resources: false,
            keep_layers: false,
        }
    }
}

/// `names` and every service they depend on, transitively (unknown names are left out).
fn dependency_closure(services: &Map, names: &[String]) -> HashSet<String> {
    let mut seen = HashSet::new();
    let mut todo: Vec<String> = names.to_vec();
    while let Some(n) = todo.pop() {
        let Some(svc) = services.get(&n) else {
            continue;
        };
        if !seen.insert(n) {
            continue;
        }
        todo.extend(
            svc.get("depends_on")
                .and_then(Value::as_map)
                .into_iter()
                .flat_map(Map::iter)
                .map(|(k, _)| k.name.clone()),
        );
    }
    seen
}

/// An interpolation error on its way up the tree, collecting its path in reverse.
struct InterpolationFailure {
    rev_path: Vec<String>,
    error: TemplateError,
    span: Span,
}

/// A failed load: the error and the sources needed to render it.
#[derive(Debug)]
pub struct LoadError {
    pub diagnostic: Diagnostic,
    pub sources: SourceMap,
    pub warnings: Vec<Diagnostic>,
}

impl LoadError {
    #[must_use]
    pub fn render(&self) -> String {
        self.diagnostic.render(&self.sources)
    }
}

type Res<T> = Result<T, Diagnostic>;

pub(crate) struct Loader<'o> {
    pub(crate) opts: &'o Options,
    pub(crate) sources: SourceMap,
    pub(crate) warnings: Vec<Diagnostic>,
    warned_unset: HashSet<String>,
    /// See [`Project::included_values`].
    pub(crate) included_values: IndexMap<String, String>,
}

fn svc_key(name: &str) -> Key {
    Key::synthetic(name)
}

/// Loads a project.
///
/// # Errors
/// Any file, syntax, interpolation, validation or consistency error, as one diagnostic.
pub fn load(opts: &Options) -> Result<Project, Box<LoadError>> {
    let mut loader = Loader {
        opts,
        sources: SourceMap::default(),
        warnings: Vec::new(),
        warned_unset: HashSet::new(),
        included_values: IndexMap::new(),
    };
    match loader.run() {
        Ok(mut project) => {
            project.sources = std::mem::take(&mut loader.sources);
            project.included_values = std::mem::take(&mut loader.included_values);
            project.warnings = std::mem::take(&mut loader.warnings);
            Ok(project)
        }
        Err(diagnostic) => Err(Box::new(LoadError {
            diagnostic,
            sources: loader.sources,
            warnings: loader.warnings,
        })),
    }
}

/// The merged model of all files, before decoding and normalization.
#[derive(Debug)]
pub struct Merged {
    /// The merged documents (canonical forms, not yet typed or normalized).
    pub model: Value,
    pub name: String,
    pub workdir: PathBuf,
    pub files: Vec<PathBuf>,
    pub env: IndexMap<String, String>,
    /// Each document before merging, if [`Options::keep_layers`].
    pub layers: Vec<berth_model::Layer>,
}

/// Loads and merges the files without decoding them (for `config --variables`).
///
/// # Errors
/// As [`load`], for the steps up to merging.
pub fn load_model(opts: &Options) -> Result<(Merged, SourceMap, Vec<Diagnostic>), Box<LoadError>> {
    let mut loader = Loader {
        opts,
        sources: SourceMap::default(),
        warnings: Vec::new(),
        warned_unset: HashSet::new(),
        included_values: IndexMap::new(),
    };
    match loader.merged() {
        Ok(m) => Ok((m, loader.sources, loader.warnings)),
        Err(diagnostic) => Err(Box::new(LoadError {
            diagnostic,
            sources: loader.sources,
            warnings: loader.warnings,
        })),
    }
}

/// Project name normalization for `name:` and directory names (compose-go `NormalizeProjectName`).
#[must_use]
pub fn normalize_project_name(s: &str) -> String {
    let lower = s.to_lowercase();
    let kept: String = lower
        .chars()
        .filter(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '_' || *c == '-')
        .collect();
    kept.trim_start_matches(['_', '-']).to_string()
}

fn valid_project_name(s: &str) -> bool {
    let b = s.as_bytes();
    !b.is_empty()
        && (b[0].is_ascii_lowercase() || b[0].is_ascii_digit())
        && b.iter()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == b'_' || *c == b'-')
}

fn absolute_from(p: &Path, cwd: &Path) -> PathBuf {
    if p.is_absolute() {
        p.to_path_buf()
    } else {
        PathBuf::from(canonical::clean_path(&format!(
            "{}/{}",
            cwd.display(),
            p.display()
        )))
    }
}

/// The names discovery looks for, in order of preference.
pub const DEFAULT_FILES: [&str; 4] = [
    "compose.yaml",
    "compose.yml",
    "docker-compose.yml",
    "docker-compose.yaml",
];
const OVERRIDE_FILES: [&str; 4] = [
    "compose.override.yml",
    "compose.override.yaml",
    "docker-compose.override.yml",
    "docker-compose.override.yaml",
];

fn env_truthy(v: Option<&String>) -> bool {
    v.is_some_and(|s| {
        matches!(
            s.to_ascii_lowercase().as_str(),
            "1" | "true" | "t" | "yes" | "y" | "on"
        )
    })
}

impl Loader<'_> {
    fn read_file(&mut self, path: &Path) -> Res<(FileId, Arc<str>)> {
        let text = crate::read::text(path)
            .map_err(|e| Diagnostic::error(format!("cannot read {}: {e}", path.display())))?;
        let text: Arc<str> = Arc::from(text);
        let id = self.sources.add(path.to_path_buf(), Arc::clone(&text));
        Ok((id, text))
    }

    fn read_env_file(
        &mut self,
        path: &Path,
        lookup: &dyn Fn(&str) -> Option<String>,
    ) -> Res<IndexMap<String, String>> {
        let (id, text) = self.read_file(path)?;
        let mut unset = Vec::new();
        let values = dotenv::parse_noting_unset(id, &text, lookup, &mut unset)?;
        self.warn_unset(unset);
        Ok(values)
    }

    /// The env files of the two passes Docker Compose makes (before and after discovery).
    fn env_files_for(
        &self,
        workdir: &Path,
        os_env: &IndexMap<String, String>,
    ) -> Vec<(PathBuf, bool)> {
        if !self.opts.env_files.is_empty() {
            return self
                .opts
                .env_files
                .iter()
                .map(|p| (absolute_from(p, &self.opts.cwd), true))
                .collect();
        }
        if let Some(list) = os_env
            .get(env_vars::COMPOSE_ENV_FILES)
            .filter(|s| !s.is_empty())
        {
            return list
                .split(',')
                .map(|p| (absolute_from(Path::new(p.trim()), &self.opts.cwd), true))
                .collect();
        }
        if env_truthy(self.opts.os_env.get(env_vars::COMPOSE_DISABLE_ENV_FILE)) {
            return Vec::new();
        }
        vec![(workdir.join(".env"), false)]
    }

    fn load_env_files(
        &mut self,
        files: &[(PathBuf, bool)],
        base: &IndexMap<String, String>,
    ) -> Res<IndexMap<String, String>> {
        let mut from_files: IndexMap<String, String> = IndexMap::new();
        for (path, explicit) in files {
            // A folder is named as one (as the reference does); a pipe or a device is read,
            // up to the size limit.
            if path.is_dir() && *explicit {
                return Err(Diagnostic::error(format!(
                    "{} is a directory",
                    path.display()
                )));
            }
            if !path.exists() || path.is_dir() {
                if *explicit {
                    return Err(Diagnostic::error(format!(
                        "couldn't find env file: {}",
                        path.display()
                    )));
                }
                continue;
            }
            let snapshot = from_files.clone();
            let env = self.read_env_file(path, &|k| {
                base.get(k).cloned().or_else(|| snapshot.get(k).cloned())
            })?;
            from_files.extend(env);
        }
        Ok(from_files)
    }

    fn run(&mut self) -> Res<Project> {
        let mut m = self.merged()?;
        let layers = std::mem::take(&mut m.layers);
        let mut project = if self.opts.interpolate {
            self.finish(m.model, m.name, m.workdir, m.files, m.env)?
        } else {
            self.finish_raw(m)?
        };
        project.layers = layers;
        Ok(project)
    }

    /// Everything up to the merged model: environment, files, per-document steps and merging.
    fn merged(&mut self) -> Res<Merged> {
        let opts = self.opts;
        let mut os_env = opts.os_env.clone();
        if !os_env.contains_key(env_vars::PWD) {
            os_env.insert(env_vars::PWD.into(), opts.cwd.display().to_string());
        }
        // Pass 1: env files next to the first -f file / project directory / cwd, whose
        // COMPOSE_* keys configure the CLI itself.
        let first_dir = opts
            .project_directory
            .as_ref()
            .map(|d| absolute_from(d, &opts.cwd))
            .or_else(|| {
                opts.files
                    .iter()
                    .find(|f| f.as_os_str() != "-")
                    .and_then(|f| absolute_from(f, &opts.cwd).parent().map(Path::to_path_buf))
            });
        let pass1_dir = first_dir.clone().unwrap_or_else(|| opts.cwd.clone());
        let pass1_files = self.env_files_for(&pass1_dir, &os_env);
        let pass1 = self.load_env_files(&pass1_files, &os_env)?;
        for (k, v) in &pass1 {
            if k.starts_with("COMPOSE_") && !os_env.contains_key(k) {
                os_env.insert(k.clone(), v.clone());
            }
        }
        // Files: -f, else COMPOSE_FILE, else discovery.
        let mut files: Vec<PathBuf> = Vec::new();
        if !opts.files.is_empty() {
            for f in &opts.files {
                if f.as_os_str() == "-" {
                    files.push(f.clone());
                } else {
                    files.push(absolute_from(f, &opts.cwd));
                }
            }
        } else if let Some(list) = os_env.get(env_vars::COMPOSE_FILE).filter(|s| !s.is_empty()) {
            let sep = os_env
                .get(env_vars::COMPOSE_PATH_SEPARATOR)
                .cloned()
                .unwrap_or_else(|| ":".into());
            for p in list.split(sep.as_str()) {
                let abs = absolute_from(Path::new(p), &opts.cwd);
                if !abs.exists() {
                    return Err(Diagnostic::error(format!(
                        "stat {}: no such file or directory",
                        abs.display()
                    )));
                }
                files.push(abs);
            }
        } else {
            let start = first_dir.clone().unwrap_or_else(|| opts.cwd.clone());
            let mut dir = Some(start.as_path());
            while let Some(d) = dir {
                let found: Vec<&str> = DEFAULT_FILES
                    .iter()
                    .copied()
                    .filter(|n| d.join(n).is_file())
                    .collect();
                if let Some(first) = found.first() {
                    if found.len() > 1 {
                        self.warnings.push(Diagnostic::warning(format!(
                            "Found multiple config files with supported names: {}\nUsing {}",
                            found
                                .iter()
                                .map(|n| d.join(n).display().to_string())
                                .collect::<Vec<_>>()
                                .join(", "),
                            d.join(first).display()
                        )));
                    }
                    files.push(d.join(first));
                    if let Some(o) = OVERRIDE_FILES.iter().find(|n| d.join(n).is_file()) {
                        files.push(d.join(o));
                    }
                    break;
                }
                dir = d.parent();
            }
            if files.is_empty() {
                return Err(Diagnostic::error(
                    "no configuration file provided: not found".to_string(),
                ));
            }
        }
        let workdir = match &opts.project_directory {
            Some(d) => absolute_from(d, &opts.cwd),
            None => files
                .iter()
                .find(|f| f.as_os_str() != "-")
                .and_then(|f| f.parent().map(Path::to_path_buf))
                .unwrap_or_else(|| opts.cwd.clone()),
        };
        // Pass 2: env files of the project directory; earlier values win.
        let pass2_files = self.env_files_for(&workdir, &os_env);
        let pass2 = if pass2_files == pass1_files {
            IndexMap::new()
        } else {
            self.load_env_files(&pass2_files, &os_env)?
        };
        let mut env = os_env.clone();
        for (k, v) in pass1.into_iter().chain(pass2) {
            env.entry(k).or_insert(v);
        }
        // Read every file, then parse them in parallel (files are independent).
        let mut texts: Vec<(FileId, PathBuf, Arc<str>)> = Vec::with_capacity(files.len());
        for f in &files {
            let (id, text) = if f.as_os_str() == "-" {
                let text: Arc<str> = Arc::from(opts.stdin.clone().unwrap_or_default());
                (
                    self.sources.add(PathBuf::from("-"), Arc::clone(&text)),
                    text,
                )
            } else {
                self.read_file(f)?
            };
            texts.push((id, f.clone(), text));
        }
        let parsed: Vec<Res<Vec<yaml::Document>>> = parallel_map(
            texts.iter().collect(),
            split_point(texts.len()),
            |(id, _, text)| yaml::parse(*id, text),
        );
        let mut docs: Vec<(FileId, PathBuf, yaml::Document)> = Vec::new();
        for ((id, f, _), result) in texts.iter().zip(parsed) {
            let parsed = result?;
            if parsed.iter().all(|d| d.root.is_none()) && parsed.len() <= 1 {
                let d = Diagnostic::error("empty compose file");
                let d = d.with_label(Span::new(*id, 0, 0), "this file has no content");
                return Err(d);
            }
            for d in parsed {
                docs.push((*id, f.clone(), d));
            }
        }
        // Project name: -p > COMPOSE_PROJECT_NAME > name: > directory.
        let name = self.project_name(&docs, &env, &workdir)?;
        env.insert(env_vars::COMPOSE_PROJECT_NAME.into(), name.clone());
        // Per document: the pure steps (interpolate, check, canonicalize) in parallel, then
        // extends, include, reset and merge in order.
        let mut roots: Vec<DocumentRoot> = Vec::new();
        for (id, path, doc) in docs {
            let Some(root) = doc.root else {
                return Err(Diagnostic::error("top-level object must be a mapping")
                    .with_label(Span::new(id, 0, 0), "in this document"));
            };
            if !matches!(root.kind, Kind::Map(_)) {
                return Err(Diagnostic::error("top-level object must be a mapping")
                    .with_label(root.span, format!("found {}", root.type_name())));
            }
            roots.push((id, path, root, doc.resets));
        }
        // A service written as nothing (`a:`) in a file before any file gave it attributes:
        // the model merged so far holds a null there, which Compose rejects (a null over a
        // mapping of an earlier file is nothing).
        let mut defined: HashSet<&str> = HashSet::new();
        for (_, _, root, _) in &roots {
            let services = root.get("services").and_then(Value::as_map);
            for (k, v) in services.into_iter().flat_map(Map::iter) {
                if v.is_null() && !defined.contains(k.name.as_str()) {
                    return Err(Diagnostic::error(format!(
                        "services.{} must be a mapping",
                        k.name
                    ))
                    .with_label(k.span, "found null: give the service its attributes"));
                }
            }
            for (k, v) in services.into_iter().flat_map(Map::iter) {
                if !v.is_null() {
                    defined.insert(k.name.as_str());
                }
            }
        }
        let interpolate = opts.interpolate;
        let env_ref = &env;
        let n_roots = roots.len();
        let prepared: Vec<(Value, Res<Prepared>)> = parallel_map(
            roots
                .iter_mut()
                .map(|r| std::mem::replace(&mut r.2, Value::null(Span::SYNTHETIC)))
                .collect(),
            split_point(n_roots),
            |mut root| {
                let r = prepare_pure(&mut root, env_ref, interpolate);
                (root, r)
            },
        );
        let mut model = Value::empty_map(MapKind::Dict, Span::SYNTHETIC);
        let mut layers = Vec::new();
        for ((file, path, _, resets), (mut root, result)) in roots.into_iter().zip(prepared) {
            self.absorb(result?);
            let file_dir = if path.as_os_str() == "-" {
                opts.cwd.clone()
            } else {
                path.parent()
                    .map_or_else(|| opts.cwd.clone(), Path::to_path_buf)
            };
            self.finish_document(
                &mut root,
                &env,
                &file_dir,
                &workdir,
                &mut vec![path.clone()],
                &resets,
            )?;
            if opts.keep_layers {
                layers.push(berth_model::Layer {
                    file,
                    path: path.clone(),
                    doc: root.clone(),
                });
            }
            merge::apply_resets(&mut model, &resets);
            // Only the services this document touches can have new duplicates.
            let touched: Vec<String> = root
                .get("services")
                .and_then(Value::as_map)
                .map(|m| m.keys().map(str::to_string).collect())
                .unwrap_or_default();
            if opts.interpolate {
                merge::merge(&mut model, root, &mut Vec::new())?;
            } else {
                merge::merge_raw(&mut model, root, &mut Vec::new())?;
            }
            if let Some(services) = model.get_mut("services").and_then(Value::as_map_mut) {
                for name in &touched {
                    if let Some(svc) = services.get_mut(name) {
                        merge::enforce_unicity_service(svc);
                    }
                }
            }
        }
        Ok(Merged {
            model,
            name,
            workdir,
            files,
            env,
            layers,
        })
    }

    fn project_name(
        &mut self,
        docs: &[(FileId, PathBuf, yaml::Document)],
        env: &IndexMap<String, String>,
        workdir: &Path,
    ) -> Res<String> {
        let check = |n: &str, what: &str| -> Res<String> {
            if valid_project_name(n) {
                Ok(n.to_string())
            } else {
                Err(Diagnostic::error(format!(
                    "invalid project name \"{n}\" (from {what}): must consist only of lowercase alphanumeric characters, hyphens, and underscores as well as start with a letter or number"
                )))
            }
        };
        if let Some(p) = &self.opts.project_name {
            return check(p, "-p");
        }
        if let Some(p) = env
            .get(env_vars::COMPOSE_PROJECT_NAME)
            .filter(|s| !s.is_empty())
        {
            return check(p, "COMPOSE_PROJECT_NAME");
        }
        let mut from_files: Option<String> = None;
        for (_, _, doc) in docs {
            if let Some(n) = doc.root.as_ref().and_then(|r| r.get("name")) {
                let raw = n.scalar_to_string().unwrap_or_default();
                let value = if self.opts.interpolate {
                    substitute(&raw, &|k| env.get(k).cloned())
                        .map(|s| s.value)
                        .map_err(|e| {
                            Diagnostic::error(format!("error while interpolating name: {e}"))
                                .with_label(n.span, "in this value")
                        })?
                } else {
                    raw
                };
                if !value.is_empty() {
                    from_files = Some(value);
                }
            }
        }
        let raw = match from_files {
            Some(n) => n,
            None => workdir
                .file_name()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_default(),
        };
        let n = normalize_project_name(&raw);
        if n.is_empty() {
            return Err(Diagnostic::error("project name must not be empty"));
        }
        Ok(n)
    }

    /// Interpolation, top-level checks, canonical forms, `extends` and `include` for one document.
    pub(crate) fn prepare_document(
        &mut self,
        root: &mut Value,
        env: &IndexMap<String, String>,
        file_dir: &Path,
        workdir: &Path,
        include_stack: &mut Vec<PathBuf>,
        resets: &[(yaml::Path, yaml::ResetKind)],
    ) -> Res<()> {
        let prepared = prepare_pure(root, env, self.opts.interpolate)?;
        self.absorb(prepared);
        self.finish_document(root, env, file_dir, workdir, include_stack, resets)
    }

    /// `extends` and `include`, which read other files. `resets` are the document's
    /// `!reset` and `!override` paths, which hold against what a service extends too.
    fn finish_document(
        &mut self,
        root: &mut Value,
        env: &IndexMap<String, String>,
        file_dir: &Path,
        workdir: &Path,
        include_stack: &mut Vec<PathBuf>,
        resets: &[(yaml::Path, yaml::ResetKind)],
    ) -> Res<()> {
        crate::extends::apply(
            self,
            root,
            env,
            file_dir,
            include_stack.last().map(PathBuf::as_path),
            resets,
        )?;
        crate::include::apply(self, root, env, workdir, include_stack)?;
        Ok(())
    }

    /// Records a prepared document's warnings, warning once per unset variable.
    fn absorb(&mut self, prepared: Prepared) {
        self.warnings.extend(prepared.warnings);
        self.warn_unset(prepared.unset);
    }

    /// Warns once per variable used and set nowhere.
    pub(crate) fn warn_unset(&mut self, unset: Vec<(String, Span)>) {
        for (name, span) in unset {
            if self.warned_unset.insert(name.clone()) {
                self.warnings.push(
                    Diagnostic::warning(format!(
                        "The \"{name}\" variable is not set. Defaulting to a blank string."
                    ))
                    .with_label(span, "used here"),
                );
            }
        }
    }

    /// Interpolates a value (used for files read by `extends`); `path` prefixes error paths.
    pub(crate) fn interpolate(
        &mut self,
        v: &mut Value,
        path: &[String],
        env: &IndexMap<String, String>,
    ) -> Res<()> {
        let mut prepared = Prepared::default();
        interpolate_tree(v, env, &mut prepared.unset).map_err(|f| f.into_diagnostic(path))?;
        self.absorb(prepared);
        Ok(())
    }

    /// The raw model that `config --no-interpolate` prints (compose-go `LoadModel`): merged,
    /// canonical and normalized, but not typed: values stay as written, no profiles, no
    /// consistency checks, no pruning.
    fn finish_raw(&mut self, m: Merged) -> Res<Project> {
        let opts = self.opts;
        let Kind::Map(mut root) = m.model.kind else {
            return Err(Diagnostic::error("top-level object must be a mapping"));
        };
        root.remove("include");
        root.remove("name");
        let home = m.env.get(env_vars::HOME).cloned();
        let had_services = root.contains_key("services");
        let mut services = match root.remove("services") {
            Some(Value {
                kind: Kind::Map(s), ..
            }) => s,
            _ => Map::new(MapKind::Dict),
        };
        for (k, svc) in services.iter_mut() {
            if let Some(sm) = svc.as_map_mut() {
                sm.remove("extends");
                decode::validate_raw(sm, decode::SERVICE, &format!("services.{}", k.name))?;
                if opts.resolve_paths {
                    paths::resolve_service(sm, &m.workdir, home.as_deref());
                }
            }
        }
        let mut sections: IndexMap<&str, Map> = IndexMap::new();
        for section in ["networks", "volumes", "secrets", "configs"] {
            let mut out = Map::new(MapKind::Dict);
            if let Some(Value {
                kind: Kind::Map(raw),
                ..
            }) = root.remove(section)
            {
                for (k, v) in raw.entries {
                    let mut rm = match v.kind {
                        Kind::Map(x) => x,
                        _ => Map::new(MapKind::Dict),
                    };
                    let path = format!("{section}.{}", k.name);
                    legacy_external_name(&mut rm, &path, &mut self.warnings)?;
                    let fields = match section {
                        "networks" => decode::NETWORK,
                        "volumes" => decode::VOLUME,
                        _ => decode::SECRET_CONFIG,
                    };
                    decode::validate_raw(&rm, fields, &path)?;
                    out.insert(k, Value::map(rm, v.span));
                }
            }
            sections.insert(section, out);
        }
        if opts.resolve_paths {
            for (section, sm) in &mut sections {
                paths::resolve_section(section, sm, &m.workdir, home.as_deref());
            }
        }
        validate_resources(&sections)?;
        if opts.normalize {
            let default_context = if opts.resolve_paths {
                m.workdir.display().to_string()
            } else {
                ".".to_string()
            };
            crate::normalize::normalize(
                &mut services,
                &mut sections,
                &m.name,
                &m.env,
                &default_context,
                true,
            );
        }
        let mut tree = Map::new(MapKind::Dict);
        tree.insert(svc_key("name"), Value::str(m.name.clone(), Span::SYNTHETIC));
        if had_services {
            tree.insert(svc_key("services"), Value::map(services, Span::SYNTHETIC));
        }
        for (s, sm) in sections {
            if !sm.is_empty() {
                tree.insert(svc_key(s), Value::map(sm, Span::SYNTHETIC));
            }
        }
        for (k, v) in root.entries {
            tree.insert(k, v);
        }
        Ok(Project {
            name: m.name,
            working_dir: m.workdir,
            config_files: m.files,
            environment: m.env,
            tree: Value::map(tree, Span::SYNTHETIC),
            disabled_services: IndexMap::new(),
            sources: SourceMap::default(),
            warnings: Vec::new(),
            layers: Vec::new(),
            included_values: IndexMap::new(),
        })
    }

    fn finish(
        &mut self,
        model: Value,
        name: String,
        workdir: PathBuf,
        files: Vec<PathBuf>,
        env: IndexMap<String, String>,
    ) -> Res<Project> {
        let opts = self.opts;
        let Kind::Map(mut root) = model.kind else {
            return Err(Diagnostic::error("top-level object must be a mapping"));
        };
        root.remove("include");
        root.remove("name");
        let home = env.get(env_vars::HOME).cloned();
        // Decode services.
        let mut services = Map::new(MapKind::Dict);
        if let Some(Value {
            kind: Kind::Map(raw),
            ..
        }) = root.remove("services")
        {
            // Services decode independently: two threads for large projects.
            let n_services = raw.entries.len();
            let resolve = opts.resolve_paths;
            let (workdir_ref, home_ref) = (&workdir, home.as_deref());
            let decoded: Vec<Res<Option<(Key, Value)>>> = parallel_map(
                raw.entries.into_iter().collect(),
                split_half(n_services),
                |(k, v)| {
                    let path = format!("services.{}", k.name);
                    let span = v.span;
                    let Kind::Map(mut m) = v.kind else {
                        return Ok(None);
                    };
                    m.remove("extends");
                    if resolve {
                        paths::resolve_service(&mut m, workdir_ref, home_ref);
                    }
                    let svc = decode_struct(decode::Mode::STRICT, &m, decode::SERVICE, &path)?;
                    Ok(Some((k, Value::map(svc, span))))
                },
            );
            for d in decoded {
                if let Some((k, v)) = d? {
                    services.insert(k, v);
                }
            }
        }
        let mut sections: IndexMap<&str, Map> = IndexMap::new();
        for (section, fields) in [
            ("networks", decode::NETWORK),
            ("volumes", decode::VOLUME),
            ("secrets", decode::SECRET_CONFIG),
            ("configs", decode::SECRET_CONFIG),
        ] {
            let mut out = Map::new(MapKind::Dict);
            if let Some(Value {
                kind: Kind::Map(raw),
                ..
            }) = root.remove(section)
            {
                for (k, v) in raw.entries {
                    let path = format!("{section}.{}", k.name);
                    let decoded = match &v.kind {
                        Kind::Null => Map::new(MapKind::Struct),
                        Kind::Map(m) => {
                            let mut m = m.clone();
                            legacy_external_name(&mut m, &path, &mut self.warnings)?;
                            decode_struct(decode::Mode::STRICT, &m, fields, &path)?
                        }
                        _ => {
                            return Err(Diagnostic::error(format!("{path} must be a mapping"))
                                .with_label(v.span, format!("found {}", v.type_name())))
                        }
                    };
                    out.insert(k, Value::map(decoded, v.span));
                }
            }
            sections.insert(section, out);
        }
        let models = root.remove("models");
        if opts.resolve_paths {
            for (section, m) in &mut sections {
                paths::resolve_section(section, m, &workdir, home.as_deref());
            }
        }
        validate_resources(&sections)?;
        // Normalize.
        if opts.normalize {
            let default_context = if opts.resolve_paths {
                workdir.display().to_string()
            } else {
                ".".to_string()
            };
            crate::normalize::normalize(
                &mut services,
                &mut sections,
                &name,
                &env,
                &default_context,
                false,
            );
        }
        if opts.resolve_env_files {
            let only = (!opts.acting_on.is_empty())
                .then(|| dependency_closure(&services, &opts.acting_on));
            crate::environment::resolve(self, &mut services, &env, only.as_ref())?;
        }
        // Profiles.
        let mut active: Vec<String> = opts.profiles.clone();
        if active.is_empty() {
            if let Some(p) = env.get(env_vars::COMPOSE_PROFILES) {
                active = p
                    .split(',')
                    .map(|s| s.trim().to_string())
                    .filter(|s| !s.is_empty())
                    .collect();
            }
        }
        for wanted in &opts.services {
            if let Some(svc) = services.get(wanted) {
                for p in svc.get("profiles").and_then(Value::as_seq).unwrap_or(&[]) {
                    if let Some(p) = p.as_str() {
                        active.push(p.to_string());
                    }
                }
            }
        }
        // Only the named services are enabled: a dependency switched off by its profiles
        // stays off, and a required one then fails the consistency check ("depends on
        // undefined service"), as compose-go's `WithServicesEnabled` leaves it.
        let forced: HashSet<String> = opts.enable.iter().cloned().collect();
        let enabled = |name: &str, svc: &Value| -> bool {
            if forced.contains(name) {
                return true;
            }
            let Some(ps) = svc.get("profiles").and_then(Value::as_seq) else {
                return true;
            };
            ps.is_empty()
                || ps
                    .iter()
                    .filter_map(Value::as_str)
                    .any(|p| active.iter().any(|a| a == p || a == "*"))
        };
        let mut disabled: IndexMap<String, Value> = IndexMap::new();
        let mut kept = Map::new(MapKind::Dict);
        for (k, v) in services.entries {
            if enabled(&k.name, &v) {
                kept.insert(k, v);
            } else {
                disabled.insert(k.name, v);
            }
        }
        let mut services = kept;
        if opts.consistency {
            crate::consistency::check(&services, &sections, &disabled)?;
            let declared = models.as_ref().and_then(Value::as_map);
            for (name, svc) in services.iter() {
                for (m, _) in svc
                    .get("models")
                    .and_then(Value::as_map)
                    .into_iter()
                    .flat_map(Map::iter)
                {
                    if !declared.is_some_and(|d| d.contains_key(&m.name)) {
                        return Err(Diagnostic::error(format!(
                            "service \"{}\" refers to undefined model {}: invalid compose project",
                            name.name, m.name
                        ))
                        .with_label(m.span, "not declared under top-level `models`"));
                    }
                }
            }
        }
        // Selection of the services named on the command line, with their dependencies.
        if !opts.services.is_empty() {
            services = crate::consistency::select(services, &opts.services)?;
        }
        if opts.consistency {
            if opts.acting_on.is_empty() {
                crate::consistency::check_container_names(&services)?;
            } else {
                let acted = dependency_closure(&services, &opts.acting_on);
                let mut only = Map::new(MapKind::Dict);
                for (k, v) in services.iter() {
                    if acted.contains(&k.name) {
                        only.insert(k.clone(), v.clone());
                    }
                }
                crate::consistency::check_container_names(&only)?;
            }
        }
        // Drop resources no service uses.
        if !opts.all_resources {
            crate::normalize::prune_resources(&services, &mut sections);
        }
        // Assemble the canonical tree.
        let mut tree = Map::new(MapKind::Struct);
        tree.insert(svc_key("name"), Value::str(name.clone(), Span::SYNTHETIC));
        let used_models: HashSet<String> = services
            .iter()
            .filter_map(|(_, s)| s.get("models").and_then(Value::as_map))
            .flat_map(|m| m.keys().map(str::to_string))
            .collect();
        tree.insert(svc_key("services"), Value::map(services, Span::SYNTHETIC));
        for (s, m) in sections {
            if !m.is_empty() {
                tree.insert(svc_key(s), Value::map(m, Span::SYNTHETIC));
            }
        }
        if let Some(Value {
            kind: Kind::Map(all),
            span,
        }) = models
        {
            // Like the other resources, models no selected service uses are dropped.
            let mut kept = Map::new(MapKind::Dict);
            for (k, v) in all.entries {
                let used = opts.all_resources || used_models.contains(&k.name);
                if !used {
                    continue;
                }
                let decoded = match &v.kind {
                    Kind::Map(m) => Value::map(
                        decode_struct(
                            decode::Mode::STRICT,
                            m,
                            decode::MODEL,
                            &format!("models.{}", k.name),
                        )?,
                        v.span,
                    ),
                    _ => v,
                };
                kept.insert(k, decoded);
            }
            if !kept.is_empty() {
                tree.insert(svc_key("models"), Value::map(kept, span));
            }
        }
        let mut ext: Vec<(Key, Value)> = root
            .entries
            .into_iter()
            .filter(|(k, _)| k.name.starts_with("x-"))
            .collect();
        ext.sort_by(|a, b| berth_model::natural_cmp(&a.0.name, &b.0.name));
        for (k, v) in ext {
            tree.insert(k, v);
        }
        Ok(Project {
            name,
            working_dir: workdir,
            config_files: files,
            environment: env,
            tree: Value::map(tree, Span::SYNTHETIC),
            disabled_services: disabled,
            sources: SourceMap::default(),
            warnings: Vec::new(),
            layers: Vec::new(),
            included_values: IndexMap::new(),
        })
    }
}

/// `external: {name: x}` → `external: true` + `name: x`, with Compose's deprecation warning.
fn legacy_external_name(m: &mut Map, path: &str, warnings: &mut Vec<Diagnostic>) -> Res<()> {
    let Some(ext) = m.get("external").cloned() else {
        return Ok(());
    };
    let Some(em) = ext.as_map() else {
        return Ok(());
    };
    let ext_name = em.get("name").cloned();
    warnings.push(
        Diagnostic::warning(format!(
            "{path}: external.name is deprecated. Please set name and external: true"
        ))
        .with_label(ext.span, "deprecated form"),
    );
    if let Some(n) = ext_name {
        if let Some(existing) = m.get("name") {
            if existing.as_str() != n.as_str() {
                return Err(Diagnostic::error(format!(
                    "{path}: name and external.name conflict; only use name"
                ))
                .with_label(existing.span, "name set here"));
            }
        }
        m.insert(Key::synthetic("name"), n);
    }
    m.insert(Key::synthetic("external"), Value::bool(true, ext.span));
    Ok(())
}

fn validate_resources(sections: &IndexMap<&str, Map>) -> Res<()> {
    for (section, m) in sections {
        for (k, r) in m.iter() {
            let Some(r) = r.as_map() else { continue };
            let external = r.get("external").and_then(Value::as_bool).unwrap_or(false);
            // What may stand beside `external: true` (as compose-go's checks have it):
            // anything for a network, a name for a volume, a name, labels and template
            // settings for a config, and driver settings too for a secret.
            let allowed = |key: &str| match *section {
                "networks" => true,
                "secrets" => matches!(
                    key,
                    "name" | "external" | "labels" | "driver" | "driver_opts" | "template_driver"
                ),
                "configs" => matches!(key, "name" | "external" | "labels" | "template_driver"),
                _ => matches!(key, "name" | "external"),
            };
            if external {
                for (ak, _) in r.iter() {
                    if !allowed(&ak.name) && !ak.name.starts_with("x-") {
                        return Err(Diagnostic::error(format!(
                            "{section}.{}: conflicting parameters \"external\" and \"{}\" specified",
                            k.name, ak.name
                        ))
                        .with_label(ak.span, "not allowed with external: true"));
                    }
                }
                continue;
            }
            if *section == "secrets" || *section == "configs" {
                let keys: &[&str] = if *section == "secrets" {
                    &["file", "environment"]
                } else {
                    &["file", "environment", "content"]
                };
                let set: Vec<&str> = keys.iter().copied().filter(|x| r.contains_key(x)).collect();
                if set.len() > 1 {
                    return Err(Diagnostic::error(format!(
                        "{section}.{}: {} attributes are mutually exclusive",
                        k.name,
                        keys.join("|")
                    ))
                    .with_label(k.span, "set only one of them"));
                }
                if set.is_empty() && !r.contains_key("driver") {
                    let what = if *section == "secrets" {
                        "secret"
                    } else {
                        "config"
                    };
                    return Err(Diagnostic::error(format!(
                        "{what} \"{}\" must declare either `file` or `environment`{}: invalid compose project",
                        k.name,
                        if *section == "configs" { " or `content`" } else { "" }
                    ))
                    .with_label(k.span, "declared here"));
                }
            }
        }
    }
    Ok(())
}

/// A document's root with its file and its `!reset`/`!override` paths.
type DocumentRoot = (FileId, PathBuf, Value, Vec<(yaml::Path, yaml::ResetKind)>);

/// What preparing a document produced besides the document itself.
#[derive(Default)]
struct Prepared {
    warnings: Vec<Diagnostic>,
    /// Variables read while unset, with where they were read.
    unset: Vec<(String, Span)>,
}

impl InterpolationFailure {
    fn into_diagnostic(mut self, prefix: &[String]) -> Diagnostic {
        self.rev_path.reverse();
        let mut full = prefix.to_vec();
        full.extend(self.rev_path);
        let p = yaml::path_string(&full);
        match self.error {
            TemplateError::Invalid { template } => Diagnostic::error(format!(
                "invalid interpolation format for {p}: {template:?}"
            ))
            .with_label(self.span, "invalid variable reference")
            .with_note("You may need to escape any $ with another $."),
            e @ (TemplateError::Required { .. } | TemplateError::TooLong { .. }) => {
                Diagnostic::error(format!("error while interpolating {p}: {e}"))
                    .with_label(self.span, "in this value")
            }
        }
    }
}

/// Substitutes variables in every string of a tree (keys are never interpolated). The error
/// path is built while an error unwinds, so the common case allocates nothing for paths.
fn interpolate_tree(
    v: &mut Value,
    env: &IndexMap<String, String>,
    unset: &mut Vec<(String, Span)>,
) -> Result<(), InterpolationFailure> {
    match &mut v.kind {
        Kind::Str(s) => {
            if !s.contains('$') {
                return Ok(());
            }
            let result =
                substitute(s, &|k| env.get(k).cloned()).map_err(|error| InterpolationFailure {
                    rev_path: Vec::new(),
                    error,
                    span: v.span,
                })?;
            for name in result.unset {
                unset.push((name, v.span));
            }
            *s = result.value;
        }
        Kind::Seq(items) => {
            for (i, it) in items.iter_mut().enumerate() {
                interpolate_tree(it, env, unset).map_err(|mut f| {
                    f.rev_path.push(i.to_string());
                    f
                })?;
            }
        }
        Kind::Map(m) => {
            for (k, it) in m.iter_mut() {
                interpolate_tree(it, env, unset).map_err(|mut f| {
                    f.rev_path.push(k.name.clone());
                    f
                })?;
            }
        }
        _ => {}
    }
    Ok(())
}

/// The steps of a document that need nothing but the document and the environment:
/// interpolation, top-level checks, canonical forms and de-duplication. Pure, so the documents
/// of several files are prepared in parallel.
fn prepare_pure(
    root: &mut Value,
    env: &IndexMap<String, String>,
    interpolate: bool,
) -> Res<Prepared> {
    let mut out = Prepared::default();
    if interpolate {
        interpolate_tree(root, env, &mut out.unset).map_err(|f| f.into_diagnostic(&[]))?;
    }
    {
        let Some(map) = root.as_map_mut() else {
            return Ok(out);
        };
        // The schema's: both are strings (`name: 123` and `version: 3.8` are not).
        for key in ["name", "version"] {
            if let Some(v) = map.get(key).filter(|v| !matches!(v.kind, Kind::Str(_))) {
                return Err(Diagnostic::error(format!("{key} must be a string"))
                    .with_label(v.span, "quote it to make it a string"));
            }
        }
        if let Some((k, _)) = map.remove_entry("version") {
            out.warnings.push(
                Diagnostic::warning("the attribute `version` is obsolete, it will be ignored, please remove it to avoid potential confusion")
                    .with_label(k.span, "obsolete attribute"),
            );
        }
        for (k, v) in map.iter() {
            let allowed = [
                "name", "include", "services", "networks", "volumes", "secrets", "configs",
                "models",
            ];
            if !k.name.starts_with("x-") && !allowed.contains(&k.name.as_str()) {
                let mut d =
                    Diagnostic::error(format!("additional properties '{}' not allowed", k.name))
                        .with_label(k.span, "unknown top-level attribute");
                if let Some(s) = decode::suggest(&k.name, allowed.iter().copied()) {
                    d = d.with_note(format!("did you mean `{s}`?"));
                }
                return Err(d);
            }
            if [
                "services", "networks", "volumes", "secrets", "configs", "models",
            ]
            .contains(&k.name.as_str())
                && !matches!(v.kind, Kind::Map(_))
            {
                return Err(
                    Diagnostic::error(format!("{} must be a mapping", k.name)).with_label(
                        if v.is_null() { k.span } else { v.span },
                        format!("found {}", v.type_name()),
                    ),
                );
            }
        }
        if let Some(services) = map.get_mut("services").and_then(Value::as_map_mut) {
            for (k, v) in services.iter_mut() {
                if !k
                    .name
                    .bytes()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'.' | b'_' | b'-'))
                    || k.name.is_empty()
                {
                    return Err(Diagnostic::error(format!(
                        "services: additional properties '{}' not allowed",
                        k.name
                    ))
                    .with_label(
                        k.span,
                        "service names may contain only letters, digits, '.', '_' and '-'",
                    ));
                }
                if v.is_null() {
                    *v = Value::empty_map(MapKind::Dict, v.span);
                }
                if !matches!(v.kind, Kind::Map(_)) {
                    return Err(Diagnostic::error(format!(
                        "services.{} must be a mapping",
                        k.name
                    ))
                    .with_label(v.span, format!("found {}", v.type_name())));
                }
            }
        }
    }
    canonical::canonicalize(root, interpolate)?;
    merge::enforce_unicity(root);
    Ok(out)
}

/// Runs `f` over the items on two threads (the machines Berth targets have two cores): the
/// first `split` items on this thread, the rest on another, keeping the order of results.
fn parallel_map<T: Send, R: Send>(
    mut items: Vec<T>,
    split: usize,
    f: impl Fn(T) -> R + Sync,
) -> Vec<R> {
    if split == 0 || split >= items.len() {
        return items.into_iter().map(&f).collect();
    }
    let right = items.split_off(split);
    std::thread::scope(|scope| {
        let handle = scope.spawn(|| right.into_iter().map(&f).collect::<Vec<R>>());
        let mut out: Vec<R> = items.into_iter().map(&f).collect();
        match handle.join() {
            Ok(rest) => out.extend(rest),
            Err(panic) => std::panic::resume_unwind(panic),
        }
        out
    })
}

/// The first file of a multi-file project is usually the largest (the base file), so it gets a
/// thread to itself.
fn split_point(n: usize) -> usize {
    1.max(n / 4)
}

/// Half of a long list of services; short lists stay on one thread (a thread costs more than
/// decoding a few services).
fn split_half(n: usize) -> usize {
    if n < 64 {
        0
    } else {
        n / 2
    }
}
