//! `start`, `stop`, `restart`, `kill`, `pause`, `unpause` and `rm`: operations on the
//! containers a project already has.

use std::collections::HashSet;
use std::io::{BufRead, IsTerminal, Write};
use std::sync::Arc;

use berth_engine::client::Observed;
use berth_engine::executor::{self, ExecOptions};
use berth_engine::ops::{self, Op};
use berth_engine::plan::{Plan, ServicePlan, Step};
use berth_engine::progress::{Phase, Progress, Resource, Status};
use berth_engine::spec::ProjectSpec;

use crate::cli::{GlobalArgs, KillArgs, RestartArgs, RmArgs, ServicesArgs, StopArgs};
use crate::commands::engine::{connect, runtime, Target};
use crate::printer::{Printer, StderrProgress};

/// The target project's spec, after checking that every named service of a loaded project
/// exists (a project known only by name has whatever services its containers say, and each
/// command treats a name it does not hold as Docker Compose does).
pub fn project_spec(
    global: &GlobalArgs,
    services: &[String],
    printer: &mut Printer,
) -> anyhow::Result<Option<(ProjectSpec, HashSet<String>)>> {
    let Some(target) = Target::resolve(global, services, printer)? else {
        return Ok(None);
    };
    let (spec, known) = match target.spec()? {
        Ok(pair) => pair,
        Err(e) => {
            printer.error(&e.to_string());
            return Ok(None);
        }
    };
    if let Target::Loaded(_) = target {
        if let Some(bad) = services
            .iter()
            .find(|n| !spec.services.iter().any(|s| &s.name == *n))
        {
            printer.error(&format!("no such service: {bad}"));
            return Ok(None);
        }
    }
    Ok(Some((spec, known)))
}

/// Runs `op` on the containers of `services` (all when empty) that it applies to.
fn run_op(
    global: &GlobalArgs,
    services: &[String],
    op: &Op,
    printer: &mut Printer,
) -> anyhow::Result<u8> {
    let Some((spec, _)) = project_spec(global, services, printer)? else {
        return Ok(1);
    };
    let rt = runtime()?;
    let result = rt.block_on(async {
        let engine = connect().await?;
        let containers = selected(&engine, &spec, services).await?;
        let targets: Vec<Observed> = containers
            .into_iter()
            .filter(|c| op.applies_to(&c.state))
            .collect();
        if targets.is_empty() {
            if let Op::Kill { .. } = op {
                crate::printer::err_line("no container to kill");
            }
            return Ok(());
        }
        ops::apply(&engine, &spec, &targets, op, Arc::new(StderrProgress)).await
    });
    Ok(finish(result, printer))
}

/// The project's containers (stopped ones included) of `services`, all when empty.
pub async fn selected(
    engine: &berth_engine::Engine,
    spec: &ProjectSpec,
    services: &[String],
) -> Result<Vec<Observed>, berth_engine::EngineError> {
    let mut containers = engine.project_containers(&spec.name, true).await?;
    containers.retain(|c| {
        if services.is_empty() {
            spec.services.iter().any(|s| s.name == c.service)
        } else {
            services.contains(&c.service)
        }
    });
    containers.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(containers)
}

fn finish(result: Result<(), berth_engine::EngineError>, printer: &mut Printer) -> u8 {
    match result {
        Ok(()) => 0,
        Err(e) => {
            printer.error(&e.to_string());
            1
        }
    }
}

pub fn stop(global: &GlobalArgs, args: &StopArgs, printer: &mut Printer) -> anyhow::Result<u8> {
    run_op(
        global,
        &args.services,
        &Op::Stop {
            timeout: args.timeout,
        },
        printer,
    )
}

pub fn kill(global: &GlobalArgs, args: &KillArgs, printer: &mut Printer) -> anyhow::Result<u8> {
    run_op(
        global,
        &args.services,
        &Op::Kill {
            signal: Some(args.signal.clone()),
        },
        printer,
    )
}

