//! `build --print`: the bake file Docker Compose would hand to `docker buildx bake` for the
//! project's builds, written as the reference writes it (Go's indented JSON: struct fields in
//! their order, map keys sorted, empty fields left out). Pure: it reads the loaded project.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use berth_model::build::Build;
use berth_model::resources::FileKind;
use berth_model::{Project, Service};

/// The command line's part of a bake definition.
#[derive(Clone, Debug, Default)]
pub struct BakeOptions {
    /// `--build-arg K=V` (over the file's `args`).
    pub args: Vec<(String, String)>,
    pub no_cache: bool,
    pub pull: bool,
    pub push: bool,
    pub check: bool,
    /// `--ssh` values.
    pub ssh: Vec<String>,
}

/// A JSON value, with objects in the order given.
enum J {
    Null,
    Bool(bool),
    Str(String),
    Arr(Vec<J>),
    Obj(Vec<(String, J)>),
}

fn write_json(j: &J, indent: usize, out: &mut String) {
    let pad = |n: usize| "  ".repeat(n);
    match j {
        J::Null => out.push_str("null"),
        J::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        J::Str(s) => out.push_str(&go_string(s)),
        J::Arr(items) if items.is_empty() => out.push_str("[]"),
        J::Obj(items) if items.is_empty() => out.push_str("{}"),
        J::Arr(items) => {
            out.push_str("[\n");
            for (i, item) in items.iter().enumerate() {
                out.push_str(&pad(indent + 1));
                write_json(item, indent + 1, out);
                out.push_str(if i + 1 < items.len() { ",\n" } else { "\n" });
            }
            out.push_str(&pad(indent));
            out.push(']');
        }
        J::Obj(items) => {
            out.push_str("{\n");
            for (i, (k, v)) in items.iter().enumerate() {
                let _ = write!(out, "{}{}: ", pad(indent + 1), go_string(k));
                write_json(v, indent + 1, out);
                out.push_str(if i + 1 < items.len() { ",\n" } else { "\n" });
            }
            out.push_str(&pad(indent));
            out.push('}');
        }
    }
}

/// A string as Go's `encoding/json` writes it (`<`, `>` and `&` escaped too).
#[must_use]
pub fn go_string(s: &str) -> String {
    serde_json::to_string(s)
        .unwrap_or_default()
        .replace('<', "\\u003c")
        .replace('>', "\\u003e")
        .replace('&', "\\u0026")
}

fn sorted_map(m: BTreeMap<String, String>) -> J {
    J::Obj(m.into_iter().map(|(k, v)| (k, J::Str(v))).collect())
}

fn sorted(pairs: &[(&str, String)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_string(), v.clone()))
        .collect()
}

fn strings(items: &[String]) -> J {
    J::Arr(items.iter().cloned().map(J::Str).collect())
}

fn is_remote(context: &str) -> bool {
    context.contains("://") || context.starts_with("git@") || context.starts_with("github.com/")
}

