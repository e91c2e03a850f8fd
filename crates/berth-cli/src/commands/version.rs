//! `berth version`: the Docker Compose version Berth stands in for, and Berth's own. Scripts
//! that check `docker compose version --short` read the Compose version they can rely on.

use crate::cli::VersionArgs;
use crate::printer::Printer;

/// The Docker Compose release whose behaviour Berth reproduces.
const COMPOSE: &str = berth_engine::labels::COMPOSE_VERSION;

pub fn run(args: &VersionArgs, printer: &mut Printer) -> anyhow::Result<u8> {
    let berth = env!("CARGO_PKG_VERSION");
    if args.short {
        printer.out(&format!("{COMPOSE}\n"))?;
        return Ok(0);
    }
    match args.format.as_deref() {
        Some("json") => {
            printer.out(&format!(
                "{{\"version\":\"v{COMPOSE}\",\"berth\":\"{berth}\"}}\n"
            ))?;
        }
        // Docker Compose prints the pretty form for any other value.
        _ => printer.out(&format!(
            "Docker Compose version v{COMPOSE} (berth {berth})\n"
        ))?,
    }
    Ok(0)
}
