//! ## What it does
//! Finds source code bind-mounted into a container (`./backend:/app`) by a file that is not a
//! development file (the base file, a production file, an add-on).
//!
//!
//! A mount is source code when it is inside a service's build context, or mounted where images
//! keep their code (`/app`, `/usr/src/app`, `/var/www`, ...) by a service that builds its image
//! or runs a language runtime (`node`, `python`, `php`, ...): a pulled application image
//! (`redpanda` with `./kafka:/app`) keeps its own code, and the folder is its data. A single
//! configuration file (`.conf`, `.ini`, `.yml`, `.toml`, ..., or any file mounted under
//! `/etc`) is configuration, not code: `./nginx/default.conf:/etc/nginx/conf.d/default.conf`
//! is how an image is meant to be configured. When the mounted folder exists, one that holds
//! no source file (by extension, or a manifest: `package.json`, a `Dockerfile`, ...) is not
//! code either.
//!
//! ## Why
//! A source mount replaces the code the image was built with by whatever is on the host: the
//! image is no longer what runs, and production depends on a checkout being present. It is a
//! development convenience for hot reload, and belongs in `docker-compose.override.yml`.
//!
//! ## Example
//! ```yaml
//! # docker-compose.yml
//! services:
//!   backend: {build: ./backend, volumes: ["./backend:/app"]}
//! ```
//!
//! ## Use instead
//! Bake the code into the image; mount it in the development override only.

use berth_model::mount::MountKind;
use berth_model::Diagnostic;

use crate::facts::from_dev_file;
use crate::{Context, Sink};

/// Where images usually keep their application code.
const APP_DIRS: &[&str] = &[
    "/app",
    "/src",
    "/code",
    "/usr/src/app",
    "/var/www",
    "/workspace",
    "/opt/app",
    "/home/node/app",
];

/// Language runtimes: images that run the code mounted into them.
const RUNTIMES: &[&str] = &[
    "node",
    "python",
    "php",
    "ruby",
    "golang",
    "openjdk",
    "eclipse-temurin",
    "amazoncorretto",
    "maven",
    "gradle",
    "rust",
    "perl",
    "deno",
    "bun",
    "elixir",
    "sdk",
    "mcr.microsoft.com",
];

/// File names of configuration, by extension.
const CONFIG_EXTENSIONS: &[&str] = &[
    "conf",
    "cfg",
    "cnf",
    "ini",
    "yml",
    "yaml",
    "toml",
    "properties",
    "xml",
    "config",
    "env",
    "json",
    "rules",
    "lua",
    "vcl",
    "htpasswd",
    "pem",
    "crt",
    "key",
];

/// Manifests that are part of the source, whatever their extension says (a folder with a
/// Dockerfile is an application's source tree).
const MANIFESTS: &[&str] = &[
    "Dockerfile",
    "Containerfile",
    "package.json",
    "package-lock.json",
    "yarn.lock",
    "composer.json",
    "composer.lock",
    "tsconfig.json",
    "requirements.txt",
    "pyproject.toml",
    "Cargo.toml",
    "go.mod",
    "Gemfile",
    "pom.xml",
    "build.gradle",
];

/// Extensions of source files.
const SOURCE_EXTENSIONS: &[&str] = &[
    "py", "js", "mjs", "cjs", "ts", "tsx", "jsx", "vue", "svelte", "php", "rb", "go", "java", "kt",
    "scala", "rs", "c", "h", "cc", "cpp", "cs", "fs", "ex", "exs", "erl", "pl", "lua", "html",
    "css", "scss", "dart", "swift", "sh",
];

/// Whether a single file mounted at `target` is configuration.
fn is_config_file(source: &str, target: &str) -> bool {
    let name = source.rsplit('/').next().unwrap_or(source);
    if MANIFESTS.contains(&name) {
        return false;
    }
    let ext = name.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase());
    ext.is_some_and(|e| CONFIG_EXTENSIONS.contains(&e.as_str()))
        || target.starts_with("/etc/")
        || target.starts_with("/usr/local/etc/")
}

/// Whether the folder at `path` holds a source file, looking at no more than a few thousand
/// entries; `None` when it does not exist (it is created on `up`).
fn holds_source(path: &std::path::Path) -> Option<bool> {
    let meta = std::fs::metadata(path).ok()?;
    if meta.is_file() {
        return Some(true);
    }
    let mut stack = vec![path.to_path_buf()];
    let mut seen = 0;
    while let Some(dir) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for e in entries.flatten() {
            seen += 1;
            if seen > 5000 {
                return Some(true);
            }
            let p = e.path();
            let name = e.file_name().to_string_lossy().into_owned();
            if e.file_type().is_ok_and(|t| t.is_dir()) {
                if !matches!(name.as_str(), "node_modules" | ".git" | "target" | "vendor") {
                    stack.push(p);
                }
            } else if MANIFESTS.contains(&name.as_str())
                || name.starts_with("Dockerfile")
                || name.to_ascii_lowercase().ends_with(".dockerfile")
                || name.rsplit_once('.').is_some_and(|(_, e)| {
                    SOURCE_EXTENSIONS.contains(&e.to_ascii_lowercase().as_str())
                })
            {
                return Some(true);
            }
        }
    }
    Some(false)
}

pub fn check(cx: &Context, out: &mut Sink) {
    let p = cx.project;
    let contexts: Vec<String> = p
        .services()
        .filter_map(|s| s.build()?.context)
        .map(|c| c.value)
        .collect();
    for s in p.services() {
        for v in s.mounts() {
            if v.kind != MountKind::Bind || from_dev_file(p, v.span) {
                continue;
            }
            let (Some(source), Some(target)) = (v.source, v.target) else {
                continue;
            };
            // Inside a build context is source code, unless the context is the whole project
            // folder (then a config file beside the compose file is not).
            let root = p.working_dir.to_str().unwrap_or_default();
            let in_context = contexts
                .iter()
                .any(|c| source == c || (c != root && source.starts_with(&format!("{c}/"))));
            let at_app_dir = APP_DIRS
                .iter()
                .any(|d| target == *d || target.starts_with(&format!("{d}/")));
            // A pulled image that is not a language runtime keeps its own code at /app.
            let runs_code = s.has_build()
                || s.image().is_some_and(|i| {
                    RUNTIMES
                        .iter()
                        .any(|r| crate::facts::image_base(i) == *r || i.starts_with(r))
                });
            let code = in_context || (at_app_dir && runs_code);
            let in_project = std::path::Path::new(source).starts_with(&p.working_dir);
            if !code || !in_project || v.read_only {
                continue;
            }
            let path = std::path::Path::new(source);
            let file_like = path.is_file()
                || (!path.exists() && source.rsplit('/').next().is_some_and(|n| n.contains('.')));
            if file_like && is_config_file(source, target) {
                continue;
            }
            if holds_source(path) == Some(false) {
                continue;
            }
            out.report(
                Some(s.name),
                Diagnostic::warning(format!(
                    "`{}` bind-mounts source code at {target} outside a development file",
                    s.name
                ))
                .with_label(v.span, "source mount"),
            );
        }
    }
}