/// The bake target of one service's `build`.
fn target(project: &Project, svc: Service<'_>, build: &Build<'_>, opts: &BakeOptions) -> J {
    let mut t: Vec<(String, J)> = Vec::new();
    let mut put = |k: &str, v: J| t.push((k.to_string(), v));
    let context = build.context_or_dot();
    put("context", J::Str(context.clone()));
    let contexts: BTreeMap<String, String> = sorted(&build.additional_contexts)
        .into_iter()
        .map(|(k, v)| {
            let v = match v.strip_prefix("service:") {
                Some(svc) => format!("target:{svc}"),
                None => v,
            };
            (k, v)
        })
        .collect();
    if !contexts.is_empty() {
        put("contexts", sorted_map(contexts));
    }
    match &build.dockerfile_inline {
        None => {
            let dockerfile = build
                .dockerfile
                .as_ref()
                .map_or_else(|| "Dockerfile".to_string(), |d| d.value.clone());
            let path = if is_remote(&context) || dockerfile.starts_with('/') {
                dockerfile
            } else {
                format!("{}/{dockerfile}", context.trim_end_matches('/'))
            };
            put("dockerfile", J::Str(path));
        }
        Some(i) => put("dockerfile-inline", J::Str(i.replace("${", "$${"))),
    }
    let mut args = sorted(&build.args);
    for (k, v) in &opts.args {
        args.insert(k.clone(), v.clone());
    }
    let args: BTreeMap<String, String> = args
        .into_iter()
        .map(|(k, v)| (k, v.replace("${", "$${")))
        .collect();
    if !args.is_empty() {
        put("args", sorted_map(args));
    }
    let mut labels = sorted(&build.labels);
    labels.insert("com.docker.compose.project".into(), project.name.clone());
    labels.insert("com.docker.compose.service".into(), svc.name.to_string());
    labels.insert(
        "com.docker.compose.version".into(),
        crate::labels::COMPOSE_VERSION.to_string(),
    );
    put("labels", sorted_map(labels));
    let image = svc
        .image()
        .map_or_else(|| format!("{}-{}", project.name, svc.name), str::to_string);
    let mut tags = build.tags.clone();
    tags.push(image);
    put("tags", strings(&tags));
    if !build.cache_from.is_empty() {
        put("cache-from", strings(&build.cache_from));
    }
    if !build.cache_to.is_empty() {
        put("cache-to", strings(&build.cache_to));
    }
    if let Some(target) = &build.target {
        put("target", J::Str(target.value.clone()));
    }
    let secrets: Vec<J> = build
        .secrets
        .iter()
        .filter_map(|r| {
            let (id, def) = (r.id, project.file_def(FileKind::Secret, r.source)?);
            if let Some(file) = def.file {
                Some(J::Str(format!("id={id},type=file,src={file}")))
            } else {
                def.environment
                    .map(|env| J::Str(format!("id={id},type=env,env={env}")))
            }
        })
        .collect();
    if !secrets.is_empty() {
        put("secret", J::Arr(secrets));
    }
    let mut ssh = build.ssh.clone();
    ssh.extend(opts.ssh.iter().cloned());
    if !ssh.is_empty() {
        put("ssh", strings(&ssh));
    }
    let multi_platform = build.platforms.len() > 1;
    if !build.platforms.is_empty() {
        put("platforms", strings(&build.platforms));
    }
    if build.pull || opts.pull {
        put("pull", J::Bool(true));
    }
    if build.no_cache || opts.no_cache {
        put("no-cache", J::Bool(true));
    }
    if let Some(n) = &build.network {
        put("network", J::Str(n.clone()));
    }
    if !build.no_cache_filter.is_empty() {
        put("no-cache-filter", strings(&build.no_cache_filter));
    }
    if let Some(shm) = &build.shm_size {
        put("shm-size", J::Str(shm.clone()));
    }
    let mut ulimits: Vec<String> = build
        .ulimits
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect();
    ulimits.sort();
    if !ulimits.is_empty() {
        put("ulimits", strings(&ulimits));
    }
    if opts.check {
        put("call", J::Str("lint".into()));
    }
    let mut entitlements = build.entitlements.clone();
    if build.privileged {
        entitlements.push("security.insecure".into());
    }
    if !entitlements.is_empty() {
        put("entitlements", strings(&entitlements));
    }
    let hosts: BTreeMap<String, String> = build
        .extra_hosts
        .iter()
        .filter_map(|h| {
            h.split_once('=')
                .or_else(|| h.split_once(':'))
                .map(|(k, v)| (k.to_string(), v.to_string()))
        })
        .collect();
    if !hosts.is_empty() {
        put("extra-hosts", sorted_map(hosts));
    }
    if !opts.check {
        let push = opts.push && svc.image().is_some();
        let output = if multi_platform {
            format!("type=image,push={push}")
        } else if push {
            "type=registry".into()
        } else {
            "type=docker".into()
        };
        put("output", J::Arr(vec![J::Str(output)]));
    }
    J::Obj(t)
}

/// The bake definition of the project's builds; `selected` are the services to build (the
/// group's targets). The targets are the buildable services among those named and what they
/// depend on (every service when none is named).
#[must_use]
pub fn definition(
    project: &Project,
    named: &[String],
    selected: &[String],
    opts: &BakeOptions,
) -> String {
    let mut wanted: Vec<String> = named.to_vec();
    let mut i = 0;
    while i < wanted.len() {
        if let Some(s) = project.service(&wanted[i]) {
            for d in s.depends_on() {
                if !wanted.iter().any(|w| w == d) {
                    wanted.push(d.to_string());
                }
            }
        }
        i += 1;
    }
    let mut targets: BTreeMap<String, J> = BTreeMap::new();
    for s in project.services() {
        if !named.is_empty() && !wanted.iter().any(|w| w == s.name) {
            continue;
        }
        if let Some(build) = s.build() {
            targets.insert(s.name.to_string(), target(project, s, &build, opts));
        }
    }
    let mut group: Vec<String> = selected
        .iter()
        .filter(|s| targets.contains_key(s.as_str()))
        .cloned()
        .collect();
    group.sort();
    let group = if group.is_empty() {
        J::Null
    } else {
        J::Arr(group.into_iter().map(J::Str).collect())
    };
    let doc = J::Obj(vec![
        (
            "group".into(),
            J::Obj(vec![(
                "default".into(),
                J::Obj(vec![("targets".into(), group)]),
            )]),
        ),
        ("target".into(), J::Obj(targets.into_iter().collect())),
    ]);
    let mut out = String::new();
    write_json(&doc, 0, &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_is_indented_as_gos() {
        let j = J::Obj(vec![
            ("a".into(), J::Arr(vec![J::Str("x<y".into())])),
            ("b".into(), J::Obj(vec![])),
            ("c".into(), J::Null),
        ]);
        let mut out = String::new();
        write_json(&j, 0, &mut out);
        assert_eq!(
            out,
            "{\n  \"a\": [\n    \"x\\u003cy\"\n  ],\n  \"b\": {},\n  \"c\": null\n}"
        );
    }
}
