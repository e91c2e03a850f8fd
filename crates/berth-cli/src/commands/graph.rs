//! `berth graph`: one view of the loaded project as a diagram.

use berth_docs::graph::{self, View};

use super::{load_options, load_project};
use crate::cli::{GlobalArgs, GraphArgs};
use crate::printer::Printer;

pub fn run(global: &GlobalArgs, args: &GraphArgs, printer: &mut Printer) -> anyhow::Result<u8> {
    let Some(view) = View::parse(&args.view) else {
        printer.error(&format!(
            "invalid --view value {:?}: expected services, networks, dependencies or ports",
            args.view
        ));
        return Ok(1);
    };
    if !matches!(args.format.as_str(), "mermaid" | "dot" | "svg") {
        printer.error(&format!(
            "invalid --format value {:?}: expected mermaid, dot or svg",
            args.format
        ));
        return Ok(1);
    }
    let opts = load_options(global)?;
    let Some(project) = load_project(&opts, printer) else {
        return Ok(1);
    };
    let mut g = graph::build(&project, view);
    if !args.only.is_empty() {
        match g.only(&args.only) {
            Ok(part) => g = part,
            Err(e) => {
                printer.error(&e);
                return Ok(1);
            }
        }
    }
    let text = match args.format.as_str() {
        "dot" => berth_docs::dot::render(&g),
        "svg" => berth_docs::svg::render(&g),
        _ => berth_docs::mermaid::render(&g),
    };
    printer.out(&text)?;
    Ok(0)
}
