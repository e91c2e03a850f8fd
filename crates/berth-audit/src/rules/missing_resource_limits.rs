//! ## What it does
//! In a production combination, finds services without a memory or CPU limit
//! (`deploy.resources.limits`, `mem_limit`, `cpus`).
//!
//! ## Why
//! One leaking or runaway container takes the host's memory or CPU from every other one; the
//! kernel's OOM killer then picks a victim that may not be the culprit.
//!
//! ## Example
//! ```yaml
//! services:
//!   backend: {image: app}
//! ```
//!
//! ## Use instead
//! ```yaml
//!   backend:
//!     image: app
//!     deploy: {resources: {limits: {cpus: "1.0", memory: 512M}}}
//! ```

use berth_model::Diagnostic;

use crate::{Context, Sink};

pub fn check(cx: &Context, out: &mut Sink) {
    for s in cx.project.services() {
        let limited = s.deploy().limits.is_set();
        if limited {
            continue;
        }
        let span = crate::facts::service_span(cx.project, s.name);
        out.report(
            Some(s.name),
            Diagnostic::warning(format!("`{}` has no memory or CPU limit", s.name))
                .with_label(span, "no resource limits"),
        );
    }
}
