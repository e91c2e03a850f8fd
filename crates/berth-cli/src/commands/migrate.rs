//! `berth migrate OLD NEW`: how the named volumes of one project layout carry over to the
//! next (`berth_engine::migrate` plans it), with their sizes as the engine has them and the
//! downtime to expect; with `--yes`, carrying the data out: the old project stopped, each
//! volume to copy backed up and copied into the new project's volume (every file checked),
//! the new project brought up, and on a failure the old project started again. Nothing is
//! deleted.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use berth_engine::backup;
use berth_engine::migrate::{self, Sizes};
use berth_engine::ops::{self, Op};
use berth_model::Project;

use super::diff::files_of;
use super::{load_options, load_project};
use crate::cli::{GlobalArgs, MigrateArgs};
use crate::commands::engine::{connect, connected, runtime};
use crate::commands::lifecycle::selected;
use crate::printer::{Printer, StderrProgress};

/// Loads one side: its base file and every overlay beside it (or the files listed), merged;
/// named as its own files name it (`-p` names neither side).
fn side(
    global: &GlobalArgs,
    arg: &str,
    printer: &mut Printer,
) -> anyhow::Result<Option<(Project, Vec<PathBuf>)>> {
    let (base, overlays) = match files_of(arg) {
        Ok(f) => f,
        Err(e) => {
            printer.error(&e);
            return Ok(None);
        }
    };
    let mut opts = load_options(global)?;
    opts.project_name = None;
    opts.files = std::iter::once(base).chain(overlays).collect();
    Ok(load_project(&opts, printer).map(|p| (p, opts.files.clone())))
}

/// `NEW=OLD` pairs.
fn choices(args: &MigrateArgs) -> Result<Vec<(String, String)>, String> {
    args.sources
        .iter()
        .map(|s| {
            s.split_once('=')
                .filter(|(n, o)| !n.is_empty() && !o.is_empty())
                .map(|(n, o)| (n.to_string(), o.to_string()))
                .ok_or_else(|| format!("--source {s}: expected NEW_VOLUME=OLD_VOLUME"))
        })
        .collect()
}

/// The size of each of `names` on the engine (`None` for one it does not have); empty when
/// the engine does not answer.
fn sizes(names: &[String]) -> Sizes {
    let Ok(rt) = runtime() else {
        return Sizes::new();
    };
    rt.block_on(async {
        let Ok(engine) = connect().await else {
            return Sizes::new();
        };
        let Ok(on_engine) = engine.volume_sizes().await else {
            return Sizes::new();
        };
        names
            .iter()
            .map(|n| {
                let found = on_engine.get(n);
                (n.clone(), found.map(|s| s.unwrap_or(0)))
            })
            .collect()
    })
}

pub fn run(global: &GlobalArgs, args: &MigrateArgs, printer: &mut Printer) -> anyhow::Result<u8> {
    if !matches!(args.format.as_str(), "human" | "json" | "markdown") {
        printer.error(&format!(
            "invalid --format value {:?}: expected human, json or markdown",
            args.format
        ));
        return Ok(1);
    }
    let choices = match choices(args) {
        Ok(c) => c,
        Err(e) => {
            printer.error(&e);
            return Ok(1);
        }
    };
    if let Some(dir) = &args.rollback {
        return rollback(dir, args.wait_timeout, printer);
    }
    let (Some(old_arg), Some(new_arg)) = (&args.old, &args.new) else {
        printer.error("berth migrate needs OLD and NEW (or --rollback BACKUP_DIR)");
        return Ok(1);
    };
    let Some((old, old_files)) = side(global, old_arg, printer)? else {
        return Ok(1);
    };
    let Some((new, new_files)) = side(global, new_arg, printer)? else {
        return Ok(1);
    };
    let plan = match migrate::plan(&old, &new, &choices) {
        Ok(p) => p,
        Err(e) => {
            printer.error(&e.to_string());
            return Ok(1);
        }
    };
    let mut names: Vec<String> = plan
        .steps
        .iter()
        .flat_map(|s| match &s.action {
            migrate::Action::Keep { from } | migrate::Action::Copy { from, .. } => {
                vec![from.name.clone()]
            }
            migrate::Action::Choose { candidates } => {
                candidates.iter().map(|(c, _)| c.name.clone()).collect()
            }
            migrate::Action::Create => Vec::new(),
        })
        .collect();
    names.extend(plan.dropped.iter().map(|(v, _)| v.name.clone()));
    let sizes = sizes(&names);
    // The old services stop within their longest grace period (10 s unless they say).
    let grace = old
        .services()
        .map(|s| {
            s.settings()
                .stop_grace_period
                .and_then(|d| d.nanos)
                .map_or(10, |ns| (ns + 999_999_999) / 1_000_000_000)
        })
        .max()
        .unwrap_or(0);
    let downtime = migrate::expected_downtime(&plan, &sizes, u64::try_from(grace).unwrap_or(0));
    // With --yes, JSON is one document at the end: the plan and the outcome.
    let json_at_end = args.yes && args.format == "json";
    if !json_at_end {
        let text = match args.format.as_str() {
            "json" => migrate::json(&plan, &sizes, downtime),
            "markdown" => migrate::markdown(&plan, &sizes, downtime),
            _ => migrate::human(&plan, &sizes, downtime),
        };
        printer.out(&text)?;
    }
    if args.dry_run {
        return Ok(0);
    }
    if !args.yes {
        printer.error("nothing done: pass --yes to carry the data out (--dry-run only plans)");
        return Ok(1);
    }
    if let Some(step) = plan.undecided().next() {
        printer.error(&format!(
            "nothing done: volume {} has several sources; choose one with --source {}=OLD",
            step.target.key, step.target.key
        ));
        return Ok(1);
    }
    let dir = args.backup_dir.clone().unwrap_or_else(|| {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        PathBuf::from(format!("berth-migrate-{}-to-{}-{now}", old.name, new.name))
    });
    let sides = Sides {
        old: &old,
        old_files: &old_files,
        new: &new,
        new_files: &new_files,
    };
    let format = match args.format.as_str() {
        "json" => Output::Json(migrate::plan_json(&plan, &sizes, downtime)),
        "markdown" => Output::Markdown,
        _ => Output::Human,
    };
    execute(&sides, &plan, &dir, args.wait_timeout, format, printer)
}

