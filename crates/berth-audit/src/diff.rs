//! `berth diff OLD NEW`: two projects (each a set of compose files and its deployment patterns)
//! compared the way the seeds' consolidation summary does: files, lines, services, duplicate
//! services, port conflicts, hard-coded secrets, published ports per pattern, duplication that
//! anchors would remove, and what changed in each service.

use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::fmt::Write as _;
use std::path::PathBuf;

use berth_model::{Kind, Project, SourceMap, Span, Value};
use serde_json::{json, Value as Json};

use crate::facts::published;
use crate::output::{merged, Run};

/// One side of the comparison: its files and the audit of each of its patterns.
pub struct Side {
    /// How the side is named in the output (the folder or files given).
    pub label: String,
    /// Every compose file of the side, base first.
    pub files: Vec<PathBuf>,
    pub runs: Vec<Run>,
}

/// What a side measures.
#[derive(Debug, Default)]
pub struct Metrics {
    pub files: usize,
    pub lines: usize,
    pub services: BTreeSet<String>,
    /// Findings of duplicate-definition and duplicate-role, each once.
    pub duplicate_services: Vec<String>,
    /// Findings of host-port-conflict, each once.
    pub port_conflicts: Vec<String>,
    /// Findings of hardcoded-credential, each once.
    pub hardcoded_secrets: Vec<String>,
    /// Host ports published by the development pattern (or the base alone).
    pub development_ports: Option<BTreeSet<(u32, String)>>,
    /// Host ports published by the production pattern, if the side has one.
    pub production_ports: Option<BTreeSet<(u32, String)>>,
    pub patterns: Vec<String>,
    /// Lines of service settings written more than once with the same value (each copy after
    /// the first), which an anchor or `extends` would write once.
    pub duplicated_lines: usize,
}

/// The messages of a side's findings of these rules, each finding once.
fn findings_of(runs: &[Run], codes: &[&str]) -> Vec<String> {
    merged(runs, false)
        .iter()
        .filter(|s| {
            s.finding
                .diagnostic
                .code
                .as_deref()
                .is_some_and(|c| codes.contains(&c))
        })
        .map(|s| s.finding.diagnostic.message.clone())
        .collect()
}

/// Every host port a project publishes, as (port, protocol).
fn host_ports(project: &Project) -> BTreeSet<(u32, String)> {
    let mut out = BTreeSet::new();
    for p in published(project) {
        // A wide range counts its ports, up to a bound that keeps a typo cheap.
        for port in p.first..=p.last.min(p.first.saturating_add(4096)) {
            out.insert((port, p.protocol.clone()));
        }
    }
    out
}

/// Measures one side.
#[must_use]
pub fn metrics(side: &Side) -> Metrics {
    let mut m = Metrics {
        files: side.files.len(),
        ..Metrics::default()
    };
    for f in &side.files {
        m.lines += std::fs::read_to_string(f).map_or(0, |t| t.lines().count());
    }
    for run in &side.runs {
        m.services
            .extend(run.project.services().map(|s| s.name.to_string()));
        if let Some(p) = &run.pattern {
            m.patterns.push(p.name.clone());
            if p.production && m.production_ports.is_none() {
                m.production_ports = Some(host_ports(&run.project));
            }
            if matches!(p.name.as_str(), "development" | "default") && m.development_ports.is_none()
            {
                m.development_ports = Some(host_ports(&run.project));
            }
        }
    }
    if m.development_ports.is_none() {
        m.development_ports = side.runs.first().map(|r| host_ports(&r.project));
    }
    m.duplicate_services = findings_of(&side.runs, &["B101", "B102"]);
    m.port_conflicts = findings_of(&side.runs, &["B201"]);
    m.hardcoded_secrets = findings_of(&side.runs, &["B501"]);
    m.duplicated_lines = duplicated_lines(&side.runs);
    m
}

