//! The audit's outputs: human (rustc-like, with the source line and a caret, coloured on a
//! terminal), JSON and SARIF 2.1.0 (what GitHub code scanning reads); the CI formats (GitHub
//! workflow annotations, JUnit XML, Code Climate for GitLab) are in [`crate::ci`]. All are
//! stable: file paths inside the project folder are written relative to it.
//!
//! An audit is one or more runs, one per deployment pattern; a finding several patterns share
//! (the same rule, message and place) is reported once, with the patterns it appears in.

use std::fmt::Write as _;
use std::path::Path;

use berth_model::{Project, Severity};
use serde_json::{json, Value};

use crate::patterns::Pattern;
use crate::{Finding, Report};

/// The values of `--format`.
pub const FORMATS: &[&str] = &["human", "json", "sarif", "github", "junit", "codeclimate"];

/// How the outputs are rendered.
#[derive(Clone, Debug, Default)]
pub struct Style {
    /// ANSI colours in the human output.
    pub colour: bool,
    /// When the audit ran, for JUnit (`YYYY-MM-DDTHH:MM:SS`, UTC).
    pub timestamp: String,
}

/// The audit in `format` (one of [`FORMATS`]; human for another).
#[must_use]
pub fn render(format: &str, runs: &[Run], style: &Style) -> String {
    let colour = style.colour;
    match format {
        "json" => json(runs),
        "sarif" => sarif(runs),
        "github" => crate::ci::github(runs),
        "junit" => crate::ci::junit(runs, &style.timestamp),
        "codeclimate" => crate::ci::codeclimate(runs),
        _ if colour => paint(&human(runs)),
        _ => human(runs),
    }
}

/// How many findings the runs have, each counted once.
#[must_use]
pub fn merged_count(runs: &[Run]) -> usize {
    merged(runs, false).len()
}

/// The human output with ANSI colours: the severity and code of each finding in its colour,
/// the gutters and arrows in blue, the carets in the finding's colour.
fn paint(text: &str) -> String {
    const RESET: &str = "\x1b[0m";
    const BLUE: &str = "\x1b[1;34m";
    let colour_of = |sev: &str| match sev {
        "error" => "\x1b[1;31m",
        "warning" => "\x1b[1;33m",
        _ => "\x1b[1;36m",
    };
    let mut out = String::new();
    let mut current = colour_of("info");
    for line in text.split_inclusive('\n') {
        let body = line.trim_end_matches('\n');
        let nl = &line[body.len()..];
        if let Some((head, rest)) = body
            .split_once("]: ")
            .filter(|(h, _)| h.contains('[') && !h.contains(' '))
        {
            let sev = head.split('[').next().unwrap_or_default();
            current = colour_of(sev);
            let _ = write!(out, "{current}{head}]:{RESET}\x1b[1m {rest}{RESET}{nl}");
        } else if let Some(i) = body.find(" |").or_else(|| body.find("-->")) {
            let (gutter, rest) = body.split_at(i + 2);
            let gutter_ok = gutter[..i].trim().chars().all(|c| c.is_ascii_digit());
            if gutter_ok && rest.trim_start().starts_with('^') {
                let _ = write!(out, "{BLUE}{gutter}{RESET}{current}{rest}{RESET}{nl}");
            } else if gutter_ok {
                let _ = write!(out, "{BLUE}{gutter}{RESET}{rest}{nl}");
            } else {
                out.push_str(line);
            }
        } else if let Some(rest) = body.strip_prefix("  = ") {
            let _ = write!(out, "  {BLUE}={RESET} {rest}{nl}");
        } else {
            out.push_str(line);
        }
    }
    out
}

/// One audited project: a deployment pattern (or the files given) and what the rules found.
pub struct Run {
    /// `None` when the project is the one `-f` or discovery gave.
    pub pattern: Option<Pattern>,
    pub project: Project,
    pub report: Report,
}

/// A path as the outputs show it: relative to the project folder when inside it.
#[must_use]
pub fn display_path(project: &Project, path: &Path) -> String {
    path.strip_prefix(&project.working_dir)
        .unwrap_or(path)
        .display()
        .to_string()
}

/// A finding, with the run that rendered it first and the patterns that have it.
pub struct Seen<'a> {
    pub run: &'a Run,
    pub finding: &'a Finding,
    pub reason: Option<&'a str>,
    pub patterns: Vec<&'a str>,
}

