//! ## What it does
//! Finds services that share a namespace of the host: `network_mode: host`, `pid: host`,
//! `ipc: host`, `uts: host` or `userns_mode: host`.
//!
//! ## Why
//! A namespace is one of the walls between a container and the host. In the host's network a
//! container reaches every port bound to loopback (databases, the engine's API on some hosts)
//! and publishes nothing through the engine; in the host's process namespace it sees and
//! signals every process; in its IPC namespace it reads shared memory of host programs.
//!
//! ## Example
//! ```yaml
//! services:
//!   agent: {image: agent, network_mode: host, pid: host}
//! ```
//!
//! ## Use instead
//! The project's networks and published ports; for a monitoring agent that must see the host,
//! a read-only mount of what it reads, and the `host` mode only where nothing else works.

use berth_model::Diagnostic;

use crate::{Context, Sink};

const KEYS: &[(&str, &str)] = &[
    (
        "network_mode",
        "the host's network: every port bound on the host is reachable",
    ),
    ("pid", "the host's processes: it sees and signals them all"),
    ("ipc", "the host's shared memory"),
    ("uts", "the host's name"),
    (
        "userns_mode",
        "the host's users: root inside is root outside",
    ),
];

pub fn check(cx: &Context, out: &mut Sink) {
    for s in cx.project.services() {
        for (key, what) in KEYS {
            let Some(v) = s.get(key) else { continue };
            if v.as_str() != Some("host") {
                continue;
            }
            out.report(
                Some(s.name),
                Diagnostic::warning(format!(
                    "`{}` shares the host's namespace: `{key}: host`",
                    s.name
                ))
                .with_label(v.span, *what),
            );
        }
    }
}
