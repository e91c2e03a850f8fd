//! The loaded project and typed views over it.
//!
//! The canonical tree (`Project::tree`) is the single source of truth: it is what `config`
//! prints and what the config hash is computed from. The views here give later stages typed
//! access without a second copy of the data.

use std::path::PathBuf;

use indexmap::IndexMap;

use crate::diag::Diagnostic;
use crate::source::SourceMap;
use crate::value::{Map, Value};

/// A fully loaded Compose project.
#[derive(Debug)]
pub struct Project {
    /// Normalized project name.
    pub name: String,
    /// Absolute project directory (relative paths were resolved against it).
    pub working_dir: PathBuf,
    /// Absolute paths of the compose files, in the order given.
    pub config_files: Vec<PathBuf>,
    /// The interpolation environment (OS environment, env files, `COMPOSE_PROJECT_NAME`).
    pub environment: IndexMap<String, String>,
    /// The canonical model: `name`, `services`, `networks`, `volumes`, `secrets`, `configs`,
    /// `models` and top-level `x-*` extensions, in Compose's output order.
    pub tree: Value,
    /// Services switched off by profiles, kept for `config --profiles` and orphan detection.
    pub disabled_services: IndexMap<String, Value>,
    /// Every file read while loading; spans in `tree` index into it.
    pub sources: SourceMap,
    /// Warnings raised while loading (unset variables, obsolete `version`, ...).
    pub warnings: Vec<Diagnostic>,
    /// Each compose file's own document before merging, when the loader was asked to keep
    /// them (the audit compares what each file says; `config` and `up` do not need them).
    pub layers: Vec<Layer>,
    /// The values of secrets and configs an included file declares with `environment: VAR`,
    /// read from that include's own environment (its `env_file`), keyed `secrets.NAME` or
    /// `configs.NAME`. compose-go fills their content at include time without showing it in
    /// `config`; the engine injects them from here.
    pub included_values: IndexMap<String, String>,
}

/// One compose file's document as it stood before merging: interpolated, in canonical forms,
/// with its `extends` and `include` resolved.
#[derive(Debug)]
pub struct Layer {
    pub file: crate::source::FileId,
    pub path: PathBuf,
    pub doc: Value,
}

impl Layer {
    /// The services this file's own document defines, in its order.
    pub fn services(&self) -> impl Iterator<Item = Service<'_>> {
        services_of(&self.doc)
    }

    /// Service `name` of this file's own document, with the span of its name there.
    #[must_use]
    pub fn service(&self, name: &str) -> Option<(Service<'_>, crate::source::Span)> {
        service_of(&self.doc, name)
    }
}

fn services_of(tree: &Value) -> impl Iterator<Item = Service<'_>> {
    tree.get("services")
        .and_then(Value::as_map)
        .into_iter()
        .flat_map(|m| {
            m.iter().map(|(k, v)| Service {
                name: k.name.as_str(),
                value: v,
            })
        })
}

fn service_of<'a>(tree: &'a Value, name: &str) -> Option<(Service<'a>, crate::source::Span)> {
    let m = tree.get("services").and_then(Value::as_map)?;
    let (k, v) = m.entries.get_key_value(name)?;
    Some((
        Service {
            name: k.name.as_str(),
            value: v,
        },
        k.span,
    ))
}

/// A view of one service of the project.
#[derive(Clone, Copy, Debug)]
pub struct Service<'a> {
    pub name: &'a str,
    pub value: &'a Value,
}

