//! A block-style YAML writer that prints exactly what go-yaml v3's encoder prints for
//! `docker compose config` (indent 2, sequences indented under their key, no line wrapping,
//! libyaml's scalar analysis for quoting). It writes any tree that shows itself as a
//! [`Node`]: the loader's [`Value`], and JSON values (the Kubernetes manifests).

use berth_model::{natural_cmp, Kind, MapKind, Value};

/// How a tree node looks to the writer.
pub enum Shape<'a, N> {
    /// A mapping's entries, in the order they are printed.
    Map(Vec<(&'a str, &'a N)>),
    Seq(&'a [N]),
    /// A string, quoted as go-yaml quotes it (or a literal block when it has lines).
    Str(&'a str),
    /// A scalar printed as it is (`null`, a boolean, a number).
    Text(String),
    /// Bytes that are not UTF-8, printed as `!!binary` base64.
    Bytes(&'a [u8]),
}

/// A tree the writer can print.
pub trait Node: Sync + Sized {
    fn shape(&self) -> Shape<'_, Self>;
    /// Whether [`Node::shape`] is a map, without building its entries.
    fn is_map(&self) -> bool;
}

impl Node for Value {
    fn shape(&self) -> Shape<'_, Value> {
        match &self.kind {
            Kind::Map(m) => {
                let mut e: Vec<(&str, &Value)> =
                    m.iter().map(|(k, v)| (k.name.as_str(), v)).collect();
                if m.kind == MapKind::Dict {
                    e.sort_by(|a, b| natural_cmp(a.0, b.0));
                }
                Shape::Map(e)
            }
            Kind::Seq(items) => Shape::Seq(items),
            Kind::Str(s) | Kind::Timestamp(s) => Shape::Str(s),
            Kind::Bytes(b) => Shape::Bytes(b),
            Kind::Null => Shape::Text("null".into()),
            Kind::Bool(b) => Shape::Text(b.to_string()),
            Kind::Int(i) => Shape::Text(i.to_string()),
            Kind::Float(f) => Shape::Text(float_text(*f)),
        }
    }

    fn is_map(&self) -> bool {
        matches!(self.kind, Kind::Map(_))
    }
}

/// A JSON value: its objects' keys printed in natural order, as a [`Value`] dict's are.
impl Node for serde_json::Value {
    fn shape(&self) -> Shape<'_, serde_json::Value> {
        use serde_json::Value as J;
        match self {
            J::Object(m) => {
                let e: Vec<(&str, &J)> = m.iter().map(|(k, v)| (k.as_str(), v)).collect();
                Shape::Map(naturally_sorted(e))
            }
            J::Array(items) => Shape::Seq(items),
            J::String(s) => Shape::Str(s),
            J::Null => Shape::Text("null".into()),
            J::Bool(b) => Shape::Text(b.to_string()),
            J::Number(n) => Shape::Text(match n.as_i64() {
                Some(i) => i.to_string(),
                None => float_text(n.as_f64().unwrap_or_default()),
            }),
        }
    }

    fn is_map(&self) -> bool {
        self.is_object()
    }
}

/// Entries in byte order (a JSON object's) put in natural order. Keys of ASCII letters alone
/// (most keys of a manifest) are in natural order already: go-yaml compares two letters by
/// their code, and a prefix first.
fn naturally_sorted<N>(mut e: Vec<(&str, N)>) -> Vec<(&str, N)> {
    if !e
        .iter()
        .all(|(k, _)| k.bytes().all(|b| b.is_ascii_alphabetic()))
    {
        e.sort_by(|a, b| natural_cmp(a.0, b.0));
    }
    e
}

fn float_text(f: f64) -> String {
    if f.is_nan() {
        ".nan".into()
    } else if f.is_infinite() {
        if f > 0.0 {
            ".inf".into()
        } else {
            "-.inf".into()
        }
    } else {
        berth_model::value::format_go_float(f)
    }
}

