//! ## What it does
//! Finds services whose root file system is writable (no
//! `read_only: true`) although nothing shows they need it: the service is not privileged,
//! builds nothing for development and mounts no source code.
//!
//! Off by default: it would report nearly every service. Select it with `--extend-select B8`
//! (every hardening rule) or `extend-select` in `berth.toml`.
//!
//! ## Why
//! A writable root file system lets an intruder change the program's own files and drop
//! tools that survive until the container is recreated. Most services write only to their
//! data folders (volumes) and to `/tmp`.
//!
//! ## Example
//! ```yaml
//! services:
//!   api: {image: api}
//! ```
//!
//! ## Use instead
//! ```yaml
//!   api:
//!     image: api
//!     read_only: true
//!     tmpfs: [/tmp]
//! ```
//! `berth audit --fix` adds `read_only: true`; add a `tmpfs` or a volume for each folder the
//! program writes to.

use berth_model::mount::MountKind;
use berth_model::Diagnostic;

use crate::{Context, Sink};

pub fn check(cx: &Context, out: &mut Sink) {
    for s in cx.project.services() {
        let settings = s.settings();
        if settings.read_only == Some(true)
            || settings.privileged.as_ref().is_some_and(|p| p.value)
            || crate::facts::runs_no_container(&s)
        {
            continue;
        }
        // A folder of the project mounted over the image's files: development, where the
        // program writes its caches beside its source.
        let mounts_source = s.mounts().any(|m| {
            m.kind == MountKind::Bind
                && m.source.is_some_and(|p| !p.starts_with("/dev"))
                && m.target.is_some_and(|t| !t.starts_with("/etc"))
                && !m.read_only
        });
        if mounts_source {
            continue;
        }
        let span = crate::facts::service_span(cx.project, s.name);
        out.report(
            Some(s.name),
            Diagnostic::warning(format!("`{}` has a writable root file system", s.name))
                .with_label(span, "no `read_only: true`"),
        );
    }
}
