//! Output contracts of `docker compose config`: YAML and JSON byte for byte, and the per-service
//! config hash that labels containers (so Berth and Docker Compose adopt each other's).

pub mod json;
pub mod yaml;

use berth_model::{Key, Kind, Map, MapKind, Project, Span, Value};
use sha2::{Digest, Sha256};

/// Docker Compose escapes every `$` of its output as `$$` so the output can be loaded again.
#[must_use]
pub fn escape_dollars(s: &str) -> String {
    if s.contains('$') {
        s.replace('$', "$$")
    } else {
        s.to_string()
    }
}

/// [`escape_dollars`] without a copy when there is nothing to escape.
fn escape_dollars_owned(s: String) -> String {
    if s.contains('$') {
        s.replace('$', "$$")
    } else {
        s
    }
}

/// `config` YAML output.
#[must_use]
pub fn config_yaml(project: &Project) -> String {
    escape_dollars_owned(yaml::to_yaml(&project.tree))
}

/// `config --no-interpolate` output of a raw model: every key sorted, scalars as written, `$`
/// not escaped (Docker Compose prints this model with its generic map formatter).
#[must_use]
pub fn model_yaml(model: &Value) -> String {
    yaml::to_yaml(&sorted_all(model))
}

/// `config --no-interpolate --format json`: every key sorted bytewise, no trailing newline.
#[must_use]
pub fn model_json(model: &Value) -> String {
    let mut out = String::new();
    let shown = raw_nulls(&sorted_all(model), false);
    json::write(&mut out, &shown, json::Style::Indented, 0);
    out
}

fn sorted_all(v: &Value) -> Value {
    match &v.kind {
        Kind::Map(m) => {
            let mut out = Map::new(MapKind::Dict);
            for (k, val) in m.iter() {
                out.insert(k.clone(), sorted_all(val));
            }
            Value::map(out, v.span)
        }
        Kind::Seq(items) => Value::seq(items.iter().map(sorted_all).collect(), v.span),
        _ => v.clone(),
    }
}

fn skey(s: &str) -> Key {
    Key::synthetic(s)
}

/// Inserts `key: value` into a struct map before the first of `before` that is present.
fn insert_before(m: &Map, key: &str, value: &Value, before: &[&str]) -> Map {
    let mut out = Map::new(m.kind);
    let mut done = m.contains_key(key);
    for (k, v) in m.iter() {
        if !done && (before.contains(&k.name.as_str()) || k.name.starts_with("x-")) {
            out.insert(skey(key), value.clone());
            done = true;
        }
        out.insert(k.clone(), v.clone());
    }
    if !done {
        out.insert(skey(key), value.clone());
    }
    out
}

const AFTER_COMMAND: &[&str] = &[
    "configs",
    "container_name",
    "credential_spec",
    "depends_on",
    "deploy",
    "device_cgroup_rules",
    "devices",
    "dns",
    "dns_opt",
    "dns_search",
    "dockerfile",
    "domainname",
    "entrypoint",
    "provider",
    "environment",
    "env_file",
    "expose",
    "extends",
    "external_links",
    "extra_hosts",
    "group_add",
    "gpus",
    "hostname",
    "healthcheck",
    "image",
    "init",
    "ipc",
    "isolation",
    "labels",
    "label_file",
    "links",
    "logging",
    "log_driver",
    "log_opt",
    "mem_limit",
    "mem_reservation",
    "memswap_limit",
    "mem_swappiness",
    "mac_address",
    "models",
    "net",
    "network_mode",
    "networks",
    "oom_kill_disable",
    "oom_score_adj",
    "pid",
    "pids_limit",
    "platform",
    "ports",
    "privileged",
    "pull_policy",
    "read_only",
    "restart",
    "runtime",
    "scale",
    "secrets",
    "security_opt",
    "shm_size",
    "stdin_open",
    "stop_grace_period",
    "stop_signal",
    "storage_opt",
    "sysctls",
    "tmpfs",
    "tty",
    "ulimits",
    "use_api_socket",
    "user",
    "userns_mode",
    "uts",
    "volume_driver",
    "volumes",
    "volumes_from",
    "working_dir",
    "post_start",
    "pre_stop",
];

