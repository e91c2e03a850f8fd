//! The loaded project as Kubernetes manifests (`berth convert kubernetes`), keeping what the
//! compose files say where Kubernetes has a place for it, and reporting, with the file, line
//! and column, what it has not. Pure: the project in, objects and losses out; the CLI writes
//! them as YAML, JSON, or one file per object.
//!
//! Per service: a workload ([`workload`]: a Deployment, a StatefulSet for a single replica
//! keeping its state in a named volume of its own, a DaemonSet for `mode: global`, a Job for a
//! one-shot service), and a Service when it has ports ([`service`]). Per project: Secrets,
//! ConfigMaps and PersistentVolumeClaims ([`storage`]); the networks' isolation as a
//! NetworkPolicy per service ([`network`]); Traefik routers as Ingress rules ([`ingress`]);
//! an autoscaler where a service asks for one ([`autoscale`]). [`package`] lays the objects
//! out as a Kustomize base or a Helm chart. Names are made valid Kubernetes names
//! ([`names`]). The output is deterministic: the same project gives the same bytes.

pub mod autoscale;
pub mod ingress;
pub mod names;
pub mod network;
pub mod package;
pub mod service;
pub mod storage;
pub mod workload;

use berth_model::{Diagnostic, Project, Span};
use serde_json::{json, Value as Json};
use std::collections::HashMap;

/// How the services' published ports are reached from outside the cluster.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Expose {
    /// Inside the cluster only (a ClusterIP Service); each published port is reported.
    #[default]
    None,
    NodePort,
    LoadBalancer,
}

/// What a conversion is told beyond the project.
#[derive(Clone, Debug)]
pub struct Options {
    /// `metadata.namespace` of every object, when given.
    pub namespace: Option<String>,
    pub expose: Expose,
    /// The image of the init containers that wait for a dependency.
    pub wait_image: String,
    /// The image of the init containers that wait for a Job to complete (it needs
    /// `kubectl`).
    pub kubectl_image: String,
    /// The size a PersistentVolumeClaim asks for when the volume does not say.
    pub volume_size: String,
    /// The storage class of the claims, when given.
    pub storage_class: Option<String>,
    /// Bind mounts become hostPath volumes (otherwise they are reported and left out).
    pub allow_hostpath: bool,
    /// Secrets are referenced by name, made outside the manifests.
    pub external_secrets: bool,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            namespace: None,
            expose: Expose::None,
            wait_image: DEFAULT_WAIT_IMAGE.to_string(),
            kubectl_image: DEFAULT_KUBECTL_IMAGE.to_string(),
            volume_size: "1Gi".to_string(),
            storage_class: None,
            allow_hostpath: false,
            external_secrets: false,
        }
    }
}

/// The default image of the init containers that wait for a dependency: it needs `sh` and
/// `nc`.
pub const DEFAULT_WAIT_IMAGE: &str = "busybox:1.36";

/// The default image of the init containers that wait for a Job to complete.
pub const DEFAULT_KUBECTL_IMAGE: &str = "bitnami/kubectl:1.31";

/// The manifests of a project, and what they could not keep.
#[derive(Debug, Default)]
pub struct Manifests {
    /// Each object, in a stable order: Secrets, ConfigMaps, claims, the account that reads
    /// Jobs (when a pod waits for one), then each service's Service, workload,
    /// NetworkPolicy, Ingress and autoscaler, by service name.
    pub objects: Vec<Json>,
    pub losses: Vec<Diagnostic>,
    /// The names that had to change to be valid Kubernetes names (notes, not losses).
    pub renamed: Vec<Diagnostic>,
}

/// The labels that select a service's pods.
pub(crate) fn selector(project: &str, service: &str) -> Json {
    json!({
        "app.kubernetes.io/name": service,
        "app.kubernetes.io/part-of": project,
    })
}

/// The metadata of an object named `name`.
pub(crate) fn metadata(opts: &Options, name: &str, labels: &Json) -> Json {
    let mut m = json!({ "name": name, "labels": labels });
    if let Some(ns) = &opts.namespace {
        m["namespace"] = json!(ns);
    }
    m
}

/// A loss: a warning naming the setting and its place, and saying what was done instead.
pub(crate) fn loss(service: &str, what: &str, span: Span, instead: &str) -> Diagnostic {
    let subject = if service.is_empty() {
        String::new()
    } else {
        format!("service {service:?}: ")
    };
    Diagnostic::warning(format!("{subject}`{what}`: {instead}"))
        .with_label(span, "not kept as written".to_string())
}

