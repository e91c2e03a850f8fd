//! ## What it does
//! Finds development tools (pgAdmin, Redis Commander, Mailhog, Adminer, phpMyAdmin,
//! mongo-express, ...) defined outside a development file and not behind a profile.
//!
//! ## Why
//! Without a profile the tool starts with every `up`, production included, and these tools
//! are admin consoles with full access to the data behind them.
//!
//! ## Example
//! ```yaml
//! # docker-compose.yml
//! services:
//!   pgadmin: {image: dpage/pgadmin4, ports: ["5050:80"]}
//! ```
//!
//! ## Use instead
//! Define it in `docker-compose.override.yml`, or give it a profile:
//! `profiles: [tools]`, started with `--profile tools`.

use berth_model::Diagnostic;

use crate::facts::{from_dev_file, role, Role};
use crate::{Context, Sink};

pub fn check(cx: &Context, out: &mut Sink) {
    let p = cx.project;
    for s in p.services() {
        if role(&s) != Role::DevTool || s.profiles().is_some() {
            continue;
        }
        let span = s
            .image_at()
            .map_or_else(|| crate::facts::service_span(p, s.name), |i| i.span);
        if from_dev_file(p, span) {
            continue;
        }
        out.report(
            Some(s.name),
            Diagnostic::warning(format!(
                "development tool `{}` starts with every `up`: it has no profile",
                s.name
            ))
            .with_label(span, "a development tool"),
        );
    }
}
