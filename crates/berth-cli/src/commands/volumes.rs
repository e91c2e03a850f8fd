//! `berth volumes [SERVICE...]`: the project's volumes as Docker Compose lists them (the
//! Docker CLI's volume formatter: `DRIVER  VOLUME NAME`, `-q`, `--format json|TEMPLATE`);
//! `volumes backup` and `volumes restore` are in `volume_backup`.

use crate::cli::{GlobalArgs, VolumesArgs, VolumesCommand};
use crate::commands::engine::{connect, runtime, Target};
use crate::printer::Printer;
use crate::template::{self, Context, Format, Row, TValue};

const CONTEXT: Context = Context {
    type_name: "volume",
    headers: &[
        ("Availability", "AVAILABILITY"),
        ("Driver", "DRIVER"),
        ("Group", "GROUP"),
        ("Labels", "LABELS"),
        ("Links", "LINKS"),
        ("Mountpoint", "MOUNTPOINT"),
        ("Name", "VOLUME NAME"),
        ("Scope", "SCOPE"),
        ("Size", "SIZE"),
        ("Status", "STATUS"),
    ],
};

pub fn run(global: &GlobalArgs, args: &VolumesArgs, printer: &mut Printer) -> anyhow::Result<u8> {
    match &args.command {
        Some(VolumesCommand::Backup(a)) => return super::volume_backup::backup(global, a, printer),
        Some(VolumesCommand::Restore(a)) => return super::volume_backup::restore(a, printer),
        None => {}
    }
    let format = match template::parse(&args.format) {
        Ok(f) => f,
        Err(e) => {
            printer.error(&e);
            return Ok(1);
        }
    };
    let Some(target) = Target::resolve(global, &args.services, printer)? else {
        return Ok(1);
    };
    let (spec, _) = match target.spec()? {
        Ok(pair) => pair,
        Err(e) => {
            printer.error(&e.to_string());
            return Ok(1);
        }
    };
    let listed = runtime()?.block_on(async {
        let engine = connect().await?;
        let volumes = engine.project_volumes(target.name()).await?;
        Ok::<_, berth_engine::EngineError>(volumes)
    });
    let mut volumes = match listed {
        Ok(v) => v,
        Err(e) => {
            printer.error(&e.to_string());
            return Ok(1);
        }
    };
    // Service arguments: only the volumes those services mount.
    if !args.services.is_empty() {
        volumes.retain(|v| {
            spec.services
                .iter()
                .any(|s| args.services.contains(&s.name) && s.volumes.contains(&v.name))
        });
    }
    let mut out = String::new();
    if args.quiet {
        for v in &volumes {
            out.push_str(&v.name);
            out.push('\n');
        }
    } else {
        let rows: Vec<Row> = volumes.iter().map(row).collect();
        let format = match format {
            Format::Table => template::parse("table {{.Driver}}\\t{{.Name}}").unwrap_or(format),
            other => other,
        };
        match template::render(&format, &CONTEXT, &rows) {
            Ok(text) => out = text,
            Err(e) => {
                printer.error(&e);
                return Ok(1);
            }
        }
    }
    printer.out(&out)?;
    Ok(0)
}

fn row(v: &berth_engine::client::Volume) -> Row {
    let mut labels: Vec<(String, String)> = v
        .labels
        .iter()
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    labels.sort();
    let joined: Vec<String> = labels.iter().map(|(k, v)| format!("{k}={v}")).collect();
    let na = || TValue::str("N/A");
    Row {
        fields: vec![
            ("Availability", na()),
            ("Driver", TValue::str(v.driver.clone())),
            ("Group", na()),
            ("Labels", TValue::str(joined.join(","))),
            ("Links", na()),
            ("Mountpoint", TValue::str(v.mountpoint.clone())),
            ("Name", TValue::str(v.name.clone())),
            (
                "Scope",
                TValue::str(
                    v.scope
                        .map_or_else(|| "local".to_string(), |s| s.to_string()),
                ),
            ),
            ("Size", na()),
            ("Status", na()),
        ],
        labels,
    }
}