/// A service as Go's JSON encoding sees it: `command`/`entrypoint` always present, nested
/// `x-*` dropped, `deploy.resources`/`deploy.placement` always present.
fn service_json(svc: &Value) -> Value {
    let Some(m) = svc.as_map() else {
        return svc.clone();
    };
    let null = Value::null(Span::SYNTHETIC);
    let mut m = insert_before(m, "command", &null, AFTER_COMMAND);
    let after_entry = &AFTER_COMMAND[AFTER_COMMAND
        .iter()
        .position(|k| *k == "entrypoint")
        .unwrap_or(0)
        + 1..];
    m = insert_before(&m, "entrypoint", &null, after_entry);
    if let Some(d) = m.get("deploy").and_then(Value::as_map) {
        let empty = Value::empty_map(MapKind::Struct, Span::SYNTHETIC);
        let mut nd = insert_before(
            d,
            "resources",
            &empty,
            &["restart_policy", "placement", "endpoint_mode"],
        );
        nd = insert_before(&nd, "placement", &empty, &["endpoint_mode"]);
        m.insert(skey("deploy"), Value::map(nd, Span::SYNTHETIC));
    }
    if let Some(w) = m
        .get("develop")
        .and_then(|d| d.get("watch"))
        .and_then(Value::as_seq)
    {
        // A watch rule's `exec` hook is a struct, not a pointer: JSON always has it.
        let hook = {
            let mut h = Map::new(MapKind::Struct);
            h.insert(skey("command"), Value::null(Span::SYNTHETIC));
            Value::map(h, Span::SYNTHETIC)
        };
        let rules: Vec<Value> = w
            .iter()
            .map(|r| match r.as_map() {
                Some(rm) => Value::map(
                    insert_before(rm, "exec", &hook, &["ignore", "include", "initial_sync"]),
                    r.span,
                ),
                None => r.clone(),
            })
            .collect();
        let mut d = m
            .get("develop")
            .and_then(Value::as_map)
            .cloned()
            .unwrap_or_default();
        d.insert(skey("watch"), Value::seq(rules, Span::SYNTHETIC));
        m.insert(skey("develop"), Value::map(d, Span::SYNTHETIC));
    }
    if let Some(b) = m.get("blkio_config").and_then(Value::as_map) {
        // compose-go's blkio device structs have no JSON tags: Go prints the field names.
        let mut nb = Map::new(MapKind::Struct);
        for (k, v) in b.iter() {
            let converted = match v.as_seq() {
                Some(items) => Value::seq(
                    items
                        .iter()
                        .map(|it| match it.as_map() {
                            Some(im) => {
                                let mut o = Map::new(MapKind::Struct);
                                for (ik, iv) in im.iter() {
                                    let mut name = ik.name.clone();
                                    if let Some(first) = name.get_mut(0..1) {
                                        first.make_ascii_uppercase();
                                    }
                                    o.insert(skey(&name), iv.clone());
                                }
                                Value::map(o, it.span)
                            }
                            None => it.clone(),
                        })
                        .collect(),
                    v.span,
                ),
                None => v.clone(),
            };
            nb.insert(k.clone(), converted);
        }
        m.insert(skey("blkio_config"), Value::map(nb, Span::SYNTHETIC));
    }
    drop_nested_extensions(&Value::map(m, svc.span))
}

fn drop_nested_extensions(v: &Value) -> Value {
    match &v.kind {
        Kind::Map(m) => {
            let mut out = Map::new(m.kind);
            for (k, val) in m.iter() {
                if m.kind == MapKind::Struct && k.name.starts_with("x-") {
                    continue;
                }
                out.insert(k.clone(), drop_nested_extensions(val));
            }
            Value::map(out, v.span)
        }
        Kind::Seq(items) => Value::seq(items.iter().map(drop_nested_extensions).collect(), v.span),
        _ => v.clone(),
    }
}

