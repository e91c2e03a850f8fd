//! Project consistency (compose-go `loader/validate.go` `checkConsistency`) and the selection of
//! services named on the command line. Graph work is linear: one DFS for cycles.

use std::collections::{HashMap, HashSet};

use berth_model::{Diagnostic, Map, MapKind, Value};
use indexmap::IndexMap;

type Res<T> = Result<T, Diagnostic>;

fn invalid(msg: &str, v: &Value, label: &str) -> Diagnostic {
    Diagnostic::error(format!("{msg}: invalid compose project")).with_label(v.span, label)
}

/// Checks what Docker Compose checks of the loaded model before it accepts a project.
///
/// # Errors
/// The first inconsistency, with the span of the value at fault.
pub fn check(
    services: &Map,
    sections: &IndexMap<&str, Map>,
    disabled: &IndexMap<String, Value>,
) -> Res<()> {
    let has =
        |section: &str, name: &str| sections.get(section).is_some_and(|m| m.contains_key(name));
    for (key, svc) in services.iter() {
        let name = &key.name;
        if svc.get("image").is_none() && svc.get("build").is_none() && svc.get("provider").is_none()
        {
            return Err(Diagnostic::error(format!(
                "service \"{name}\" has neither an image nor a build context specified: invalid compose project"
            ))
            .with_label(key.span, "add `image:` or `build:`"));
        }
        if svc.get("network_mode").is_some()
            && svc
                .get("networks")
                .and_then(Value::as_map)
                .is_some_and(|m| !m.is_empty())
        {
            let v = svc.get("network_mode").unwrap_or(svc);
            return Err(invalid(
                &format!(
                    "service {name} declares mutually exclusive `network_mode` and `networks`"
                ),
                v,
                "network_mode set here",
            ));
        }
        // A build takes a Dockerfile or an inline one, not both.
        if let (Some(_), Some(inline)) = (
            svc.path(&["build", "dockerfile"]),
            svc.path(&["build", "dockerfile_inline"]),
        ) {
            return Err(invalid(
                &format!(
                    "service \"{name}\" declares mutually exclusive dockerfile and dockerfile_inline"
                ),
                inline,
                "remove `dockerfile` or `dockerfile_inline`",
            ));
        }
        // A service built for some platforms runs on one of them.
        if let (Some(platform), Some(platforms)) = (
            svc.get("platform").filter(|p| p.as_str().is_some()),
            svc.path(&["build", "platforms"])
                .and_then(Value::as_seq)
                .filter(|p| !p.is_empty()),
        ) {
            let wanted = platform.as_str().unwrap_or_default();
            if !platforms.iter().any(|p| p.as_str() == Some(wanted)) {
                return Err(invalid(
                    &format!("service.build.platforms MUST include service.platform {wanted:?}"),
                    platform,
                    "not among the service's build platforms",
                ));
            }
        }
        for (n, _) in svc
            .get("networks")
            .and_then(Value::as_map)
            .into_iter()
            .flat_map(Map::iter)
        {
            if !has("networks", &n.name) && n.name != "default" {
                return Err(invalid(
                    &format!("service \"{name}\" refers to undefined network {}", n.name),
                    &Value::null(n.span),
                    "not declared under top-level `networks`",
                ));
            }
        }
        for v in svc.get("volumes").and_then(Value::as_seq).unwrap_or(&[]) {
            if v.get("type").and_then(Value::as_str) == Some("volume") {
                if let Some(src) = v.get("source") {
                    let s = src.as_str().unwrap_or("");
                    if !has("volumes", s) {
                        return Err(invalid(
                            &format!("service \"{name}\" refers to undefined volume {s}"),
                            src,
                            "not declared under top-level `volumes`",
                        ));
                    }
                }
            }
        }
        for (field, section, what) in [
            ("secrets", "secrets", "secret"),
            ("configs", "configs", "config"),
        ] {
            for r in svc.get(field).and_then(Value::as_seq).unwrap_or(&[]) {
                if r.get("source").is_none() {
                    return Err(invalid(
                        &format!("service \"{name}\" refers to undefined {what} "),
                        r,
                        "this entry has no `source`",
                    ));
                }
                if let Some(src) = r.get("source") {
                    let s = src.as_str().unwrap_or("");
                    if !has(section, s) {
                        return Err(invalid(
                            &format!("service \"{name}\" refers to undefined {what} {s}"),
                            src,
                            "not declared at top level",
                        ));
                    }
                }
            }
        }
        for r in svc
            .path(&["build", "secrets"])
            .and_then(Value::as_seq)
            .unwrap_or(&[])
        {
            if let Some(src) = r.get("source") {
                let s = src.as_str().unwrap_or("");
                if !has("secrets", s) {
                    return Err(invalid(
                        &format!("service \"{name}\" refers to undefined build secret {s}"),
                        src,
                        "not declared under top-level `secrets`",
                    ));
                }
            }
        }
        for (dep, d) in svc
            .get("depends_on")
            .and_then(Value::as_map)
            .into_iter()
            .flat_map(Map::iter)
        {
            let required = d.get("required").and_then(Value::as_bool).unwrap_or(true);
            if !services.contains_key(&dep.name) && required {
                let mut e = invalid(
                    &format!(
                        "service \"{name}\" depends on undefined service \"{}\"",
                        dep.name
                    ),
                    &Value::null(dep.span),
                    "no such service",
                );
                if disabled.contains_key(&dep.name) {
                    e = e.with_note(format!(
                        "service \"{}\" is disabled by its profiles; activate one with --profile",
                        dep.name
                    ));
                }
                return Err(e);
            }
        }
        for mode in ["network_mode", "ipc", "pid"] {
            if let Some(v) = svc.get(mode) {
                if let Some(target) = v.as_str().and_then(|s| s.strip_prefix("service:")) {
                    if !services.contains_key(target) {
                        return Err(Diagnostic::error(format!(
                            "service \"{target}\" not found for {mode} 'service:{target}'"
                        ))
                        .with_label(v.span, "no such service"));
                    }
                }
            }
        }
        if let Some(test) = svc.path(&["healthcheck", "test"]).and_then(Value::as_seq) {
            if let Some(first) = test.first() {
                if !matches!(first.as_str(), Some("CMD" | "CMD-SHELL" | "NONE")) {
                    return Err(Diagnostic::error(
                        "healthcheck.test must start either by \"CMD\", \"CMD-SHELL\" or \"NONE\"",
                    )
                    .with_label(first.span, "first element of the test"));
                }
            }
        }
        if let (Some(scale), Some(replicas)) = (svc.get("scale"), svc.path(&["deploy", "replicas"]))
        {
            if scale.as_i64() != replicas.as_i64() {
                return Err(invalid(&format!("services.{name}: can't set distinct values on 'scale' and 'deploy.replicas'"), scale, "differs from deploy.replicas"));
            }
        }
        for (short, long) in [
            ("cpus", "cpus"),
            ("mem_limit", "memory"),
            ("pids_limit", "pids"),
        ] {
            let limits = svc.path(&["deploy", "resources", "limits"]);
            if let (Some(a), Some(l)) = (svc.get(short), limits) {
                let b = l.get(long);
                let same = match (a, b) {
                    (x, Some(y)) => x.same(y),
                    (_, None) => false,
                };
                if !same {
                    return Err(invalid(&format!("services.{name}: can't set distinct values on '{short}' and 'deploy.resources.limits.{long}'"), a, "differs from deploy.resources.limits"));
                }
            }
        }
        if let (Some(a), Some(r)) = (
            svc.get("mem_reservation"),
            svc.path(&["deploy", "resources", "reservations"]),
        ) {
            if !r.get("memory").is_some_and(|b| a.same(b)) {
                return Err(invalid(&format!("services.{name}: can't set distinct values on 'mem_reservation' and 'deploy.resources.reservations.memory'"), a, "differs from deploy.resources.reservations"));
            }
        }
    }
    check_cycles(services)
}

