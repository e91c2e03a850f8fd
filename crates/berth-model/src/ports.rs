//! Ports as Compose writes them, read once for every stage: a service's `ports` entries (the
//! engine's bindings, the audit's conflicts, the docs' tables), and port numbers or ranges
//! (`8080`, `8000-8005`: the loader's short syntax, the audit, the engine's `expose`).

use crate::source::Span;
use crate::value::Value;

/// One `ports` entry of a service (canonical: the long syntax, after the loader).
#[derive(Clone, Debug)]
pub struct Port<'a> {
    pub span: Span,
    /// The container's port.
    pub target: Option<i64>,
    /// The host's port or range (`8080`, `8000-8005`), when published on a chosen one.
    pub published: Option<String>,
    /// The host address it is bound to, when one is written.
    pub host_ip: Option<&'a str>,
    /// `tcp` unless written.
    pub protocol: &'a str,
    /// `ingress` or `host` (Swarm's publish mode), when written.
    pub mode: Option<&'a str>,
}

impl<'a> Port<'a> {
    /// The view of one `ports` entry.
    #[must_use]
    pub fn of(p: &'a Value) -> Port<'a> {
        Port {
            span: p.span,
            target: p.get("target").and_then(Value::as_i64),
            published: p
                .get("published")
                .and_then(Value::scalar_to_string)
                .filter(|s| !s.is_empty()),
            host_ip: p.get("host_ip").and_then(Value::as_str),
            protocol: p.get("protocol").and_then(Value::as_str).unwrap_or("tcp"),
            mode: p.get("mode").and_then(Value::as_str),
        }
    }
}

/// The entries of a `ports` sequence, in order.
pub fn entries(ports: Option<&Value>) -> impl Iterator<Item = Port<'_>> {
    ports
        .and_then(Value::as_seq)
        .unwrap_or(&[])
        .iter()
        .map(Port::of)
}

/// A port or a range of ports: `8080` is `(8080, 8080)`; `8000-8005` is `(8000, 8005)`.
/// Each end is a number from 0 to 65535, and a range does not go backwards.
#[must_use]
pub fn range(s: &str) -> Option<(u16, u16)> {
    let (a, b) = s.split_once('-').unwrap_or((s, s));
    let (a, b) = (a.parse::<u16>().ok()?, b.parse::<u16>().ok()?);
    (a <= b).then_some((a, b))
}

#[cfg(test)]
mod tests {
    use super::range;

    #[test]
    fn ports_and_ranges() {
        assert_eq!(range("8080"), Some((8080, 8080)));
        assert_eq!(range("8000-8005"), Some((8000, 8005)));
        assert_eq!(range("0"), Some((0, 0)));
        for bad in ["", "-", "80-", "-80", "9-8", "65536", "a", " 80", "1-2-3"] {
            assert_eq!(range(bad), None, "{bad:?}");
        }
    }
}
