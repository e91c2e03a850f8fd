//! `include` (compose-go `loader/include.go`, 2.40.3 behaviour): each entry is loaded as its
//! own project (its own `.env` as defaults, paths relative to its own directory) and its
//! resources are copied into the including document; a differing local definition conflicts.

use std::path::{Path, PathBuf};

use berth_model::{Diagnostic, Kind, MapKind, Span, Value};
use indexmap::IndexMap;

use crate::load::Loader;
use crate::{merge, paths, yaml};

type Res<T> = Result<T, Diagnostic>;

fn strings(v: Option<&Value>) -> Vec<(String, Span)> {
    match v {
        Some(Value {
            kind: Kind::Str(s),
            span,
        }) => vec![(s.clone(), *span)],
        Some(Value {
            kind: Kind::Seq(items),
            ..
        }) => items
            .iter()
            .filter_map(|i| i.as_str().map(|s| (s.to_string(), i.span)))
            .collect(),
        _ => Vec::new(),
    }
}

pub(crate) fn apply(
    l: &mut Loader<'_>,
    root: &mut Value,
    env: &IndexMap<String, String>,
    workdir: &Path,
    stack: &mut Vec<PathBuf>,
) -> Res<()> {
    let Some(map) = root.as_map_mut() else {
        return Ok(());
    };
    let Some(inc) = map.remove("include") else {
        return Ok(());
    };
    if inc.is_null() {
        // An empty `include:` is accepted and means nothing.
        return Ok(());
    }
    let Some(entries) = inc.as_seq() else {
        return Err(Diagnostic::error("include must be a list")
            .with_label(inc.span, format!("found {}", inc.type_name())));
    };
    let home = env.get("HOME").cloned();
    for entry in entries {
        let files: Vec<(PathBuf, Span)> = strings(entry.get("path"))
            .into_iter()
            .map(|(p, sp)| {
                (
                    PathBuf::from(paths::absolute(&p, workdir, home.as_deref())),
                    sp,
                )
            })
            .collect();
        let Some((first, _)) = files.first() else {
            return Err(
                Diagnostic::error("include entry needs a path").with_label(entry.span, "no path")
            );
        };
        for (f, sp) in &files {
            if stack.contains(f) {
                let mut msg = String::from("include cycle detected:");
                if let Some(top) = stack.first() {
                    msg.push_str(&format!("\n{}", top.display()));
                }
                for s in stack.iter().skip(1) {
                    msg.push_str(&format!("\n include {}", s.display()));
                }
                msg.push_str(&format!("\n include {}", f.display()));
                return Err(Diagnostic::error(msg).with_label(*sp, "included here"));
            }
        }
        let inc_dir = match entry.get("project_directory").and_then(Value::as_str) {
            // A project_directory that does not exist falls back to the including project's
            // directory, as in Docker Compose.
            Some(d) if Path::new(&paths::absolute(d, workdir, home.as_deref())).is_dir() => {
                PathBuf::from(paths::absolute(d, workdir, home.as_deref()))
            }
            Some(_) => workdir.to_path_buf(),
            None => first
                .parent()
                .map_or_else(|| workdir.to_path_buf(), Path::to_path_buf),
        };
        // The included project's env files supply defaults; the including environment wins.
        // Those named must be there; the default `.env` may be missing.
        let env_files: Vec<(PathBuf, Option<Span>)> = {
            let explicit = strings(entry.get("env_file"));
            if explicit.is_empty() {
                vec![(inc_dir.join(".env"), None)]
            } else {
                explicit
                    .into_iter()
                    .map(|(p, sp)| {
                        (
                            PathBuf::from(paths::absolute(&p, workdir, home.as_deref())),
                            Some(sp),
                        )
                    })
                    .collect()
            }
        };
        let mut inc_env = env.clone();
        for (f, named) in env_files {
            if let (Some(sp), false) = (named, f.exists()) {
                return Err(Diagnostic::error(format!(
                    "env file {} not found: stat {}: no such file or directory",
                    f.display(),
                    f.display()
                ))
                .with_label(sp, "the included project's env file"));
            }
            if f.is_file() || named.is_some() {
                let base = inc_env.clone();
                let values = {
                    let text = crate::read::text(&f).map_err(|e| {
                        Diagnostic::error(format!("cannot read {}: {e}", f.display()))
                    })?;
                    let id = l.sources.add_unquoted(f.clone(), text.clone().into());
                    crate::dotenv::parse(id, &text, &|k| base.get(k).cloned())?
                };
                for (k, v) in values {
                    inc_env.entry(k).or_insert(v);
                }
            }
        }
        let mut model = Value::empty_map(MapKind::Dict, Span::SYNTHETIC);
        for (f, sp) in &files {
            let text = crate::read::text(f).map_err(|e| {
                Diagnostic::error(format!("cannot read included file {}: {e}", f.display()))
                    .with_label(*sp, "included here")
            })?;
            let id = l.sources.add(f.clone(), text.clone().into());
            let fdir = f
                .parent()
                .map_or_else(|| inc_dir.clone(), Path::to_path_buf);
            for doc in yaml::parse_other_file(&mut l.sources, id, &text)? {
                let Some(mut r) = doc.root else { continue };
                stack.push(f.clone());
                let res = l.prepare_document(&mut r, &inc_env, &fdir, &inc_dir, stack, &doc.resets);
                stack.pop();
                res?;
                merge::apply_resets(&mut model, &doc.resets);
                merge::merge(&mut model, r, &mut Vec::new())?;
                merge::enforce_unicity(&mut model);
            }
        }
        if let Some(svcs) = model.get_mut("services").and_then(Value::as_map_mut) {
            for (_, s) in svcs.iter_mut() {
                if let Some(m) = s.as_map_mut() {
                    paths::resolve_service(m, &inc_dir, home.as_deref());
                    if let Some(b) = m.get_mut("build").and_then(Value::as_map_mut) {
                        if !b.contains_key("context") {
                            b.insert(
                                berth_model::Key::synthetic("context"),
                                Value::str(inc_dir.display().to_string(), Span::SYNTHETIC),
                            );
                        }
                    }
                }
            }
        }
        if let Some(m) = model.as_map_mut() {
            paths::resolve_resources(m, &inc_dir, home.as_deref());
        }
        let Some(inc_map) = model.as_map() else {
            continue;
        };
        // A secret or config read from a variable takes it from the included project's
        // environment, which the including project does not have (docker/compose#12632).
        for section in ["secrets", "configs"] {
            for (k, def) in inc_map
                .get(section)
                .and_then(Value::as_map)
                .into_iter()
                .flat_map(berth_model::Map::iter)
            {
                if let Some(value) = def
                    .get("environment")
                    .and_then(Value::as_str)
                    .and_then(|var| inc_env.get(var))
                {
                    l.included_values
                        .insert(format!("{section}.{}", k.name), value.clone());
                }
            }
        }
        for section in [
            "services", "networks", "volumes", "secrets", "configs", "models",
        ] {
            let Some(imported) = inc_map.get(section).and_then(Value::as_map) else {
                continue;
            };
            if !map.contains_key(section) {
                map.insert(
                    berth_model::Key::synthetic(section),
                    Value::empty_map(MapKind::Dict, Span::SYNTHETIC),
                );
            }
            let Some(target) = map.get_mut(section).and_then(Value::as_map_mut) else {
                continue;
            };
            for (k, v) in imported.iter() {
                if let Some(existing) = target.get(&k.name) {
                    if !existing.same(v) {
                        return Err(Diagnostic::error(format!(
                            "{section}.{} conflicts with imported resource",
                            k.name
                        ))
                        .with_label(
                            target.key(&k.name).map_or(Span::SYNTHETIC, |x| x.span),
                            "defined here",
                        )
                        .with_label(k.span, "and imported here"));
                    }
                    continue;
                }
                target.insert(k.clone(), v.clone());
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use crate::load::{load, Options};

    /// Regression (docker/compose#12632): a secret an included file reads from a variable of
    /// the include's `env_file` was looked up in the including project's environment, which
    /// does not have it, and `run` failed with "environment variable … is not set".
    #[test]
    fn included_secret_reads_the_include_env_file() {
        let d = tempfile::tempdir().unwrap();
        let write = |name: &str, text: &str| {
            let path = d.path().join(name);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, text).unwrap();
        };
        write(
            "compose.yaml",
            "include:\n  - path: child/compose.yaml\n    env_file: [secret.env]\nservices:\n  a: {image: x}\n",
        );
        write(
            "child/compose.yaml",
            "services:\n  b: {image: x, secrets: [s], configs: [c]}\nsecrets:\n  s: {environment: MY_SECRET}\nconfigs:\n  c: {environment: UNSET}\n",
        );
        write("secret.env", "MY_SECRET='this-is-secret'\n");
        let opts = Options::new(d.path().to_path_buf(), indexmap::IndexMap::new());
        let p = load(&opts).unwrap_or_else(|e| panic!("{}", e.render()));
        assert_eq!(
            p.included_values.get("secrets.s").map(String::as_str),
            Some("this-is-secret")
        );
        assert!(!p.included_values.contains_key("configs.c"));
        // Not a variable of the project itself: the including file cannot use it.
        assert!(!p.environment.contains_key("MY_SECRET"));
    }
}
