//! `berth audit`: loads the project (keeping each file's own document, which some rules
//! compare), runs the rules and prints the findings.

use berth_audit::facts::{kind_of_name, FileKind};
use berth_audit::{output, Context, RULES};
use berth_model::Severity;

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
    if !matches!(args.format.as_str(), "human" | "json") {
        printer.error(&format!(
            "invalid --format value {:?}: expected human or json",
            args.format
        ));
        return Ok(1);
    }
    let mut opts = load_options(global)?;
    opts.keep_layers = true;
    let Some(project) = load_project(&opts, printer) else {
        return Ok(1);
    };
    let production = args.production
        || project
            .config_files
            .iter()
            .any(|f| kind_of_name(f) == FileKind::Production);
    let report = berth_audit::audit(&Context {
        project: &project,
        production,
    });
    let text = match args.format.as_str() {
        "json" => output::json(&project, &report),
        _ => output::human(&project, &report),
    };
    printer.out(&text)?;
    Ok(u8::from(
        threshold.is_some_and(|t| output::fails(&report, t)),
    ))
}
