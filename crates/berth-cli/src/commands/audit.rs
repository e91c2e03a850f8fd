//! `berth audit`: loads the project (keeping each file's own document, which some rules
//! compare), runs the rules and prints the findings.

use berth_audit::config::Config;
use berth_audit::patterns::Pattern;
use berth_audit::run::{
    audit_one, audit_patterns, choose_patterns, overlays_of, ChooseError, PatternRuns,
};
use berth_audit::{output, RunningPort, RULES};
use berth_model::{Project, Severity};
use std::path::PathBuf;

use super::{load_options, load_project};
use crate::cli::{AuditArgs, GlobalArgs};
use crate::printer::Printer;

pub fn run(global: &GlobalArgs, args: &AuditArgs, printer: &mut Printer) -> anyhow::Result<u8> {
    if args.list_rules {
        let mut text = String::new();
        for r in RULES {
            let mut scope = match r.scope {
                berth_audit::Scope::All => "",
                berth_audit::Scope::Production => " (production)",
            }
            .to_string();
            if !r.default_on {
                scope.push_str(" (off by default)");
            }
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
        let off = if rule.default_on {
            ""
        } else {
            ", off by default"
        };
        printer.out(&format!(
            "{} {} ({}{off})\n\n{}",
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
    if !output::FORMATS.contains(&args.format.as_str()) {
        printer.error(&format!(
            "invalid --format value {:?}: expected {}",
            args.format,
            output::FORMATS.join(", ")
        ));
        return Ok(1);
    }
    let mut opts = load_options(global)?;
    opts.keep_layers = true;
    let Some(project) = load_project(&opts, printer) else {
        return Ok(1);
    };
    let Some(config) = config_of(&project, args.config.as_deref(), printer) else {
        return Ok(1);
    };
    let config = match config.with_command_line(&args.select, &args.extend_select, &args.ignore) {
        Ok(c) => c,
        Err(e) => {
            printer.error(&e.to_string());
            return Ok(1);
        }
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
    let Some((mut runs, mut load_failed)) =
        audit_runs(&opts, project, args, &running, &config, printer)
    else {
        return Ok(1);
    };
    if args.fix {
        let plan = berth_audit::fix::plan(&runs);
        let base = runs
            .first()
            .map(|r| r.project.working_dir.clone())
            .unwrap_or_default();
        for left in &plan.left {
            printer.diag(&format!("not fixed: {left}\n"));
        }
        if global.dry_run {
            printer.out(&plan.diff(&base))?;
            printer.diag(&format!(
                "{} fixes would be made (--dry-run: nothing written)\n",
                plan.fixed.len()
            ));
            return Ok(0);
        }
        if let Err(e) = write_fixes(&plan) {
            printer.error(&format!("--fix: {e}"));
            return Ok(1);
        }
        // The fixed files must load; else they are put back as they were.
        let Some(project) = load_project(&opts, printer) else {
            restore(&plan);
            printer.error("--fix: the fixed files did not load; they were put back as they were");
            return Ok(1);
        };
        for fixed in &plan.fixed {
            printer.diag(&format!("fixed: {fixed}\n"));
        }
        printer.diag(&format!("{} fixes made\n", plan.fixed.len()));
        let Some(again) = audit_runs(&opts, project, args, &running, &config, printer) else {
            return Ok(1);
        };
        (runs, load_failed) = again;
    }
    berth_audit::run::report_unused(&mut runs, &config);
    if let Some(path) = &args.baseline {
        if !path.exists() {
            if let Err(e) = std::fs::write(path, berth_audit::baseline::write(&runs)) {
                printer.error(&format!(
                    "cannot write the baseline {}: {e}",
                    path.display()
                ));
                return Ok(1);
            }
            printer.diag(&format!(
                "wrote the baseline {} with {} findings: later runs report only new ones\n",
                path.display(),
                output::merged_count(&runs)
            ));
        }
        let applied = std::fs::read_to_string(path)
            .map_err(|e| e.to_string())
            .and_then(|text| berth_audit::baseline::apply(&mut runs, &text));
        if let Err(e) = applied {
            printer.error(&format!("--baseline {}: {e}", path.display()));
            return Ok(1);
        }
    }
    let style = output::Style {
        colour: crate::printer::stdout_colour(&global.ansi),
        timestamp: now_utc(),
    };
    let text = output::render(&args.format, &runs, &style);
    printer.out(&text)?;
    let failed = threshold.is_some_and(|t| output::fails(&runs, t));
    Ok(u8::from(failed || load_failed))
}

/// The audit of the project, or of each of its patterns, and whether a pattern failed to load;
/// none when the patterns could not be chosen.
fn audit_runs(
    opts: &berth_loader::load::Options,
    project: Project,
    args: &AuditArgs,
    running: &[RunningPort],
    config: &Config,
    printer: &mut Printer,
) -> Option<(Vec<berth_audit::output::Run>, bool)> {
    if args.patterns || !args.pattern.is_empty() {
        let overlays = overlays_of(&project);
        let chosen = chosen_patterns(&project, &overlays, &args.pattern, printer)?;
        let done = audit_patterns(opts, chosen, args.production, running, config);
        let failed = show_pattern_load(&done, printer);
        Some((done.runs, failed))
    } else {
        Some((
            vec![audit_one(project, None, args.production, running, config)],
            false,
        ))
    }
}

/// Writes the fixed files (a new file is created).
fn write_fixes(plan: &berth_audit::fix::Plan) -> std::io::Result<()> {
    for (path, (old, new)) in &plan.files {
        std::fs::write(path, new)?;
        // A new .env holds credentials: readable by its owner only.
        #[cfg(unix)]
        if old.is_empty() && path.file_name().is_some_and(|n| n == ".env") {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))?;
        }
    }
    Ok(())
}

/// Puts the files of a plan back as they were (removing those it created).
fn restore(plan: &berth_audit::fix::Plan) {
    for (path, (old, _)) in &plan.files {
        let _ = if old.is_empty() {
            std::fs::remove_file(path)
        } else {
            std::fs::write(path, old)
        };
    }
}

/// The audit's configuration for `project`: the file given (`--config`), else the
/// `berth.toml` in the project's folder, if any; none after saying what is wrong with it.
pub fn config_of(
    project: &Project,
    given: Option<&std::path::Path>,
    printer: &mut Printer,
) -> Option<Config> {
    let read = match given {
        Some(path) => Config::read(path),
        None => Config::discover(&project.working_dir),
    };
    match read {
        Ok(c) => Some(c),
        Err(e) => {
            printer.error(&e.to_string());
            None
        }
    }
}

/// Prints what loading the patterns said; whether one failed to load.
pub fn show_pattern_load(runs: &PatternRuns, printer: &mut Printer) -> bool {
    for w in &runs.warnings {
        printer.diag(w);
    }
    for f in &runs.failures {
        printer.diag(f);
    }
    !runs.failures.is_empty()
}

/// The patterns chosen, or none after saying why.
pub fn chosen_patterns(
    project: &Project,
    overlays: &[PathBuf],
    names: &[String],
    printer: &mut Printer,
) -> Option<Vec<Pattern>> {
    match choose_patterns(project, overlays, names) {
        Ok(chosen) => Some(chosen),
        Err(e @ ChooseError::Invalid(_)) => {
            printer.diag(&e.to_string());
            None
        }
        Err(e) => {
            printer.error(&e.to_string());
            None
        }
    }
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

/// Now, or `SOURCE_DATE_EPOCH` when set (for reproducible reports), as
/// `YYYY-MM-DDTHH:MM:SS` in UTC.
fn now_utc() -> String {
    let secs = std::env::var("SOURCE_DATE_EPOCH")
        .ok()
        .and_then(|s| s.trim().parse::<i64>().ok())
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(0))
        });
    berth_engine::logs::utc_time(secs, 0, berth_engine::logs::TimeStyle::Trimmed)
        .trim_end_matches('Z')
        .to_string()
}
