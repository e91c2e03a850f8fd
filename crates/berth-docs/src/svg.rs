//! SVG drawn by Berth itself: a layered layout (ranks by longest path; an edge that spans
//! several ranks passes through a bend point in each, so it is routed between the boxes; order
//! within a rank by the barycentre of the neighbours, sweeping down and up and keeping the order
//! that crosses the fewest edges; each group a band of its
//! own, framed), boxes sized to their text, edges as curves with their labels. No Graphviz or
//! browser is needed to draw it.

use std::collections::HashMap;
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
/// The room a bend point of a long edge takes across its rank.
const BEND_W: f64 = 14.0;
/// Room between a group's frame and what it holds, and the frame's title.
const FRAME_PAD: f64 = 12.0;
const TITLE_H: f64 = 18.0;
/// Room between two groups' frames side by side.
const GAP_GROUP: f64 = 28.0;
/// The widest a rank of a drawing without groups gets (top to bottom) before it wraps onto
/// rows of its own: a networks view of 18 services stays on a screen.
const MAX_ACROSS: f64 = 1000.0;

/// A node's place: centre and size.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Place {
    pub x: f64,
    pub y: f64,
    pub w: f64,
    pub h: f64,
}

/// The box drawn around a group: top-left corner and size.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Frame {
    pub name: String,
    pub x: f64,
    pub y: f64,
    pub w: f64,
    pub h: f64,
}

/// The layout: a place per node, the bend points of each edge (from its source to its
/// target; none for an edge between neighbouring ranks), a frame per group, and the
/// drawing's size.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Layout {
    pub places: Vec<Place>,
    pub bends: Vec<Vec<(f64, f64)>>,
    pub frames: Vec<Frame>,
    pub width: f64,
    pub height: f64,
}

/// Ranks covered by a band, `(first, last)`; `None` while it holds nothing.
type Span = Option<(usize, usize)>;

fn widen(span: &mut Span, r: usize) {
    *span = Some(match *span {
        None => (r, r),
        Some((lo, hi)) => (lo.min(r), hi.max(r)),
    });
}

fn covers(span: Span, r: usize) -> bool {
    span.is_some_and(|(lo, hi)| lo <= r && r <= hi)
}

/// How many times the order within the ranks is revised, down and up in turn.
const SWEEPS: usize = 8;

/// How many pairs of segments cross between neighbouring ranks: per pair of ranks, the
/// segments sorted by their upper end, then the inversions of their lower ends, counted while
/// merge-sorting them.
fn crossings(rows: &[Vec<usize>], pos: &[f64], adjacent: &[Vec<usize>], rank: &[usize]) -> u64 {
    let mut total = 0;
    for (r, row) in rows.iter().enumerate() {
        let mut segments: Vec<(f64, f64)> = row
            .iter()
            .flat_map(|&u| {
                adjacent[u]
                    .iter()
                    .filter(move |&&v| rank[v] == r + 1)
                    .map(move |&v| (pos[u], pos[v]))
            })
            .collect();
        segments.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.total_cmp(&b.1)));
        let mut lower: Vec<f64> = segments.iter().map(|s| s.1).collect();
        total += inversions(&mut lower);
    }
    total
}

/// The pairs `i < j` with `v[i] > v[j]`; sorts `v`.
fn inversions(v: &mut [f64]) -> u64 {
    if v.len() < 2 {
        return 0;
    }
    let mid = v.len() / 2;
    let mut count = inversions(&mut v[..mid]) + inversions(&mut v[mid..]);
    let mut merged = Vec::with_capacity(v.len());
    let (mut i, mut j) = (0, mid);
    while i < mid && j < v.len() {
        if v[j] < v[i] {
            count += (mid - i) as u64;
            merged.push(v[j]);
            j += 1;
        } else {
            merged.push(v[i]);
            i += 1;
        }
    }
    merged.extend_from_slice(&v[i..mid]);
    merged.extend_from_slice(&v[j..]);
    v.copy_from_slice(&merged);
    count
}

