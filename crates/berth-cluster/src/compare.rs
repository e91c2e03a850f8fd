//! Whether a service on the swarm already is what the project asks for, and if not, which of
//! its fields differ: an unchanged service is not updated (its tasks keep running), and
//! `--dry-run` names what an update would change.
//!
//! The engine stores more than a deploy sends: it fills in defaults (a restart policy of `any`
//! after 5 s, update and rollback settings, a 10 s stop grace period, the `vip` endpoint mode,
//! the `container` runtime) and writes zeros, `false`s and empty lists a request left out. So
//! both specs are compared after dropping what is empty and what equals the engine's default
//! at its place; a value the user wrote that equals a default compares equal to its absence,
//! which is what the engine itself makes of it.

use serde_json::Value;

/// The defaults the engine writes into a stored service spec, by path.
const DEFAULTS: &[(&str, Default)] = &[
    (
        "TaskTemplate.ContainerSpec.StopGracePeriod",
        Default::Int(10_000_000_000),
    ),
    (
        "TaskTemplate.ContainerSpec.Isolation",
        Default::Str("default"),
    ),
    ("TaskTemplate.RestartPolicy.Condition", Default::Str("any")),
    (
        "TaskTemplate.RestartPolicy.Delay",
        Default::Int(5_000_000_000),
    ),
    ("TaskTemplate.Runtime", Default::Str("container")),
    ("UpdateConfig.Parallelism", Default::Int(1)),
    ("UpdateConfig.FailureAction", Default::Str("pause")),
    ("UpdateConfig.Monitor", Default::Int(5_000_000_000)),
    ("UpdateConfig.Order", Default::Str("stop-first")),
    ("RollbackConfig.Parallelism", Default::Int(1)),
    ("RollbackConfig.FailureAction", Default::Str("pause")),
    ("RollbackConfig.Monitor", Default::Int(5_000_000_000)),
    ("RollbackConfig.Order", Default::Str("stop-first")),
    ("EndpointSpec.Mode", Default::Str("vip")),
];

