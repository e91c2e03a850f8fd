//! Defaults Docker Compose adds (compose-go `loader/normalize.go`): the default network, resource
//! names, build defaults, implicit `depends_on` from links and `service:` modes; and the pruning
//! of resources no selected service uses (`WithoutUnnecessaryResources`).

use berth_model::{Key, Kind, Map, MapKind, Span, Value};
use indexmap::IndexMap;

use crate::decode;

fn k(s: &str) -> Key {
    Key::synthetic(s)
}

/// Puts a struct's fields back in Go field order after keys were added.
pub fn reorder(m: &mut Map, fields: &[(&str, decode::T)]) {
    let pos = |name: &str| {
        fields
            .iter()
            .position(|(n, _)| *n == name)
            .unwrap_or(if name.starts_with("x-") {
                usize::MAX
            } else {
                usize::MAX - 1
            })
    };
    m.entries
        .sort_by(|a, _, b, _| pos(&a.name).cmp(&pos(&b.name)));
}

fn add_dependency(svc: &mut Map, dep: &str, restart: bool, raw: bool, span: Span) {
    if !svc.contains_key("depends_on") {
        svc.insert(
            k("depends_on"),
            Value::empty_map(MapKind::Dict, Span::SYNTHETIC),
        );
    }
    let Some(deps) = svc.get_mut("depends_on").and_then(Value::as_map_mut) else {
        return;
    };
    if deps.contains_key(dep) {
        return;
    }
    let mut d = Map::new(MapKind::Struct);
    d.insert(
        k("condition"),
        Value::str("service_started", Span::SYNTHETIC),
    );
    // The typed model omits `restart: false`; the raw model (`--no-interpolate`) prints it.
    if restart || raw {
        d.insert(k("restart"), Value::bool(restart, Span::SYNTHETIC));
    }
    d.insert(k("required"), Value::bool(true, Span::SYNTHETIC));
    deps.insert(Key::new(dep, span), Value::map(d, Span::SYNTHETIC));
}

