//! ## What it does
//! Finds `depends_on` with `condition: service_healthy` on a service that has no healthcheck
//! in the project (or has it disabled).
//!
//! ## Why
//! Compose waits for a health status that never comes: `up` fails with `container X has no
//! healthcheck configured`, unless the image itself declares a `HEALTHCHECK` (which the
//! compose files do not show, so readers cannot tell).
//!
//! ## Example
//! ```yaml
//! services:
//!   backend: {depends_on: {redis: {condition: service_healthy}}}
//!   redis: {image: redis}
//! ```
//!
//! ## Use instead
//! Give the dependency a healthcheck (`test: ["CMD", "redis-cli", "ping"]`), or wait for
//! `service_started`.

use berth_model::dependency::Condition;
use berth_model::Diagnostic;

use crate::{Context, Sink};

pub fn check(cx: &Context, out: &mut Sink) {
    let p = cx.project;
    for s in p.services() {
        for dep in s.dependencies() {
            let (Condition::Healthy, Some(cond_span)) = (dep.condition, dep.condition_span) else {
                continue;
            };
            let Some(target) = p.service(dep.service) else {
                continue;
            };
            let checked = target.healthcheck().is_some_and(|h| h.checks());
            if checked {
                continue;
            }
            out.report(
                Some(s.name),
                Diagnostic::error(format!(
                    "`{}` waits for `{}` to be healthy, but `{}` has no healthcheck",
                    s.name, dep.service, dep.service
                ))
                .with_label(cond_span, "service_healthy")
                .with_note("unless its image declares a HEALTHCHECK, `up` fails here"),
            );
        }
    }
}