fn network_json(net: &Value) -> Value {
    let Some(m) = net.as_map() else {
        return net.clone();
    };
    let empty = Value::empty_map(MapKind::Struct, Span::SYNTHETIC);
    let m = insert_before(
        m,
        "ipam",
        &empty,
        &[
            "external",
            "internal",
            "attachable",
            "labels",
            "enable_ipv4",
            "enable_ipv6",
        ],
    );
    drop_nested_extensions(&Value::map(m, net.span))
}

/// `config --format json` output (no trailing newline, as Docker Compose).
///
/// # Errors
/// Docker Compose 2.40.3 cannot encode a `build.ssh` entry with a path as JSON
/// (`SSHKey.MarshalJSON` returns invalid JSON); Berth fails the same way, with a clearer message.
pub fn config_json(project: &Project) -> Result<String, String> {
    for s in project.services() {
        let ssh = s
            .value
            .path(&["build", "ssh"])
            .and_then(Value::as_seq)
            .unwrap_or(&[]);
        if let Some(entry) = ssh
            .iter()
            .filter_map(Value::as_str)
            .find(|e| e.contains(": "))
        {
            return Err(format!(
                "services.{}.build.ssh: cannot render {entry:?} as JSON (Docker Compose fails here too: \
                 its SSHKey JSON encoding is invalid for entries with a path); use YAML output",
                s.name
            ));
        }
    }
    let Some(root) = project.tree.as_map() else {
        return Ok(String::new());
    };
    let mut top: Vec<(String, Value)> = Vec::new();
    for (k, v) in root.iter() {
        let converted = match k.name.as_str() {
            "models" => continue,
            "services" => map_values(v, service_json),
            "networks" => map_values(v, network_json),
            "volumes" | "secrets" | "configs" => map_values(v, drop_nested_extensions),
            k if k.starts_with("x-") => empty_lists_as_null(v),
            _ => v.clone(),
        };
        top.push((k.name.clone(), converted));
    }
    top.sort_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
    let entries: Vec<(&str, &Value)> = top.iter().map(|(k, v)| (k.as_str(), v)).collect();
    let mut out = String::new();
    json::write_entries(&mut out, &entries, json::Style::Indented, 0);
    Ok(escape_dollars_owned(out))
}

/// The attributes of a service whose empty list Docker Compose's raw model holds as a nil
/// slice (its transforms rebuild them), written `null` in JSON; the others stay `[]`.
const RAW_NIL_LISTS: [&str; 9] = [
    "command",
    "entrypoint",
    "environment",
    "external_links",
    "extra_hosts",
    "group_add",
    "label_file",
    "security_opt",
    "volumes_from",
];

/// The raw model as Docker Compose writes it in JSON: extensions' empty lists (at any depth)
/// and those of [`RAW_NIL_LISTS`], a healthcheck's `test` and a build's `args` as `null`.
fn raw_nulls(v: &Value, service: bool) -> Value {
    let Some(m) = v.as_map() else {
        return v.clone();
    };
    let empty = |v: &Value| v.as_seq().is_some_and(<[_]>::is_empty);
    let mut out = Map::new(m.kind);
    for (k, val) in m.iter() {
        let name = k.name.as_str();
        let shown = if name.starts_with("x-") {
            empty_lists_as_null(val)
        } else if service && RAW_NIL_LISTS.contains(&name) && empty(val) {
            Value::null(val.span)
        } else if service && (name == "healthcheck" || name == "build") {
            // A healthcheck's `test` and a build's `args` are rebuilt too.
            let inner = if name == "build" { "args" } else { "test" };
            let mut h = raw_nulls(val, false);
            if let Some(list) = h.get_mut(inner).filter(|t| empty(t)) {
                *list = Value::null(list.span);
            }
            h
        } else if name == "services" && !service {
            let mut services = Map::new(MapKind::Dict);
            for (sk, sv) in val.as_map().map(Map::iter).into_iter().flatten() {
                services.insert(sk.clone(), raw_nulls(sv, true));
            }
            Value::map(services, val.span)
        } else {
            raw_nulls(val, false)
        };
        out.insert(k.clone(), shown);
    }
    Value::map(out, v.span)
}