/// What identifies a finding across runs: its rule, message and primary place (file and offset;
/// each run numbers its files on its own).
fn identity(run: &Run, f: &Finding) -> (Option<String>, String, Option<(String, u32)>) {
    let d = &f.diagnostic;
    let place = d.primary_span().and_then(|s| {
        run.project
            .sources
            .path(s.file)
            .map(|p| (p.display().to_string(), s.start))
    });
    (d.code.clone(), d.message.clone(), place)
}

/// The findings (or, with `suppressed`, the suppressed ones) of every run, each once.
#[must_use]
pub fn merged(runs: &[Run], suppressed: bool) -> Vec<Seen<'_>> {
    let mut out: Vec<Seen> = Vec::new();
    let mut index = std::collections::HashMap::new();
    for run in runs {
        let name = run.pattern.as_ref().map_or("", |p| p.name.as_str());
        let items: Vec<(&Finding, Option<&str>)> = if suppressed {
            run.report
                .suppressed
                .iter()
                .map(|(f, r)| (f, Some(r.as_str())))
                .collect()
        } else {
            run.report.findings.iter().map(|f| (f, None)).collect()
        };
        for (f, reason) in items {
            let key = identity(run, f);
            if let Some(&i) = index.get(&key) {
                let seen: &mut Seen = &mut out[i];
                seen.patterns.push(name);
            } else {
                index.insert(key, out.len());
                out.push(Seen {
                    run,
                    finding: f,
                    reason,
                    patterns: vec![name],
                });
            }
        }
    }
    if runs.len() > 1 {
        // In file order (as the patterns list the files), then by place and rule.
        let mut files: Vec<&Path> = Vec::new();
        for run in runs {
            for f in &run.project.config_files {
                if !files.contains(&f.as_path()) {
                    files.push(f);
                }
            }
        }
        out.sort_by_cached_key(|s| {
            let (code, _, place) = identity(s.run, s.finding);
            let (rank, offset) = place.map_or((usize::MAX, 0), |(path, offset)| {
                let rank = files
                    .iter()
                    .position(|f| f.display().to_string() == path)
                    .unwrap_or(usize::MAX - 1);
                (rank, offset)
            });
            (rank, offset, code)
        });
    }
    out
}

fn severity_counts(seen: &[Seen]) -> (usize, usize, usize) {
    let n = |s| {
        seen.iter()
            .filter(|f| f.finding.diagnostic.severity == s)
            .count()
    };
    (n(Severity::Error), n(Severity::Warning), n(Severity::Info))
}

fn summary_line(e: usize, w: usize, i: usize) -> String {
    let plural = |n: usize, word: &str| format!("{n} {word}{}", if n == 1 { "" } else { "s" });
    format!("{}, {}, {i} info", plural(e, "error"), plural(w, "warning"))
}

/// The files of a pattern as a user would list them.
fn files_of(run: &Run) -> String {
    run.project
        .config_files
        .iter()
        .map(|f| display_path(&run.project, f))
        .collect::<Vec<_>>()
        .join(" + ")
}

/// The findings as rustc prints errors, then a summary (one line per pattern, when there are
/// several).
#[must_use]
pub fn human(runs: &[Run]) -> String {
    let mut out = String::new();
    let several = runs.len() > 1;
    let seen = merged(runs, false);
    for s in &seen {
        let project = &s.run.project;
        let mut text = s.finding.diagnostic.render(&project.sources);
        // Relative paths, as in the JSON output.
        let dir = format!("{}/", project.working_dir.display());
        text = text.replace(&format!("--> {dir}"), "--> ");
        out.push_str(&text);
        if several {
            let _ = writeln!(out, "  = in: {}", s.patterns.join(", "));
        }
        if let Some(rule) = s.finding.diagnostic.code.as_deref().and_then(crate::rule) {
            let _ = writeln!(
                out,
                "  = help: `berth audit --explain {}` ({})",
                rule.code, rule.name
            );
        }
        out.push('\n');
    }
    let Some(first) = runs.first() else {
        return out;
    };
    let suppressed = merged(runs, true).len();
    let baselined = runs
        .iter()
        .map(|r| r.report.baselined.len())
        .max()
        .unwrap_or(0);
    let mut notes = Vec::new();
    if suppressed > 0 {
        notes.push(format!("{suppressed} suppressed"));
    }
    if baselined > 0 {
        notes.push(format!("{baselined} in the baseline"));
    }
    let tail = if notes.is_empty() {
        String::new()
    } else {
        format!(" ({})", notes.join(", "))
    };
    let (e, w, i) = severity_counts(&seen);
    if several {
        for run in runs {
            let (pe, pw, pi) = run.report.counts();
            let name = run.pattern.as_ref().map_or("", |p| p.name.as_str());
            let prod = if run.pattern.as_ref().is_some_and(|p| p.production) {
                ", production"
            } else {
                ""
            };
            let _ = writeln!(
                out,
                "{name} ({}{prod}): {}",
                files_of(run),
                summary_line(pe, pw, pi)
            );
        }
        let _ = writeln!(
            out,
            "{}: {} in {} patterns{tail}",
            first.project.name,
            summary_line(e, w, i),
            runs.len()
        );
    } else {
        let _ = writeln!(
            out,
            "{}: {}{tail}",
            first.project.name,
            summary_line(e, w, i)
        );
    }
    out
}

