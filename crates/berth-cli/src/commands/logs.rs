//! `berth logs`: the output of the project's containers, followed with `-f` (including
//! containers that start later, as Docker Compose does) until Ctrl-C.

use std::collections::HashSet;

use berth_engine::logs::{self, LogEvent, LogOptions};
use tokio::sync::mpsc;

use crate::cli::{GlobalArgs, LogsArgs};
use crate::commands::engine::{connect, exit_status, runtime};
use crate::commands::lifecycle::{project_spec, selected};
use crate::interrupt::Interrupts;
use crate::logprint::LogPrinter;
use crate::printer::Printer;

/// `--tail`: `all` or a number of lines.
pub fn parse_tail(v: &str) -> Result<Option<u64>, String> {
    match v.trim() {
        "all" | "" => Ok(None),
        n => n.parse().map(Some).map_err(|_| {
            format!("invalid --tail value {v:?}: expected a number of lines or \"all\"")
        }),
    }
}

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

pub fn run(global: &GlobalArgs, args: &LogsArgs, printer: &mut Printer) -> anyhow::Result<u8> {
    let tail = match parse_tail(&args.tail) {
        Ok(t) => t,
        Err(e) => {
            printer.error(&e);
            return Ok(1);
        }
    };
    let parse = |v: &Option<String>, flag: &str| -> Result<Option<i64>, String> {
        v.as_deref()
            .map(|v| logs::parse_time(v, now()).map_err(|e| format!("--{flag}: {e}")))
            .transpose()
    };
    let (since, until) = match (parse(&args.since, "since"), parse(&args.until, "until")) {
        (Ok(s), Ok(u)) => (s, u),
        (Err(e), _) | (_, Err(e)) => {
            printer.error(&e);
            return Ok(1);
        }
    };
    let Some((spec, _)) = project_spec(global, &args.services, printer)? else {
        return Ok(1);
    };
    let opts = LogOptions {
        follow: args.follow,
        timestamps: args.timestamps,
        tail,
        since,
        until,
        after: None,
    };
    let rt = runtime()?;
    let result = rt.block_on(async {
        let mut interrupts =
            Interrupts::install().map_err(|e| berth_engine::EngineError::Other(format!("signals: {e}")))?;
        let engine = connect().await?;
        let mut containers = selected(&engine, &spec, &args.services).await?;
        if let Some(i) = args.index {
            containers.retain(|c| c.number == i);
            if containers.is_empty() {
                return Err(berth_engine::EngineError::Other(format!(
                    "service {:?} has no container #{i}",
                    args.services.first().map_or("", String::as_str)
                )));
            }
        }
        let names: Vec<String> = containers.iter().map(|c| c.name.clone()).collect();
        let mut out = LogPrinter::new(
            &spec.name,
            &names,
            !args.no_log_prefix,
            args.no_color,
            &global.ansi,
        );
        let (tx, mut rx) = mpsc::unbounded_channel();
        let mut following: HashSet<String> = HashSet::new();
        let mut last_stop: std::collections::HashMap<String, String> = std::collections::HashMap::new();
        // Subscribe before reading, so a container started meanwhile is not missed.
        let mut starts = args.follow.then(|| logs::starts(&engine, &spec.name));
        for n in &names {
            following.insert(n.clone());
            tokio::spawn(logs::follow(engine.clone(), n.clone(), opts.clone(), tx.clone()));
        }
        let wanted = |service: &str| args.services.is_empty() || args.services.iter().any(|s| s == service);
        let mut open = names.len();
        loop {
            tokio::select! {
                ev = rx.recv() => match ev {
                    Some(LogEvent::Ended { container }) => {
                        following.remove(&container);
                        if starts.is_some() {
                            // Whatever a later run writes comes after this.
                            if let Some(t) = engine.finished_at(&container).await {
                                last_stop.insert(container.clone(), t);
                            }
                        }
                        open -= 1;
                        if open == 0 && starts.is_none() {
                            break;
                        }
                    }
                    Some(ev) => {
                        if !out.print(&ev) {
                            break;
                        }
                    }
                    None => break,
                },
                Some(name) = async { match starts.as_mut() { Some(s) => s.recv().await, None => None } } => {
                    if following.contains(&name) {
                        continue;
                    }
                    let service = engine.project_containers(&spec.name, true).await?
                        .into_iter()
                        .find(|c| c.name == name)
                        .map(|c| c.service);
                    if service.as_deref().is_some_and(wanted) {
                        following.insert(name.clone());
                        open += 1;
                        // Only this run: its log holds the earlier runs too.
                        let after = last_stop.get(&name).cloned();
                        let from_start = LogOptions { after, tail: None, ..opts.clone() };
                        tokio::spawn(logs::follow(engine.clone(), name, from_start, tx.clone()));
                    }
                }
                _ = interrupts.next() => return Ok(130),
            }
        }
        Ok(0)
    });
    Ok(exit_status(result, printer))
}