/// Lays the graph out: top to bottom, or left to right when the graph says so.
///
/// The vertices laid out are the nodes, then the bend points of long edges. Each vertex sits
/// in a band: its group's (`0..groups`), or the band of what is in no group (`groups`). A
/// band covers the ranks of what it holds, is as wide as its widest rank, and is put at the
/// first place across where it overlaps no band that shares a rank with it.
#[must_use]
pub fn layout(g: &Graph) -> Layout {
    let n = g.nodes.len();
    let top_down = g.top_down;
    let groups = g.groups.len();
    let group_index: HashMap<&str, usize> = g
        .groups
        .iter()
        .enumerate()
        .map(|(i, name)| (name.as_str(), i))
        .collect();
    // Per vertex: rank, band, size across the ranks and along them.
    let mut rank = g.ranks();
    let mut band: Vec<usize> = g
        .nodes
        .iter()
        .map(|node| {
            node.group
                .as_deref()
                .and_then(|name| group_index.get(name).copied())
                .unwrap_or(groups)
        })
        .collect();
    let mut across = Vec::with_capacity(n);
    let mut along = Vec::with_capacity(n);
    for node in &g.nodes {
        let longest = node
            .label
            .iter()
            .map(|l| l.chars().count())
            .max()
            .unwrap_or(1) as f64;
        let lines = node.label.len().max(1) as f64;
        let (w, h) = (longest * CHAR_W + 2.0 * PAD_X, lines * LINE_H + 2.0 * PAD_Y);
        across.push(if top_down { w } else { h });
        along.push(if top_down { h } else { w });
    }
    if groups == 0 && top_down {
        wrap_wide_ranks(g, &mut rank, &across);
    }
    let mut spans: Vec<Span> = vec![None; groups + 1];
    for v in 0..n {
        widen(&mut spans[band[v]], rank[v]);
    }
    // Bend points: one per rank an edge passes, in its source's band while that band covers
    // the rank, then in its target's, else in the band of what is in no group.
    let mut chains: Vec<Vec<usize>> = Vec::with_capacity(g.edges.len());
    for e in &g.edges {
        let (a, b) = (rank[e.from], rank[e.to]);
        let passed: Vec<usize> = if a + 1 < b {
            (a + 1..b).collect()
        } else if b + 1 < a {
            (b + 1..a).rev().collect()
        } else {
            Vec::new()
        };
        let mut chain = Vec::with_capacity(passed.len());
        for r in passed {
            let (from_band, to_band) = (band[e.from], band[e.to]);
            let b = if covers(spans[from_band], r) {
                from_band
            } else if covers(spans[to_band], r) {
                to_band
            } else {
                groups
            };
            chain.push(rank.len());
            rank.push(r);
            band.push(b);
            across.push(BEND_W);
            along.push(0.0);
        }
        chains.push(chain);
    }
    let total = rank.len();
    for v in n..total {
        widen(&mut spans[band[v]], rank[v]);
    }
    let levels = rank.iter().copied().max().map_or(0, |m| m + 1);
    let gap_across = if top_down { GAP_X } else { GAP_X / 2.0 };
    // Room a group's frame takes before and after its content, across and along the ranks
    // (the title sits at the top).
    let framed = |b: usize| b < groups;
    let frame_across = |b: usize| -> (f64, f64) {
        if !framed(b) {
            (0.0, 0.0)
        } else if top_down {
            (FRAME_PAD, FRAME_PAD)
        } else {
            (FRAME_PAD + TITLE_H, FRAME_PAD)
        }
    };
    let main_before = if top_down {
        FRAME_PAD + TITLE_H
    } else {
        FRAME_PAD
    };
    // Band widths: the widest rank of each, with its frame.
    let mut row_width: HashMap<(usize, usize), (f64, usize)> = HashMap::new();
    for v in 0..total {
        let w = row_width.entry((band[v], rank[v])).or_insert((0.0, 0));
        w.0 += across[v];
        w.1 += 1;
    }
    let mut inner = vec![0f64; groups + 1];
    for (&(b, _), &(w, count)) in &row_width {
        let gaps = count.saturating_sub(1) as f64 * gap_across;
        inner[b] = inner[b].max(w + gaps);
    }
    let band_width: Vec<f64> = (0..=groups)
        .map(|b| {
            let (before, after) = frame_across(b);
            let mut w = inner[b] + before + after;
            if framed(b) && top_down {
                let title = g.groups[b].chars().count() as f64 * CHAR_W + 2.0 * FRAME_PAD;
                w = w.max(title);
            }
            w
        })
        .collect();
    // Bands placed across, each at the first place clear of the bands sharing its ranks.
    let mut start = vec![0f64; groups + 1];
    let mut placed: Vec<(usize, usize, f64, f64)> = Vec::new();
    for b in 0..=groups {
        let Some((lo, hi)) = spans[b] else {
            continue;
        };
        let w = band_width[b];
        let mut c = 0.0;
        while let Some(&(_, _, _, end)) = placed
            .iter()
            .find(|&&(plo, phi, s, e)| plo <= hi && lo <= phi && s < c + w && c < e)
        {
            c = end + GAP_GROUP;
        }
        start[b] = c;
        placed.push((lo, hi, c, c + w));
    }
    // Rows, then their order: by band, then by the barycentre of the neighbours in the rank
    // above (downward sweeps) or below (upward ones).
    let mut rows: Vec<Vec<usize>> = vec![Vec::new(); levels];
    for v in 0..total {
        rows[rank[v]].push(v);
    }
    let mut adjacent: Vec<Vec<usize>> = vec![Vec::new(); total];
    for (e, chain) in g.edges.iter().zip(&chains) {
        let mut prev = e.from;
        for &v in chain.iter().chain(std::iter::once(&e.to)) {
            if rank[prev].abs_diff(rank[v]) == 1 {
                adjacent[prev].push(v);
                adjacent[v].push(prev);
            }
            prev = v;
        }
    }
    let mut pos = vec![0f64; total];
    let place_row = |row: &[usize], pos: &mut [f64]| {
        let mut i = 0;
        while i < row.len() {
            let b = band[row[i]];
            let mut j = i;
            let mut width = 0.0;
            while j < row.len() && band[row[j]] == b {
                width += across[row[j]];
                j += 1;
            }
            let gaps = (j - i - 1) as f64 * gap_across;
            let mut cross = start[b] + frame_across(b).0 + (inner[b] - width - gaps) / 2.0;
            for &v in &row[i..j] {
                pos[v] = cross + across[v] / 2.0;
                cross += across[v] + gap_across;
            }
            i = j;
        }
    };
    for row in &mut rows {
        row.sort_by(|&a, &b| start[band[a]].total_cmp(&start[band[b]]).then(a.cmp(&b)));
        place_row(row, &mut pos);
    }
    // Sweeps, keeping the order that crosses the fewest edges.
    let mut stale = 0;
    let mut best = (
        crossings(&rows, &pos, &adjacent, &rank),
        rows.clone(),
        pos.clone(),
    );
    for sweep in 0..SWEEPS {
        let order: Vec<usize> = if sweep % 2 == 0 {
            (1..levels).collect()
        } else {
            (0..levels.saturating_sub(1)).rev().collect()
        };
        for r in order {
            let toward = if sweep % 2 == 0 { r - 1 } else { r + 1 };
            let mut keyed: Vec<(f64, f64, usize)> = rows[r]
                .iter()
                .map(|&v| {
                    let (sum, count) = adjacent[v]
                        .iter()
                        .filter(|&&w| rank[w] == toward)
                        .fold((0.0, 0usize), |(s, c), &w| (s + pos[w], c + 1));
                    let key = if count == 0 {
                        pos[v]
                    } else {
                        sum / count as f64
                    };
                    (start[band[v]], key, v)
                })
                .collect();
            keyed.sort_by(|a, b| {
                a.0.total_cmp(&b.0)
                    .then(a.1.total_cmp(&b.1))
                    .then(a.2.cmp(&b.2))
            });
            rows[r] = keyed.into_iter().map(|(_, _, v)| v).collect();
            place_row(&rows[r], &mut pos);
        }
        let now = crossings(&rows, &pos, &adjacent, &rank);
        if now < best.0 {
            best = (now, rows.clone(), pos.clone());
            stale = 0;
        } else {
            stale += 1;
        }
        // Done when nothing crosses, or a sweep down and one up found nothing better.
        if best.0 == 0 || stale == 2 {
            break;
        }
    }
    let (_, rows, pos) = best;
    // Along the ranks: each rank as deep as its deepest box.
    let rank_size: Vec<f64> = rows
        .iter()
        .map(|row| row.iter().map(|&v| along[v]).fold(0.0, f64::max))
        .collect();
    let any_frame = (0..groups).any(|b| spans[b].is_some());
    let mut rank_start = Vec::with_capacity(levels);
    let mut main = MARGIN + if any_frame { main_before } else { 0.0 };
    for size in &rank_size {
        rank_start.push(main);
        main += size + GAP_RANK;
    }
    let main_total = main - GAP_RANK + MARGIN + if any_frame { FRAME_PAD } else { 0.0 };
    let cross_total = placed.iter().map(|p| p.3).fold(0.0, f64::max) + 2.0 * MARGIN;
    let point = |v: usize| -> (f64, f64) {
        let (c, m) = (
            MARGIN + pos[v],
            rank_start[rank[v]] + rank_size[rank[v]] / 2.0,
        );
        if top_down {
            (c, m)
        } else {
            (m, c)
        }
    };
    let places = (0..n)
        .map(|v| {
            let (x, y) = point(v);
            let (w, h) = if top_down {
                (across[v], along[v])
            } else {
                (along[v], across[v])
            };
            Place { x, y, w, h }
        })
        .collect();
    let bends = chains
        .iter()
        .map(|chain| chain.iter().map(|&v| point(v)).collect())
        .collect();
    let mut frames = Vec::new();
    for (b, name) in g.groups.iter().enumerate() {
        let Some((lo, hi)) = spans[b] else {
            continue;
        };
        let (c0, c1) = (MARGIN + start[b], MARGIN + start[b] + band_width[b]);
        let (m0, m1) = (
            rank_start[lo] - main_before,
            rank_start[hi] + rank_size[hi] + FRAME_PAD,
        );
        let (x, y, w, h) = if top_down {
            (c0, m0, c1 - c0, m1 - m0)
        } else {
            (m0, c0, m1 - m0, c1 - c0)
        };
        frames.push(Frame {
            name: name.clone(),
            x,
            y,
            w,
            h,
        });
    }
    let (width, height) = if top_down {
        (cross_total, main_total)
    } else {
        (main_total, cross_total)
    };
    Layout {
        places,
        bends,
        frames,
        width: width.max(2.0 * MARGIN),
        height: height.max(2.0 * MARGIN),
    }
}

