//! What Swarm cannot carry of a service: each setting `docker stack deploy` ignores (or would
//! refuse) is reported with the file, line and column that set it, so a user knows what the
//! cluster will not do; `--strict` makes them errors.

use berth_model::read::At;
use berth_model::{Diagnostic, Service, Span};

/// The settings a Swarm service has no place for, and why.
const IGNORED: &[(&str, &str)] = &[
    ("container_name", "Swarm names a service's tasks itself"),
    (
        "links",
        "services reach each other by name on their networks",
    ),
    (
        "network_mode",
        "a Swarm service joins networks, not another container's stack",
    ),
    ("privileged", "Swarm services cannot run privileged"),
    ("devices", "Swarm services cannot be given host devices"),
    ("ipc", "Swarm services cannot share an IPC namespace"),
    ("pid", "Swarm services cannot share a PID namespace"),
    ("security_opt", "Swarm services take no security options"),
    ("cgroup_parent", "Swarm places tasks in its own cgroups"),
    ("userns_mode", "Swarm services cannot set a user namespace"),
    (
        "volumes_from",
        "Swarm services cannot mount another container's volumes",
    ),
    ("mac_address", "Swarm assigns the tasks' addresses"),
];

/// The losses of service `s`: warnings naming where each lost setting is written.
#[must_use]
pub fn losses(s: &Service<'_>) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    let mut lost = |span: Span, what: &str, why: &str| {
        out.push(
            Diagnostic::warning(format!(
                "service {:?}: `{what}` is not supported by Docker Swarm and is ignored",
                s.name
            ))
            .with_label(span, why.to_string()),
        );
    };
    for (key, why) in IGNORED {
        if let Some(v) = s.get(key) {
            lost(v.span, key, why);
        }
    }
    // The conditions hold: the deploy creates a gated service once its dependency has
    // converged (see `crate::stack`). A restart on the dependency's update does not.
    for d in s.dependencies() {
        if d.restart {
            lost(
                d.span,
                "depends_on.restart",
                "Swarm does not restart a service when a service it depends on is updated",
            );
        }
    }
    if let Some(b) = s.build() {
        let At { span, .. } = b.context.unwrap_or(At {
            value: String::new(),
            span: b.span,
        });
        lost(
            span,
            "build",
            "Swarm runs images: build and push it to the registry `image:` names",
        );
    }
    out
}