pub fn pause(
    global: &GlobalArgs,
    args: &ServicesArgs,
    printer: &mut Printer,
) -> anyhow::Result<u8> {
    run_op(global, &args.services, &Op::Pause, printer)
}

pub fn unpause(
    global: &GlobalArgs,
    args: &ServicesArgs,
    printer: &mut Printer,
) -> anyhow::Result<u8> {
    run_op(global, &args.services, &Op::Unpause, printer)
}

/// `restart`: the named services, and those that declare `depends_on: {restart: true}` on
/// them (unless `--no-deps`).
pub fn restart(
    global: &GlobalArgs,
    args: &RestartArgs,
    printer: &mut Printer,
) -> anyhow::Result<u8> {
    let Some((spec, _)) = project_spec(global, &args.services, printer)? else {
        return Ok(1);
    };
    // Also for a project known only by name, as Docker Compose checks it.
    if let Some(bad) = args
        .services
        .iter()
        .find(|n| !spec.services.iter().any(|s| &s.name == *n))
    {
        printer.error(&format!("no such service: {bad}"));
        return Ok(1);
    }
    let mut services: Vec<String> = args.services.clone();
    if !args.no_deps && !services.is_empty() {
        let mut i = 0;
        while i < services.len() {
            let dep = services[i].clone();
            for s in &spec.services {
                if !services.contains(&s.name)
                    && s.depends_on.iter().any(|d| d.restart && d.service == dep)
                {
                    services.push(s.name.clone());
                }
            }
            i += 1;
        }
    }
    run_op(
        global,
        &services,
        &Op::Restart {
            timeout: args.timeout,
        },
        printer,
    )
}

/// `start`: starts the existing containers of the services and of their dependencies, in
/// dependency order and honouring `depends_on` conditions, as `up` does.
pub fn start(
    global: &GlobalArgs,
    args: &ServicesArgs,
    printer: &mut Printer,
) -> anyhow::Result<u8> {
    let Some(target) = Target::resolve(global, &args.services, printer)? else {
        return Ok(1);
    };
    let project = match target {
        Target::Loaded(p) => *p,
        Target::Named(_) => return start_named(&target, &args.services, printer),
    };
    let mut spec = berth_engine::spec::project_spec(&project);
    if let Err(e) = spec.select(&args.services, false) {
        printer.error(&e);
        return Ok(1);
    }
    let project = Arc::new(project);
    let rt = runtime()?;
    let result = rt.block_on(async {
        let engine = connect().await?;
        let containers = selected(&engine, &spec, &[]).await?;
        // A service without containers is skipped, as Docker Compose skips it (`up` creates
        // containers, `start` does not); nothing waits on it.
        let mut spec = spec;
        spec.services
            .retain(|s| containers.iter().any(|c| c.service == s.name));
        let mut plan = Plan {
            services: Vec::new(),
            orphans: Vec::new(),
        };
        for s in &spec.services {
            let steps: Vec<Step> = containers
                .iter()
                .filter(|c| c.service == s.name)
                .map(|c| Step::Keep {
                    id: c.id.clone(),
                    name: c.name.clone(),
                    number: c.number,
                    running: c.state == "running",
                })
                .collect();
            plan.services.push(ServicePlan {
                service: s.name.clone(),
                steps,
                image_id: None,
                restart_for_dependency: false,
            });
        }
        let quiet_running = Arc::new(SkipRunning);
        executor::up(
            &engine,
            &project,
            &spec,
            &plan,
            &ExecOptions::default(),
            quiet_running,
        )
        .await
    });
    Ok(finish(result, printer))
}