/// Splits each rank wider than [`MAX_ACROSS`] into rows of ranks of their own, moving the
/// ranks below down. Nodes go into rows by the first neighbour they share with the rank below
/// (services of one network side by side); edges into and out of the rows then span several
/// ranks and bend between the boxes like any long edge.
fn wrap_wide_ranks(g: &Graph, rank: &mut [usize], across: &[f64]) {
    let mut r = 0;
    while rank.iter().any(|&x| x >= r) {
        let members: Vec<usize> = (0..rank.len()).filter(|&v| rank[v] == r).collect();
        let width = members.iter().map(|&v| across[v]).sum::<f64>()
            + members.len().saturating_sub(1) as f64 * GAP_X;
        if width <= MAX_ACROSS || members.len() < 2 {
            r += 1;
            continue;
        }
        let rows = (width / MAX_ACROSS).ceil() as usize;
        let per = members.len().div_ceil(rows);
        // The first neighbour below each member, to keep those of one together.
        let key = |v: usize| {
            g.edges
                .iter()
                .filter_map(|e| {
                    let other = if e.from == v {
                        e.to
                    } else if e.to == v {
                        e.from
                    } else {
                        return None;
                    };
                    (rank[other] > r).then_some(other)
                })
                .min()
                .unwrap_or(usize::MAX)
        };
        let mut ordered = members.clone();
        ordered.sort_by_key(|&v| (key(v), v));
        let extra = rows - 1;
        for x in rank.iter_mut() {
            if *x > r {
                *x += extra;
            }
        }
        for (i, &v) in ordered.iter().enumerate() {
            rank[v] = r + i / per;
        }
        r += rows;
    }
}

