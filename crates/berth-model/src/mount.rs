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

/// `bind:` options of a mount.
#[derive(Clone, Copy, Debug, Default)]
pub struct BindOptions<'a> {
    /// `z` or `Z`.
    pub selinux: Option<&'a str>,
    pub propagation: Option<&'a str>,
    pub create_host_path: bool,
    /// `enabled`, `disabled`, `writable` or `readonly`.
    pub recursive: Option<&'a str>,
}

/// `volume:` options of a mount.
#[derive(Clone, Debug, Default)]
pub struct VolumeOptions<'a> {
    pub nocopy: bool,
    pub subpath: Option<&'a str>,
    /// The labels of a volume the mount creates.
    pub labels: Option<Vec<(&'a str, String)>>,
}

/// `tmpfs:` options of a mount.
#[derive(Clone, Copy, Debug, Default)]
pub struct TmpfsOptions {
    /// Size in bytes.
    pub size: Option<i64>,
    pub mode: Option<i64>,
}

/// One `volumes` entry of a service (canonical: the long syntax, after the loader).
#[derive(Clone, Debug)]
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
    pub consistency: Option<&'a str>,
    /// `bind:`, `volume:` and `tmpfs:` options, when written.
    pub bind: Option<BindOptions<'a>>,
    pub volume: Option<VolumeOptions<'a>>,
    pub tmpfs: Option<TmpfsOptions>,
}

/// A non-empty string at `key`.
fn text<'a>(v: &'a Value, key: &str) -> Option<&'a str> {
    v.get(key).and_then(Value::as_str).filter(|s| !s.is_empty())
}

fn flag(v: &Value, key: &str) -> bool {
    v.get(key).and_then(Value::as_bool) == Some(true)
}

impl<'a> Mount<'a> {
    /// The view of one `volumes` entry.
    #[must_use]
    pub fn of(m: &'a Value) -> Mount<'a> {
        let type_name = m.get("type").and_then(Value::as_str).unwrap_or("volume");
        let number = |o: &Value, key: &str| {
            o.get(key)
                .and_then(Value::scalar_to_string)
                .and_then(|n| n.parse::<i64>().ok())
        };
        Mount {
            value: m,
            span: m.span,
            type_name,
            kind: MountKind::parse(type_name),
            source: text(m, "source"),
            target: m.get("target").and_then(Value::as_str),
            read_only: flag(m, "read_only"),
            consistency: text(m, "consistency"),
            bind: m.get("bind").map(|b| BindOptions {
                selinux: text(b, "selinux"),
                propagation: text(b, "propagation"),
                create_host_path: flag(b, "create_host_path"),
                recursive: text(b, "recursive"),
            }),
            volume: m.get("volume").map(|o| VolumeOptions {
                nocopy: flag(o, "nocopy"),
                subpath: text(o, "subpath"),
                labels: o
                    .get("labels")
                    .and_then(Value::as_map)
                    .map(crate::read::pairs)
                    .filter(|l| !l.is_empty()),
            }),
            tmpfs: m.get("tmpfs").map(|o| TmpfsOptions {
                size: number(o, "size"),
                mode: number(o, "mode"),
            }),
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
