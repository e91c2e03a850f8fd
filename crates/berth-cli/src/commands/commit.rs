//! `berth commit SERVICE [REPOSITORY[:TAG]]`: a new image from a service container's changes.

use berth_engine::transfer::CommitOptions;

use crate::cli::{CommitArgs, GlobalArgs};
use crate::commands::engine::{connect, exit_status, runtime, service_container, Target};
use crate::printer::{Printer, StderrProgress};
use berth_engine::progress::{Phase, Progress as _};

pub fn run(global: &GlobalArgs, args: &CommitArgs, printer: &mut Printer) -> anyhow::Result<u8> {
    let Some(target) = Target::resolve(global, std::slice::from_ref(&args.service), printer)?
    else {
        return Ok(1);
    };
    let opts = CommitOptions {
        reference: args.reference.clone(),
        author: args.author.clone(),
        message: args.message.clone(),
        changes: args.change.clone(),
        pause: args.pause,
    };
    let result = runtime()?.block_on(async {
        let engine = connect().await?;
        let c = service_container(&engine, target.name(), &args.service, args.index, false).await?;
        let text = format!("Commit {}", c.name);
        StderrProgress.detail(&c.name, &text, "Committing", Phase::Working);
        let id = berth_engine::transfer::commit(&engine, &c.id, &opts).await?;
        let done = if engine.dry_run {
            "Committed".to_string()
        } else {
            format!("Committed as {id}")
        };
        StderrProgress.detail(&c.name, &text, &done, Phase::Done);
        Ok(0)
    });
    Ok(exit_status(result, printer))
}
