//! `port`, `top`, `images`, `ls` and `wait`: what the engine says about a project's
//! containers, in Docker Compose's formats.

use std::collections::BTreeMap;

use berth_engine::client::Observed;
use berth_engine::EngineError;

use crate::cli::{GlobalArgs, ImagesArgs, LsArgs, PortArgs, ServicesArgs, WaitArgs};
use crate::commands::engine::{connect, runtime};
use crate::commands::lifecycle::{project_spec, selected};
use crate::printer::Printer;
use crate::table::json_str;
use crate::table::tabwrite;

/// Runs `f` on the engine; an error is printed and gives exit status 1.
fn on_engine<T>(
    printer: &mut Printer,
    f: impl std::future::Future<Output = Result<T, EngineError>>,
) -> anyhow::Result<Result<T, u8>> {
    let rt = runtime()?;
    Ok(rt.block_on(f).map_err(|e| {
        printer.error(&e.to_string());
        1
    }))
}

pub fn port(global: &GlobalArgs, args: &PortArgs, printer: &mut Printer) -> anyhow::Result<u8> {
    let protocol = args.protocol.to_ascii_lowercase();
    if protocol != "tcp" && protocol != "udp" && protocol != "sctp" {
        printer.error(&format!(
            "invalid --protocol {:?}: expected tcp or udp",
            args.protocol
        ));
        return Ok(1);
    }
    let Ok(private) = args.private_port.parse::<u16>() else {
        printer.error(&format!(
            "invalid port {:?}: expected a container port number",
            args.private_port
        ));
        return Ok(1);
    };
    let Some((spec, _)) = project_spec(global, std::slice::from_ref(&args.service), printer)?
    else {
        return Ok(1);
    };
    let found = on_engine(printer, async {
        let engine = connect().await?;
        let containers = selected(&engine, &spec, std::slice::from_ref(&args.service)).await?;
        containers
            .into_iter()
            .find(|c| c.number == args.index)
            .ok_or_else(|| {
                // Docker Compose's words, the same as `exec`'s.
                let which = if args.index == 1 {
                    String::new()
                } else {
                    format!(" container #{}", args.index)
                };
                EngineError::Other(format!("service {:?} is not running{which}", args.service))
            })
    })?;
    let c = match found {
        Ok(c) => c,
        Err(code) => return Ok(code),
    };
    let proto =
        |p: &berth_engine::client::Port| p.typ.map_or_else(|| "tcp".to_string(), |t| t.to_string());
    if let Some(p) = c
        .ports
        .iter()
        .find(|p| p.private_port == private && proto(p) == protocol && p.public_port.is_some())
    {
        let ip = p.ip.as_deref().unwrap_or("");
        let host = if ip.contains(':') {
            format!("[{ip}]")
        } else {
            ip.to_string()
        };
        printer.out(&format!("{host}:{}\n", p.public_port.unwrap_or(0)))?;
        return Ok(0);
    }
    let have: Vec<String> = c
        .ports
        .iter()
        .filter_map(|p| p.public_port.map(|pp| format!("{pp}/{}", proto(p))))
        .collect();
    printer.error(&format!(
        "no port {private}/{protocol} for container {}: {}",
        c.name,
        if have.is_empty() {
            "it publishes none".to_string()
        } else {
            have.join(", ")
        }
    ));
    Ok(1)
}

pub fn top(global: &GlobalArgs, args: &ServicesArgs, printer: &mut Printer) -> anyhow::Result<u8> {
    let Some((spec, _)) = project_spec(global, &args.services, printer)? else {
        return Ok(1);
    };
    let tables = on_engine(printer, async {
        let engine = connect().await?;
        let mut out = Vec::new();
        for c in selected(&engine, &spec, &args.services).await? {
            if c.state == "running" {
                let t = engine.top(&c.id).await?;
                out.push((c, t));
            }
        }
        Ok(out)
    })?;
    let tables = match tables {
        Ok(t) => t,
        Err(code) => return Ok(code),
    };
    let mut rows: Vec<Vec<String>> = Vec::new();
    for (c, (titles, procs)) in tables {
        if rows.is_empty() {
            let mut head = vec!["SERVICE".to_string(), "#".to_string()];
            head.extend(titles);
            rows.push(head);
        }
        for p in procs {
            let mut r = vec![c.service.clone(), c.number.to_string()];
            r.extend(p);
            rows.push(r);
        }
    }
    if !rows.is_empty() {
        printer.out(&tabwrite(&rows, 4, 2))?;
    }
    Ok(0)
}

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

