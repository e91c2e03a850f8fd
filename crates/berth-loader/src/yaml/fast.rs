//! A fast parser for the YAML that Compose files are usually made of, producing the same raw
//! tree as the general parser.
//!
//! It reads block mappings and sequences, single-line plain and quoted scalars, single-line flow
//! collections, comments, anchors and aliases: the shape of nearly every Compose file. Anything
//! else (block scalars, tags, multi-line scalars or flow collections, several documents,
//! directives, tabs, non-ASCII text, complex keys, empty sequence entries, and every syntax
//! error) makes it give up, and the caller parses the file with the general parser instead. It
//! never accepts a text the general parser rejects, and where it accepts one, its tree is the
//! general parser's to the byte offset of every span: tests compare the two on every file of the
//! test suite and on mutations of them, and a fuzz target does the same.

use std::collections::HashMap;
use std::rc::Rc;

use berth_model::{FileId, Span};
use granit_parser::ScalarStyle;

use super::{last_end, Raw, RawKind};

/// Longest implicit key the fast parser reads (YAML's limit is 1024 characters).
const MAX_KEY: usize = 1000;

/// `None` means "not in the fast subset": parse with the general parser.
type Fast<T> = Option<T>;

/// Parses `text` if it lies in the fast subset.
pub(super) fn parse(file: FileId, text: &str) -> Fast<Vec<Option<Raw>>> {
    let bytes = text.as_bytes();
    // Tabs, carriage returns, control characters and non-ASCII text (including a byte order
    // mark) have rules of their own: leave them to the general parser.
    if bytes.iter().any(|&b| b >= 0x7f || (b < 0x20 && b != b'\n')) {
        return None;
    }
    let mut p = P {
        t: bytes,
        pos: 0,
        file,
        anchors: HashMap::new(),
        open: Vec::new(),
    };
    p.skip_blank_lines();
    if p.eof() {
        return None;
    }
    let root = p.block_node(p.indent())?;
    p.skip_blank_lines();
    if !p.eof() {
        return None;
    }
    Some(vec![Some(root)])
}

struct P<'a> {
    t: &'a [u8],
    /// Current byte offset.
    pos: usize,
    file: FileId,
    anchors: HashMap<&'a str, Rc<Raw>>,
    /// Anchors of collections still open.
    open: Vec<&'a str>,
}

fn is_flow_indicator(b: u8) -> bool {
    matches!(b, b',' | b'[' | b']' | b'{' | b'}')
}

impl<'a> P<'a> {
    fn eof(&self) -> bool {
        self.pos >= self.t.len()
    }

    fn at(&self, i: usize) -> u8 {
        self.t.get(i).copied().unwrap_or(b'\n')
    }

    fn cur(&self) -> u8 {
        self.at(self.pos)
    }

    fn span(&self, start: usize, end: usize) -> Span {
        Span::new(self.file, start, end)
    }