/// Two services that share a `container_name`. Docker Compose checks it on the services the
/// command acts on, after the selection: `up test` runs although `another_test` names its
/// container as `test` does, and `config` of the whole project fails.
///
/// # Errors
/// The second service that claims a name, pointing at its `container_name`.
pub fn check_container_names(services: &Map) -> Res<()> {
    let mut names: HashMap<&str, &str> = HashMap::new();
    for (key, svc) in services.iter() {
        if let Some(cn) = svc.get("container_name").and_then(Value::as_str) {
            if let Some(other) = names.insert(cn, &key.name) {
                return Err(Diagnostic::error(format!(
                    "services.{}: container name \"{cn}\" is already in use by service {other}",
                    key.name
                ))
                .with_label(
                    svc.get("container_name").map_or(key.span, |v| v.span),
                    "duplicate container name",
                ));
            }
        }
    }
    Ok(())
}

/// Depth-first search over services sorted by name (compose-go `graph/cycle.go`), O(V+E).
fn check_cycles(services: &Map) -> Res<()> {
    // Services by name, and the dependencies of each by name: the first cycle found is the
    // same whatever the order of the files.
    let mut names: Vec<&str> = services.keys().collect();
    names.sort_unstable();
    let index: HashMap<&str, usize> = names.iter().enumerate().map(|(i, n)| (*n, i)).collect();
    let next = names
        .iter()
        .map(|n| {
            let mut d: Vec<&str> = services
                .get(n)
                .and_then(|s| s.get("depends_on"))
                .and_then(Value::as_map)
                .into_iter()
                .flat_map(Map::keys)
                .filter(|d| services.contains_key(d))
                .collect();
            d.sort_unstable();
            d.iter().filter_map(|d| index.get(d).copied()).collect()
        })
        .collect();
    let Some(cycle) = berth_model::depgraph::DepGraph::new(next).find_cycle() else {
        return Ok(());
    };
    let path: Vec<&str> = cycle.iter().map(|&i| names[i]).collect();
    let last = path.last().copied().unwrap_or_default();
    let span = services
        .key(last)
        .map_or(berth_model::Span::SYNTHETIC, |k| k.span);
    Err(
        Diagnostic::error(format!("dependency cycle detected: {}", path.join(" -> ")))
            .with_label(span, "part of the cycle"),
    )
}