/// Renders a tree as a YAML document (with trailing newline).
#[must_use]
pub fn to_yaml<N: Node>(v: &N) -> String {
    let mut out = String::new();
    write_document(&mut out, v);
    out
}

/// Appends `v` as a YAML document to `out`.
pub fn write_document<N: Node>(out: &mut String, v: &N) {
    match v.shape() {
        Shape::Map(e) if !e.is_empty() => write_map_body(out, &e, 0),
        Shape::Seq(s) if !s.is_empty() => write_seq_body(out, s, 0),
        shape => {
            out.push_str(&scalar(&shape, false));
            out.push('\n');
        }
    }
}

fn indent(out: &mut String, n: usize) {
    for _ in 0..n {
        out.push(' ');
    }
}

fn write_map_body<N: Node>(out: &mut String, all: &[(&str, &N)], ind: usize) {
    // A large map of maps (the services of a big project) is rendered on two threads.
    if all.len() >= 64 && all.iter().all(|(_, val)| val.is_map()) {
        let parts = berth_model::parallel::on_halves(all, 64, |half| {
            let mut s = String::new();
            write_entries(&mut s, half, ind, false);
            s
        });
        // The caller has indented the first entry.
        let text = parts.concat();
        out.push_str(&text[ind..]);
        return;
    }
    write_entries(out, all, ind, true);
}

/// Writes `key: value` lines; the caller has already indented the first one if `first_indented`.
fn write_entries<N: Node>(
    out: &mut String,
    entries: &[(&str, &N)],
    ind: usize,
    first_indented: bool,
) {
    for (i, (k, val)) in entries.iter().enumerate() {
        if i > 0 || !first_indented {
            indent(out, ind);
        }
        if k.len() > SIMPLE_KEY_MAX {
            write_explicit_entry(out, k, *val, ind);
            continue;
        }
        push_scalar_str(out, k, true);
        out.push(':');
        write_value_after_key(out, *val, ind);
    }
}

/// libyaml writes a key longer than this (in bytes) as an explicit key (`? key`), which a
/// parser reads back: a plain key that long is not a key.
const SIMPLE_KEY_MAX: usize = 128;

/// `? key` then `: value`, the value starting on the `:` line as go-yaml writes it.
fn write_explicit_entry<N: Node>(out: &mut String, k: &str, val: &N, ind: usize) {
    out.push_str("? ");
    push_scalar_str(out, k, true);
    out.push('\n');
    indent(out, ind);
    out.push_str(": ");
    write_inline_value(out, val, ind);
}

/// A value that starts on the line of its marker (`- ` of a sequence item, `: ` of an explicit
/// key): a collection's first entry there, the rest indented under it.
fn write_inline_value<N: Node>(out: &mut String, val: &N, ind: usize) {
    match val.shape() {
        Shape::Map(e) if !e.is_empty() => write_map_body(out, &e, ind + 2),
        Shape::Map(_) => out.push_str("{}\n"),
        Shape::Seq(s) if !s.is_empty() => write_seq_body(out, s, ind + 2),
        Shape::Seq(_) => out.push_str("[]\n"),
        shape => write_scalar_value(out, &shape, ind),
    }
}

fn write_value_after_key<N: Node>(out: &mut String, val: &N, ind: usize) {
    match val.shape() {
        Shape::Map(e) if !e.is_empty() => {
            out.push('\n');
            indent(out, ind + 2);
            write_map_body(out, &e, ind + 2);
        }
        Shape::Map(_) => out.push_str(" {}\n"),
        Shape::Seq(s) if !s.is_empty() => {
            out.push('\n');
            indent(out, ind + 2);
            write_seq_body(out, s, ind + 2);
        }
        Shape::Seq(_) => out.push_str(" []\n"),
        shape => {
            out.push(' ');
            write_scalar_value(out, &shape, ind);
        }
    }
}

fn write_seq_body<N: Node>(out: &mut String, items: &[N], ind: usize) {
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            indent(out, ind);
        }
        out.push_str("- ");
        write_inline_value(out, item, ind);
    }
}

