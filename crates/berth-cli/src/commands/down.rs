//! `berth down`: stop and remove the project's containers and networks (and volumes with `-v`).

use std::sync::Arc;

use berth_engine::executor::{self, DownOptions};

use crate::cli::{DownArgs, GlobalArgs};
use crate::commands::engine::{connect, env_flag, runtime, Target};
use crate::printer::{Printer, StderrProgress};

pub fn run(global: &GlobalArgs, args: &DownArgs, printer: &mut Printer) -> anyhow::Result<u8> {
    if let Some(r) = args.rmi.as_deref() {
        if !matches!(r, "local" | "all") {
            printer.error(&format!("invalid --rmi option {r:?}"));
            return Ok(1);
        }
    }
    let Some(target) = Target::resolve(global, &args.services, printer)? else {
        return Ok(1);
    };
    let (mut spec, known) = match target.spec()? {
        Ok(pair) => pair,
        Err(e) => {
            printer.error(&e.to_string());
            return Ok(1);
        }
    };
    if let Target::Named(name) = &target {
        // Docker Compose's message for names a project known only by name does not hold.
        let missing: Vec<&str> = args
            .services
            .iter()
            .filter(|n| !spec.services.iter().any(|s| &s.name == *n))
            .map(String::as_str)
            .collect();
        if !missing.is_empty() {
            printer.diag(&format!(
                "Any of the services [{}] not running in project {name:?}\n",
                missing.join(" ")
            ));
        }
        let present: Vec<String> = args
            .services
            .iter()
            .filter(|n| !missing.contains(&n.as_str()))
            .cloned()
            .collect();
        if !args.services.is_empty() {
            spec.services.retain(|s| present.contains(&s.name));
        }
    } else if let Err(e) = spec.select(&args.services, true) {
        // Service arguments: only their containers (networks are still tried, as Docker
        // Compose does).
        printer.error(&e);
        return Ok(1);
    }
    let down_opts = DownOptions {
        volumes: args.volumes,
        rmi: args.rmi.clone(),
        remove_orphans: args.remove_orphans
            || env_flag(
                match &target {
                    Target::Loaded(p) => Some(p),
                    Target::Named(_) => None,
                },
                berth_loader::env_vars::COMPOSE_REMOVE_ORPHANS,
            ),
        timeout: args.timeout,
    };
    let rt = runtime()?;
    let result = rt.block_on(async {
        let engine = connect().await?;
        executor::down(&engine, &spec, &known, &down_opts, Arc::new(StderrProgress)).await
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
