//! Merging documents, override files and `extends` bases (compose-go `override/merge.go`),
//! `!reset`/`!override` application (`loader/reset.go`) and de-duplication of sequences
//! (`override/uncity.go`): first position, last value.

use std::collections::HashMap;

use berth_model::{Diagnostic, Kind, Value};

use crate::yaml::{path_string, ResetKind};

/// Service attributes whose value replaces the earlier one instead of merging.
const REPLACE: &[&str] = &["command", "entrypoint"];

/// Service attributes that are maps of scalars: a later `null` value wins (it unsets a key).
const SCALAR_MAPS: &[&str] = &[
    "environment",
    "labels",
    "annotations",
    "sysctls",
    "storage_opt",
    "log_opt",
];

fn matches(path: &[String], pattern: &[&str]) -> bool {
    path.len() == pattern.len() && path.iter().zip(pattern).all(|(p, q)| *q == "*" || p == q)
}

/// Merges `over` into `base` at `path`.
///
/// # Errors
/// A mapping overridden by a non-mapping (or a sequence by a non-sequence).
pub fn merge(base: &mut Value, over: Value, path: &mut Vec<String>) -> Result<(), Diagnostic> {
    merge_impl(base, over, path, false)
}

/// Merges documents of the raw model (`config --no-interpolate`): list-or-mapping attributes
/// such as `environment` become `KEY=VALUE` sequences, as compose-go's `mergeToSequence` does.
///
/// # Errors
/// As [`merge`].
pub fn merge_raw(base: &mut Value, over: Value, path: &mut Vec<String>) -> Result<(), Diagnostic> {
    merge_impl(base, over, path, true)
}

fn merge_impl(
    base: &mut Value,
    over: Value,
    path: &mut Vec<String>,
    raw: bool,
) -> Result<(), Diagnostic> {
    if over.is_null() {
        return Ok(());
    }
    let p: &[String] = path;
    let in_service = p.len() == 3 && p[0] == "services";
    if in_service && REPLACE.contains(&p[2].as_str()) {
        *base = over;
        return Ok(());
    }
    if matches(p, &["services", "*", "healthcheck", "test"])
        || matches(p, &["services", "*", "ulimits", "*"])
    {
        *base = over;
        return Ok(());
    }
    if matches(p, &["networks", "*", "ipam", "config"]) {
        // The override's pools win; each takes the attributes of a base pool with the same
        // subnet (compose-go `mergeIPAMConfig`); base pools it does not name are dropped.
        if let (Kind::Seq(base_items), Kind::Seq(over_items)) = (&base.kind, &over.kind) {
            let mut out = Vec::with_capacity(over_items.len());
            for o in over_items {
                let subnet = o.get("subnet").and_then(Value::as_str);
                let mut merged = if let Some(b) = base_items
                    .iter()
                    .find(|b| subnet.is_some() && b.get("subnet").and_then(Value::as_str) == subnet)
                {
                    b.clone()
                } else {
                    out.push(o.clone());
                    continue;
                };
                merge_impl(&mut merged, o.clone(), path, raw)?;
                out.push(merged);
            }
            *base = Value::seq(out, over.span);
            return Ok(());
        }
    }
    if matches(p, &["services", "*", "logging"]) {
        let driver = |v: &Value| v.get("driver").and_then(Value::as_str).map(str::to_string);
        if let (Some(a), Some(b)) = (driver(base), driver(&over)) {
            if a != b {
                *base = over;
                return Ok(());
            }
        }
    }
    let scalar_map = (in_service && SCALAR_MAPS.contains(&p[2].as_str()))
        || matches(p, &["services", "*", "build", "args"])
        || matches(p, &["services", "*", "build", "labels"])
        || matches(p, &["services", "*", "deploy", "labels"]);
    if raw && scalar_map {
        let mut items = to_sequence(base);
        items.extend(to_sequence(&over));
        dedup_by(&mut items, |v| {
            v.as_str()
                .map(|s| s.split('=').next().unwrap_or(s).to_string())
        });
        *base = Value::seq(items, over.span);
        return Ok(());
    }
    match (&mut base.kind, over.kind) {
        (Kind::Map(bm), Kind::Map(om)) => {
            for (k, v) in om.entries {
                if k.name.starts_with("x-") || (scalar_map && v.is_null()) {
                    bm.insert(k, v);
                    continue;
                }
                match bm.get_mut(&k.name) {
                    Some(existing) if !existing.is_null() => {
                        path.push(k.name.clone());
                        let r = merge_impl(existing, v, path, raw);
                        path.pop();
                        r?;
                    }
                    _ => {
                        bm.insert(k, v);
                    }
                }
            }
            base.span = over.span;
            Ok(())
        }
        (Kind::Map(_), other) => Err(cannot_override(path, &Value::new(other, over.span))),
        (Kind::Seq(bs), Kind::Seq(os)) => {
            bs.extend(os);
            Ok(())
        }
        (Kind::Seq(_), other) => Err(cannot_override(path, &Value::new(other, over.span))),
        (_, other) => {
            if matches!(other, Kind::Map(_) | Kind::Seq(_)) && !base.is_null() {
                return Err(cannot_override(path, &Value::new(other, over.span)));
            }
            *base = Value::new(other, over.span);
            Ok(())
        }
    }
}

