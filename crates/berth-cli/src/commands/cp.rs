//! `berth cp SERVICE:SRC DEST` and `berth cp SRC SERVICE:DEST`: files and folders between a
//! service container and this machine, with `docker cp`'s rules (into an existing folder, as
//! the named path otherwise; `-` for a tar archive on standard input or output).

use std::io::{Read, Write};
use std::path::Path;

use berth_engine::EngineError;

use crate::cli::{CpArgs, GlobalArgs};
use crate::commands::engine::{connect, exit_status, runtime, service_container, Target};
use crate::printer::{Printer, StderrProgress};
use berth_engine::progress::{Phase, Progress as _};

/// `SERVICE:PATH` split; a local path (which may hold a colon after a slash) is `None`.
fn container_path(arg: &str) -> Option<(&str, &str)> {
    let (service, path) = arg.split_once(':')?;
    (!service.is_empty() && !service.contains('/')).then_some((service, path))
}

pub fn run(global: &GlobalArgs, args: &CpArgs, printer: &mut Printer) -> anyhow::Result<u8> {
    let (from, to) = (
        container_path(&args.source),
        container_path(&args.destination),
    );
    let (service, inbound) = match (from, to) {
        (Some((s, _)), None) => (s, false),
        (None, Some((s, _))) => (s, true),
        (Some(_), Some(_)) => {
            printer.error("copying between services is not supported");
            return Ok(1);
        }
        (None, None) => {
            printer.error("unknown copy direction");
            return Ok(1);
        }
    };
    let Some(target) = Target::resolve(global, &[service.to_string()], printer)? else {
        return Ok(1);
    };
    let result = runtime()?.block_on(async {
        let engine = connect().await?;
        let missing = || EngineError::Other(format!("no container found for service {service:?}"));
        // Copying in reaches every container of the service (and, with --all, its one-off
        // ones) unless --index names one; copying out reads the first, as Docker Compose does.
        let containers = if inbound && args.index.is_none() {
            let mut all = engine.project_containers(target.name(), true).await?;
            if args.all {
                all.extend(engine.one_off_containers(target.name(), true).await?);
            }
            all.retain(|c| c.service == service);
            all.sort_by_key(|c| c.number);
            if all.is_empty() {
                return Err(missing());
            }
            all
        } else {
            vec![
                service_container(&engine, target.name(), service, args.index, false)
                    .await
                    .map_err(|_| missing())?,
            ]
        };
        let stdin_tar = if inbound && args.source == "-" {
            let mut tar = Vec::new();
            std::io::stdin()
                .read_to_end(&mut tar)
                .map_err(|e| EngineError::Other(format!("standard input: {e}")))?;
            Some(tar)
        } else {
            None
        };
        for c in &containers {
            copy_one(&engine, c, args, from, to, stdin_tar.as_ref()).await?;
        }
        Ok(0)
    });
    Ok(exit_status(result, printer))
}

async fn copy_one(
    engine: &berth_engine::Engine,
    c: &berth_engine::client::Observed,
    args: &CpArgs,
    from: Option<(&str, &str)>,
    to: Option<(&str, &str)>,
    stdin_tar: Option<&Vec<u8>>,
) -> Result<(), EngineError> {
    let shown = |arg: &str| match container_path(arg) {
        Some((_, p)) => format!("{}:{p}", c.name),
        None => arg.to_string(),
    };
    // Docker Compose's three parts: ` web-1 copy SRC to DEST Copying`.
    let text = format!(
        "copy {} to {}",
        shown(&args.source),
        shown(&args.destination)
    );
    StderrProgress.detail(&c.name, &text, "Copying", Phase::Working);
    if let Some((_, dest)) = to {
        if let Some(tar) = stdin_tar {
            berth_engine::transfer::upload_tar(engine, &c.id, dest, tar.clone()).await?;
        } else {
            let src = Path::new(&args.source);
            if src.symlink_metadata().is_err() {
                return Err(EngineError::Other(format!(
                    "stat {}: no such file or directory",
                    args.source
                )));
            }
            berth_engine::transfer::copy_in(engine, &c.id, src, dest, args.follow_link).await?;
        }
    } else {
        let src = from.map_or("", |(_, p)| p);
        if args.destination == "-" {
            let tar = berth_engine::transfer::download(engine, &c.id, src).await?;
            let mut out = crate::printer::stdout().lock();
            out.write_all(&tar)
                .and_then(|()| out.flush())
                .map_err(|e| EngineError::Other(format!("standard output: {e}")))?;
        } else {
            berth_engine::transfer::copy_out(engine, &c.id, src, Path::new(&args.destination))
                .await?;
        }
    }
    StderrProgress.detail(&c.name, &text, "Copied", Phase::Done);
    Ok(())
}