fn write_scalar_value<N>(out: &mut String, shape: &Shape<'_, N>, ind: usize) {
    match shape {
        // Bytes that are not UTF-8, as go-yaml writes them: base64 under `!!binary`, in lines
        // of 70 characters (then a literal block) when longer.
        Shape::Bytes(b) => {
            let text = binary_text(b);
            out.push_str("!!binary ");
            if text.contains('\n') {
                write_literal(out, &text, ind + 2);
            } else {
                out.push_str(&text);
                out.push('\n');
            }
            return;
        }
        Shape::Str(s) if s.contains('\n') && literal_allowed(s) => {
            write_literal(out, s, ind + 2);
            return;
        }
        Shape::Str(s) => push_scalar_str(out, s, false),
        Shape::Text(t) => out.push_str(t),
        Shape::Map(_) => out.push_str("{}"),
        Shape::Seq(_) => out.push_str("[]"),
    }
    out.push('\n');
}

/// Appends a string scalar, without an intermediate allocation for the common plain case.
fn push_scalar_str(out: &mut String, s: &str, is_key: bool) {
    if trivially_plain(s) && !resolves_to_non_string(s) && !is_base60_float(s) && !is_old_bool(s) {
        out.push_str(s);
    } else {
        out.push_str(&string_scalar(s, is_key));
    }
}

/// A string as go-yaml prints it in block context (plain, quoted or escaped as needed).
#[must_use]
pub fn scalar_text(s: &str) -> String {
    string_scalar(s, false)
}

fn scalar<N>(shape: &Shape<'_, N>, is_key: bool) -> String {
    match shape {
        Shape::Text(t) => t.clone(),
        Shape::Str(s) => string_scalar(s, is_key),
        Shape::Bytes(b) => format!("!!binary {}", binary_text(b).trim_end()),
        Shape::Seq(_) => "[]".into(),
        Shape::Map(_) => "{}".into(),
    }
}

/// go-yaml's `isOldBool`: YAML 1.1 booleans are quoted so that old parsers read strings.
fn is_old_bool(s: &str) -> bool {
    matches!(
        s,
        "y" | "Y"
            | "yes"
            | "Yes"
            | "YES"
            | "n"
            | "N"
            | "no"
            | "No"
            | "NO"
            | "on"
            | "On"
            | "ON"
            | "off"
            | "Off"
            | "OFF"
    )
}

/// go-yaml's `isBase60Float`: `^[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?$`.
fn is_base60_float(s: &str) -> bool {
    let b = s.as_bytes();
    let mut i = 0;
    if matches!(b.first(), Some(b'+' | b'-')) {
        i += 1;
    }
    if !b.get(i).is_some_and(u8::is_ascii_digit) {
        return false;
    }
    i += 1;
    while i < b.len() && (b[i].is_ascii_digit() || b[i] == b'_') {
        i += 1;
    }
    let mut groups = 0;
    while b.get(i) == Some(&b':') {
        i += 1;
        let start = i;
        if b.get(i).is_some_and(|c| (b'0'..=b'5').contains(c))
            && b.get(i + 1).is_some_and(u8::is_ascii_digit)
        {
            i += 2;
        } else if b.get(i).is_some_and(u8::is_ascii_digit) {
            i += 1;
        }
        if i == start {
            return false;
        }
        groups += 1;
    }
    if groups == 0 {
        return false;
    }
    if b.get(i) == Some(&b'.') {
        i += 1;
        while i < b.len() && (b[i].is_ascii_digit() || b[i] == b'_') {
            i += 1;
        }
    }
    i == b.len()
}

/// Would this string re-parse as something other than a string if printed plain? (`<<` is
/// printed plain by go-yaml even though it is the merge key.)
fn resolves_to_non_string(s: &str) -> bool {
    s != "<<" && berth_model::scalar::resolves_to_non_string(s)
}

