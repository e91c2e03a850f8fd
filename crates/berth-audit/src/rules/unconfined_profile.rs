//! ## What it does
//! Finds `security_opt` entries that turn a kernel confinement off: `seccomp:unconfined`,
//! `apparmor:unconfined`, `label:disable` (either `:` or `=` as the separator).
//!
//! ## Why
//! The engine's seccomp profile blocks about 44 system calls that containers have no business
//! making (`keyctl`, `mount`, `kexec_load`, ...), AppArmor and SELinux keep a process away from
//! host files. Several container escapes were stopped by these profiles alone.
//!
//! ## Example
//! ```yaml
//! services:
//!   app: {image: app, security_opt: ["seccomp:unconfined"]}
//! ```
//!
//! ## Use instead
//! The default profile, or a custom seccomp profile that allows the one call the program
//! needs: `security_opt: ["seccomp=./seccomp.json"]`.

use berth_model::{Diagnostic, Value};

use crate::{Context, Sink};

pub fn check(cx: &Context, out: &mut Sink) {
    for s in cx.project.services() {
        let Some(opts) = s.get("security_opt").and_then(Value::as_seq) else {
            continue;
        };
        for o in opts {
            let Some(text) = o.as_str() else { continue };
            let Some((kind, value)) = text.trim().split_once([':', '=']) else {
                continue;
            };
            let off = match (kind, value) {
                ("seccomp", "unconfined") => "no seccomp filter: every system call allowed",
                ("apparmor", "unconfined") => "no AppArmor profile",
                ("label", "disable") => "no SELinux labels",
                _ => continue,
            };
            out.report(
                Some(s.name),
                Diagnostic::warning(format!("`{}` runs unconfined: `{text}`", s.name))
                    .with_label(o.span, off),
            );
        }
    }
}
