//! ## What it does
//! Finds databases, caches, message brokers and monitoring back ends published on every
//! interface of the host (`"5432:5432"`, `0.0.0.0`).
//!
//! Monitoring web UIs (Grafana, Kibana, OpenSearch Dashboards, Uptime Kuma) are not reported:
//! they are what people open in a browser, each with a login of its own, so publishing them is
//! their purpose; their back ends (Prometheus, Loki, Elasticsearch, exporters), which have no
//! login and serve other containers, are. In production, B203 reports every published port,
//! UIs included.
//!
//! ## Why
//! A published port is reachable from any network the host is on, and Docker's port
//! publishing bypasses host firewalls such as ufw. These services are meant for the other
//! containers, which reach them over the Compose network without any published port.
//!
//! ## Example
//! ```yaml
//! services:
//!   postgres: {image: postgres:16, ports: ["5432:5432"]}
//! ```
//!
//! ## Use instead
//! No `ports` at all (other services use `postgres:5432`), or publish on loopback only for a
//! local tool: `127.0.0.1:5432:5432`, in the development file.
//!
//! `berth audit --fix` binds a `HOST:CONTAINER` port to `127.0.0.1`.

use berth_model::Diagnostic;

use crate::facts::{is_web_ui, on_all_interfaces, published, role, Role};
use crate::{Context, Sink};

pub fn check(cx: &Context, out: &mut Sink) {
    let p = cx.project;
    for port in published(p) {
        let Some(s) = p.service(port.service) else {
            continue;
        };
        let what = match role(&s) {
            Role::Database => "a database",
            Role::Cache => "a cache",
            Role::Broker => "a message broker",
            Role::Monitoring if is_web_ui(&s) => continue,
            Role::Monitoring => "a monitoring service",
            _ => continue,
        };
        if !on_all_interfaces(&port) {
            continue;
        }
        out.report(
            Some(port.service),
            Diagnostic::warning(format!(
                "`{}` is {what} published on every interface of the host (port {})",
                port.service, port.first
            ))
            .with_label(port.span, "reachable from outside the host"),
        );
    }
}