/// libyaml's `is_printable`.
fn printable(c: char) -> bool {
    let u = c as u32;
    u == 0x0A
        || (0x20..=0x7E).contains(&u)
        || (0xA0..=0xD7FF).contains(&u)
        || ((0xE000..=0xFFFD).contains(&u) && u != 0xFEFF)
}

fn is_break(c: char) -> bool {
    matches!(c, '\r' | '\n' | '\u{85}' | '\u{2028}' | '\u{2029}')
}

fn is_blankz(c: Option<char>) -> bool {
    match c {
        None => true,
        Some(c) => c == ' ' || c == '\t' || is_break(c) || c == '\0',
    }
}

struct Analysis {
    block_plain: bool,
    single: bool,
    block: bool,
    multiline: bool,
}

/// libyaml's `yaml_emitter_analyze_scalar`.
fn analyze(s: &str) -> Analysis {
    if s.is_empty() {
        return Analysis {
            block_plain: true,
            single: true,
            block: false,
            multiline: false,
        };
    }
    let (mut block_ind, mut flow_ind) = (false, false);
    if s.starts_with("---") || s.starts_with("...") {
        block_ind = true;
        flow_ind = true;
    }
    let mut preceded_ws = true;
    let mut line_breaks = false;
    let mut special = false;
    let (mut leading_space, mut leading_break, mut trailing_space, mut trailing_break) =
        (false, false, false, false);
    let (mut break_space, mut space_break) = (false, false);
    let (mut prev_space, mut prev_break) = (false, false);
    let last = s.char_indices().last().map_or(0, |(i, _)| i);
    for (i, c) in s.char_indices() {
        let followed_ws = is_blankz(s[i + c.len_utf8()..].chars().next());
        if i == 0 {
            match c {
                '#' | ',' | '[' | ']' | '{' | '}' | '&' | '*' | '!' | '|' | '>' | '\'' | '"'
                | '%' | '@' | '`' => {
                    flow_ind = true;
                    block_ind = true;
                }
                '?' | ':' => {
                    flow_ind = true;
                    if followed_ws {
                        block_ind = true;
                    }
                }
                '-' if followed_ws => {
                    flow_ind = true;
                    block_ind = true;
                }
                _ => {}
            }
        } else {
            match c {
                ',' | '?' | '[' | ']' | '{' | '}' => flow_ind = true,
                ':' => {
                    flow_ind = true;
                    if followed_ws {
                        block_ind = true;
                    }
                }
                '#' if preceded_ws => {
                    flow_ind = true;
                    block_ind = true;
                }
                _ => {}
            }
        }
        if !printable(c) {
            special = true;
        }
        if is_break(c) {
            line_breaks = true;
        }
        if c == ' ' {
            if i == 0 {
                leading_space = true;
            }
            if i == last {
                trailing_space = true;
            }
            if prev_break {
                break_space = true;
            }
            prev_space = true;
            prev_break = false;
        } else if is_break(c) {
            if i == 0 {
                leading_break = true;
            }
            if i == last {
                trailing_break = true;
            }
            if prev_space {
                space_break = true;
            }
            prev_space = false;
            prev_break = true;
        } else {
            prev_space = false;
            prev_break = false;
        }
        preceded_ws = is_blankz(Some(c));
    }
    let _ = flow_ind;
    let mut a = Analysis {
        block_plain: true,
        single: true,
        block: true,
        multiline: line_breaks,
    };
    if leading_space || leading_break || trailing_space || trailing_break {
        a.block_plain = false;
    }
    if trailing_space {
        a.block = false;
    }
    if break_space {
        a.block_plain = false;
        a.single = false;
    }
    if space_break || special {
        a.block_plain = false;
        a.single = false;
        a.block = false;
    }
    if line_breaks {
        a.block_plain = false;
    }
    if block_ind {
        a.block_plain = false;
    }
    a
}

fn literal_allowed(s: &str) -> bool {
    analyze(s).block
}

