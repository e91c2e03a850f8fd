//! `berth convert swarm`: the project as a stack file for `docker stack deploy -c -` (see
//! `berth_cluster::stackfile`), with what it leaves out reported on stderr.

use crate::cli::{ConvertArgs, ConvertTarget, GlobalArgs};
use crate::printer::Printer;

pub fn run(global: &GlobalArgs, args: &ConvertArgs, printer: &mut Printer) -> anyhow::Result<u8> {
    let ConvertTarget::Swarm(swarm) = &args.target;
    let opts = super::load_options(global)?;
    let Some(project) = super::load_project(&opts, printer) else {
        return Ok(1);
    };
    let (file, losses) = berth_cluster::stackfile::stack_file(&project, &project.name);
    for loss in &losses {
        printer.diag(&loss.render(&project.sources));
    }
    let text = berth_emit::escape_dollars(&berth_emit::yaml::to_yaml(&file));
    match &swarm.output {
        Some(path) => {
            if let Err(e) = std::fs::write(path, text) {
                printer.error(&format!("cannot write {}: {e}", path.display()));
                return Ok(1);
            }
        }
        None => printer.out(&text)?,
    }
    Ok(0)
}
