//! Traefik routers, read once from the services' labels for every stage: the docs' routing
//! tables and graph edges, and the Kubernetes conversion's Ingress rules. A router is
//! `traefik.http.routers.NAME.rule` on a service, with its `.service` (the Traefik service,
//! NAME by default), its `.entrypoints`, and the port of that Traefik service
//! (`traefik.http.services.TARGET.loadbalancer.server.port`).

use crate::project::{Project, Service};
use crate::settings::find_label;
use crate::source::Span;

/// One Traefik HTTP router.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Router {
    /// The router's name.
    pub name: String,
    /// The compose service whose labels define it.
    pub service: String,
    /// Its rule, as written (``Host(`a`) && PathPrefix(`/p`)``).
    pub rule: String,
    /// `.entrypoints`, empty when not written.
    pub entrypoints: String,
    /// The Traefik service it routes to.
    pub target: String,
    /// That Traefik service's port, empty when not written.
    pub port: String,
    /// Where the rule's label key is written.
    pub span: Span,
}

impl Router {
    /// The host names of its rule.
    #[must_use]
    pub fn hosts(&self) -> Vec<String> {
        rule_hosts(&self.rule)
    }

    /// The path prefixes of its rule.
    #[must_use]
    pub fn path_prefixes(&self) -> Vec<String> {
        matcher_args(&self.rule, "PathPrefix(")
    }
}

/// The arguments of each `MATCHER(...)` of a rule, unquoted.
fn matcher_args(rule: &str, matcher: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = rule;
    while let Some(i) = rest.find(matcher) {
        // `PathPrefix(` must not match inside another matcher's name.
        let before = rest[..i].chars().next_back();
        rest = &rest[i + matcher.len()..];
        if before.is_some_and(char::is_alphanumeric) {
            continue;
        }
        let end = rest.find(')').unwrap_or(rest.len());
        for part in rest[..end].split(',') {
            let h = part.trim().trim_matches(['`', '"', '\'']);
            if !h.is_empty() {
                out.push(h.to_string());
            }
        }
        rest = &rest[end..];
    }
    out
}

/// The host names of a Traefik router rule: ``Host(`a`, `b`)`` gives `a`, `b`.
#[must_use]
pub fn rule_hosts(rule: &str) -> Vec<String> {
    matcher_args(rule, "Host(")
}

/// The routers service `s`'s labels define, in label order.
#[must_use]
pub fn service_routers(s: &Service<'_>) -> Vec<Router> {
    let Some(labels) = s.labels() else {
        return Vec::new();
    };
    let get = |k: String| find_label(&labels.value, &k).map(str::to_string);
    let mut out = Vec::new();
    for label in &labels.value {
        let Some(name) = label
            .key
            .strip_prefix("traefik.http.routers.")
            .and_then(|r| r.strip_suffix(".rule"))
        else {
            continue;
        };
        let target =
            get(format!("traefik.http.routers.{name}.service")).unwrap_or_else(|| name.to_string());
        let port = get(format!(
            "traefik.http.services.{target}.loadbalancer.server.port"
        ))
        .unwrap_or_default();
        out.push(Router {
            name: name.to_string(),
            service: s.name.to_string(),
            rule: label.value.clone(),
            entrypoints: get(format!("traefik.http.routers.{name}.entrypoints"))
                .unwrap_or_default(),
            target,
            port,
            span: label.key_span,
        });
    }
    out
}

/// The routers of every service, in service order.
#[must_use]
pub fn routers(project: &Project) -> Vec<Router> {
    project
        .services()
        .flat_map(|s| service_routers(&s))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_rule_gives_its_hosts_and_path_prefixes() {
        let r = "Host(`api.localhost`) && PathPrefix(`/web`)";
        assert_eq!(rule_hosts(r), ["api.localhost"]);
        assert_eq!(matcher_args(r, "PathPrefix("), ["/web"]);
        assert_eq!(rule_hosts("Host(`a`, `b`)"), ["a", "b"]);
        assert_eq!(rule_hosts("HostRegexp(`{x:.+}`)"), Vec::<String>::new());
    }
}
