//! `berth ps`: the project's containers, as Docker Compose lists them.

use crate::cli::{GlobalArgs, PsArgs};
use crate::commands::engine::{connect, known_services, runtime, Target};
use crate::printer::Printer;

pub fn run(global: &GlobalArgs, args: &PsArgs, printer: &mut Printer) -> anyhow::Result<u8> {
    let format = match crate::template::parse(&args.format) {
        Ok(f) => f,
        Err(e) => {
            printer.error(&e);
            return Ok(1);
        }
    };
    let mut statuses = args.status.clone();
    if let Some(f) = &args.filter {
        match f.split_once('=') {
            Some(("status", v)) => statuses = vec![v.to_string()],
            Some(_) => {
                printer.error("unknown filter name");
                return Ok(1);
            }
            None => {
                printer.error("arguments to --filter should be in form KEY=VAL");
                return Ok(1);
            }
        }
    }
    let Some(target) = Target::resolve(global, &args.services, printer)? else {
        return Ok(1);
    };
    if let Target::Loaded(p) = &target {
        let known = known_services(p);
        if let Some(bad) = args.services.iter().find(|s| !known.contains(*s)) {
            printer.error(&format!("no such service: {bad}"));
            return Ok(1);
        }
    }
    // `--orphans=false` leaves out the containers of services the loaded project does not
    // declare (a project known only by name declares what its containers say).
    let declared: Option<std::collections::HashSet<String>> = match &target {
        Target::Loaded(p) if !args.orphans => Some(known_services(p)),
        _ => None,
    };
    let rt = runtime()?;
    let listed = rt.block_on(async {
        let engine = connect().await?;
        let all = args.all || !statuses.is_empty();
        // One-off containers (`run`) are listed too, as Docker Compose does.
        let mut listed = engine.project_containers(target.name(), all).await?;
        listed.extend(engine.one_off_containers(target.name(), all).await?);
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
            && (statuses.is_empty() || statuses.contains(&c.state))
            && declared.as_ref().is_none_or(|d| d.contains(&c.service))
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
    } else if let crate::template::Format::Table = format {
        out = table(&containers, args.no_trunc);
    } else {
        let rows: Vec<crate::template::Row> =
            containers.iter().map(|c| row(c, args.no_trunc)).collect();
        match crate::template::render(&format, &CONTEXT, &rows) {
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

fn table(containers: &[berth_engine::client::Observed], no_trunc: bool) -> String {
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
                if no_trunc {
                    format!("\"{}\"", c.command)
                } else {
                    format!("\"{}\"", truncate(&c.command, 20))
                },
                c.service.clone(),
                format!("{} ago", crate::table::human_duration(now - c.created)),
                c.status.clone(),
                ports(c),
            ]
        })
        .collect();
    let mut all = vec![header.iter().map(|h| (*h).to_string()).collect::<Vec<_>>()];
    all.extend(rows);
    crate::table::tabwrite(&all, 10, 3)
}

fn truncate(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_string()
    } else {
        format!("{}…", s.chars().take(n - 1).collect::<String>())
    }
}

/// The columns of Docker's container formatter, for `table TEMPLATE`.
const CONTEXT: crate::template::Context = crate::template::Context {
    type_name: "container",
    headers: &[
        ("Command", "COMMAND"),
        ("CreatedAt", "CREATED AT"),
        ("ID", "CONTAINER ID"),
        ("Image", "IMAGE"),
        ("Labels", "LABELS"),
        ("LocalVolumes", "LOCAL VOLUMES"),
        ("Mounts", "MOUNTS"),
        ("Name", "NAME"),
        ("Networks", "NETWORKS"),
        ("Ports", "PORTS"),
        ("Project", "PROJECT"),
        ("RunningFor", "CREATED"),
        ("Service", "SERVICE"),
        ("Size", "SIZE"),
        ("State", "STATE"),
        ("Status", "STATUS"),
    ],
};

