//! ## What it does
//! Finds application services that depend on a monitoring service (Prometheus, Grafana,
//! Loki, ...).
//!
//! ## Why
//! Monitoring watches the application; it should never be a reason for the application not
//! to start. With the dependency, a broken Grafana keeps the backend down, and monitoring
//! cannot be moved to another stack.
//!
//! ## Example
//! ```yaml
//! services:
//!   backend: {depends_on: [prometheus]}
//! ```
//!
//! ## Use instead
//! Drop the dependency; let the monitoring stack find the application (scrape targets,
//! service discovery).

use berth_model::Diagnostic;

use crate::facts::{role, Role};
use crate::{Context, Sink};

pub fn check(cx: &Context, out: &mut Sink) {
    let p = cx.project;
    for s in p.services() {
        if matches!(role(&s), Role::Monitoring | Role::Proxy) {
            continue;
        }
        for dep in s.dependencies() {
            if p.service(dep.service)
                .is_some_and(|d| role(&d) == Role::Monitoring)
            {
                out.report(
                    Some(s.name),
                    Diagnostic::warning(format!(
                        "`{}` depends on the monitoring service `{}`",
                        s.name, dep.service
                    ))
                    .with_label(dep.span, "monitoring dependency"),
                );
            }
        }
    }
}