pub fn images(global: &GlobalArgs, args: &ImagesArgs, printer: &mut Printer) -> anyhow::Result<u8> {
    if args.format != "table" && args.format != "json" {
        // Docker Compose's words: its `ls` and `images` take no Go templates.
        printer.error(&format!(
            "format value {:?} could not be parsed: parsing failed (expected table or json)",
            args.format
        ));
        return Ok(1);
    }
    let Some((spec, _)) = project_spec(global, &args.services, printer)? else {
        return Ok(1);
    };
    let found = on_engine(printer, async {
        let engine = connect().await?;
        let mut out = Vec::new();
        for c in selected(&engine, &spec, &args.services).await? {
            let reference = c.image_id.clone().unwrap_or_else(|| c.image.clone());
            let info = engine.image_info(&reference).await?;
            out.push((c, info));
        }
        Ok(out)
    })?;
    let found = match found {
        Ok(f) => f,
        Err(code) => return Ok(code),
    };
    let split = |c: &Observed, info: &berth_engine::client::ImageInfo| -> (String, String) {
        // The tag the container was created from (`busybox` is `busybox:latest`), before any
        // other tag of the same image.
        let tagged = c.image.rsplit('/').next().is_some_and(|l| l.contains(':'));
        let exact = if tagged {
            c.image.clone()
        } else {
            format!("{}:latest", c.image)
        };
        let tag = info
            .repo_tags
            .iter()
            .find(|t| **t == exact || **t == c.image)
            .or_else(|| {
                info.repo_tags
                    .iter()
                    .find(|t| t.starts_with(&format!("{}:", c.image)))
            })
            .or(info.repo_tags.first())
            .cloned()
            .unwrap_or_default();
        match tag.rsplit_once(':') {
            Some((r, t)) if !t.contains('/') => (r.to_string(), t.to_string()),
            _ => (tag, String::new()),
        }
    };
    let mut out = String::new();
    if args.quiet {
        let mut ids: Vec<String> = found
            .iter()
            .map(|(_, i)| i.id.trim_start_matches("sha256:").to_string())
            .collect();
        ids.dedup();
        for id in ids {
            out.push_str(&id);
            out.push('\n');
        }
    } else if args.format == "json" {
        let items: Vec<String> = found
            .iter()
            .map(|(c, i)| {
                let (repo, tag) = split(c, i);
                format!(
                    "{{\"ID\":{},\"ContainerName\":{},\"Repository\":{},\"Tag\":{},\"Platform\":{},\"Size\":{},\"LastTagTime\":{}}}",
                    json_str(&i.id),
                    json_str(&c.name),
                    json_str(&repo),
                    json_str(&tag),
                    json_str(&i.platform),
                    i.size,
                    json_str(&i.last_tag_time)
                )
            })
            .collect();
        // The reference ends this one with an empty line.
        out = format!("[{}]\n\n", items.join(","));
    } else {
        let mut rows = vec![[
            "CONTAINER",
            "REPOSITORY",
            "TAG",
            "PLATFORM",
            "IMAGE ID",
            "SIZE",
            "CREATED",
        ]
        .iter()
        .map(|s| (*s).to_string())
        .collect::<Vec<_>>()];
        for (c, i) in &found {
            let (repo, tag) = split(c, i);
            // Docker Compose shows when the image was last tagged, when it was.
            let tagged = berth_engine::logs::parse_time(&i.last_tag_time, 0)
                .ok()
                .filter(|t| *t > 0);
            let created = tagged
                .or_else(|| berth_engine::logs::parse_time(&i.created, 0).ok())
                .unwrap_or(0);
            rows.push(vec![
                c.name.clone(),
                repo,
                tag,
                i.platform.clone(),
                i.id.trim_start_matches("sha256:")
                    .chars()
                    .take(12)
                    .collect(),
                berth_engine::stats::decimal_size(u64::try_from(i.size).unwrap_or(0)),
                format!("{} ago", crate::table::human_duration(now() - created)),
            ]);
        }
        out = tabwrite(&rows, 20, 3);
    }
    printer.out(&out)?;
    Ok(0)
}

