//! JSON as Go's `encoding/json` writes it: struct fields in declaration order, map keys sorted
//! bytewise, `<`, `>` and `&` escaped, floats in Go's format.

use berth_model::{Kind, MapKind, Value};

/// How to render: indented (`MarshalIndent` with two spaces) or compact (`Marshal`).
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Style {
    Indented,
    Compact,
}

/// Writes a value; `filter` may drop or rewrite map entries given their path depth.
pub fn write(out: &mut String, v: &Value, style: Style, depth: usize) {
    match &v.kind {
        Kind::Null => out.push_str("null"),
        Kind::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Kind::Int(i) => out.push_str(&i.to_string()),
        Kind::Float(f) => out.push_str(&go_json_float(*f)),
        Kind::Str(s) | Kind::Timestamp(s) => write_string(out, s),
        Kind::Bytes(b) => write_bytes(out, b),
        Kind::Seq(items) => {
            if items.is_empty() {
                out.push_str("[]");
                return;
            }
            out.push('[');
            for (i, it) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                newline(out, style, depth + 1);
                write(out, it, style, depth + 1);
            }
            newline(out, style, depth);
            out.push(']');
        }
        Kind::Map(m) => {
            let mut entries: Vec<(&str, &Value)> =
                m.iter().map(|(k, v)| (k.name.as_str(), v)).collect();
            if m.kind == MapKind::Dict {
                entries.sort_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
            }
            write_entries(out, &entries, style, depth);
        }
    }
}

/// Writes a JSON object from entries already in output order.
pub fn write_entries(out: &mut String, entries: &[(&str, &Value)], style: Style, depth: usize) {
    if entries.is_empty() {
        out.push_str("{}");
        return;
    }
    out.push('{');
    for (i, (k, v)) in entries.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        newline(out, style, depth + 1);
        write_string(out, k);
        out.push(':');
        if style == Style::Indented {
            out.push(' ');
        }
        write(out, v, style, depth + 1);
    }
    newline(out, style, depth);
    out.push('}');
}

fn newline(out: &mut String, style: Style, depth: usize) {
    if style == Style::Indented {
        out.push('\n');
        for _ in 0..depth {
            out.push_str("  ");
        }
    }
}

/// Go's string encoding with HTML escaping.
pub fn write_string(out: &mut String, s: &str) {
    out.push('"');
    push_escaped(out, s);
    out.push('"');
}

/// Bytes that are not all UTF-8 as a JSON string, as Go writes them: each stray byte as
/// `\ufffd`.
pub fn write_bytes(out: &mut String, b: &[u8]) {
    out.push('"');
    for chunk in b.utf8_chunks() {
        push_escaped(out, chunk.valid());
        for _ in chunk.invalid() {
            out.push_str("\\ufffd");
        }
    }
    out.push('"');
}

fn push_escaped(out: &mut String, s: &str) {
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '<' => out.push_str("\\u003c"),
            '>' => out.push_str("\\u003e"),
            '&' => out.push_str("\\u0026"),
            '\u{2028}' => out.push_str("\\u2028"),
            '\u{2029}' => out.push_str("\\u2029"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
}

/// Go's float64 JSON encoding: `%f`-style between 1e-6 and 1e21, else exponent form.
#[must_use]
pub fn go_json_float(f: f64) -> String {
    if !f.is_finite() {
        return "null".into();
    }
    let abs = f.abs();
    if abs != 0.0 && !(1e-6..1e21).contains(&abs) {
        let s = format!("{f:e}");
        let (m, e) = s.split_once('e').unwrap_or((&s, "0"));
        let exp: i32 = e.parse().unwrap_or(0);
        let sign = if exp < 0 { '-' } else { '+' };
        return format!("{m}e{sign}{}", exp.abs());
    }
    let s = format!("{f}");
    s.strip_suffix(".0").map_or(s.clone(), str::to_string)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn floats_and_escapes() {
        assert_eq!(go_json_float(0.5), "0.5");
        assert_eq!(go_json_float(1.0), "1");
        assert_eq!(go_json_float(1e21), "1e+21");
        assert_eq!(go_json_float(1e-7), "1e-7");
        let mut s = String::new();
        write_string(&mut s, "a && <b>\t");
        assert_eq!(s, "\"a \\u0026\\u0026 \\u003cb\\u003e\\t\"");
    }
}
