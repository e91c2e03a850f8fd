//! ## What it does
//! Finds services that both `build` an image and name it after a registry
//! (`registry.example.com/team/app`, `localhost:5000/app`).
//!
//! ## Why
//! With both, `pull` fetches the registry's image and `up` runs it instead of the local
//! build, or `build` overwrites the pulled one: which code runs depends on the order of the
//! commands typed. And `push` publishes whatever was built on the machine, tested or not.
//!
//! ## Example
//! ```yaml
//! services:
//!   web: {build: ., image: registry.example.com/team/web:1.2}
//! ```
//!
//! ## Use instead
//! `build` in the development file and `image` in the production one; or set
//! `pull_policy: build` so that the build always wins.

use berth_model::Diagnostic;

use crate::{Context, Sink};

pub fn check(cx: &Context, out: &mut Sink) {
    for s in cx.project.services() {
        if !s.has_build() {
            continue;
        }
        let Some(image) = s.image_at() else { continue };
        let Some((first, _)) = image.value.split_once('/') else {
            continue;
        };
        // A registry host has a dot or a port, or is `localhost` (Docker's own rule).
        let registry = first.contains('.') || first.contains(':') || first == "localhost";
        let policy = s.settings().pull_policy;
        if !registry || policy.as_deref() == Some("build") {
            continue;
        }
        out.report(
            Some(s.name),
            Diagnostic::warning(format!(
                "`{}` builds an image named after the registry `{first}`",
                s.name
            ))
            .with_label(image.span, "`pull` and `build` replace each other"),
        );
    }
}