fn cannot_override(path: &[String], over: &Value) -> Diagnostic {
    Diagnostic::error(format!("cannot override {}", path_string(path))).with_label(
        over.span,
        format!(
            "a {} cannot replace the earlier value here",
            over.type_name()
        ),
    )
}

/// Removes from `target` every path recorded by `!reset`/`!override` in the next document.
pub fn apply_resets(target: &mut Value, resets: &[(Vec<String>, ResetKind)]) {
    for (path, _) in resets {
        remove_path(target, path);
    }
}

pub(crate) fn remove_path(v: &mut Value, path: &[String]) {
    let Some((first, rest)) = path.split_first() else {
        return;
    };
    let key = if first == "<<" {
        return remove_path(v, rest);
    } else {
        first
    };
    match &mut v.kind {
        Kind::Map(m) => {
            if rest.is_empty() {
                m.remove(key);
            } else if let Some(child) = m.get_mut(key) {
                remove_path(child, rest);
            }
        }
        Kind::Seq(items) => {
            if let Ok(i) = key.parse::<usize>() {
                if rest.is_empty() {
                    if i < items.len() {
                        items.remove(i);
                    }
                } else if let Some(child) = items.get_mut(i) {
                    remove_path(child, rest);
                }
            }
        }
        _ => {}
    }
}

/// De-duplicates a sequence by a key: the first position keeps the last value.
fn dedup_by(items: &mut Vec<Value>, key: impl Fn(&Value) -> Option<String>) {
    if items.len() < 2 {
        return;
    }
    if items.len() <= 8 {
        // Short lists (the common case): compare keys directly, no hash map.
        let keys: Vec<Option<String>> = items.iter().map(&key).collect();
        let distinct = keys
            .iter()
            .enumerate()
            .all(|(i, k)| k.is_none() || !keys[..i].contains(k));
        if distinct {
            return;
        }
    }
    let mut index: HashMap<String, usize> = HashMap::new();
    let mut out: Vec<Value> = Vec::with_capacity(items.len());
    for item in items.drain(..) {
        match key(&item) {
            Some(k) => {
                if let Some(&i) = index.get(&k) {
                    out[i] = item;
                } else {
                    index.insert(k, out.len());
                    out.push(item);
                }
            }
            None => out.push(item),
        }
    }
    *items = out;
}

fn s(v: Option<&Value>) -> String {
    v.and_then(Value::scalar_to_string).unwrap_or_default()
}

fn port_key(v: &Value) -> Option<String> {
    match &v.kind {
        Kind::Map(_) => {
            let ip = v
                .get("host_ip")
                .and_then(Value::as_str)
                .unwrap_or("0.0.0.0");
            let proto = v.get("protocol").and_then(Value::as_str).unwrap_or("tcp");
            Some(format!(
                "{ip}:{}:{}/{proto}",
                s(v.get("published")),
                s(v.get("target"))
            ))
        }
        _ => v.scalar_to_string(),
    }
}

fn exact_key(v: &Value) -> Option<String> {
    v.scalar_to_string()
}

/// Applies Compose's sequence de-duplication to every service.
pub fn enforce_unicity(doc: &mut Value) {
    let Some(services) = doc.get_mut("services").and_then(Value::as_map_mut) else {
        return;
    };
    for (_, svc) in services.iter_mut() {
        enforce_unicity_service(svc);
    }
}

/// De-duplicates the sequences of one service.
pub fn enforce_unicity_service(svc: &mut Value) {
    {
        let Some(svc) = svc.as_map_mut() else {
            return;
        };
        for (key, v) in svc.iter_mut() {
            let Some(items) = v.as_seq_mut() else {
                if key.name == "networks" {
                    if let Some(nets) = v.as_map_mut() {
                        for (_, n) in nets.iter_mut() {
                            for k in ["aliases", "link_local_ips"] {
                                if let Some(items) = n.get_mut(k).and_then(Value::as_seq_mut) {
                                    dedup_by(items, exact_key);
                                }
                            }
                        }
                    }
                }
                if key.name == "build" {
                    if let Some(b) = v.as_map_mut() {
                        for k in ["tags", "platforms", "extra_hosts"] {
                            if let Some(items) = b.get_mut(k).and_then(Value::as_seq_mut) {
                                dedup_by(items, exact_key);
                            }
                        }
                    }
                }
                continue;
            };
            match key.name.as_str() {
                "ports" => dedup_by(items, port_key),
                "volumes" => dedup_by(items, |v| v.get("target").and_then(Value::scalar_to_string)),
                "secrets" => dedup_by(items, |v| {
                    let target = v.get("target").and_then(Value::scalar_to_string);
                    Some(target.unwrap_or_else(|| format!("/run/secrets/{}", s(v.get("source")))))
                }),
                "configs" => dedup_by(items, |v| {
                    let target = v.get("target").and_then(Value::scalar_to_string);
                    Some(target.unwrap_or_else(|| format!("/{}", s(v.get("source")))))
                }),
                "devices" => dedup_by(items, |v| {
                    v.get("target")
                        .and_then(Value::scalar_to_string)
                        .or_else(|| v.scalar_to_string())
                }),
                "env_file" => dedup_by(items, |v| v.get("path").and_then(Value::scalar_to_string)),
                "expose" | "cap_add" | "cap_drop" | "links" | "profiles" | "dns" | "dns_opt"
                | "dns_search" | "tmpfs" | "extra_hosts" | "label_file" => {
                    dedup_by(items, exact_key);
                }
                _ => {}
            }
        }
    }
}

