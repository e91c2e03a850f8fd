//! `berth config`: the loaded project in Docker Compose's canonical form, byte for byte.

use std::collections::BTreeSet;

use anyhow::Context as _;
use berth_model::Value;

use crate::cli::{ConfigArgs, GlobalArgs};
use crate::commands::{load_options, load_project};
use crate::printer::Printer;
use crate::table::json_str;

pub fn run(global: &GlobalArgs, args: &ConfigArgs, printer: &mut Printer) -> anyhow::Result<u8> {
    let format = args.format.as_deref().unwrap_or("yaml");
    if format != "yaml" && format != "json" {
        printer.error(&format!("unsupported format {format:?}"));
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
    if args.variables {
        opts.interpolate = false;
        return variables(&opts, args.format.as_deref(), args, printer);
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
        let disabled = project.disabled_services.iter();
        let off = disabled.map(|(name, value)| berth_model::Service { name, value });
        for svc in project.services().chain(off) {
            all.extend(svc.settings().profiles.map(|p| p.value).unwrap_or_default());
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
    } else if args.no_interpolate && format == "json" {
        berth_emit::model_json(&project.tree)
    } else if args.no_interpolate {
        berth_emit::model_yaml(&project.tree)
    } else if format == "json" {
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
            std::fs::write(path, out)
                .with_context(|| format!("cannot write {}", path.display()))?;
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
    let names: Vec<&str> = project.services().map(|s| s.name).collect();
    let index: std::collections::HashMap<&str, usize> =
        names.iter().enumerate().map(|(i, n)| (*n, i)).collect();
    let next = project
        .services()
        .map(|s| {
            s.depends_on()
                .filter_map(|d| index.get(d).copied())
                .collect()
        })
        .collect();
    berth_model::depgraph::DepGraph::new(next)
        .dependency_order()
        .into_iter()
        .map(|i| names[i].to_string())
        .collect()
}

/// `config --variables`: every variable the files use, with its default, alternate value and
/// whether it is required, from the merged model before interpolation.
fn variables(
    opts: &berth_loader::load::Options,
    format: Option<&str>,
    args: &ConfigArgs,
    printer: &mut Printer,
) -> anyhow::Result<u8> {
    let (merged, sources, warnings) = match berth_loader::load::load_model(opts) {
        Ok(m) => m,
        Err(e) => {
            printer.diag(&e.render());
            return Ok(1);
        }
    };
    for w in &warnings {
        printer.diag(&w.render(&sources));
    }
    let mut vars: indexmap::IndexMap<String, berth_loader::template::Variable> =
        indexmap::IndexMap::new();
    collect_variables(&merged.model, &mut vars);
    let mut names: Vec<&String> = vars.keys().collect();
    names.sort();
    let out = match format {
        None => {
            let mut rows = vec![vec![
                "NAME".to_string(),
                "REQUIRED".into(),
                "DEFAULT VALUE".into(),
                "ALTERNATE VALUE".into(),
            ]];
            for v in vars.values() {
                rows.push(vec![
                    v.name.clone(),
                    v.required.to_string(),
                    v.default_value.clone(),
                    v.presence_value.clone(),
                ]);
            }
            crate::table::tabwrite(&rows, 20, 3)
        }
        Some("json") => {
            let mut out = String::from("{");
            for (i, n) in names.iter().enumerate() {
                let v = &vars[*n];
                out.push_str(if i == 0 { "\n" } else { ",\n" });
                out.push_str(&format!(
                    "    {}: {{\n        \"Name\": {},\n        \"DefaultValue\": {},\n        \"PresenceValue\": {},\n        \"Required\": {}\n    }}",
                    json_str(n),
                    json_str(&v.name),
                    json_str(&v.default_value),
                    json_str(&v.presence_value),
                    v.required
                ));
            }
            // Docker Compose prints the JSON and then an empty line.
            out.push_str(if names.is_empty() { "}\n\n" } else { "\n}\n\n" });
            out
        }
        _ => {
            let mut names = names.clone();
            names.sort_by(|a, b| berth_model::natural_cmp(a, b));
            let mut out = String::new();
            for n in names {
                let v = &vars[n];
                let q = berth_emit::yaml::scalar_text;
                out.push_str(&format!(
                    "{}:\n    name: {}\n    defaultvalue: {}\n    presencevalue: {}\n    required: {}\n",
                    q(n),
                    q(&v.name),
                    q(&v.default_value),
                    q(&v.presence_value),
                    v.required
                ));
            }
            if out.is_empty() {
                out.push_str("{}\n");
            }
            out
        }
    };
    if !args.quiet {
        printer.out(&out)?;
    }
    Ok(0)
}

fn collect_variables(
    v: &Value,
    out: &mut indexmap::IndexMap<String, berth_loader::template::Variable>,
) {
    match &v.kind {
        berth_model::Kind::Str(s) => {
            for var in berth_loader::template::extract_variables(s) {
                out.insert(var.name.clone(), var);
            }
        }
        berth_model::Kind::Seq(items) => items.iter().for_each(|i| collect_variables(i, out)),
        berth_model::Kind::Map(m) => m.iter().for_each(|(_, i)| collect_variables(i, out)),
        _ => {}
    }
}
