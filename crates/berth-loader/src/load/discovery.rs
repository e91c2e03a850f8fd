//! Discovery: the compose files (`-f`, `COMPOSE_FILE`, the default names in the folder and its
//! parents, override files), the env files and their variables, and the project's name.

use crate::template::substitute;
use crate::{canonical, dotenv, env_vars, yaml};
use berth_model::{Diagnostic, FileId};
use indexmap::IndexMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::{env_truthy, Loader, Res};

/// Project name normalization for `name:` and directory names (compose-go `NormalizeProjectName`).
#[must_use]
pub fn normalize_project_name(s: &str) -> String {
    let lower = s.to_lowercase();
    let kept: String = lower
        .chars()
        .filter(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '_' || *c == '-')
        .collect();
    kept.trim_start_matches(['_', '-']).to_string()
}

fn valid_project_name(s: &str) -> bool {
    let b = s.as_bytes();
    !b.is_empty()
        && (b[0].is_ascii_lowercase() || b[0].is_ascii_digit())
        && b.iter()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == b'_' || *c == b'-')
}

pub(super) fn absolute_from(p: &Path, cwd: &Path) -> PathBuf {
    if p.is_absolute() {
        p.to_path_buf()
    } else {
        PathBuf::from(canonical::clean_path(&format!(
            "{}/{}",
            cwd.display(),
            p.display()
        )))
    }
}

/// The names discovery looks for, in order of preference.
pub const DEFAULT_FILES: [&str; 4] = [
    "compose.yaml",
    "compose.yml",
    "docker-compose.yml",
    "docker-compose.yaml",
];

pub(super) const OVERRIDE_FILES: [&str; 4] = [
    "compose.override.yml",
    "compose.override.yaml",
    "docker-compose.override.yml",
    "docker-compose.override.yaml",
];

impl Loader<'_> {
    pub(super) fn read_file(&mut self, path: &Path) -> Res<(FileId, Arc<str>)> {
        let text = crate::read::text(path)
            .map_err(|e| Diagnostic::error(format!("cannot read {}: {e}", path.display())))?;
        let text: Arc<str> = Arc::from(text);
        let id = self.sources.add(path.to_path_buf(), Arc::clone(&text));
        Ok((id, text))
    }

    pub(super) fn read_env_file(
        &mut self,
        path: &Path,
        lookup: &dyn Fn(&str) -> Option<String>,
    ) -> Res<IndexMap<String, String>> {
        let (id, text) = self.read_file(path)?;
        let mut unset = Vec::new();
        let values = dotenv::parse_noting_unset(id, &text, lookup, &mut unset)?;
        self.warn_unset(unset);
        Ok(values)
    }

    /// The env files of the two passes Docker Compose makes (before and after discovery).
    pub(super) fn env_files_for(
        &self,
        workdir: &Path,
        os_env: &IndexMap<String, String>,
    ) -> Vec<(PathBuf, bool)> {
        if !self.opts.env_files.is_empty() {
            return self
                .opts
                .env_files
                .iter()
                .map(|p| (absolute_from(p, &self.opts.cwd), true))
                .collect();
        }
        if let Some(list) = os_env
            .get(env_vars::COMPOSE_ENV_FILES)
            .filter(|s| !s.is_empty())
        {
            return list
                .split(',')
                .map(|p| (absolute_from(Path::new(p.trim()), &self.opts.cwd), true))
                .collect();
        }
        if env_truthy(self.opts.os_env.get(env_vars::COMPOSE_DISABLE_ENV_FILE)) {
            return Vec::new();
        }
        vec![(workdir.join(".env"), false)]
    }

    pub(super) fn load_env_files(
        &mut self,
        files: &[(PathBuf, bool)],
        base: &IndexMap<String, String>,
    ) -> Res<IndexMap<String, String>> {
        let mut from_files: IndexMap<String, String> = IndexMap::new();
        for (path, explicit) in files {
            // A folder is named as one (as the reference does); a pipe or a device is read,
            // up to the size limit.
            if path.is_dir() && *explicit {
                return Err(Diagnostic::error(format!(
                    "{} is a directory",
                    path.display()
                )));
            }
            if !path.exists() || path.is_dir() {
                if *explicit {
                    return Err(Diagnostic::error(format!(
                        "couldn't find env file: {}",
                        path.display()
                    )));
                }
                continue;
            }
            let snapshot = from_files.clone();
            let env = self.read_env_file(path, &|k| {
                base.get(k).cloned().or_else(|| snapshot.get(k).cloned())
            })?;
            from_files.extend(env);
        }
        Ok(from_files)
    }

    pub(super) fn project_name(
        &mut self,
        docs: &[(FileId, PathBuf, yaml::Document)],
        env: &IndexMap<String, String>,
        workdir: &Path,
    ) -> Res<String> {
        let check = |n: &str, what: &str| -> Res<String> {
            if valid_project_name(n) {
                Ok(n.to_string())
            } else {
                Err(Diagnostic::error(format!(
                    "invalid project name \"{n}\" (from {what}): must consist only of lowercase alphanumeric characters, hyphens, and underscores as well as start with a letter or number"
                )))
            }
        };
        if let Some(p) = &self.opts.project_name {
            return check(p, "-p");
        }
        if let Some(p) = env
            .get(env_vars::COMPOSE_PROJECT_NAME)
            .filter(|s| !s.is_empty())
        {
            return check(p, "COMPOSE_PROJECT_NAME");
        }
        let mut from_files: Option<String> = None;
        for (_, _, doc) in docs {
            if let Some(n) = doc.root.as_ref().and_then(|r| r.get("name")) {
                let raw = n.scalar_to_string().unwrap_or_default();
                let value = if self.opts.interpolate {
                    substitute(&raw, &|k| env.get(k).cloned())
                        .map(|s| s.value)
                        .map_err(|e| {
                            Diagnostic::error(format!("error while interpolating name: {e}"))
                                .with_label(n.span, "in this value")
                        })?
                } else {
                    raw
                };
                if !value.is_empty() {
                    from_files = Some(value);
                }
            }
        }
        let raw = match from_files {
            Some(n) => n,
            None => workdir
                .file_name()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_default(),
        };
        let n = normalize_project_name(&raw);
        if n.is_empty() {
            return Err(Diagnostic::error("project name must not be empty"));
        }
        Ok(n)
    }
}
