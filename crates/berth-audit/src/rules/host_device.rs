//! ## What it does
//! Finds services given host devices (`devices:`), and names the device.
//!
//! ## Why
//! A device node is a door into the kernel: `/dev/mem` and `/dev/kmsg` read the host's memory
//! and log, a disk device reads every file of the disk under it, bypassing permissions. Each
//! device should be one the service was designed to use (a GPU, a serial adapter, a camera).
//!
//! ## Example
//! ```yaml
//! services:
//!   app: {image: app, devices: ["/dev/sda:/dev/sda"]}
//! ```
//!
//! ## Use instead
//! The one device the program uses, read-only where it can be (`/dev/ttyUSB0:/dev/ttyUSB0:r`);
//! for GPUs, `deploy.resources.reservations.devices`.

use berth_model::{Diagnostic, Value};

use crate::{Context, Sink};

pub fn check(cx: &Context, out: &mut Sink) {
    for s in cx.project.services() {
        let Some(devices) = s.get("devices").and_then(Value::as_seq) else {
            continue;
        };
        for d in devices {
            let source = d
                .get("source")
                .and_then(Value::as_str)
                .map(str::to_string)
                .or_else(|| Some(d.as_str()?.split(':').next()?.to_string()))
                .unwrap_or_default();
            out.report(
                Some(s.name),
                Diagnostic::warning(format!("`{}` is given the host device {source}", s.name))
                    .with_label(d.span, "a door into the host's kernel"),
            );
        }
    }
}
