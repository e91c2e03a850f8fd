//! `berth export SERVICE`: a service container's filesystem as a tar archive, on standard
//! output or in `-o FILE`.

use crate::cli::{ExportArgs, GlobalArgs};
use crate::commands::engine::{connect, exit_status, runtime, service_container, Target};
use crate::printer::{Printer, StderrProgress};
use berth_engine::progress::{Phase, Progress as _};

pub fn run(global: &GlobalArgs, args: &ExportArgs, printer: &mut Printer) -> anyhow::Result<u8> {
    let Some(target) = Target::resolve(global, std::slice::from_ref(&args.service), printer)?
    else {
        return Ok(1);
    };
    if args.output.is_none() && crate::terminal::stdout_is_tty() {
        printer.error("refusing to write a tar archive to a terminal: use -o FILE or a pipe");
        return Ok(1);
    }
    let result = runtime()?.block_on(async {
        let engine = connect().await?;
        let c = service_container(&engine, target.name(), &args.service, args.index, false).await?;
        let dest = args
            .output
            .as_ref()
            .map_or_else(String::new, |p| p.display().to_string());
        StderrProgress.detail(
            &c.name,
            &format!("export {} to {dest}", c.name),
            "Exporting",
            Phase::Working,
        );
        let mut out: Box<dyn std::io::Write + Send> =
            match &args.output {
                Some(p) => Box::new(std::fs::File::create(p).map_err(|e| {
                    berth_engine::EngineError::Other(format!("{}: {e}", p.display()))
                })?),
                None => Box::new(crate::printer::stdout()),
            };
        berth_engine::transfer::export(&engine, &c.id, &mut *out).await?;
        Ok(0)
    });
    Ok(exit_status(result, printer))
}
