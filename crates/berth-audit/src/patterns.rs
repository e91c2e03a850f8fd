//! Deployment patterns: the combinations of compose files a project is run with. The seeds
//! combine a base file with overlays (`docker-compose.yml` + `docker-compose.override.yml` for
//! development, + `docker-compose.prod.yml` for production, + `docker-compose.betanet.yml` for an
//! add-on); these are told from the file names with no configuration, or listed in the base
//! file under `x-berth: {patterns: {NAME: [FILE, ...]}}`.

use std::path::{Path, PathBuf};

use berth_model::{Diagnostic, Value};

use crate::facts::{kind_of_name, FileKind};

/// One combination of files, in the order they are given to `-f`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Pattern {
    pub name: String,
    pub files: Vec<PathBuf>,
    /// Production-only rules apply to it.
    pub production: bool,
}

/// Whether a file name is a compose file's: `compose*.y(a)ml` or `docker-compose*.y(a)ml`.
#[must_use]
pub fn is_compose_name(name: &str) -> bool {
    let n = name.to_ascii_lowercase();
    (n.starts_with("compose") || n.starts_with("docker-compose"))
        && (n.ends_with(".yml") || n.ends_with(".yaml"))
}

/// The overlay files beside `base`: the compose files of its folder other than itself, by name.
#[must_use]
pub fn sibling_files(base: &Path) -> Vec<PathBuf> {
    let Some(dir) = base.parent() else {
        return Vec::new();
    };
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut out: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.is_file() && p.as_path() != base)
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(is_compose_name)
        })
        .collect();
    out.sort();
    out
}

/// What names an add-on pattern: the file name without the compose prefix and the extension
/// (`docker-compose.betanet.yml` gives `betanet`).
#[must_use]
pub fn add_on_name(path: &Path) -> String {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let lower = name.to_ascii_lowercase();
    let stem = lower
        .strip_suffix(".yaml")
        .or_else(|| lower.strip_suffix(".yml"))
        .unwrap_or(&lower);
    let stem = stem
        .strip_prefix("docker-compose")
        .or_else(|| stem.strip_prefix("compose"))
        .unwrap_or(stem);
    let stem = stem.trim_start_matches(['.', '-', '_']);
    if stem.is_empty() {
        name
    } else {
        stem.to_string()
    }
}

/// The patterns of a project whose base file is `base`, with `overlays` beside it:
/// - `development`: the base and its development files (override, dev, local);
/// - `production`: the base and its production files; with none, the base and its add-ons
///   (what runs without the development files), when the project has development files to
///   leave out;
/// - one per add-on (`betanet`): the base and that file;
/// - `full`: the base, the development files and every add-on;
/// - `default`, the base alone, in place of `development` when there is no development file.
///
/// Two patterns with the same files are one (the first name is kept).
#[must_use]
pub fn from_names(base: &Path, overlays: &[PathBuf]) -> Vec<Pattern> {
    let of = |k: FileKind| -> Vec<PathBuf> {
        overlays
            .iter()
            .filter(|p| kind_of_name(p) == k)
            .cloned()
            .collect()
    };
    let (dev, prod, add_ons) = (
        of(FileKind::Development),
        of(FileKind::Production),
        of(FileKind::AddOn),
    );
    let with = |extra: &[&[PathBuf]]| -> Vec<PathBuf> {
        let mut files = vec![base.to_path_buf()];
        for group in extra {
            files.extend(group.iter().cloned());
        }
        files
    };
    let mut out: Vec<Pattern> = Vec::new();
    let mut push = |name: String, files: Vec<PathBuf>, production: bool| {
        if !out.iter().any(|p| p.files == files) {
            out.push(Pattern {
                name,
                files,
                production,
            });
        }
    };
    if dev.is_empty() {
        push("default".into(), with(&[]), false);
    } else {
        push("development".into(), with(&[&dev]), false);
    }
    if !prod.is_empty() {
        push("production".into(), with(&[&prod]), true);
    } else if !dev.is_empty() {
        push("production".into(), with(&[&add_ons]), true);
    }
    for a in &add_ons {
        push(add_on_name(a), with(&[std::slice::from_ref(a)]), false);
    }
    if !add_ons.is_empty() && !dev.is_empty() {
        push("full".into(), with(&[&dev, &add_ons]), false);
    }
    out
}