/// Strings of letters, digits and `_ . / -` (not starting a document marker) have no indicator
/// and no whitespace, so libyaml's analysis allows them plain; skip it.
fn trivially_plain(s: &str) -> bool {
    // A lone `-` is a sequence entry's indicator: libyaml quotes it.
    !s.is_empty()
        && s != "-"
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'/' | b'-'))
        && !s.starts_with("---")
        && !s.starts_with("...")
}

fn string_scalar(s: &str, is_key: bool) -> String {
    let can_plain = !resolves_to_non_string(s) && !is_base60_float(s) && !is_old_bool(s);
    if can_plain && trivially_plain(s) {
        return s.to_string();
    }
    let a = analyze(s);
    if s.contains('\n') {
        // Literal blocks are handled by the caller; keys and disallowed blocks get quotes.
        return double_quoted(s);
    }
    if can_plain && a.block_plain && !(s.is_empty() && is_key) {
        return s.to_string();
    }
    if can_plain && a.single {
        return format!("'{}'", s.replace('\'', "''"));
    }
    if !can_plain {
        return double_quoted(s);
    }
    let _ = a.multiline;
    double_quoted(s)
}

fn double_quoted(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        let u = c as u32;
        if !printable(c) || c == '\u{feff}' || is_break(c) || c == '"' || c == '\\' {
            out.push('\\');
            match c {
                '\0' => out.push('0'),
                '\u{7}' => out.push('a'),
                '\u{8}' => out.push('b'),
                '\t' => out.push('t'),
                '\n' => out.push('n'),
                '\u{b}' => out.push('v'),
                '\u{c}' => out.push('f'),
                '\r' => out.push('r'),
                '\u{1b}' => out.push('e'),
                '"' => out.push('"'),
                '\\' => out.push('\\'),
                '\u{85}' => out.push('N'),
                '\u{a0}' => out.push('_'),
                '\u{2028}' => out.push('L'),
                '\u{2029}' => out.push('P'),
                _ if u <= 0xFF => out.push_str(&format!("x{u:02X}")),
                _ if u <= 0xFFFF => out.push_str(&format!("u{u:04X}")),
                _ => out.push_str(&format!("U{u:08X}")),
            }
        } else {
            out.push(c);
        }
    }
    out.push('"');
    out
}

/// go-yaml's `encodeBase64`: standard base64, broken into lines of 70 characters (each line
/// then ending in a newline) when it is longer than that.
fn binary_text(bytes: &[u8]) -> String {
    const LINE: usize = 70;
    let encoded = base64::Engine::encode(&base64::engine::general_purpose::STANDARD, bytes);
    let lines = encoded.len() / LINE + 1;
    if lines == 1 {
        return encoded;
    }
    let mut out = String::with_capacity(encoded.len() + lines);
    for piece in encoded.as_bytes().chunks(LINE) {
        out.push_str(std::str::from_utf8(piece).unwrap_or_default());
        out.push('\n');
    }
    out
}