#[derive(Clone, Copy)]
enum Default {
    Int(i64),
    Str(&'static str),
}

impl Default {
    fn is(self, v: &Value) -> bool {
        match self {
            Default::Int(n) => v.as_i64() == Some(n),
            Default::Str(s) => v.as_str() == Some(s),
        }
    }
}

/// `v` without what the engine takes as unset: nulls, zeros, `false`, empty strings, lists
/// and maps, and the engine's defaults at their paths. `None` when nothing is left.
fn normalize(v: &Value, path: &str) -> Option<Value> {
    if DEFAULTS.iter().any(|(p, d)| *p == path && d.is(v)) {
        return None;
    }
    match v {
        Value::Null | Value::Bool(false) => None,
        Value::Number(n) if n.as_f64() == Some(0.0) => None,
        Value::String(s) if s.is_empty() => None,
        Value::Array(items) => {
            // Positions matter in a list: an element left empty stays, as null.
            let items: Vec<Value> = items
                .iter()
                .map(|i| normalize(i, path).unwrap_or(Value::Null))
                .collect();
            (!items.is_empty()).then_some(Value::Array(items))
        }
        Value::Object(map) => {
            let kept: serde_json::Map<String, Value> = map
                .iter()
                .map(|(k, v)| (canonical(k), v))
                .filter_map(|(k, v)| {
                    let path = if path.is_empty() {
                        k.to_string()
                    } else {
                        format!("{path}.{k}")
                    };
                    normalize(v, &path).map(|v| (k.to_string(), v))
                })
                .collect();
            (!kept.is_empty()).then_some(Value::Object(kept))
        }
        other => Some(other.clone()),
    }
}

/// A key as a request spells it: the engine answers `Healthcheck` where the Engine API's
/// request type says `HealthCheck` (Go reads JSON keys case-insensitively).
fn canonical(key: &str) -> &str {
    match key {
        "Healthcheck" => "HealthCheck",
        other => other,
    }
}

/// The paths of the fields where `current` (a spec the engine returned) differs from
/// `desired` (the spec a deploy would send), in a stable order; empty when the service is
/// already what is asked. Lists are compared whole, so a list that differs is one path.
#[must_use]
pub fn changes(desired: &Value, current: &Value) -> Vec<String> {
    let mut out = Vec::new();
    diff(
        normalize(desired, "").as_ref(),
        normalize(current, "").as_ref(),
        "",
        &mut out,
    );
    out
}

fn diff(a: Option<&Value>, b: Option<&Value>, path: &str, out: &mut Vec<String>) {
    // An absent object is an empty one, so that `{}` and no object are no change.
    static EMPTY: std::sync::LazyLock<serde_json::Map<String, Value>> =
        std::sync::LazyLock::new(serde_json::Map::new);
    fn object(v: Option<&Value>) -> Option<&serde_json::Map<String, Value>> {
        match v {
            None => Some(&EMPTY),
            Some(Value::Object(m)) => Some(m),
            Some(_) => None,
        }
    }
    let both_absent = a.is_none() && b.is_none();
    match (object(a), object(b)) {
        (Some(x), Some(y)) if !both_absent => {
            let mut keys: Vec<&String> = x.keys().chain(y.keys()).collect();
            keys.sort();
            keys.dedup();
            for k in keys {
                let p = if path.is_empty() {
                    k.clone()
                } else {
                    format!("{path}.{k}")
                };
                diff(x.get(k), y.get(k), &p, out);
            }
        }
        _ if a == b => {}
        _ => out.push(path.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_engines_defaults_and_empty_values_are_no_change() {
        let desired = json!({
            "Name": "st_web",
            "TaskTemplate": {
                "ContainerSpec": {"Image": "img", "Env": ["A=1"], "Hosts": [], "Init": null},
                "Resources": {"Limits": null},
                "Placement": {"Constraints": []},
            },
            "Mode": {"Replicated": {"Replicas": 1}},
            "EndpointSpec": {"Ports": []},
        });
        let current = json!({
            "Name": "st_web",
            "TaskTemplate": {
                "ContainerSpec": {
                    "Image": "img", "Env": ["A=1"], "StopGracePeriod": 10_000_000_000_i64,
                    "Isolation": "default", "Privileges": {"NoNewPrivileges": false},
                    "DNSConfig": {},
                },
                "Resources": {},
                "RestartPolicy": {"Condition": "any", "Delay": 5_000_000_000_i64, "MaxAttempts": 0},
                "Placement": {},
                "ForceUpdate": 0,
                "Runtime": "container",
            },
            "Mode": {"Replicated": {"Replicas": 1}},
            "UpdateConfig": {"Parallelism": 1, "FailureAction": "pause", "Monitor": 5_000_000_000_i64, "MaxFailureRatio": 0, "Order": "stop-first"},
            "EndpointSpec": {"Mode": "vip"},
        });
        assert_eq!(changes(&desired, &current), Vec::<String>::new());
    }

    #[test]
    fn a_changed_environment_or_a_removed_setting_is_named() {
        let desired = json!({"TaskTemplate": {"ContainerSpec": {"Env": ["A=2"]}}});
        let current = json!({"TaskTemplate": {"ContainerSpec": {"Env": ["A=1"], "User": "1000"}}});
        assert_eq!(
            changes(&desired, &current),
            vec![
                "TaskTemplate.ContainerSpec.Env".to_string(),
                "TaskTemplate.ContainerSpec.User".to_string()
            ]
        );
    }

    #[test]
    fn replicas_scaled_to_zero_differ_from_one() {
        let desired = json!({"Mode": {"Replicated": {"Replicas": 0}}});
        let current = json!({"Mode": {"Replicated": {"Replicas": 1}}});
        assert_eq!(
            changes(&desired, &current),
            vec!["Mode.Replicated.Replicas".to_string()]
        );
    }
}