/// `start` of a project known only by name: its stopped containers started, dependencies
/// first, as their labels order them.
fn start_named(target: &Target, services: &[String], printer: &mut Printer) -> anyhow::Result<u8> {
    let mut spec = match target.spec()? {
        Ok((spec, _)) => spec,
        Err(e) => {
            printer.error(&e.to_string());
            return Ok(1);
        }
    };
    if let Some(bad) = services
        .iter()
        .find(|n| !spec.services.iter().any(|s| &s.name == *n))
    {
        printer.error(&format!("no such service: {bad:?}: not found"));
        return Ok(1);
    }
    if let Err(e) = spec.select(services, false) {
        printer.error(&e);
        return Ok(1);
    }
    let rt = runtime()?;
    let result = rt.block_on(async {
        let engine = connect().await?;
        let targets: Vec<Observed> = selected(&engine, &spec, &[])
            .await?
            .into_iter()
            .filter(|c| Op::Start.applies_to(&c.state))
            .collect();
        ops::apply(
            &engine,
            &spec,
            &targets,
            &Op::Start,
            Arc::new(StderrProgress),
        )
        .await
    });
    Ok(finish(result, printer))
}

/// `start` does not report containers that were already running.
struct SkipRunning;

impl Progress for SkipRunning {
    fn event(&self, resource: Resource, name: &str, status: &Status) {
        if *status != Status::Running {
            StderrProgress.event(resource, name, status);
        }
    }

    fn warning(&self, text: &str) {
        StderrProgress.warning(text);
    }

    fn detail(&self, id: &str, text: &str, details: &str, phase: Phase) {
        StderrProgress.detail(id, text, details, phase);
    }
}

/// `rm`: removes stopped containers (stopping them first with `-s`), after confirmation
/// unless `-f`.
pub fn rm(global: &GlobalArgs, args: &RmArgs, printer: &mut Printer) -> anyhow::Result<u8> {
    let Some((spec, _)) = project_spec(global, &args.services, printer)? else {
        return Ok(1);
    };
    let rt = runtime()?;
    let result = rt.block_on(async {
        let engine = connect().await?;
        let progress: Arc<dyn berth_engine::progress::Progress> = Arc::new(StderrProgress);
        let mut containers = selected(&engine, &spec, &args.services).await?;
        if args.stop {
            let stop = Op::Stop { timeout: None };
            let running: Vec<Observed> = containers
                .iter()
                .filter(|c| stop.applies_to(&c.state))
                .cloned()
                .collect();
            if !running.is_empty() {
                ops::apply(&engine, &spec, &running, &stop, Arc::clone(&progress)).await?;
                if engine.dry_run {
                    // Stopped, as far as the rest of the dry run knows.
                    for c in &mut containers {
                        if stop.applies_to(&c.state) {
                            c.state = "exited".into();
                        }
                    }
                } else {
                    containers = selected(&engine, &spec, &args.services).await?;
                }
            }
        }
        let op = Op::Remove {
            volumes: args.volumes,
        };
        let mut doomed: Vec<Observed> = containers
            .into_iter()
            .filter(|c| op.applies_to(&c.state))
            .collect();
        if doomed.is_empty() {
            crate::printer::err_line("No stopped containers");
            return Ok(());
        }
        // Dependents first, as Docker Compose lists them.
        doomed = berth_engine::spec::reverse_dependency_groups(&spec, &doomed)
            .into_iter()
            .flatten()
            .cloned()
            .collect();
        let names: Vec<&str> = doomed.iter().map(|c| c.name.as_str()).collect();
        let mut out = crate::printer::stdout().lock();
        if args.force {
            let _ = writeln!(out, "Going to remove {}", names.join(", "));
        } else {
            let _ = write!(
                out,
                "Going to remove {}\n? Are you sure? [y/N] ",
                names.join(", ")
            );
            let _ = out.flush();
            drop(out);
            if !confirmed() {
                return Ok(());
            }
        }
        ops::apply(&engine, &spec, &doomed, &op, progress).await
    });
    Ok(finish(result, printer))
}

/// Reads a yes/no answer from stdin; no answer (end of input, or no terminal) is "no".
fn confirmed() -> bool {
    let stdin = std::io::stdin();
    let mut line = String::new();
    match stdin.lock().read_line(&mut line) {
        Ok(0) | Err(_) => {
            if !stdin.is_terminal() {
                crate::printer::out_line("");
            }
            false
        }
        Ok(_) => matches!(line.trim(), "y" | "Y" | "yes" | "Yes" | "YES"),
    }
}