/// A `|` block with libyaml's indentation and chomping hints.
fn write_literal(out: &mut String, s: &str, content_indent: usize) {
    out.push('|');
    if s.starts_with(' ') || s.starts_with('\n') {
        out.push('2');
    }
    let chomp = if !s.ends_with('\n') {
        "-"
    } else if s.len() == 1 || s[..s.len() - 1].ends_with('\n') {
        "+"
    } else {
        ""
    };
    out.push_str(chomp);
    out.push('\n');
    let mut at_line_start = true;
    for c in s.chars() {
        if c == '\n' {
            out.push('\n');
            at_line_start = true;
        } else {
            if at_line_start {
                indent(out, content_indent);
                at_line_start = false;
            }
            out.push(c);
        }
    }
    if !s.ends_with('\n') {
        out.push('\n');
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoting_matches_go_yaml() {
        for (input, want) in [
            ("1", "\"1\""),
            ("1.0", "\"1.0\""),
            ("0x1F", "\"0x1F\""),
            ("012", "\"012\""),
            ("true", "\"true\""),
            ("null", "\"null\""),
            ("~", "\"~\""),
            ("", "\"\""),
            ("2001-01-01", "\"2001-01-01\""),
            ("yes", "\"yes\""),
            ("n", "\"n\""),
            ("#x", "'#x'"),
            ("@x", "'@x'"),
            ("- x", "'- x'"),
            ("a: b", "'a: b'"),
            (" lead", "' lead'"),
            ("trailing ", "'trailing '"),
            ("img:", "'img:'"),
            ("{a}", "'{a}'"),
            (":x", ":x"),
            ("a\tb", "\"a\\tb\""),
            ("über", "über"),
            ("emoji 😀", "\"emoji \\U0001F600\""),
            ("1:20", "\"1:20\""),
            ("<<", "<<"),
            ("+Inf", "+Inf"),
            (
                "mysqladmin ping -h 127.0.0.1",
                "mysqladmin ping -h 127.0.0.1",
            ),
        ] {
            assert_eq!(string_scalar(input, false), want, "{input:?}");
        }
    }

    /// Found by the config round-trip fuzz target: a key longer than 128 bytes was written
    /// plain, which no parser reads as a key; go-yaml writes it as an explicit key.
    #[test]
    fn a_long_key_is_written_as_an_explicit_key() {
        use berth_model::{Key, Map, Span};
        let long = "k".repeat(129);
        let at = Span::SYNTHETIC;
        let mut nested = Map::new(MapKind::Dict);
        nested.insert(Key::new("nested", at), Value::int(1, at));
        let mut top = Map::new(MapKind::Dict);
        top.insert(Key::new(long.clone(), at), Value::str("v", at));
        top.insert(Key::new("short", at), Value::str("w", at));
        top.insert(Key::new(format!("x-{long}"), at), Value::map(nested, at));
        let yaml = to_yaml(&Value::map(top, at));
        assert!(yaml.contains(&format!("? {long}\n: v\n")), "{yaml}");
        assert!(
            yaml.contains(&format!("? x-{long}\n: nested: 1\n")),
            "{yaml}"
        );
        assert!(yaml.contains("short: w\n"), "{yaml}");
    }

    /// Issue 17 item 7: `DASH: "-"` came out as `DASH: -`, which reads back as null.
    #[test]
    fn a_lone_dash_is_quoted_so_that_it_reads_back() {
        assert_eq!(string_scalar("-", false), "'-'");
        let mut out = String::new();
        push_scalar_str(&mut out, "-", false);
        assert_eq!(out, "'-'");
        for plain in ["--", "-a", "a-"] {
            assert_eq!(string_scalar(plain, false), plain);
        }
    }

    /// Keys of letters alone skip the sort: their byte order must be their natural order.
    #[test]
    fn json_keys_are_written_in_natural_order() {
        let v = serde_json::json!({
            "b": 1, "a10": 2, "a9": 3, "A": 4, "a_b": 5, "ab": 6, "a": 7, "Zz": 8, "zZ": 9,
        });
        let text = to_yaml(&v);
        let keys: Vec<&str> = text.lines().filter_map(|l| l.split(':').next()).collect();
        let mut want = keys.clone();
        want.sort_by(|a, b| natural_cmp(a, b));
        assert_eq!(keys, want);
        let letters =
            serde_json::json!({ "spec": 1, "Spec": 2, "specs": 3, "apiVersion": 4, "kind": 5 });
        let text = to_yaml(&letters);
        let keys: Vec<&str> = text.lines().filter_map(|l| l.split(':').next()).collect();
        let mut want = keys.clone();
        want.sort_by(|a, b| natural_cmp(a, b));
        assert_eq!(keys, want);
    }

    #[test]
    fn literal_blocks() {
        let mut out = String::new();
        write_literal(&mut out, "multi\nline\n", 8);
        assert_eq!(out, "|\n        multi\n        line\n");
        assert!(!literal_allowed("multi\nline  \n"));
    }
}
