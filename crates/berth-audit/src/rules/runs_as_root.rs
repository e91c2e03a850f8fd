//! ## What it does
//! Finds services that set `user` to root (`root`, `0`, `0:0`) explicitly.
//!
//! ## Why
//! Root in the container is root on the host's kernel: a process that escapes, or a bind
//! mount it writes to, acts with full privileges. Images that ship a non-root user are
//! usually switched back to root only for convenience.
//!
//! ## Example
//! ```yaml
//! services:
//!   app: {image: node:20, user: root}
//! ```
//!
//! ## Use instead
//! The image's own user, or a numeric unprivileged one: `user: "1000:1000"`.

use berth_model::Diagnostic;

use crate::{Context, Sink};

pub fn check(cx: &Context, out: &mut Sink) {
    for s in cx.project.services() {
        let Some(v) = s.user() else { continue };
        let user = v.value;
        let name = user.split(':').next().unwrap_or_default();
        if matches!(name, "root" | "0") {
            out.report(
                Some(s.name),
                Diagnostic::warning(format!("`{}` runs as root", s.name))
                    .with_label(v.span, "user set to root"),
            );
        }
    }
}
