//! A service's `volumes` entries (mounts), read once for every stage: the engine's binds and
//! mounts, the audit's rules on bind mounts and the docs' table.

use crate::source::Span;
use crate::value::Value;

/// What a mount is (`type`; `volume` when not written).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MountKind {
    Volume,
    Bind,
    Tmpfs,
    Npipe,
    Cluster,
    Image,
    /// A type Berth does not know, as written.
    Other,
}

impl MountKind {
    fn parse(s: &str) -> MountKind {
        match s {
            "volume" => MountKind::Volume,
            "bind" => MountKind::Bind,
            "tmpfs" => MountKind::Tmpfs,
            "npipe" => MountKind::Npipe,
            "cluster" => MountKind::Cluster,
            "image" => MountKind::Image,
            _ => MountKind::Other,
        }
    }
}

/// One `volumes` entry of a service (canonical: the long syntax, after the loader).
#[derive(Clone, Copy, Debug)]
pub struct Mount<'a> {
    /// The entry itself, for the options the view does not name.
    pub value: &'a Value,
    pub span: Span,
    /// `type` as written (`volume` when not).
    pub type_name: &'a str,
    pub kind: MountKind,
    /// `source`: a host path, a volume's key, or none (an anonymous volume, a tmpfs).
    pub source: Option<&'a str>,
    pub target: Option<&'a str>,
    pub read_only: bool,
    /// `bind:` options, `volume:` options, `tmpfs:` options.
    pub bind: Option<&'a Value>,
    pub volume: Option<&'a Value>,
    pub tmpfs: Option<&'a Value>,
}

impl<'a> Mount<'a> {
    /// The view of one `volumes` entry.
    #[must_use]
    pub fn of(m: &'a Value) -> Mount<'a> {
        let type_name = m.get("type").and_then(Value::as_str).unwrap_or("volume");
        Mount {
            value: m,
            span: m.span,
            type_name,
            kind: MountKind::parse(type_name),
            source: m
                .get("source")
                .and_then(Value::as_str)
                .filter(|s| !s.is_empty()),
            target: m.get("target").and_then(Value::as_str),
            read_only: m.get("read_only").and_then(Value::as_bool) == Some(true),
            bind: m.get("bind"),
            volume: m.get("volume"),
            tmpfs: m.get("tmpfs"),
        }
    }
}

/// The mounts of a `volumes` sequence, in order.
pub fn entries(volumes: Option<&Value>) -> impl Iterator<Item = Mount<'_>> {
    volumes
        .and_then(Value::as_seq)
        .unwrap_or(&[])
        .iter()
        .map(Mount::of)
}
