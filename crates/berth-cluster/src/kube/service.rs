//! A Kubernetes Service for each compose service that has `ports` or `expose`: the name other
//! pods reach it by, as containers reach each other by service name on a compose network. A
//! published port keeps its number on the Service (the container's port behind it); outside
//! the cluster it is reached as `--expose` says (a NodePort or a LoadBalancer Service), and by
//! default not at all, which is reported for each published port. `endpoint_mode: dnsrr`
//! makes the Service headless.

use berth_model::ports::range;
use berth_model::{Diagnostic, Service};
use serde_json::{json, Value as Json};

use super::names::{Names, Of};
use super::{loss, metadata, selector, Expose, Options};

/// The most ports one `expose` range may open (each is a port of the Service).
const MAX_RANGE: u16 = 100;

/// One port of the Service: its number, the container's, the protocol.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct ServicePort {
    pub port: u16,
    pub target: u16,
    pub protocol: String,
    pub published: bool,
    /// A Traefik router routes to it: an Ingress rule reaches it.
    pub routed: bool,
}

/// The ports of service `s`: its `ports` (published ones on their published number), its
/// `expose` entries and the ports its Traefik routers name, without repeats.
pub fn ports(s: &Service<'_>, losses: &mut Vec<Diagnostic>) -> Vec<ServicePort> {
    let mut out: Vec<ServicePort> = Vec::new();
    let mut add = |p: ServicePort| {
        if !out
            .iter()
            .any(|o| o.port == p.port && o.protocol == p.protocol)
        {
            out.push(p);
        }
    };
    for p in s.ports() {
        let Some(target) = p.target.and_then(|t| u16::try_from(t).ok()) else {
            continue;
        };
        let protocol = p.protocol.to_ascii_uppercase();
        let published = p.published.as_deref().and_then(range);
        match published {
            Some((a, b)) if a == b => add(ServicePort {
                port: a,
                target,
                protocol,
                published: true,
                routed: false,
            }),
            Some(_) => {
                losses.push(loss(
                    s.name,
                    "ports",
                    p.span,
                    &format!("a published range: the Service has the container's port {target}"),
                ));
                add(ServicePort {
                    port: target,
                    target,
                    protocol,
                    published: true,
                    routed: false,
                });
            }
            None => add(ServicePort {
                port: target,
                target,
                protocol,
                published: p.published.is_some(),
                routed: false,
            }),
        }
        if let Some(ip) = p.host_ip {
            losses.push(loss(
                s.name,
                "ports.host_ip",
                p.span,
                &format!("the port is not bound to {ip}: a Service has no host address"),
            ));
        }
        if p.mode == Some("host") {
            losses.push(loss(
                s.name,
                "ports.mode",
                p.span,
                "host mode: the port is the Service's, not each node's",
            ));
        }
    }
    for e in &s.settings().expose {
        let (ports, protocol) = e
            .value
            .split_once('/')
            .map_or((e.value.as_str(), "tcp"), |(p, proto)| (p, proto));
        let protocol = protocol.to_ascii_uppercase();
        match range(ports) {
            Some((a, b)) if b - a < MAX_RANGE => {
                for port in a..=b {
                    add(ServicePort {
                        port,
                        target: port,
                        protocol: protocol.clone(),
                        published: false,
                        routed: false,
                    });
                }
            }
            _ => losses.push(loss(
                s.name,
                "expose",
                e.span,
                &format!(
                    "{} is not a port or a range of at most {MAX_RANGE}: left out",
                    e.value
                ),
            )),
        }
    }
    // The ports Traefik routers send traffic to, which an Ingress rule will.
    for r in berth_model::routes::service_routers(s) {
        if let Ok(port) = r.port.parse::<u16>() {
            match out
                .iter_mut()
                .find(|o| o.target == port && o.protocol == "TCP")
            {
                Some(o) => o.routed = true,
                None => out.push(ServicePort {
                    port,
                    target: port,
                    protocol: "TCP".into(),
                    published: false,
                    routed: true,
                }),
            }
        }
    }
    out.sort();
    out
}

/// The name of a Service port: `tcp-8080`.
pub(crate) fn port_name(p: &ServicePort) -> String {
    format!("{}-{}", p.protocol.to_ascii_lowercase(), p.port)
}

/// The Service of `s`, whose ports are `ports`, if it has any.
pub fn convert(
    s: &Service<'_>,
    ports: &[ServicePort],
    names: &Names,
    opts: &Options,
    losses: &mut Vec<Diagnostic>,
) -> Option<Json> {
    if ports.is_empty() {
        return None;
    }
    let name = names.get(Of::Service, s.name);
    let published = ports.iter().any(|p| p.published);
    let kind = match opts.expose {
        Expose::NodePort if published => "NodePort",
        Expose::LoadBalancer if published => "LoadBalancer",
        _ => "ClusterIP",
    };
    if published && opts.expose == Expose::None {
        for p in s.ports().filter(|p| p.published.is_some()) {
            losses.push(loss(
                s.name,
                "ports",
                p.span,
                &format!(
                    "published on the host: reached inside the cluster as {name}:{}; --expose nodeport or loadbalancer publishes it",
                    p.published.as_deref().unwrap_or_default()
                ),
            ));
        }
    }
    let mut spec = json!({
        "type": kind,
        "selector": selector(&names.project, &name),
        "ports": ports.iter().map(|p| json!({
            "name": port_name(p),
            "port": p.port,
            "targetPort": p.target,
            "protocol": p.protocol,
        })).collect::<Vec<_>>(),
    });
    if s.deploy().endpoint_mode == Some("dnsrr") && kind == "ClusterIP" {
        spec["clusterIP"] = json!("None");
    }
    Some(json!({
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": metadata(opts, &name, &selector(&names.project, &name)),
        "spec": spec,
    }))
}
