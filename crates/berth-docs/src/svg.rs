//! SVG drawn by Berth itself: a layered layout (ranks by longest path, order within a rank by
//! the barycenter of the neighbours, a few sweeps), boxes sized to their text, edges as curves
//! with their labels. No Graphviz or browser is needed to draw it.

use std::fmt::Write as _;

use crate::graph::{EdgeKind, Graph, NodeKind};
use crate::html::escape;

/// Approximate width of a character of the 12 px sans-serif font, in pixels.
const CHAR_W: f64 = 7.0;
const LINE_H: f64 = 16.0;
const PAD_X: f64 = 12.0;
const PAD_Y: f64 = 8.0;
const GAP_X: f64 = 36.0;
const GAP_RANK: f64 = 70.0;
const MARGIN: f64 = 24.0;

/// A node's place: centre and size.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Place {
    pub x: f64,
    pub y: f64,
    pub w: f64,
    pub h: f64,
}

/// The layout: a place per node, and the drawing's size.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Layout {
    pub places: Vec<Place>,
    pub width: f64,
    pub height: f64,
}

/// Ranks by longest path from the sources; edges that close a cycle are ignored.
fn ranks(g: &Graph) -> Vec<usize> {
    let (order, forward) = g.topological_order();
    let mut rank = vec![0usize; g.nodes.len()];
    for &v in &order {
        for (e, _) in g
            .edges
            .iter()
            .zip(&forward)
            .filter(|(e, f)| **f && e.from == v)
        {
            rank[e.to] = rank[e.to].max(rank[v] + 1);
        }
    }
    rank
}

/// Lays the graph out: top to bottom, or left to right when the graph says so.
#[must_use]
pub fn layout(g: &Graph) -> Layout {
    let n = g.nodes.len();
    let rank = ranks(g);
    let levels = rank.iter().copied().max().map_or(0, |m| m + 1);
    let mut rows: Vec<Vec<usize>> = vec![Vec::new(); levels];
    for (i, &r) in rank.iter().enumerate() {
        rows[r].push(i);
    }
    // Order within a rank: the barycentre of the neighbours in the rank above, then below.
    let neighbours = |v: usize| -> Vec<usize> {
        g.edges
            .iter()
            .filter_map(|e| {
                if e.from == v {
                    Some(e.to)
                } else if e.to == v {
                    Some(e.from)
                } else {
                    None
                }
            })
            .collect()
    };
    let adjacent: Vec<Vec<usize>> = (0..n).map(neighbours).collect();
    let mut pos = vec![0f64; n];
    for row in &rows {
        for (j, &v) in row.iter().enumerate() {
            #[allow(clippy::cast_precision_loss)]
            let p = j as f64;
            pos[v] = p;
        }
    }
    for sweep in 0..4 {
        let order: Vec<usize> = if sweep % 2 == 0 {
            (1..levels).collect()
        } else {
            (0..levels.saturating_sub(1)).rev().collect()
        };
        for r in order {
            let toward = if sweep % 2 == 0 { r - 1 } else { r + 1 };
            let mut keyed: Vec<(f64, usize)> = rows[r]
                .iter()
                .map(|&v| {
                    let ns: Vec<f64> = adjacent[v]
                        .iter()
                        .filter(|&&w| rank[w] == toward)
                        .map(|&w| pos[w])
                        .collect();
                    #[allow(clippy::cast_precision_loss)]
                    let key = if ns.is_empty() {
                        pos[v]
                    } else {
                        ns.iter().sum::<f64>() / ns.len() as f64
                    };
                    (key, v)
                })
                .collect();
            keyed.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
            rows[r] = keyed.into_iter().map(|(_, v)| v).collect();
            for (j, &v) in rows[r].iter().enumerate() {
                #[allow(clippy::cast_precision_loss)]
                let p = j as f64;
                pos[v] = p;
            }
        }
    }
    // Sizes from the text.
    let mut places = vec![Place::default(); n];
    for (i, node) in g.nodes.iter().enumerate() {
        #[allow(clippy::cast_precision_loss)]
        let longest = node
            .label
            .iter()
            .map(|l| l.chars().count())
            .max()
            .unwrap_or(1) as f64;
        #[allow(clippy::cast_precision_loss)]
        let lines = node.label.len().max(1) as f64;
        places[i].w = longest * CHAR_W + 2.0 * PAD_X;
        places[i].h = lines * LINE_H + 2.0 * PAD_Y;
    }
    // Coordinates: ranks along the main axis, order across it, each rank centred.
    let along = |p: &Place| if g.top_down { p.h } else { p.w };
    let across = |p: &Place| if g.top_down { p.w } else { p.h };
    let gap_across = if g.top_down { GAP_X } else { GAP_X / 2.0 };
    let rank_size: Vec<f64> = rows
        .iter()
        .map(|row| row.iter().map(|&v| along(&places[v])).fold(0.0, f64::max))
        .collect();
    let row_len: Vec<f64> = rows
        .iter()
        .map(|row| {
            #[allow(clippy::cast_precision_loss)]
            let gaps = row.len().saturating_sub(1) as f64 * gap_across;
            row.iter().map(|&v| across(&places[v])).sum::<f64>() + gaps
        })
        .collect();
    let widest = row_len.iter().copied().fold(0.0, f64::max);
    let mut main = MARGIN;
    for (r, row) in rows.iter().enumerate() {
        let mut cross = MARGIN + (widest - row_len[r]) / 2.0;
        for &v in row {
            let c = cross + across(&places[v]) / 2.0;
            let m = main + rank_size[r] / 2.0;
            if g.top_down {
                places[v].x = c;
                places[v].y = m;
            } else {
                places[v].x = m;
                places[v].y = c;
            }
            cross += across(&places[v]) + gap_across;
        }
        main += rank_size[r] + GAP_RANK;
    }
    let main_total = main - GAP_RANK + MARGIN;
    let cross_total = widest + 2.0 * MARGIN;
    let (width, height) = if g.top_down {
        (cross_total, main_total)
    } else {
        (main_total, cross_total)
    };
    Layout {
        places,
        width: width.max(2.0 * MARGIN),
        height: height.max(2.0 * MARGIN),
    }
}

