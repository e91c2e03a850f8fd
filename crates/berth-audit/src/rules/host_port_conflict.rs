//! ## What it does
//! Finds two published ports that want the same host port: the same protocol, overlapping
//! port numbers (ranges included) and addresses that collide (`0.0.0.0` takes every IPv4
//! address, an empty `host_ip` every address; IPv4 and IPv6 are told apart). With
//! `berth audit --running`, also the ports that running containers of other projects hold.
//!
//! ## Why
//! The engine refuses to start the second container (`port is already allocated`), and only
//! at run time. In the seeds, the base file and the betanet file both published Prometheus on
//! 9090, so the two could not run together.
//!
//! ## Example
//! ```yaml
//! services:
//!   prometheus:         {image: prom/prometheus, ports: ["9090:9090"]}
//!   prometheus-betanet: {image: prom/prometheus, ports: ["9090:9090"]}
//! ```
//!
//! ## Use instead
//! One service per host port: publish on another port, or on another address
//! (`127.0.0.1:9090:9090` and `127.0.0.2:9090:9090`), or not at all.

use berth_model::Diagnostic;

use crate::facts::{addresses_overlap, published};
use crate::{Context, Sink};

pub fn check(cx: &Context, out: &mut Sink) {
    let mut ports = published(cx.project);
    ports.sort_by_key(|p| (p.protocol.clone(), p.first));
    // Sorted by protocol and first port: a port can only collide with the ones after it whose
    // first port is within its range.
    for (i, a) in ports.iter().enumerate() {
        for b in &ports[i + 1..] {
            if b.protocol != a.protocol || b.first > a.last {
                break;
            }
            if !addresses_overlap(&a.host_ip, &b.host_ip) {
                continue;
            }
            let port = a.ports();
            let who = if a.service == b.service {
                format!("twice by `{}`", a.service)
            } else {
                format!("by both `{}` and `{}`", a.service, b.service)
            };
            out.report(
                Some(b.service),
                Diagnostic::error(format!(
                    "host port {port}/{} is published {who}",
                    a.protocol
                ))
                .with_label(b.span, format!("`{}` publishes it here", b.service))
                .with_label(a.span, format!("`{}` already publishes it here", a.service))
                .with_note("the engine starts only the first container to bind it"),
            );
        }
    }
    // With `--running`: ports that containers outside the project already hold.
    for p in &ports {
        for r in cx.running {
            if r.protocol != p.protocol
                || r.port < p.first
                || r.port > p.last
                || !addresses_overlap(&p.host_ip, &r.host_ip)
            {
                continue;
            }
            out.report(
                Some(p.service),
                Diagnostic::error(format!(
                    "host port {}/{} of `{}` is already published by the running container `{}`",
                    r.port, r.protocol, p.service, r.container
                ))
                .with_label(p.span, "published here")
                .with_note(format!(
                    "`{}` holds {}:{}; `up` would fail with \"port is already allocated\"",
                    r.container,
                    if r.host_ip.is_empty() {
                        "0.0.0.0"
                    } else {
                        &r.host_ip
                    },
                    r.port
                )),
            );
        }
    }
}