    fn str(&self, start: usize, end: usize) -> &'a str {
        // The text is ASCII (checked on entry), so every offset is a char boundary.
        std::str::from_utf8(&self.t[start..end]).unwrap_or_default()
    }

    fn line_start(&self) -> usize {
        self.t[..self.pos]
            .iter()
            .rposition(|&b| b == b'\n')
            .map_or(0, |i| i + 1)
    }

    /// Column of the current position.
    fn column(&self) -> usize {
        self.pos - self.line_start()
    }

    /// Indentation of the line at the current position (which is at a line start).
    fn indent(&self) -> usize {
        self.t[self.pos..]
            .iter()
            .take_while(|&&b| b == b' ')
            .count()
    }

    /// From a line start, skips lines that are empty, blank or only a comment. Fails on document
    /// markers and directives, which the fast subset leaves out.
    fn skip_blank_lines(&mut self) {
        loop {
            let ind = self.indent();
            let b = self.at(self.pos + ind);
            if self.pos + ind >= self.t.len() {
                self.pos = self.t.len();
                return;
            }
            if b == b'\n' || b == b'#' {
                match memchr(b'\n', &self.t[self.pos..]) {
                    Some(i) => self.pos += i + 1,
                    None => self.pos = self.t.len(),
                }
                continue;
            }
            return;
        }
    }

    fn skip_spaces(&mut self) {
        while self.cur() == b' ' && !self.eof() {
            self.pos += 1;
        }
    }

    /// After a value on a line: spaces, then an optional comment, then the end of the line.
    /// Moves to the next line that has content.
    fn end_of_line(&mut self) -> Fast<()> {
        let before = self.pos;
        self.skip_spaces();
        match self.cur() {
            b'\n' => {}
            b'#' if self.pos > before => {}
            _ => return None,
        }
        match memchr(b'\n', &self.t[self.pos..]) {
            Some(i) => self.pos += i + 1,
            None => self.pos = self.t.len(),
        }
        self.skip_blank_lines();
        Some(())
    }

    /// Whether the rest of the line from the current position is blank or a comment.
    fn rest_is_empty(&self) -> bool {
        let mut i = self.pos;
        while self.at(i) == b' ' && i < self.t.len() {
            i += 1;
        }
        self.at(i) == b'\n' || (self.at(i) == b'#' && i > self.pos)
    }

    /// Whether the current line (at a line start, indent `ind`) is a sequence entry.
    fn is_entry_at(&self, ind: usize) -> bool {
        self.at(self.pos + ind) == b'-' && matches!(self.at(self.pos + ind + 1), b' ' | b'\n')
    }

    /// A block node whose first line starts at the current line start with indentation `ind`.
    fn block_node(&mut self, ind: usize) -> Fast<Raw> {
        if self.is_entry_at(ind) {
            self.pos += ind;
            self.block_seq(ind, false)
        } else {
            self.pos += ind;
            self.block_map(ind)
        }
    }

    /// A block sequence whose first `-` is at the current position, column `n`. An
    /// `indentless` sequence (a mapping value whose `-` are in the key's column) starts, as the
    /// general parser sees it, at its first entry's content rather than at its first `-`.
    fn block_seq(&mut self, n: usize, indentless: bool) -> Fast<Raw> {
        let mut start = self.pos;
        let mut items = Vec::new();
        loop {
            // At a `-` followed by a space.
            if self.at(self.pos + 1) != b' ' {
                return None;
            }
            self.pos += 1;
            self.skip_spaces();
            if self.rest_is_empty() {
                return None;
            }
            if indentless && items.is_empty() {
                if self.cur() == b'&' {
                    return None;
                }
                start = self.pos;
            }
            items.push(self.entry_content()?);
            if self.eof() {
                break;
            }
            let ind = self.indent();
            if ind > n {
                return None;
            }
            if ind < n || !self.is_entry_at(ind) {
                break;
            }
            self.pos += ind;
        }
        let kind = RawKind::Seq(items);
        let end = last_end(&kind).unwrap_or(start).max(start);
        Some(Raw {
            kind,
            tag: None,
            span: self.span(start, end),
        })
    }

    /// What follows `- ` on a line: a scalar, flow collection or alias, or a compact mapping.
    /// Leaves the position at the next line with content.
    fn entry_content(&mut self) -> Fast<Raw> {
        let col = self.column();
        match self.cur() {
            b'[' | b'{' | b'*' | b'&' => {
                let v = self.inline_node()?;
                self.end_of_line()?;
                Some(v)
            }
            b'\'' | b'"' => {
                let save = self.pos;
                let v = self.quoted()?;
                if self.cur() == b':' && matches!(self.at(self.pos + 1), b' ' | b'\n') {
                    self.pos = save;
                    return self.block_map(col);
                }
                self.end_of_line()?;
                Some(v)
            }
            _ => {
                if self.plain_has_key_indicator() {
                    return self.block_map(col);
                }
                let v = self.inline_node()?;
                self.end_of_line()?;
                Some(v)
            }
        }
    }

    /// Whether the plain text from the current position holds a `: ` (so it is a mapping key).
    fn plain_has_key_indicator(&self) -> bool {
        let mut i = self.pos;
        while self.at(i) != b'\n' {
            let b = self.at(i);
            if b == b':' && matches!(self.at(i + 1), b' ' | b'\n') {
                return true;
            }
            if b == b'#' && i > self.pos && self.at(i - 1) == b' ' {
                return false;
            }
            i += 1;
        }
        false
    }

    /// A block mapping whose first key is at the current position, column `n`.
    fn block_map(&mut self, n: usize) -> Fast<Raw> {
        let start = self.pos;
        let mut pairs = Vec::new();
        loop {
            let key = self.key()?;
            let colon = self.pos;
            self.pos += 1;
            let value = self.map_value(n, colon)?;
            pairs.push((key, value));
            if self.eof() {
                break;
            }
            let ind = self.indent();
            if ind > n {
                return None;
            }
            if ind < n || self.is_entry_at(ind) {
                break;
            }
            self.pos += ind;
        }
        let kind = RawKind::Map(pairs);
        let end = last_end(&kind).unwrap_or(start).max(start);
        Some(Raw {
            kind,
            tag: None,
            span: self.span(start, end),
        })
    }

    /// A block mapping key, plain or quoted, up to the `:` it is followed by.
    fn key(&mut self) -> Fast<Raw> {
        let start = self.pos;
        let key = match self.cur() {
            b'\'' | b'"' => self.quoted()?,
            b => {
                if is_indicator(b) {
                    return None;
                }
                let mut i = self.pos;
                loop {
                    match self.at(i) {
                        b'\n' | b' ' => return None,
                        b':' if matches!(self.at(i + 1), b' ' | b'\n') => break,
                        _ => i += 1,
                    }
                }
                self.pos = i;
                Raw {
                    kind: RawKind::Scalar(self.str(start, i).to_string(), ScalarStyle::Plain),
                    tag: None,
                    span: self.span(start, i),
                }
            }
        };
        if self.cur() != b':' || !matches!(self.at(self.pos + 1), b' ' | b'\n') {
            return None;
        }
        // YAML limits implicit keys to 1024 characters; leave long ones to the general parser.
        if self.pos - start > MAX_KEY {
            return None;
        }
        Some(key)
    }

    /// The value of a block mapping entry whose key is at column `n`, the position just after
    /// the `:` at `colon`.
    fn map_value(&mut self, n: usize, colon: usize) -> Fast<Raw> {
        self.skip_spaces();
        let mut anchor = None;
        if self.cur() == b'&' {
            let (name, after) = self.anchor_name(self.pos + 1)?;
            let at_anchor = self.pos;
            self.pos = after;
            if self.rest_is_empty() {
                anchor = Some(name);
            } else {
                // An anchored value on this line: inline_node reads it from the `&`.
                self.pos = at_anchor;
            }
        }
        if !self.rest_is_empty() {
            let v = self.inline_node()?;
            self.end_of_line()?;
            if !self.eof() && self.indent() > n {
                return None;
            }
            return Some(v);
        }
        // Nothing more on this line: a nested block, or an empty (null) value.
        self.end_of_line()?;
        let nested = !self.eof() && {
            let ind = self.indent();
            ind > n || (ind == n && self.is_entry_at(ind))
        };
        if !nested {
            if anchor.is_some() {
                return None;
            }
            return Some(Raw {
                kind: RawKind::Scalar("~".into(), ScalarStyle::Plain),
                tag: None,
                span: self.span(colon, colon),
            });
        }
        let ind = self.indent();
        if let Some(name) = anchor {
            self.open_anchor(name)?;
        }
        let v = if ind == n {
            self.pos += ind;
            self.block_seq(ind, true)?
        } else {
            self.block_node(ind)?
        };
        Some(match anchor {
            Some(name) => self.anchored(name, v),
            None => v,
        })
    }

    fn open_anchor(&mut self, name: &'a str) -> Fast<()> {
        if self.open.contains(&name) {
            return None;
        }
        self.open.push(name);
        Some(())
    }

    /// Registers an anchored node and returns the alias node that stands in its place.
    fn anchored(&mut self, name: &'a str, v: Raw) -> Raw {
        self.open.retain(|a| *a != name);
        let span = v.span;
        let rc = Rc::new(v);
        self.anchors.insert(name, Rc::clone(&rc));
        Raw {
            kind: RawKind::Alias(rc),
            tag: None,
            span,
        }
    }

    /// An anchor or alias name starting at `i`; returns it and the offset after it.
    fn anchor_name(&self, i: usize) -> Fast<(&'a str, usize)> {
        let mut j = i;
        while !matches!(self.at(j), b' ' | b'\n') && !is_flow_indicator(self.at(j)) {
            j += 1;
        }
        (j > i).then(|| (self.str(i, j), j))
    }

    /// A node on one line: scalar, flow collection, alias, or any of them anchored.
    fn inline_node(&mut self) -> Fast<Raw> {
        match self.cur() {
            b'&' => {
                let (name, after) = self.anchor_name(self.pos + 1)?;
                if self.at(after) != b' ' {
                    return None;
                }
                self.pos = after;
                self.skip_spaces();
                if self.rest_is_empty() || matches!(self.cur(), b'&' | b'*') {
                    return None;
                }
                let collection = matches!(self.cur(), b'[' | b'{');
                if collection {
                    self.open_anchor(name)?;
                } else if self.open.contains(&name) {
                    return None;
                }
                let v = self.inline_node()?;
                Some(self.anchored(name, v))
            }
            b'*' => {
                let start = self.pos;
                let (name, after) = self.anchor_name(self.pos + 1)?;
                if self.open.contains(&name) {
                    return None;
                }
                let target = Rc::clone(self.anchors.get(name)?);
                self.pos = after;
                Some(Raw {
                    kind: RawKind::Alias(target),
                    tag: None,
                    span: self.span(start, after),
                })
            }
            b'[' => self.flow_seq(),
            b'{' => self.flow_map(),
            b'\'' | b'"' => self.quoted(),
            _ => self.block_plain(),
        }
    }

    /// A plain scalar in block context, ending at a comment or the end of the line.
    fn block_plain(&mut self) -> Fast<Raw> {
        let start = self.pos;
        if !can_start_plain(self.cur(), self.at(start + 1), false) {
            return None;
        }
        let mut i = start;
        let mut end = start;
        loop {
            match self.at(i) {
                b'\n' => break,
                b'#' if self.at(i - 1) == b' ' => break,
                b':' if matches!(self.at(i + 1), b' ' | b'\n') => return None,
                b' ' => i += 1,
                _ => {
                    i += 1;
                    end = i;
                }
            }
            if i >= self.t.len() {
                break;
            }
        }
        self.pos = end;
        Some(Raw {
            kind: RawKind::Scalar(self.str(start, end).to_string(), ScalarStyle::Plain),
            tag: None,
            span: self.span(start, end),
        })
    }

    /// A plain scalar in flow context.
    fn flow_plain(&mut self) -> Fast<Raw> {
        let start = self.pos;
        if !can_start_plain(self.cur(), self.at(start + 1), true) {
            return None;
        }
        let mut i = start;
        let mut end = start;
        loop {
            let c = self.at(i);
            if c == b'\n' {
                // A flow collection that goes on to the next line.
                return None;
            }
            if is_flow_indicator(c) {
                break;
            }
            if c == b'#' && self.at(i - 1) == b' ' {
                return None;
            }
            if c == b':' {
                let next = self.at(i + 1);
                if next == b' ' || next == b'\n' || is_flow_indicator(next) {
                    break;
                }
            }
            i += 1;
            if c != b' ' {
                end = i;
            }
        }
        if end == start {
            return None;
        }
        self.pos = end;
        Some(Raw {
            kind: RawKind::Scalar(self.str(start, end).to_string(), ScalarStyle::Plain),
            tag: None,
            span: self.span(start, end),
        })
    }

    /// A node inside a flow collection.
    fn flow_node(&mut self) -> Fast<Raw> {
        match self.cur() {
            b'&' | b'*' | b'[' | b'{' | b'\'' | b'"' => self.inline_node(),
            _ => self.flow_plain(),
        }
    }

    /// Spaces inside a flow collection, which must not reach the end of the line.
    fn flow_spaces(&mut self) -> Fast<()> {
        self.skip_spaces();
        (self.cur() != b'\n' && self.cur() != b'#').then_some(())
    }

    fn flow_seq(&mut self) -> Fast<Raw> {
        let start = self.pos;
        self.pos += 1;
        let mut items = Vec::new();
        loop {
            self.flow_spaces()?;
            if self.cur() == b']' {
                if !items.is_empty() {
                    // A trailing comma.
                    return None;
                }
                self.pos += 1;
                break;
            }
            items.push(self.flow_node()?);
            self.flow_spaces()?;
            match self.cur() {
                b',' => self.pos += 1,
                b']' => {
                    self.pos += 1;
                    break;
                }
                _ => return None,
            }
        }
        let kind = RawKind::Seq(items);
        let end = last_end(&kind).unwrap_or(self.pos).max(start);
        Some(Raw {
            kind,
            tag: None,
            span: self.span(start, end),
        })
    }

    fn flow_map(&mut self) -> Fast<Raw> {
        let start = self.pos;
        self.pos += 1;
        let mut pairs = Vec::new();
        loop {
            self.flow_spaces()?;
            if self.cur() == b'}' {
                if !pairs.is_empty() {
                    return None;
                }
                self.pos += 1;
                break;
            }
            let key_start = self.pos;
            let key = match self.cur() {
                b'\'' | b'"' => self.quoted()?,
                _ => self.flow_plain()?,
            };
            if self.pos - key_start > MAX_KEY {
                return None;
            }
            if self.cur() != b':' || self.at(self.pos + 1) != b' ' {
                return None;
            }
            self.pos += 1;
            self.flow_spaces()?;
            if matches!(self.cur(), b',' | b'}') {
                return None;
            }
            let value = self.flow_node()?;
            pairs.push((key, value));
            self.flow_spaces()?;
            match self.cur() {
                b',' => self.pos += 1,
                b'}' => {
                    self.pos += 1;
                    break;
                }
                _ => return None,
            }
        }
        let kind = RawKind::Map(pairs);
        let end = last_end(&kind).unwrap_or(self.pos).max(start);
        Some(Raw {
            kind,
            tag: None,
            span: self.span(start, end),
        })
    }

    /// A single- or double-quoted scalar on one line.
    fn quoted(&mut self) -> Fast<Raw> {
        let start = self.pos;
        let q = self.cur();
        let mut out = String::new();
        let mut i = start + 1;
        loop {
            let b = self.at(i);
            if i >= self.t.len() || b == b'\n' {
                return None;
            }
            if b == q {
                if q == b'\'' && self.at(i + 1) == b'\'' {
                    out.push('\'');
                    i += 2;
                    continue;
                }
                i += 1;
                break;
            }
            if q == b'"' && b == b'\\' {
                let c = match self.at(i + 1) {
                    b'\\' => '\\',
                    b'"' => '"',
                    b'/' => '/',
                    b'n' => '\n',
                    b't' => '\t',
                    _ => return None,
                };
                out.push(c);
                i += 2;
                continue;
            }
            out.push(char::from(b));
            i += 1;
        }
        self.pos = i;
        let style = if q == b'"' {
            ScalarStyle::DoubleQuoted
        } else {
            ScalarStyle::SingleQuoted
        };
        Some(Raw {
            kind: RawKind::Scalar(out, style),
            tag: None,
            span: self.span(start, i),
        })
    }
}

