//! A service's `build` section, read once for the engine's builds, the bake definition, the
//! audit's rules and the docs.

use crate::read::{self, At};
use crate::source::Span;
use crate::value::Value;

/// A `build.secrets` entry: the top-level secret `source`, mounted in the build as `id`.
#[derive(Clone, Debug)]
pub struct BuildSecretRef<'a> {
    pub source: &'a str,
    /// `target`, else the source's name.
    pub id: &'a str,
}

/// `build`.
#[derive(Clone, Debug)]
pub struct Build<'a> {
    pub span: Span,
    /// `context` as the loader wrote it (an absolute path or a remote URL); none when the
    /// section does not say, which means the project folder.
    pub context: Option<At<String>>,
    pub dockerfile: Option<At<String>>,
    pub dockerfile_inline: Option<String>,
    pub target: Option<At<String>>,
    /// `args` with a value (an arg without one is left to the Dockerfile's default).
    pub args: Vec<(&'a str, String)>,
    pub labels: Vec<(&'a str, String)>,
    pub network: Option<String>,
    pub no_cache: bool,
    pub pull: bool,
    pub privileged: bool,
    pub tags: Vec<String>,
    pub platforms: Vec<String>,
    pub cache_from: Vec<String>,
    pub cache_to: Vec<String>,
    pub no_cache_filter: Vec<String>,
    pub entitlements: Vec<String>,
    /// `extra_hosts` entries as written (`host=ip` or `host:ip`).
    pub extra_hosts: Vec<String>,
    pub shm_size: Option<String>,
    pub secrets: Vec<BuildSecretRef<'a>>,
    /// `ssh` entries: `default`, `id=path`, or `id` (from the mapping form, `id=path` too).
    pub ssh: Vec<String>,
    /// `additional_contexts`: name and what it is (a path, `service:NAME`, an image, a URL).
    pub additional_contexts: Vec<(&'a str, String)>,
    /// `ulimits` as `soft:hard` or a single number, by name.
    pub ulimits: Vec<(&'a str, String)>,
}

impl<'a> Build<'a> {
    /// The view of a `build` mapping.
    #[must_use]
    pub fn of(b: &'a Value) -> Build<'a> {
        let text = |k: &str| read::text_at(b.get(k));
        let list = |k: &str| {
            read::list_at(b.get(k))
                .map(At::into_inner)
                .unwrap_or_default()
        };
        let flag = |k: &str| b.get(k).and_then(Value::as_bool) == Some(true);
        let set = |k: &str| -> Vec<(&'a str, String)> {
            b.get(k)
                .and_then(Value::as_map)
                .into_iter()
                .flat_map(super::value::Map::iter)
                .filter_map(|(k, v)| Some((k.name.as_str(), v.scalar_to_string()?)))
                .collect()
        };
        let ssh = match b.get("ssh") {
            Some(v) if v.as_map().is_some() => set("ssh")
                .into_iter()
                .map(|(k, p)| {
                    if p.is_empty() {
                        k.to_string()
                    } else {
                        format!("{k}={p}")
                    }
                })
                .collect(),
            _ => list("ssh"),
        };
        Build {
            span: b.span,
            context: text("context"),
            dockerfile: text("dockerfile"),
            dockerfile_inline: text("dockerfile_inline").map(At::into_inner),
            target: text("target"),
            args: set("args"),
            labels: set("labels"),
            network: text("network").map(At::into_inner),
            no_cache: flag("no_cache"),
            pull: flag("pull"),
            privileged: flag("privileged"),
            tags: list("tags"),
            platforms: list("platforms"),
            cache_from: list("cache_from"),
            cache_to: list("cache_to"),
            no_cache_filter: list("no_cache_filter"),
            entitlements: list("entitlements"),
            extra_hosts: list("extra_hosts"),
            shm_size: text("shm_size").map(At::into_inner),
            secrets: b
                .get("secrets")
                .and_then(Value::as_seq)
                .unwrap_or(&[])
                .iter()
                .filter_map(|s| {
                    let source = s
                        .as_str()
                        .or_else(|| s.get("source").and_then(Value::as_str))?;
                    let id = s.get("target").and_then(Value::as_str).unwrap_or(source);
                    Some(BuildSecretRef { source, id })
                })
                .collect(),
            ssh,
            additional_contexts: set("additional_contexts"),
            ulimits: b
                .get("ulimits")
                .and_then(Value::as_map)
                .into_iter()
                .flat_map(super::value::Map::iter)
                .map(|(k, v)| {
                    let value = match (v.get("soft"), v.get("hard")) {
                        (Some(s), Some(h)) => format!(
                            "{}:{}",
                            s.scalar_to_string().unwrap_or_default(),
                            h.scalar_to_string().unwrap_or_default()
                        ),
                        _ => v.scalar_to_string().unwrap_or_default(),
                    };
                    (k.name.as_str(), value)
                })
                .collect(),
        }
    }

    /// `context`, or `.` when the section does not say.
    #[must_use]
    pub fn context_or_dot(&self) -> String {
        self.context
            .as_ref()
            .map_or_else(|| ".".to_string(), |c| c.value.clone())
    }
}
