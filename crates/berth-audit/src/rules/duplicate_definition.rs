//! ## What it does
//! Finds a service defined in full (with its own `image`, or a `build` with its context) in
//! two files of the same project. An overlay that changes only the build target or the
//! Dockerfile is an override, not a second definition.
//!
//! ## Why
//! Docker Compose merges the two definitions into one service without a word: ports and
//! volumes add up, scalars from the later file win. What runs is neither file's service, and
//! every change has to be made twice. The seeds' fog-compute project defined Prometheus and
//! Grafana both in `docker-compose.yml` and in `docker-compose.betanet.yml`.
//!
//! ## Example
//! ```yaml
//! # docker-compose.yml
//! services:
//!   prometheus: {image: prom/prometheus, ports: ["9090:9090"]}
//! # docker-compose.betanet.yml
//! services:
//!   prometheus: {image: prom/prometheus, ports: ["9091:9090"]}
//! ```
//!
//! ## Use instead
//! Define the service once, in the base file; let other files change only what differs
//! (a port, a network, the build target), without `image` or the build context.

use berth_model::Span;

use super::file_name;
use crate::{Context, Sink};

pub fn check(cx: &Context, out: &mut Sink) {
    let p = cx.project;
    for s in p.services() {
        // The files whose own document gives this service an image or a build.
        let mut defs: Vec<Span> = Vec::new();
        for layer in &p.layers {
            let Some((view, key_span)) = layer.service(s.name) else {
                continue;
            };
            // A build that only changes the target or the Dockerfile is an override; one
            // that names its context defines the service.
            let full = view.image().is_some()
                || view
                    .build()
                    .and_then(|b| b.context)
                    .is_some_and(|c| !c.span.is_synthetic());
            if full && !defs.iter().any(|d| d.file == key_span.file) {
                defs.push(key_span);
            }
        }
        if defs.len() < 2 {
            continue;
        }
        let files: Vec<String> = defs.iter().map(|d| file_name(p, *d)).collect();
        let mut d = berth_model::Diagnostic::error(format!(
            "service `{}` is defined in full in {} files: {}",
            s.name,
            defs.len(),
            files.join(", ")
        ));
        for (i, span) in defs.iter().enumerate() {
            d = d.with_label(
                *span,
                if i == 0 {
                    "first defined here"
                } else {
                    "defined again here"
                },
            );
        }
        out.report(
            Some(s.name),
            d.with_note("the files' settings are merged into one service"),
        );
    }
}
