//! ## What it does
//! Finds services whose processes may gain privileges:
//! no `security_opt: ["no-new-privileges:true"]`.
//!
//! Off by default: it would report nearly every service. Select it with `--extend-select B8`
//! (every hardening rule) or `extend-select` in `berth.toml`.
//!
//! ## Why
//! Without it, a program inside the container that runs a setuid binary (`su`, `sudo`,
//! `ping` on older images) becomes root in the container, whatever user it started as. With
//! it, the kernel refuses every privilege gain after the start.
//!
//! ## Example
//! ```yaml
//! services:
//!   api: {image: api, user: "1000"}
//! ```
//!
//! ## Use instead
//! ```yaml
//!   api:
//!     image: api
//!     user: "1000"
//!     security_opt: ["no-new-privileges:true"]
//! ```
//! `berth audit --fix` adds it.

use berth_model::Diagnostic;

use crate::{Context, Sink};

pub fn check(cx: &Context, out: &mut Sink) {
    for s in cx.project.services() {
        let set = s.settings().security_opt.is_some_and(|opts| {
            opts.iter().any(|o| {
                let o = o.trim();
                o == "no-new-privileges"
                    || o.split_once([':', '='])
                        .is_some_and(|(k, v)| k == "no-new-privileges" && v == "true")
            })
        });
        if set || crate::facts::runs_no_container(&s) {
            continue;
        }
        let span = crate::facts::service_span(cx.project, s.name);
        out.report(
            Some(s.name),
            Diagnostic::warning(format!(
                "`{}` may gain privileges through setuid programs",
                s.name
            ))
            .with_label(span, "no `no-new-privileges`"),
        );
    }
}
