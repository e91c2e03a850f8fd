//! ## What it does
//! Finds bind mounts of the host's system folders, and writable mounts of what is inside them.
//!
//! The folders: `/`, `/etc`, `/proc`, `/sys`, `/dev`, `/boot`, `/root`, `/home`, `/run`,
//! `/var/run`, `/lib/modules` and `/var/lib/docker`. Inside `/etc`, `/proc`, `/sys`, `/dev`,
//! `/boot`, `/lib/modules` and `/var/lib/docker`, a writable mount is reported (`/etc/pihole/`:
//! part of the host's configuration, writable); a read-only one, such as `/etc/localtime:ro`,
//! is fine, and so is a data folder elsewhere (`/root/minecraft_data`, `/usr/share/appdata`). The engine's socket has its own rule, B707 (docker-socket).
//!
//! ## Why
//! These folders hold the host's passwords (`/etc/shadow`), its SSH keys, every process's
//! environment (`/proc/*/environ`), the kernel's settings (`/sys`), the engine's socket (under
//! `/run`) and every container's files (`/var/lib/docker`). Read-only still lets the service
//! read all of it; writable lets it take the host over.
//!
//! ## Example
//! ```yaml
//! services:
//!   agent: {image: agent, volumes: ["/:/host:ro"]}
//! ```
//!
//! ## Use instead
//! The one file or folder the service reads (`/etc/localtime:/etc/localtime:ro`), read-only;
//! for a host monitor, only `/proc` and `/sys`, read-only, and accept this finding with a
//! reason (`berth.toml`).

use berth_model::mount::MountKind;
use berth_model::Diagnostic;

use crate::{Context, Sink};

const SENSITIVE: &[&str] = &[
    "/",
    "/etc",
    "/proc",
    "/sys",
    "/dev",
    "/boot",
    "/root",
    "/home",
    "/run",
    "/var/run",
    "/lib/modules",
    "/var/lib/docker",
];

/// Folders whose insides are the host's own: writable mounts under them are reported too.
const SENSITIVE_TREES: &[&str] = &[
    "/etc",
    "/proc",
    "/sys",
    "/dev",
    "/boot",
    "/lib/modules",
    "/var/lib/docker",
];

pub fn check(cx: &Context, out: &mut Sink) {
    for s in cx.project.services() {
        for m in s.mounts() {
            if m.kind != MountKind::Bind {
                continue;
            }
            let Some(source) = m.source else { continue };
            let trimmed = source.trim_end_matches('/');
            let folder = if trimmed.is_empty() { "/" } else { trimmed };
            let inside = SENSITIVE_TREES
                .iter()
                .any(|t| folder.starts_with(&format!("{t}/")));
            let sensitive = SENSITIVE.contains(&folder) || (inside && !m.read_only);
            if !sensitive {
                continue;
            }
            let how = if m.read_only { "read-only" } else { "writable" };
            out.report(
                Some(s.name),
                Diagnostic::warning(format!("`{}` mounts the host's `{folder}` ({how})", s.name))
                    .with_label(m.span, "the host's own files"),
            );
        }
    }
}
