//! A service's `develop.watch` rules, read once for `watch` and `up --watch`.

use crate::read::{self, At};
use crate::source::Span;
use crate::value::Value;

/// One `develop.watch` entry.
#[derive(Clone, Debug)]
pub struct WatchRule<'a> {
    pub span: Span,
    /// `path`: what is watched (absolute after the loader).
    pub path: &'a str,
    /// `action` as written: `sync`, `rebuild`, `restart`, `sync+restart`, `sync+exec`.
    pub action: &'a str,
    pub target: Option<String>,
    pub ignore: Vec<String>,
    pub include: Vec<String>,
    pub initial_sync: bool,
    /// `exec.command` as words (a string runs through `/bin/sh -c`).
    pub exec: Option<Vec<String>>,
}

/// The rules of a service's `develop` section; entries without a `path` or `action` are left
/// out.
pub(crate) fn rules(develop: Option<&Value>) -> impl Iterator<Item = WatchRule<'_>> {
    let list = |v: &Value, k: &str| {
        read::list_at(v.get(k))
            .map(At::into_inner)
            .unwrap_or_default()
    };
    develop
        .and_then(|d| d.get("watch"))
        .and_then(Value::as_seq)
        .unwrap_or(&[])
        .iter()
        .filter_map(move |w| {
            let path = w.get("path").and_then(Value::as_str)?;
            let action = w.get("action").and_then(Value::as_str)?;
            let exec = w.get("exec").and_then(|e| {
                let c = list(e, "command");
                if c.is_empty() {
                    e.get("command")
                        .and_then(Value::as_str)
                        .map(|s| vec!["/bin/sh".into(), "-c".into(), s.into()])
                } else {
                    Some(c)
                }
            });
            Some(WatchRule {
                span: w.span,
                path,
                action,
                target: w.get("target").and_then(Value::scalar_to_string),
                ignore: list(w, "ignore"),
                include: list(w, "include"),
                initial_sync: w.get("initial_sync").and_then(Value::as_bool) == Some(true),
                exec,
            })
        })
}
