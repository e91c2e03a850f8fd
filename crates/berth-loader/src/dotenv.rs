//! The dotenv grammar of compose-go (`dotenv/parser.go`), used for `.env`, `--env-file`,
//! `env_file`, `label_file` and include `env_file`.
//!
//! Keys may contain letters, digits and `_ . - [ ]`; `=` or `:` separates key and value;
//! unquoted values end at ` #`; single quotes are raw; double quotes expand `\n`-style escapes;
//! unquoted and double-quoted values are interpolated, looking up first `lookup` and then the
//! values defined earlier in the same file.

use berth_model::{Diagnostic, FileId, Span};
use indexmap::IndexMap;

use crate::template::{substitute, TemplateError};

/// Parses dotenv text; `lookup` supplies variables from outside the file.
///
/// # Errors
/// Invalid key characters, spaces in keys, unterminated quotes and interpolation errors, with
/// the span of the offending line.
pub fn parse(
    file: FileId,
    text: &str,
    lookup: &dyn Fn(&str) -> Option<String>,
) -> Result<IndexMap<String, String>, Diagnostic> {
    parse_noting_unset(file, text, lookup, &mut Vec::new())
}

/// [`parse`], noting in `unset` each variable a value uses that is set nowhere, with the
/// value's span (Docker Compose warns of them as of those in compose files).
///
/// # Errors
/// As [`parse`].
pub fn parse_noting_unset(
    file: FileId,
    text: &str,
    lookup: &dyn Fn(&str) -> Option<String>,
    unset: &mut Vec<(String, Span)>,
) -> Result<IndexMap<String, String>, Diagnostic> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut out: IndexMap<String, String> = IndexMap::new();
    let mut pos = 0usize;
    let b = text.as_bytes();
    let line_span = |start: usize| {
        let end = text[start..].find('\n').map_or(text.len(), |n| start + n);
        Span::new(file, start, end)
    };
    loop {
        // Skip blanks, line breaks and comment lines.
        loop {
            while pos < b.len() && (is_space_byte(b[pos]) || b[pos] == b'\n') {
                pos += 1;
            }
            if pos < b.len() && b[pos] == b'#' {
                pos = text[pos..].find('\n').map_or(b.len(), |n| pos + n);
                continue;
            }
            break;
        }
        if pos >= b.len() {
            break;
        }
        let stmt = pos;
        if let Some(rest) = text[pos..].strip_prefix("export") {
            if rest.starts_with([' ', '\t']) {
                pos += "export".len();
                while pos < b.len() && is_space_byte(b[pos]) {
                    pos += 1;
                }
            }
        }
        // Key up to `=`, `:` or end of line.
        let key_start = pos;
        let mut sep = None;
        for (off, c) in text[pos..].char_indices() {
            match c {
                '=' | ':' | '\n' => {
                    sep = Some((pos + off, c));
                    break;
                }
                '_' | '.' | '-' | '[' | ']' => {}
                c if c.is_alphanumeric() || is_space(c) => {}
                c => {
                    let line = text[key_start..].split('\n').next().unwrap_or("");
                    return Err(Diagnostic::error(format!(
                        "unexpected character {c:?} in variable name {line:?}"
                    ))
                    .with_label(
                        Span::new(file, pos + off, pos + off + c.len_utf8()),
                        "not allowed in a variable name",
                    ));
                }
            }
        }
        let (key_end, sepc) = sep.unwrap_or((b.len(), '\n'));
        let key = text[key_start..key_end].trim_end_matches(|c: char| c.is_whitespace());
        if key.contains(' ') {
            return Err(Diagnostic::error("key cannot contain a space")
                .with_label(line_span(stmt), "in this line"));
        }
        if sepc == '\n' {
            // A bare key inherits its value from the environment, if set there.
            if !key.is_empty() {
                if let Some(v) = lookup(key) {
                    out.insert(key.to_string(), v);
                }
            }
            pos = key_end;
            continue;
        }
        pos = key_end + 1;
        while pos < b.len() && is_space_byte(b[pos]) {
            pos += 1;
        }
        let lookup_all = |name: &str| lookup(name).or_else(|| out.get(name).cloned());
        let (value, next) = if let Some(&q @ (b'"' | b'\'')) = b.get(pos) {
            let mut chars = String::new();
            let mut escape = false;
            let mut end = None;
            for (off, c) in text[pos + 1..].char_indices() {
                if c as u32 != u32::from(q) {
                    if !escape && c == '\\' {
                        escape = true;
                        continue;
                    }
                    if escape {
                        escape = false;
                        chars.push('\\');
                    }
                    chars.push(c);
                    continue;
                }
                if escape {
                    escape = false;
                    chars.push(c);
                    continue;
                }
                end = Some(pos + 1 + off);
                break;
            }
            let Some(end) = end else {
                let line = text[pos..].split('\n').next().unwrap_or("");
                return Err(
                    Diagnostic::error(format!("unterminated quoted value {line}"))
                        .with_label(line_span(pos), "the quote opened here is never closed"),
                );
            };
            let value = if q == b'"' {
                interpolate(
                    &expand_escapes(&chars),
                    &lookup_all,
                    Span::new(file, stmt, end + 1),
                    unset,
                )?
            } else {
                chars
            };
            (value, end + 1)
        } else {
            let end = text[pos..].find('\n').map_or(b.len(), |n| pos + n);
            let mut raw = &text[pos..end];
            if let Some(i) = raw.find(" #") {
                raw = &raw[..i];
            }
            let raw = raw.trim_end();
            (
                interpolate(raw, &lookup_all, Span::new(file, stmt, end), unset)?,
                end,
            )
        };
        out.insert(key.to_string(), value);
        pos = next;
    }
    Ok(out)
}

