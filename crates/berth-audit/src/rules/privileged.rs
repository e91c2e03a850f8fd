//! ## What it does
//! Finds services run with `privileged: true`.
//!
//! ## Why
//! A privileged container has every capability and every device of the host: escaping it is
//! trivial, so it is as trusted as root on the host.
//!
//! ## Example
//! ```yaml
//! services:
//!   agent: {image: agent, privileged: true}
//! ```
//!
//! ## Use instead
//! The capabilities or devices the service needs, and no more: `cap_add: [NET_ADMIN]`,
//! `devices: ["/dev/fuse"]`.

use berth_model::Diagnostic;

use crate::{Context, Sink};

pub fn check(cx: &Context, out: &mut Sink) {
    for s in cx.project.services() {
        let Some(v) = s.privileged() else {
            continue;
        };
        if !v.value {
            continue;
        }
        out.report(
            Some(s.name),
            Diagnostic::warning(format!("`{}` runs privileged", s.name))
                .with_label(v.span, "every capability and device of the host"),
        );
    }
}
