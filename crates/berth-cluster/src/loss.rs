//! What Swarm cannot carry of a service: each setting `docker stack deploy` ignores (or would
//! refuse) is reported with the file, line and column that set it, so a user knows what the
//! cluster will not do; `--strict` makes them errors.

use berth_model::resources::FileDef;
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

/// The settings the Swarm service carries (see [`crate::swarm`]), or that need no carrying:
/// `profiles` are resolved when the project loads, `env_file` is in `environment` by then,
/// `expose` means nothing on an overlay network (every port of a task is reachable there),
/// `restart` is the restart policy unless `deploy.restart_policy` gives one, and `scale`,
/// `mem_limit`, `cpus` and `pids_limit` stand for their `deploy` settings.
const CARRIED: &[&str] = &[
    "image",
    "command",
    "entrypoint",
    "environment",
    "env_file",
    "labels",
    "user",
    "working_dir",
    "hostname",
    "init",
    "read_only",
    "stop_grace_period",
    "stop_signal",
    "cap_add",
    "cap_drop",
    "sysctls",
    "ulimits",
    "dns",
    "dns_search",
    "dns_opt",
    "extra_hosts",
    "logging",
    "healthcheck",
    "tmpfs",
    "deploy",
    "networks",
    "ports",
    "volumes",
    "secrets",
    "configs",
    "depends_on",
    "tty",
    "stdin_open",
    "restart",
    "expose",
    "profiles",
    "scale",
    "mem_limit",
    "mem_reservation",
    "cpus",
    "pids_limit",
    "build",
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
    // Every other setting Swarm has no place for.
    if let Some(map) = s.value.as_map() {
        for (k, v) in map.iter() {
            let key = k.name.as_str();
            let known = CARRIED.contains(&key) || IGNORED.iter().any(|(i, _)| *i == key);
            if !known && !key.starts_with("x-") {
                lost(v.span, key, "a Swarm service has no such setting");
            }
        }
    }
    // Parts of `deploy` the conversion does not carry.
    for (path, shown) in [
        (
            &["deploy", "resources", "reservations", "devices"][..],
            "deploy.resources.reservations.devices",
        ),
        (
            &["deploy", "resources", "reservations", "generic_resources"][..],
            "deploy.resources.reservations.generic_resources",
        ),
    ] {
        if let Some(v) = s.value.path(path) {
            lost(
                v.span,
                shown,
                "Berth does not give Swarm tasks devices or generic resources yet",
            );
        }
    }
    for path in s.settings().tmpfs.unwrap_or_default() {
        if path.contains(':') {
            if let Some(v) = s.get("tmpfs") {
                lost(
                    v.span,
                    "tmpfs options",
                    "the tmpfs is mounted with Swarm's defaults",
                );
            }
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
    out
}

/// The settings of a top-level secret or config the stack carries: its data and how it is
/// named and labelled.
const FILE_CARRIED: &[&str] = &[
    "file",
    "environment",
    "content",
    "external",
    "name",
    "labels",
    "template_driver",
];

/// The losses of secret or config `def` (one a service uses): a driver (Berth makes the object
/// from its data), or any other setting.
#[must_use]
pub fn file_losses(def: &FileDef<'_>) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    let Some(map) = def.value.as_map() else {
        return out;
    };
    for (k, v) in map.iter() {
        let key = k.name.as_str();
        if FILE_CARRIED.contains(&key) || key.starts_with("x-") {
            continue;
        }
        let why = match key {
            "driver" | "driver_opts" => "the object is made from its data, without a driver",
            _ => "Swarm has no such setting",
        };
        out.push(
            Diagnostic::warning(format!(
                "{} {:?}: `{key}` is not supported by Berth on Docker Swarm and is ignored",
                def.kind.singular(),
                def.key
            ))
            .with_label(v.span, why.to_string()),
        );
    }
    out
}