/// Whether a plain scalar can start with `b` followed by `next`: not with an indicator, except
/// `-`, `?` and `:` followed by a character that can follow them in a plain scalar.
fn can_start_plain(b: u8, next: u8, flow: bool) -> bool {
    if !is_indicator(b) {
        return true;
    }
    matches!(b, b'-' | b'?' | b':')
        && !matches!(next, b' ' | b'\n')
        && !(flow && is_flow_indicator(next))
}

/// Characters that cannot start a plain scalar (some can when followed by a non-space).
fn is_indicator(b: u8) -> bool {
    matches!(
        b,
        b'-' | b'?'
            | b':'
            | b','
            | b'['
            | b']'
            | b'{'
            | b'}'
            | b'#'
            | b'&'
            | b'*'
            | b'!'
            | b'|'
            | b'>'
            | b'\''
            | b'"'
            | b'%'
            | b'@'
            | b'`'
    )
}

fn memchr(needle: u8, hay: &[u8]) -> Option<usize> {
    hay.iter().position(|&b| b == needle)
}

/// Parses `text` with both parsers: `Ok(true)` when the fast parser took it and built the
/// general parser's tree, `Ok(false)` when it left it to the general parser, `Err` (with both
/// trees) when it accepted a text the general parser rejects or built another tree. For tests and
/// the fuzz target.
///
/// # Errors
/// A disagreement between the two parsers.
pub fn compare_with_general(text: &str) -> Result<bool, String> {
    let Some(fast) = parse(FileId(0), text) else {
        return Ok(false);
    };
    let general = super::parse_raw(FileId(0), text).map_err(|e| {
        format!(
            "the fast parser accepts what the general one rejects: {}",
            e.message
        )
    })?;
    let mut seen = HashMap::new();
    let equal = fast.len() == general.len()
        && fast.iter().zip(&general).all(|(a, b)| match (a, b) {
            (Some(a), Some(b)) => same(a, b, &mut seen),
            (None, None) => true,
            _ => false,
        });
    if equal {
        return Ok(true);
    }
    let show = |docs: &[Option<Raw>]| {
        let mut out = String::new();
        for d in docs.iter().flatten() {
            super::show(d, &mut out);
        }
        out
    };
    Err(format!(
        "trees differ\nfast:    {}\ngeneral: {}",
        show(&fast),
        show(&general)
    ))
}

