//! ## What it does
//! Finds development builds chosen by a file that is not a development file: a
//! `Dockerfile.dev` (or `dev.Dockerfile`), or a build `target` named `dev`, `development` or
//! `debug`.
//!
//! ## Why
//! Development images carry compilers, test tools and dev dependencies, and usually expect
//! the source to be mounted. In the seeds' base file the frontend was built from
//! `Dockerfile.dev`.
//!
//! ## Example
//! ```yaml
//! services:
//!   frontend: {build: {context: ./frontend, dockerfile: Dockerfile.dev}}
//! ```
//!
//! ## Use instead
//! A multi-stage Dockerfile whose final stage is the production one; select the development
//! stage (`target: development`) in the development override.

use berth_model::Diagnostic;

use crate::facts::from_dev_file;
use crate::{Context, Sink};

pub fn check(cx: &Context, out: &mut Sink) {
    let p = cx.project;
    for s in p.services() {
        let Some(build) = s.build() else {
            continue;
        };
        if let Some(file) = build
            .dockerfile
            .as_ref()
            .filter(|f| !from_dev_file(p, f.span))
        {
            let name = file.value.to_ascii_lowercase();
            let name = name.rsplit('/').next().unwrap_or_default();
            if name
                .split(['.', '-', '_'])
                .any(|w| w == "dev" || w == "development")
            {
                out.report(
                    Some(s.name),
                    Diagnostic::warning(format!(
                        "`{}` is built from a development Dockerfile outside a development file",
                        s.name
                    ))
                    .with_label(file.span, "development Dockerfile"),
                );
            }
        }
        if let Some(target) = build.target.filter(|t| !from_dev_file(p, t.span)) {
            let t = target.value.to_ascii_lowercase();
            if matches!(t.as_str(), "dev" | "development" | "develop" | "debug") {
                out.report(
                    Some(s.name),
                    Diagnostic::warning(format!(
                        "`{}` builds the `{t}` stage outside a development file",
                        s.name
                    ))
                    .with_label(target.span, "development stage"),
                );
            }
        }
    }
}
