//! `berth watch [SERVICE...]` (and `up --watch`): the services' `develop.watch` rules acted
//! on as files change, as Docker Compose does: `sync` copies the changed files into the
//! running containers (and removes the deleted ones), `restart` restarts them, `sync+restart`
//! and `sync+exec` do both, `rebuild` builds the image and recreates the service's containers.
//! Changes are found by looking every half second; a burst is taken as one.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use berth_engine::logs::LogEvent;

use berth_engine::ops::{self, Op};
use berth_engine::watch::{self, Action, Change, Rule, Snapshot};
use berth_engine::EngineError;

use crate::cli::{GlobalArgs, UpArgs, WatchArgs};
use crate::commands::engine::{connect, runtime};
use crate::commands::{load_options, load_project};
use crate::printer::{Printer, StderrProgress};

const POLL: Duration = Duration::from_millis(500);
/// Changes closer together than this are one burst.
const QUIET: Duration = Duration::from_millis(300);

pub fn run(global: &GlobalArgs, args: &WatchArgs, printer: &mut Printer) -> anyhow::Result<u8> {
    if !args.no_up {
        let up = UpArgs {
            services: args.services.clone(),
            detach: true,
            ..UpArgs::default()
        };
        let code = super::up::run(global, &up, printer)?;
        if code != 0 {
            return Ok(code);
        }
    }
    let sink = WatchSink::default();
    watch_loop(
        global,
        &args.services,
        args.quiet,
        args.prune,
        &sink,
        printer,
    )
}

/// Where a watch says what it does (`Watch enabled`, `Syncing service …`), and what stops it.
#[derive(Clone, Debug, Default)]
pub struct WatchSink {
    /// Attached `up`: the session's output, where the lines show as Docker Compose shows
    /// them (`⦿ Watch enabled`, under the containers' prefixes); otherwise standard error.
    pub lines: Option<tokio::sync::mpsc::UnboundedSender<LogEvent>>,
    /// Set to stop watching (the navigation menu's `w`).
    pub stop: Arc<AtomicBool>,
}

impl WatchSink {
    fn say(&self, text: &str) {
        match &self.lines {
            Some(tx) => {
                let _ = tx.send(LogEvent::Line {
                    container: crate::logprint::WATCH.into(),
                    stderr: false,
                    text: text.to_string(),
                });
            }
            None => crate::printer::err_line(text),
        }
    }

    fn stopped(&self) -> bool {
        self.stop.load(Ordering::Relaxed)
    }
}

/// Watches until the process is stopped, or `sink.stop` is set (then says `Watch disabled`).
pub fn watch_loop(
    global: &GlobalArgs,
    services: &[String],
    quiet: bool,
    prune: bool,
    sink: &WatchSink,
    printer: &mut Printer,
) -> anyhow::Result<u8> {
    let mut opts = load_options(global)?;
    opts.enable = services.to_vec();
    let Some(project) = load_project(&opts, printer) else {
        return Ok(1);
    };
    let rules = watch::rules(&project, services);
    if rules.is_empty() {
        printer.error(
            "none of the selected services is configured for watch, consider setting a 'develop' section",
        );
        return Ok(1);
    }
    let spec = berth_engine::spec::project_spec(&project);
    let rt = runtime()?;
    let mut snapshots: Vec<Snapshot> = rules.iter().map(watch::snapshot).collect();
    // `initial_sync`: what is there goes in first, once the service has a running container
    // (with `up --watch`, it may not have one yet).
    let mut pending: Vec<usize> = rules
        .iter()
        .enumerate()
        .filter(|(_, r)| r.initial_sync && r.action.syncs())
        .map(|(i, _)| i)
        .collect();
    let mut initial_sync = |snapshots: &[Snapshot], printer: &mut Printer| {
        pending.retain(|&i| {
            let rule = &rules[i];
            let all: Vec<Change> = snapshots[i]
                .keys()
                .map(|rel| Change {
                    rel: rel.clone(),
                    removed: false,
                })
                .collect();
            match rt.block_on(async {
                let engine = connect().await?;
                if running(&engine, &spec.name, &rule.service)
                    .await?
                    .is_empty()
                {
                    return Ok(false);
                }
                sync(&spec.name, rule, &all).await.map(|()| true)
            }) {
                Ok(done) => !done,
                Err(e) => {
                    printer.error(&e.to_string());
                    false
                }
            }
        });
    };
    initial_sync(&snapshots, printer);
    sink.say("Watch enabled");
    loop {
        std::thread::sleep(POLL);
        if sink.stopped() {
            sink.say("Watch disabled");
            return Ok(0);
        }
        initial_sync(&snapshots, printer);
        // Per rule, what changed in this burst.
        let mut burst: BTreeMap<usize, Vec<Change>> = BTreeMap::new();
        loop {
            let mut any = false;
            for (i, rule) in rules.iter().enumerate() {
                let now = watch::snapshot(rule);
                let ch = watch::changes(&snapshots[i], &now);
                if !ch.is_empty() {
                    any = true;
                    let entry = burst.entry(i).or_default();
                    for c in ch {
                        entry.retain(|e| e.rel != c.rel);
                        entry.push(c);
                    }
                    snapshots[i] = now;
                }
            }
            if !any {
                break;
            }
            std::thread::sleep(QUIET);
        }
        let mut rebuild: Vec<String> = Vec::new();
        for (i, changes) in burst {
            let rule = &rules[i];
            match rule.action {
                Action::Rebuild => {
                    if !rebuild.contains(&rule.service) {
                        rebuild.push(rule.service.clone());
                    }
                }
                action => {
                    let r = rt.block_on(async {
                        if action.syncs() {
                            sink.say(&format!(
                                "Syncing service {:?} after {} changes were detected",
                                rule.service,
                                changes.len()
                            ));
                            sync(&spec.name, rule, &changes).await?;
                        }
                        match action {
                            Action::Restart | Action::SyncRestart => {
                                sink.say(&format!("service {:?} restarted", rule.service));
                                restart(&spec, &rule.service).await
                            }
                            Action::SyncExec => exec(&spec.name, rule).await,
                            _ => Ok(()),
                        }
                    });
                    if let Err(e) = r {
                        printer.error(&e.to_string());
                    }
                }
            }
        }
        if !rebuild.is_empty() {
            let names: Vec<String> = rebuild.iter().map(|s| format!("{s:?}")).collect();
            sink.say(&format!(
                "Rebuilding service(s) [{}] after changes were detected...",
                names.join(" ")
            ));
            let old_images = rt.block_on(image_ids(&spec, &rebuild));
            let up = UpArgs {
                services: rebuild.clone(),
                detach: true,
                build: true,
                no_deps: true,
                quiet_build: quiet,
                ..UpArgs::default()
            };
            if super::up::run(global, &up, printer)? == 0 {
                sink.say(&format!(
                    "service(s) [{}] successfully built",
                    names.join(" ")
                ));
                if prune {
                    rt.block_on(prune_images(old_images));
                }
            }
        }
    }
}