fn finding_json(s: &Seen) -> Value {
    let project = &s.run.project;
    let d = &s.finding.diagnostic;
    let rule = d.code.as_deref().and_then(crate::rule);
    let locations: Vec<Value> = d
        .labels
        .iter()
        .filter_map(|l| {
            let file = project.sources.get(l.span.file)?;
            let (line, column) = file.line_col(l.span.start);
            let (end_line, end_column) = file.line_col(l.span.end.max(l.span.start));
            Some(json!({
                "file": display_path(project, &file.path),
                "line": line,
                "column": column,
                "end_line": end_line,
                "end_column": end_column,
                "message": l.message,
            }))
        })
        .collect();
    let mut v = json!({
        "code": d.code,
        "rule": rule.map(|r| r.name),
        "severity": d.severity.as_str(),
        "message": d.message,
        "service": s.finding.service,
        "locations": locations,
        "notes": d.notes,
    });
    if s.run.pattern.is_some() {
        v["patterns"] = json!(s.patterns);
    }
    if let Some(reason) = s.reason {
        v["reason"] = json!(reason);
    }
    v
}

/// The audit as one JSON document.
#[must_use]
pub fn json(runs: &[Run]) -> String {
    let seen = merged(runs, false);
    let (errors, warnings, infos) = severity_counts(&seen);
    let Some(first) = runs.first() else {
        return "{}\n".into();
    };
    let mut doc = json!({
        "project": first.project.name,
        "files": first
            .project
            .config_files
            .iter()
            .map(|f| display_path(&first.project, f))
            .collect::<Vec<_>>(),
        "findings": seen.iter().map(finding_json).collect::<Vec<_>>(),
        "suppressed": merged(runs, true).iter().map(finding_json).collect::<Vec<_>>(),
        "summary": {"errors": errors, "warnings": warnings, "info": infos},
    });
    if first.pattern.is_some() {
        doc["patterns"] = runs
            .iter()
            .filter_map(|r| {
                let p = r.pattern.as_ref()?;
                let (e, w, i) = r.report.counts();
                Some(json!({
                    "name": p.name,
                    "production": p.production,
                    "files": r.project.config_files.iter().map(|f| display_path(&r.project, f)).collect::<Vec<_>>(),
                    "summary": {"errors": e, "warnings": w, "info": i},
                }))
            })
            .collect();
        let mut files: Vec<String> = Vec::new();
        for r in runs {
            for f in &r.project.config_files {
                let f = display_path(&first.project, f);
                if !files.contains(&f) {
                    files.push(f);
                }
            }
        }
        doc["files"] = json!(files);
    }
    let mut s = serde_json::to_string_pretty(&doc).unwrap_or_default();
    s.push('\n');
    s
}

/// SARIF's level for a severity.
fn level(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "note",
    }
}

/// A file URI for a folder (with its final slash), percent-encoding what a URI cannot hold.
fn folder_uri(dir: &Path) -> String {
    let mut uri = String::from("file://");
    for b in dir.display().to_string().bytes() {
        if b.is_ascii_alphanumeric() || b"/-._~".contains(&b) {
            uri.push(char::from(b));
        } else {
            let _ = write!(uri, "%{b:02X}");
        }
    }
    if !uri.ends_with('/') {
        uri.push('/');
    }
    uri
}

/// A relative path as a URI reference.
fn relative_uri(path: &str) -> String {
    let mut uri = String::new();
    for b in path.bytes() {
        if b.is_ascii_alphanumeric() || b"/-._~".contains(&b) {
            uri.push(char::from(b));
        } else {
            let _ = write!(uri, "%{b:02X}");
        }
    }
    uri
}

