//! `berth audit --fix`: mechanical fixes for the findings that have a safe one, made by editing
//! the source text where the value was written (comments, anchors, quoting and layout stay as
//! they are; the document is never written out again):
//! - B501, a hard-coded credential: the value becomes `${NAME}`; the value goes to `.env` in the
//!   project folder (which Compose reads, and which stays out of version control) and the name,
//!   without its value, to `.env.example`, so the project loads exactly as before.
//! - B202, a database, cache or broker published on every interface: bound to `127.0.0.1`.
//! - B601, a volume named against the project's convention: renamed in every file that
//!   defines or mounts it, with `name:` set to the name it had on the engine, so its data stays.
//! - B803, B808, B809 (hardening): `cap_drop: [ALL]`, `security_opt: ["no-new-privileges:true"]`
//!   and `read_only: true` added as the service's first key, at its indentation.
//!
//! A finding whose fix cannot be made safely (a flow-style service, a long-syntax port, a name
//! taken by another value) is left, with the reason. A plan is data: [`plan`] decides,
//! [`Plan::diff`] shows it, the caller writes the files.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use berth_model::{Project, Span};

use crate::output::{merged, Run};
use crate::Finding;

/// One replacement in a file's text: bytes `start..end` become `text` (an insertion when
/// they are equal).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Edit {
    pub start: usize,
    pub end: usize,
    pub text: String,
}

/// What `--fix` does: each file's new text, and what was fixed or left.
#[derive(Debug, Default)]
pub struct Plan {
    /// Per file (absolute path): its text now and after the fix.
    pub files: BTreeMap<PathBuf, (String, String)>,
    /// `CODE file:line: what was done`, in the order of the findings.
    pub fixed: Vec<String>,
    /// `CODE file:line: why it was left`.
    pub left: Vec<String>,
}

/// The codes `--fix` knows a fix for.
pub const FIXABLE: &[&str] = &["B202", "B501", "B601", "B803", "B808", "B809"];

/// A fix of one finding: edits to the files the value was set in, and a variable for `.env`.
struct Fix {
    edits: Vec<(PathBuf, Edit)>,
    env: Option<(String, String)>,
    what: String,
}

/// The fixes for the findings of `runs` that have one (each finding once, whatever patterns
/// share it).
#[must_use]
pub fn plan(runs: &[Run]) -> Plan {
    let mut out = Plan::default();
    // Per file: its text as the loader read it (the spans index into it), and the edits.
    let mut edits: BTreeMap<PathBuf, (String, Vec<Edit>)> = BTreeMap::new();
    let mut env: BTreeMap<String, String> = BTreeMap::new();
    let mut env_dir: Option<PathBuf> = None;
    for seen in merged(runs, false) {
        let project = &seen.run.project;
        let f = seen.finding;
        let code = f.diagnostic.code.as_deref().unwrap_or_default();
        if !FIXABLE.contains(&code) {
            continue;
        }
        let at = place(project, f);
        match fix_of(project, f, &env) {
            Ok(fix) => {
                if let Some((name, value)) = fix.env {
                    env.insert(name, value);
                    env_dir.get_or_insert_with(|| project.working_dir.clone());
                }
                for (file, e) in fix.edits {
                    let (_, list) = edits.entry(file).or_insert_with_key(|path| {
                        let text = project
                            .sources
                            .iter()
                            .find(|(_, f)| f.path == *path)
                            .map(|(_, f)| f.text.to_string())
                            .unwrap_or_default();
                        (text, Vec::new())
                    });
                    if !list.contains(&e) {
                        list.push(e);
                    }
                }
                out.fixed.push(format!("{code} {at}: {}", fix.what));
            }
            Err(why) => out.left.push(format!("{code} {at}: {why}")),
        }
    }
    for (path, (text, list)) in edits {
        if text.is_empty() {
            continue;
        }
        let new = apply(&text, list);
        out.files.insert(path, (text, new));
    }
    if let Some(dir) = env_dir.filter(|_| !env.is_empty()) {
        for (name, with_values) in [(".env", true), (".env.example", false)] {
            let path = dir.join(name);
            let text = std::fs::read_to_string(&path).unwrap_or_default();
            let mut new = text.clone();
            if !new.is_empty() && !new.ends_with('\n') {
                new.push('\n');
            }
            for (k, v) in &env {
                let has = text.lines().any(|l| {
                    l.trim_start()
                        .strip_prefix(k.as_str())
                        .is_some_and(|r| r.trim_start().starts_with('='))
                });
                if has {
                    continue;
                }
                if with_values {
                    let _ = writeln!(new, "{k}='{v}'");
                } else {
                    let _ = writeln!(new, "{k}=");
                }
            }
            if new != text {
                out.files.insert(path, (text, new));
            }
        }
    }
    out
}

