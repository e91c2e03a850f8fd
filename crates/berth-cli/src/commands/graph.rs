//! `berth graph`: one view of the loaded project as a diagram.

use berth_docs::graph::{self, GroupBy, View};

use super::{load_options, load_project};
use crate::cli::{GlobalArgs, GraphArgs};
use crate::printer::Printer;

pub fn run(global: &GlobalArgs, args: &GraphArgs, printer: &mut Printer) -> anyhow::Result<u8> {
    let Some(view) = View::parse(&args.view) else {
        printer.error(&format!(
            "invalid --view value {:?}: expected services, networks, dependencies, ports or volumes",
            args.view
        ));
        return Ok(1);
    };
    if !matches!(args.format.as_str(), "mermaid" | "dot" | "svg" | "png") {
        printer.error(&format!(
            "invalid --format value {:?}: expected mermaid, dot, svg or png",
            args.format
        ));
        return Ok(1);
    }
    let group_by = args.group_by.as_deref().map(|b| (b, GroupBy::parse(b)));
    if let Some((b, None)) = group_by {
        printer.error(&format!(
            "invalid --group-by value {b:?}: expected role, network, profile or none"
        ));
        return Ok(1);
    }
    let group_by = group_by.and_then(|(_, by)| by);
    let opts = load_options(global)?;
    let Some(project) = load_project(&opts, printer) else {
        return Ok(1);
    };
    let mut g = graph::build_grouped(&project, view, group_by);
    if args.format == "png"
        && args.output.is_none()
        && std::io::IsTerminal::is_terminal(&crate::printer::stdout())
    {
        printer.error("a PNG is binary: write it with -o FILE, or redirect standard output");
        return Ok(1);
    }
    if !args.only.is_empty() {
        match g.only(&args.only) {
            Ok(part) => g = part,
            Err(e) => {
                printer.error(&e);
                return Ok(1);
            }
        }
    }
    if args.collapse {
        g = g.collapse(&project);
    }
    let svg = || match berth_docs::svg::render(&g) {
        Ok(svg) => Ok(svg),
        Err(too_much) => Err(format!("cannot draw the graph: {too_much}")),
    };
    let drawn = match args.format.as_str() {
        "dot" => Ok(berth_docs::dot::render(&g).into_bytes()),
        "svg" => svg().map(String::into_bytes),
        "png" => svg().and_then(|svg| {
            berth_docs::png::render(&svg).map_err(|e| format!("cannot draw the PNG: {e}"))
        }),
        _ => Ok(berth_docs::mermaid::render(&g).into_bytes()),
    };
    let bytes = match drawn {
        Ok(bytes) => bytes,
        Err(e) => {
            printer.error(&e);
            return Ok(1);
        }
    };
    match &args.output {
        Some(path) => {
            if let Err(e) = std::fs::write(path, &bytes) {
                printer.error(&format!("cannot write {}: {e}", path.display()));
                return Ok(1);
            }
        }
        None => printer.out_bytes(&bytes)?,
    }
    Ok(0)
}
