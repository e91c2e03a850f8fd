//! `berth volumes backup` and `berth volumes restore`: a project's named volumes to tar
//! archives with a manifest of every file, and back (see `berth_engine::backup`).

use std::sync::Arc;

use berth_engine::backup::{self, Manifest};
use berth_engine::ops::{self, Op};
use berth_engine::progress::Progress as _;
use berth_engine::spec::VolumeSpec;

use crate::cli::{GlobalArgs, VolumesBackupArgs, VolumesRestoreArgs};
use crate::commands::engine::{connect, connected, runtime};
use crate::commands::lifecycle::{project_spec, selected};
use crate::printer::{Printer, StderrProgress};

/// `3 files, 2 folders, 1 link, 4.2MB`.
fn summary(m: &Manifest) -> String {
    let (files, dirs, links) = m.counts();
    let plural =
        |n: usize, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
    format!(
        "{}, {}, {}, {}",
        plural(files, "file", "files"),
        plural(dirs, "folder", "folders"),
        plural(links, "link", "links"),
        berth_engine::stats::decimal_size(m.size())
    )
}

/// The volumes `wanted` names (by key or engine name), all the project's own when none.
fn chosen<'s>(volumes: &'s [VolumeSpec], wanted: &[String]) -> Result<Vec<&'s VolumeSpec>, String> {
    if wanted.is_empty() {
        return Ok(volumes.iter().filter(|v| !v.external).collect());
    }
    wanted
        .iter()
        .map(|w| {
            volumes
                .iter()
                .find(|v| v.key == *w || v.name == *w)
                .ok_or_else(|| {
                    let known: Vec<&str> = volumes.iter().map(|v| v.key.as_str()).collect();
                    if known.is_empty() {
                        format!("no such volume: {w} (the project has no named volumes)")
                    } else {
                        format!(
                            "no such volume: {w} (the project's volumes: {})",
                            known.join(", ")
                        )
                    }
                })
        })
        .collect()
}

pub fn backup(
    global: &GlobalArgs,
    args: &VolumesBackupArgs,
    printer: &mut Printer,
) -> anyhow::Result<u8> {
    let Some((spec, _)) = project_spec(global, &[], printer)? else {
        return Ok(1);
    };
    let volumes = match chosen(&spec.volumes, &args.volumes) {
        Ok(v) => v,
        Err(e) => {
            printer.error(&e);
            return Ok(1);
        }
    };
    if volumes.is_empty() {
        printer.error("the project has no volumes of its own to back up");
        return Ok(1);
    }
    let rt = runtime()?;
    let outcome = rt.block_on(async {
        let engine = connect().await?;
        // The services that write to a chosen volume, stopped while it is read (those that
        // only read it go on).
        let names: Vec<&str> = volumes.iter().map(|v| v.name.as_str()).collect();
        let users: Vec<String> = spec
            .services
            .iter()
            .filter(|s| {
                s.volumes
                    .iter()
                    .any(|v| names.contains(&v.as_str()) && !s.read_only_volumes.contains(v))
            })
            .map(|s| s.name.clone())
            .collect();
        let running: Vec<_> = if users.is_empty() {
            Vec::new()
        } else {
            selected(&engine, &spec, &users)
                .await?
                .into_iter()
                .filter(|c| c.state == "running")
                .collect()
        };
        if args.live {
            for c in &running {
                StderrProgress.warning(&format!(
                    "backing up while {} runs: the copy of what it writes may be inconsistent",
                    c.name
                ));
            }
        } else if !running.is_empty() {
            let progress = Arc::new(StderrProgress);
            ops::apply(
                &engine,
                &spec,
                &running,
                &Op::Stop { timeout: None },
                progress,
            )
            .await?;
        }
        let mut made = Vec::new();
        let mut failed = None;
        for v in &volumes {
            let out = args.output.join(format!("{}.tar", v.name));
            match backup::backup(&engine, &spec.name, &v.key, &v.name, &out).await {
                Ok(m) => made.push((m, out)),
                Err(e) => {
                    failed = Some(e);
                    break;
                }
            }
        }
        // Started again whatever happened.
        if !args.live && !running.is_empty() {
            let progress = Arc::new(StderrProgress);
            let mut stopped = Vec::new();
            for c in &running {
                let mut c = c.clone();
                c.state = "exited".into();
                stopped.push(c);
            }
            ops::apply(&engine, &spec, &stopped, &Op::Start, progress).await?;
        }
        Ok::<_, berth_engine::EngineError>((made, failed))
    });
    let (made, failed) = match outcome {
        Ok(pair) => pair,
        Err(e) => {
            printer.error(&e.to_string());
            return Ok(1);
        }
    };
    for (m, out) in &made {
        printer.out(&format!(
            "{}: {} -> {} (sha256 {})\n",
            m.name,
            summary(m),
            out.display(),
            &m.sha256[..12.min(m.sha256.len())]
        ))?;
    }
    if let Some(e) = failed {
        printer.error(&e.to_string());
        return Ok(1);
    }
    Ok(0)
}

pub fn restore(args: &VolumesRestoreArgs, printer: &mut Printer) -> anyhow::Result<u8> {
    let Some((rt, engine)) = connected(printer)? else {
        return Ok(1);
    };
    rt.block_on(async {
        for archive in &args.archives {
            match backup::restore(&engine, archive, None, args.force).await {
                Ok(r) => {
                    printer.out(&format!(
                        "{}: {} restored from {}{}; every file checked against the manifest\n",
                        r.name,
                        summary(&r.manifest),
                        archive.display(),
                        if r.created { " (volume created)" } else { "" }
                    ))?;
                    if !r.kept.is_empty() {
                        StderrProgress.warning(&format!(
                            "{}: {} entries the backup does not have were left in place: {}",
                            r.name,
                            r.kept.len(),
                            r.kept
                                .iter()
                                .take(5)
                                .cloned()
                                .collect::<Vec<_>>()
                                .join(", ")
                        ));
                    }
                }
                Err(e) => {
                    printer.error(&e.to_string());
                    return Ok(1);
                }
            }
        }
        Ok(0)
    })
}
