//! `convert swarm`: the project as a stack file `docker stack deploy -c -` accepts, for people
//! who keep the Docker CLI in their pipeline. The file is the loaded project (interpolated,
//! `.env` applied, profiles resolved, include and extends done) cut to what the Docker CLI's
//! loader takes (its compose file format 3, whose schema has no room for the newer settings):
//! what Swarm cannot carry is removed, with the loss report of [`crate::loss`]; ports,
//! `depends_on`, file modes and `extra_hosts` are written in the forms that format wants; the
//! names the loader gives every network, volume, secret and config (`<project>_<key>`) are
//! left out, so that the Docker CLI scopes them by the stack as it does.

use berth_model::value::{Key, Kind, Map, MapKind, Value};
use berth_model::{Diagnostic, Project};

/// The keys of a service the Docker CLI's compose file format takes and Swarm carries.
const SERVICE_KEYS: &[&str] = &[
    "cap_add",
    "cap_drop",
    "command",
    "configs",
    "depends_on",
    "deploy",
    "dns",
    "dns_search",
    "entrypoint",
    "environment",
    "expose",
    "extra_hosts",
    "healthcheck",
    "hostname",
    "image",
    "init",
    "labels",
    "logging",
    "networks",
    "ports",
    "read_only",
    "restart",
    "secrets",
    "stdin_open",
    "stop_grace_period",
    "stop_signal",
    "sysctls",
    "tmpfs",
    "tty",
    "ulimits",
    "user",
    "volumes",
    "working_dir",
];

/// The keys each top-level section's entries may have there.
const NETWORK_KEYS: &[&str] = &[
    "name",
    "driver",
    "driver_opts",
    "ipam",
    "external",
    "internal",
    "attachable",
    "labels",
];
const VOLUME_KEYS: &[&str] = &["name", "driver", "driver_opts", "external", "labels"];
const FILE_KEYS: &[&str] = &["name", "file", "external", "labels", "template_driver"];

/// The stack file of `project` deployed as `stack`, and what it leaves out.
#[must_use]
pub fn stack_file(project: &Project, stack: &str) -> (Value, Vec<Diagnostic>) {
    let mut losses: Vec<Diagnostic> = project
        .services()
        .flat_map(|s| crate::loss::losses(&s))
        .collect();
    let span = project.tree.span;
    let mut out = Map::new(MapKind::Struct);
    out.insert(Key::new("version", span), Value::str("3.9", span));
    if let Some(services) = project.tree.get("services").and_then(Value::as_map) {
        let mut m = Map::new(MapKind::Dict);
        for (k, v) in services.iter() {
            m.insert(k.clone(), service(v));
        }
        out.insert(Key::new("services", span), Value::map(m, span));
    }
    for (section, keys) in [
        ("networks", NETWORK_KEYS),
        ("volumes", VOLUME_KEYS),
        ("secrets", FILE_KEYS),
        ("configs", FILE_KEYS),
    ] {
        let Some(defs) = project.tree.get(section).and_then(Value::as_map) else {
            continue;
        };
        let mut m = Map::new(MapKind::Dict);
        for (k, v) in defs.iter() {
            let mut def = keep(v, keys);
            // The loader's `<project>_<key>`: the Docker CLI makes it `<stack>_<key>` itself.
            let generated = format!("{}_{}", project.name, k.name);
            if def.get("name").and_then(Value::as_str) == Some(generated.as_str()) {
                if let Some(d) = def.as_map_mut() {
                    d.remove("name");
                }
            }
            if section == "networks" {
                ipam_subnets_only(&mut def);
            }
            // A secret or config from `environment` or `content` has no file to name here:
            // it must exist on the swarm.
            let inline = v.get("environment").is_some() || v.get("content").is_some();
            if matches!(section, "secrets" | "configs") && inline {
                let name = crate::swarm::scope(stack, &k.name);
                losses.push(
                    Diagnostic::warning(format!(
                        "{} {:?} is written as external {name:?}: create it first (docker {} create {name} -)",
                        &section[..section.len() - 1],
                        k.name,
                        &section[..section.len() - 1],
                    ))
                    .with_label(v.span, "the stack file format takes only `file` or `external`"),
                );
                let mut ext = Map::new(MapKind::Struct);
                ext.insert(Key::new("name", v.span), Value::str(name, v.span));
                ext.insert(Key::new("external", v.span), Value::bool(true, v.span));
                def = Value::map(ext, v.span);
            }
            m.insert(k.clone(), def);
        }
        out.insert(Key::new(section, span), Value::map(m, span));
    }
    (Value::map(out, span), losses)
}

/// `v` (a mapping) with only `keys` (and `x-` extensions).
fn keep(v: &Value, keys: &[&str]) -> Value {
    let Some(map) = v.as_map() else {
        return v.clone();
    };
    let mut out = Map::new(map.kind);
    for (k, val) in map.iter() {
        if keys.contains(&k.name.as_str()) || k.name.starts_with("x-") {
            out.insert(k.clone(), val.clone());
        }
    }
    Value::map(out, v.span)
}

fn ipam_subnets_only(def: &mut Value) {
    let Some(pools) = def
        .get_mut("ipam")
        .and_then(|i| i.get_mut("config"))
        .and_then(Value::as_seq_mut)
    else {
        return;
    };
    for pool in pools {
        *pool = keep(pool, &["subnet"]);
    }
}

