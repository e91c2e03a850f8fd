//! The load pipeline (compose-go `loader/loader.go` plus docker compose's project options):
//! environment → files → per document: parse, interpolate, canonicalize, extends, include,
//! `!reset`, merge → decode → normalize → paths → environment resolution → profiles →
//! consistency → selection.
//!
//! The stages live in `discovery` (files, env files, project name), `documents` (each
//! document prepared, then all merged) and `profiles` (which services are enabled); this file
//! holds the options, the entry points and the last steps (decoding, normalizing, checking).

mod discovery;
mod documents;
mod profiles;

use berth_model::parallel::map_split;
use documents::split_half;
use profiles::dependency_closure;

pub use discovery::{normalize_project_name, DEFAULT_FILES};

use crate::decode::{self, decode_struct};
use crate::template::TemplateError;
use crate::{env_vars, paths};
use berth_model::{Diagnostic, Key, Kind, Map, MapKind, Project, SourceMap, Span, Value};
use indexmap::IndexMap;
use std::collections::HashSet;
use std::path::PathBuf;

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

fn env_truthy(v: Option<&String>) -> bool {
    v.is_some_and(|s| {
        matches!(
            s.to_ascii_lowercase().as_str(),
            "1" | "true" | "t" | "yes" | "y" | "on"
        )
    })
}

impl Loader<'_> {
    pub(super) fn run(&mut self) -> Res<Project> {
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

    /// The raw model that `config --no-interpolate` prints (compose-go `LoadModel`): merged,
    /// canonical and normalized, but not typed: values stay as written, no profiles, no
    /// consistency checks, no pruning.
    pub(super) fn finish_raw(&mut self, m: Merged) -> Res<Project> {
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

    pub(super) fn finish(
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
            let decoded: Vec<Res<Option<(Key, Value)>>> = map_split(
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
        let (mut services, disabled) = crate::load::profiles::enable(opts, &env, services);
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
