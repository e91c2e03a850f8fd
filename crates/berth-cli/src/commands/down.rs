//! `berth down`: stop and remove the project's containers and networks (and volumes with `-v`).

use std::sync::Arc;

use berth_engine::exec::{self, DownOptions};

use crate::cli::{DownArgs, GlobalArgs};
use crate::commands::engine::{connect, known_services, runtime};
use crate::commands::{load_options, load_project};
use crate::printer::{Printer, StderrProgress};

pub fn run(global: &GlobalArgs, args: &DownArgs, printer: &mut Printer) -> anyhow::Result<u8> {
    if let Some(r) = args.rmi.as_deref() {
        if !matches!(r, "local" | "all") {
            printer.error(&format!("invalid --rmi option {r:?}"));
            return Ok(1);
        }
    }
    let opts = load_options(global)?;
    let Some(project) = load_project(&opts, printer) else {
        return Ok(1);
    };
    let mut spec = berth_engine::spec::project_spec(&project);
    // Service arguments: only their containers (networks are still tried, as Docker Compose does).
    if let Err(e) = spec.select(&args.services, true) {
        printer.error(&e);
        return Ok(1);
    }
    let known = known_services(&project);
    let down_opts = DownOptions {
        volumes: args.volumes,
        rmi: args.rmi.clone(),
        remove_orphans: args.remove_orphans,
        timeout: args.timeout,
    };
    let rt = runtime()?;
    let result = rt.block_on(async {
        let engine = connect().await?;
        exec::down(&engine, &spec, &known, &down_opts, Arc::new(StderrProgress)).await
    });
    match result {
        Ok(true) => Ok(0),
        Ok(false) => {
            printer.diag(&format!(
                "Warning: No resource found to remove for project \"{}\".\n",
                spec.name
            ));
            Ok(0)
        }
        Err(e) => {
            printer.error(&e.to_string());
            Ok(1)
        }
    }
}
