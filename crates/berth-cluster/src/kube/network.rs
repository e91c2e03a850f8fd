//! The isolation of the compose networks, as NetworkPolicies. On compose networks a container
//! reaches another, on any port, exactly when they share a network, and reaches the world
//! unless all its networks are `internal`. Kubernetes lets every pod reach every other unless
//! a policy says otherwise, so each service gets a policy over its pods:
//! - each pod carries a label per network of its service (`network.berth.dev/NET: "true"`);
//! - ingress: from the pods of each of its networks, on any port; and its published ports, and
//!   those its Traefik routers name, from anywhere (they are reached from outside the cluster
//!   or by the ingress controller, and on compose from any container through the host);
//! - egress: to the pods of each of its networks; to the cluster's DNS; and to anywhere
//!   (`0.0.0.0/0`, `::/0`) unless every network of the service is `internal`.
//!
//! A service without networks (`network_mode`) reaches and is reached by no pod.

use berth_model::{Project, Service};
use serde_json::{json, Value as Json};

use super::names::{label, Names};
use super::service::ServicePort;
use super::{metadata, selector, Options};

/// The prefix of the label that says a pod is on a network.
pub const LABEL_PREFIX: &str = "network.berth.dev/";

/// The label key of network `key`.
#[must_use]
pub fn label_key(key: &str) -> String {
    format!("{LABEL_PREFIX}{}", label(key))
}

/// The network labels of the pods of `s`, sorted.
#[must_use]
pub fn pod_labels(s: &Service<'_>) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = s
        .networks()
        .map(|n| (label_key(n), "true".to_string()))
        .collect();
    out.sort();
    out.dedup();
    out
}

/// Whether every network of `s` is internal (and it has one).
fn only_internal(project: &Project, s: &Service<'_>) -> bool {
    let mut any = false;
    for n in s.networks() {
        any = true;
        let internal = project
            .network_def(n)
            .and_then(|d| d.internal)
            .unwrap_or(false);
        if !internal {
            return false;
        }
    }
    any
}

/// The NetworkPolicy of the pods of `s`, whose Service has `ports`.
#[must_use]
pub fn policy(
    project: &Project,
    s: &Service<'_>,
    names: &Names,
    opts: &Options,
    ports: &[ServicePort],
) -> Json {
    let name = names.get(super::names::Of::Service, s.name);
    let sel = selector(&names.project, &name);
    let peers: Vec<Json> = pod_labels(s)
        .into_iter()
        .map(|(k, v)| {
            json!({ "podSelector": { "matchLabels": {
                k: v,
                "app.kubernetes.io/part-of": names.project,
            } } })
        })
        .collect();
    let mut ingress = Vec::new();
    if !peers.is_empty() {
        ingress.push(json!({ "from": peers }));
    }
    let published: Vec<Json> = ports
        .iter()
        .filter(|p| p.published || p.routed)
        .map(|p| json!({ "port": p.target, "protocol": p.protocol }))
        .collect();
    if !published.is_empty() {
        ingress.push(json!({
            "from": [
                { "ipBlock": { "cidr": "0.0.0.0/0" } },
                { "ipBlock": { "cidr": "::/0" } },
                { "namespaceSelector": {} },
            ],
            "ports": published,
        }));
    }
    let mut egress = vec![json!({
        "to": [{
            "namespaceSelector": { "matchLabels": { "kubernetes.io/metadata.name": "kube-system" } },
            "podSelector": { "matchLabels": { "k8s-app": "kube-dns" } },
        }],
        "ports": [
            { "port": 53, "protocol": "UDP" },
            { "port": 53, "protocol": "TCP" },
        ],
    })];
    if !peers.is_empty() {
        egress.push(json!({ "to": peers }));
    }
    if s.networks().next().is_some() && !only_internal(project, s) {
        egress.push(json!({ "to": [
            { "ipBlock": { "cidr": "0.0.0.0/0" } },
            { "ipBlock": { "cidr": "::/0" } },
        ] }));
    }
    json!({
        "apiVersion": "networking.k8s.io/v1",
        "kind": "NetworkPolicy",
        "metadata": metadata(opts, &name, &sel),
        "spec": {
            "podSelector": { "matchLabels": sel },
            "policyTypes": ["Ingress", "Egress"],
            "ingress": ingress,
            "egress": egress,
        },
    })
}

/// The settings of the networks the services use that the policies do not keep: how a
/// network is made (driver, addresses, IPv6, ...) has no counterpart in a pod network.
#[must_use]
pub fn losses(project: &Project) -> Vec<berth_model::Diagnostic> {
    let used: std::collections::BTreeSet<&str> = project
        .services()
        .flat_map(|s| s.networks().collect::<Vec<_>>())
        .collect();
    let mut out = Vec::new();
    for def in project.network_defs().filter(|d| used.contains(d.key)) {
        let Some(map) = def.value.as_map() else {
            continue;
        };
        for (k, v) in map.iter() {
            let key = k.name.as_str();
            if matches!(key, "internal" | "external" | "name") || key.starts_with("x-") {
                continue;
            }
            out.push(super::loss(
                "",
                &format!("networks.{}.{key}", def.key),
                v.span,
                "left out: the NetworkPolicies keep which pods reach which, not how the network is made",
            ));
        }
    }
    out
}