/// Go `filepath.Match` for the globs accepted in service names.
#[must_use]
pub fn glob_match(pattern: &str, name: &str) -> bool {
    fn rec(p: &[char], n: &[char]) -> bool {
        match p.first() {
            None => n.is_empty(),
            Some('*') => (0..=n.len()).any(|i| rec(&p[1..], &n[i..])),
            Some('?') => !n.is_empty() && rec(&p[1..], &n[1..]),
            Some('[') => {
                let Some(end) = p.iter().position(|c| *c == ']') else {
                    return false;
                };
                let Some(&c) = n.first() else { return false };
                let class = &p[1..end];
                let (neg, class) = match class.first() {
                    Some('^' | '!') => (true, &class[1..]),
                    _ => (false, class),
                };
                let mut hit = false;
                let mut i = 0;
                while i < class.len() {
                    if i + 2 < class.len() && class[i + 1] == '-' {
                        hit |= class[i] <= c && c <= class[i + 2];
                        i += 3;
                    } else {
                        hit |= class[i] == c;
                        i += 1;
                    }
                }
                hit != neg && rec(&p[end + 1..], &n[1..])
            }
            Some('\\') if p.len() > 1 => n.first() == Some(&p[1]) && rec(&p[2..], &n[1..]),
            Some(c) => n.first() == Some(c) && rec(&p[1..], &n[1..]),
        }
    }
    let p: Vec<char> = pattern.chars().collect();
    let n: Vec<char> = name.chars().collect();
    rec(&p, &n)
}

/// Keeps the named services and their transitive dependencies.
///
/// # Errors
/// A name that matches no service.
pub fn select(services: Map, wanted: &[String]) -> Res<Map> {
    let mut keep: HashSet<String> = HashSet::new();
    let mut queue: Vec<String> = Vec::new();
    for w in wanted {
        let matched: Vec<String> = services
            .keys()
            .filter(|n| glob_match(w, n))
            .map(str::to_string)
            .collect();
        if matched.is_empty() {
            return Err(Diagnostic::error(format!("no such service: {w}")));
        }
        queue.extend(matched);
    }
    while let Some(n) = queue.pop() {
        if !keep.insert(n.clone()) {
            continue;
        }
        let Some(svc) = services.get(&n) else {
            return Err(Diagnostic::error(format!("no such service: {n}")));
        };
        for d in svc
            .get("depends_on")
            .and_then(Value::as_map)
            .into_iter()
            .flat_map(Map::keys)
        {
            if services.contains_key(d) {
                queue.push(d.to_string());
            }
        }
    }
    let mut out = Map::new(MapKind::Dict);
    for (k, v) in services.entries {
        if keep.contains(&k.name) {
            out.insert(k, v);
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::glob_match;

    #[test]
    fn globs() {
        assert!(glob_match("web*", "web-1"));
        assert!(glob_match("w?b", "web"));
        assert!(glob_match("[a-c]x", "bx"));
        assert!(!glob_match("db", "web"));
    }
}
