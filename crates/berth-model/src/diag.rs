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
    #[must_use]
    pub fn render(&self, sources: &SourceMap) -> String {
        let mut out = String::new();
        match &self.code {
            Some(code) => {
                let _ = writeln!(out, "{}[{code}]: {}", self.severity.as_str(), self.message);
            }
            None => {
                let _ = writeln!(out, "{}: {}", self.severity.as_str(), self.message);
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
            let _ = writeln!(out, "{pad} |");
            let _ = writeln!(out, "{line} | {text}");
            let (end_line, end_col) = file.line_col(label.span.end.max(label.span.start));
            let width = if end_line == line && end_col > col {
                end_col - col
            } else {
                1
            };
            let lead: String = text
                .chars()
                .take(col.saturating_sub(1))
                .map(|c| if c == '\t' { '\t' } else { ' ' })
                .collect();
            let carets = "^".repeat(
                width
                    .min(text.chars().count().saturating_sub(col - 1))
                    .max(1),
            );
            if label.message.is_empty() {
                let _ = writeln!(out, "{pad} | {lead}{carets}");
            } else {
                let _ = writeln!(out, "{pad} | {lead}{carets} {}", label.message);
            }
        }
        for note in &self.notes {
            let _ = writeln!(out, "  = {note}");
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;

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
