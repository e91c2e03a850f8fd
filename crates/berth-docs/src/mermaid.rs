//! Mermaid flowcharts (what GitHub renders in Markdown as it is).

use std::fmt::Write as _;

use crate::graph::{EdgeKind, Graph, Node, NodeKind};

/// Text for a Mermaid label: inside double quotes, where `"` must be an entity and `<br/>`
/// breaks a line. A line break of the value's own is a space: on a line of its own, a value's
/// three backticks would close the document's Mermaid fence (issue 17, item 5).
fn text(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('"', "#quot;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace(['\r', '\n'], " ")
}

fn node(out: &mut String, n: &Node, indent: &str) {
    let label = n
        .label
        .iter()
        .map(|l| text(l))
        .collect::<Vec<_>>()
        .join("<br/>");
    let shape = match &n.kind {
        NodeKind::Network { .. } => format!("{{{{\"{label}\"}}}}"),
        NodeKind::HostPort => format!("([\"{label}\"])"),
        NodeKind::Storage(crate::graph::Storage::Volume) => format!("[(\"{label}\")]"),
        NodeKind::Storage(crate::graph::Storage::Bind) => format!("[/\"{label}\"/]"),
        NodeKind::Storage(crate::graph::Storage::EnvFile) => format!(">\"{label}\"]"),
        NodeKind::Service { role, .. } => match role {
            berth_audit::facts::Role::Database => format!("[(\"{label}\")]"),
            _ => format!("[\"{label}\"]"),
        },
    };
    let _ = writeln!(out, "{indent}{}{shape}", n.id);
}

/// The most text Mermaid renders by default (its `maxTextSize`); past it, a renderer shows
/// "Maximum text size in diagram exceeded" instead of the diagram.
pub const MAX_TEXT: usize = 50_000;

/// The graph as a Mermaid flowchart.
#[must_use]
pub fn render(g: &Graph) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "---\ntitle: {}\n---", text(&g.title));
    let _ = writeln!(out, "flowchart {}", if g.top_down { "TB" } else { "LR" });
    for (gi, group) in g.groups.iter().enumerate() {
        let _ = writeln!(out, "  subgraph g{gi}[\"{}\"]", text(group));
        for n in g.nodes.iter().filter(|n| n.group.as_deref() == Some(group)) {
            node(&mut out, n, "    ");
        }
        let _ = writeln!(out, "  end");
    }
    for n in g.nodes.iter().filter(|n| n.group.is_none()) {
        node(&mut out, n, "  ");
    }
    let mut critical = Vec::new();
    for (i, e) in g.edges.iter().enumerate() {
        let arrow = match e.kind {
            EdgeKind::Healthy | EdgeKind::Completed => "==>",
            EdgeKind::Environment | EdgeKind::Scrape | EdgeKind::Link => "-.->",
            EdgeKind::Attached | EdgeKind::Mounts => "---",
            EdgeKind::ReadsEnv => "-.-",
            _ => "-->",
        };
        let (a, b) = (&g.nodes[e.from].id, &g.nodes[e.to].id);
        if e.label.is_empty() {
            let _ = writeln!(out, "  {a} {arrow} {b}");
        } else {
            let _ = writeln!(out, "  {a} {arrow}|\"{}\"| {b}", text(&e.label));
        }
        if e.critical {
            critical.push(i.to_string());
        }
    }
    // Classes: internal networks, bridges, replicated services; the critical path in red.
    let ids = |f: &dyn Fn(&Node) -> bool| -> Vec<&str> {
        g.nodes
            .iter()
            .filter(|n| f(n))
            .map(|n| n.id.as_str())
            .collect()
    };
    let internal = ids(&|n| matches!(n.kind, NodeKind::Network { internal: true }));
    let bridges = ids(&|n| n.bridge);
    if !internal.is_empty() {
        let _ = writeln!(
            out,
            "  classDef internal stroke-dasharray: 5 5\n  class {} internal",
            internal.join(",")
        );
    }
    if !bridges.is_empty() {
        let _ = writeln!(
            out,
            "  classDef bridge stroke-width:3px\n  class {} bridge",
            bridges.join(",")
        );
    }
    if !critical.is_empty() {
        let _ = writeln!(
            out,
            "  linkStyle {} stroke:#d33,stroke-width:3px",
            critical.join(",")
        );
    }
    out
}