/// The fill of a node, by what it is.
fn fill(kind: &NodeKind) -> &'static str {
    use berth_audit::facts::Role;
    match kind {
        NodeKind::Network { .. } => "#eef6ee",
        NodeKind::HostPort => "#fff6e0",
        NodeKind::Service { role, .. } => match role {
            Role::Proxy => "#e1f0fb",
            Role::App => "#f3e8f8",
            Role::Database | Role::Cache | Role::Broker => "#e6f4e6",
            Role::Monitoring => "#fff1dc",
            Role::DevTool => "#f0f0f0",
        },
    }
}

/// Where a line from the centre of `a` towards `b` leaves `a`'s box.
fn border(a: Place, b: Place) -> (f64, f64) {
    let (dx, dy) = (b.x - a.x, b.y - a.y);
    if dx == 0.0 && dy == 0.0 {
        return (a.x, a.y);
    }
    let sx = if dx == 0.0 {
        f64::INFINITY
    } else {
        (a.w / 2.0) / dx.abs()
    };
    let sy = if dy == 0.0 {
        f64::INFINITY
    } else {
        (a.h / 2.0) / dy.abs()
    };
    let s = sx.min(sy);
    (a.x + dx * s, a.y + dy * s)
}

/// The graph as a standalone SVG document.
#[must_use]
pub fn render(g: &Graph) -> String {
    let l = layout(g);
    let mut out = String::new();
    let _ = writeln!(
        out,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{w:.0}\" height=\"{h:.0}\" viewBox=\"0 0 {w:.0} {h:.0}\" font-family=\"Helvetica, Arial, sans-serif\" font-size=\"12\">",
        w = l.width,
        h = l.height + 20.0
    );
    let _ = writeln!(out, "<title>{}</title>", escape(&g.title));
    let _ = writeln!(
        out,
        "<defs><marker id=\"arrow\" viewBox=\"0 0 10 10\" refX=\"10\" refY=\"5\" markerUnits=\"userSpaceOnUse\" markerWidth=\"9\" markerHeight=\"9\" orient=\"auto-start-reverse\"><path d=\"M 0 0 L 10 5 L 0 10 z\" fill=\"#555\"/></marker>\
<marker id=\"arrow-critical\" viewBox=\"0 0 10 10\" refX=\"10\" refY=\"5\" markerUnits=\"userSpaceOnUse\" markerWidth=\"9\" markerHeight=\"9\" orient=\"auto-start-reverse\"><path d=\"M 0 0 L 10 5 L 0 10 z\" fill=\"#d33\"/></marker></defs>"
    );
    let _ = writeln!(
        out,
        "<rect width=\"100%\" height=\"100%\" fill=\"#ffffff\"/>"
    );
    // Edges first, under the nodes.
    for e in &g.edges {
        let (a, b) = (l.places[e.from], l.places[e.to]);
        let (x1, y1) = border(a, b);
        let (x2, y2) = border(b, a);
        let (color, marker) = if e.critical {
            ("#d33", "arrow-critical")
        } else {
            ("#555", "arrow")
        };
        let width = match e.kind {
            EdgeKind::Healthy | EdgeKind::Completed => 2.5,
            _ if e.critical => 3.0,
            _ => 1.2,
        };
        let dash = match e.kind {
            EdgeKind::Environment | EdgeKind::Scrape | EdgeKind::Link => {
                " stroke-dasharray=\"5 4\""
            }
            _ => "",
        };
        let head = if e.kind == EdgeKind::Attached {
            String::new()
        } else {
            format!(" marker-end=\"url(#{marker})\"")
        };
        // A gentle curve: control points along the main axis.
        let (c1, c2) = if g.top_down {
            let m = (y1 + y2) / 2.0;
            ((x1, m), (x2, m))
        } else {
            let m = (x1 + x2) / 2.0;
            ((m, y1), (m, y2))
        };
        let _ = writeln!(
            out,
            "<path d=\"M {x1:.1} {y1:.1} C {:.1} {:.1}, {:.1} {:.1}, {x2:.1} {y2:.1}\" fill=\"none\" stroke=\"{color}\" stroke-width=\"{width}\"{dash}{head}/>",
            c1.0, c1.1, c2.0, c2.1
        );
        if !e.label.is_empty() {
            let (mx, my) = ((x1 + x2) / 2.0, (y1 + y2) / 2.0);
            #[allow(clippy::cast_precision_loss)]
            let tw = e.label.chars().count() as f64 * 6.0 + 6.0;
            let _ = writeln!(
                out,
                "<rect x=\"{:.1}\" y=\"{:.1}\" width=\"{tw:.1}\" height=\"14\" fill=\"#ffffff\" opacity=\"0.85\"/><text x=\"{mx:.1}\" y=\"{:.1}\" text-anchor=\"middle\" font-size=\"10\" fill=\"#333\">{}</text>",
                mx - tw / 2.0,
                my - 10.0,
                my + 1.0,
                escape(&e.label)
            );
        }
    }
    for (i, n) in g.nodes.iter().enumerate() {
        let p = l.places[i];
        let (x, y) = (p.x - p.w / 2.0, p.y - p.h / 2.0);
        let stroke_w = if n.bridge { 3.0 } else { 1.2 };
        let dash = if matches!(n.kind, NodeKind::Network { internal: true }) {
            " stroke-dasharray=\"6 4\""
        } else {
            ""
        };
        let rx = match n.kind {
            NodeKind::HostPort => p.h / 2.0,
            NodeKind::Network { .. } => 2.0,
            NodeKind::Service { .. } => 8.0,
        };
        let _ = writeln!(
            out,
            "<g id=\"{}\"><rect x=\"{x:.1}\" y=\"{y:.1}\" width=\"{:.1}\" height=\"{:.1}\" rx=\"{rx:.1}\" fill=\"{}\" stroke=\"#333\" stroke-width=\"{stroke_w}\"{dash}/>",
            n.id,
            p.w,
            p.h,
            fill(&n.kind)
        );
        for (j, line) in n.label.iter().enumerate() {
            #[allow(clippy::cast_precision_loss)]
            let ty = y + PAD_Y + LINE_H * (j as f64) + 12.0;
            let weight = if j == 0 { " font-weight=\"bold\"" } else { "" };
            let _ = writeln!(
                out,
                "<text x=\"{:.1}\" y=\"{ty:.1}\" text-anchor=\"middle\"{weight}>{}</text>",
                p.x,
                escape(line)
            );
        }
        let _ = writeln!(out, "</g>");
    }
    let _ = writeln!(
        out,
        "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\" fill=\"#555\">{}</text>",
        l.width / 2.0,
        l.height + 8.0,
        escape(&g.title)
    );
    let _ = writeln!(out, "</svg>");
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::graph::{Edge, Node};

    fn node(name: &str) -> Node {
        Node {
            id: format!("s_{name}"),
            label: vec![name.to_string()],
            kind: NodeKind::Service {
                role: berth_audit::facts::Role::App,
                replicas: 1,
            },
            group: None,
            bridge: false,
        }
    }

    #[test]
    fn ranks_follow_the_edges_and_nodes_do_not_overlap() {
        let edge = |from, to| Edge {
            from,
            to,
            kind: EdgeKind::DependsOn,
            label: String::new(),
            critical: false,
        };
        let g = Graph {
            title: "t".into(),
            top_down: true,
            nodes: vec![node("a"), node("b"), node("c"), node("d")],
            // a -> b -> d, a -> c, and a cycle d -> b ignored for ranking.
            edges: vec![edge(0, 1), edge(1, 3), edge(0, 2), edge(3, 1)],
            groups: Vec::new(),
        };
        let l = layout(&g);
        assert!(l.places[0].y < l.places[1].y);
        assert!(l.places[1].y < l.places[3].y || l.places[3].y < l.places[1].y);
        assert!(
            (l.places[1].y - l.places[2].y).abs() < 1e-9,
            "b and c share a rank"
        );
        for (i, a) in l.places.iter().enumerate() {
            for b in &l.places[i + 1..] {
                let apart = (a.x - b.x).abs() >= (a.w + b.w) / 2.0
                    || (a.y - b.y).abs() >= (a.h + b.h) / 2.0;
                assert!(apart, "{a:?} overlaps {b:?}");
            }
            assert!(a.x - a.w / 2.0 >= 0.0 && a.x + a.w / 2.0 <= l.width);
        }
        let svg = render(&g);
        assert!(svg.starts_with("<svg ") && svg.trim_end().ends_with("</svg>"));
        assert_eq!(svg.matches("<g id=").count(), 4);
    }
}
