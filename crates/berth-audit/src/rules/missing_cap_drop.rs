//! ## What it does
//! Finds services that keep the engine's default capabilities:
//! no `cap_drop: [ALL]`.
//!
//! Off by default: it would report nearly every service. Select it with `--extend-select B8`
//! (every hardening rule) or `extend-select` in `berth.toml`.
//!
//! ## Why
//! The engine gives every container fourteen capabilities (`CHOWN`, `DAC_OVERRIDE`,
//! `NET_RAW`, `SETUID`, ...) whether the program needs them or not. Most services need none
//! of them, and each one is a step an attacker inside the container can take (`NET_RAW`
//! forges packets on the project's network).
//!
//! ## Example
//! ```yaml
//! services:
//!   api: {image: api}
//! ```
//!
//! ## Use instead
//! ```yaml
//!   api:
//!     image: api
//!     cap_drop: [ALL]
//!     cap_add: [NET_BIND_SERVICE]  # only what it needs
//! ```
//! `berth audit --fix` adds `cap_drop: [ALL]`.

use berth_model::Diagnostic;

use crate::{Context, Sink};

pub fn check(cx: &Context, out: &mut Sink) {
    for s in cx.project.services() {
        let drops_all = s.settings().cap_drop.is_some_and(|caps| {
            caps.iter()
                .any(|c| matches!(c.trim().to_ascii_uppercase().as_str(), "ALL" | "CAP_ALL"))
        });
        if drops_all || crate::facts::runs_no_container(&s) {
            continue;
        }
        let span = crate::facts::service_span(cx.project, s.name);
        out.report(
            Some(s.name),
            Diagnostic::warning(format!("`{}` keeps the default capabilities", s.name))
                .with_label(span, "no `cap_drop: [ALL]`"),
        );
    }
}
