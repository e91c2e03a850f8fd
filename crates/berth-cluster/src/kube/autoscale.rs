//! A HorizontalPodAutoscaler for a service that asks for one, with Berth's extension on the
//! service: `x-berth: {kubernetes: {autoscale: {min: 2, max: 10, cpu: 70}}}` (replicas between
//! `min` and `max`, aiming at `cpu` percent of the pods' CPU request). Compose has no such
//! setting: the hw-server seed, for one, asks for an autoscaler for its API.

use berth_model::{Diagnostic, Service, Value};
use serde_json::{json, Value as Json};

use super::names::{Names, Of};
use super::storage::hint;
use super::workload::Workload;
use super::{loss, metadata, selector, Options};

/// The CPU utilization an autoscaler aims at when the hint does not say.
const DEFAULT_CPU: i64 = 80;

/// The autoscaler of `s` (whose workload is `kind`), when it asks for one.
pub fn convert(
    s: &Service<'_>,
    kind: Workload,
    names: &Names,
    opts: &Options,
    losses: &mut Vec<Diagnostic>,
) -> Option<Json> {
    let v = hint(s.value, "autoscale")?;
    let get = |k: &str| v.get(k).and_then(Value::as_i64);
    let target = match kind {
        Workload::Deployment => "Deployment",
        Workload::StatefulSet => "StatefulSet",
        Workload::DaemonSet | Workload::Job => {
            losses.push(loss(
                s.name,
                "x-berth.kubernetes.autoscale",
                v.span,
                "only a Deployment or a StatefulSet scales: no autoscaler",
            ));
            return None;
        }
    };
    let max = get("max");
    let min = get("min").unwrap_or(1);
    let cpu = get("cpu").unwrap_or(DEFAULT_CPU);
    let Some(max) = max.filter(|m| *m >= min.max(1)) else {
        losses.push(loss(
            s.name,
            "x-berth.kubernetes.autoscale",
            v.span,
            "needs `max`, at least `min` and 1: no autoscaler",
        ));
        return None;
    };
    if !(1..=100).contains(&cpu) || min < 1 {
        losses.push(loss(
            s.name,
            "x-berth.kubernetes.autoscale",
            v.span,
            "`min` must be at least 1 and `cpu` a percentage from 1 to 100: no autoscaler",
        ));
        return None;
    }
    if s.deploy().reservations.cpus.is_none() {
        losses.push(loss(
            s.name,
            "x-berth.kubernetes.autoscale",
            v.span,
            "a CPU target needs a CPU request (deploy.resources.reservations.cpus): the autoscaler has none to measure against",
        ));
    }
    let name = names.get(Of::Service, s.name);
    Some(json!({
        "apiVersion": "autoscaling/v2",
        "kind": "HorizontalPodAutoscaler",
        "metadata": metadata(opts, &name, &selector(&names.project, &name)),
        "spec": {
            "scaleTargetRef": { "apiVersion": "apps/v1", "kind": target, "name": name },
            "minReplicas": min,
            "maxReplicas": max,
            "metrics": [{
                "type": "Resource",
                "resource": {
                    "name": "cpu",
                    "target": { "type": "Utilization", "averageUtilization": cpu },
                },
            }],
        },
    }))
}
