//! One diagnostic type for load errors, validation errors, warnings and audit findings, and
//! its rustc-like text rendering with the source line and a caret.

use std::fmt::Write as _;

use crate::source::{SourceMap, Span};

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    Info,
    Warning,
    Error,
}

impl Severity {
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

/// A span with a short message shown under the caret.
#[derive(Clone, Debug)]
pub struct Label {
    pub span: Span,
    pub message: String,
}

#[derive(Clone, Debug)]
pub struct Diagnostic {
    pub severity: Severity,
    /// Stable rule code for audit findings; `None` for load errors.
    pub code: Option<String>,
    pub message: String,
    /// The first label is the primary location.
    pub labels: Vec<Label>,
    pub notes: Vec<String>,
}

impl Diagnostic {
    #[must_use]
    pub fn error(message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            severity: Severity::Error,
            code: None,
            message: message.into(),
            labels: Vec::new(),
            notes: Vec::new(),
        }
    }

    #[must_use]
    pub fn warning(message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            severity: Severity::Warning,
            ..Diagnostic::error(message)
        }
    }

    /// Adds a label; synthetic spans (values no file wrote) are skipped.
    #[must_use]
    pub fn with_label(mut self, span: Span, message: impl Into<String>) -> Diagnostic {
        if !span.is_synthetic() {
            self.labels.push(Label {
                span,
                message: message.into(),
            });
        }
        self
    }

    #[must_use]
    pub fn with_note(mut self, note: impl Into<String>) -> Diagnostic {
        self.notes.push(note.into());
        self
    }

    #[must_use]
    pub fn primary_span(&self) -> Option<Span> {
        self.labels.first().map(|l| l.span)
    }

    /// Renders the diagnostic like rustc: headline, location, source line, caret, notes.
    /// Credentials in the source line are masked ([`crate::redact`]); the location still
    /// names the line and column.
    /// Control characters, from the project or its files, are written as `\x1b`: nothing a
    /// file holds reaches the terminal as a command.
    #[must_use]
    pub fn render(&self, sources: &SourceMap) -> String {
        let mut out = String::new();
        let message = visible(&self.message);
        match &self.code {
            Some(code) => {
                let _ = writeln!(out, "{}[{code}]: {message}", self.severity.as_str());
            }
            None => {
                let _ = writeln!(out, "{}: {message}", self.severity.as_str());
            }
        }
        for label in &self.labels {
            let Some(file) = sources.get(label.span.file) else {
                continue;
            };
            let (line, col) = file.line_col(label.span.start);
            let text = file.line_text(line);
            let gutter = line.to_string().len();
            let pad = " ".repeat(gutter);
            let _ = writeln!(out, "{pad}--> {}:{line}:{col}", file.path.display());
            if !file.quoted {
                // Named, not quoted: the file may hold secrets.
                if !label.message.is_empty() {
                    let _ = writeln!(out, "{pad} = {}", visible(&label.message));
                }
                let _ = writeln!(out, "{pad} = (the file's content is not shown)");
                continue;
            }
            // The line as shown: its credentials masked, the columns moved to match.
            let original = text;
            let masked = crate::redact::mask(original);
            let text: &str = &masked.text;
            let shown_col = |col: usize| {
                let at = original
                    .char_indices()
                    .nth(col.saturating_sub(1))
                    .map_or(original.len(), |(i, _)| i);
                let at = masked.position(at);
                text.get(..at).map_or(col, |t| t.chars().count() + 1)
            };
            let _ = writeln!(out, "{pad} |");
            let _ = writeln!(out, "{line} | {}", visible(text));
            let (end_line, end_col) = file.line_col(label.span.end.max(label.span.start));
            let (col, end_col) = (shown_col(col), shown_col(end_col));
            let width = if end_line == line && end_col > col {
                end_col - col
            } else {
                1
            };
            let lead: String = text
                .chars()
                .take(col.saturating_sub(1))
                .map(|c| {
                    if c == '\t' {
                        "\t".to_string()
                    } else {
                        " ".repeat(shown_width(c))
                    }
                })
                .collect();
            let carets = "^".repeat(
                text.chars()
                    .skip(col.saturating_sub(1))
                    .take(width)
                    .map(shown_width)
                    .sum::<usize>()
                    .max(1),
            );
            if label.message.is_empty() {
                let _ = writeln!(out, "{pad} | {lead}{carets}");
            } else {
                let _ = writeln!(out, "{pad} | {lead}{carets} {}", visible(&label.message));
            }
        }
        for note in &self.notes {
            let _ = writeln!(out, "  = {}", visible(note));
        }
        out
    }
}