/// Both projects, with the files each was loaded from.
struct Sides<'a> {
    old: &'a Project,
    old_files: &'a [PathBuf],
    new: &'a Project,
    new_files: &'a [PathBuf],
}

/// One step of the migration, said with how long it took.
fn step(what: &str, started: Instant) {
    crate::printer::err_line(&format!(
        " Migrate  {what}  {:.1}s",
        started.elapsed().as_secs_f64()
    ));
}

/// Runs `berth -f FILE... -p NAME ARGS...` (this very program): whether it succeeded.
fn berth(files: &[PathBuf], name: &str, args: &[&str]) -> std::io::Result<bool> {
    let mut c = std::process::Command::new(std::env::current_exe()?);
    for f in files {
        c.arg("-f").arg(f);
    }
    // Its output goes to our standard error: our standard output is the outcome.
    c.args(["-p", name])
        .args(args)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::from(std::io::stderr()));
    Ok(c.status()?.success())
}

/// Carries the data out as `plan` says; on a failure after the old project stopped, stops the
/// new one and starts the old one again, on its volumes, which nothing has written to.
fn execute(
    sides: &Sides,
    plan: &migrate::Plan,
    dir: &Path,
    wait_timeout: u64,
    format: Output,
    printer: &mut Printer,
) -> anyhow::Result<u8> {
    let begun = Instant::now();
    let old_spec = berth_engine::spec::project_spec(sides.old);
    let new_spec = berth_engine::spec::project_spec(sides.new);
    std::fs::create_dir_all(dir)?;
    let Some((rt, engine)) = connected(printer)? else {
        return Ok(1);
    };
    let copies: Vec<(migrate::VolumeRef, migrate::VolumeRef)> =
        plan.copies().map(|(f, t)| (f.clone(), t.clone())).collect();
    // Before anything changes: the new volumes to fill must be empty, and the old ones there.
    let exists = |name: &str| rt.block_on(engine.docker.inspect_volume(name)).is_ok();
    let mut present = Vec::new();
    for (from, to) in copies {
        if exists(&to.name) {
            let filled = rt.block_on(async {
                let helper = backup::Helper::new(&engine, &to.name).await?;
                let files = helper.records(&dir.join("check.tar")).await;
                helper.remove().await;
                let files = files?;
                Ok::<_, berth_engine::EngineError>(files.iter().any(|f| f.path != "."))
            });
            if filled.unwrap_or(true) {
                printer.error(&format!(
                    "nothing done: volume {} of the new project already holds data",
                    to.name
                ));
                return Ok(1);
            }
        }
        if exists(&from.name) {
            present.push((from, to));
        } else {
            crate::printer::err_line(&format!(
                " Migrate  {} is not on the engine: {} starts empty",
                from.name, to.name
            ));
        }
    }
    let copies = present;
    // The journal: what `--rollback` needs later.
    let absolute = |files: &[PathBuf]| -> Vec<PathBuf> {
        files
            .iter()
            .map(|f| std::fs::canonicalize(f).unwrap_or_else(|_| f.clone()))
            .collect()
    };
    let journal = serde_json::json!({
        "old": {"project": sides.old.name, "files": absolute(sides.old_files)},
        "new": {"project": sides.new.name, "files": absolute(sides.new_files)},
        "copies": copies.iter().map(|(f, t)| serde_json::json!({
            "from": f.name, "to": t.name, "backup": format!("{}.tar", f.name),
        })).collect::<Vec<_>>(),
    });
    std::fs::write(
        dir.join("journal.json"),
        serde_json::to_string_pretty(&journal)? + "\n",
    )?;

    // The old project stops: the downtime starts.
    let t = Instant::now();
    let stopped = rt.block_on(async {
        let running: Vec<_> = selected(&engine, &old_spec, &[])
            .await?
            .into_iter()
            .filter(|c| c.state == "running")
            .collect();
        if !running.is_empty() {
            ops::apply(
                &engine,
                &old_spec,
                &running,
                &Op::Stop { timeout: None },
                Arc::new(StderrProgress),
            )
            .await?;
        }
        Ok::<_, berth_engine::EngineError>(running)
    });
    let stopped = match stopped {
        Ok(s) => s,
        Err(e) => {
            printer.error(&format!("stopping {}: {e}", sides.old.name));
            return Ok(1);
        }
    };
    let down_at = Instant::now();
    let mut log = Log::default();
    log.step(
        format!("Stopped {} ({} containers)", sides.old.name, stopped.len()),
        t,
    );

    // Back up, copy each volume checking every file, and bring the new project up: the
    // first failure says why.
    let copy_started = Instant::now();
    let mut copied = Vec::new();
    let mut copy_time = None;
    let carried: Result<(), String> = (|| {
        for (from, to) in &copies {
            let t = Instant::now();
            let archive = dir.join(format!("{}.tar", from.name));
            let manifest = rt
                .block_on(backup::backup(
                    &engine,
                    &sides.old.name,
                    &from.key,
                    &from.name,
                    &archive,
                ))
                .map_err(|e| format!("backing up {}: {e}", from.name))?;
            log.step(
                format!("Backed up {} to {}", from.name, archive.display()),
                t,
            );
            let t = Instant::now();
            let create = new_spec
                .volumes
                .iter()
                .find(|v| v.name == to.name)
                .map(|v| v.create.clone());
            rt.block_on(async {
                if let Some(create) = create {
                    if engine.docker.inspect_volume(&to.name).await.is_err() {
                        engine
                            .docker
                            .create_volume(create)
                            .await
                            .map_err(|e| backup::RestoreError::Engine(e.into()))?;
                    }
                }
                backup::restore(&engine, &archive, Some(&to.name), false).await
            })
            .map_err(|e| format!("copying {} to {}: {e}", from.name, to.name))?;
            log.step(
                format!(
                    "Copied {} to {} ({}, every file checked)",
                    from.name,
                    to.name,
                    berth_engine::stats::decimal_size(manifest.size())
                ),
                t,
            );
            copied.push(migrate::Copied {
                from: from.name.clone(),
                to: to.name.clone(),
                bytes: manifest.size(),
                files: manifest.files.len(),
            });
        }
        copy_time = Some(copy_started.elapsed());
        let t = Instant::now();
        let timeout = wait_timeout.to_string();
        let up = berth(
            sides.new_files,
            &sides.new.name,
            &["up", "-d", "--wait", "--wait-timeout", &timeout],
        );
        if !up.unwrap_or(false) {
            return Err(format!("{} did not come up healthy", sides.new.name));
        }
        log.step(format!("Started {}", sides.new.name), t);
        Ok(())
    })();
    let downtime = carried.is_ok().then(|| down_at.elapsed().as_secs_f64());
    let ended = match carried {
        Ok(()) => migrate::Ended::Migrated,
        Err(why) => {
            printer.error(&why);
            // Back to the old project, on its volumes, which nothing has written to.
            let t = Instant::now();
            let _ = berth(sides.new_files, &sides.new.name, &["stop"]);
            let started = rt.block_on(async {
                let mut again = stopped.clone();
                for c in &mut again {
                    c.state = "exited".into();
                }
                if again.is_empty() {
                    return Ok(());
                }
                ops::apply(
                    &engine,
                    &old_spec,
                    &again,
                    &Op::Start,
                    Arc::new(StderrProgress),
                )
                .await
            });
            match started {
                Ok(()) => {
                    log.step(
                        format!(
                            "Rolled back: {} runs again on its own volumes, which nothing wrote to",
                            sides.old.name
                        ),
                        t,
                    );
                    migrate::Ended::RolledBack { why }
                }
                Err(e) => migrate::Ended::Failed {
                    why: format!("{why}; starting {} again failed too: {e}", sides.old.name),
                },
            }
        }
    };
    let bytes: u64 = copied.iter().map(|c| c.bytes).sum();
    let rate = copy_time
        .map(|t| t.as_secs_f64())
        .filter(|t| *t > 0.0)
        .map_or(0.0, |t| bytes as f64 / t);
    let outcome = migrate::Outcome {
        old_project: sides.old.name.clone(),
        new_project: sides.new.name.clone(),
        steps: log.steps,
        copied,
        downtime,
        rate,
        total: begun.elapsed().as_secs_f64(),
        ended,
        backups: dir.display().to_string(),
    };
    let text = match format {
        Output::Json(plan) => {
            let doc =
                serde_json::json!({ "plan": plan, "outcome": migrate::outcome_json(&outcome) });
            serde_json::to_string_pretty(&doc)? + "\n"
        }
        Output::Markdown => migrate::outcome_markdown(&outcome),
        Output::Human => migrate::outcome_human(&outcome),
    };
    printer.out(&text)?;
    Ok(u8::from(!matches!(outcome.ended, migrate::Ended::Migrated)))
}

