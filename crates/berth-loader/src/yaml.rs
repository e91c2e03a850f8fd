//! YAML text to value trees, with go-yaml v3's semantics as Docker Compose sees them.
//!
//! Two passes: the parser's events become a raw tree that keeps tags and shares anchored nodes;
//! then the raw tree becomes [`Value`]s while applying merge keys (`<<`), rejecting duplicate
//! keys, recording `!reset`/`!override` paths (compose-go `loader/reset.go`) and resolving plain
//! scalars exactly as go-yaml does (`012` is octal 10, `yes` is a string).

use std::collections::HashMap;
use std::rc::Rc;

use berth_model::{Diagnostic, FileId, Key, Kind, Map, MapKind, Span, Value};
use granit_parser::{Event, Options, Parser, ScalarStyle};

mod fast;

pub use fast::compare_with_general;

/// How a tagged node changes the merge with earlier files.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ResetKind {
    /// `!reset`: the attribute is removed from what came before and from this document.
    Reset,
    /// `!override`: the attribute replaces what came before instead of merging with it.
    Override,
}

/// A path in a document (`services`, `web`, `ports`, `0`).
pub type Path = Vec<String>;

/// One YAML document of a compose file.
#[derive(Debug)]
pub struct Document {
    /// `None` for an empty document (`---` alone, or only comments).
    pub root: Option<Value>,
    pub resets: Vec<(Path, ResetKind)>,
}

/// Limit on the scalar bytes a document may expand to through aliases (a few nested aliases of
/// a long string would otherwise exhaust memory before the node limit is reached).
const MAX_BYTES: usize = 32 << 20;

/// Limit on nodes produced by alias expansion ("billion laughs" protection).
const MAX_NODES: usize = 2_000_000;

#[derive(Debug)]
enum RawKind {
    Scalar(String, ScalarStyle),
    Seq(Vec<Raw>),
    Map(Vec<(Raw, Raw)>),
    Alias(Rc<Raw>),
}

#[derive(Debug)]
struct Raw {
    kind: RawKind,
    tag: Option<String>,
    span: Span,
}

/// [`parse`] for a file named by another (`include`, `extends`): when it turns out not to be
/// a Compose file (it does not parse, or its top level is not a mapping, as a private key's
/// header is not), diagnostics name it without quoting its lines.
///
/// # Errors
/// Those of [`parse`].
pub fn parse_other_file(
    sources: &mut berth_model::source::SourceMap,
    file: FileId,
    text: &str,
) -> Result<Vec<Document>, Diagnostic> {
    let docs = parse(file, text).inspect_err(|_| sources.unquote(file))?;
    if docs
        .iter()
        .any(|d| d.root.as_ref().is_some_and(|r| r.as_map().is_none()))
    {
        sources.unquote(file);
    }
    Ok(docs)
}

/// Parses every document of a file.
///
/// # Errors
/// Syntax errors, duplicate keys, unknown anchors, non-string keys and invalid merges, each
/// with the span of the offending text.
pub fn parse(file: FileId, text: &str) -> Result<Vec<Document>, Diagnostic> {
    let raws = match fast::parse(file, text) {
        Some(raws) => raws,
        None => parse_raw(file, text)?,
    };
    let mut docs = Vec::with_capacity(raws.len());
    for raw in raws {
        let mut conv = Converter {
            resets: Vec::new(),
            nodes: 0,
            bytes: 0,
            cache: HashMap::new(),
        };
        let root = match raw {
            Some(r) => conv.convert(&r, &mut Vec::new())?,
            None => None,
        };
        docs.push(Document {
            root,
            resets: conv.resets,
        });
    }
    Ok(docs)
}

fn tag_name(tag: &granit_parser::Tag) -> String {
    // The `!!` handle: the core schema's tags and the others of yaml.org (`!!binary`).
    if tag.is_yaml_core_schema() || tag.handle() == "tag:yaml.org,2002:" {
        format!("!!{}", tag.suffix())
    } else {
        format!("{}{}", tag.handle(), tag.suffix())
    }
}

enum Frame {
    Seq(Vec<Raw>, Option<String>, usize, usize),
    Map(Vec<(Raw, Raw)>, Option<Raw>, Option<String>, usize, usize),
}

