//! ## What it does
//! Finds pulled images pinned by tag but not by digest
//! (`@sha256:...`). Images without a tag or tagged `latest` are B705 (unpinned-image).
//!
//! Off by default: it would report nearly every service. Select it with `--extend-select B8`
//! (every hardening rule) or `extend-select` in `berth.toml`.
//!
//! ## Why
//! A tag can be pushed again: `postgres:16.4` today and in a month may be two images. Only a
//! digest names one image for good, so that every host of a deployment runs the same bytes
//! and a compromised registry cannot swap them.
//!
//! ## Example
//! ```yaml
//! services:
//!   db: {image: postgres:16.4}
//! ```
//!
//! ## Use instead
//! `image: postgres:16.4@sha256:…` (the tag stays for readers; the digest wins), updated by
//! a bot such as Renovate.

use berth_model::Diagnostic;

use crate::{Context, Sink};

pub fn check(cx: &Context, out: &mut Sink) {
    for s in cx.project.services() {
        let Some(image) = s.image_at() else { continue };
        let reference = image.value;
        if reference.contains('@') || reference.contains("${") || s.has_build() {
            continue;
        }
        let last = reference.rsplit('/').next().unwrap_or(reference);
        // No tag or `latest`: B705 reports it.
        if !matches!(last.split_once(':'), Some((_, t)) if t != "latest") {
            continue;
        }
        out.report(
            Some(s.name),
            Diagnostic::warning(format!("image `{reference}` of `{}` has no digest", s.name))
                .with_label(image.span, "a tag can be pushed again"),
        );
    }
}
