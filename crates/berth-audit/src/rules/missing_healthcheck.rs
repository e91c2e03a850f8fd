//! ## What it does
//! Finds services that other services depend on but that have no healthcheck.
//!
//! ## Why
//! Without a healthcheck, "started" is all Compose can know: dependents start while the
//! database is still initialising, and `up --wait` cannot tell a hung service from a ready
//! one.
//!
//! ## Example
//! ```yaml
//! services:
//!   backend: {depends_on: [postgres]}
//!   postgres: {image: postgres:16}
//! ```
//!
//! ## Use instead
//! ```yaml
//!   postgres:
//!     image: postgres:16
//!     healthcheck: {test: ["CMD-SHELL", "pg_isready -U postgres"], interval: 5s}
//! ```

use std::collections::BTreeSet;

use berth_model::Diagnostic;

use crate::{Context, Sink};

pub fn check(cx: &Context, out: &mut Sink) {
    let p = cx.project;
    let needed: BTreeSet<&str> = p.services().flat_map(|s| s.depends_on()).collect();
    for name in needed {
        let Some(s) = p.service(name) else { continue };
        if s.healthcheck().is_some() {
            continue;
        }
        let span = crate::facts::service_span(p, s.name);
        out.report(
            Some(s.name),
            Diagnostic::warning(format!("`{}` has dependents but no healthcheck", s.name))
                .with_label(span, "no healthcheck"),
        );
    }
}
