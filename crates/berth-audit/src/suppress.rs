//! Suppressions: findings accepted on purpose, each with its reason. Three places hold them:
//! - `berth.toml`'s `[[audit.suppress]]` tables (by rule, and optionally service and file);
//! - a comment in a compose file, `# berth: ignore[B201] reason` (several codes separated by
//!   commas): at the end of a line it covers that line, alone on its line the line below;
//! - `x-berth: {ignore: {B201: reason}}` in the compose file, at the top level or in a service.
//!
//! A suppression without a reason suppresses nothing, and one that suppresses nothing in any
//! pattern is reported (B001, unused-suppression).

use std::path::PathBuf;
use std::sync::Arc;

use berth_model::{FileId, Project, Span, Value};

use crate::config::Config;
use crate::Finding;

/// Where a suppression is written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Origin {
    /// `berth.toml`.
    Config,
    /// A `# berth: ignore[...]` comment.
    Comment,
    /// `x-berth.ignore`.
    Extension,
}

/// One suppression.
#[derive(Clone, Debug)]
pub struct Suppression {
    pub origin: Origin,
    /// Selectors of the rules it covers (codes, their starts, names).
    pub rules: Vec<String>,
    /// Only findings about these services (any when empty).
    pub services: Vec<String>,
    /// Only findings in these files: a path relative to the project folder, or a file name
    /// (any when empty).
    pub files: Vec<String>,
    /// Only findings that start on these lines (from 1, inclusive) of this file.
    pub lines: Option<(FileId, usize, usize)>,
    /// None: written without one, so it suppresses nothing.
    pub reason: Option<String>,
    /// Where it is written.
    pub span: Span,
}

/// The suppressions of `config`, its file added to the project's sources so that findings
/// about them point into it.
pub fn attach(project: &mut Project, config: &Config) -> Vec<Suppression> {
    let Some((path, text)) = &config.file else {
        return Vec::new();
    };
    if config.suppressions.is_empty() {
        return Vec::new();
    }
    let file = project
        .sources
        .add(PathBuf::from(path), Arc::from(text.as_str()));
    let offset = |n: usize| u32::try_from(n).unwrap_or(u32::MAX);
    config
        .suppressions
        .iter()
        .map(|s| Suppression {
            origin: Origin::Config,
            rules: s.rules.clone(),
            services: s.services.clone(),
            files: s.files.clone(),
            lines: None,
            reason: Some(s.reason.clone()),
            span: Span {
                file,
                start: offset(s.at.start),
                end: offset(s.at.end),
            },
        })
        .collect()
}

/// The suppressions written in the project's compose files: comments and `x-berth.ignore`.
#[must_use]
pub fn in_project(project: &Project) -> Vec<Suppression> {
    let mut out = Vec::new();
    for (id, file) in project.sources.iter() {
        if !crate::facts::in_compose_file(
            project,
            Span {
                file: id,
                start: 0,
                end: 0,
            },
        ) {
            continue;
        }
        comments(id, &file.text, &mut out);
    }
    extension(&project.tree, &[], &mut out);
    for s in project.services() {
        extension(s.value, &[s.name.to_string()], &mut out);
    }
    out
}

/// The marker a suppression comment starts with, after `#` and spaces.
const MARKER: &str = "berth: ignore[";

fn comments(file: FileId, text: &str, out: &mut Vec<Suppression>) {
    let mut offset = 0usize;
    for (i, line) in text.split_inclusive('\n').enumerate() {
        let start = offset;
        offset += line.len();
        let Some(hash) = comment_start(line) else {
            continue;
        };
        let comment = line[hash + 1..].trim_start();
        let Some(rest) = comment.strip_prefix(MARKER) else {
            continue;
        };
        // Without its `]`, the comment names no rule: kept, to be reported.
        let (codes, reason) = rest.split_once(']').unwrap_or(("", ""));
        let alone = line[..hash].trim().is_empty();
        let n = i + 1;
        let lines = if alone { (n + 1, n + 1) } else { (n, n) };
        let reason = reason.trim();
        let at = |n: usize| u32::try_from(n).unwrap_or(u32::MAX);
        out.push(Suppression {
            origin: Origin::Comment,
            rules: codes
                .split(',')
                .map(str::trim)
                .filter(|c| !c.is_empty())
                .map(str::to_string)
                .collect(),
            services: Vec::new(),
            files: Vec::new(),
            lines: Some((file, lines.0, lines.1)),
            reason: (!reason.is_empty()).then(|| reason.to_string()),
            span: Span {
                file,
                start: at(start + hash),
                end: at(start + line.trim_end().len()),
            },
        });
    }
}