/// `file:line` of a finding, the file relative to the project folder.
fn place(project: &Project, f: &Finding) -> String {
    f.diagnostic
        .primary_span()
        .and_then(|s| {
            let file = project.sources.get(s.file)?;
            let (line, _) = file.line_col(s.start);
            Some(format!(
                "{}:{line}",
                crate::output::display_path(project, &file.path)
            ))
        })
        .unwrap_or_default()
}

/// The text of `span` and its file's path, when a compose file holds it.
fn source(project: &Project, span: Span) -> Option<(&Path, &str)> {
    if !crate::facts::in_compose_file(project, span) {
        return None;
    }
    let file = project.sources.get(span.file)?;
    if file.path.as_os_str() == "-" {
        return None;
    }
    Some((&file.path, &file.text))
}

fn fix_of(project: &Project, f: &Finding, env: &BTreeMap<String, String>) -> Result<Fix, String> {
    let code = f.diagnostic.code.as_deref().unwrap_or_default();
    let span = f
        .diagnostic
        .primary_span()
        .ok_or("the finding has no place in a file")?;
    let service = f.service.as_deref().unwrap_or_default();
    match code {
        "B501" => credential(project, service, span, env),
        "B202" => loopback(project, span),
        "B803" => first_key(project, service, "cap_drop", "cap_drop: [ALL]"),
        "B808" => first_key(
            project,
            service,
            "security_opt",
            "security_opt: [\"no-new-privileges:true\"]",
        ),
        "B809" => first_key(project, service, "read_only", "read_only: true"),
        "B601" => volume_name(project, span),
        _ => Err("no fix".into()),
    }
}

/// B501: the literal value at `span` becomes `${NAME}`, the value goes to `.env`.
fn credential(
    project: &Project,
    service: &str,
    span: Span,
    env: &BTreeMap<String, String>,
) -> Result<Fix, String> {
    let (path, text) = source(project, span).ok_or("the value is not in a compose file")?;
    let s = project.service(service).ok_or("no such service")?;
    let vars = s
        .settings()
        .environment
        .map(|e| e.value)
        .unwrap_or_default();
    let var = vars
        .iter()
        .find(|v| v.span == span)
        .ok_or("the credential is not an `environment` value")?;
    let value = var.value.clone().ok_or("the variable has no value")?;
    if value.contains('\'') || value.contains('\n') {
        return Err("the value holds a quote or a line break: move it by hand".into());
    }
    let written = &text[span.start as usize..span.end as usize];
    let Some(at) = written.rfind(value.as_str()) else {
        return Err("the value is written with escapes: move it by hand".into());
    };
    // The name: the variable's, unless it already stands for another value.
    let mut name = var.name.to_string();
    let taken = |n: &str| {
        env.get(n).is_some_and(|v| *v != value)
            || project.environment.get(n).is_some_and(|v| *v != value)
    };
    if taken(&name) {
        name = format!(
            "{}_{}",
            service.to_ascii_uppercase().replace(['-', '.'], "_"),
            var.name
        );
        if taken(&name) {
            return Err(format!("{name} is already set to another value"));
        }
    }
    let start = span.start as usize + at;
    Ok(Fix {
        edits: vec![(
            path.to_path_buf(),
            Edit {
                start,
                end: start + value.len(),
                text: format!("${{{name}}}"),
            },
        )],
        what: format!(
            "{} now reads ${{{name}}}, set in .env (and named in .env.example)",
            var.name
        ),
        env: Some((name, value)),
    })
}

/// B202: a short-syntax port published on every interface gets `127.0.0.1:` in front.
fn loopback(project: &Project, span: Span) -> Result<Fix, String> {
    let (path, text) = source(project, span).ok_or("the port is not in a compose file")?;
    let written = &text[span.start as usize..span.end as usize];
    let quote = written.starts_with(['"', '\'']);
    let inner = if quote {
        &written[1..written.len().saturating_sub(1)]
    } else {
        written
    };
    let plain = inner
        .split('/')
        .next()
        .unwrap_or_default()
        .chars()
        .all(|c| c.is_ascii_digit() || c == ':' || c == '-');
    if !plain || !inner.contains(':') || inner.matches(':').count() > 1 {
        return Err("not a `HOST:CONTAINER` port: bind it by hand".into());
    }
    let start = span.start as usize + usize::from(quote);
    Ok(Fix {
        edits: vec![(
            path.to_path_buf(),
            Edit {
                start,
                end: start,
                text: "127.0.0.1:".into(),
            },
        )],
        what: format!("`{inner}` bound to 127.0.0.1"),
        env: None,
    })
}