/// Empty lists, at any depth, as `null`: how Docker Compose writes in JSON an extension
/// (they come out of its decoding as nil slices).
fn empty_lists_as_null(v: &Value) -> Value {
    match &v.kind {
        Kind::Seq(items) if items.is_empty() => Value::null(v.span),
        Kind::Seq(items) => Value::seq(items.iter().map(empty_lists_as_null).collect(), v.span),
        Kind::Map(m) => {
            let mut out = Map::new(m.kind);
            for (k, val) in m.iter() {
                out.insert(k.clone(), empty_lists_as_null(val));
            }
            Value::map(out, v.span)
        }
        _ => v.clone(),
    }
}

fn map_values(v: &Value, f: fn(&Value) -> Value) -> Value {
    let Some(m) = v.as_map() else {
        return v.clone();
    };
    let mut out = Map::new(m.kind);
    for (k, val) in m.iter() {
        out.insert(k.clone(), f(val));
    }
    Value::map(out, v.span)
}

/// Docker Compose's config hash of one service: SHA-256 of its compact JSON without the
/// attributes that must not cause a recreate (build, pull policy, scale, replicas,
/// dependencies, profiles).
#[must_use]
pub fn service_hash(svc: &Value) -> String {
    let mut v = service_json(svc);
    if let Some(m) = v.as_map_mut() {
        for k in ["build", "pull_policy", "scale", "depends_on", "profiles"] {
            m.remove(k);
        }
        if let Some(d) = m.get_mut("deploy").and_then(Value::as_map_mut) {
            d.remove("replicas");
        }
    }
    compact_sha256(&v)
}

/// Docker Compose's config hash of a top-level network (the `com.docker.compose.config-hash`
/// label of the network): SHA-256 of its compact JSON as `config --format json` shows it.
#[must_use]
pub fn network_hash(net: &Value) -> String {
    compact_sha256(&network_json(net))
}

/// Docker Compose's config hash of a top-level volume: SHA-256 of its compact JSON, with the
/// driver defaulted to `local`.
#[must_use]
pub fn volume_hash(vol: &Value) -> String {
    let v = match vol.as_map() {
        Some(m) => {
            let local = Value::str("local", Span::SYNTHETIC);
            let m = insert_before(m, "driver", &local, &["driver_opts", "external", "labels"]);
            Value::map(m, vol.span)
        }
        None => vol.clone(),
    };
    compact_sha256(&drop_nested_extensions(&v))
}

fn compact_sha256(v: &Value) -> String {
    let mut out = String::new();
    json::write(&mut out, v, json::Style::Compact, 0);
    let digest = Sha256::digest(out.as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hash_of_the_reference_example() {
        // services: {a: {image: x}} hashes to this value in Docker Compose 2.40.3.
        let mut nets = Map::new(MapKind::Dict);
        nets.insert(skey("default"), Value::null(Span::SYNTHETIC));
        let mut svc = Map::new(MapKind::Struct);
        svc.insert(skey("image"), Value::str("x", Span::SYNTHETIC));
        svc.insert(skey("networks"), Value::map(nets, Span::SYNTHETIC));
        let h = service_hash(&Value::map(svc, Span::SYNTHETIC));
        assert_eq!(
            h,
            "d5457d0b2799957b606d2ac4ed52d85a1e75799490e56229948300b9a59e8953"
        );
    }
}
