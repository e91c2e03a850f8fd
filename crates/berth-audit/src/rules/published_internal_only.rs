//! ## What it does
//! Finds a service that publishes host ports while every network it is on is `internal`.
//!
//! ## Why
//! An internal network has no way in or out of the host: the engine does not publish ports of
//! containers that are only on internal networks, so the port silently stays closed.
//!
//! ## Example
//! ```yaml
//! services:
//!   api: {image: app, ports: ["8000:8000"], networks: [internal]}
//! networks:
//!   internal: {internal: true}
//! ```
//!
//! ## Use instead
//! Add a non-internal network (a `public` one) to the service, or drop the port.

use berth_model::{Diagnostic, Value};

use crate::facts::networks;
use crate::{Context, Sink};

pub fn check(cx: &Context, out: &mut Sink) {
    let p = cx.project;
    let internal = |n: &str| {
        p.tree
            .path(&["networks", n, "internal"])
            .and_then(Value::as_bool)
            .unwrap_or(false)
    };
    for s in p.services() {
        let Some(port) = s.ports().next() else {
            continue;
        };
        let nets = networks(p, &s);
        if nets.is_empty() || !nets.iter().all(|n| internal(n)) {
            continue;
        }
        out.report(
            Some(s.name),
            Diagnostic::warning(format!(
                "`{}` publishes ports but is only on internal networks ({})",
                s.name,
                nets.join(", ")
            ))
            .with_label(port.span, "this port cannot be reached"),
        );
    }
}
