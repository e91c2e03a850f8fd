//! `develop.watch`: the rules read off the loaded project, and what changed under their paths
//! between two looks (polling: a snapshot of each file's modification time and size, filtered
//! by the rule's `ignore` and `include` patterns, which read as `.dockerignore` lines do).
//! Pure; the CLI acts on the changes (sync, restart, sync+restart, sync+exec, rebuild).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use berth_model::Project;

/// What a rule does when something under its path changes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    Sync,
    Rebuild,
    Restart,
    SyncRestart,
    SyncExec,
}

impl Action {
    fn parse(s: &str) -> Option<Action> {
        Some(match s {
            "sync" => Action::Sync,
            "rebuild" => Action::Rebuild,
            "restart" => Action::Restart,
            "sync+restart" => Action::SyncRestart,
            "sync+exec" => Action::SyncExec,
            _ => return None,
        })
    }

    #[must_use]
    pub fn syncs(self) -> bool {
        matches!(self, Action::Sync | Action::SyncRestart | Action::SyncExec)
    }
}

/// One `develop.watch` entry of a service.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rule {
    pub service: String,
    /// Absolute (the loader resolved it).
    pub path: PathBuf,
    pub action: Action,
    /// Where `sync` copies to in the container.
    pub target: Option<String>,
    pub ignore: Vec<String>,
    pub include: Vec<String>,
    pub initial_sync: bool,
    /// `sync+exec`: the command run in the container after a sync.
    pub exec: Option<Vec<String>>,
}

/// The rules of `services` (every service with `develop.watch` when empty).
#[must_use]
pub fn rules(project: &Project, services: &[String]) -> Vec<Rule> {
    let mut out = Vec::new();
    for s in project.services() {
        if !services.is_empty() && !services.iter().any(|n| n == s.name) {
            continue;
        }
        for w in s.watch_rules() {
            let Some(action) = Action::parse(w.action) else {
                continue;
            };
            out.push(Rule {
                service: s.name.to_string(),
                path: PathBuf::from(w.path),
                action,
                target: w.target,
                ignore: w.ignore,
                include: w.include,
                initial_sync: w.initial_sync,
                exec: w.exec,
            });
        }
    }
    out
}

/// `pattern` against a `/`-separated relative path: `*` within a component, `**` across
/// them, `?` one character; a pattern that matches a folder matches what is in it.
#[must_use]
pub fn matches(pattern: &str, rel: &str) -> bool {
    let pattern = pattern.trim_start_matches("./").trim_matches('/');
    let p: Vec<&str> = pattern.split('/').filter(|c| !c.is_empty()).collect();
    let r: Vec<&str> = rel.split('/').filter(|c| !c.is_empty()).collect();
    // A prefix of the path matching the whole pattern: the pattern names a folder above it.
    (1..=r.len()).any(|n| components(&p, &r[..n]))
}

fn components(p: &[&str], r: &[&str]) -> bool {
    match p.split_first() {
        None => r.is_empty(),
        Some((&"**", rest)) => (0..=r.len()).any(|i| components(rest, &r[i..])),
        Some((first, rest)) => {
            !r.is_empty() && glob(first.as_bytes(), r[0].as_bytes()) && components(rest, &r[1..])
        }
    }
}

fn glob(p: &[u8], s: &[u8]) -> bool {
    match (p.first(), s.first()) {
        (None, None) => true,
        (Some(b'*'), _) => glob(&p[1..], s) || (!s.is_empty() && glob(p, &s[1..])),
        (Some(b'?'), Some(_)) => glob(&p[1..], &s[1..]),
        (Some(a), Some(b)) if a == b => glob(&p[1..], &s[1..]),
        _ => false,
    }
}

/// Editor and VCS leftovers never synced (as Docker Compose's watcher ignores them).
fn always_ignored(rel: &str) -> bool {
    let name = rel.rsplit('/').next().unwrap_or(rel);
    rel.split('/').any(|c| c == ".git")
        || name.ends_with('~')
        || name.ends_with(".swp")
        || name.ends_with(".swx")
        || name.starts_with(".#")
}