fn parse_raw(file: FileId, text: &str) -> Result<Vec<Option<Raw>>, Diagnostic> {
    let mut options = Options::default();
    options.emit_comments = false;
    let parser = Parser::new_from_str_with_options(text, options);
    let mut docs = Vec::new();
    let mut stack: Vec<Frame> = Vec::new();
    let mut anchors: HashMap<usize, Rc<Raw>> = HashMap::new();
    // Anchor ids of collections still open, to detect an alias to its own ancestor.
    let mut open_anchor: Vec<usize> = Vec::new();
    let mut doc_root: Option<Raw> = None;
    let mut in_doc = false;
    for item in parser {
        let (event, span) = item.map_err(|e| scan_error(file, text, &e))?;
        let range = span.byte_range().unwrap_or(0..0);
        let sp = Span::new(file, range.start, range.end);
        let node = match event {
            Event::DocumentEnd => {
                if in_doc {
                    docs.push(doc_root.take());
                }
                in_doc = false;
                continue;
            }
            Event::StreamStart | Event::StreamEnd | Event::Anchor(..) => continue,
            Event::DocumentStart(..) => {
                in_doc = true;
                doc_root = None;
                anchors.clear();
                continue;
            }
            Event::Alias(id) => {
                if open_anchor.contains(&id) {
                    return Err(Diagnostic::error(
                        "anchor cycle detected: an alias refers to a node that contains it",
                    )
                    .with_label(sp, "alias to an enclosing anchor"));
                }
                let Some(target) = anchors.get(&id) else {
                    return Err(Diagnostic::error("unknown anchor referenced")
                        .with_label(sp, "unknown anchor"));
                };
                Raw {
                    kind: RawKind::Alias(Rc::clone(target)),
                    tag: None,
                    span: sp,
                }
            }
            Event::UnresolvedAlias(name) => {
                return Err(
                    Diagnostic::error(format!("unknown anchor '{name}' referenced"))
                        .with_label(sp, "no anchor of this name before this point"),
                );
            }
            Event::Scalar(value, style, anchor, tag) => {
                let raw = Raw {
                    kind: RawKind::Scalar(value.into_owned(), style),
                    tag: tag.map(|t| tag_name(&t)),
                    span: sp,
                };
                if anchor != 0 {
                    let rc = Rc::new(raw);
                    anchors.insert(anchor, Rc::clone(&rc));
                    Raw {
                        kind: RawKind::Alias(rc),
                        tag: None,
                        span: sp,
                    }
                } else {
                    raw
                }
            }
            Event::SequenceStart(_, anchor, tag) => {
                if anchor != 0 {
                    open_anchor.push(anchor);
                }
                stack.push(Frame::Seq(
                    Vec::new(),
                    tag.map(|t| tag_name(&t)),
                    anchor,
                    range.start,
                ));
                continue;
            }
            Event::MappingStart(_, anchor, tag) => {
                if anchor != 0 {
                    open_anchor.push(anchor);
                }
                stack.push(Frame::Map(
                    Vec::new(),
                    None,
                    tag.map(|t| tag_name(&t)),
                    anchor,
                    range.start,
                ));
                continue;
            }
            Event::SequenceEnd | Event::MappingEnd => {
                let Some(frame) = stack.pop() else { continue };
                let (kind, tag, anchor, start) = match frame {
                    Frame::Seq(items, tag, anchor, start) => {
                        (RawKind::Seq(items), tag, anchor, start)
                    }
                    Frame::Map(pairs, _, tag, anchor, start) => {
                        (RawKind::Map(pairs), tag, anchor, start)
                    }
                };
                let end = last_end(&kind).unwrap_or(range.end).max(start);
                let raw = Raw {
                    kind,
                    tag,
                    span: Span::new(file, start, end),
                };
                if anchor != 0 {
                    open_anchor.retain(|&a| a != anchor);
                    let rc = Rc::new(raw);
                    anchors.insert(anchor, Rc::clone(&rc));
                    Raw {
                        kind: RawKind::Alias(rc),
                        tag: None,
                        span: Span::new(file, start, end),
                    }
                } else {
                    raw
                }
            }
            _ => continue,
        };
        match stack.last_mut() {
            None => doc_root = Some(node),
            Some(Frame::Seq(items, ..)) => items.push(node),
            Some(Frame::Map(pairs, pending, ..)) => match pending.take() {
                None => *pending = Some(node),
                Some(key) => pairs.push((key, node)),
            },
        }
    }
    Ok(docs)
}

