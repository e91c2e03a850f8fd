//! The audit's outputs: human (rustc-like, with the source line and a caret), and JSON. Both
//! are stable: file paths inside the project folder are written relative to it.

use std::fmt::Write as _;
use std::path::Path;

use berth_model::{Project, Severity};
use serde_json::{json, Value};

use crate::{Finding, Report};

/// A path as the outputs show it: relative to the project folder when inside it.
#[must_use]
pub fn display_path(project: &Project, path: &Path) -> String {
    path.strip_prefix(&project.working_dir)
        .unwrap_or(path)
        .display()
        .to_string()
}

/// The findings as rustc prints errors, then a summary line.
#[must_use]
pub fn human(project: &Project, report: &Report) -> String {
    let mut out = String::new();
    for f in &report.findings {
        let mut text = f.diagnostic.render(&project.sources);
        // Relative paths, as in the JSON output.
        let dir = format!("{}/", project.working_dir.display());
        text = text.replace(&format!("--> {dir}"), "--> ");
        out.push_str(&text);
        if let Some(rule) = f.diagnostic.code.as_deref().and_then(crate::rule) {
            let _ = writeln!(
                out,
                "  = help: `berth audit --explain {}` ({})",
                rule.code, rule.name
            );
        }
        out.push('\n');
    }
    let (e, w, i) = report.counts();
    let plural = |n: usize, word: &str| format!("{n} {word}{}", if n == 1 { "" } else { "s" });
    let _ = write!(
        out,
        "{}: {}, {}, {i} info",
        project.name,
        plural(e, "error"),
        plural(w, "warning"),
    );
    if !report.suppressed.is_empty() {
        let _ = write!(out, " ({} suppressed)", report.suppressed.len());
    }
    out.push('\n');
    out
}

fn finding_json(project: &Project, f: &Finding) -> Value {
    let d = &f.diagnostic;
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
    json!({
        "code": d.code,
        "rule": rule.map(|r| r.name),
        "severity": d.severity.as_str(),
        "message": d.message,
        "service": f.service,
        "locations": locations,
        "notes": d.notes,
    })
}

/// The report as one JSON document.
#[must_use]
pub fn json(project: &Project, report: &Report) -> String {
    let (errors, warnings, infos) = report.counts();
    let doc = json!({
        "project": project.name,
        "files": project
            .config_files
            .iter()
            .map(|f| display_path(project, f))
            .collect::<Vec<_>>(),
        "findings": report
            .findings
            .iter()
            .map(|f| finding_json(project, f))
            .collect::<Vec<_>>(),
        "suppressed": report
            .suppressed
            .iter()
            .map(|(f, reason)| {
                let mut v = finding_json(project, f);
                v["reason"] = json!(reason);
                v
            })
            .collect::<Vec<_>>(),
        "summary": {"errors": errors, "warnings": warnings, "info": infos},
    });
    let mut s = serde_json::to_string_pretty(&doc).unwrap_or_default();
    s.push('\n');
    s
}

/// Whether the report has a finding at `threshold` or above (for `--fail-on`).
#[must_use]
pub fn fails(report: &Report, threshold: Severity) -> bool {
    report
        .findings
        .iter()
        .any(|f| f.diagnostic.severity >= threshold)
}