/// Where a YAML comment starts on a line: a `#` at its start or after a space, outside
/// quotes.
fn comment_start(line: &str) -> Option<usize> {
    let mut quote: Option<char> = None;
    let mut prev = ' ';
    for (i, c) in line.char_indices() {
        match quote {
            Some(q) if c == q => quote = None,
            Some(_) => {}
            None if (c == '\'' || c == '"')
                && (prev.is_whitespace() || matches!(prev, ':' | '[' | '{' | ',' | '-')) =>
            {
                quote = Some(c);
            }
            None if c == '#' && prev.is_whitespace() => return Some(i),
            None => {}
        }
        prev = c;
    }
    None
}

fn extension(v: &Value, services: &[String], out: &mut Vec<Suppression>) {
    let Some(map) = v.path(&["x-berth", "ignore"]).and_then(Value::as_map) else {
        return;
    };
    for (key, reason) in map.iter() {
        let reason = reason.scalar_to_string().filter(|r| !r.trim().is_empty());
        out.push(Suppression {
            origin: Origin::Extension,
            rules: vec![key.name.clone()],
            services: services.to_vec(),
            files: Vec::new(),
            lines: None,
            reason,
            span: key.span,
        });
    }
}

impl Suppression {
    /// Whether it covers finding `f` of `project` (whatever its reason).
    #[must_use]
    pub fn covers(&self, project: &Project, f: &Finding) -> bool {
        let Some(rule) = f.diagnostic.code.as_deref().and_then(crate::rule) else {
            return false;
        };
        if !self.rules.iter().any(|s| crate::config::matches(s, rule)) {
            return false;
        }
        if !self.services.is_empty()
            && !f
                .service
                .as_ref()
                .is_some_and(|s| self.services.contains(s))
        {
            return false;
        }
        let span = f.diagnostic.primary_span();
        if !self.files.is_empty() {
            let Some(path) = span.and_then(|s| project.sources.path(s.file)) else {
                return false;
            };
            let relative = crate::output::display_path(project, path);
            let name = path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            if !self.files.iter().any(|f| *f == relative || *f == name) {
                return false;
            }
        }
        if let Some((file, first, last)) = self.lines {
            let Some(span) = span.filter(|s| s.file == file) else {
                return false;
            };
            let Some(source) = project.sources.get(file) else {
                return false;
            };
            let (line, _) = source.line_col(span.start);
            if line < first || line > last {
                return false;
            }
        }
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn comments_cover_their_line_or_the_next() {
        let text = "services:\n  # berth: ignore[B706, B707] the agent needs it\n  agent:\n    privileged: true # berth: ignore[B706]\n    image: \"a#b\" # not one\n    user: root # berth: ignore[B708 forgot the bracket\n";
        let mut out = Vec::new();
        comments(FileId::SYNTHETIC, text, &mut out);
        assert_eq!(out.len(), 3);
        assert!(out[2].rules.is_empty() && out[2].reason.is_none());
        assert_eq!(out[0].rules, ["B706", "B707"]);
        assert_eq!(out[0].lines.map(|l| (l.1, l.2)), Some((3, 3)));
        assert_eq!(out[0].reason.as_deref(), Some("the agent needs it"));
        assert_eq!(out[1].lines.map(|l| (l.1, l.2)), Some((4, 4)));
        assert_eq!(out[1].reason, None);
        let s = out[1].span;
        assert_eq!(
            &text[s.start as usize..s.end as usize],
            "# berth: ignore[B706]"
        );
    }

    #[test]
    fn a_hash_inside_quotes_or_a_word_is_no_comment() {
        assert_eq!(comment_start("a: 'x # y'"), None);
        assert_eq!(comment_start("a: b#c"), None);
        assert_eq!(comment_start("a: b # c"), Some(5));
        assert_eq!(comment_start("# c"), Some(0));
    }
}