impl<'a> Service<'a> {
    #[must_use]
    pub fn get(&self, key: &str) -> Option<&'a Value> {
        self.value.get(key)
    }

    #[must_use]
    pub fn image(&self) -> Option<&'a str> {
        self.get("image").and_then(Value::as_str)
    }

    /// The image the service runs: its `image`, else the one its `build` makes
    /// (`<project>-<service>`, as Docker Compose names it).
    #[must_use]
    pub fn image_or_built(&self, project: &str) -> String {
        self.image()
            .map_or_else(|| format!("{project}-{}", self.name), str::to_string)
    }

    /// `image` as the tree holds it (for comparing what two services run).
    #[must_use]
    pub fn image_value(&self) -> Option<&'a Value> {
        self.get("image")
    }

    /// The `build` section as the tree holds it (see [`Service::build`] for its view).
    #[must_use]
    pub fn build_value(&self) -> Option<&'a Value> {
        self.get("build")
    }

    /// `image`, with where it is written.
    #[must_use]
    pub fn image_at(&self) -> Option<crate::read::At<&'a str>> {
        let v = self.get("image")?;
        Some(crate::read::At {
            value: v.as_str()?,
            span: v.span,
        })
    }

    /// The `depends_on` entries, with their conditions (see [`crate::dependency`]).
    pub fn dependencies(&self) -> impl Iterator<Item = crate::dependency::Dependency<'a>> {
        crate::dependency::entries(self.get("depends_on"))
    }

    /// Names of the services this one depends on, in the order of the model.
    pub fn depends_on(&self) -> impl Iterator<Item = &'a str> {
        self.get("depends_on")
            .and_then(Value::as_map)
            .into_iter()
            .flat_map(Map::keys)
    }

    /// The `networks` entries, with aliases, addresses and priority (see
    /// [`crate::attachment`]).
    pub fn attachments(&self) -> impl Iterator<Item = crate::attachment::Attachment<'a>> {
        crate::attachment::entries(self.get("networks"))
    }

    /// The `networks` entries, the primary one (highest `priority`, then name) first.
    #[must_use]
    pub fn attachments_by_priority(&self) -> Vec<crate::attachment::Attachment<'a>> {
        crate::attachment::by_priority(self.get("networks"))
    }

    /// Names of the networks this service is attached to.
    pub fn networks(&self) -> impl Iterator<Item = &'a str> {
        self.get("networks")
            .and_then(Value::as_map)
            .into_iter()
            .flat_map(Map::keys)
    }

    /// The `healthcheck`, parsed (see [`crate::health`]).
    #[must_use]
    pub fn healthcheck(&self) -> Option<crate::health::Healthcheck<'a>> {
        self.get("healthcheck").map(crate::health::Healthcheck::of)
    }

    /// The `volumes` entries: its mounts (see [`crate::mount`]).
    pub fn mounts(&self) -> impl Iterator<Item = crate::mount::Mount<'a>> {
        crate::mount::entries(self.get("volumes"))
    }

    /// The container settings (see [`crate::settings`]).
    #[must_use]
    pub fn settings(&self) -> crate::settings::Settings<'a> {
        crate::settings::Settings::of(self.value)
    }

    /// The deployment: `deploy` with `scale` and the older resource limits (see
    /// [`crate::deploy`]).
    #[must_use]
    pub fn deploy(&self) -> crate::deploy::Deploy<'a> {
        crate::deploy::Deploy::of(self.value)
    }

    /// `deploy.replicas`, else `scale` (see [`Service::deploy`] for the whole section).
    #[must_use]
    pub fn replicas(&self) -> Option<i64> {
        self.value
            .path(&["deploy", "replicas"])
            .or_else(|| self.get("scale"))
            .and_then(Value::as_i64)
    }

    /// Whether the service has a `build` section.
    #[must_use]
    pub fn has_build(&self) -> bool {
        self.get("build").is_some()
    }

    /// The `build` section (see [`crate::build`]).
    #[must_use]
    pub fn build(&self) -> Option<crate::build::Build<'a>> {
        self.get("build").map(crate::build::Build::of)
    }

    /// The `secrets`, then the `configs`, it uses (see [`crate::resources`]).
    pub fn files(&self) -> impl Iterator<Item = crate::resources::FileRef<'a>> {
        use crate::resources::{file_refs, FileKind};
        file_refs(FileKind::Secret, self.get("secrets"))
            .chain(file_refs(FileKind::Config, self.get("configs")))
    }

    /// The `develop.watch` rules (see [`crate::develop`]).
    pub fn watch_rules(&self) -> impl Iterator<Item = crate::develop::WatchRule<'a>> {
        crate::develop::rules(self.get("develop"))
    }

    /// The `ports` entries (see [`crate::ports`]).
    pub fn ports(&self) -> impl Iterator<Item = crate::ports::Port<'a>> {
        crate::ports::entries(self.get("ports"))
    }
}

impl Project {
    fn section(&self, key: &str) -> Option<&Map> {
        self.tree.get(key).and_then(Value::as_map)
    }

    /// Enabled services, sorted by name.
    pub fn services(&self) -> impl Iterator<Item = Service<'_>> {
        services_of(&self.tree)
    }

    #[must_use]
    pub fn service(&self, name: &str) -> Option<Service<'_>> {
        service_of(&self.tree, name).map(|(s, _)| s)
    }

    /// Where service `name`'s name is written (in the file that last defined it).
    #[must_use]
    pub fn service_span(&self, name: &str) -> Option<crate::source::Span> {
        service_of(&self.tree, name).map(|(_, span)| span)
    }

    /// Names of the top-level resources of one kind (`networks`, `volumes`, ...).
    pub fn resource_names(&self, kind: &str) -> impl Iterator<Item = &str> {
        self.section(kind).into_iter().flat_map(Map::keys)
    }
}