/// The fill of a node, by what it is.
fn fill(kind: &NodeKind) -> &'static str {
    use berth_audit::facts::Role;
    match kind {
        NodeKind::Network { .. } => "#eef6ee",
        NodeKind::HostPort => "#fff6e0",
        NodeKind::Storage(crate::graph::Storage::Volume) => "#e6effc",
        NodeKind::Storage(crate::graph::Storage::Bind) => "#f2f2f2",
        NodeKind::Storage(crate::graph::Storage::EnvFile) => "#fcefe6",
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

/// A rectangle: `(x, y, w, h)`.
type Rect = (f64, f64, f64, f64);

/// Rectangles already drawn, in a grid of cells for a quick look-up.
#[derive(Default)]
struct Taken {
    cells: HashMap<(i64, i64), Vec<Rect>>,
}

impl Taken {
    const CELL: f64 = 64.0;

    /// The cells a rectangle touches.
    fn cells(r: Rect) -> impl Iterator<Item = (i64, i64)> {
        let cell = |v: f64| (v / Self::CELL).floor() as i64;
        let (x0, x1, y0, y1) = (cell(r.0), cell(r.0 + r.2), cell(r.1), cell(r.1 + r.3));
        (x0..=x1).flat_map(move |x| (y0..=y1).map(move |y| (x, y)))
    }

    fn insert(&mut self, r: Rect) {
        for c in Self::cells(r) {
            self.cells.entry(c).or_default().push(r);
        }
    }

    fn free(&self, r: Rect) -> bool {
        Self::cells(r).all(|c| {
            self.cells.get(&c).is_none_or(|rs| {
                rs.iter().all(|o| {
                    r.0 + r.2 <= o.0 || o.0 + o.2 <= r.0 || r.1 + r.3 <= o.1 || o.1 + o.3 <= r.1
                })
            })
        })
    }
}

/// Where an edge's label goes: the centre of a spot along the edge clear of boxes and other
/// labels (halfway along its first stretch when that is free), marked taken.
fn label_place(points: &[(f64, f64)], tw: f64, taken: &mut Taken) -> (f64, f64) {
    let rect = |(x, y): (f64, f64)| (x - tw / 2.0, y - 10.0, tw, 14.0);
    let at = |k: usize, t: f64| {
        let ((x1, y1), (x2, y2)) = (points[k], points[k + 1]);
        (x1 + (x2 - x1) * t, y1 + (y2 - y1) * t)
    };
    let spot = (0..points.len() - 1)
        .flat_map(|k| [0.5, 0.3, 0.7, 0.15, 0.85].map(|t| at(k, t)))
        .find(|&p| taken.free(rect(p)))
        .unwrap_or_else(|| at(0, 0.5));
    taken.insert(rect(spot));
    spot
}

/// The most boxes and edge bends a drawing holds. Past it a drawing is a mesh nobody can
/// read, and laying it out takes long: 160 services that each depend on all earlier ones
/// bend their 12,720 edges 670,000 times.
pub const MAX_VERTICES: usize = 20_000;

/// A graph too large or too dense to draw readably: what it holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Unreadable {
    pub nodes: usize,
    pub edges: usize,
    /// Bend points: one per rank an edge passes over.
    pub bends: usize,
}

