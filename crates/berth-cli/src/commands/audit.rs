//! `berth audit`: loads the project (keeping each file's own document, which some rules
//! compare), runs the rules and prints the findings.

use berth_audit::facts::{kind_of_name, FileKind};
use berth_audit::patterns::{self, Pattern};
use berth_audit::{output, Context, RunningPort, RULES};
use berth_loader::load::Options;
use berth_model::{Project, Severity};
use std::path::PathBuf;

use super::{load_options, load_project};
use crate::cli::{AuditArgs, GlobalArgs};
use crate::printer::Printer;

pub fn run(global: &GlobalArgs, args: &AuditArgs, printer: &mut Printer) -> anyhow::Result<u8> {
    if args.list_rules {
        let mut text = String::new();
        for r in RULES {
            let scope = match r.scope {
                berth_audit::Scope::All => "",
                berth_audit::Scope::Production => " (production)",
            };
            text.push_str(&format!(
                "{}  {:<8} {}{scope}\n",
                r.code,
                r.severity.as_str(),
                r.name
            ));
        }
        printer.out(&text)?;
        return Ok(0);
    }
    if let Some(code) = &args.explain {
        let Some(rule) = berth_audit::rule(code) else {
            printer.error(&format!(
                "no rule {code:?}: `berth audit --list-rules` lists them"
            ));
            return Ok(1);
        };
        printer.out(&format!(
            "{} {} ({})\n\n{}",
            rule.code,
            rule.name,
            rule.severity.as_str(),
            rule.doc()
        ))?;
        return Ok(0);
    }
    let threshold = match args.fail_on.as_str() {
        "error" => Some(Severity::Error),
        "warning" => Some(Severity::Warning),
        "info" | "note" => Some(Severity::Info),
        "never" => None,
        other => {
            printer.error(&format!(
                "invalid --fail-on value {other:?}: expected error, warning, info or never"
            ));
            return Ok(1);
        }
    };
    if !matches!(args.format.as_str(), "human" | "json" | "sarif") {
        printer.error(&format!(
            "invalid --format value {:?}: expected human, json or sarif",
            args.format
        ));
        return Ok(1);
    }
    let mut opts = load_options(global)?;
    opts.keep_layers = true;
    let Some(project) = load_project(&opts, printer) else {
        return Ok(1);
    };
    let running = if args.running {
        match running_ports(&project.name) {
            Ok(r) => r,
            Err(e) => {
                printer.error(&format!("--running: {e}"));
                return Ok(1);
            }
        }
    } else {
        Vec::new()
    };
    let (runs, load_failed) = if args.patterns || !args.pattern.is_empty() {
        let overlays = overlays_of(&project);
        let Some(chosen) = choose_patterns(&project, &overlays, &args.pattern, printer) else {
            return Ok(1);
        };
        audit_patterns(&opts, chosen, args.production, &running, printer)
    } else {
        (
            vec![audit_one(project, None, args.production, &running)],
            false,
        )
    };
    let text = match args.format.as_str() {
        "json" => output::json(&runs),
        "sarif" => output::sarif(&runs),
        _ => output::human(&runs),
    };
    printer.out(&text)?;
    let failed = threshold.is_some_and(|t| output::fails(&runs, t));
    Ok(u8::from(failed || load_failed))
}

/// Runs the rules on one project; production rules apply to a production pattern, with
/// `--production`, or when a file's name says production.
pub fn audit_one(
    project: Project,
    pattern: Option<Pattern>,
    forced: bool,
    running: &[RunningPort],
) -> output::Run {
    let production = forced
        || pattern.as_ref().map_or_else(
            || {
                project
                    .config_files
                    .iter()
                    .any(|f| kind_of_name(f) == FileKind::Production)
            },
            |p| p.production,
        );
    let report = berth_audit::audit(&Context {
        project: &project,
        production,
        running,
    });
    output::Run {
        pattern,
        project,
        report,
    }
}

/// The overlays of a project's base file: the compose files beside it, and the other files
/// given with `-f`.
fn overlays_of(project: &Project) -> Vec<PathBuf> {
    let Some(base) = project.config_files.first() else {
        return Vec::new();
    };
    let mut overlays = patterns::sibling_files(base);
    for f in project.config_files.iter().skip(1) {
        if !overlays.contains(f) {
            overlays.push(f.clone());
        }
    }
    overlays
}

/// Loads and audits each pattern; load errors are printed, and reported as the second value.
pub fn audit_patterns(
    opts: &Options,
    chosen: Vec<Pattern>,
    forced: bool,
    running: &[RunningPort],
    printer: &mut Printer,
) -> (Vec<output::Run>, bool) {
    let mut runs = Vec::new();
    let mut failed = false;
    let mut warned = std::collections::HashSet::new();
    for pattern in chosen {
        let mut o = opts.clone();
        o.files.clone_from(&pattern.files);
        o.keep_layers = true;
        match berth_loader::load::load(&o) {
            Ok(p) => {
                for w in &p.warnings {
                    let text = w.render(&p.sources);
                    if warned.insert(text.clone()) {
                        printer.diag(&text);
                    }
                }
                runs.push(audit_one(p, Some(pattern), forced, running));
            }
            Err(e) => {
                printer.diag(&format!("pattern {}: {}", pattern.name, e.render()));
                failed = true;
            }
        }
    }
    (runs, failed)
}

/// The patterns of a project whose base file was loaded as `project`: those it lists under
/// `x-berth.patterns`, else those the names of `overlays` give; `names` picks some.
pub fn choose_patterns(
    project: &Project,
    overlays: &[PathBuf],
    names: &[String],
    printer: &mut Printer,
) -> Option<Vec<Pattern>> {
    let base = project.config_files.first()?;
    let all = match patterns::from_extension(&project.tree, base) {
        Some(Ok(listed)) => listed,
        Some(Err(d)) => {
            printer.diag(&d.render(&project.sources));
            return None;
        }
        None => patterns::from_names(base, overlays),
    };
    if names.is_empty() {
        return Some(all);
    }
    let mut chosen = Vec::new();
    for name in names {
        if let Some(p) = all.iter().find(|p| &p.name == name) {
            chosen.push(p.clone());
        } else {
            let known: Vec<&str> = all.iter().map(|p| p.name.as_str()).collect();
            printer.error(&format!(
                "no pattern {name:?}: this project has {}",
                known.join(", ")
            ));
            return None;
        }
    }
    Some(chosen)
}

/// The host ports that running containers hold, except the project's own (which `up` would
/// replace).
fn running_ports(project: &str) -> anyhow::Result<Vec<RunningPort>> {
    let rt = super::engine::runtime()?;
    let containers = rt.block_on(async {
        let engine = super::engine::connect().await?;
        engine.running_containers().await
    })?;
    let mut out = Vec::new();
    for c in containers {
        if c.labels
            .get(berth_engine::labels::PROJECT)
            .map(String::as_str)
            == Some(project)
        {
            continue;
        }
        for p in &c.ports {
            let Some(port) = p.public_port else { continue };
            out.push(RunningPort {
                container: c.name.clone(),
                host_ip: p.ip.clone().unwrap_or_default(),
                port: u32::from(port),
                protocol: p
                    .typ
                    .map_or_else(|| "tcp".to_string(), |t| t.to_string().to_ascii_lowercase()),
            });
        }
    }
    Ok(out)
}
