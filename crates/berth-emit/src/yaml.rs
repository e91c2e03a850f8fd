//! A block-style YAML writer that prints exactly what go-yaml v3's encoder prints for
//! `docker compose config` (indent 2, sequences indented under their key, no line wrapping,
//! libyaml's scalar analysis for quoting).

use berth_model::{natural_cmp, Kind, MapKind, Value};

/// Renders a value tree as a YAML document (with trailing newline).
#[must_use]
pub fn to_yaml(v: &Value) -> String {
    let mut out = String::new();
    match &v.kind {
        Kind::Map(m) if !m.is_empty() => write_map_body(&mut out, v, 0),
        Kind::Seq(s) if !s.is_empty() => write_seq_body(&mut out, v, 0),
        _ => {
            out.push_str(&scalar(v, false));
            out.push('\n');
        }
    }
    out
}

fn indent(out: &mut String, n: usize) {
    for _ in 0..n {
        out.push(' ');
    }
}

fn entries(v: &Value) -> Vec<(&str, &Value)> {
    let Kind::Map(m) = &v.kind else {
        return Vec::new();
    };
    let mut e: Vec<(&str, &Value)> = m.iter().map(|(k, v)| (k.name.as_str(), v)).collect();
    if m.kind == MapKind::Dict {
        e.sort_by(|a, b| natural_cmp(a.0, b.0));
    }
    e
}

fn write_map_body(out: &mut String, v: &Value, ind: usize) {
    let all = entries(v);
    // A large map of maps (the services of a big project) is rendered on two threads.
    if all.len() >= 64 && all.iter().all(|(_, val)| matches!(val.kind, Kind::Map(_))) {
        let (left, right) = all.split_at(all.len() / 2);
        let rendered = std::thread::scope(|scope| {
            let handle = scope.spawn(|| {
                let mut s = String::new();
                write_entries(&mut s, right, ind, false);
                s
            });
            let mut s = String::new();
            write_entries(&mut s, left, ind, true);
            handle.join().map(|r| (s, r))
        });
        match rendered {
            Ok((l, r)) => {
                out.push_str(&l);
                out.push_str(&r);
            }
            Err(panic) => std::panic::resume_unwind(panic),
        }
        return;
    }
    write_entries(out, &all, ind, true);
}

/// Writes `key: value` lines; the caller has already indented the first one if `first_indented`.
fn write_entries(out: &mut String, entries: &[(&str, &Value)], ind: usize, first_indented: bool) {
    for (i, (k, val)) in entries.iter().enumerate() {
        if i > 0 || !first_indented {
            indent(out, ind);
        }
        if k.len() > SIMPLE_KEY_MAX {
            write_explicit_entry(out, k, val, ind);
            continue;
        }
        push_scalar_str(out, k, true);
        out.push(':');
        write_value_after_key(out, val, ind);
    }
}

/// libyaml writes a key longer than this (in bytes) as an explicit key (`? key`), which a
/// parser reads back: a plain key that long is not a key.
const SIMPLE_KEY_MAX: usize = 128;

/// `? key` then `: value`, the value starting on the `:` line as go-yaml writes it.
fn write_explicit_entry(out: &mut String, k: &str, val: &Value, ind: usize) {
    out.push_str("? ");
    push_scalar_str(out, k, true);
    out.push('\n');
    indent(out, ind);
    out.push_str(": ");
    write_inline_value(out, val, ind);
}

/// A value that starts on the line of its marker (`- ` of a sequence item, `: ` of an explicit
/// key): a collection's first entry there, the rest indented under it.
fn write_inline_value(out: &mut String, val: &Value, ind: usize) {
    match &val.kind {
        Kind::Map(m) if !m.is_empty() => write_map_body(out, val, ind + 2),
        Kind::Map(_) => out.push_str("{}\n"),
        Kind::Seq(s) if !s.is_empty() => write_seq_body(out, val, ind + 2),
        Kind::Seq(_) => out.push_str("[]\n"),
        _ => write_scalar_value(out, val, ind),
    }
}

fn write_value_after_key(out: &mut String, val: &Value, ind: usize) {
    match &val.kind {
        Kind::Map(m) if !m.is_empty() => {
            out.push('\n');
            indent(out, ind + 2);
            write_map_body(out, val, ind + 2);
        }
        Kind::Map(_) => out.push_str(" {}\n"),
        Kind::Seq(s) if !s.is_empty() => {
            out.push('\n');
            indent(out, ind + 2);
            write_seq_body(out, val, ind + 2);
        }
        Kind::Seq(_) => out.push_str(" []\n"),
        _ => {
            out.push(' ');
            write_scalar_value(out, val, ind);
        }
    }
}

fn write_seq_body(out: &mut String, v: &Value, ind: usize) {
    let Kind::Seq(items) = &v.kind else { return };
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            indent(out, ind);
        }
        out.push_str("- ");
        write_inline_value(out, item, ind);
    }
}

fn write_scalar_value(out: &mut String, v: &Value, ind: usize) {
    // Bytes that are not UTF-8, as go-yaml writes them: base64 under `!!binary`, in lines of
    // 70 characters (then a literal block) when longer.
    if let Kind::Bytes(b) = &v.kind {
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
    if let Kind::Str(s) = &v.kind {
        if s.contains('\n') && literal_allowed(s) {
            write_literal(out, s, ind + 2);
            return;
        }
    }
    match &v.kind {
        Kind::Str(st) => push_scalar_str(out, st, false),
        _ => out.push_str(&scalar(v, false)),
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

fn scalar(v: &Value, is_key: bool) -> String {
    match &v.kind {
        Kind::Null => "null".into(),
        Kind::Bool(b) => b.to_string(),
        Kind::Int(i) => i.to_string(),
        Kind::Float(f) => {
            if f.is_nan() {
                ".nan".into()
            } else if f.is_infinite() {
                if *f > 0.0 {
                    ".inf".into()
                } else {
                    "-.inf".into()
                }
            } else {
                berth_model::value::format_go_float(*f)
            }
        }
        Kind::Str(s) | Kind::Timestamp(s) => string_scalar(s, is_key),
        Kind::Bytes(b) => format!("!!binary {}", binary_text(b).trim_end()),
        Kind::Seq(_) => "[]".into(),
        Kind::Map(_) => "{}".into(),
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

    #[test]
    fn literal_blocks() {
        let mut out = String::new();
        write_literal(&mut out, "multi\nline\n", 8);
        assert_eq!(out, "|\n        multi\n        line\n");
        assert!(!literal_allowed("multi\nline  \n"));
    }
}
