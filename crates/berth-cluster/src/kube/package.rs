//! The manifests laid out for the tools people deploy with: a Kustomize base (one file per
//! object and a `kustomization.yaml` listing them), or a Helm chart whose `values.yaml`
//! carries what a user changes per environment (each service's image, replicas and
//! resources) and whose templates read them. Files are returned as (path, text); the CLI
//! writes them.

use serde_json::{json, Value as Json};

use super::{file_name, to_yaml};

/// A file of a package: its path under the output folder, and its text.
pub type File = (String, String);

/// A Kustomize base: each object in its own file, and the kustomization listing them.
#[must_use]
pub fn kustomize(objects: &[Json], namespace: Option<&str>) -> Vec<File> {
    let mut files: Vec<File> = objects
        .iter()
        .map(|o| (file_name(o), to_yaml(std::slice::from_ref(o))))
        .collect();
    let mut k = json!({
        "apiVersion": "kustomize.config.k8s.io/v1beta1",
        "kind": "Kustomization",
        "resources": files.iter().map(|(p, _)| p.clone()).collect::<Vec<_>>(),
    });
    if let Some(ns) = namespace {
        k["namespace"] = json!(ns);
    }
    files.push(("kustomization.yaml".into(), berth_emit::yaml::to_yaml(&k)));
    files
}

/// A value the chart's templates read: where it is in `values.yaml`, and whether it is
/// quoted (a string) in the manifest.
struct Slot {
    path: Vec<String>,
    quote: bool,
}

/// The workload kinds whose pods run a service's container.
const WORKLOADS: &[&str] = &["Deployment", "StatefulSet", "DaemonSet", "Job"];

/// A Helm chart named `name` (a DNS label) of `objects`.
#[must_use]
pub fn helm(name: &str, objects: &[Json]) -> Vec<File> {
    let mut values = serde_json::Map::new();
    let mut slots: Vec<Slot> = Vec::new();
    let mut templates = Vec::new();
    for o in objects {
        let mut o = o.clone();
        if WORKLOADS.contains(&o["kind"].as_str().unwrap_or_default()) {
            let service = o["metadata"]["name"]
                .as_str()
                .unwrap_or_default()
                .to_string();
            let mut mine = serde_json::Map::new();
            let container = "/spec/template/spec/containers/0";
            let mut fields: Vec<(String, Vec<&str>, bool)> = vec![
                ("/spec/replicas".into(), vec!["replicas"], false),
                (format!("{container}/image"), vec!["image"], true),
            ];
            for side in ["limits", "requests"] {
                for what in ["cpu", "memory"] {
                    fields.push((
                        format!("{container}/resources/{side}/{what}"),
                        vec!["resources", side, what],
                        true,
                    ));
                }
            }
            for (pointer, path, quote) in fields {
                let Some(at) = o.pointer_mut(&pointer) else {
                    continue;
                };
                // The value goes to values.yaml, a placeholder to its place.
                let value =
                    std::mem::replace(at, json!(format!("__berth_value_{}__", slots.len())));
                // Paths are one key, or three (resources, side, what); indexing a null
                // value by key makes it an object.
                match path.as_slice() {
                    [key] => {
                        mine.insert((*key).to_string(), value);
                    }
                    [first, rest @ ..] => {
                        let mut at = mine.entry((*first).to_string()).or_insert(Json::Null);
                        for key in rest {
                            at = &mut at[*key];
                        }
                        *at = value;
                    }
                    [] => {}
                }
                let mut full = vec!["services".to_string(), service.clone()];
                full.extend(path.iter().map(|p| (*p).to_string()));
                slots.push(Slot { path: full, quote });
            }
            values.insert(service, Json::Object(mine));
        }
        let mut text = to_yaml(std::slice::from_ref(&o));
        // Placeholders back to front, so that `__berth_value_1__` is not taken for a part
        // of `__berth_value_12__`.
        for (i, slot) in slots.iter().enumerate().rev() {
            let index: String = slot.path.iter().map(|p| format!(" {p:?}")).collect();
            let pipe = if slot.quote { " | quote" } else { "" };
            text = text.replace(
                &format!("__berth_value_{i}__"),
                &format!("{{{{ index .Values{index}{pipe} }}}}"),
            );
        }
        templates.push((format!("templates/{}", file_name(&o)), text));
    }
    let chart = json!({
        "apiVersion": "v2",
        "name": name,
        "description": format!("The {name} project, converted from its compose files by Berth"),
        "type": "application",
        "version": "0.1.0",
        "appVersion": "1.0.0",
    });
    let mut files = vec![
        ("Chart.yaml".to_string(), berth_emit::yaml::to_yaml(&chart)),
        (
            "values.yaml".to_string(),
            berth_emit::yaml::to_yaml(&json!({ "services": values })),
        ),
    ];
    files.extend(templates);
    files
}
