//! ## What it does
//! Finds source code bind-mounted into a container (`./backend:/app`) by a file that is not a
//! development file (the base file, a production file, an add-on).
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
            let code = contexts
                .iter()
                .any(|c| source == c || (c != root && source.starts_with(&format!("{c}/"))))
                || APP_DIRS
                    .iter()
                    .any(|d| target == *d || target.starts_with(&format!("{d}/")));
            let in_project = std::path::Path::new(source).starts_with(&p.working_dir);
            if !code || !in_project || v.read_only {
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
