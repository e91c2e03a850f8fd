//! The project's top-level resources (`networks`, `volumes`, `secrets`, `configs`) and a
//! service's references to secrets and configs, read once for every stage.

use crate::read::{self, At};
use crate::source::Span;
use crate::value::{Key, Value};

/// One `ipam.config` pool.
#[derive(Clone, Debug, Default)]
pub struct IpamPool<'a> {
    pub subnet: Option<At<&'a str>>,
    pub ip_range: Option<&'a str>,
    pub gateway: Option<&'a str>,
    pub aux_addresses: Option<Vec<(&'a str, String)>>,
}

/// `ipam`.
#[derive(Clone, Debug, Default)]
pub struct Ipam<'a> {
    pub driver: Option<&'a str>,
    pub config: Option<Vec<IpamPool<'a>>>,
}

/// A top-level network.
#[derive(Clone, Debug)]
pub struct NetworkDef<'a> {
    /// The network's key in the project, and where it is written.
    pub key: &'a str,
    pub key_span: Span,
    /// Its definition, for what the view does not name (the config hash reads it whole).
    pub value: &'a Value,
    pub span: Span,
    /// `name:` as written; see [`crate::Project::network_name`] for the engine's name.
    pub name: Option<&'a str>,
    pub external: bool,
    pub driver: Option<&'a str>,
    pub driver_opts: Option<Vec<(&'a str, String)>>,
    pub internal: Option<bool>,
    pub attachable: Option<bool>,
    pub enable_ipv6: Option<bool>,
    pub labels: Vec<(&'a str, String)>,
    pub ipam: Option<Ipam<'a>>,
}

impl<'a> NetworkDef<'a> {
    fn of(key: &'a Key, v: &'a Value) -> NetworkDef<'a> {
        let s = |k: &str| v.get(k).and_then(Value::as_str);
        NetworkDef {
            key: key.name.as_str(),
            key_span: key.span,
            value: v,
            span: v.span,
            name: s("name"),
            external: v.get("external").and_then(Value::as_bool) == Some(true),
            driver: s("driver"),
            driver_opts: v
                .get("driver_opts")
                .and_then(Value::as_map)
                .map(read::pairs),
            internal: v.get("internal").and_then(Value::as_bool),
            attachable: v.get("attachable").and_then(Value::as_bool),
            enable_ipv6: v.get("enable_ipv6").and_then(Value::as_bool),
            labels: labels(v),
            ipam: v.get("ipam").map(|i| Ipam {
                driver: i.get("driver").and_then(Value::as_str),
                config: i.get("config").and_then(Value::as_seq).map(|pools| {
                    pools
                        .iter()
                        .map(|c| IpamPool {
                            subnet: read::str_at(c.get("subnet")),
                            ip_range: c.get("ip_range").and_then(Value::as_str),
                            gateway: c.get("gateway").and_then(Value::as_str),
                            aux_addresses: c
                                .get("aux_addresses")
                                .and_then(Value::as_map)
                                .map(read::pairs),
                        })
                        .collect()
                }),
            }),
        }
    }

    /// Whether it is `internal: true`.
    #[must_use]
    pub fn is_internal(&self) -> bool {
        self.internal == Some(true)
    }

    /// The subnets of its IPAM pools.
    pub fn subnets(&self) -> impl Iterator<Item = At<&'a str>> + '_ {
        self.ipam
            .iter()
            .flat_map(|i| i.config.iter().flatten())
            .filter_map(|p| p.subnet)
    }
}

/// A top-level volume.
#[derive(Clone, Debug)]
pub struct VolumeDef<'a> {
    pub key: &'a str,
    pub key_span: Span,
    pub value: &'a Value,
    pub span: Span,
    /// `name:` as written; see [`crate::Project::volume_name`] for the engine's name.
    pub name: Option<&'a str>,
    pub external: bool,
    pub driver: Option<&'a str>,
    pub driver_opts: Option<Vec<(&'a str, String)>>,
    pub labels: Vec<(&'a str, String)>,
}

impl<'a> VolumeDef<'a> {
    fn of(key: &'a Key, v: &'a Value) -> VolumeDef<'a> {
        VolumeDef {
            key: key.name.as_str(),
            key_span: key.span,
            value: v,
            span: v.span,
            name: v.get("name").and_then(Value::as_str),
            external: v.get("external").and_then(Value::as_bool) == Some(true),
            driver: v.get("driver").and_then(Value::as_str),
            driver_opts: v
                .get("driver_opts")
                .and_then(Value::as_map)
                .map(read::pairs),
            labels: labels(v),
        }
    }
}

