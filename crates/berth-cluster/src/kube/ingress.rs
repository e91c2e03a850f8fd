//! Traefik routers as Ingress rules. On compose, a reverse proxy reads the services' labels
//! (``traefik.http.routers.NAME.rule: Host(`api.localhost`) && PathPrefix(`/web`)``) and
//! routes each host and path to the service's port. On Kubernetes the cluster's ingress
//! controller does that from Ingress objects: one per routed service, a rule per host of its
//! routers, a `Prefix` path per path prefix (`/` when none), to the service's Service on the
//! router's port. Routers to Traefik's own services (`api@internal`), middlewares, TLS and
//! matchers other than `Host` and `PathPrefix` are reported.

use std::collections::BTreeMap;

use berth_model::routes::{service_routers, Router};
use berth_model::{Diagnostic, Service};
use serde_json::{json, Value as Json};

use super::names::{Names, Of};
use super::service::ServicePort;
use super::{loss, metadata, selector, Options};

/// The matchers a rule may use and still be carried whole.
const CARRIED_MATCHERS: &[&str] = &["Host(", "PathPrefix("];

/// The Ingress of `s`, if Traefik routes to it.
pub fn convert(
    s: &Service<'_>,
    ports: &[ServicePort],
    names: &Names,
    opts: &Options,
    losses: &mut Vec<Diagnostic>,
) -> Option<Json> {
    let disabled = s
        .labels()
        .and_then(|l| {
            berth_model::settings::find_label(&l.value, "traefik.enable").map(str::to_string)
        })
        .is_some_and(|v| v == "false");
    if disabled {
        return None;
    }
    let name = names.get(Of::Service, s.name);
    // A router names the container's port; the rule names the Service's port in front of it.
    let service_port = |target: u16| {
        ports
            .iter()
            .find(|p| p.target == target && p.protocol == "TCP")
            .map_or(target, |p| p.port)
    };
    // host (empty: any) -> path -> port
    let mut rules: BTreeMap<String, BTreeMap<String, u16>> = BTreeMap::new();
    for r in service_routers(s) {
        if let Some(port) = route(&r, s, ports, losses).map(service_port) {
            let hosts = r.hosts();
            let hosts = if hosts.is_empty() {
                vec![String::new()]
            } else {
                hosts
            };
            let mut paths = r.path_prefixes();
            if paths.is_empty() {
                paths.push("/".into());
            }
            for h in hosts {
                for p in &paths {
                    rules.entry(h.clone()).or_default().insert(p.clone(), port);
                }
            }
        }
    }
    if rules.is_empty() {
        return None;
    }
    let rules: Vec<Json> = rules
        .into_iter()
        .map(|(host, paths)| {
            let paths: Vec<Json> = paths
                .into_iter()
                .map(|(path, port)| {
                    json!({
                        "path": path,
                        "pathType": "Prefix",
                        "backend": { "service": { "name": name, "port": { "number": port } } },
                    })
                })
                .collect();
            let mut rule = json!({ "http": { "paths": paths } });
            if !host.is_empty() {
                rule["host"] = json!(host);
            }
            rule
        })
        .collect();
    Some(json!({
        "apiVersion": "networking.k8s.io/v1",
        "kind": "Ingress",
        "metadata": metadata(opts, &name, &selector(&names.project, &name)),
        "spec": { "rules": rules },
    }))
}

/// The port router `r` sends to, reporting what of it is not carried; `None` when the router
/// cannot become a rule.
fn route(
    r: &Router,
    s: &Service<'_>,
    ports: &[ServicePort],
    losses: &mut Vec<Diagnostic>,
) -> Option<u16> {
    let mut lost = |what: String, instead: &str| {
        losses.push(loss(s.name, &what, r.span, instead));
    };
    if r.target.contains('@') {
        lost(
            format!("traefik.http.routers.{}", r.name),
            "routes to Traefik's own service: the cluster's ingress controller has its own",
        );
        return None;
    }
    // Without a port, Traefik uses the container's one port, when it has only one.
    let own: Vec<u16> = ports
        .iter()
        .filter(|p| p.protocol == "TCP")
        .map(|p| p.target)
        .collect();
    let fallback = (own.len() == 1).then(|| own[0]);
    let Some(port) = r.port.parse::<u16>().ok().or(fallback) else {
        lost(
            format!("traefik.http.routers.{}", r.name),
            "no port for its service (traefik.http.services.NAME.loadbalancer.server.port), and the service has not exactly one: left out",
        );
        return None;
    };
    let mut rest = r.rule.clone();
    for m in CARRIED_MATCHERS {
        rest = rest.replace(m, "");
    }
    if rest.contains('(') {
        lost(
            format!("traefik.http.routers.{}.rule", r.name),
            "only its Host and PathPrefix matchers are carried",
        );
    }
    let labels = s.labels();
    let has = |suffix: &str| {
        labels.as_ref().is_some_and(|l| {
            l.value
                .iter()
                .any(|l| l.key == format!("traefik.http.routers.{}.{suffix}", r.name))
        })
    };
    for extra in ["middlewares", "tls", "tls.certresolver"] {
        if has(extra) {
            lost(
                format!("traefik.http.routers.{}.{extra}", r.name),
                "left out: the ingress controller's configuration decides it",
            );
        }
    }
    Some(port)
}