pub fn normalize(
    services: &mut Map,
    sections: &mut IndexMap<&str, Map>,
    project: &str,
    env: &IndexMap<String, String>,
    default_context: &str,
    raw: bool,
) {
    let mut uses_default = false;
    for (_, svc) in services.iter_mut() {
        let Some(m) = svc.as_map_mut() else { continue };
        if let Some(b) = m.get_mut("build").and_then(Value::as_map_mut) {
            if !b.contains_key("context") {
                b.insert(k("context"), Value::str(default_context, Span::SYNTHETIC));
            }
            if !b.contains_key("dockerfile") && !b.contains_key("dockerfile_inline") {
                b.insert(k("dockerfile"), Value::str("Dockerfile", Span::SYNTHETIC));
            }
            if let Some(args) = b.get_mut("args").and_then(Value::as_map_mut) {
                let names: Vec<String> = args
                    .iter()
                    .filter(|(_, v)| v.is_null())
                    .map(|(k, _)| k.name.clone())
                    .collect();
                for n in names {
                    match env.get(&n) {
                        Some(v) => {
                            if let Some(x) = args.get_mut(&n) {
                                *x = Value::str(v.clone(), x.span);
                            }
                        }
                        None => {
                            args.remove(&n);
                        }
                    }
                }
                // None left (each named a variable that is unset): no `args` at all, as
                // Docker Compose prints it (found by the config round-trip fuzz target).
                if args.is_empty() {
                    b.remove("args");
                }
            }
            reorder(b, decode::BUILD);
        }
        // Implicit dependencies, in compose-go's order: links, then `service:` modes, then
        // volumes_from.
        // Each keeps the span of what implies it, for errors about it.
        let mut implicit: Vec<(String, bool, Span)> = Vec::new();
        for l in m.get("links").and_then(Value::as_seq).unwrap_or(&[]) {
            if let Some(s) = l.as_str() {
                implicit.push((s.split(':').next().unwrap_or(s).to_string(), true, l.span));
            }
        }
        for key in ["network_mode", "ipc", "pid", "uts", "cgroup"] {
            if let Some(v) = m.get(key) {
                if let Some(s) = v.as_str().and_then(|s| s.strip_prefix("service:")) {
                    implicit.push((s.to_string(), true, v.span));
                }
            }
        }
        for vf in m.get("volumes_from").and_then(Value::as_seq).unwrap_or(&[]) {
            if let Some(s) = vf.as_str() {
                if !s.starts_with("container:") {
                    implicit.push((s.split(':').next().unwrap_or(s).to_string(), false, vf.span));
                }
            }
        }
        for (dep, restart, span) in implicit {
            add_dependency(m, &dep, restart, raw, span);
        }
        if raw {
            if let Some(p) = m.get_mut("pull_policy") {
                if p.as_str() == Some("if_not_present") {
                    *p = Value::str("missing", p.span);
                }
            }
        }
        let has_mode = m.contains_key("network_mode") || m.contains_key("provider");
        let empty_nets = m
            .get("networks")
            .and_then(Value::as_map)
            .is_none_or(Map::is_empty);
        if !has_mode && empty_nets {
            let mut n = Map::new(MapKind::Dict);
            n.insert(k("default"), Value::null(Span::SYNTHETIC));
            m.insert(k("networks"), Value::map(n, Span::SYNTHETIC));
        }
        if m.get("networks").and_then(|n| n.get("default")).is_some() {
            uses_default = true;
        }
        reorder(m, decode::SERVICE);
    }
    if let Some(nets) = sections.get_mut("networks") {
        if uses_default && !nets.contains_key("default") {
            nets.insert(
                k("default"),
                Value::empty_map(MapKind::Struct, Span::SYNTHETIC),
            );
        }
    }
    for section in ["networks", "volumes", "secrets", "configs"] {
        let Some(m) = sections.get_mut(section) else {
            continue;
        };
        for (key, r) in m.iter_mut() {
            let Some(rm) = r.as_map_mut() else { continue };
            if rm.contains_key("name") {
                continue;
            }
            let external = rm.get("external").and_then(Value::as_bool).unwrap_or(false);
            let name = if external {
                key.name.clone()
            } else {
                format!("{project}_{}", key.name)
            };
            let mut out = Map::new(MapKind::Struct);
            out.insert(k("name"), Value::str(name, Span::SYNTHETIC));
            for (kk, vv) in rm.entries.drain() {
                out.insert(kk, vv);
            }
            *rm = out;
        }
    }
}

/// Drops top-level networks, volumes, secrets and configs that no service refers to.
pub fn prune_resources(services: &Map, sections: &mut IndexMap<&str, Map>) {
    let mut used: IndexMap<&str, Vec<String>> = IndexMap::new();
    for (_, svc) in services.iter() {
        for n in svc
            .get("networks")
            .and_then(Value::as_map)
            .into_iter()
            .flat_map(Map::keys)
        {
            used.entry("networks").or_default().push(n.to_string());
        }
        for v in svc.get("volumes").and_then(Value::as_seq).unwrap_or(&[]) {
            if v.get("type").and_then(Value::as_str) == Some("volume") {
                if let Some(s) = v.get("source").and_then(Value::as_str) {
                    used.entry("volumes").or_default().push(s.to_string());
                }
            }
        }
        let refs = |v: Option<&Value>| -> Vec<String> {
            v.and_then(Value::as_seq)
                .unwrap_or(&[])
                .iter()
                .filter_map(|x| x.get("source").and_then(Value::as_str).map(str::to_string))
                .collect()
        };
        used.entry("secrets")
            .or_default()
            .extend(refs(svc.get("secrets")));
        used.entry("secrets")
            .or_default()
            .extend(refs(svc.path(&["build", "secrets"])));
        used.entry("configs")
            .or_default()
            .extend(refs(svc.get("configs")));
    }
    for (section, m) in sections.iter_mut() {
        let keep = used.get(section).cloned().unwrap_or_default();
        let names: Vec<String> = m.keys().map(str::to_string).collect();
        for n in names {
            if !keep.contains(&n) {
                m.remove(&n);
            }
        }
    }
}

/// True when a value is an empty mapping.
#[must_use]
pub fn is_empty_map(v: &Value) -> bool {
    matches!(&v.kind, Kind::Map(m) if m.is_empty())
}