/// Secret or config.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum FileKind {
    Secret,
    Config,
}

impl FileKind {
    /// The top-level section: `secrets` or `configs`.
    #[must_use]
    pub fn section(self) -> &'static str {
        match self {
            FileKind::Secret => "secrets",
            FileKind::Config => "configs",
        }
    }

    /// `secret` or `config`, as messages name one.
    #[must_use]
    pub fn singular(self) -> &'static str {
        match self {
            FileKind::Secret => "secret",
            FileKind::Config => "config",
        }
    }

    /// Where the file goes in a container when its `target` is not absolute.
    #[must_use]
    pub fn default_dir(self) -> &'static str {
        match self {
            FileKind::Secret => "/run/secrets/",
            FileKind::Config => "/",
        }
    }
}

/// A top-level secret or config.
#[derive(Clone, Debug)]
pub struct FileDef<'a> {
    pub kind: FileKind,
    pub key: &'a str,
    pub span: Span,
    /// `name:`, else the key.
    pub name: &'a str,
    /// `file:`, an absolute path after the loader.
    pub file: Option<&'a str>,
    /// `environment:`, the variable that holds it.
    pub environment: Option<&'a str>,
    /// `content:` (configs).
    pub content: Option<String>,
    pub external: bool,
    pub labels: Vec<(&'a str, String)>,
    /// The whole definition, for the settings not named above.
    pub value: &'a Value,
}

impl<'a> FileDef<'a> {
    fn of(kind: FileKind, key: &'a Key, v: &'a Value) -> FileDef<'a> {
        let s = |k: &str| v.get(k).and_then(Value::as_str);
        FileDef {
            kind,
            key: key.name.as_str(),
            span: v.span,
            name: s("name").unwrap_or(key.name.as_str()),
            file: s("file"),
            environment: s("environment"),
            content: v.get("content").and_then(Value::scalar_to_string),
            external: v.get("external").and_then(Value::as_bool) == Some(true),
            labels: labels(v),
            value: v,
        }
    }
}

/// One entry of a service's `secrets` or `configs` (canonical: the long form).
#[derive(Clone, Debug)]
pub struct FileRef<'a> {
    pub kind: FileKind,
    pub span: Span,
    pub source: &'a str,
    /// `target` as written.
    pub target: Option<&'a str>,
    pub uid: Option<u64>,
    pub gid: Option<u64>,
    pub mode: Option<u32>,
}

impl FileRef<'_> {
    /// The absolute path in a container: `target` when absolute, else under the kind's folder
    /// (`/run/secrets/` or `/`), the source's name when there is no `target`.
    #[must_use]
    pub fn path(&self) -> String {
        match self.target {
            Some(t) if t.starts_with('/') => t.to_string(),
            Some(t) => format!("{}{t}", self.kind.default_dir()),
            None => format!("{}{}", self.kind.default_dir(), self.source),
        }
    }
}

/// The references of a service's `secrets` or `configs` sequence.
pub(crate) fn file_refs(kind: FileKind, v: Option<&Value>) -> impl Iterator<Item = FileRef<'_>> {
    v.and_then(Value::as_seq)
        .unwrap_or(&[])
        .iter()
        .filter_map(move |e| {
            // The short form is a bare name; the loader writes the long one.
            let source = e
                .as_str()
                .or_else(|| e.get("source").and_then(Value::as_str))?;
            Some(FileRef {
                kind,
                span: e.span,
                source,
                target: e.get("target").and_then(Value::as_str),
                uid: file_number(e.get("uid"), 10),
                gid: file_number(e.get("gid"), 10),
                mode: file_number(e.get("mode"), 8).and_then(|m| u32::try_from(m).ok()),
            })
        })
}