/// How wide `c` is once [`visible`]: `\x1b` for a control character.
fn shown_width(c: char) -> usize {
    if c.is_control() && c != '\t' {
        4
    } else {
        1
    }
}

/// `s` with its control characters (but tab and newline) written as `\x1b`, as Docker Compose
/// writes them, so that a value cannot drive the terminal it is shown on.
#[must_use]
pub fn visible(s: &str) -> std::borrow::Cow<'_, str> {
    if !s.chars().any(|c| c.is_control() && c != '\t' && c != '\n') {
        return std::borrow::Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if c.is_control() && c != '\t' && c != '\n' {
            let _ = write!(out, "\\x{:02x}", u32::from(c));
        } else {
            out.push(c);
        }
    }
    std::borrow::Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;

    /// Issue 17, item 6: a value holding ESC reached the terminal from error messages.
    #[test]
    fn control_characters_are_shown_not_sent() {
        let mut sources = SourceMap::default();
        let id = sources.add("/p/compose.yaml".into(), Arc::from("a: \"x\u{1b}[31my\"\n"));
        let d = Diagnostic::error("bad value x\u{1b}[31my")
            .with_label(Span::new(id, 3, 11), "here\u{7}");
        let text = d.render(&sources);
        assert!(
            !text.contains('\u{1b}') && !text.contains('\u{7}'),
            "{text:?}"
        );
        assert!(text.starts_with("error: bad value x\\x1b[31my\n"), "{text}");
        assert!(text.contains("1 | a: \"x\\x1b[31my\"\n"), "{text}");
        // The carets still cover the value, escapes included.
        assert!(text.contains("  |    ^^^^^^^^^^^ here\\x07\n"), "{text}");
    }

    /// Issue 17, item 4: an error in a file that is not a Compose file (a private key given to
    /// `include`, or an env file) quoted its first line.
    #[test]
    fn an_unquoted_file_is_named_not_shown() {
        let mut sources = SourceMap::default();
        let id = sources.add_unquoted(
            "/p/id_key".into(),
            Arc::from("-----BEGIN OPENSSH PRIVATE KEY-----\nsecret\n"),
        );
        let d = Diagnostic::error("key cannot contain a space")
            .with_label(Span::new(id, 0, 35), "in this line");
        assert_eq!(
            d.render(&sources),
            "error: key cannot contain a space\n --> /p/id_key:1:1\n  = in this line\n  = (the file's content is not shown)\n"
        );
    }

    #[test]
    fn renders_source_line_and_caret() {
        let mut sources = SourceMap::default();
        let id = sources.add(
            "/p/compose.yaml".into(),
            Arc::from("services:\n  a:\n    imgae: x\n"),
        );
        let d = Diagnostic::error("services.a additional properties 'imgae' not allowed")
            .with_label(Span::new(id, 19, 24), "unknown attribute")
            .with_note("did you mean `image`?");
        let text = d.render(&sources);
        assert_eq!(
            text,
            "error: services.a additional properties 'imgae' not allowed\n \
             --> /p/compose.yaml:3:5\n  |\n3 |     imgae: x\n  |     ^^^^^ unknown attribute\n  \
             = did you mean `image`?\n"
        );
    }
}
