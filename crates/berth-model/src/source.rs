//! Source files and byte spans.
//!
//! Spans store byte offsets only; line and column are computed on demand from a per-file line
//! index, so keeping provenance on every value costs twelve bytes.

use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Index of a file in a [`SourceMap`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FileId(pub u32);

impl FileId {
    /// The id used by values Berth made itself (defaults, normalization).
    pub const SYNTHETIC: FileId = FileId(u32::MAX);
}

/// A byte range in one source file.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Span {
    pub file: FileId,
    pub start: u32,
    pub end: u32,
}

impl Span {
    /// The span of values that no file wrote (defaults added by normalization).
    pub const SYNTHETIC: Span = Span {
        file: FileId::SYNTHETIC,
        start: 0,
        end: 0,
    };

    #[must_use]
    pub fn new(file: FileId, start: usize, end: usize) -> Span {
        let clamp = |n: usize| u32::try_from(n).unwrap_or(u32::MAX);
        Span {
            file,
            start: clamp(start),
            end: clamp(end),
        }
    }

    #[must_use]
    pub fn is_synthetic(&self) -> bool {
        self.file == FileId::SYNTHETIC
    }
}

/// One file's text and its line index.
#[derive(Debug)]
pub struct SourceFile {
    /// Absolute path, or `-` for standard input.
    pub path: PathBuf,
    pub text: Arc<str>,
    /// Whether diagnostics may quote its lines: not for an env file, nor for a file used as
    /// a Compose file that is not one (a private key given to `include`), which may hold
    /// secrets. Its errors name the file and position only.
    pub quoted: bool,
    line_starts: Vec<u32>,
}

impl SourceFile {
    #[must_use]
    pub fn new(path: PathBuf, text: Arc<str>) -> SourceFile {
        let mut line_starts = vec![0u32];
        for (i, b) in text.bytes().enumerate() {
            if b == b'\n' {
                line_starts.push(u32::try_from(i + 1).unwrap_or(u32::MAX));
            }
        }
        SourceFile {
            path,
            text,
            quoted: true,
            line_starts,
        }
    }

    /// 1-based line and column (in characters) of a byte offset.
    #[must_use]
    pub fn line_col(&self, offset: u32) -> (usize, usize) {
        let line = match self.line_starts.binary_search(&offset) {
            Ok(i) => i,
            Err(i) => i.saturating_sub(1),
        };
        let start = self.line_starts.get(line).copied().unwrap_or(0) as usize;
        let end = (offset as usize).min(self.text.len());
        let col = self.text.get(start..end).map_or(0, |s| s.chars().count());
        (line + 1, col + 1)
    }

    /// The text of a 1-based line, without its line break.
    #[must_use]
    pub fn line_text(&self, line: usize) -> &str {
        let Some(&start) = self.line_starts.get(line.wrapping_sub(1)) else {
            return "";
        };
        let end = self
            .line_starts
            .get(line)
            .map_or(self.text.len(), |&e| e as usize);
        self.text
            .get(start as usize..end)
            .unwrap_or("")
            .trim_end_matches(['\n', '\r'])
    }
}

/// Every source file the loader read (compose files, env files), indexed by [`FileId`].
#[derive(Debug, Default)]
pub struct SourceMap {
    files: Vec<SourceFile>,
}

impl SourceMap {
    pub fn add(&mut self, path: PathBuf, text: Arc<str>) -> FileId {
        let id = FileId(u32::try_from(self.files.len()).unwrap_or(u32::MAX - 1));
        self.files.push(SourceFile::new(path, text));
        id
    }

    /// Adds a file whose lines diagnostics do not quote (an env file).
    pub fn add_unquoted(&mut self, path: PathBuf, text: Arc<str>) -> FileId {
        let id = self.add(path, text);
        self.unquote(id);
        id
    }

    /// From now on, diagnostics do not quote the lines of file `id`.
    pub fn unquote(&mut self, id: FileId) {
        if let Some(f) = self.files.get_mut(id.0 as usize) {
            f.quoted = false;
        }
    }

    #[must_use]
    pub fn get(&self, id: FileId) -> Option<&SourceFile> {
        self.files.get(id.0 as usize)
    }

    #[must_use]
    pub fn path(&self, id: FileId) -> Option<&Path> {
        self.get(id).map(|f| f.path.as_path())
    }

    /// `file:line:col` of a span's start, or `None` for synthetic spans.
    #[must_use]
    pub fn location(&self, span: Span) -> Option<String> {
        let file = self.get(span.file)?;
        let (line, col) = file.line_col(span.start);
        Some(format!("{}:{line}:{col}", file.path.display()))
    }

    pub fn iter(&self) -> impl Iterator<Item = (FileId, &SourceFile)> {
        self.files
            .iter()
            .enumerate()
            .map(|(i, f)| (FileId(u32::try_from(i).unwrap_or(u32::MAX - 1)), f))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_col_counts_characters() {
        let f = SourceFile::new("x".into(), Arc::from("ab\nüc: d\n"));
        assert_eq!(f.line_col(0), (1, 1));
        assert_eq!(f.line_col(3), (2, 1));
        // 'c' comes after the two-byte 'ü'
        assert_eq!(f.line_col(5), (2, 2));
        assert_eq!(f.line_text(2), "üc: d");
        assert_eq!(f.line_text(9), "");
    }
}
