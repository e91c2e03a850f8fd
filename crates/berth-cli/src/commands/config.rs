//! `berth config`: the loaded project in Docker Compose's canonical form, byte for byte.

use std::collections::BTreeSet;

use anyhow::Context as _;
use berth_model::Value;

use crate::cli::{ConfigArgs, GlobalArgs};
use crate::commands::{load_options, load_project};
use crate::printer::Printer;

pub fn run(global: &GlobalArgs, args: &ConfigArgs, printer: &mut Printer) -> anyhow::Result<u8> {
    if args.format != "yaml" && args.format != "json" {
        printer.error(&format!("unsupported format {:?}", args.format));
        return Ok(1);
    }
    if args.resolve_image_digests || args.lock_image_digests {
        printer.error("resolving image digests needs a registry, which Berth cannot reach offline");
        return Ok(1);
    }
    let mut opts = load_options(global)?;
    opts.interpolate = !args.no_interpolate;
    opts.normalize = !(args.no_normalize || global.compatibility);
    opts.resolve_paths = !args.no_path_resolution;
    opts.consistency = !args.no_consistency;
    // Docker Compose 2.40.3 prints the same model with and without --no-env-resolution.
    let _ = args.no_env_resolution;
    let list_mode = args.list_services
        || args.volumes
        || args.networks
        || args.profiles
        || args.images
        || args.models;
    if !list_mode && args.hash.is_none() {
        opts.services.clone_from(&args.services);
    }
    if args.list_services || args.profiles {
        opts.resolve_env_files = false;
    }
    let Some(project) = load_project(&opts, printer) else {
        return Ok(1);
    };
    let out = if args.environment {
        let mut lines: Vec<String> = project
            .environment
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        lines.sort();
        lines.iter().map(|l| format!("{l}\n")).collect()
    } else if args.list_services {
        lines(dependency_order(&project))
    } else if args.volumes {
        lines(
            project
                .resource_names("volumes")
                .map(str::to_string)
                .collect(),
        )
    } else if args.networks {
        lines(
            project
                .resource_names("networks")
                .map(str::to_string)
                .collect(),
        )
    } else if args.models {
        lines(
            project
                .resource_names("models")
                .map(str::to_string)
                .collect(),
        )
    } else if args.profiles {
        let mut all: BTreeSet<String> = BTreeSet::new();
        let disabled = project.disabled_services.values();
        for svc in project.services().map(|s| s.value).chain(disabled) {
            for p in svc.get("profiles").and_then(Value::as_seq).unwrap_or(&[]) {
                if let Some(p) = p.as_str() {
                    all.insert(p.to_string());
                }
            }
        }
        lines(all.into_iter().collect())
    } else if args.images {
        lines(
            project
                .services()
                .map(|s| {
                    s.image()
                        .map_or_else(|| format!("{}-{}", project.name, s.name), str::to_string)
                })
                .collect(),
        )
    } else if let Some(which) = &args.hash {
        let wanted: Vec<&str> = which.split(',').map(str::trim).collect();
        let mut services: Vec<_> = project
            .services()
            .filter(|s| wanted.contains(&"*") || wanted.contains(&s.name))
            .collect();
        services.sort_by(|a, b| a.name.cmp(b.name));
        services
            .iter()
            .map(|s| format!("{} {}\n", s.name, berth_emit::service_hash(s.value)))
            .collect()
    } else if args.format == "json" {
        match berth_emit::config_json(&project) {
            Ok(s) => s,
            Err(e) => {
                printer.error(&e);
                return Ok(1);
            }
        }
    } else {
        berth_emit::config_yaml(&project)
    };
    // The process ends right after printing: freeing the whole model would only cost time.
    std::mem::forget(project);
    if args.quiet {
        return Ok(0);
    }
    match &args.output {
        Some(path) => {
            std::fs::write(path, out).with_context(|| format!("cannot write {}", path.display()))?
        }
        None => printer.out(&out)?,
    }
    Ok(0)
}

fn lines(items: Vec<String>) -> String {
    items.into_iter().map(|l| format!("{l}\n")).collect()
}

/// Service names with dependencies first (Docker Compose prints `--services` this way).
fn dependency_order(project: &berth_model::Project) -> Vec<String> {
    let mut done: Vec<String> = Vec::new();
    let mut visiting: BTreeSet<String> = BTreeSet::new();
    fn visit(
        p: &berth_model::Project,
        name: &str,
        done: &mut Vec<String>,
        visiting: &mut BTreeSet<String>,
    ) {
        if done.iter().any(|d| d == name) || !visiting.insert(name.to_string()) {
            return;
        }
        if let Some(s) = p.service(name) {
            for d in s.depends_on() {
                visit(p, d, done, visiting);
            }
        }
        done.push(name.to_string());
    }
    for s in project.services() {
        visit(project, s.name, &mut done, &mut visiting);
    }
    done
}