/// A value's shape as text, ignoring where it was written and the order of map keys.
fn canonical(v: &Value) -> String {
    match &v.kind {
        Kind::Null => "~".into(),
        Kind::Bool(b) => b.to_string(),
        Kind::Int(i) => i.to_string(),
        Kind::Float(f) => f.to_string(),
        Kind::Str(s) | Kind::Timestamp(s) => format!("{s:?}"),
        Kind::Bytes(b) => format!("{b:?}"),
        Kind::Seq(items) => format!(
            "[{}]",
            items.iter().map(canonical).collect::<Vec<_>>().join(",")
        ),
        Kind::Map(m) => {
            let mut entries: Vec<String> = m
                .iter()
                .map(|(k, v)| format!("{:?}:{}", k.name, canonical(v)))
                .collect();
            entries.sort();
            format!("{{{}}}", entries.join(","))
        }
    }
}

/// The lines an entry takes in its file: from its key to the end of its value.
fn lines_of(sources: &SourceMap, key: Span, value: Span) -> usize {
    let Some(file) = sources.get(key.file) else {
        return 1;
    };
    let (first, _) = file.line_col(key.start);
    let end = value.end.max(key.end);
    // A block value's span may end just past its last line break.
    let (mut last, col) = file.line_col(end);
    if col == 1 && last > first {
        last -= 1;
    }
    last - first + 1
}

/// Where a value was written: its file and offset. Every use of an anchor has the anchor's
/// place, so a value shared through an anchor is written once.
type Place = (String, u32);

/// One setting of a service as a file wrote it: its name, its value's shape, where the value
/// was written and how many lines it takes, and the same for each entry of a mapping value.
struct Setting {
    key: String,
    value: String,
    place: Place,
    lines: usize,
    entries: Vec<Setting>,
}

/// The lines that anchors would save: a block of `n` lines written out again (the same
/// setting with the same value, at another place) could be a one-line alias, saving `n - 1`
/// lines per copy. A mapping whose whole value is not repeated (an `environment`, a
/// `healthcheck` that differs in one entry) counts the entries it repeats: together they could
/// be one `<<: *anchor` line. Each file's own document is read, before merging; an anchor
/// serves one file, so only copies within a file count, and the first place a value is written
/// in a file is not a copy.
#[must_use]
pub fn duplicated_lines(runs: &[Run]) -> usize {
    let mut settings: Vec<Setting> = Vec::new();
    let mut files_seen: HashSet<PathBuf> = HashSet::new();
    for run in runs {
        let sources = &run.project.sources;
        let place_of = |v: &Value| -> Place {
            let path = sources
                .path(v.span.file)
                .map(|p| p.display().to_string())
                .unwrap_or_default();
            (path, v.span.start)
        };
        for layer in &run.project.layers {
            if !files_seen.insert(layer.path.clone()) {
                continue;
            }
            for svc in layer.services() {
                let Some(map) = svc.value.as_map() else {
                    continue;
                };
                for (key, value) in map.iter() {
                    let entries = value.as_map().map_or_else(Vec::new, |m| {
                        m.iter()
                            .map(|(k, v)| Setting {
                                key: format!("{}.{}", key.name, k.name),
                                value: canonical(v),
                                place: place_of(v),
                                lines: lines_of(sources, k.span, v.span),
                                entries: Vec::new(),
                            })
                            .collect()
                    });
                    settings.push(Setting {
                        key: key.name.clone(),
                        value: canonical(value),
                        place: place_of(value),
                        lines: lines_of(sources, key.span, value.span),
                        entries,
                    });
                }
            }
        }
    }
    // The first place each (setting, value) was written in each file, whole and entry by
    // entry (an anchor serves one file only).
    let mut first: BTreeMap<(&str, &str, &str), &Place> = BTreeMap::new();
    for s in &settings {
        first
            .entry((&s.place.0, &s.key, &s.value))
            .or_insert(&s.place);
        for e in &s.entries {
            first
                .entry((&e.place.0, &e.key, &e.value))
                .or_insert(&e.place);
        }
    }
    let copy = |s: &Setting| {
        first.get(&(s.place.0.as_str(), s.key.as_str(), s.value.as_str())) != Some(&&s.place)
    };
    // A copy written once and used many times (an anchor of its own) saves lines once.
    let mut counted: HashSet<(&str, &str, &Place)> = HashSet::new();
    let mut saved = 0;
    for s in &settings {
        if copy(s) {
            if counted.insert((&s.key, &s.value, &s.place)) {
                saved += s.lines.saturating_sub(1);
            }
        } else if !s.entries.is_empty() {
            let shared: usize = s
                .entries
                .iter()
                .filter(|e| copy(e) && counted.insert((&e.key, &e.value, &e.place)))
                .map(|e| e.lines)
                .sum();
            saved += shared.saturating_sub(1);
        }
    }
    saved
}