/// Structural equality; an alias target is compared once and must then always pair with
/// the same target (a deep comparison of shared nodes would be exponential on alias bombs).
fn same(a: &Raw, b: &Raw, seen: &mut HashMap<usize, usize>) -> bool {
    if a.span != b.span || a.tag != b.tag {
        return false;
    }
    match (&a.kind, &b.kind) {
        (RawKind::Scalar(x, sx), RawKind::Scalar(y, sy)) => x == y && sx == sy,
        (RawKind::Seq(x), RawKind::Seq(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(p, q)| same(p, q, seen))
        }
        (RawKind::Map(x), RawKind::Map(y)) => {
            x.len() == y.len()
                && x.iter()
                    .zip(y)
                    .all(|((k1, v1), (k2, v2))| same(k1, k2, seen) && same(v1, v2, seen))
        }
        (RawKind::Alias(x), RawKind::Alias(y)) => {
            let (px, py) = (Rc::as_ptr(x) as usize, Rc::as_ptr(y) as usize);
            if let Some(&q) = seen.get(&px) {
                q == py
            } else {
                seen.insert(px, py);
                same(x, y, seen)
            }
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::{Path, PathBuf};

    fn yaml_files(dir: &Path, out: &mut Vec<PathBuf>) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        let mut entries: Vec<PathBuf> = entries.flatten().map(|e| e.path()).collect();
        entries.sort();
        for p in entries {
            if p.is_dir() {
                yaml_files(&p, out);
            } else if p.extension().is_some_and(|e| e == "yml" || e == "yaml") {
                out.push(p);
            }
        }
    }

    fn texts() -> Vec<(String, String)> {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
        let mut files = Vec::new();
        for dir in [
            root.join("tests/fixtures"),
            root.join("examples"),
            root.join("fuzz/seeds"),
            root.join("../shared/corpus/awesome-compose"),
        ] {
            yaml_files(&dir, &mut files);
        }
        let mut out: Vec<(String, String)> = files
            .into_iter()
            .filter_map(|p| Some((p.display().to_string(), std::fs::read_to_string(&p).ok()?)))
            .collect();
        out.extend(
            SAMPLES
                .iter()
                .map(|s| ("sample".to_string(), (*s).to_string())),
        );
        out
    }

    /// Shapes of the generated benchmark project and other common Compose forms.
    const SAMPLES: &[&str] = &[
        "name: bench\nx-common: &common\n  restart: unless-stopped\n  logging: {driver: json-file, options: {max-size: 10m, max-file: \"3\"}}\n  healthcheck: &health\n    test: [\"CMD\", \"wget\", \"-q\", \"--spider\", \"http://localhost:${HEALTH_PORT:-8080}/health\"]\n    interval: 30s\nx-env: &env\n  RUST_LOG: ${RUST_LOG:-info}\n  REGION: ${REGION:?region must be set}\nservices:\n  svc0:\n    <<: *common\n    image: registry.example.com/team0/svc0:${TAG_0:-1.0.0}\n    environment:\n      <<: *env\n      PEER: svc0:8080\n    labels: [\"tier=web\", \"com.example.idx=0\"]\n    networks: [internal, public]\n    volumes: [\"svc0_data:/var/lib/svc\"]\n",
        "a:\n- x\n- y: 1\n  z: 2\n- 'q''s'\nb: {}\nc: []\nd:\ne: ~ # c\n",
        "services:\n  web:\n    ports:\n      - \"80:80\"\n      - 443:443\n    command: [\"sh\", \"-c\", \"echo \\\"hi\\\" \\\\ there\"]\n    environment:\n      - A=1\n      - B=two words # comment\n    depends_on:\n      db:\n        condition: service_healthy\n",
        "x: &a\n  k: v\ny: *a\nz: &b [1, 2]\nw: [*b, *a]\n",
        "  indented: root\n  second: 2\n",
        "a: b:c\nd: http://x:80/y\ne: -1\nf: :x\ng: ?y\n",
    ];

    #[test]
    fn keys_longer_than_yaml_allows_are_left_to_the_general_parser() {
        // Found by the yaml_fast fuzz target: a 1,100-character key.
        let text = format!("a:\n  - {}:\n  - b\n", "x".repeat(1100));
        assert!(parse(FileId(0), &text).is_none());
        assert!(check("long key", &text.replace(&"x".repeat(1100), "x")));
    }

    fn check(name: &str, text: &str) -> bool {
        match compare_with_general(text) {
            Ok(taken) => taken,
            Err(e) => panic!("{name}: {e}\n{text}"),
        }
    }

    #[test]
    fn same_tree_as_the_general_parser_on_every_test_file() {
        let texts = texts();
        let accepted = texts.iter().filter(|(n, t)| check(n, t)).count();
        // The fast path must actually serve the common case.
        assert!(
            accepted * 10 >= texts.len() * 6,
            "fast path took only {accepted} of {} files",
            texts.len()
        );
        for s in SAMPLES {
            assert!(
                parse(FileId(0), s).is_some(),
                "sample not in the fast subset:\n{s}"
            );
        }
    }

    #[test]
    fn same_tree_as_the_general_parser_on_mutated_files() {
        const SNIPPETS: &[&str] = &[
            ":", ": ", " ", "  ", "-", "- ", "#", " #", "&a ", "*a", "[", "]", "{", "}", ",", "'",
            "\"", "\\", "\n", "\n  ", "\n- ", "|", ">", "!", "?", "x", "~", "<<: ", "---\n", "...",
            "&a", "*", "%", "@",
        ];
        // BERTH_FAST_MUTATIONS raises the number of mutations per file for longer runs.
        let rounds: usize = std::env::var(crate::env_vars::BERTH_FAST_MUTATIONS)
            .ok()
            .and_then(|n| n.parse().ok())
            .unwrap_or(40);
        let texts = texts();
        let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
        let mut next = |n: usize| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            usize::try_from(seed % (n.max(1) as u64)).unwrap_or(0)
        };
        let mut accepted = 0;
        let mut tried = 0;
        for (name, text) in texts.iter().filter(|(_, t)| t.len() < 20_000) {
            for _ in 0..rounds {
                let mut t = text.clone();
                for _ in 0..=next(2) {
                    let i = next(t.len() + 1);
                    let i = (0..=i).rev().find(|&j| t.is_char_boundary(j)).unwrap_or(0);
                    match next(3) {
                        0 if i < t.len() => {
                            let j = (i + 1..=t.len())
                                .find(|&j| t.is_char_boundary(j))
                                .unwrap_or(t.len());
                            t.replace_range(i..j, "");
                        }
                        _ => t.insert_str(i, SNIPPETS[next(SNIPPETS.len())]),
                    }
                }
                tried += 1;
                if check(name, &t) {
                    accepted += 1;
                }
            }
        }
        assert!(
            accepted > tried / 10,
            "only {accepted} of {tried} mutations took the fast path"
        );
    }
}
