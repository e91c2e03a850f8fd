//! Service environment resolution (compose-go `WithServicesEnvironmentResolved`): bare keys take
//! their value from the project environment (or stay `null`), `env_file` contents go under
//! `environment` (which wins, even with a `null`), `label_file` goes under `labels`.

use std::path::PathBuf;

use berth_model::{Diagnostic, Key, Kind, Map, MapKind, Span, Value};
use indexmap::IndexMap;

use crate::load::Loader;
use crate::normalize::reorder;
use crate::{decode, dotenv};

type Res<T> = Result<T, Diagnostic>;

/// Resolves every service's environment, or, with `only`, those services' alone (an engine
/// command that acts on some services does not read the others' env files, as in Docker
/// Compose: `up a` works while `b`'s env file is missing).
pub(crate) fn resolve(
    l: &mut Loader<'_>,
    services: &mut Map,
    env: &IndexMap<String, String>,
    only: Option<&std::collections::HashSet<String>>,
) -> Res<()> {
    for (name, svc) in services.iter_mut() {
        if only.is_some_and(|o| !o.contains(&name.name)) {
            continue;
        }
        let Some(m) = svc.as_map_mut() else { continue };
        if let Some(e) = m.get_mut("environment").and_then(Value::as_map_mut) {
            for (k, v) in e.iter_mut() {
                if v.is_null() {
                    if let Some(val) = env.get(&k.name) {
                        *v = Value::str(val.clone(), v.span);
                    }
                }
            }
        }
        if let Some(files) = m.remove("env_file") {
            let own: IndexMap<String, Option<String>> = m
                .get("environment")
                .and_then(Value::as_map)
                .map(|e| {
                    e.iter()
                        .map(|(k, v)| (k.name.clone(), v.as_str().map(str::to_string)))
                        .collect()
                })
                .unwrap_or_default();
            let mut from_files: IndexMap<String, (String, Span)> = IndexMap::new();
            // Whether a file held bytes that are not UTF-8 (read escaped; see read::env_text).
            let mut escaped = false;
            for f in files.as_seq().unwrap_or(&[]) {
                let Some(path) = f.get("path").and_then(Value::as_str) else {
                    continue;
                };
                let required = f.get("required").and_then(Value::as_bool).unwrap_or(true);
                let raw = f.get("format").and_then(Value::as_str) == Some("raw");
                let p = PathBuf::from(path);
                let (text, this_escaped) = match crate::read::env_text(&p) {
                    Ok(read) => read,
                    // Only a file that is not there is "not found"; one that is there but
                    // cannot be read says why, whether required or not.
                    Err(e) if required || e.kind() != std::io::ErrorKind::NotFound => {
                        return Err(Diagnostic::error(env_file_error(path, &e))
                            .with_label(f.span, format!("required by service \"{}\"", name.name)));
                    }
                    Err(_) => continue,
                };
                escaped |= this_escaped;
                let id = l.sources.add_unquoted(p.clone(), text.clone().into());
                let values = if raw {
                    // docker-cli's format reads text only: a line of other bytes is refused.
                    if let Some((n, bytes)) = first_line_not_utf8(&text).filter(|_| this_escaped) {
                        return Err(Diagnostic::error(format!(
                            "failed to parse env_file {path}: invalid utf8 bytes at line {n}: {bytes}"
                        ))
                        .with_label(f.span, format!("required by service \"{}\"", name.name)));
                    }
                    parse_raw(&text, &|k| env.get(k).cloned())
                } else {
                    let snapshot = from_files.clone();
                    let mut unset = Vec::new();
                    let values = dotenv::parse_noting_unset(
                        id,
                        &text,
                        &|k| {
                            env.get(k)
                                .cloned()
                                .or_else(|| own.get(k).cloned().flatten())
                                .or_else(|| snapshot.get(k).map(|x| x.0.clone()))
                        },
                        &mut unset,
                    )?;
                    l.warn_unset(unset);
                    values
                };
                for (k, v) in values {
                    from_files.insert(k, (v, f.span));
                }
            }
            merge_under(m, "environment", from_files, escaped);
        }
        if let Some(files) = m.remove("label_file") {
            let mut from_files: IndexMap<String, (String, Span)> = IndexMap::new();
            for f in files.as_seq().unwrap_or(&[]) {
                let Some(path) = f.as_str() else { continue };
                let text = crate::read::text(path).map_err(|e| {
                    Diagnostic::error(format!("failed to load label file {path}: {e}"))
                        .with_label(f.span, "label file")
                })?;
                let id = l
                    .sources
                    .add_unquoted(PathBuf::from(path), text.clone().into());
                for (k, v) in dotenv::parse(id, &text, &|k| env.get(k).cloned())? {
                    from_files.insert(k, (v, f.span));
                }
            }
            merge_under(m, "labels", from_files, false);
        }
    }
    Ok(())
}