/// How the outcome is written: JSON holds the plan too (one document).
enum Output {
    Human,
    Markdown,
    Json(serde_json::Value),
}

/// The steps of a migration, said as they end (with how long each took) and kept for the
/// outcome.
#[derive(Default)]
struct Log {
    steps: Vec<(String, f64)>,
}

impl Log {
    fn step(&mut self, what: String, started: Instant) {
        let secs = started.elapsed().as_secs_f64();
        step(&what, started);
        self.steps.push((what, secs));
    }
}

/// `--rollback DIR`: back to the old project of the migration whose journal is in `dir`.
fn rollback(dir: &Path, wait_timeout: u64, printer: &mut Printer) -> anyhow::Result<u8> {
    let begun = Instant::now();
    let journal: serde_json::Value = match std::fs::read_to_string(dir.join("journal.json"))
        .map_err(|e| e.to_string())
        .and_then(|t| serde_json::from_str(&t).map_err(|e| e.to_string()))
    {
        Ok(j) => j,
        Err(e) => {
            printer.error(&format!(
                "{}: no migration journal there ({e})",
                dir.join("journal.json").display()
            ));
            return Ok(1);
        }
    };
    let side = |k: &str| -> Option<(String, Vec<PathBuf>)> {
        let name = journal[k]["project"].as_str()?.to_string();
        let files = journal[k]["files"]
            .as_array()?
            .iter()
            .filter_map(|f| f.as_str().map(PathBuf::from))
            .collect();
        Some((name, files))
    };
    let (Some((old_name, old_files)), Some((new_name, new_files))) = (side("old"), side("new"))
    else {
        printer.error(&format!(
            "{}: the journal names no old and new project",
            dir.join("journal.json").display()
        ));
        return Ok(1);
    };
    let t = Instant::now();
    if !berth(&new_files, &new_name, &["stop"]).unwrap_or(false) {
        printer.error(&format!("stopping {new_name} failed"));
        return Ok(1);
    }
    step(&format!("Stopped {new_name}"), t);
    let Some((rt, engine)) = connected(printer)? else {
        return Ok(1);
    };
    for copy in journal["copies"].as_array().into_iter().flatten() {
        let (Some(from), Some(archive)) = (copy["from"].as_str(), copy["backup"].as_str()) else {
            continue;
        };
        let t = Instant::now();
        if rt.block_on(engine.docker.inspect_volume(from)).is_ok() {
            step(&format!("Kept {from}: it is still there"), t);
            continue;
        }
        match rt.block_on(backup::restore(
            &engine,
            &dir.join(archive),
            Some(from),
            false,
        )) {
            Ok(r) => step(
                &format!(
                    "Restored {from} from {archive} ({}, every file checked)",
                    berth_engine::stats::decimal_size(r.manifest.size())
                ),
                t,
            ),
            Err(e) => {
                printer.error(&format!("restoring {from}: {e}"));
                return Ok(1);
            }
        }
    }
    let t = Instant::now();
    let timeout = wait_timeout.to_string();
    if !berth(
        &old_files,
        &old_name,
        &["up", "-d", "--wait", "--wait-timeout", &timeout],
    )
    .unwrap_or(false)
    {
        printer.error(&format!("{old_name} did not come up healthy"));
        return Ok(1);
    }
    step(&format!("Started {old_name}"), t);
    printer.out(&format!(
        "Rolled back to {old_name} in {:.1} s; {new_name} is stopped, its volumes kept\n",
        begun.elapsed().as_secs_f64()
    ))?;
    Ok(0)
}