fn last_end(kind: &RawKind) -> Option<usize> {
    let span = match kind {
        RawKind::Seq(items) => items.last().map(|r| r.span),
        RawKind::Map(pairs) => pairs.last().map(|(_, v)| v.span),
        _ => None,
    }?;
    Some(span.end as usize)
}

fn scan_error(file: FileId, text: &str, e: &granit_parser::ScanError) -> Diagnostic {
    let mark = e.marker();
    let offset = mark.byte_offset().unwrap_or_else(|| {
        text.char_indices()
            .nth(mark.index())
            .map_or(text.len(), |(i, _)| i)
    });
    Diagnostic::error(format!("invalid YAML: {}", e.info()))
        .with_label(Span::new(file, offset, offset + 1), "here")
}

struct Converter {
    resets: Vec<(Path, ResetKind)>,
    nodes: usize,
    bytes: usize,
    /// Converted anchors (by node address) that held no `!reset`/`!override`: an alias to
    /// them is a clone instead of a second conversion.
    cache: HashMap<usize, (Value, usize, usize)>,
}

/// One step of the path to the node being converted; kept borrowed so that walking the tree
/// allocates nothing until a `!reset`/`!override` path has to be recorded.
#[derive(Clone, Copy)]
enum Seg<'a> {
    Key(&'a str),
    Index(usize),
}