/// A `mode` (octal when written as a string, `0o` allowed), `uid` or `gid` (decimal).
fn file_number(v: Option<&Value>, radix: u32) -> Option<u64> {
    let v = v?;
    if let Some(n) = v.as_i64() {
        return u64::try_from(n).ok();
    }
    let text = v.scalar_to_string()?;
    let t = text.trim();
    let t = if radix == 8 {
        t.strip_prefix("0o")
            .or_else(|| t.strip_prefix("0O"))
            .unwrap_or(t)
    } else {
        t
    };
    u64::from_str_radix(t, radix).ok()
}

fn labels(v: &Value) -> Vec<(&str, String)> {
    v.get("labels")
        .and_then(Value::as_map)
        .map(read::pairs)
        .unwrap_or_default()
}

impl crate::Project {
    fn defs(&self, section: &str) -> impl Iterator<Item = (&Key, &Value)> {
        self.tree
            .get(section)
            .and_then(Value::as_map)
            .into_iter()
            .flat_map(super::value::Map::iter)
    }

    fn def(&self, section: &str, key: &str) -> Option<(&Key, &Value)> {
        let m = self.tree.get(section)?.as_map()?;
        m.entries.get_key_value(key)
    }

    /// The top-level networks, in the model's order.
    pub fn network_defs(&self) -> impl Iterator<Item = NetworkDef<'_>> {
        self.defs("networks").map(|(k, v)| NetworkDef::of(k, v))
    }

    /// The top-level network `key`.
    #[must_use]
    pub fn network_def(&self, key: &str) -> Option<NetworkDef<'_>> {
        let (k, v) = self.def("networks", key)?;
        Some(NetworkDef::of(k, v))
    }

    /// The top-level volumes, in the model's order.
    pub fn volume_defs(&self) -> impl Iterator<Item = VolumeDef<'_>> {
        self.defs("volumes").map(|(k, v)| VolumeDef::of(k, v))
    }

    /// The top-level volume `key`.
    #[must_use]
    pub fn volume_def(&self, key: &str) -> Option<VolumeDef<'_>> {
        let (k, v) = self.def("volumes", key)?;
        Some(VolumeDef::of(k, v))
    }

    /// The top-level secrets or configs, in the model's order.
    pub fn file_defs(&self, kind: FileKind) -> impl Iterator<Item = FileDef<'_>> {
        self.defs(kind.section())
            .map(move |(k, v)| FileDef::of(kind, k, v))
    }

    /// The top-level secret or config `key`.
    #[must_use]
    pub fn file_def(&self, kind: FileKind, key: &str) -> Option<FileDef<'_>> {
        let (k, v) = self.def(kind.section(), key)?;
        Some(FileDef::of(kind, k, v))
    }

    /// The value of a secret or config given by `environment:` (an included file's own
    /// environment first, then the project's) or `content:`; `None` for one read from a
    /// `file:` or external.
    ///
    /// # Errors
    /// The variable it names is not set, worded as Docker Compose words it.
    pub fn inline_value(&self, def: &FileDef<'_>) -> Result<Option<String>, String> {
        if let Some(var) = def.environment {
            let included = format!("{}.{}", def.kind.section(), def.key);
            return self
                .included_values
                .get(&included)
                .or_else(|| self.environment.get(var))
                .cloned()
                .map(Some)
                .ok_or_else(|| {
                    format!(
                        "environment variable \"{var}\" required by {} \"{}\" is not set",
                        def.kind.singular(),
                        def.name
                    )
                });
        }
        Ok(def.content.clone())
    }

    /// The engine's name of network `key`: its `name:`, else `<project>_<key>`.
    #[must_use]
    pub fn network_name(&self, key: &str) -> String {
        self.network_def(key)
            .and_then(|n| n.name)
            .map_or_else(|| format!("{}_{key}", self.name), str::to_string)
    }

    /// The engine's name of what a volume mount's `source` names: a declared volume's
    /// `name:` (the loader writes it), else the source as written (a host path, an anonymous
    /// volume's name).
    #[must_use]
    pub fn volume_name(&self, source: &str) -> String {
        self.volume_def(source)
            .and_then(|v| v.name)
            .unwrap_or(source)
            .to_string()
    }
}