pub fn ls(args: &LsArgs, printer: &mut Printer) -> anyhow::Result<u8> {
    if args.format != "table" && args.format != "json" {
        // Docker Compose's words: its `ls` and `images` take no Go templates.
        printer.error(&format!(
            "format value {:?} could not be parsed: parsing failed (expected table or json)",
            args.format
        ));
        return Ok(1);
    }
    let mut names = Vec::new();
    for f in &args.filter {
        if let Some(("name", v)) = f.split_once('=') {
            names.push(v.to_string());
        } else {
            printer.error(&format!(
                "invalid filter {f:?}: only name=NAME is supported"
            ));
            return Ok(1);
        }
    }
    let containers = match on_engine(printer, async {
        connect().await?.compose_containers(args.all).await
    })? {
        Ok(c) => c,
        Err(code) => return Ok(code),
    };
    // Project → (state → count, config files).
    let mut projects: BTreeMap<String, (BTreeMap<String, usize>, String)> = BTreeMap::new();
    for c in &containers {
        let Some(p) = c.labels.get(berth_engine::labels::PROJECT) else {
            continue;
        };
        if !names.is_empty() && !names.iter().any(|n| p.contains(n.as_str())) {
            continue;
        }
        let e = projects.entry(p.clone()).or_default();
        *e.0.entry(c.state.clone()).or_default() += 1;
        if e.1.is_empty() {
            e.1 = c
                .labels
                .get(berth_engine::labels::CONFIG_FILES)
                .cloned()
                .unwrap_or_default();
        }
    }
    let status = |states: &BTreeMap<String, usize>| {
        states
            .iter()
            .map(|(s, n)| format!("{s}({n})"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let mut out = String::new();
    if args.quiet {
        for p in projects.keys() {
            out.push_str(p);
            out.push('\n');
        }
    } else if args.format == "json" {
        let items: Vec<String> = projects
            .iter()
            .map(|(p, (states, files))| {
                format!(
                    "{{\"Name\":{},\"Status\":{},\"ConfigFiles\":{}}}",
                    json_str(p),
                    json_str(&status(states)),
                    json_str(files)
                )
            })
            .collect();
        out = format!("[{}]\n", items.join(","));
    } else {
        let mut rows = vec![vec![
            "NAME".to_string(),
            "STATUS".to_string(),
            "CONFIG FILES".to_string(),
        ]];
        for (p, (states, files)) in &projects {
            rows.push(vec![p.clone(), status(states), files.clone()]);
        }
        out = tabwrite(&rows, 20, 3);
    }
    printer.out(&out)?;
    Ok(0)
}

/// `wait`: blocks until the running containers of the services stop; the exit code is the
/// first one to stop's (with `--down-project`, the project is then taken down).
pub fn wait(global: &GlobalArgs, args: &WaitArgs, printer: &mut Printer) -> anyhow::Result<u8> {
    let Some((spec, known)) = project_spec(global, &args.services, printer)? else {
        return Ok(1);
    };
    let result = on_engine(printer, async {
        let engine = connect().await?;
        let running: Vec<Observed> = selected(&engine, &spec, &args.services)
            .await?
            .into_iter()
            .filter(|c| c.state == "running")
            .collect();
        if running.is_empty() {
            return Err(EngineError::Other(format!(
                "no containers for project {:?}",
                spec.name
            )));
        }
        let mut set = tokio::task::JoinSet::new();
        for c in running {
            let engine = engine.clone();
            set.spawn(async move {
                let code = engine.wait_exit_code(&c.id).await;
                (c.id, code)
            });
        }
        let mut first = None;
        while let Some(r) = set.join_next().await {
            let (id, code) = r.map_err(|e| EngineError::Other(format!("task failed: {e}")))?;
            let code = code?;
            crate::printer::out_line(&format!("container {id:?} exited with status code {code}"));
            if first.is_none() {
                first = Some(code);
                if args.down_project {
                    set.abort_all();
                    let opts = berth_engine::executor::DownOptions::default();
                    berth_engine::executor::down(
                        &engine,
                        &spec,
                        &known,
                        &opts,
                        std::sync::Arc::new(crate::printer::StderrProgress),
                    )
                    .await?;
                    break;
                }
            }
        }
        Ok(first.unwrap_or(0))
    })?;
    match result {
        Ok(code) => Ok(u8::try_from(code.rem_euclid(256)).unwrap_or(1)),
        Err(code) => Ok(code),
    }
}