fn owned_path(path: &[Seg<'_>]) -> Path {
    path.iter()
        .map(|s| match s {
            Seg::Key(k) => (*k).to_string(),
            Seg::Index(i) => i.to_string(),
        })
        .collect()
}

fn deref(raw: &Raw) -> &Raw {
    match &raw.kind {
        RawKind::Alias(target) => deref(target),
        _ => raw,
    }
}

fn is_merge_key(raw: &Raw) -> bool {
    let raw = deref(raw);
    matches!(&raw.kind, RawKind::Scalar(s, ScalarStyle::Plain) if s == "<<")
        && raw.tag.as_deref().is_none_or(|t| t == "!!merge")
}

impl Converter {
    /// Converts a raw node at `path`; `None` means the node was dropped by `!reset`.
    fn check_budget(&self, span: Span) -> Result<(), Diagnostic> {
        if self.nodes > MAX_NODES || self.bytes > MAX_BYTES {
            return Err(Diagnostic::error("document contains excessive aliasing")
                .with_label(
                    span,
                    "expanding the aliases here makes the document too large",
                )
                .with_note(format!(
                    "a document may expand to at most {MAX_NODES} nodes and {} MiB of text",
                    MAX_BYTES >> 20
                )));
        }
        Ok(())
    }

    fn convert<'a>(
        &mut self,
        raw: &'a Raw,
        path: &mut Vec<Seg<'a>>,
    ) -> Result<Option<Value>, Diagnostic> {
        self.nodes += 1;
        self.check_budget(raw.span)?;
        if let RawKind::Alias(target) = &raw.kind {
            // An alias takes its target's tag into account, as compose-go's ResetProcessor does.
            let addr = Rc::as_ptr(target) as usize;
            if let Some((v, size, bytes)) = self.cache.get(&addr) {
                self.nodes += size;
                self.bytes += bytes;
                self.check_budget(raw.span)?;
                return Ok(Some(v.clone()));
            }
            let (resets_before, nodes_before, bytes_before) =
                (self.resets.len(), self.nodes, self.bytes);
            let v = self.convert(target, path)?;
            if self.resets.len() == resets_before {
                if let Some(v) = &v {
                    self.cache.insert(
                        addr,
                        (
                            v.clone(),
                            self.nodes - nodes_before,
                            self.bytes - bytes_before,
                        ),
                    );
                }
            }
            return Ok(v);
        }
        match raw.tag.as_deref() {
            Some("!reset") => {
                self.resets.push((owned_path(path), ResetKind::Reset));
                return Ok(None);
            }
            Some("!override") => self.resets.push((owned_path(path), ResetKind::Override)),
            _ => {}
        }
        let value = match &raw.kind {
            RawKind::Alias(_) => unreachable_alias(raw.span)?,
            RawKind::Scalar(s, style) => {
                self.bytes += s.len();
                self.check_budget(raw.span)?;
                Value::new(
                    resolve_scalar(s, *style, raw.tag.as_deref(), raw.span)?,
                    raw.span,
                )
            }
            RawKind::Seq(items) => {
                let mut out = Vec::with_capacity(items.len());
                for (i, item) in items.iter().enumerate() {
                    path.push(Seg::Index(i));
                    let v = self.convert(item, path)?;
                    path.pop();
                    out.extend(v);
                }
                Value::seq(out, raw.span)
            }
            RawKind::Map(pairs) => Value::map(self.convert_map(pairs, path)?, raw.span),
        };
        Ok(Some(value))
    }

    fn convert_map<'a>(
        &mut self,
        pairs: &'a [(Raw, Raw)],
        path: &mut Vec<Seg<'a>>,
    ) -> Result<Map, Diagnostic> {
        let mut map = Map::new(MapKind::Dict);
        map.entries.reserve(pairs.len());
        // Keys dropped by `!reset` still count as defined for duplicates and merges.
        let mut dropped: Vec<Key> = Vec::new();
        let mut merge: Option<(Span, &Raw)> = None;
        for (k, v) in pairs {
            if is_merge_key(k) {
                if let Some((first, _)) = merge {
                    return Err(Diagnostic::error("mapping key \"<<\" already defined")
                        .with_label(k.span, "duplicate key")
                        .with_label(first, "first defined here"));
                }
                merge = Some((k.span, v));
                continue;
            }
            let key = Self::key_string(k, path)?;
            let prev = map
                .key(&key)
                .map(|p| p.span)
                .or_else(|| dropped.iter().find(|d| d.name == key).map(|d| d.span));
            if let Some(prev) = prev {
                return Err(
                    Diagnostic::error(format!("mapping key \"{key}\" already defined"))
                        .with_label(deref(k).span, "duplicate key")
                        .with_label(prev, "first defined here"),
                );
            }
            let raw_key = match &deref(k).kind {
                RawKind::Scalar(text, _) => text.as_str(),
                _ => "",
            };
            path.push(Seg::Key(raw_key));
            let value = self.convert(v, path)?;
            path.pop();
            match value {
                Some(value) => {
                    map.insert(Key::new(key, deref(k).span), value);
                }
                None => dropped.push(Key::new(key, deref(k).span)),
            }
        }
        if let Some((_, m)) = merge {
            // Explicit keys win; with a list of sources the earlier source wins (go-yaml).
            let sources: Vec<&Raw> = match &deref(m).kind {
                RawKind::Seq(items) => items.iter().collect(),
                _ => vec![m],
            };
            for src in sources {
                let RawKind::Map(src_pairs) = &deref(src).kind else {
                    return Err(Diagnostic::error(
                        "map merge requires map or sequence of maps as the value",
                    )
                    .with_label(src.span, "not a mapping"));
                };
                // An alias goes through the alias cache: a chain of anchors each merging the
                // one before is converted once per anchor, not once per use (it took the cube
                // of its length).
                let merged = match &src.kind {
                    RawKind::Alias(_) if deref(src).tag.is_none() => {
                        match self.convert(src, path)?.map(|v| v.kind) {
                            Some(Kind::Map(m)) => m,
                            _ => self.convert_map(src_pairs, path)?,
                        }
                    }
                    _ => self.convert_map(src_pairs, path)?,
                };
                for (k, v) in merged.entries {
                    if !map.contains_key(&k.name) && !dropped.iter().any(|d| d.name == k.name) {
                        map.insert(k, v);
                    }
                }
            }
        }
        Ok(map)
    }

    fn key_string(k: &Raw, path: &[Seg<'_>]) -> Result<String, Diagnostic> {
        let k = deref(k);
        match &k.kind {
            RawKind::Scalar(s, style) => match resolve_scalar(s, *style, k.tag.as_deref(), k.span)?
            {
                Kind::Str(s) => Ok(s),
                other => {
                    let shown = Value::new(other, k.span)
                        .scalar_to_string()
                        .unwrap_or_else(|| "null".into());
                    Err(Diagnostic::error(format!(
                        "non-string key in {}: {shown}",
                        path_string(&owned_path(path))
                    ))
                    .with_label(k.span, "keys must be strings; quote it"))
                }
            },
            _ => Err(Diagnostic::error(format!(
                "non-string key in {}",
                path_string(&owned_path(path))
            ))
            .with_label(k.span, "keys must be strings")),
        }
    }
}

fn unreachable_alias(span: Span) -> Result<Value, Diagnostic> {
    Err(Diagnostic::error("internal error: unresolved alias").with_label(span, "here"))
}