/// How a service differs between the two sides.
#[derive(Debug, PartialEq, Eq)]
pub enum Change {
    Added,
    Removed,
    /// The settings whose value differs, was added or was removed.
    Changed(Vec<String>),
    Same,
}

/// A service of a side as the first pattern that has it defines it (patterns in their order:
/// development first, so a service is compared as a developer runs it, and one only
/// production adds as production runs it).
fn find<'a>(runs: &'a [Run], name: &str) -> Option<berth_model::Service<'a>> {
    runs.iter().find_map(|r| r.project.service(name))
}

/// Each service of either side and how it changed, in name order.
#[must_use]
pub fn service_changes(old: &Side, new: &Side) -> Vec<(String, Change)> {
    let mut names: BTreeSet<String> = BTreeSet::new();
    for r in old.runs.iter().chain(&new.runs) {
        names.extend(r.project.services().map(|s| s.name.to_string()));
    }
    names
        .into_iter()
        .map(|name| {
            let change = match (find(&old.runs, &name), find(&new.runs, &name)) {
                (None, _) => Change::Added,
                (_, None) => Change::Removed,
                (Some(x), Some(y)) => {
                    let mut keys: BTreeSet<String> = BTreeSet::new();
                    for m in [x.value.as_map(), y.value.as_map()].into_iter().flatten() {
                        keys.extend(m.keys().map(str::to_string));
                    }
                    let changed: Vec<String> = keys
                        .into_iter()
                        .filter(|k| match (x.get(k), y.get(k)) {
                            (Some(v), Some(w)) => !v.same(w),
                            (None, None) => false,
                            _ => true,
                        })
                        .collect();
                    if changed.is_empty() {
                        Change::Same
                    } else {
                        Change::Changed(changed)
                    }
                }
            };
            (name, change)
        })
        .collect()
}

/// The comparison, ready for output.
pub struct Diff {
    pub old_label: String,
    pub new_label: String,
    pub old: Metrics,
    pub new: Metrics,
    pub services: Vec<(String, Change)>,
}

/// Compares two sides.
#[must_use]
pub fn diff(old: &Side, new: &Side) -> Diff {
    Diff {
        old_label: old.label.clone(),
        new_label: new.label.clone(),
        old: metrics(old),
        new: metrics(new),
        services: service_changes(old, new),
    }
}

/// How a count moved: `+3`, `-2 (-82%)`, `0`.
fn delta(old: usize, new: usize) -> String {
    if old == new {
        return "0".into();
    }
    let sign = if new > old { "+" } else { "-" };
    let by = old.abs_diff(new);
    if old == 0 {
        return format!("{sign}{by}");
    }
    let pct = (by as f64 * 100.0 / old as f64).round();
    format!("{sign}{by} ({sign}{pct}%)")
}

