//! The project's data as Kubernetes objects: each secret a service uses as a Secret (its file,
//! variable or content as data) and each config as a ConfigMap, both mounted by the workloads
//! where the compose file mounts them; each named volume as a PersistentVolumeClaim, or as a
//! claim template of the StatefulSet of the one single-replica service that keeps its state
//! there. A claim asks for `x-berth: {kubernetes: {size, storage_class}}` on the volume, else
//! the flags' size and class.

use std::collections::{BTreeMap, BTreeSet};

use base64::Engine as _;
use berth_model::mount::MountKind;
use berth_model::resources::FileKind;
use berth_model::{Project, Value};
use serde_json::{json, Value as Json};

use super::names::{Names, Of};
use super::{loss, metadata, Options};

/// What the storage conversion made, and what the workloads need to know of it.
#[derive(Debug, Default)]
pub struct Store {
    pub objects: Vec<Json>,
    /// The volumes that become claim templates of their one service's StatefulSet, by volume
    /// key, with that service's name.
    pub templates: BTreeMap<String, String>,
    /// The claim spec of each named volume, by key (for the templates).
    pub claims: BTreeMap<String, Json>,
    /// The services others wait on with `service_completed_successfully` (they run once).
    pub awaited: BTreeSet<String>,
    /// The services that own a claim template (their volume is theirs alone).
    pub owners: BTreeSet<String>,
}

/// Whether service `s` runs as one replica that may keep state: replicated, not a job.
pub(crate) fn single_replica(s: &berth_model::Service<'_>) -> bool {
    let deploy = s.deploy();
    deploy.mode == "replicated" && s.replicas().unwrap_or(1) == 1
}

/// A hint of `x-berth: {kubernetes: {KEY}}` on a definition.
pub(crate) fn hint<'a>(v: &'a Value, key: &str) -> Option<&'a Value> {
    v.path(&["x-berth", "kubernetes", key])
}

/// The services `s` takes volumes from (`volumes_from: [SERVICE[:ro]]`), and whether
/// read-only; `container:NAME` entries name no service and are left out.
pub(crate) fn volumes_from(s: &berth_model::Service<'_>) -> Vec<(String, bool)> {
    s.settings()
        .volumes_from
        .unwrap_or_default()
        .into_iter()
        .filter(|v| !v.starts_with("container:"))
        .map(|v| match v.split_once(':') {
            Some((name, mode)) => (name.to_string(), mode == "ro"),
            None => (v, false),
        })
        .collect()
}

/// The named volumes `s` mounts, by key, with their mount: its own, then those of the
/// services it takes volumes from.
pub(crate) fn named_volumes<'a>(
    project: &'a Project,
    s: &berth_model::Service<'a>,
) -> Vec<(&'a str, berth_model::mount::Mount<'a>)> {
    let own = |svc: &berth_model::Service<'a>| -> Vec<(&'a str, berth_model::mount::Mount<'a>)> {
        svc.mounts()
            .filter(|m| m.kind == MountKind::Volume)
            .filter_map(|m| Some((project.volume_def(m.source?)?.key, m)))
            .collect()
    };
    let mut out = own(s);
    for (from, _) in volumes_from(s) {
        if let Some(other) = project.service(&from) {
            out.extend(own(&other));
        }
    }
    out
}

