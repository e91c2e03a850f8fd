//! `extends` (compose-go `loader/extends.go`): a service starts from a base service of the
//! same file or another file and merges its own attributes over it with the multi-file rules.

use std::path::{Path, PathBuf};

use berth_model::{Diagnostic, Kind, Map, Span, Value};
use indexmap::IndexMap;

use crate::load::Loader;
use crate::yaml::ResetKind;
use crate::{canonical, merge, paths, yaml};

type Res<T> = Result<T, Diagnostic>;

/// Resolves every `extends` of the services of one document.
pub(crate) fn apply(
    l: &mut Loader<'_>,
    root: &mut Value,
    env: &IndexMap<String, String>,
    file_dir: &Path,
    file: Option<&Path>,
    resets: &[(yaml::Path, ResetKind)],
) -> Res<()> {
    let Some(services) = root.get_mut("services").and_then(Value::as_map_mut) else {
        return Ok(());
    };
    let names: Vec<String> = services
        .iter()
        .filter(|(_, v)| v.get("extends").is_some())
        .map(|(k, _)| k.name.clone())
        .collect();
    // The `!reset` and `!override` of an extending service hold against what it extends:
    // the values it overrides, kept before the merge, and the paths it resets.
    let mut after: Vec<(String, &[String], Option<Value>)> = Vec::new();
    for (path, kind) in resets {
        let Some((name, rest)) = path
            .split_first()
            .filter(|(s, _)| *s == "services")
            .and_then(|(_, p)| p.split_first())
            .filter(|(n, rest)| names.contains(n) && !rest.is_empty())
        else {
            continue;
        };
        let kept = match kind {
            ResetKind::Reset => None,
            ResetKind::Override => match services.get(name).and_then(|s| at(s, rest)) {
                Some(v) => Some(v.clone()),
                None => continue,
            },
        };
        after.push((name.clone(), rest, kept));
    }
    for n in &names {
        resolve(l, services, n, file_dir, file, env, &mut Chain::default())?;
    }
    for (name, rest, kept) in after {
        let Some(svc) = services.get_mut(&name) else {
            continue;
        };
        match kept {
            None => merge::remove_path(svc, rest),
            Some(v) => {
                if let Some(slot) = at_mut(svc, rest) {
                    *slot = v;
                }
            }
        }
    }
    Ok(())
}

/// The value at a path of mapping keys.
fn at<'a>(v: &'a Value, path: &[String]) -> Option<&'a Value> {
    path.iter().try_fold(v, |v, k| v.get(k))
}

fn at_mut<'a>(v: &'a mut Value, path: &[String]) -> Option<&'a mut Value> {
    path.iter().try_fold(v, |v, k| v.get_mut(k))
}

fn resolve(
    l: &mut Loader<'_>,
    services: &mut Map,
    name: &str,
    file_dir: &Path,
    file: Option<&Path>,
    env: &IndexMap<String, String>,
    chain: &mut Chain,
) -> Res<()> {
    let Some(svc) = services.get(name) else {
        return Ok(());
    };
    let Some(ext) = svc.get("extends").cloned() else {
        return Ok(());
    };
    let here = file.map_or_else(
        || "the compose file".to_string(),
        |f| f.display().to_string(),
    );
    let me = (file.map(Path::to_path_buf), name.to_string());
    if chain.set.contains(&me) {
        let mut msg = String::from("Circular reference:");
        for (f, s) in &chain.list {
            msg.push_str(&format!(
                "\n  {s} in {}",
                f.as_ref()
                    .map_or_else(|| "the compose file".into(), |p| p.display().to_string())
            ));
        }
        msg.push_str(&format!("\n  extends {name} in {here}"));
        return Err(Diagnostic::error(msg).with_label(ext.span, "extends here"));
    }
    let base_name = match ext.get("service").and_then(Value::as_str) {
        Some(s) => s.to_string(),
        None => {
            return Err(
                Diagnostic::error(format!("services.{name}.extends.service is required"))
                    .with_label(ext.span, "name the service to extend"),
            )
        }
    };
    chain.push(me);
    let base = if let Some(f) = ext.get("file").and_then(Value::as_str) {
        let home = env.get("HOME").cloned();
        let path = PathBuf::from(paths::absolute(f, file_dir, home.as_deref()));
        let text = crate::read::text(&path).map_err(|e| {
            Diagnostic::error(format!(
                "cannot extend service \"{name}\": cannot read {}: {e}",
                path.display()
            ))
            .with_label(ext.span, "extends this file")
        })?;
        let id = l.sources.add(path.clone(), text.clone().into());
        let mut merged = Value::empty_map(berth_model::MapKind::Dict, Span::SYNTHETIC);
        for doc in yaml::parse_other_file(&mut l.sources, id, &text)? {
            let Some(mut r) = doc.root else { continue };
            l.interpolate(&mut r, &[], env)?;
            canonical::canonicalize(&mut r, l.opts.interpolate)?;
            merge::merge(&mut merged, r, &mut Vec::new())?;
        }
        let base_dir = path
            .parent()
            .map_or_else(|| file_dir.to_path_buf(), Path::to_path_buf);
        let Some(other) = merged.get_mut("services").and_then(Value::as_map_mut) else {
            chain.pop();
            return Err(Diagnostic::error(format!(
                "cannot extend service \"{name}\" in {here}: no services section"
            ))
            .with_label(ext.span, "extends here"));
        };
        resolve(l, other, &base_name, &base_dir, Some(&path), env, chain)?;
        let Some(b) = other.get(&base_name) else {
            chain.pop();
            return Err(Diagnostic::error(format!(
                "cannot extend service \"{name}\" in {here}: service \"{base_name}\" not found in {}",
                path.display()
            ))
            .with_label(ext.span, "extends here"));
        };
        let mut b = b.clone();
        if let Some(m) = b.as_map_mut() {
            paths::resolve_service(m, &base_dir, home.as_deref());
        }
        b
    } else {
        resolve(l, services, &base_name, file_dir, file, env, chain)?;
        if let Some(b) = services.get(&base_name) {
            b.clone()
        } else {
            chain.pop();
            return Err(Diagnostic::error(format!(
                "cannot extend service \"{name}\" in {here}: service \"{base_name}\" not found"
            ))
            .with_label(ext.span, "no such service"));
        }
    };
    chain.pop();
    let mut merged = base;
    if let Some(m) = merged.as_map_mut() {
        m.remove("extends");
    }
    let Some(svc) = services.get_mut(name) else {
        return Ok(());
    };
    let mut own = svc.clone();
    if let Some(m) = own.as_map_mut() {
        m.remove("extends");
    }
    if !matches!(merged.kind, Kind::Map(_)) {
        return Ok(());
    }
    let merge_fn = if l.opts.interpolate {
        merge::merge
    } else {
        merge::merge_raw
    };
    merge_fn(
        &mut merged,
        own,
        &mut vec!["services".into(), name.to_string()],
    )?;
    merge::enforce_unicity_service(&mut merged);
    *svc = merged;
    Ok(())
}

/// The services being extended, in order (for the error message) and as a set (for a linear
/// cycle check on long chains).
#[derive(Default)]
struct Chain {
    list: Vec<(Option<PathBuf>, String)>,
    set: std::collections::HashSet<(Option<PathBuf>, String)>,
}

impl Chain {
    fn push(&mut self, item: (Option<PathBuf>, String)) {
        self.set.insert(item.clone());
        self.list.push(item);
    }

    fn pop(&mut self) {
        if let Some(item) = self.list.pop() {
            self.set.remove(&item);
        }
    }
}
