//! ## What it does
//! Finds credentials given as interpolation defaults: `${POSTGRES_PASSWORD:-postgres}`,
//! `${GF_SECURITY_ADMIN_PASSWORD-admin}`.
//!
//! ## Why
//! The variable looks externalized, but whenever it is not set (a new machine, a CI runner, a
//! forgotten `.env`) the well-known default is used, silently.
//!
//! ## Example
//! ```yaml
//! services:
//!   grafana: {environment: {GF_SECURITY_ADMIN_PASSWORD: "${GRAFANA_PASSWORD:-admin}"}}
//! ```
//!
//! ## Use instead
//! A required variable: `${GRAFANA_PASSWORD:?set GRAFANA_PASSWORD}`, or a secret file.

use berth_model::Diagnostic;

use crate::facts::secret_name;
use crate::facts::{environment, raw};
use crate::{Context, Sink};

/// The `${NAME:-default}` / `${NAME-default}` references of `text` with a non-empty default.
fn defaults(text: &str) -> Vec<(&str, &str)> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(i) = rest.find("${") {
        let body = &rest[i + 2..];
        let Some(end) = body.find('}') else { break };
        let inner = &body[..end];
        if let Some(j) = inner.find(['-', ':']) {
            let name = &inner[..j];
            let default = inner[j..].trim_start_matches(':');
            if let Some(default) = default.strip_prefix('-').filter(|d| !d.is_empty()) {
                out.push((name, default));
            }
        }
        rest = &body[end..];
    }
    out
}

pub fn check(cx: &Context, out: &mut Sink) {
    let p = cx.project;
    for s in p.services() {
        for (key, _, span) in environment(&s) {
            let Some(text) = raw(p, span) else { continue };
            for (name, _) in defaults(text) {
                if secret_name(key) || secret_name(name) {
                    out.report(
                        Some(s.name),
                        Diagnostic::warning(format!(
                            "`{}`: {key} falls back to a default credential when {name} is not set",
                            s.name
                        ))
                        .with_label(span, "default written in the file"),
                    );
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::defaults;

    #[test]
    fn defaults_are_found_in_both_forms() {
        assert_eq!(defaults("${A:-x}"), vec![("A", "x")]);
        assert_eq!(defaults("p${A-x}q${B}"), vec![("A", "x")]);
        assert!(defaults("${A:?required}").is_empty());
        assert!(defaults("${A:-}").is_empty());
    }
}