/// Adds `line` (setting `key`) as the first key of the service in the file that defines it.
fn first_key(project: &Project, service: &str, key: &str, line: &str) -> Result<Fix, String> {
    // The last file whose own document defines the service in full or in part.
    let layer = project
        .layers
        .iter()
        .rev()
        .find(|l| l.doc.path(&["services", service]).is_some())
        .ok_or("no file defines the service")?;
    let value = layer
        .doc
        .path(&["services", service])
        .ok_or("no file defines the service")?;
    if value.get(key).is_some() {
        return Err(format!("`{key}` is already set there: change it by hand"));
    }
    value.as_map().ok_or("the service is not a mapping")?;
    // Where the service's own mapping starts in that file: the line after its key. (Its first
    // key in the document may come from an anchor merged in, written elsewhere: an edit there
    // would change every service that merges it.)
    let service_key = layer
        .doc
        .get("services")
        .and_then(berth_model::Value::as_map)
        .and_then(|m| m.key(service))
        .ok_or("no file defines the service")?;
    let file = project
        .sources
        .get(service_key.span.file)
        .filter(|f| f.path.as_os_str() != "-")
        .ok_or("the service is not in a file")?;
    let text: &str = &file.text;
    let key_end = service_key.span.end as usize;
    let key_line_start = text[..key_end].rfind('\n').map_or(0, |i| i + 1);
    let key_indent = text[key_line_start..key_end]
        .chars()
        .take_while(|c| *c == ' ')
        .count();
    let line_end = text[key_end..]
        .find('\n')
        .map_or(text.len(), |i| key_end + i);
    let after_key = text[key_end..line_end].trim_start_matches(':').trim();
    let after_key = after_key.split(" #").next().unwrap_or_default().trim();
    // `name: &anchor` is fine; `name: {...}` or `name: *alias` is not a block of its own.
    if !(after_key.is_empty() || (after_key.starts_with('&') && !after_key.contains(' '))) {
        return Err("the service is written in flow style (`{...}`): add it by hand".into());
    }
    // The indentation of its keys: that of the first line below with content.
    let line_start = (line_end + 1).min(text.len());
    let indent_len = text[line_start..]
        .lines()
        .find(|l| !l.trim().is_empty() && !l.trim_start().starts_with('#'))
        .map_or(0, |l| l.chars().take_while(|c| *c == ' ').count());
    if indent_len <= key_indent {
        return Err("the service's keys are not written below it: add it by hand".into());
    }
    let indent = " ".repeat(indent_len);
    Ok(Fix {
        edits: vec![(
            file.path.clone(),
            Edit {
                start: line_start,
                end: line_start,
                text: format!("{indent}{line}\n"),
            },
        )],
        what: format!("`{line}` added to `{service}`"),
        env: None,
    })
}

/// B601: the volume whose key is at `span` renamed to the project's convention, in every file;
/// its definition keeps the engine's name (`name:`), so that it is the same volume.
fn volume_name(project: &Project, span: Span) -> Result<Fix, String> {
    use crate::rules::inconsistent_naming::{convention, renamed};
    use berth_model::Value;
    let volumes = project
        .tree
        .get("volumes")
        .and_then(Value::as_map)
        .ok_or("only volume names are renamed by --fix")?;
    let (key, def) = volumes
        .iter()
        .find(|(k, _)| k.span == span)
        .ok_or("only volume names are renamed by --fix")?;
    let old = key.name.as_str();
    let style = convention(volumes.keys()).ok_or("no convention to follow")?;
    let new = renamed(old, style);
    if new == old || volumes.contains_key(&new) {
        return Err(format!("`{new}` is taken"));
    }
    let engine = def
        .get("name")
        .and_then(Value::as_str)
        .ok_or("the volume has no name on the engine")?
        .to_string();
    let mut edits = Vec::new();
    let mut named = false;
    let text_of = |s: Span| {
        project
            .sources
            .get(s.file)
            .filter(|f| f.path.as_os_str() != "-")
            .map(|f| (f.path.clone(), f.text.clone()))
    };
    for layer in &project.layers {
        let Some((path, text)) = text_of(Span {
            file: layer.file,
            start: 0,
            end: 0,
        }) else {
            continue;
        };
        if let Some(m) = layer.doc.get("volumes").and_then(Value::as_map) {
            if let Some(k) = m.key(old) {
                let (ks, ke) = (k.span.start as usize, k.span.end as usize);
                if text.get(ks..ke) != Some(old) {
                    return Err("the volume's key is written quoted or by an anchor".into());
                }
                edits.push((
                    path.clone(),
                    Edit {
                        start: ks,
                        end: ke,
                        text: new.clone(),
                    },
                ));
                let value = m.get(old);
                if value.and_then(|v| v.get("name")).is_none() && !named {
                    edits.push((path.clone(), name_edit(&text, ke, value, &engine)?));
                    named = true;
                }
            }
        }
        let Some(services) = layer.doc.get("services").and_then(Value::as_map) else {
            continue;
        };
        for (_, s) in services.iter() {
            for m in s.get("volumes").and_then(Value::as_seq).unwrap_or(&[]) {
                let Some(source) = m.get("source").filter(|v| v.as_str() == Some(old)) else {
                    continue;
                };
                let (start, end) = (source.span.start as usize, source.span.end as usize);
                let written = text.get(start..end).unwrap_or_default();
                let quote = usize::from(written.starts_with(['"', '\'']));
                let at = start + quote;
                if text.get(at..at + old.len()) != Some(old) {
                    return Err(
                        "a mount of the volume is written in a form --fix cannot edit".into(),
                    );
                }
                let edit = Edit {
                    start: at,
                    end: at + old.len(),
                    text: new.clone(),
                };
                if !edits.iter().any(|(p, e)| *p == path && *e == edit) {
                    edits.push((path.clone(), edit));
                }
            }
        }
    }
    if !named {
        return Err("no file defines the volume".into());
    }
    Ok(Fix {
        edits,
        env: None,
        what: format!("volume `{old}` renamed `{new}`, keeping its engine name `{engine}`"),
    })
}