/// A list-or-mapping attribute as `KEY=VALUE` strings (mapping keys sorted, `null` as `KEY`).
fn to_sequence(v: &Value) -> Vec<Value> {
    match &v.kind {
        Kind::Seq(items) => items.clone(),
        Kind::Map(m) => {
            let mut keys: Vec<&berth_model::Key> = m.entries.keys().collect();
            keys.sort_by(|a, b| a.name.cmp(&b.name));
            keys.into_iter()
                .map(|k| {
                    let val = m.get(&k.name);
                    let text = match val.and_then(Value::scalar_to_string) {
                        Some(s) => format!("{}={s}", k.name),
                        None => k.name.clone(),
                    };
                    Value::str(text, val.map_or(k.span, |x| x.span))
                })
                .collect()
        }
        Kind::Null => Vec::new(),
        _ => vec![v.clone()],
    }
}

#[cfg(test)]
mod tests {
    use berth_model::FileId;

    use super::*;
    use crate::{canonical, yaml};

    fn load(text: &str) -> Value {
        let mut v = yaml::parse(FileId(0), text)
            .unwrap()
            .remove(0)
            .root
            .unwrap();
        canonical::canonicalize(&mut v, true).unwrap();
        v
    }

    #[test]
    fn two_file_merge_matches_the_reference_example() {
        let mut a = load("services:\n  app:\n    image: a\n    dns: 8.8.8.8\n    environment: {A: \"1\", B: \"2\"}\n    ports: [\"8080:80\"]\n    profiles: [p1]\n    cap_add: [NET_ADMIN]\n    command: [x, y]\n    logging: {driver: json-file, options: {max-size: 1m}}\n");
        let b = load("services:\n  app:\n    dns: [1.1.1.1]\n    environment: [B=3, C=4]\n    ports: [\"8080:80\"]\n    profiles: [p2]\n    cap_add: [SYS_ADMIN]\n    command: [z]\n    logging: {driver: syslog}\n");
        merge(&mut a, b, &mut Vec::new()).unwrap();
        enforce_unicity(&mut a);
        let app = a.path(&["services", "app"]).unwrap();
        let strs = |k: &str| -> Vec<String> {
            app.get(k)
                .and_then(Value::as_seq)
                .unwrap()
                .iter()
                .filter_map(Value::scalar_to_string)
                .collect()
        };
        assert_eq!(strs("dns"), ["8.8.8.8", "1.1.1.1"]);
        assert_eq!(strs("profiles"), ["p1", "p2"]);
        assert_eq!(strs("cap_add"), ["NET_ADMIN", "SYS_ADMIN"]);
        assert_eq!(strs("command"), ["z"]);
        assert_eq!(app.get("ports").and_then(Value::as_seq).unwrap().len(), 1);
        let env = app.get("environment").unwrap();
        assert_eq!(env.get("B").and_then(Value::as_str), Some("3"));
        assert_eq!(env.get("A").and_then(Value::as_str), Some("1"));
        assert!(app.path(&["logging", "options"]).is_none());
    }

    #[test]
    fn map_over_scalar_is_rejected() {
        let mut a = load("services:\n  app:\n    image: a\n");
        let b = load("services:\n  app:\n    image: {x: 1}\n");
        let e = merge(&mut a, b, &mut Vec::new()).unwrap_err();
        assert_eq!(e.message, "cannot override services.app.image");
    }

    #[test]
    fn volumes_dedup_by_target_first_position_last_value() {
        let mut a = load("services:\n  app:\n    volumes: [\"/a:/x\", \"/c:/y\", \"/b:/x\"]\n");
        enforce_unicity(&mut a);
        let vols = a
            .path(&["services", "app", "volumes"])
            .and_then(Value::as_seq)
            .unwrap();
        assert_eq!(vols.len(), 2);
        assert_eq!(vols[0].get("source").and_then(Value::as_str), Some("/b"));
    }
}