/// Dotted form of a path, as Compose prints it in messages (`services.web.ports`).
#[must_use]
pub fn path_string(path: &[String]) -> String {
    if path.is_empty() {
        return "<root>".into();
    }
    path.join(".")
}

fn resolve_scalar(
    s: &str,
    style: ScalarStyle,
    tag: Option<&str>,
    span: Span,
) -> Result<Kind, Diagnostic> {
    match tag {
        Some("!!str") => return Ok(Kind::Str(s.to_string())),
        // Base64, as go-yaml decodes it into a string (line breaks ignored): text when the
        // bytes are UTF-8, bytes otherwise (what `config` writes back as `!!binary`).
        Some("!!binary") => {
            let clean: String = s.chars().filter(|c| !matches!(c, '\n' | '\r')).collect();
            let bytes = base64::Engine::decode(&base64::engine::general_purpose::STANDARD, clean)
                .map_err(|_| {
                Diagnostic::error("!!binary value contains invalid base64 data")
                    .with_label(span, "not base64")
            })?;
            return Ok(match String::from_utf8(bytes) {
                Ok(text) => Kind::Str(text),
                Err(e) => Kind::Bytes(e.into_bytes()),
            });
        }
        Some(t @ ("!!int" | "!!float" | "!!bool" | "!!null")) => {
            let kind = resolve_plain(s);
            let ok = matches!(
                (t, &kind),
                ("!!int", Kind::Int(_))
                    | ("!!float", Kind::Float(_) | Kind::Int(_))
                    | ("!!bool", Kind::Bool(_))
                    | ("!!null", Kind::Null)
            );
            if !ok {
                return Err(Diagnostic::error(format!("cannot decode {t} `{s}`"))
                    .with_label(span, "value does not match its tag"));
            }
            if let ("!!float", Kind::Int(i)) = (t, &kind) {
                return Ok(Kind::Float(*i as f64));
            }
            return Ok(kind);
        }
        _ => {}
    }
    if style != ScalarStyle::Plain {
        return Ok(Kind::Str(s.to_string()));
    }
    Ok(resolve_plain(s))
}

pub use berth_model::scalar::resolve_plain;

