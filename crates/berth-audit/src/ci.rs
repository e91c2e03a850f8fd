//! The audit in the formats CI systems read:
//! - `github`: workflow commands (`::error file=...,line=...::message`) that GitHub Actions
//!   shows as annotations on the lines of the pull request. Paths are relative to
//!   `GITHUB_WORKSPACE` (else the current folder), as the runner expects them.
//! - `junit`: JUnit XML in the Apache Ant format, one test suite per compose file and one
//!   failing test case per error or warning (info findings are the suite's output), which
//!   GitLab, Jenkins and most CI systems show as test results.
//! - `codeclimate`: the Code Climate JSON that GitLab's code quality report reads: each finding
//!   with a description, its rule, a stable fingerprint, a severity and a location.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use berth_model::Severity;
use serde_json::json;

use crate::output::{display_path, merged, Run, Seen};

/// Where a finding starts: the file as CI shows it and the span's lines and columns.
struct Place {
    path: String,
    line: usize,
    column: usize,
    end_line: usize,
    end_column: usize,
}

fn place(s: &Seen, root: Option<&Path>) -> Option<Place> {
    let project = &s.run.project;
    let span = s.finding.diagnostic.primary_span()?;
    let file = project.sources.get(span.file)?;
    let (line, column) = file.line_col(span.start);
    let (end_line, end_column) = file.line_col(span.end.max(span.start));
    let path = match root.and_then(|r| file.path.strip_prefix(r).ok()) {
        Some(rel) => rel.display().to_string(),
        None => display_path(project, &file.path),
    };
    Some(Place {
        path,
        line,
        column,
        end_line,
        end_column,
    })
}

/// The folder CI paths are relative to: `GITHUB_WORKSPACE`, else the current folder.
fn workspace() -> Option<PathBuf> {
    std::env::var_os("GITHUB_WORKSPACE")
        .filter(|w| !w.is_empty())
        .map(PathBuf::from)
        .or_else(|| std::env::current_dir().ok())
        .map(|p| std::fs::canonicalize(&p).unwrap_or(p))
}

/// The message with the finding's notes, credentials masked.
fn text_of(s: &Seen) -> String {
    let d = &s.finding.diagnostic;
    let mut text = d.message.clone();
    for n in &d.notes {
        text.push('\n');
        text.push_str(n);
    }
    berth_model::redact::mask(&text).text.into_owned()
}

fn title_of(s: &Seen) -> String {
    let d = &s.finding.diagnostic;
    let code = d.code.as_deref().unwrap_or_default();
    match crate::rule(code) {
        Some(r) => format!("{code} {}", r.name),
        None => code.to_string(),
    }
}

/// A workflow command's data: `%`, CR and LF escaped.
fn escape_data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// A workflow command's property value: as data, and `:` and `,` too.
fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

/// The findings as GitHub Actions workflow commands, one line each.
#[must_use]
pub fn github(runs: &[Run]) -> String {
    let root = workspace();
    let mut out = String::new();
    for s in merged(runs, false) {
        let command = match s.finding.diagnostic.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "notice",
        };
        let mut props = Vec::new();
        if let Some(p) = place(&s, root.as_deref()) {
            props.push(format!("file={}", escape_property(&p.path)));
            props.push(format!("line={}", p.line));
            props.push(format!("col={}", p.column));
            props.push(format!("endLine={}", p.end_line));
            if p.end_line == p.line {
                props.push(format!("endColumn={}", p.end_column));
            }
        }
        props.push(format!("title={}", escape_property(&title_of(&s))));
        let _ = writeln!(
            out,
            "::{command} {}::{}",
            props.join(","),
            escape_data(&text_of(&s))
        );
    }
    out
}

/// Text for XML content and attribute values (line breaks kept as references, so that
/// attributes keep them).
fn xml(s: &str) -> String {
    berth_model::markup::escape(s).replace('\n', "&#10;")
}

