//! ## What it does
//! Finds debug logging switched on by a file that is not a development file: a `*LOG*`
//! variable set to `debug` or `trace`, `DEBUG` set to true, or `--log-level debug` in the
//! command.
//!
//! ## Why
//! Debug logs are large, slow the service down and often print secrets, request bodies and
//! stack traces.
//!
//! ## Example
//! ```yaml
//! # docker-compose.yml
//! services:
//!   backend: {environment: {LOG_LEVEL: debug}}
//! ```
//!
//! ## Use instead
//! `LOG_LEVEL: ${LOG_LEVEL:-info}` in the base file; `debug` in the development override.

use berth_model::Diagnostic;

use crate::facts::{command_line, environment, from_dev_file};
use crate::{Context, Sink};

pub fn check(cx: &Context, out: &mut Sink) {
    let p = cx.project;
    for s in p.services() {
        for (key, value, span) in environment(&s) {
            let Some(value) = value else { continue };
            if from_dev_file(p, span) {
                continue;
            }
            let (k, v) = (key.to_ascii_uppercase(), value.to_ascii_lowercase());
            let debug = if k.contains("LOG") {
                v.split([',', '=', ' '])
                    .any(|w| w == "debug" || w == "trace")
            } else {
                (k == "DEBUG" || k.ends_with("_DEBUG"))
                    && matches!(v.as_str(), "1" | "true" | "yes" | "on")
            };
            if debug {
                out.report(
                    Some(s.name),
                    Diagnostic::warning(format!(
                        "`{}` logs at debug level outside a development file ({key}={value})",
                        s.name
                    ))
                    .with_label(span, "debug logging"),
                );
            }
        }
        if let Some((text, span)) = command_line(&s, "command") {
            let t = text.to_ascii_lowercase();
            if !from_dev_file(p, span)
                && (t.contains("--log-level debug") || t.contains("--log-level=debug"))
            {
                out.report(
                    Some(s.name),
                    Diagnostic::warning(format!(
                        "`{}` logs at debug level outside a development file",
                        s.name
                    ))
                    .with_label(span, "--log-level debug"),
                );
            }
        }
    }
}
