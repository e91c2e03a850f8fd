//! `berth stats [SERVICE]`: the resource use of the project's containers, as the Docker CLI's
//! `stats` shows it (`--no-stream` for one reading; otherwise redrawn as readings come).

use berth_engine::client::Observed;
use berth_engine::stats::{binary_size, decimal_size, Sample};
use berth_engine::EngineError;

use crate::cli::{GlobalArgs, StatsArgs};
use crate::commands::engine::{connect, runtime, Target};
use crate::printer::Printer;
use crate::template::{self, Context, Format, Row, TValue};

const CONTEXT: Context = Context {
    type_name: "stats",
    headers: &[
        ("BlockIO", "BLOCK I/O"),
        ("CPUPerc", "CPU %"),
        ("Container", "CONTAINER"),
        ("ID", "CONTAINER ID"),
        ("MemPerc", "MEM %"),
        ("MemUsage", "MEM USAGE / LIMIT"),
        ("Name", "NAME"),
        ("NetIO", "NET I/O"),
        ("PIDs", "PIDS"),
    ],
};

const TABLE: &str =
    "table {{.ID}}\\t{{.Name}}\\t{{.CPUPerc}}\\t{{.MemUsage}}\\t{{.MemPerc}}\\t{{.NetIO}}\\t{{.BlockIO}}\\t{{.PIDs}}";

fn row(c: &Observed, s: &Sample, no_trunc: bool) -> Row {
    let id = if no_trunc {
        c.id.clone()
    } else {
        c.id.chars().take(12).collect()
    };
    Row {
        fields: vec![
            (
                "BlockIO",
                TValue::str(format!(
                    "{} / {}",
                    decimal_size(s.block_read),
                    decimal_size(s.block_write)
                )),
            ),
            ("CPUPerc", TValue::str(format!("{:.2}%", s.cpu_percent))),
            ("Container", TValue::str(c.id.clone())),
            ("ID", TValue::str(id)),
            ("MemPerc", TValue::str(format!("{:.2}%", s.memory_percent))),
            (
                "MemUsage",
                TValue::str(format!(
                    "{} / {}",
                    binary_size(s.memory),
                    binary_size(s.memory_limit)
                )),
            ),
            ("Name", TValue::str(c.name.clone())),
            (
                "NetIO",
                TValue::str(format!(
                    "{} / {}",
                    decimal_size(s.net_rx),
                    decimal_size(s.net_tx)
                )),
            ),
            ("PIDs", TValue::str(s.pids.to_string())),
        ],
        labels: Vec::new(),
    }
}

pub fn run(global: &GlobalArgs, args: &StatsArgs, printer: &mut Printer) -> anyhow::Result<u8> {
    let format = match template::parse(&args.format) {
        Ok(Format::Table) => template::parse(TABLE).map_err(anyhow::Error::msg)?,
        Ok(f) => f,
        Err(e) => {
            printer.error(&e);
            return Ok(1);
        }
    };
    let services: Vec<String> = args.service.iter().cloned().collect();
    let Some(target) = Target::resolve(global, &services, printer)? else {
        return Ok(1);
    };
    let redraw = !args.no_stream && crate::terminal::stdout_is_tty();
    let rt = runtime()?;
    loop {
        let read = rt.block_on(async {
            let engine = connect().await?;
            let mut containers = engine.project_containers(target.name(), args.all).await?;
            containers.retain(|c| args.service.as_ref().is_none_or(|s| &c.service == s));
            // Newest first, as the engine lists them.
            containers.sort_by(|a, b| b.created.cmp(&a.created).then(a.name.cmp(&b.name)));
            let mut set = tokio::task::JoinSet::new();
            for (i, c) in containers.iter().enumerate() {
                let engine = engine.clone();
                let id = c.id.clone();
                let running = c.state == "running";
                set.spawn(async move {
                    let s = if running {
                        berth_engine::stats::sample(&engine, &id).await?
                    } else {
                        None
                    };
                    Ok::<_, EngineError>((i, s.unwrap_or_default()))
                });
            }
            let mut samples = vec![Sample::default(); containers.len()];
            while let Some(r) = set.join_next().await {
                let (i, s) = r.map_err(|e| EngineError::Other(format!("task failed: {e}")))??;
                if let Some(slot) = samples.get_mut(i) {
                    *slot = s;
                }
            }
            Ok::<_, EngineError>(
                containers
                    .iter()
                    .zip(&samples)
                    .map(|(c, s)| row(c, s, args.no_trunc))
                    .collect::<Vec<Row>>(),
            )
        });
        let rows = match read {
            Ok(r) => r,
            Err(e) => {
                printer.error(&e.to_string());
                return Ok(1);
            }
        };
        let text = match template::render(&format, &CONTEXT, &rows) {
            Ok(t) => t,
            Err(e) => {
                printer.error(&e);
                return Ok(1);
            }
        };
        if redraw {
            printer.out(&format!("\x1b[2J\x1b[H{text}"))?;
        } else {
            printer.out(&text)?;
        }
        if args.no_stream {
            return Ok(0);
        }
    }
}