fn interpolate(
    raw: &str,
    lookup: &dyn Fn(&str) -> Option<String>,
    span: Span,
    unset: &mut Vec<(String, Span)>,
) -> Result<String, Diagnostic> {
    substitute(raw, lookup)
        .map(|s| {
            unset.extend(s.unset.into_iter().map(|name| (name, span)));
            s.value
        })
        .map_err(|e| {
            let msg = match e {
                TemplateError::Invalid { template } => {
                    format!("invalid interpolation format: {template}")
                }
                e @ (TemplateError::Required { .. } | TemplateError::TooLong { .. }) => {
                    e.to_string()
                }
            };
            Diagnostic::error(msg).with_label(span, "in this value")
        })
}

/// Go's `unicode.IsSpace`-like set used by the dotenv parser, without the line feed.
fn is_space(c: char) -> bool {
    matches!(
        c,
        '\t' | '\u{b}' | '\u{c}' | '\r' | ' ' | '\u{85}' | '\u{a0}'
    )
}

fn is_space_byte(c: u8) -> bool {
    matches!(c, b'\t' | 0x0b | 0x0c | b'\r' | b' ')
}

/// Expands shell escapes of a double-quoted value; `\$` stays a literal dollar.
fn expand_escapes(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.peek().copied() {
            Some('n') => out.push('\n'),
            Some('r') => out.push('\r'),
            Some('t') => out.push('\t'),
            Some('a') => out.push('\u{7}'),
            Some('b') => out.push('\u{8}'),
            Some('f') => out.push('\u{c}'),
            Some('v') => out.push('\u{b}'),
            Some('\\') => out.push('\\'),
            Some('$') => out.push_str("$$"),
            Some(other) => {
                out.push('\\');
                out.push(other);
            }
            None => {
                out.push('\\');
                continue;
            }
        }
        chars.next();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_str(text: &str) -> IndexMap<String, String> {
        parse(FileId(0), text, &|k| {
            (k == "HOME").then(|| "/root".to_string())
        })
        .expect("parses")
    }

    #[test]
    fn grammar_matches_the_reference() {
        let text = "# comment\nexport EXP=1\nA=\"q\\$HOME x\\n y\\c \\\\z\"\nB='single $HOME \\' z'\nC=unq #comment\nD=a#b\nE:colon\nF = spaced  \nG=\"multi\nline\"\nH=${C}-$D\nI=\"${UNDEF:-dflt}\"\n1NUM=x\nJ=  lead\nK=\"x\" # trailing\nL=\"\\101\"\nHOME\nNOPE\n";
        let env = parse_str(text);
        let get = |k: &str| env.get(k).map(String::as_str);
        assert_eq!(get("EXP"), Some("1"));
        assert_eq!(get("A"), Some("q$HOME x\n y\\c \\z"));
        assert_eq!(get("B"), Some("single $HOME ' z"));
        assert_eq!(get("C"), Some("unq"));
        assert_eq!(get("D"), Some("a#b"));
        assert_eq!(get("E"), Some("colon"));
        assert_eq!(get("F"), Some("spaced"));
        assert_eq!(get("G"), Some("multi\nline"));
        assert_eq!(get("H"), Some("unq-a#b"));
        assert_eq!(get("I"), Some("dflt"));
        assert_eq!(get("1NUM"), Some("x"));
        assert_eq!(get("J"), Some("lead"));
        assert_eq!(get("K"), Some("x"));
        assert_eq!(get("L"), Some("\\101"));
        assert_eq!(get("HOME"), Some("/root"));
        assert_eq!(get("NOPE"), None);
    }

    #[test]
    fn errors_name_the_line() {
        let err = parse(FileId(0), "A B=1\n", &|_| None).unwrap_err();
        assert_eq!(err.message, "key cannot contain a space");
        let err = parse(FileId(0), "A!=1\n", &|_| None).unwrap_err();
        assert!(err.message.starts_with("unexpected character '!'"));
        let err = parse(FileId(0), "A=\"open\n", &|_| None).unwrap_err();
        assert!(err.message.starts_with("unterminated quoted value"));
    }
}
