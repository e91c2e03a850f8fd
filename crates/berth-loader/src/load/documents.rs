//! Assembly: each document read, interpolated, canonicalized, its `extends` and `include`
//! resolved, and all of them merged into one model (the documents are prepared on two threads
//! where a project is large).

use crate::decode::{self};
use crate::template::{substitute, TemplateError};
use crate::{canonical, env_vars, merge, yaml};
use berth_model::{Diagnostic, FileId, Kind, Map, MapKind, Span, Value};
use indexmap::IndexMap;
use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::discovery::{absolute_from, DEFAULT_FILES, OVERRIDE_FILES};
use super::{InterpolationFailure, Loader, Merged, Res};

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
    pub(super) fn into_diagnostic(mut self, prefix: &[String]) -> Diagnostic {
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

/// The first file of a multi-file project is usually the largest (the base file), so it gets a
/// thread to itself.
fn split_point(n: usize) -> usize {
    1.max(n / 4)
}

/// Half of a long list of services; short lists stay on one thread (a thread costs more than
/// decoding a few services).
pub(super) fn split_half(n: usize) -> usize {
    if n < 64 {
        0
    } else {
        n / 2
    }
}

impl Loader<'_> {
    /// Everything up to the merged model: environment, files, per-document steps and merging.
    pub(super) fn merged(&mut self) -> Res<Merged> {
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
        let parsed: Vec<Res<Vec<yaml::Document>>> = berth_model::parallel::map_split(
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
        let prepared: Vec<(Value, Res<Prepared>)> = berth_model::parallel::map_split(
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
    pub(super) fn finish_document(
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
}
