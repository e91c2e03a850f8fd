//! `berth docs`: the architecture document of the loaded project, with the audit's findings.

use berth_audit::run::audit_one;

use super::{load_options, load_project};
use crate::cli::{DocsArgs, GlobalArgs};
use crate::printer::Printer;

pub fn run(global: &GlobalArgs, args: &DocsArgs, printer: &mut Printer) -> anyhow::Result<u8> {
    if !matches!(args.format.as_str(), "markdown" | "html") {
        printer.error(&format!(
            "invalid --format value {:?}: expected markdown or html",
            args.format
        ));
        return Ok(1);
    }
    let mut opts = load_options(global)?;
    opts.keep_layers = true;
    let Some(project) = load_project(&opts, printer) else {
        return Ok(1);
    };
    let Some(config) = super::audit::config_of(&project, None, printer) else {
        return Ok(1);
    };
    let run = audit_one(project, None, false, &[], &config);
    let doc = berth_docs::document::build(&run.project, &run.report);
    let text = match args.format.as_str() {
        "html" => berth_docs::html::render(&doc),
        _ => doc.to_markdown(),
    };
    printer.out(&text)?;
    Ok(0)
}
