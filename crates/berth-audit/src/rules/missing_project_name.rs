//! ## What it does
//! In a production combination, finds projects without a top-level `name:`.
//!
//! ## Why
//! Without `name:`, the project is named after the folder it is started from. Move or rename
//! the folder (a new checkout, a deployment tool's work folder) and the same files start a
//! second project beside the first, with new, empty volumes: the data seems gone. The seeds'
//! renamed project lost its Grafana dashboards this way.
//!
//! ## Example
//! ```yaml
//! services:
//!   db: {image: postgres:16}
//! ```
//!
//! ## Use instead
//! ```yaml
//! name: shop
//! services:
//!   db: {image: postgres:16}
//! ```

use berth_model::Diagnostic;

use crate::{Context, Sink};

pub fn check(cx: &Context, out: &mut Sink) {
    let layers = &cx.project.layers;
    if layers.iter().any(|l| l.doc.get("name").is_some()) {
        return;
    }
    let Some(first) = layers.first() else {
        return;
    };
    // The first key of the first file: where `name:` would go.
    let span = first
        .doc
        .as_map()
        .and_then(|m| m.iter().next())
        .map_or(first.doc.span, |(k, _)| k.span);
    out.report(
        None,
        Diagnostic::warning(format!(
            "the project has no `name:`: it is named `{}` after its folder",
            cx.project.name
        ))
        .with_label(span, "no top-level `name:` above this"),
    );
}