fn sarif_location(project: &Project, l: &berth_model::diag::Label) -> Option<Value> {
    let file = project.sources.get(l.span.file)?;
    let (line, column) = file.line_col(l.span.start);
    let (end_line, end_column) = file.line_col(l.span.end.max(l.span.start));
    let inside = file.path.starts_with(&project.working_dir);
    let mut artifact = json!({"uri": relative_uri(&display_path(project, &file.path))});
    if inside {
        artifact["uriBaseId"] = json!("SRCROOT");
    }
    let mut region = json!({
        "startLine": line,
        "startColumn": column,
        "endLine": end_line,
        "endColumn": end_column,
    });
    // A snippet of the line, for viewers without the file, with its credentials masked:
    // code-scanning services keep and show snippets. None from a file that is not quoted.
    if file.quoted {
        region["snippet"] = json!({"text": berth_model::redact::mask(file.line_text(line)).text});
    }
    Some(json!({
        "physicalLocation": {"artifactLocation": artifact, "region": region},
        "message": {"text": l.message},
    }))
}

fn sarif_result(s: &Seen, rule_index: &std::collections::HashMap<&str, usize>) -> Value {
    let project = &s.run.project;
    let d = &s.finding.diagnostic;
    let code = d.code.as_deref().unwrap_or("");
    let mut locations = d.labels.iter().filter_map(|l| sarif_location(project, l));
    let primary: Vec<Value> = locations.next().into_iter().collect();
    let related: Vec<Value> = locations
        .enumerate()
        .map(|(i, mut l)| {
            l["id"] = json!(i + 1);
            l
        })
        .collect();
    let mut text = d.message.clone();
    for n in &d.notes {
        text.push('\n');
        text.push_str(n);
    }
    let mut r = json!({
        "ruleId": code,
        "level": level(d.severity),
        "message": {"text": text},
        "locations": primary,
    });
    if let Some(&i) = rule_index.get(code) {
        r["ruleIndex"] = json!(i);
    }
    if !related.is_empty() {
        r["relatedLocations"] = json!(related);
    }
    let mut props = serde_json::Map::new();
    if let Some(service) = &s.finding.service {
        props.insert("service".into(), json!(service));
    }
    if s.run.pattern.is_some() {
        props.insert("patterns".into(), json!(s.patterns));
    }
    if !props.is_empty() {
        r["properties"] = Value::Object(props);
    }
    if let Some(reason) = s.reason {
        r["suppressions"] = json!([{"kind": "inSource", "justification": reason}]);
    }
    r
}

/// The audit as a SARIF 2.1.0 log: one run of the `berth` tool, every rule described (its
/// documentation as help), each finding a result located in the compose files relative to the
/// project folder (`SRCROOT`); suppressed findings carry their reason as an in-source
/// suppression.
#[must_use]
pub fn sarif(runs: &[Run]) -> String {
    let rules: Vec<Value> = crate::RULES
        .iter()
        .map(|r| {
            let doc = r.doc();
            json!({
                "id": r.code,
                "name": r.name,
                "shortDescription": {"text": r.summary()},
                "fullDescription": {"text": r.summary()},
                "help": {"text": doc, "markdown": doc},
                "defaultConfiguration": {"level": level(r.severity), "enabled": r.default_on},
                "properties": {
                    "tags": [match r.code.as_bytes().get(1) {
                        Some(b'1') => "duplication",
                        Some(b'2') => "exposure",
                        Some(b'3') => "reachability",
                        Some(b'4') => "development-settings",
                        Some(b'5') => "security",
                        Some(b'6') => "naming",
                        Some(b'0') => "suppressions",
                        Some(b'8') => "hardening",
                        _ => "operations",
                    }],
                },
            })
        })
        .collect();
    let rule_index: std::collections::HashMap<&str, usize> = crate::RULES
        .iter()
        .enumerate()
        .map(|(i, r)| (r.code, i))
        .collect();
    let mut results: Vec<Value> = merged(runs, false)
        .iter()
        .map(|s| sarif_result(s, &rule_index))
        .collect();
    results.extend(
        merged(runs, true)
            .iter()
            .map(|s| sarif_result(s, &rule_index)),
    );
    let root = runs
        .first()
        .map_or_else(|| "file:///".into(), |r| folder_uri(&r.project.working_dir));
    let doc = json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "berth",
                "semanticVersion": env!("CARGO_PKG_VERSION"),
                "rules": rules,
            }},
            "originalUriBaseIds": {"SRCROOT": {"uri": root}},
            "columnKind": "unicodeCodePoints",
            "results": results,
        }],
    });
    let mut s = serde_json::to_string_pretty(&doc).unwrap_or_default();
    s.push('\n');
    s
}

/// Whether a run has a finding at `threshold` or above (for `--fail-on`).
#[must_use]
pub fn fails(runs: &[Run], threshold: Severity) -> bool {
    runs.iter().any(|r| {
        r.report
            .findings
            .iter()
            .any(|f| f.diagnostic.severity >= threshold)
    })
}
