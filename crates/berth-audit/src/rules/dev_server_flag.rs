//! ## What it does
//! Finds development servers started by a file that is not a development file: `--reload`,
//! `nodemon`, `npm run dev`, `flask run --debug`, `manage.py runserver`.
//!
//! ## Why
//! Reloading servers watch the file system, run single-process and often print debug pages
//! with stack traces. In the seeds' base file the backend ran `uvicorn ... --reload`.
//!
//! ## Example
//! ```yaml
//! # docker-compose.yml
//! services:
//!   backend: {command: uvicorn main:app --host 0.0.0.0 --reload}
//! ```
//!
//! ## Use instead
//! A production command in the base file (`uvicorn main:app --workers 4`); the reloading one in
//! `docker-compose.override.yml`.

use berth_model::Diagnostic;

use crate::facts::{command_line, from_dev_file};
use crate::{Context, Sink};

const MARKERS: &[&str] = &[
    "--reload",
    "nodemon",
    "npm run dev",
    "yarn dev",
    "pnpm dev",
    "next dev",
    "vite dev",
    "flask run --debug",
    "runserver",
    "--watch",
];

pub fn check(cx: &Context, out: &mut Sink) {
    let p = cx.project;
    for s in p.services() {
        for key in ["command", "entrypoint"] {
            let Some((text, span)) = command_line(&s, key) else {
                continue;
            };
            if from_dev_file(p, span) {
                continue;
            }
            if let Some(m) = MARKERS.iter().find(|m| contains_word(&text, m)) {
                out.report(
                    Some(s.name),
                    Diagnostic::warning(format!(
                        "`{}` starts a development server (`{m}`) outside a development file",
                        s.name
                    ))
                    .with_label(span, format!("`{m}`")),
                );
            }
        }
    }
}

/// `needle` in `text` as whole words.
fn contains_word(text: &str, needle: &str) -> bool {
    text.match_indices(needle).any(|(i, _)| {
        let before = text[..i].chars().next_back();
        let after = text[i + needle.len()..].chars().next();
        before.is_none_or(|c| c.is_whitespace() || c == '"' || c == '\'')
            && after.is_none_or(|c| c.is_whitespace() || c == '=' || c == '"' || c == '\'')
    })
}