/// The edit that gives a volume definition `name: engine`; `key_end` is where its key ends.
fn name_edit(
    text: &str,
    key_end: usize,
    value: Option<&berth_model::Value>,
    engine: &str,
) -> Result<Edit, String> {
    let colon = key_end
        + text[key_end..]
            .find(':')
            .ok_or("no `:` after the volume's key")?;
    let line_end = text[colon..].find('\n').map_or(text.len(), |i| colon + i);
    let rest = text[colon + 1..line_end].trim();
    let empty = rest.is_empty() || rest.starts_with('#');
    match value.and_then(berth_model::Value::as_map) {
        None if empty => Ok(Edit {
            start: colon + 1,
            end: colon + 1,
            text: format!(" {{name: {engine}}}"),
        }),
        Some(m) if m.is_empty() && rest.starts_with("{}") => {
            let at = colon + 1 + text[colon + 1..].find('{').unwrap_or(0);
            Ok(Edit {
                start: at,
                end: at + 2,
                text: format!("{{name: {engine}}}"),
            })
        }
        Some(m) if empty && !m.is_empty() => {
            let (first, _) = m.iter().next().ok_or("empty definition")?;
            let ks = first.span.start as usize;
            let line_start = text[..ks].rfind('\n').map_or(0, |i| i + 1);
            let indent = &text[line_start..ks];
            if !indent.chars().all(|c| c == ' ') {
                return Err("the definition is written in a form --fix cannot edit".into());
            }
            Ok(Edit {
                start: line_start,
                end: line_start,
                text: format!("{indent}name: {engine}\n"),
            })
        }
        _ => Err("the definition is written in a form --fix cannot edit".into()),
    }
}

/// `text` with `edits` made; an edit overlapping one already made is dropped.
fn apply(text: &str, mut edits: Vec<Edit>) -> String {
    edits.sort();
    let mut out = String::with_capacity(text.len() + 64);
    let mut at = 0;
    for e in edits {
        if e.start < at
            || e.end > text.len()
            || !text.is_char_boundary(e.start)
            || !text.is_char_boundary(e.end)
        {
            continue;
        }
        out.push_str(&text[at..e.start]);
        out.push_str(&e.text);
        at = e.end;
    }
    out.push_str(&text[at..]);
    out
}

impl Plan {
    /// The plan as a unified diff, paths relative to `base` when inside it, with the
    /// credentials it moves masked (the diff is for reading: it goes to terminals and CI logs).
    #[must_use]
    pub fn diff(&self, base: &Path) -> String {
        let mut out = String::new();
        for (path, (old, new)) in &self.files {
            let name = path
                .strip_prefix(base)
                .unwrap_or(path)
                .display()
                .to_string();
            let (a, b) = if old.is_empty() {
                ("/dev/null".to_string(), format!("b/{name}"))
            } else {
                (format!("a/{name}"), format!("b/{name}"))
            };
            let diff = similar::TextDiff::from_lines(old, new)
                .unified_diff()
                .context_radius(3)
                .header(&a, &b)
                .to_string();
            for line in diff.split_inclusive('\n') {
                let body = line.trim_end_matches('\n');
                out.push_str(&berth_model::redact::mask(body).text);
                out.push_str(&line[body.len()..]);
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn edits_are_made_in_order_and_overlaps_dropped() {
        let e = |start, end, text: &str| Edit {
            start,
            end,
            text: text.into(),
        };
        assert_eq!(
            apply("abcdef", vec![e(4, 4, "X"), e(0, 1, "A"), e(0, 2, "no")]),
            "AbcdXef"
        );
        assert_eq!(apply("ab", vec![e(1, 1, "1"), e(1, 1, "2")]), "a12b");
    }
}