impl Rule {
    /// Whether the file at `rel` (relative to the rule's path) is watched.
    #[must_use]
    pub fn watches(&self, rel: &str) -> bool {
        if always_ignored(rel) || self.ignore.iter().any(|p| matches(p, rel)) {
            return false;
        }
        self.include.is_empty() || self.include.iter().any(|p| matches(p, rel))
    }
}

/// Each watched file under the rule's path (the path itself when it is a file): its
/// modification time and size.
pub type Snapshot = BTreeMap<String, (Option<SystemTime>, u64)>;

/// Looks at the rule's files now.
#[must_use]
pub fn snapshot(rule: &Rule) -> Snapshot {
    let mut out = Snapshot::new();
    if rule.path.is_file() {
        if let Ok(m) = std::fs::metadata(&rule.path) {
            out.insert(String::new(), (m.modified().ok(), m.len()));
        }
        return out;
    }
    walk(rule, &rule.path, "", &mut out);
    out
}

fn walk(rule: &Rule, dir: &Path, prefix: &str, out: &mut Snapshot) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.filter_map(Result::ok) {
        let name = e.file_name().to_string_lossy().into_owned();
        let rel = if prefix.is_empty() {
            name
        } else {
            format!("{prefix}/{name}")
        };
        let Ok(meta) = e.metadata() else { continue };
        if meta.is_dir() {
            if !always_ignored(&rel) && !rule.ignore.iter().any(|p| matches(p, &rel)) {
                walk(rule, &e.path(), &rel, out);
            }
        } else if rule.watches(&rel) {
            out.insert(rel, (meta.modified().ok(), meta.len()));
        }
    }
}

/// A changed file, relative to its rule's path.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Change {
    pub rel: String,
    pub removed: bool,
}

/// What differs between two snapshots.
#[must_use]
pub fn changes(before: &Snapshot, after: &Snapshot) -> Vec<Change> {
    let mut out = Vec::new();
    for (rel, stamp) in after {
        if before.get(rel) != Some(stamp) {
            out.push(Change {
                rel: rel.clone(),
                removed: false,
            });
        }
    }
    for rel in before.keys() {
        if !after.contains_key(rel) {
            out.push(Change {
                rel: rel.clone(),
                removed: true,
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns_read_as_dockerignore_lines() {
        assert!(matches("*.tmp", "x.tmp"));
        assert!(!matches("*.tmp", "x.txt"));
        assert!(matches("node_modules", "node_modules/a/b.js"));
        assert!(matches("**/*.log", "a/b/c.log"));
        assert!(matches("build/", "build/out"));
        assert!(matches("a?c", "abc"));
        assert!(!matches("a/b", "a"));
    }

    #[test]
    fn snapshots_see_new_changed_and_removed_files_and_skip_ignored_ones() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("a.txt"), "a").unwrap();
        std::fs::write(dir.path().join("x.tmp"), "x").unwrap();
        let rule = Rule {
            service: "s".into(),
            path: dir.path().to_path_buf(),
            action: Action::Sync,
            target: Some("/app".into()),
            ignore: vec!["*.tmp".into()],
            include: Vec::new(),
            initial_sync: false,
            exec: None,
        };
        let before = snapshot(&rule);
        assert_eq!(before.keys().collect::<Vec<_>>(), ["a.txt"]);
        std::fs::create_dir(dir.path().join("sub")).unwrap();
        std::fs::write(dir.path().join("sub/b.txt"), "b").unwrap();
        std::fs::write(dir.path().join("a.txt~"), "backup").unwrap();
        std::fs::remove_file(dir.path().join("a.txt")).unwrap();
        let after = snapshot(&rule);
        let ch = changes(&before, &after);
        assert_eq!(
            ch,
            [
                Change {
                    rel: "sub/b.txt".into(),
                    removed: false
                },
                Change {
                    rel: "a.txt".into(),
                    removed: true
                }
            ]
        );
    }
}