/// The containers of `service` that run now.
async fn running(
    engine: &berth_engine::Engine,
    project: &str,
    service: &str,
) -> Result<Vec<berth_engine::client::Observed>, EngineError> {
    let mut c = engine.project_containers(project, false).await?;
    c.retain(|c| c.service == service);
    Ok(c)
}

async fn sync(project: &str, rule: &Rule, changes: &[Change]) -> Result<(), EngineError> {
    let Some(target) = &rule.target else {
        return Ok(());
    };
    let engine = connect().await?;
    let dest = |rel: &str| {
        if rel.is_empty() {
            target.clone()
        } else {
            format!("{}/{rel}", target.trim_end_matches('/'))
        }
    };
    let files: Vec<(std::path::PathBuf, String)> = changes
        .iter()
        .filter(|c| !c.removed)
        .map(|c| {
            let local = if c.rel.is_empty() {
                rule.path.clone()
            } else {
                rule.path.join(&c.rel)
            };
            (local, dest(&c.rel))
        })
        .filter(|(local, _)| local.exists())
        .collect();
    let removed: Vec<String> = changes
        .iter()
        .filter(|c| c.removed)
        .map(|c| dest(&c.rel))
        .collect();
    for c in running(&engine, project, &rule.service).await? {
        if !files.is_empty() {
            berth_engine::transfer::sync_files(&engine, &c.id, &files).await?;
        }
        if !removed.is_empty() {
            let mut cmd = vec!["rm".to_string(), "-rf".to_string()];
            cmd.extend(removed.iter().cloned());
            berth_engine::transfer::exec_wait(&engine, &c.id, &cmd).await?;
        }
    }
    Ok(())
}

async fn restart(spec: &berth_engine::spec::ProjectSpec, service: &str) -> Result<(), EngineError> {
    let engine = connect().await?;
    let targets = running(&engine, &spec.name, service).await?;
    ops::apply(
        &engine,
        spec,
        &targets,
        &Op::Restart { timeout: None },
        std::sync::Arc::new(StderrProgress),
    )
    .await
}

async fn exec(project: &str, rule: &Rule) -> Result<(), EngineError> {
    let Some(cmd) = &rule.exec else {
        return Ok(());
    };
    let engine = connect().await?;
    for c in running(&engine, project, &rule.service).await? {
        let (code, written) = berth_engine::transfer::exec_wait(&engine, &c.id, cmd).await?;
        printer_bytes(&written);
        if code != 0 {
            return Err(EngineError::Other(format!(
                "service {:?}: {} exited with code {code}",
                rule.service,
                cmd.join(" ")
            )));
        }
    }
    Ok(())
}

/// The image IDs the services' containers run, before a rebuild.
async fn image_ids(spec: &berth_engine::spec::ProjectSpec, services: &[String]) -> Vec<String> {
    let Ok(engine) = connect().await else {
        return Vec::new();
    };
    let mut ids = Vec::new();
    for s in spec.services.iter().filter(|s| services.contains(&s.name)) {
        if let Ok(Some(id)) = engine.image_id(&s.image).await {
            ids.push(id);
        }
    }
    ids
}

/// `--prune`: the images a rebuild left without a name go (those still in use stay).
async fn prune_images(ids: Vec<String>) {
    let Ok(engine) = connect().await else { return };
    for id in ids {
        let _ = berth_engine::transfer::remove_dangling_image(&engine, &id).await;
    }
}

/// What a `sync+exec` command wrote, passed on to stdout.
fn printer_bytes(b: &[u8]) {
    let text = String::from_utf8_lossy(b);
    for line in text.lines() {
        crate::printer::out_line(line);
    }
}
