//! ## What it does
//! Finds services whose logging driver is `none`.
//!
//! ## Why
//! With no log driver, `logs` shows nothing and what the program wrote before it failed is
//! gone: an incident cannot be reconstructed, and an attack leaves no trace.
//!
//! ## Example
//! ```yaml
//! services:
//!   api: {image: api, logging: {driver: none}}
//! ```
//!
//! ## Use instead
//! The default driver with a size cap:
//! `logging: {driver: json-file, options: {max-size: 10m, max-file: "3"}}`.

use berth_model::Diagnostic;

use crate::{Context, Sink};

pub fn check(cx: &Context, out: &mut Sink) {
    for s in cx.project.services() {
        let Some(driver) = s.get("logging").and_then(|l| l.get("driver")) else {
            continue;
        };
        if driver.as_str() != Some("none") {
            continue;
        }
        out.report(
            Some(s.name),
            Diagnostic::warning(format!("`{}` keeps no logs", s.name))
                .with_label(driver.span, "logging driver `none`"),
        );
    }
}