/// The first line (from 1) of an env file's text holding bytes that are not UTF-8, with its
/// bytes as Go prints a byte slice (`[82 61 128]`).
fn first_line_not_utf8(text: &str) -> Option<(usize, String)> {
    text.split('\n').enumerate().find_map(|(i, line)| {
        let Kind::Bytes(b) =
            berth_model::value::restore_bytes(line.to_string(), Span::SYNTHETIC).kind
        else {
            return None;
        };
        let shown: Vec<String> = b.iter().map(u8::to_string).collect();
        Some((i + 1, format!("[{}]", shown.join(" "))))
    })
}

/// docker-cli's raw kvfile format: no quotes, no interpolation, bare keys looked up.
fn parse_raw(text: &str, lookup: &dyn Fn(&str) -> Option<String>) -> IndexMap<String, String> {
    let mut out = IndexMap::new();
    for line in text.lines() {
        let line = line.trim_start();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        match line.split_once('=') {
            Some((k, v)) => {
                out.insert(k.to_string(), v.to_string());
            }
            None => {
                if let Some(v) = lookup(line.trim()) {
                    out.insert(line.trim().to_string(), v);
                }
            }
        }
    }
    out
}

/// Puts values read from files under a map attribute of the service; values the service sets
/// itself win (even a `null`).
/// `escaped`: the values may hold escaped bytes, turned back into bytes here.
fn merge_under(
    m: &mut Map,
    key: &str,
    from_files: IndexMap<String, (String, Span)>,
    escaped: bool,
) {
    if from_files.is_empty() {
        return;
    }
    if !m.contains_key(key) {
        m.insert(
            Key::synthetic(key),
            Value::empty_map(MapKind::Dict, Span::SYNTHETIC),
        );
    }
    if let Some(e) = m.get_mut(key).and_then(Value::as_map_mut) {
        for (k, (v, sp)) in from_files {
            if !e.contains_key(&k) {
                let value = if escaped {
                    berth_model::value::restore_bytes(v, sp)
                } else {
                    Value::str(v, sp)
                };
                e.insert(Key::new(k, sp), value);
            }
        }
    }
    reorder(m, decode::SERVICE);
}

/// Why an env file cannot be read, in words that fit the cause: `not found` only for a
/// missing file (issue 17: a directory or a file that is not UTF-8 text was said to be
/// missing).
fn env_file_error(path: &str, e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound => format!("env file {path} not found: {e}"),
        std::io::ErrorKind::IsADirectory => {
            format!("failed to read env file {path}: it is a directory")
        }
        std::io::ErrorKind::InvalidData => {
            format!("failed to read env file {path}: it is not UTF-8 text")
        }
        _ => format!("failed to read env file {path}: {e}"),
    }
}

#[cfg(test)]
mod tests {
    use super::env_file_error;

    /// Issue 17, item 12: `env file X not found` was printed for files that exist.
    #[test]
    fn an_env_file_that_exists_is_not_said_to_be_missing() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path().to_str().unwrap();
        let e = crate::read::text(dir.path()).unwrap_err();
        assert_eq!(
            env_file_error(d, &e),
            format!("failed to read env file {d}: it is a directory")
        );
        let bad = dir.path().join("bad.env");
        std::fs::write(&bad, b"A=\xff\n").unwrap();
        let e = crate::read::text(&bad).unwrap_err();
        assert!(env_file_error("bad.env", &e).ends_with("it is not UTF-8 text"));
        let e = crate::read::text(dir.path().join("gone.env")).unwrap_err();
        assert!(env_file_error("gone.env", &e).starts_with("env file gone.env not found"));
    }
}
