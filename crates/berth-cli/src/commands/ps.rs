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
        let all = args.all || !args.status.is_empty();
        // One-off containers (`run`) are listed too, as Docker Compose does.
        let mut listed = engine.project_containers(&project.name, all).await?;
        listed.extend(engine.one_off_containers(&project.name, all).await?);
        Ok::<_, berth_engine::EngineError>(listed)
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

/// The PORTS column, as the Docker CLI shows it: sorted by container port, then host IP,
/// host port and protocol; unpublished ports and ports published on the same number grouped
/// into ranges per IP and protocol (`8000-8002/tcp`); other mappings listed after them
/// (`127.0.0.1:18977->8080/tcp`, IPv6 hosts in brackets).
pub fn ports(c: &berth_engine::client::Observed) -> String {
    let proto =
        |p: &berth_engine::client::Port| p.typ.map_or_else(|| "tcp".to_string(), |t| t.to_string());
    let mut ports: Vec<&berth_engine::client::Port> = c.ports.iter().collect();
    ports.sort_by(|a, b| {
        (
            a.private_port,
            a.ip.as_deref().unwrap_or(""),
            a.public_port,
            proto(a),
        )
            .cmp(&(
                b.private_port,
                b.ip.as_deref().unwrap_or(""),
                b.public_port,
                proto(b),
            ))
    });
    // Key (IP and protocol) → (first, last) of the current run, in order of first sight.
    let mut groups: Vec<(String, String, u16, u16)> = Vec::new();
    let mut result = Vec::new();
    let mut mappings = Vec::new();
    let form = |ip: &str, proto: &str, first: u16, last: u16| {
        let range = if first == last {
            first.to_string()
        } else {
            format!("{first}-{last}")
        };
        if ip.is_empty() {
            format!("{range}/{proto}")
        } else {
            format!("{ip}:{range}->{range}/{proto}")
        }
    };
    for p in ports {
        let ip = p.ip.as_deref().unwrap_or("");
        let proto = proto(p);
        let port = p.private_port;
        if !ip.is_empty() && p.public_port != Some(port) {
            let host = if ip.contains(':') {
                format!("[{ip}]")
            } else {
                ip.to_string()
            };
            mappings.push(format!(
                "{host}:{}->{port}/{proto}",
                p.public_port.unwrap_or(0)
            ));
            continue;
        }
        match groups.iter_mut().find(|g| g.0 == ip && g.1 == proto) {
            None => groups.push((ip.to_string(), proto, port, port)),
            Some(g) if g.3.checked_add(1) == Some(port) => g.3 = port,
            Some(g) => {
                result.push(form(&g.0, &g.1, g.2, g.3));
                g.2 = port;
                g.3 = port;
            }
        }
    }
    for g in &groups {
        result.push(form(&g.0, &g.1, g.2, g.3));
    }
    result.extend(mappings);
    result.join(", ")
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
                format!("{} ago", crate::table::human_duration(now - c.created)),
                c.status.clone(),
                ports(c),
            ]
        })
        .collect();
    let mut all = vec![header.iter().map(|h| (*h).to_string()).collect::<Vec<_>>()];
    all.extend(rows);
    crate::table::tabwrite(&all, 0, 3)
}

fn truncate(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_string()
    } else {
        format!("{}…", s.chars().take(n - 1).collect::<String>())
    }
}

fn json_line(c: &berth_engine::client::Observed) -> String {
    let esc = crate::table::json_str;
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
