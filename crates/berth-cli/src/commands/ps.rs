//! `berth ps`: the project's containers, as Docker Compose lists them.

use crate::cli::{GlobalArgs, PsArgs};
use crate::commands::engine::{connect, runtime};
use crate::commands::{load_options, load_project};
use crate::printer::Printer;

pub fn run(global: &GlobalArgs, args: &PsArgs, printer: &mut Printer) -> anyhow::Result<u8> {
    if args.format != "table" && args.format != "json" {
        printer.error(&format!("unsupported format {:?}", args.format));
        return Ok(1);
    }
    let opts = load_options(global)?;
    let Some(project) = load_project(&opts, printer) else {
        return Ok(1);
    };
    let rt = runtime()?;
    let listed = rt.block_on(async {
        let engine = connect().await?;
        engine
            .project_containers(&project.name, args.all || !args.status.is_empty())
            .await
    });
    let mut containers = match listed {
        Ok(c) => c,
        Err(e) => {
            printer.error(&e.to_string());
            return Ok(1);
        }
    };
    containers.retain(|c| {
        (args.services.is_empty() || args.services.contains(&c.service))
            && (args.status.is_empty() || args.status.contains(&c.state))
    });
    containers.sort_by(|a, b| a.name.cmp(&b.name));
    let mut out = String::new();
    if args.quiet {
        for c in &containers {
            out.push_str(&c.id);
            out.push('\n');
        }
    } else if args.list_services {
        let mut names: Vec<&str> = containers.iter().map(|c| c.service.as_str()).collect();
        names.dedup();
        for n in names {
            out.push_str(n);
            out.push('\n');
        }
    } else if args.format == "json" {
        for c in &containers {
            out.push_str(&json_line(c));
            out.push('\n');
        }
    } else {
        out = table(&containers);
    }
    printer.out(&out)?;
    Ok(0)
}

fn ports(c: &berth_engine::client::Observed) -> String {
    let mut items: Vec<String> = c
        .ports
        .iter()
        .map(|p| {
            let proto = p.typ.map_or_else(|| "tcp".to_string(), |t| t.to_string());
            match (p.ip.as_deref(), p.public_port) {
                (Some(ip), Some(public)) => {
                    format!("{ip}:{public}->{}/{proto}", p.private_port)
                }
                _ => format!("{}/{proto}", p.private_port),
            }
        })
        .collect();
    items.sort();
    items.dedup();
    items.join(", ")
}

fn table(containers: &[berth_engine::client::Observed]) -> String {
    let header = [
        "NAME", "IMAGE", "COMMAND", "SERVICE", "CREATED", "STATUS", "PORTS",
    ];
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(0));
    let rows: Vec<Vec<String>> = containers
        .iter()
        .map(|c| {
            vec![
                c.name.clone(),
                c.image.clone(),
                format!("\"{}\"", truncate(&c.command, 20)),
                c.service.clone(),
                ago(now - c.created),
                c.status.clone(),
                ports(c),
            ]
        })
        .collect();
    let mut widths: Vec<usize> = header.iter().map(|h| h.len()).collect();
    for r in &rows {
        for (i, cell) in r.iter().enumerate() {
            widths[i] = widths[i].max(cell.chars().count());
        }
    }
    let mut out = String::new();
    let mut line = |cells: Vec<String>| {
        let last = cells.len() - 1;
        let mut l = String::new();
        for (i, cell) in cells.into_iter().enumerate() {
            if i == last {
                l.push_str(&cell);
            } else {
                l.push_str(&format!("{cell:<w$}   ", w = widths[i]));
            }
        }
        out.push_str(l.trim_end());
        out.push('\n');
    };
    line(header.iter().map(|h| (*h).to_string()).collect());
    for r in rows {
        line(r);
    }
    out
}

fn truncate(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_string()
    } else {
        format!("{}…", s.chars().take(n - 1).collect::<String>())
    }
}

/// Docker's "N units ago".
fn ago(secs: i64) -> String {
    let s = secs.max(0);
    let (n, unit) = match s {
        0..=59 => (s, "second"),
        60..=3599 => (s / 60, "minute"),
        3600..=86_399 => (s / 3600, "hour"),
        _ => (s / 86_400, "day"),
    };
    if n == 1 && unit != "second" {
        format!(
            "About a{} {unit} ago",
            if unit == "hour" { "n" } else { "" }
        )
    } else {
        format!("{n} {unit}s ago")
    }
}

fn json_line(c: &berth_engine::client::Observed) -> String {
    let esc = |s: &str| {
        let mut o = String::from('"');
        for ch in s.chars() {
            match ch {
                '"' => o.push_str("\\\""),
                '\\' => o.push_str("\\\\"),
                '\n' => o.push_str("\\n"),
                c if (c as u32) < 0x20 => o.push_str(&format!("\\u{:04x}", c as u32)),
                c => o.push(c),
            }
        }
        o.push('"');
        o
    };
    let health = if c.status.contains("(healthy)") {
        "healthy"
    } else if c.status.contains("(unhealthy)") {
        "unhealthy"
    } else if c.status.contains("(health: starting)") {
        "starting"
    } else {
        ""
    };
    let project = c
        .labels
        .get(berth_engine::labels::PROJECT)
        .cloned()
        .unwrap_or_default();
    format!(
        "{{\"Command\":{},\"ExitCode\":0,\"Health\":{},\"ID\":{},\"Image\":{},\"Name\":{},\"Names\":{},\"Ports\":{},\"Project\":{},\"Service\":{},\"State\":{},\"Status\":{}}}",
        esc(&format!("\"{}\"", c.command)),
        esc(health),
        esc(&c.id),
        esc(&c.image),
        esc(&c.name),
        esc(&c.name),
        esc(&ports(c)),
        esc(&project),
        esc(&c.service),
        esc(&c.state),
        esc(&c.status),
    )
}
