//! Text for the markup Berth writes: HTML and SVG (`berth docs`, `berth graph`, the
//! dashboard) and XML (the audit's JUnit report).

/// Text for HTML and SVG: `&`, `<`, `>` and `"` escaped, and control characters (which XML
/// forbids, and which would reach a terminal that shows the file) written as `\x1b`, as Docker
/// Compose writes them.
#[must_use]
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\t' | '\n' => out.push(c),
            c if c.is_control() => out.push_str(&format!("\\x{:02x}", u32::from(c))),
            c => out.push(c),
        }
    }
    out
}
