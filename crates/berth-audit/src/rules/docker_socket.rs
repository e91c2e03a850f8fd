//! ## What it does
//! Finds services that mount the Docker Engine's socket (`/var/run/docker.sock`).
//!
//! ## Why
//! Whoever talks to the socket controls the engine: it can start a privileged container
//! with the host's root file system mounted. A compromised service with the socket is a
//! compromised host. Traefik and monitoring agents ask for it; read-only does not help, the
//! API is still fully usable.
//!
//! ## Example
//! ```yaml
//! services:
//!   traefik: {volumes: ["/var/run/docker.sock:/var/run/docker.sock:ro"]}
//! ```
//!
//! ## Use instead
//! A socket proxy that allows only the calls the service needs (read-only container listing),
//! or a static configuration.

use berth_model::Diagnostic;

use crate::{Context, Sink};

pub fn check(cx: &Context, out: &mut Sink) {
    for s in cx.project.services() {
        for v in s.mounts() {
            if matches!(v.source, Some("/var/run/docker.sock" | "/run/docker.sock")) {
                out.report(
                    Some(s.name),
                    Diagnostic::warning(format!("`{}` mounts the Docker Engine's socket", s.name))
                        .with_label(v.span, "full control of the engine"),
                );
            }
        }
    }
}