/// Patterns listed in the base file under `x-berth: {patterns: {NAME: [FILE, ...]}}`, files
/// relative to the base file's folder; production when the name or one of its files says so.
/// `None` when the file lists none.
///
/// # Errors
/// A diagnostic pointing at the entry that is not a list of file names.
#[must_use]
pub fn from_extension(tree: &Value, base: &Path) -> Option<Result<Vec<Pattern>, Diagnostic>> {
    let listed = tree.path(&["x-berth", "patterns"])?;
    let Some(map) = listed.as_map() else {
        return Some(Err(Diagnostic::error(
            "x-berth.patterns must map pattern names to lists of files",
        )
        .with_label(listed.span, "expected a mapping")));
    };
    let dir = base.parent().unwrap_or(Path::new("."));
    let mut out = Vec::new();
    for (name, files) in map.iter() {
        let Some(list) = files.as_seq() else {
            return Some(Err(Diagnostic::error(format!(
                "x-berth.patterns.{}: expected a list of compose files",
                name.name
            ))
            .with_label(files.span, "expected a list")));
        };
        let mut paths = Vec::new();
        for f in list {
            let Some(name_of) = f.as_str() else {
                return Some(Err(Diagnostic::error(format!(
                    "x-berth.patterns.{}: every entry must be a file name",
                    name.name
                ))
                .with_label(f.span, "expected a file name")));
            };
            paths.push(dir.join(name_of));
        }
        if paths.is_empty() {
            paths.push(base.to_path_buf());
        }
        let production = kind_of_name(Path::new(&name.name)) == FileKind::Production
            || paths
                .iter()
                .any(|p| kind_of_name(p) == FileKind::Production);
        out.push(Pattern {
            name: name.name.clone(),
            files: paths,
            production,
        });
    }
    Some(Ok(out))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(ps: &[Pattern]) -> Vec<(String, Vec<String>, bool)> {
        ps.iter()
            .map(|p| {
                (
                    p.name.clone(),
                    p.files.iter().map(|f| f.display().to_string()).collect(),
                    p.production,
                )
            })
            .collect()
    }

    #[test]
    fn the_seeds_file_names_give_their_patterns() {
        let b = PathBuf::from("docker-compose.yml");
        let f = |n: &str| PathBuf::from(n);
        // After consolidation: four patterns.
        let after = from_names(
            &b,
            &[
                f("docker-compose.betanet.yml"),
                f("docker-compose.override.yml"),
                f("docker-compose.prod.yml"),
            ],
        );
        let s = |v: &[&str]| v.iter().map(|x| (*x).to_string()).collect::<Vec<_>>();
        assert_eq!(
            names(&after),
            vec![
                (
                    "development".into(),
                    s(&["docker-compose.yml", "docker-compose.override.yml"]),
                    false
                ),
                (
                    "production".into(),
                    s(&["docker-compose.yml", "docker-compose.prod.yml"]),
                    true
                ),
                (
                    "betanet".into(),
                    s(&["docker-compose.yml", "docker-compose.betanet.yml"]),
                    false
                ),
                (
                    "full".into(),
                    s(&[
                        "docker-compose.yml",
                        "docker-compose.override.yml",
                        "docker-compose.betanet.yml"
                    ]),
                    false
                ),
            ]
        );
        // Before: no production file, so production is what runs without the dev file; the
        // betanet pattern has the same files and is not repeated.
        let before = from_names(
            &b,
            &[f("docker-compose.betanet.yml"), f("docker-compose.dev.yml")],
        );
        let got: Vec<_> = before.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(got, ["development", "production", "full"]);
        assert_eq!(before[1].files.len(), 2);
        // One file: one pattern, not production.
        let single = from_names(&b, &[]);
        assert_eq!(
            names(&single),
            vec![("default".into(), s(&["docker-compose.yml"]), false)]
        );
        assert_eq!(
            add_on_name(Path::new("compose-monitoring.yaml")),
            "monitoring"
        );
        assert!(is_compose_name("docker-compose.betanet.yml"));
        assert!(!is_compose_name("prometheus.yml"));
    }
}
