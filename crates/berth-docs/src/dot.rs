//! Graphviz DOT.

use std::fmt::Write as _;

use crate::graph::{EdgeKind, Graph, Node, NodeKind};

/// A DOT string literal.
fn quoted(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            _ => out.push(c),
        }
    }
    out.push('"');
    out
}

fn node(out: &mut String, n: &Node, indent: &str) {
    let (shape, style) = match &n.kind {
        NodeKind::Network { internal: true } => ("hexagon", "dashed"),
        NodeKind::Network { .. } => ("hexagon", "solid"),
        NodeKind::HostPort => ("oval", "solid"),
        NodeKind::Storage(crate::graph::Storage::Volume) => ("cylinder", "solid"),
        NodeKind::Storage(crate::graph::Storage::Bind) => ("folder", "solid"),
        NodeKind::Storage(crate::graph::Storage::EnvFile) => ("note", "solid"),
        NodeKind::Service { role, .. } => match role {
            berth_audit::facts::Role::Database => ("cylinder", "solid"),
            _ => ("box", "rounded"),
        },
    };
    let pen = if n.bridge { ", penwidth=3" } else { "" };
    let _ = writeln!(
        out,
        "{indent}{} [label={}, shape={shape}, style={style}{pen}];",
        n.id,
        quoted(&n.label.join("\n"))
    );
}

/// The graph in Graphviz's DOT language.
#[must_use]
pub fn render(g: &Graph) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "digraph berth {{");
    let _ = writeln!(out, "  label={};", quoted(&g.title));
    let _ = writeln!(out, "  rankdir={};", if g.top_down { "TB" } else { "LR" });
    let _ = writeln!(out, "  node [fontname=\"Helvetica\"];");
    let _ = writeln!(out, "  edge [fontname=\"Helvetica\", fontsize=10];");
    for (gi, group) in g.groups.iter().enumerate() {
        let _ = writeln!(out, "  subgraph cluster_{gi} {{");
        let _ = writeln!(out, "    label={};", quoted(group));
        for n in g.nodes.iter().filter(|n| n.group.as_deref() == Some(group)) {
            node(&mut out, n, "    ");
        }
        let _ = writeln!(out, "  }}");
    }
    for n in g.nodes.iter().filter(|n| n.group.is_none()) {
        node(&mut out, n, "  ");
    }
    for e in &g.edges {
        let mut attrs = Vec::new();
        if !e.label.is_empty() {
            attrs.push(format!("label={}", quoted(&e.label)));
        }
        match e.kind {
            EdgeKind::Healthy | EdgeKind::Completed => attrs.push("style=bold".into()),
            EdgeKind::Environment | EdgeKind::Scrape | EdgeKind::Link => {
                attrs.push("style=dashed".into());
            }
            EdgeKind::Attached | EdgeKind::Mounts => attrs.push("arrowhead=none".into()),
            EdgeKind::ReadsEnv => {
                attrs.push("arrowhead=none".into());
                attrs.push("style=dashed".into());
            }
            _ => {}
        }
        if e.critical {
            attrs.push("color=\"#dd3333\", penwidth=3".into());
        }
        let _ = writeln!(
            out,
            "  {} -> {}{};",
            g.nodes[e.from].id,
            g.nodes[e.to].id,
            if attrs.is_empty() {
                String::new()
            } else {
                format!(" [{}]", attrs.join(", "))
            }
        );
    }
    let _ = writeln!(out, "}}");
    out
}