/// A service in the stack file's forms.
fn service(v: &Value) -> Value {
    let mut s = keep(v, SERVICE_KEYS);
    let Some(m) = s.as_map_mut() else {
        return s;
    };
    if let Some(d) = m.get_mut("depends_on") {
        // The format takes a list of names (the conditions are Berth's to honour).
        let names: Vec<Value> = d
            .as_map()
            .map(|deps| {
                deps.iter()
                    .map(|(k, _)| Value::str(k.name.clone(), k.span))
                    .collect()
            })
            .unwrap_or_default();
        *d = Value::seq(names, d.span);
    }
    if let Some(ports) = m.get_mut("ports").and_then(Value::as_seq_mut) {
        let mut out = Vec::new();
        for p in ports.iter() {
            out.extend(port(p));
        }
        *ports = out;
    }
    for list in ["secrets", "configs"] {
        if let Some(refs) = m.get_mut(list).and_then(Value::as_seq_mut) {
            for r in refs.iter_mut() {
                file_ref(r, list == "secrets");
            }
        }
    }
    if let Some(hosts) = m.get_mut("extra_hosts") {
        // `host=ip` as the loader writes the list; the format's mapping is `host: ip`.
        let mut map = Map::new(MapKind::Dict);
        for h in hosts.as_seq().unwrap_or(&[]) {
            if let Some((host, ip)) = h.as_str().and_then(|t| t.split_once('=')) {
                map.insert(Key::new(host, h.span), Value::str(ip, h.span));
            }
        }
        *hosts = Value::map(map, hosts.span);
    }
    if let Some(nets) = m.get_mut("networks").and_then(Value::as_map_mut) {
        for (_, n) in nets.iter_mut() {
            if n.as_map().is_some() {
                *n = keep(
                    n,
                    &["aliases", "driver_opts", "ipv4_address", "ipv6_address"],
                );
            }
        }
    }
    if let Some(vols) = m.get_mut("volumes").and_then(Value::as_seq_mut) {
        for vol in vols.iter_mut() {
            volume(vol);
        }
    }
    if let Some(deploy) = m.get_mut("deploy") {
        deploy_forms(deploy);
    }
    s
}

/// A port as the format takes it: published a number, one entry per port of a range, and
/// only `mode`, `target`, `published` and `protocol`.
fn port(p: &Value) -> Vec<Value> {
    let base = keep(p, &["mode", "target", "protocol"]);
    let published = p.get("published").and_then(Value::scalar_to_string);
    let numbers: Vec<Option<i64>> = match published.as_deref() {
        None => vec![None],
        Some(text) => match berth_model::ports::range(text) {
            Some((a, b)) => (a..=b).map(|n| Some(i64::from(n))).collect(),
            None => vec![text.parse().ok()],
        },
    };
    numbers
        .into_iter()
        .map(|n| {
            let mut e = base.clone();
            if let (Some(n), Some(m)) = (n, e.as_map_mut()) {
                m.insert(Key::new("published", p.span), Value::int(n, p.span));
            }
            e
        })
        .collect()
}

/// A secret or config reference: `mode` a number, the loader's default target left out.
fn file_ref(r: &mut Value, secret: bool) {
    let source = r.get("source").and_then(Value::as_str).map(str::to_string);
    let default_target = source.as_deref().map(|s| {
        if secret {
            format!("/run/secrets/{s}")
        } else {
            format!("/{s}")
        }
    });
    *r = keep(r, &["source", "target", "uid", "gid", "mode"]);
    let Some(m) = r.as_map_mut() else {
        return;
    };
    if m.get("target").and_then(Value::as_str) == default_target.as_deref() {
        m.remove("target");
    }
    if let Some(mode) = m.get_mut("mode") {
        if let Some(n) = mode
            .scalar_to_string()
            .and_then(|t| i64::from_str_radix(t.trim_start_matches("0o"), 8).ok())
        {
            *mode = Value::int(n, mode.span);
        }
    }
}

/// A volume mount in the long form with only what the format takes.
fn volume(v: &mut Value) {
    if v.as_map().is_none() {
        return;
    }
    *v = keep(
        v,
        &[
            "type",
            "source",
            "target",
            "read_only",
            "consistency",
            "bind",
            "volume",
            "tmpfs",
        ],
    );
    for (key, allowed) in [
        ("bind", &["propagation"][..]),
        ("volume", &["nocopy"][..]),
        ("tmpfs", &["size"][..]),
    ] {
        if let Some(sub) = v.get_mut(key) {
            *sub = keep(sub, allowed);
        }
    }
}

/// `deploy` with CPU figures as strings (the format's type) and without the devices of the
/// newer specification.
fn deploy_forms(d: &mut Value) {
    for part in ["limits", "reservations"] {
        let Some(r) = d
            .get_mut("resources")
            .and_then(|r| r.get_mut(part))
            .and_then(Value::as_map_mut)
        else {
            continue;
        };
        r.remove("devices");
        if let Some(c) = r.get_mut("cpus") {
            if let Some(t) = c.scalar_to_string() {
                *c = Value::new(Kind::Str(t), c.span);
            }
        }
    }
}
