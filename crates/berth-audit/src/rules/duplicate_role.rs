//! ## What it does
//! Finds two services of one project doing a job that a stack needs done once: two
//! Prometheus, two Grafana, two Loki, two Alertmanagers, two Traefik.
//!
//! ## Why
//! Two monitoring stacks split the metrics and dashboards in two, double the upkeep, and
//! usually fight over the same host ports. The seeds' fog-compute project ran a second
//! Prometheus and Grafana for its betanet instead of letting one Prometheus scrape both.
//!
//! ## Example
//! ```yaml
//! services:
//!   prometheus:         {image: prom/prometheus}
//!   prometheus-betanet: {image: prom/prometheus}
//! ```
//!
//! ## Use instead
//! One instance on a monitoring network that bridges the networks it watches.

use std::collections::BTreeMap;

use berth_model::read::At;
use berth_model::Diagnostic;

use crate::facts::image_base;
use crate::{Context, Sink};

const SINGLETONS: &[&str] = &[
    "prometheus",
    "grafana",
    "loki",
    "alertmanager",
    "traefik",
    "promtail",
    "jaeger",
    "cadvisor",
    "node-exporter",
];

pub fn check(cx: &Context, out: &mut Sink) {
    let mut by_role: BTreeMap<String, Vec<(&str, At<&str>)>> = BTreeMap::new();
    for s in cx.project.services() {
        let Some(image) = s.image_at() else {
            continue;
        };
        let base = image_base(image.value);
        if SINGLETONS.contains(&base.as_str()) {
            by_role.entry(base).or_default().push((s.name, image));
        }
    }
    for (role, services) in by_role {
        if services.len() < 2 {
            continue;
        }
        let names: Vec<&str> = services.iter().map(|(n, _)| *n).collect();
        let mut d = Diagnostic::warning(format!(
            "{} services run {role}: {}",
            services.len(),
            names.join(", ")
        ));
        for (name, image) in &services {
            d = d.with_label(image.span, format!("`{name}` runs {role}"));
        }
        out.report(names.get(1).copied(), d);
    }
}