impl std::fmt::Display for Unreadable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "a drawing of {} boxes and {} edges, bending {} times across the ranks, would be unreadable (Berth draws at most {MAX_VERTICES} boxes and bends): draw less of the project (--view, --only, --collapse) or write Mermaid or DOT for another tool",
            self.nodes, self.edges, self.bends
        )
    }
}

/// Whether `g` is small enough to draw, counted before anything is laid out: linear in its
/// nodes and edges.
///
/// # Errors
/// What makes it too large.
pub fn check(g: &Graph) -> Result<(), Unreadable> {
    let rank = g.ranks();
    let bends: usize = g
        .edges
        .iter()
        .map(|e| {
            let (a, b) = (rank[e.from], rank[e.to]);
            a.abs_diff(b).saturating_sub(1)
        })
        .fold(0usize, usize::saturating_add);
    if g.nodes.len().saturating_add(bends) > MAX_VERTICES {
        return Err(Unreadable {
            nodes: g.nodes.len(),
            edges: g.edges.len(),
            bends,
        });
    }
    Ok(())
}

/// The graph as a standalone SVG document.
///
/// # Errors
/// The graph is too large or dense to draw readably ([`check`]).
pub fn render(g: &Graph) -> Result<String, Unreadable> {
    check(g)?;
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
    // Group frames, then edges, then the nodes over them.
    for f in &l.frames {
        let _ = writeln!(
            out,
            "<rect class=\"group\" x=\"{:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{:.1}\" rx=\"6\" fill=\"#f7f8fa\" stroke=\"#b8bec8\" stroke-width=\"1\"/><text x=\"{:.1}\" y=\"{:.1}\" font-weight=\"bold\" fill=\"#59616e\">{}</text>",
            f.x,
            f.y,
            f.w,
            f.h,
            f.x + FRAME_PAD,
            f.y + TITLE_H - 3.0,
            escape(&f.name)
        );
    }
    // Where labels may not go: the boxes, then each label placed.
    let mut taken = Taken::default();
    for p in &l.places {
        taken.insert((p.x - p.w / 2.0, p.y - p.h / 2.0, p.w, p.h));
    }
    for f in &l.frames {
        let title = f.name.chars().count() as f64 * CHAR_W + FRAME_PAD;
        taken.insert((f.x, f.y, title + FRAME_PAD, TITLE_H));
    }
    for (e, bends) in g.edges.iter().zip(&l.bends) {
        let (a, b) = (l.places[e.from], l.places[e.to]);
        // Through the bend points: leave the source towards the first, reach the target from
        // the last.
        let toward = |p: Option<&(f64, f64)>, other: Place| {
            p.map_or(other, |&(x, y)| Place {
                x,
                y,
                w: 0.0,
                h: 0.0,
            })
        };
        let mut points = vec![border(a, toward(bends.first(), b))];
        points.extend(bends.iter().copied());
        points.push(border(b, toward(bends.last(), a)));
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
            EdgeKind::Environment | EdgeKind::Scrape | EdgeKind::Link | EdgeKind::ReadsEnv => {
                " stroke-dasharray=\"5 4\""
            }
            _ => "",
        };
        let head = if matches!(
            e.kind,
            EdgeKind::Attached | EdgeKind::Mounts | EdgeKind::ReadsEnv
        ) {
            String::new()
        } else {
            format!(" marker-end=\"url(#{marker})\"")
        };
        // Gentle curves from point to point: control points along the main axis.
        let mut d = format!("M {:.1} {:.1}", points[0].0, points[0].1);
        for w in points.windows(2) {
            let ((x1, y1), (x2, y2)) = (w[0], w[1]);
            let (c1, c2) = if g.top_down {
                let m = f64::midpoint(y1, y2);
                ((x1, m), (x2, m))
            } else {
                let m = f64::midpoint(x1, x2);
                ((m, y1), (m, y2))
            };
            let _ = write!(
                d,
                " C {:.1} {:.1}, {:.1} {:.1}, {x2:.1} {y2:.1}",
                c1.0, c1.1, c2.0, c2.1
            );
        }
        let _ = writeln!(
            out,
            "<path d=\"{d}\" fill=\"none\" stroke=\"{color}\" stroke-width=\"{width}\"{dash}{head}/>"
        );
        if !e.label.is_empty() {
            let tw = e.label.chars().count() as f64 * 6.0 + 6.0;
            let (mx, my) = label_place(&points, tw, &mut taken);
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
            NodeKind::Network { .. } | NodeKind::Storage(_) => 2.0,
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
    Ok(out)
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
                let apart = (a.x - b.x).abs() >= f64::midpoint(a.w, b.w)
                    || (a.y - b.y).abs() >= f64::midpoint(a.h, b.h);
                assert!(apart, "{a:?} overlaps {b:?}");
            }
            assert!(a.x - a.w / 2.0 >= 0.0 && a.x + a.w / 2.0 <= l.width);
        }
        let svg = render(&g).expect("small enough to draw");
        assert!(svg.starts_with("<svg ") && svg.trim_end().ends_with("</svg>"));
        assert_eq!(svg.matches("<g id=").count(), 4);
    }

    fn edge(from: usize, to: usize) -> Edge {
        Edge {
            from,
            to,
            kind: EdgeKind::DependsOn,
            label: "x".into(),
            critical: false,
        }
    }

    fn inside(p: &Place, (x, y): (f64, f64)) -> bool {
        (x - p.x).abs() < p.w / 2.0 && (y - p.y).abs() < p.h / 2.0
    }

    #[test]
    fn crossings_are_counted_between_neighbouring_ranks() {
        assert_eq!(inversions(&mut [3.0, 1.0, 2.0]), 2);
        assert_eq!(inversions(&mut [1.0, 2.0, 2.0]), 0);
        // Two ranks, a b over c d: a-d and b-c cross once; a-c and b-d do not.
        let rows = vec![vec![0, 1], vec![2, 3]];
        let pos = [0.0, 1.0, 0.0, 1.0];
        let rank = [0, 0, 1, 1];
        let crossed = vec![vec![3], vec![2], vec![1], vec![0]];
        let straight = vec![vec![2], vec![3], vec![0], vec![1]];
        assert_eq!(crossings(&rows, &pos, &crossed, &rank), 1);
        assert_eq!(crossings(&rows, &pos, &straight, &rank), 0);
        // Sweeps untangle it: the layout of a -> d, b -> c crosses nothing.
        let g = Graph {
            title: "t".into(),
            top_down: true,
            nodes: vec![node("a"), node("b"), node("c"), node("d")],
            edges: vec![edge(0, 3), edge(1, 2)],
            groups: Vec::new(),
        };
        let l = layout(&g);
        assert_eq!(l.places[0].x < l.places[1].x, l.places[3].x < l.places[2].x);
    }

    #[test]
    fn a_long_edge_bends_around_the_boxes_of_the_ranks_it_passes() {
        for top_down in [true, false] {
            // a -> b -> c -> d and a -> d: the long edge passes b's and c's ranks.
            let g = Graph {
                title: "t".into(),
                top_down,
                nodes: vec![node("a"), node("b"), node("c"), node("d")],
                edges: vec![edge(0, 1), edge(1, 2), edge(2, 3), edge(0, 3), edge(3, 0)],
                groups: Vec::new(),
            };
            let l = layout(&g);
            assert_eq!(l.bends[3].len(), 2, "one bend per rank passed");
            assert_eq!(l.bends[4].len(), 2, "the edge back up bends too");
            assert!(l.bends[..3].iter().all(Vec::is_empty));
            for &point in l.bends[3].iter().chain(&l.bends[4]) {
                assert!(l.places.iter().all(|p| !inside(p, point)), "{point:?}");
            }
            let svg = render(&g).expect("small enough to draw");
            // Five edges and the two arrowheads.
            assert_eq!(svg.matches("<path d=").count(), 5 + 2);
        }
    }

    #[test]
    fn each_group_is_framed_around_its_nodes_and_frames_do_not_overlap() {
        let mut nodes: Vec<Node> = ["proxy", "app1", "app2", "db", "metrics", "loose"]
            .iter()
            .map(|n| node(n))
            .collect();
        for (i, group) in ["Proxy", "App", "App", "Data", "Monitoring"]
            .iter()
            .enumerate()
        {
            nodes[i].group = Some((*group).to_string());
        }
        let g = Graph {
            title: "t".into(),
            top_down: true,
            nodes,
            // proxy -> app1 -> db, proxy -> app2 -> db, metrics -> app1, metrics -> db,
            // loose -> db.
            edges: vec![
                edge(0, 1),
                edge(0, 2),
                edge(1, 3),
                edge(2, 3),
                edge(4, 1),
                edge(4, 3),
                edge(5, 3),
            ],
            groups: ["Proxy", "App", "Data", "Monitoring"]
                .iter()
                .map(|s| (*s).to_string())
                .collect(),
        };
        let l = layout(&g);
        assert_eq!(l.frames.len(), 4);
        for (i, n) in g.nodes.iter().enumerate() {
            let p = l.places[i];
            for f in &l.frames {
                let within = p.x - p.w / 2.0 >= f.x
                    && p.x + p.w / 2.0 <= f.x + f.w
                    && p.y - p.h / 2.0 >= f.y + TITLE_H
                    && p.y + p.h / 2.0 <= f.y + f.h;
                let overlaps = p.x + p.w / 2.0 > f.x
                    && p.x - p.w / 2.0 < f.x + f.w
                    && p.y + p.h / 2.0 > f.y
                    && p.y - p.h / 2.0 < f.y + f.h;
                if n.group.as_deref() == Some(f.name.as_str()) {
                    assert!(within, "{} outside {}", n.label[0], f.name);
                } else {
                    assert!(!overlaps, "{} inside {}", n.label[0], f.name);
                }
            }
        }
        for (i, a) in l.frames.iter().enumerate() {
            for b in &l.frames[i + 1..] {
                let apart =
                    a.x + a.w <= b.x || b.x + b.w <= a.x || a.y + a.h <= b.y || b.y + b.h <= a.y;
                assert!(apart, "{} overlaps {}", a.name, b.name);
            }
            assert!(a.x >= 0.0 && a.y >= 0.0 && a.x + a.w <= l.width && a.y + a.h <= l.height);
        }
        let svg = render(&g).expect("small enough to draw");
        assert_eq!(svg.matches("class=\"group\"").count(), 4);
        // Seven labels "x", none over another.
        assert_eq!(svg.matches(">x</text>").count(), 7);
    }

    #[test]
    fn a_wide_networks_view_wraps_onto_rows_and_no_edge_crosses_a_box() {
        // 18 services on 4 networks (the fog-compute stack with its betanet): one row of 18
        // boxes was about 4000 px wide.
        let mut nodes: Vec<Node> = (0..18)
            .map(|i| node(&format!("betanet-service-{i}")))
            .collect();
        for n in ["public", "internal", "monitoring", "betanet"] {
            let mut net = node(n);
            net.kind = NodeKind::Network { internal: false };
            nodes.push(net);
        }
        let mut edges = Vec::new();
        for s in 0..18 {
            edges.push(edge(s, 18 + s % 4));
            if s % 3 == 0 {
                edges.push(edge(s, 18 + (s + 1) % 4));
            }
        }
        let g = Graph {
            title: "t".into(),
            top_down: true,
            nodes,
            edges,
            groups: Vec::new(),
        };
        let l = layout(&g);
        assert!(
            l.width < 2000.0 && l.height > 300.0,
            "{} x {}",
            l.width,
            l.height
        );
        for (i, a) in l.places.iter().enumerate() {
            for b in &l.places[i + 1..] {
                let apart = (a.x - b.x).abs() >= f64::midpoint(a.w, b.w)
                    || (a.y - b.y).abs() >= f64::midpoint(a.h, b.h);
                assert!(apart, "{a:?} overlaps {b:?}");
            }
        }
        // Every edge goes from rank to neighbouring rank, through a bend point in each rank it
        // passes, and no bend point (where it crosses a rank) is inside a box.
        for (e, bends) in g.edges.iter().zip(&l.bends) {
            let (from, to) = (l.places[e.from], l.places[e.to]);
            let mut points = vec![(from.x, from.y)];
            points.extend(bends.iter().copied());
            points.push((to.x, to.y));
            for &point in bends {
                assert!(l.places.iter().all(|p| !inside(p, point)), "{point:?}");
            }
            for w in points.windows(2) {
                assert!(
                    (w[1].1 - w[0].1).abs() <= GAP_RANK + 60.0,
                    "{w:?} skips a rank"
                );
            }
        }
    }
}
