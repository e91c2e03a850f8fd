//! `berth docs`: the architecture document of the loaded project, with the audit's findings.

use super::audit::audit_one;
use super::{load_options, load_project};
use crate::cli::{DocsArgs, GlobalArgs};
use crate::printer::Printer;

pub fn run(global: &GlobalArgs, args: &DocsArgs, printer: &mut Printer) -> anyhow::Result<u8> {
    if args.format != "markdown" {
        printer.error(&format!(
            "invalid --format value {:?}: expected markdown",
            args.format
        ));
        return Ok(1);
    }
    let mut opts = load_options(global)?;
    opts.keep_layers = true;
    let Some(project) = load_project(&opts, printer) else {
        return Ok(1);
    };
    let run = audit_one(project, None, false, &[]);
    printer.out(&berth_docs::markdown::render(&run.project, &run.report))?;
    Ok(0)
}