/// A container as `ps --format` sees it: the fields of Docker Compose's JSON, in its order.
fn row(c: &berth_engine::client::Observed, no_trunc: bool) -> crate::template::Row {
    use crate::template::TValue;
    let health = if c.status.contains("(healthy)") {
        "healthy"
    } else if c.status.contains("(unhealthy)") {
        "unhealthy"
    } else if c.status.contains("(health: starting)") {
        "starting"
    } else {
        ""
    };
    // `Exited (137) 2 seconds ago`: the engine's list carries the code only there.
    let exit_code = c
        .status
        .strip_prefix("Exited (")
        .and_then(|r| r.split_once(')'))
        .and_then(|(n, _)| n.parse::<i64>().ok())
        .unwrap_or(0);
    let label = |k: &str| c.labels.get(k).cloned().unwrap_or_default();
    let mut labels: Vec<(String, String)> = c
        .labels
        .iter()
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    labels.sort();
    let joined_labels: Vec<String> = labels.iter().map(|(k, v)| format!("{k}={v}")).collect();
    let mut networks = c.networks.clone();
    networks.sort();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(0));
    let publishers: Vec<TValue> = {
        let mut ports: Vec<&berth_engine::client::Port> = c.ports.iter().collect();
        ports.sort_by_key(|p| (p.private_port, p.public_port, p.ip.clone()));
        ports
            .iter()
            .map(|p| {
                TValue::Obj(vec![
                    ("URL", TValue::str(p.ip.clone().unwrap_or_default())),
                    ("TargetPort", TValue::Int(i64::from(p.private_port))),
                    (
                        "PublishedPort",
                        TValue::Int(i64::from(p.public_port.unwrap_or(0))),
                    ),
                    (
                        "Protocol",
                        TValue::str(p.typ.map_or_else(|| "tcp".to_string(), |t| t.to_string())),
                    ),
                ])
            })
            .collect()
    };
    // The Docker CLI's formatter shortens these unless --no-trunc.
    let cut = |s: &str, n: usize| {
        if no_trunc {
            s.to_string()
        } else {
            truncate(s, n)
        }
    };
    let id = if no_trunc {
        c.id.clone()
    } else {
        c.id.chars().take(12).collect()
    };
    crate::template::Row {
        fields: vec![
            (
                "Command",
                TValue::str(format!("\"{}\"", cut(&c.command, 20))),
            ),
            (
                "CreatedAt",
                TValue::str(berth_engine::logs::utc_time(
                    c.created,
                    0,
                    berth_engine::logs::TimeStyle::Go,
                )),
            ),
            ("ExitCode", TValue::Int(exit_code)),
            ("Health", TValue::str(health)),
            ("ID", TValue::str(id)),
            ("Image", TValue::str(c.image.clone())),
            ("Labels", TValue::str(joined_labels.join(","))),
            ("LocalVolumes", TValue::str(c.volumes.len().to_string())),
            (
                "Mounts",
                TValue::str(
                    c.volumes
                        .iter()
                        .map(|v| cut(v, 15))
                        .collect::<Vec<_>>()
                        .join(","),
                ),
            ),
            ("Name", TValue::str(c.name.clone())),
            ("Names", TValue::str(c.name.clone())),
            ("Networks", TValue::str(networks.join(","))),
            ("Ports", TValue::str(ports(c))),
            ("Project", TValue::str(label(berth_engine::labels::PROJECT))),
            ("Publishers", TValue::List(publishers)),
            (
                "RunningFor",
                TValue::str(format!(
                    "{} ago",
                    crate::table::human_duration(now - c.created)
                )),
            ),
            ("Service", TValue::str(c.service.clone())),
            ("Size", TValue::str("0B")),
            ("State", TValue::str(c.state.clone())),
            ("Status", TValue::str(c.status.clone())),
        ],
        labels,
    }
}
