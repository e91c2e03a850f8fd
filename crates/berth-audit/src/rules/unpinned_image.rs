//! ## What it does
//! Finds images without a tag, or tagged `latest`, and not pinned by digest.
//!
//! ## Why
//! `latest` is whatever was pushed last: two hosts pulling on different days run different
//! software, and an upgrade happens by accident on the next pull. The seeds' monitoring
//! services all ran `:latest`.
//!
//! ## Example
//! ```yaml
//! services:
//!   grafana: {image: grafana/grafana:latest}
//! ```
//!
//! ## Use instead
//! A version tag (`grafana/grafana:11.2.0`), or a digest for full reproducibility.

use berth_model::Diagnostic;

use crate::{Context, Sink};

pub fn check(cx: &Context, out: &mut Sink) {
    for s in cx.project.services() {
        let Some(image) = s.image_at() else {
            continue;
        };
        let reference = image.value;
        if reference.contains('@') || reference.contains("${") {
            continue;
        }
        let last = reference.rsplit('/').next().unwrap_or(reference);
        let tag = last.split_once(':').map(|(_, t)| t);
        let why = match tag {
            None => "has no tag",
            Some("latest") => "is tagged `latest`",
            Some(_) => continue,
        };
        // An image the project builds is named by it, not pulled.
        if s.has_build() {
            continue;
        }
        out.report(
            Some(s.name),
            Diagnostic::warning(format!("image `{reference}` of `{}` {why}", s.name))
                .with_label(image.span, "not pinned"),
        );
    }
}
