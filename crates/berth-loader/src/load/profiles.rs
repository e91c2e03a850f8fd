//! Profiles: which services a project enables (`--profile`, `COMPOSE_PROFILES`, the services
//! named on the command line and their own profiles), and the closure of what named services
//! depend on.

use crate::env_vars;
use berth_model::{Map, MapKind, Value};
use indexmap::IndexMap;
use std::collections::HashSet;

use super::Options;

/// `names` and every service they depend on, transitively (unknown names are left out).
pub(super) fn dependency_closure(services: &Map, names: &[String]) -> HashSet<String> {
    let mut seen = HashSet::new();
    let mut todo: Vec<String> = names.to_vec();
    while let Some(n) = todo.pop() {
        let Some(svc) = services.get(&n) else {
            continue;
        };
        if !seen.insert(n) {
            continue;
        }
        todo.extend(
            svc.get("depends_on")
                .and_then(Value::as_map)
                .into_iter()
                .flat_map(Map::iter)
                .map(|(k, _)| k.name.clone()),
        );
    }
    seen
}

/// The services the profiles enable, and those they switch off (kept for `config --profiles`
/// and orphan detection), as Docker Compose decides: a service without profiles is on; one with
/// profiles is on when one of them is active (`*` activates every one), when it is named on the
/// command line (its profiles become active), or when it is forced on (`opts.enable`).
pub(super) fn enable(
    opts: &Options,
    env: &IndexMap<String, String>,
    services: Map,
) -> (Map, IndexMap<String, Value>) {
    let mut active: Vec<String> = opts.profiles.clone();
    if active.is_empty() {
        if let Some(p) = env.get(env_vars::COMPOSE_PROFILES) {
            active = p
                .split(',')
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty())
                .collect();
        }
    }
    for wanted in &opts.services {
        if let Some(svc) = services.get(wanted) {
            for p in svc.get("profiles").and_then(Value::as_seq).unwrap_or(&[]) {
                if let Some(p) = p.as_str() {
                    active.push(p.to_string());
                }
            }
        }
    }
    // Only the named services are enabled: a dependency switched off by its profiles
    // stays off, and a required one then fails the consistency check ("depends on
    // undefined service"), as compose-go's `WithServicesEnabled` leaves it.
    let forced: HashSet<String> = opts.enable.iter().cloned().collect();
    let enabled = |name: &str, svc: &Value| -> bool {
        if forced.contains(name) {
            return true;
        }
        let Some(ps) = svc.get("profiles").and_then(Value::as_seq) else {
            return true;
        };
        ps.is_empty()
            || ps
                .iter()
                .filter_map(Value::as_str)
                .any(|p| active.iter().any(|a| a == p || a == "*"))
    };
    let mut disabled: IndexMap<String, Value> = IndexMap::new();
    let mut kept = Map::new(MapKind::Dict);
    for (k, v) in services.entries {
        if enabled(&k.name, &v) {
            kept.insert(k, v);
        } else {
            disabled.insert(k.name, v);
        }
    }
    (kept, disabled)
}
