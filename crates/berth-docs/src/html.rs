//! `berth docs --format html`: the document as one self-contained HTML file. The diagrams are
//! inline SVG drawn by Berth, the style is inline, nothing is fetched: it opens offline in any
//! browser, and prints.

use std::fmt::Write as _;

use crate::document::{Block, Document};

pub use berth_model::markup::escape;

/// A paragraph or cell: escaped, with Markdown's inline code (`` `x` `` or ``` `` x `` ```) as
/// `<code>`.
fn inline(s: &str) -> String {
    let mut out = String::new();
    for piece in crate::document::pieces(s) {
        match piece {
            crate::document::Piece::Text(t) => out.push_str(&escape(t)),
            crate::document::Piece::Code(c) => {
                let _ = write!(out, "<code>{}</code>", escape(c));
            }
        }
    }
    out
}

const STYLE: &str = "body{font-family:Helvetica,Arial,sans-serif;margin:2em auto;max-width:1200px;padding:0 1em;color:#222}\
h1{border-bottom:2px solid #333}h2{margin-top:2em;border-bottom:1px solid #ccc}\
table{border-collapse:collapse;margin:1em 0;font-size:13px}th,td{border:1px solid #ccc;padding:4px 8px;text-align:left;vertical-align:top}\
th{background:#f3f3f3}code{background:#f5f5f5;padding:1px 3px;border-radius:3px;font-size:12px}\
figure{margin:1em 0;overflow-x:auto}figure svg{max-width:100%;height:auto}\
@media print{body{max-width:none;margin:0}h2{page-break-after:avoid}table,figure{page-break-inside:avoid}}";

/// The document as a standalone HTML page.
#[must_use]
pub fn render(doc: &Document) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>{}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n<h1>{}</h1>",
        escape(&doc.title),
        escape(&doc.title)
    );
    for b in &doc.blocks {
        match b {
            Block::Heading(level, text) => {
                let _ = writeln!(out, "<h{level}>{}</h{level}>", inline(text));
            }
            Block::Text(t) => {
                let _ = writeln!(out, "<p>{}</p>", inline(t));
            }
            Block::List(items) => {
                out.push_str("<ol>\n");
                for item in items {
                    let _ = writeln!(out, "<li>{}</li>", inline(item));
                }
                out.push_str("</ol>\n");
            }
            Block::Diagram(g) => match crate::svg::render(g) {
                Ok(svg) => {
                    let _ = writeln!(out, "<figure>\n{svg}</figure>");
                }
                Err(too_much) => {
                    let _ = writeln!(
                        out,
                        "<p class=\"note\">Diagram left out: {}.</p>",
                        escape(&too_much.to_string())
                    );
                }
            },
            Block::Table { head, rows } => {
                out.push_str("<table>\n<thead><tr>");
                for h in head {
                    let _ = write!(out, "<th>{}</th>", inline(h));
                }
                out.push_str("</tr></thead>\n<tbody>\n");
                for r in rows {
                    out.push_str("<tr>");
                    for c in r {
                        let _ = write!(out, "<td>{}</td>", inline(c));
                    }
                    out.push_str("</tr>\n");
                }
                out.push_str("</tbody>\n</table>\n");
            }
        }
    }
    out.push_str("</body>\n</html>\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inline_code_and_escapes() {
        assert_eq!(inline("a `b` c"), "a <code>b</code> c");
        assert_eq!(
            inline("`` Host(`x`) && y ``"),
            "<code>Host(`x`) &amp;&amp; y</code>"
        );
        assert_eq!(inline("<b> `unclosed"), "&lt;b&gt; `unclosed");
    }
}
