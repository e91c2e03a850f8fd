//! A service's `networks` entries (its attachments), read once for every stage: the engine's
//! endpoints and primary network, the audit's host names.

use crate::source::Span;
use crate::value::Value;

/// One entry of a service's `networks` (canonical: a mapping of network keys, after the
/// loader; an entry may be null).
#[derive(Clone, Debug)]
pub struct Attachment<'a> {
    /// The network's key in the project.
    pub network: &'a str,
    /// Where the key is written.
    pub span: Span,
    pub aliases: Vec<&'a str>,
    pub ipv4_address: Option<&'a str>,
    pub ipv6_address: Option<&'a str>,
    /// `priority`: the highest is the container's primary network (0 unless written).
    pub priority: i64,
}

/// The attachments of a `networks` mapping, in the order of the model.
pub fn entries(networks: Option<&Value>) -> impl Iterator<Item = Attachment<'_>> {
    networks
        .and_then(Value::as_map)
        .into_iter()
        .flat_map(crate::value::Map::iter)
        .map(|(k, n)| {
            let text = |key: &str| n.get(key).and_then(Value::as_str);
            Attachment {
                network: k.name.as_str(),
                span: k.span,
                aliases: n
                    .get("aliases")
                    .and_then(Value::as_seq)
                    .unwrap_or(&[])
                    .iter()
                    .filter_map(Value::as_str)
                    .collect(),
                ipv4_address: text("ipv4_address"),
                ipv6_address: text("ipv6_address"),
                priority: n.get("priority").and_then(Value::as_i64).unwrap_or(0),
            }
        })
}

/// The attachments, the primary first: the highest `priority`, then by name.
#[must_use]
pub fn by_priority(networks: Option<&Value>) -> Vec<Attachment<'_>> {
    let mut all: Vec<Attachment<'_>> = entries(networks).collect();
    all.sort_by(|a, b| {
        b.priority
            .cmp(&a.priority)
            .then_with(|| a.network.cmp(b.network))
    });
    all
}
