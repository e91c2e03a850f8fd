//! ## What it does
//! In a production combination, finds published ports on any service other than the reverse
//! proxy (nginx, Traefik, Caddy, HAProxy, Envoy).
//!
//! ## Why
//! In production only the proxy should face the outside: it terminates TLS and routes to the
//! services over the Compose networks. Every other published port is a way around it. The
//! seeds' consolidation went from 11 published ports in production to 2 (80 and 443).
//!
//! ## Example
//! ```yaml
//! # docker-compose.prod.yml combined with a base that publishes 8000
//! services:
//!   backend: {ports: ["8000:8000"]}
//! ```
//!
//! ## Use instead
//! Publish the service's port in the development file only; in production route to it
//! through the proxy.

use berth_model::Diagnostic;

use crate::facts::{published, role, Role};
use crate::{Context, Sink};

pub fn check(cx: &Context, out: &mut Sink) {
    let p = cx.project;
    for port in published(p) {
        if p.service(port.service)
            .is_some_and(|s| role(&s) == Role::Proxy)
        {
            continue;
        }
        out.report(
            Some(port.service),
            Diagnostic::warning(format!(
                "`{}` publishes host port {} in production",
                port.service, port.first
            ))
            .with_label(port.span, "published here")
            .with_note("only the reverse proxy should publish ports in production"),
        );
    }
}