/// A compact one-line form of a raw tree with spans (an alias shows its target's span).
fn show(r: &Raw, out: &mut String) {
    let sp = format!("@{}-{}", r.span.start, r.span.end);
    let tag = r.tag.clone().map(|t| format!("<{t}>")).unwrap_or_default();
    match &r.kind {
        RawKind::Scalar(s, st) => out.push_str(
            &format!("{s:?}{st:?}{tag}{sp}")
                .replace("Plain", "")
                .replace("DoubleQuoted", "dq")
                .replace("SingleQuoted", "sq"),
        ),
        RawKind::Alias(t) => out.push_str(&format!("*{sp}(->@{}-{})", t.span.start, t.span.end)),
        RawKind::Seq(items) => {
            out.push_str(&format!("[{tag}{sp} "));
            for i in items {
                show(i, out);
                out.push_str(", ");
            }
            out.push(']');
        }
        RawKind::Map(pairs) => {
            out.push_str(&format!("{{{tag}{sp} "));
            for (k, v) in pairs {
                show(k, out);
                out.push_str(": ");
                show(v, out);
                out.push_str(", ");
            }
            out.push('}');
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(text: &str) -> Value {
        let docs = parse(FileId(0), text).expect("parses");
        docs.into_iter()
            .next()
            .and_then(|d| d.root)
            .expect("a root")
    }

    fn plain(s: &str) -> String {
        match resolve_plain(s) {
            Kind::Null => "null".into(),
            Kind::Bool(b) => format!("bool:{b}"),
            Kind::Int(i) => format!("int:{i}"),
            Kind::Float(f) => format!("float:{f}"),
            Kind::Str(s) => format!("str:{s}"),
            Kind::Timestamp(s) => format!("ts:{s}"),
            _ => "?".into(),
        }
    }

    #[test]
    fn go_yaml_scalar_resolution() {
        for (input, want) in [
            ("012", "int:10"),
            ("0x1F", "int:31"),
            ("0o17", "int:15"),
            ("0b11", "int:3"),
            ("1_000", "int:1000"),
            ("1e3", "float:1000"),
            (".5", "float:0.5"),
            ("+1", "int:1"),
            ("1.0", "float:1"),
            ("08", "float:8"),
            ("~", "null"),
            ("yes", "str:yes"),
            ("on", "str:on"),
            ("True", "bool:true"),
            ("2001-12-14", "ts:2001-12-14"),
            ("1:20", "str:1:20"),
            ("-", "str:-"),
            ("+Inf", "str:+Inf"),
            ("80:80", "str:80:80"),
        ] {
            assert_eq!(plain(input), want, "{input}");
        }
    }

    #[test]
    fn merge_keys_explicit_wins_and_earlier_source_wins() {
        let v = one("a: &a {x: 1, y: 1}\nb: &b {x: 2, z: 2}\nc:\n  <<: [*a, *b]\n  y: 3\n");
        let c = v.get("c").unwrap();
        assert_eq!(c.get("x").unwrap().as_i64(), Some(1));
        assert_eq!(c.get("y").unwrap().as_i64(), Some(3));
        assert_eq!(c.get("z").unwrap().as_i64(), Some(2));
    }

    #[test]
    fn duplicate_key_is_an_error_with_both_locations() {
        let err = parse(FileId(0), "a: 1\nb: 2\na: 3\n").unwrap_err();
        assert_eq!(err.message, "mapping key \"a\" already defined");
        assert_eq!(err.labels.len(), 2);
    }

    #[test]
    fn reset_and_override_paths_are_recorded() {
        let docs = parse(
            FileId(0),
            "services:\n  a:\n    ports: !override [\"1:1\"]\n    command: !reset []\n",
        )
        .unwrap();
        let d = &docs[0];
        assert_eq!(d.resets.len(), 2);
        assert_eq!(d.resets[0].0, vec!["services", "a", "ports"]);
        assert_eq!(d.resets[1].1, ResetKind::Reset);
        let a = d.root.as_ref().unwrap().path(&["services", "a"]).unwrap();
        assert!(a.get("command").is_none());
        assert!(a.get("ports").is_some());
    }

    #[test]
    fn multi_document_and_empty_documents() {
        let docs = parse(FileId(0), "a: 1\n---\nb: 2\n").unwrap();
        assert_eq!(docs.len(), 2);
        let docs = parse(FileId(0), "# only a comment\n").unwrap();
        assert!(docs.iter().all(|d| d.root.is_none()));
    }

    #[test]
    fn alias_bombs_of_long_strings_stop_early() {
        // Regression: nested aliases of a 4 KB string used to expand to gigabytes before the
        // node limit was reached.
        let mut text = format!("x-a: &a \"{}\"\n", "A".repeat(4000));
        let mut prev = "a".to_string();
        for i in 1..12 {
            text.push_str(&format!(
                "x-{i}: &l{i} [{}]\n",
                vec![format!("*{prev}"); 9].join(", ")
            ));
            prev = format!("l{i}");
        }
        let err = parse(FileId(0), &text).unwrap_err();
        assert_eq!(err.message, "document contains excessive aliasing");
    }

    #[test]
    fn alias_cycles_and_unknown_aliases_fail() {
        assert!(parse(FileId(0), "a: &a [*a]\n").is_err());
        assert!(parse(FileId(0), "a: *nope\n").is_err());
        assert!(parse(FileId(0), "1: x\n").is_err());
    }
}
#[cfg(test)]
mod fast_and_general {
    use super::*;

    fn shown(docs: &[Option<Raw>]) -> Vec<String> {
        docs.iter()
            .map(|d| {
                let mut o = String::new();
                if let Some(d) = d {
                    show(d, &mut o);
                }
                o
            })
            .collect()
    }

    /// The fast parser, where it accepts a document, gives the general parser's tree and
    /// spans (what a hand comparison with a printed dump used to check).
    #[test]
    fn the_fast_parser_gives_the_general_parsers_spans() {
        let mut compared = 0;
        for text in [
            "a: 1\n",
            "services:\n  web:\n    image: \"x\"\n    ports: ['80:80', 443]\n",
            "a:\n  - b: c\n    d: e\n  - f\n---\nx: y\n",
            "env_file: a.env # comment\nk: 'q'\n",
        ] {
            let general = parse_raw(FileId(0), text).expect("the general parser accepts it");
            if let Some(fast) = fast::parse(FileId(0), text) {
                assert_eq!(shown(&fast), shown(&general), "{text:?}");
                compared += 1;
            }
        }
        assert!(compared > 0, "the fast parser took none of the documents");
    }
}
