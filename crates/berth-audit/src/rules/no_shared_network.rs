//! ## What it does
//! Finds a service that refers to another while the two share no network. A reference is a
//! `depends_on` or `links` entry, a host name in an environment value such as
//! `DATABASE_URL=postgresql://...@postgres:5432/db`, a scrape target in the `prometheus.yml` a
//! Prometheus bind-mounts (a monitoring stack isolated from what it monitors), or a
//! `traefik.http.routers.*` label, which makes the project's Traefik route to the service.
//!
//! ## Why
//! Containers reach each other by service name only over a network they share. Without one,
//! the name does not resolve and the connection fails at run time, however the services are
//! ordered. In the seeds, the betanet's Prometheus sat on the isolated `betanet` network and
//! could not reach the services it was meant to watch.
//!
//! ## Example
//! ```yaml
//! services:
//!   backend: {image: app, environment: {DB: "postgres:5432"}, networks: [public]}
//!   postgres: {image: postgres, networks: [internal]}
//! ```
//!
//! ## Use instead
//! Put both services on a common network (`backend: networks: [public, internal]`).

use berth_model::Diagnostic;

use crate::facts::{networks, on_host_network, references};
use crate::{Context, Sink};

pub fn check(cx: &Context, out: &mut Sink) {
    let p = cx.project;
    let mut seen = std::collections::HashSet::new();
    for r in references(p) {
        let (Some(from), Some(to)) = (p.service(r.from), p.service(&r.to)) else {
            continue;
        };
        if on_host_network(&from) || on_host_network(&to) {
            continue;
        }
        // `network_mode: service:x` (or `none`) is not a Compose network: nothing to compare.
        if from.network_mode().is_some() || to.network_mode().is_some() {
            continue;
        }
        let (a, b) = (networks(p, &from), networks(p, &to));
        if a.iter().any(|n| b.contains(n)) || !seen.insert((r.from, r.to.clone())) {
            continue;
        }
        out.report(
            Some(r.from),
            Diagnostic::error(format!(
                "`{}` refers to `{}` but they share no network",
                r.from, r.to
            ))
            .with_label(r.span, format!("refers to `{}` ({})", r.to, r.how))
            .with_note(format!(
                "`{}` is on {}; `{}` is on {}",
                r.from,
                list(&a),
                r.to,
                list(&b)
            )),
        );
    }
}

fn list(nets: &[&str]) -> String {
    if nets.is_empty() {
        "no network".into()
    } else {
        nets.iter()
            .map(|n| format!("`{n}`"))
            .collect::<Vec<_>>()
            .join(", ")
    }
}