fn ports_text(ports: &BTreeSet<(u32, String)>) -> String {
    ports
        .iter()
        .map(|(p, proto)| {
            if proto == "tcp" {
                p.to_string()
            } else {
                format!("{p}/{proto}")
            }
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// One row of the table: label, old, new, change.
type Row = (String, String, String, String);

fn rows(d: &Diff) -> Vec<Row> {
    let count = |label: &str, a: usize, b: usize| -> Row {
        (label.to_string(), a.to_string(), b.to_string(), delta(a, b))
    };
    let mut out = vec![
        count("Files", d.old.files, d.new.files),
        count("Lines", d.old.lines, d.new.lines),
        count("Services", d.old.services.len(), d.new.services.len()),
        count(
            "Deployment patterns",
            d.old.patterns.len(),
            d.new.patterns.len(),
        ),
        count(
            "Duplicate services",
            d.old.duplicate_services.len(),
            d.new.duplicate_services.len(),
        ),
        count(
            "Port conflicts",
            d.old.port_conflicts.len(),
            d.new.port_conflicts.len(),
        ),
        count(
            "Hard-coded secrets",
            d.old.hardcoded_secrets.len(),
            d.new.hardcoded_secrets.len(),
        ),
    ];
    for (label, a, b) in [
        (
            "Published ports (development)",
            &d.old.development_ports,
            &d.new.development_ports,
        ),
        (
            "Published ports (production)",
            &d.old.production_ports,
            &d.new.production_ports,
        ),
    ] {
        let n = |p: &Option<BTreeSet<(u32, String)>>| p.as_ref().map(BTreeSet::len);
        let show = |p: &Option<BTreeSet<(u32, String)>>| {
            n(p).map_or_else(|| "-".to_string(), |c| c.to_string())
        };
        let change = match (n(a), n(b)) {
            (Some(x), Some(y)) => delta(x, y),
            _ => "-".into(),
        };
        out.push((label.to_string(), show(a), show(b), change));
    }
    out.push(count(
        "Duplicated lines",
        d.old.duplicated_lines,
        d.new.duplicated_lines,
    ));
    out
}

fn change_text(c: &Change) -> String {
    match c {
        Change::Added => "added".into(),
        Change::Removed => "removed".into(),
        Change::Changed(keys) => format!("changed: {}", keys.join(", ")),
        Change::Same => "unchanged".into(),
    }
}

/// Lines under the table: what the counts are made of.
fn details(d: &Diff) -> Vec<(String, Vec<String>, Vec<String>)> {
    let ports = |p: &Option<BTreeSet<(u32, String)>>| {
        p.as_ref().map(|p| vec![ports_text(p)]).unwrap_or_default()
    };
    vec![
        (
            "Duplicate services".into(),
            d.old.duplicate_services.clone(),
            d.new.duplicate_services.clone(),
        ),
        (
            "Port conflicts".into(),
            d.old.port_conflicts.clone(),
            d.new.port_conflicts.clone(),
        ),
        (
            "Hard-coded secrets".into(),
            d.old.hardcoded_secrets.clone(),
            d.new.hardcoded_secrets.clone(),
        ),
        (
            "Published ports (production)".into(),
            ports(&d.old.production_ports),
            ports(&d.new.production_ports),
        ),
        (
            "Deployment patterns".into(),
            vec![d.old.patterns.join(", ")],
            vec![d.new.patterns.join(", ")],
        ),
    ]
}

/// The comparison as a table for a terminal, then what the counts are made of, then the
/// services.
#[must_use]
pub fn human(d: &Diff) -> String {
    let rows = rows(d);
    let head: Row = (
        String::new(),
        d.old_label.clone(),
        d.new_label.clone(),
        "change".into(),
    );
    let all: Vec<&Row> = std::iter::once(&head).chain(&rows).collect();
    let w = |f: fn(&Row) -> &String| all.iter().map(|r| f(r).chars().count()).max().unwrap_or(0);
    let (w0, w1, w2) = (w(|r| &r.0), w(|r| &r.1), w(|r| &r.2));
    let mut out = String::new();
    for r in &all {
        let _ = writeln!(out, "{:<w0$}  {:>w1$}  {:>w2$}  {}", r.0, r.1, r.2, r.3);
    }
    for (label, a, b) in details(d) {
        if a.is_empty() && b.is_empty() {
            continue;
        }
        let _ = writeln!(out, "\n{label}:");
        for x in &a {
            let mark = if b.contains(x) { ' ' } else { '-' };
            let _ = writeln!(out, "  {mark} {x}");
        }
        for x in b.iter().filter(|x| !a.contains(x)) {
            let _ = writeln!(out, "  + {x}");
        }
    }
    let changed: Vec<&(String, Change)> = d
        .services
        .iter()
        .filter(|(_, c)| *c != Change::Same)
        .collect();
    if !changed.is_empty() {
        let _ = writeln!(out, "\nServices:");
        let w = changed.iter().map(|(n, _)| n.len()).max().unwrap_or(0);
        for (name, c) in changed {
            let _ = writeln!(out, "  {name:<w$}  {}", change_text(c));
        }
    }
    out
}

/// The comparison as a Markdown table and lists (for a pull request or a report).
#[must_use]
pub fn markdown(d: &Diff) -> String {
    let cell = |s: &str| s.replace('|', "\\|");
    let mut out = String::new();
    let _ = writeln!(
        out,
        "| | {} | {} | Change |\n|---|---:|---:|---|",
        cell(&d.old_label),
        cell(&d.new_label)
    );
    for r in rows(d) {
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} |",
            cell(&r.0),
            cell(&r.1),
            cell(&r.2),
            cell(&r.3)
        );
    }
    for (label, a, b) in details(d) {
        if a.is_empty() && b.is_empty() {
            continue;
        }
        let _ = writeln!(out, "\n**{label}**\n");
        for x in &a {
            let _ = writeln!(out, "- {}: {}", cell(&d.old_label), cell(x));
        }
        for x in &b {
            let _ = writeln!(out, "- {}: {}", cell(&d.new_label), cell(x));
        }
    }
    let changed: Vec<&(String, Change)> = d
        .services
        .iter()
        .filter(|(_, c)| *c != Change::Same)
        .collect();
    if !changed.is_empty() {
        let _ = writeln!(out, "\n**Services**\n\n| Service | Change |\n|---|---|");
        for (name, c) in changed {
            let _ = writeln!(out, "| `{name}` | {} |", cell(&change_text(c)));
        }
    }
    out
}

fn metrics_json(m: &Metrics) -> Json {
    let ports = |p: &Option<BTreeSet<(u32, String)>>| {
        p.as_ref().map(|p| {
            p.iter()
                .map(|(n, proto)| json!({"port": n, "protocol": proto}))
                .collect::<Vec<_>>()
        })
    };
    json!({
        "files": m.files,
        "lines": m.lines,
        "services": m.services,
        "patterns": m.patterns,
        "duplicate_services": m.duplicate_services,
        "port_conflicts": m.port_conflicts,
        "hardcoded_secrets": m.hardcoded_secrets,
        "published_ports": {
            "development": ports(&m.development_ports),
            "production": ports(&m.production_ports),
        },
        "duplicated_lines": m.duplicated_lines,
    })
}

/// The comparison as one JSON document (keys sorted).
#[must_use]
pub fn json(d: &Diff) -> String {
    let services: Vec<Json> = d
        .services
        .iter()
        .map(|(name, c)| {
            let (status, keys) = match c {
                Change::Added => ("added", Vec::new()),
                Change::Removed => ("removed", Vec::new()),
                Change::Changed(k) => ("changed", k.clone()),
                Change::Same => ("unchanged", Vec::new()),
            };
            json!({"name": name, "status": status, "settings": keys})
        })
        .collect();
    let doc = json!({
        "old": {"label": d.old_label, "metrics": metrics_json(&d.old)},
        "new": {"label": d.new_label, "metrics": metrics_json(&d.new)},
        "services": services,
    });
    let mut s = serde_json::to_string_pretty(&doc).unwrap_or_default();
    s.push('\n');
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deltas_give_the_change_and_its_share() {
        assert_eq!(delta(11, 2), "-9 (-82%)");
        assert_eq!(delta(3, 4), "+1 (+33%)");
        assert_eq!(delta(0, 2), "+2");
        assert_eq!(delta(5, 5), "0");
    }
}