/// The Secrets, ConfigMaps and claims of `project`.
///
/// # Errors
/// A secret or config given by a variable that is not set.
pub fn convert(
    project: &Project,
    names: &Names,
    opts: &Options,
    losses: &mut Vec<berth_model::Diagnostic>,
) -> Result<Store, String> {
    let mut store = Store::default();
    let labels = json!({ "app.kubernetes.io/part-of": names.project });
    // Secrets and configs, those the services use.
    let mut used: BTreeSet<(u8, String)> = BTreeSet::new();
    for s in project.services() {
        for d in s.dependencies() {
            if d.condition == berth_model::dependency::Condition::CompletedSuccessfully {
                store.awaited.insert(d.service.to_string());
            }
        }
        for f in s.files() {
            let k = u8::from(f.kind == FileKind::Config);
            used.insert((k, f.source.to_string()));
        }
    }
    for (k, key) in used {
        let (kind, of) = if k == 0 {
            (FileKind::Secret, Of::Secret)
        } else {
            (FileKind::Config, Of::Config)
        };
        let Some(def) = project.file_def(kind, &key) else {
            continue;
        };
        if def.external || (kind == FileKind::Secret && opts.external_secrets) {
            continue;
        }
        let name = names.get(of, &key);
        let data: Option<Vec<u8>> = if let Some(path) = def.file {
            match std::fs::read(path) {
                Ok(d) => Some(d),
                Err(e) => {
                    losses.push(loss(
                        "",
                        &format!("{}.{key}.file", kind.section()),
                        def.span,
                        &format!("cannot read {path} ({e}): the object is made without data"),
                    ));
                    None
                }
            }
        } else {
            project.inline_value(&def)?.map(String::into_bytes)
        };
        let mut obj = match kind {
            FileKind::Secret => json!({
                "apiVersion": "v1",
                "kind": "Secret",
                "metadata": metadata(opts, &name, &labels),
                "type": "Opaque",
            }),
            FileKind::Config => json!({
                "apiVersion": "v1",
                "kind": "ConfigMap",
                "metadata": metadata(opts, &name, &labels),
            }),
        };
        if let Some(d) = data {
            match (kind, String::from_utf8(d)) {
                (FileKind::Config, Ok(text)) => obj["data"] = json!({ name.clone(): text }),
                (FileKind::Config, Err(e)) => {
                    let b = base64::engine::general_purpose::STANDARD.encode(e.as_bytes());
                    obj["binaryData"] = json!({ name.clone(): b });
                }
                (FileKind::Secret, text) => {
                    let bytes = text
                        .map_or_else(std::string::FromUtf8Error::into_bytes, String::into_bytes);
                    let b = base64::engine::general_purpose::STANDARD.encode(bytes);
                    obj["data"] = json!({ name.clone(): b });
                }
            }
        }
        for setting in ["driver", "driver_opts", "template_driver"] {
            if let Some(v) = def.value.get(setting) {
                losses.push(loss(
                    "",
                    &format!("{}.{key}.{setting}", kind.section()),
                    v.span,
                    "the object holds the data as written",
                ));
            }
        }
        store.objects.push(obj);
    }
    // Volumes: who mounts each named one.
    let mut users: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for s in project.services() {
        for (key, _) in named_volumes(project, &s) {
            let list = users.entry(key.to_string()).or_default();
            if !list.iter().any(|u| u == s.name) {
                list.push(s.name.to_string());
            }
        }
    }
    let mut defs: Vec<_> = project.volume_defs().collect();
    defs.sort_by(|a, b| a.key.cmp(b.key));
    for def in defs {
        if def.external {
            continue;
        }
        let Some(using) = users.get(def.key) else {
            continue;
        };
        let size = hint(def.value, "size")
            .and_then(Value::scalar_to_string)
            .unwrap_or_else(|| opts.volume_size.clone());
        let class = hint(def.value, "storage_class")
            .and_then(Value::scalar_to_string)
            .or_else(|| opts.storage_class.clone());
        let shared = using.len() > 1;
        let mut spec = json!({
            "accessModes": [if shared { "ReadWriteMany" } else { "ReadWriteOnce" }],
            "resources": { "requests": { "storage": size } },
        });
        if let Some(c) = class {
            spec["storageClassName"] = json!(c);
        }
        if shared {
            losses.push(loss(
                "",
                &format!("volumes.{}", def.key),
                def.key_span,
                &format!(
                    "shared by {}: its claim asks for ReadWriteMany, which the storage class must offer",
                    using.join(", ")
                ),
            ));
        }
        for (setting, v) in [
            ("driver", def.value.get("driver")),
            ("driver_opts", def.value.get("driver_opts")),
            ("labels", def.value.get("labels")),
        ] {
            if let Some(v) = v {
                let instead = if setting == "labels" {
                    "left out: the claim carries the project's labels"
                } else {
                    "the claim's storage class decides how the volume is made"
                };
                losses.push(loss(
                    "",
                    &format!("volumes.{}.{setting}", def.key),
                    v.span,
                    instead,
                ));
            }
        }
        store.claims.insert(def.key.to_string(), spec.clone());
        let owner = using
            .first()
            .filter(|_| !shared)
            .and_then(|u| project.service(u))
            .filter(single_replica);
        if let Some(owner) = owner {
            store
                .templates
                .insert(def.key.to_string(), owner.name.to_string());
            store.owners.insert(owner.name.to_string());
            continue;
        }
        let name = names.get(Of::Volume, def.key);
        store.objects.push(json!({
            "apiVersion": "v1",
            "kind": "PersistentVolumeClaim",
            "metadata": metadata(opts, &name, &labels),
            "spec": spec,
        }));
    }
    Ok(store)
}