/// The findings as JUnit XML in the Apache Ant format most CI systems read: a suite per file
/// (in the order the findings come) with a failing case per error or warning; info findings
/// are the suite's output. A project without findings is one suite with one passing case.
/// `timestamp` is when the audit ran (`YYYY-MM-DDTHH:MM:SS`, UTC).
#[must_use]
pub fn junit(runs: &[Run], timestamp: &str) -> String {
    let project = runs.first().map_or("", |r| r.project.name.as_str());
    let seen = merged(runs, false);
    let mut suites: Vec<(String, Vec<&Seen>)> = Vec::new();
    for s in &seen {
        let file = place(s, None).map_or_else(|| project.to_string(), |p| p.path);
        match suites.iter_mut().find(|(f, _)| *f == file) {
            Some((_, list)) => list.push(s),
            None => suites.push((file, vec![s])),
        }
    }
    if suites.is_empty() {
        suites.push((project.to_string(), Vec::new()));
    }
    let failing = |s: &Seen| s.finding.diagnostic.severity != Severity::Info;
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites>\n");
    for (id, (file, list)) in suites.iter().enumerate() {
        let cases: Vec<&&Seen> = list.iter().filter(|s| failing(s)).collect();
        let infos: Vec<&&Seen> = list.iter().filter(|s| !failing(s)).collect();
        let tests = cases.len().max(1);
        let _ = writeln!(
            out,
            "  <testsuite name=\"{0}\" package=\"{0}\" id=\"{id}\" timestamp=\"{timestamp}\" hostname=\"localhost\" tests=\"{tests}\" failures=\"{1}\" errors=\"0\" skipped=\"0\" time=\"0\">",
            xml(file),
            cases.len()
        );
        let _ = writeln!(
            out,
            "    <properties>\n      <property name=\"project\" value=\"{}\"/>\n      <property name=\"tool\" value=\"berth audit {}\"/>\n    </properties>",
            xml(project),
            env!("CARGO_PKG_VERSION")
        );
        if cases.is_empty() {
            let _ = writeln!(
                out,
                "    <testcase name=\"berth audit\" classname=\"{}\" time=\"0\"/>",
                xml(file)
            );
        }
        for s in cases {
            let d = &s.finding.diagnostic;
            let at =
                place(s, None).map_or_else(String::new, |p| format!(":{}:{}", p.line, p.column));
            let service = s.finding.service.as_deref().unwrap_or("");
            let name = format!("{} {service}{at}", title_of(s));
            let _ = writeln!(
                out,
                "    <testcase name=\"{}\" classname=\"{}\" time=\"0\">\n      <failure message=\"{}\" type=\"{}\">{}</failure>\n    </testcase>",
                xml(name.trim()),
                xml(file),
                xml(&d.message),
                d.severity.as_str(),
                xml(&format!("{file}{at}: {}", text_of(s)))
            );
        }
        let mut info = String::new();
        for s in infos {
            let at =
                place(s, None).map_or_else(String::new, |p| format!(":{}:{}", p.line, p.column));
            let _ = writeln!(info, "{file}{at}: info[{}]: {}", title_of(s), text_of(s));
        }
        if info.is_empty() {
            out.push_str("    <system-out/>\n");
        } else {
            let _ = writeln!(out, "    <system-out>{}</system-out>", xml(&info));
        }
        out.push_str("    <system-err/>\n  </testsuite>\n");
    }
    out.push_str("</testsuites>\n");
    out
}

/// FNV-1a, 64 bits: a stable fingerprint without a dependency.
fn fnv(s: &str) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in s.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

/// The findings as a Code Climate report (a JSON array) for GitLab's code quality widget.
/// A fingerprint is made of the rule, file, service and message (not the line, so that edits
/// above a finding keep it), and the occurrence when several findings share them.
#[must_use]
pub fn codeclimate(runs: &[Run]) -> String {
    let mut seen_keys: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
    let issues: Vec<serde_json::Value> = merged(runs, false)
        .iter()
        .map(|s| {
            let d = &s.finding.diagnostic;
            let code = d.code.as_deref().unwrap_or_default();
            let p = place(s, None);
            let path = p.as_ref().map_or("", |p| p.path.as_str());
            let key = format!(
                "{code}\u{0}{path}\u{0}{}\u{0}{}",
                s.finding.service.as_deref().unwrap_or(""),
                d.message
            );
            let n = seen_keys.entry(key.clone()).or_default();
            *n += 1;
            let fingerprint = format!("{:016x}{:016x}", fnv(&key), fnv(&format!("{key}\u{0}{n}")));
            let severity = match d.severity {
                Severity::Error => "critical",
                Severity::Warning => "major",
                Severity::Info => "info",
            };
            let lines = p.as_ref().map_or_else(
                || json!({"begin": 1, "end": 1}),
                |p| json!({"begin": p.line, "end": p.end_line}),
            );
            // Exposure, credentials, privileges and hardening are security; the rest is a
            // risk of the stack not working as meant.
            let security = matches!(code, "B202" | "B203" | "B204" | "B706" | "B707" | "B708")
                || code.starts_with("B5")
                || code.starts_with("B8");
            let category = if security { "Security" } else { "Bug Risk" };
            json!({
                "type": "issue",
                "check_name": code,
                "description": text_of(s),
                "content": {"body": crate::rule(code).map(crate::Rule::doc).unwrap_or_default()},
                "categories": [category],
                "fingerprint": fingerprint,
                "severity": severity,
                "location": {"path": path, "lines": lines},
            })
        })
        .collect();
    let mut text = serde_json::to_string_pretty(&issues).unwrap_or_default();
    text.push('\n');
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn workflow_commands_escape_their_separators() {
        assert_eq!(escape_property("a,b:c%\n"), "a%2Cb%3Ac%25%0A");
        assert_eq!(escape_data("a,b:c%\r\n"), "a,b:c%25%0D%0A");
    }

    #[test]
    fn xml_escapes_markup_and_control_characters() {
        assert_eq!(
            xml("<a href=\"x\">&\u{1}\n"),
            "&lt;a href=&quot;x&quot;&gt;&amp;\\x01&#10;"
        );
    }
}