/// Converts `project`.
///
/// # Errors
/// A secret or config whose content cannot be had (an unset variable).
pub fn convert(project: &Project, opts: &Options) -> Result<Manifests, String> {
    let names = names::Names::of(project);
    let mut out = Manifests {
        renamed: names.renamed_notes(project),
        ..Manifests::default()
    };
    let store = storage::convert(project, &names, opts, &mut out.losses)?;
    out.losses.extend(network::losses(project));
    out.objects.extend(store.objects.iter().cloned());
    let mut services: Vec<_> = project.services().collect();
    services.sort_by(|a, b| a.name.cmp(b.name));
    let by_name: HashMap<&str, berth_model::Service<'_>> =
        services.iter().map(|s| (s.name, *s)).collect();
    // Each service's ports, read once: its Service, its container, the pods that wait for
    // it, its policy and its Ingress all use them. What they cannot keep is reported with
    // the service's Service.
    let mut port_losses = Vec::with_capacity(services.len());
    let ports: HashMap<&str, Vec<service::ServicePort>> = services
        .iter()
        .map(|s| {
            let mut lost = Vec::new();
            let p = service::ports(s, &mut lost);
            port_losses.push(lost);
            (s.name, p)
        })
        .collect();
    let context = workload::Context {
        services: &by_name,
        ports: &ports,
        store: &store,
    };
    // The services are independent of each other: a large project is converted on two
    // threads, its halves joined in order.
    let indices: Vec<usize> = (0..services.len()).collect();
    let parts = berth_model::parallel::on_halves(&indices, 32, |half| {
        let mut part = Part::default();
        for &i in half {
            let lost = port_losses[i].clone();
            part.service(project, &context, &services[i], lost, &names, opts);
        }
        part
    });
    if parts.iter().any(|p| p.waits_for_jobs) {
        out.objects
            .extend(workload::waiter_objects(&names.project, opts));
    }
    for part in parts {
        out.objects.extend(part.objects);
        out.losses.extend(part.losses);
    }
    Ok(out)
}

/// The objects and losses of some of the services.
#[derive(Default)]
struct Part {
    objects: Vec<Json>,
    losses: Vec<Diagnostic>,
    waits_for_jobs: bool,
}

impl Part {
    /// Adds service `s`'s Service, workload, NetworkPolicy, Ingress and autoscaler.
    fn service(
        &mut self,
        project: &Project,
        context: &workload::Context<'_, '_>,
        s: &berth_model::Service<'_>,
        port_losses: Vec<Diagnostic>,
        names: &names::Names,
        opts: &Options,
    ) {
        let own = context.ports.get(s.name).map_or(&[][..], Vec::as_slice);
        self.losses.extend(port_losses);
        if let Some(svc) = service::convert(s, own, names, opts, &mut self.losses) {
            self.objects.push(svc);
        }
        let (w, waits) = workload::convert(project, context, s, names, opts, &mut self.losses);
        self.waits_for_jobs |= waits;
        self.objects.push(w);
        self.objects
            .push(network::policy(project, s, names, opts, own));
        if let Some(ingress) = ingress::convert(s, own, names, opts, &mut self.losses) {
            self.objects.push(ingress);
        }
        let kind = workload::kind_of(s, context.store);
        if let Some(hpa) = autoscale::convert(s, kind, names, opts, &mut self.losses) {
            self.objects.push(hpa);
        }
    }
}

/// The objects as one multi-document YAML stream. A long stream is written on two threads.
#[must_use]
pub fn to_yaml(objects: &[Json]) -> String {
    fn write(objects: &[Json]) -> String {
        // About 1.6 KiB per object: reserved, the text is not copied as it grows.
        let mut out = String::with_capacity(objects.len() * 2048);
        for (i, o) in objects.iter().enumerate() {
            if i > 0 {
                out.push_str("---\n");
            }
            berth_emit::yaml::write_document(&mut out, o);
        }
        out
    }
    berth_model::parallel::on_halves(objects, 64, write).join("---\n")
}

/// The objects as one JSON `List`, as `kubectl get -o json` prints several.
#[must_use]
pub fn to_json(objects: &[Json]) -> String {
    let list = json!({ "apiVersion": "v1", "kind": "List", "items": objects });
    let mut text = serde_json::to_string_pretty(&list).unwrap_or_default();
    text.push('\n');
    text
}

/// The file name of object `o` when each goes to a file of its own: `NAME-KIND.yaml`.
#[must_use]
pub fn file_name(o: &Json) -> String {
    let name = o
        .pointer("/metadata/name")
        .and_then(Json::as_str)
        .unwrap_or("object");
    let kind = o
        .get("kind")
        .and_then(Json::as_str)
        .unwrap_or("object")
        .to_ascii_lowercase();
    format!("{name}-{kind}.yaml")
}

#[cfg(test)]
mod tests;
