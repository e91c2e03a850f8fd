//! Kubernetes names for the project's services, volumes, secrets and configs. Kubernetes wants
//! DNS labels (RFC 1035 for a Service: lowercase letters, digits and `-`, starting with a
//! letter, ending with a letter or digit, at most 63 characters); Compose allows `_`, `.`,
//! capitals and a leading digit. A name that is not a valid label is mapped: lowercased, each
//! other character made `-`, prefixed when it does not start with a letter, cut to fit with a
//! hash of the whole name, and told apart by that hash from another name mapped the same way.
//! The mapping depends only on the name and the names beside it, so it is stable; each mapped
//! name is reported.

use std::collections::{BTreeMap, HashSet};

use berth_model::resources::FileKind;
use berth_model::{Diagnostic, Project, Span};
use sha2::Digest as _;

/// The longest DNS label.
const MAX: usize = 63;

/// Whether `name` is a valid RFC 1035 label.
#[must_use]
pub fn is_label(name: &str) -> bool {
    let b = name.as_bytes();
    !b.is_empty()
        && b.len() <= MAX
        && b[0].is_ascii_lowercase()
        && b[b.len() - 1] != b'-'
        && b.iter()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == b'-')
}

/// A short hash of `name`, to keep apart names mapped alike.
fn tag(name: &str) -> String {
    let d = sha2::Sha256::digest(name.as_bytes());
    d.iter().take(3).map(|b| format!("{b:02x}")).collect()
}

/// `name` as a label, unless it is one already.
#[must_use]
pub fn label(name: &str) -> String {
    if is_label(name) {
        return name.to_string();
    }
    let mut s: String = name
        .chars()
        .map(|c| {
            let c = c.to_ascii_lowercase();
            if c.is_ascii_lowercase() || c.is_ascii_digit() {
                c
            } else {
                '-'
            }
        })
        .collect();
    while s.contains("--") {
        s = s.replace("--", "-");
    }
    let mut s = s.trim_matches('-').to_string();
    if !s.starts_with(|c: char| c.is_ascii_lowercase()) {
        s = format!("x-{s}");
    }
    if s.len() > MAX {
        let t = tag(name);
        s.truncate(MAX - t.len() - 1);
        s = format!("{}-{t}", s.trim_end_matches('-'));
    }
    s.trim_end_matches('-').to_string()
}

/// What a resource is, for its name and in what the mapping reports.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Of {
    Service,
    Volume,
    Secret,
    Config,
}

impl Of {
    fn word(self) -> &'static str {
        match self {
            Of::Service => "service",
            Of::Volume => "volume",
            Of::Secret => "secret",
            Of::Config => "config",
        }
    }
}

/// The Kubernetes name of each compose name, by what it names.
#[derive(Debug, Default)]
pub struct Names {
    pub project: String,
    map: BTreeMap<(Of, String), String>,
}

impl Names {
    /// The names of `project`'s services, volumes, secrets and configs.
    #[must_use]
    pub fn of(project: &Project) -> Names {
        let mut names = Names {
            project: label(&project.name),
            map: BTreeMap::new(),
        };
        let services: Vec<String> = project.services().map(|s| s.name.to_string()).collect();
        names.add(Of::Service, &services);
        let volumes: Vec<String> = project.volume_defs().map(|v| v.key.to_string()).collect();
        names.add(Of::Volume, &volumes);
        for (kind, of) in [
            (FileKind::Secret, Of::Secret),
            (FileKind::Config, Of::Config),
        ] {
            let keys: Vec<String> = project.file_defs(kind).map(|f| f.key.to_string()).collect();
            names.add(of, &keys);
        }
        names
    }

    /// Maps `all` (of one kind), sorted so that which of two alike names keeps the plain form
    /// does not depend on the order of the files.
    fn add(&mut self, of: Of, all: &[String]) {
        let mut sorted: Vec<&String> = all.iter().collect();
        sorted.sort();
        sorted.dedup();
        let mut taken: HashSet<String> = sorted
            .iter()
            .filter(|n| is_label(n))
            .map(|n| (*n).clone())
            .collect();
        for name in sorted {
            let mapped = if is_label(name) {
                name.clone()
            } else {
                let plain = label(name);
                if taken.contains(&plain) {
                    let t = tag(name);
                    let mut base = plain;
                    base.truncate(MAX - t.len() - 1);
                    format!("{}-{t}", base.trim_end_matches('-'))
                } else {
                    plain
                }
            };
            taken.insert(mapped.clone());
            self.map.insert((of, name.clone()), mapped);
        }
    }

    /// The Kubernetes name of `name`.
    #[must_use]
    pub fn get(&self, of: Of, name: &str) -> String {
        self.map
            .get(&(of, name.to_string()))
            .cloned()
            .unwrap_or_else(|| label(name))
    }

    /// A note for each name that had to change, at the place it is defined.
    #[must_use]
    pub fn renamed_notes(&self, project: &Project) -> Vec<Diagnostic> {
        let mut out = Vec::new();
        // Where each service's name is written, read once.
        let service_spans: std::collections::HashMap<&str, Span> = project
            .tree
            .get("services")
            .and_then(berth_model::Value::as_map)
            .map(|m| m.iter().map(|(k, _)| (k.name.as_str(), k.span)).collect())
            .unwrap_or_default();
        for ((of, name), mapped) in &self.map {
            if name == mapped {
                continue;
            }
            let span = match of {
                Of::Service => service_spans.get(name.as_str()).copied(),
                Of::Volume => project.volume_def(name).map(|v| v.key_span),
                Of::Secret => project.file_def(FileKind::Secret, name).map(|f| f.span),
                Of::Config => project.file_def(FileKind::Config, name).map(|f| f.span),
            }
            .unwrap_or(Span::SYNTHETIC);
            let mut d = Diagnostic::warning(format!(
                "{} {name:?} is named {mapped:?} in Kubernetes (not a valid DNS label)",
                of.word()
            ))
            .with_label(span, format!("named {mapped}"));
            d.severity = berth_model::Severity::Info;
            out.push(d);
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_that_are_not_dns_labels_are_mapped_stably() {
        assert_eq!(label("web"), "web");
        assert_eq!(label("my_app.Web"), "my-app-web");
        assert_eq!(label("1db"), "x-1db");
        assert_eq!(label("__x__"), "x");
        let long = "a".repeat(70);
        let l = label(&long);
        assert_eq!(l.len(), 63);
        assert!(is_label(&l));
        assert_eq!(label(&long), l);
        assert!(is_label(&label("Ünïcode_ok")));
    }
}
