//! `build` and `pull`: a project's images.

use berth_engine::build::{self, BuildOptions};
use berth_engine::exec::Progress;

use crate::cli::{BuildArgs, GlobalArgs, PullArgs};
use crate::commands::engine::{connect, exit_status, runtime};
use crate::commands::{load_options, load_project};
use crate::printer::{Printer, StderrProgress};

/// The project's spec limited to `services` (and, with `deps`, what they depend on).
fn services_of(
    global: &GlobalArgs,
    services: &[String],
    deps: bool,
    printer: &mut Printer,
) -> anyhow::Result<Option<berth_engine::spec::ProjectSpec>> {
    let opts = load_options(global)?;
    let Some(project) = load_project(&opts, printer) else {
        return Ok(None);
    };
    let mut spec = berth_engine::spec::project_spec(&project);
    if let Err(e) = spec.select(services, !deps) {
        printer.error(&e);
        return Ok(None);
    }
    Ok(Some(spec))
}

pub fn build(global: &GlobalArgs, args: &BuildArgs, printer: &mut Printer) -> anyhow::Result<u8> {
    let Some(spec) = services_of(global, &args.services, args.with_dependencies, printer)? else {
        return Ok(1);
    };
    let mut build_args = Vec::new();
    for a in &args.build_arg {
        match a.split_once('=') {
            Some((k, v)) => build_args.push((k.to_string(), v.to_string())),
            // `--build-arg KEY` takes the value from the environment, when set.
            None => {
                if let Ok(v) = std::env::var(a) {
                    build_args.push((a.clone(), v));
                }
            }
        }
    }
    let opts = BuildOptions {
        args: build_args,
        no_cache: args.no_cache,
        pull: args.pull,
        quiet: args.quiet,
    };
    let rt = runtime()?;
    let result = rt.block_on(async {
        let engine = connect().await?;
        let out = |line: &str| eprintln!("{line}");
        for s in &spec.services {
            let Some(b) = &s.build else { continue };
            StderrProgress.event("Service", &s.name, "Building");
            build::build_image(&engine, &spec.name, s, b, &opts, &out).await?;
            StderrProgress.event("Service", &s.name, "Built");
        }
        Ok(0)
    });
    Ok(exit_status(result, printer))
}

pub fn pull(global: &GlobalArgs, args: &PullArgs, printer: &mut Printer) -> anyhow::Result<u8> {
    if let Some(p) = args.policy.as_deref() {
        if !matches!(p, "missing" | "always") {
            printer.error(&format!("invalid --policy option {p:?}"));
            return Ok(1);
        }
    }
    let Some(spec) = services_of(global, &args.services, args.include_deps, printer)? else {
        return Ok(1);
    };
    let rt = runtime()?;
    let result = rt.block_on(async {
        let engine = connect().await?;
        let mut failed = false;
        let mut seen = std::collections::HashSet::new();
        for s in &spec.services {
            if (args.ignore_buildable && s.build.is_some())
                || s.pull_policy.as_deref() == Some("build")
                || !seen.insert(s.image.clone())
            {
                continue;
            }
            if args.policy.as_deref() == Some("missing")
                && engine.image_id(&s.image).await?.is_some()
            {
                continue;
            }
            if !args.quiet {
                StderrProgress.event("Image", &s.name, "Pulling");
            }
            match build::pull_image(&engine, &s.image, &|_| {}).await {
                Ok(()) => {
                    if !args.quiet {
                        StderrProgress.event("Image", &s.name, "Pulled");
                    }
                }
                // A service that can be built is not an error: `up` builds it.
                Err(e) if s.build.is_some() || args.ignore_pull_failures => {
                    StderrProgress.event("Image", &s.name, &format!("Warning {e}"));
                }
                Err(e) => {
                    StderrProgress.event("Image", &s.name, &format!("Error {e}"));
                    failed = true;
                }
            }
        }
        Ok(u8::from(failed))
    });
    Ok(exit_status(result, printer))
}
