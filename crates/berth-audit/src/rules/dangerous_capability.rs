//! ## What it does
//! Finds `cap_add` entries that give a container power over the host: `ALL`, `SYS_ADMIN`,
//! `NET_ADMIN`, `SYS_PTRACE`, `SYS_MODULE`, `SYS_RAWIO`, `DAC_READ_SEARCH`, `SYS_BOOT`,
//! `SYS_TIME`, `MAC_ADMIN`, `MAC_OVERRIDE`, `BPF` and `PERFMON`.
//!
//! ## Why
//! `SYS_ADMIN` alone allows mounting file systems and most known container escapes; `ALL` is
//! nearly `privileged`; `SYS_PTRACE` reads other processes' memory; `NET_ADMIN` rewrites the
//! network the container shares; `SYS_MODULE` loads kernel code.
//!
//! ## Example
//! ```yaml
//! services:
//!   vpn: {image: vpn, cap_add: [ALL]}
//! ```
//!
//! ## Use instead
//! The one narrow capability the program needs (`NET_BIND_SERVICE` to bind port 80), and
//! `cap_drop: [ALL]` for the rest.

use berth_model::{Diagnostic, Value};

use crate::{Context, Sink};

/// The capabilities this rule reports, without their `CAP_` prefix.
const DANGEROUS: &[&str] = &[
    "ALL",
    "SYS_ADMIN",
    "NET_ADMIN",
    "SYS_PTRACE",
    "SYS_MODULE",
    "SYS_RAWIO",
    "DAC_READ_SEARCH",
    "SYS_BOOT",
    "SYS_TIME",
    "MAC_ADMIN",
    "MAC_OVERRIDE",
    "BPF",
    "PERFMON",
];

pub fn check(cx: &Context, out: &mut Sink) {
    for s in cx.project.services() {
        let Some(caps) = s.get("cap_add").and_then(Value::as_seq) else {
            continue;
        };
        for c in caps {
            let Some(name) = c.as_str() else { continue };
            let bare = name.trim().to_ascii_uppercase();
            let bare = bare.strip_prefix("CAP_").unwrap_or(&bare);
            if !DANGEROUS.contains(&bare) {
                continue;
            }
            out.report(
                Some(s.name),
                Diagnostic::warning(format!("`{}` adds the capability {bare}", s.name))
                    .with_label(c.span, "power over the host"),
            );
        }
    }
}
