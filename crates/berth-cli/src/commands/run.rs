//! `run` (a one-off container of a service) and `exec` (a command in a running container).

use std::sync::Arc;

use berth_engine::executor::{self, ExecOptions};
use berth_engine::oneoff::{self, ExecSpec, Resizable, RunOptions};
use berth_engine::plan::{self, RecreatePolicy, UpOptions};
use berth_engine::EngineError;

use crate::cli::{ExecArgs, GlobalArgs, RunArgs};
use crate::commands::engine::{
    connect, exit_status, known_services, orphan_policy, runtime, service_container, Target,
};
use crate::commands::{load_options, load_project};
use crate::interrupt::Interrupts;
use crate::printer::{Printer, StderrProgress};
use crate::progress::QuietProgress;
use crate::terminal::{self, RawMode};

/// `-e KEY` takes the value of `KEY` from `vars`; unset there, it is dropped, so that the
/// image's value, if any, stays (the engine would take a bare `KEY` as "unset it"), as Docker
/// Compose does.
fn resolve_env(env: &[String], vars: &indexmap::IndexMap<String, String>) -> Vec<String> {
    env.iter()
        .filter_map(|e| {
            if e.contains('=') {
                Some(e.clone())
            } else {
                vars.get(e).map(|v| format!("{e}={v}"))
            }
        })
        .collect()
}

fn signals() -> Result<Interrupts, EngineError> {
    Interrupts::install().map_err(|e| EngineError::Other(format!("signals: {e}")))
}

fn code_of(code: i64) -> u8 {
    u8::try_from(code.rem_euclid(256)).unwrap_or(1)
}

/// `--env-from-file`: each file read with the dotenv grammar, in order, before `-e`.
fn env_from_files(files: &[std::path::PathBuf]) -> Result<Vec<String>, String> {
    let mut out = Vec::new();
    for f in files {
        let text = std::fs::read_to_string(f).map_err(|e| {
            let why = if e.kind() == std::io::ErrorKind::NotFound {
                "no such file or directory".to_string()
            } else {
                e.to_string()
            };
            format!("open {}: {why}", f.display())
        })?;
        let mut sources = berth_model::SourceMap::default();
        let id = sources.add(f.clone(), text.clone().into());
        let vars = berth_loader::dotenv::parse(id, &text, &|k| std::env::var(k).ok())
            .map_err(|d| d.render(&sources))?;
        out.extend(vars.into_iter().map(|(k, v)| format!("{k}={v}")));
    }
    Ok(out)
}

pub fn run(global: &GlobalArgs, args: &RunArgs, printer: &mut Printer) -> anyhow::Result<u8> {
    if args.tty && !terminal::stdin_is_tty() {
        printer.error("the input device is not a TTY");
        return Ok(1);
    }
    if let Some(p) = args.pull.as_deref() {
        if !matches!(p, "always" | "missing" | "never" | "policy" | "build") {
            printer.error(&format!("invalid --pull option {p:?}"));
            return Ok(1);
        }
    }
    let mut env = match env_from_files(&args.env_from_file) {
        Ok(e) => e,
        Err(e) => {
            printer.error(&e);
            return Ok(1);
        }
    };
    let mut opts = load_options(global)?;
    // The service is enabled whatever its profiles, as in Docker Compose.
    opts.enable = vec![args.service.clone()];
    let Some(project) = load_project(&opts, printer) else {
        return Ok(1);
    };
    // `-e KEY` takes its value from the project's environment: the shell, then `--env-file`,
    // `.env` and `COMPOSE_ENV_FILES`; unset there, the image's own value stays.
    env.extend(resolve_env(&args.env, &project.environment));
    let full = berth_engine::spec::project_spec(&project);
    let Some(service) = full
        .services
        .iter()
        .find(|s| s.name == args.service)
        .cloned()
    else {
        printer.error(&format!("no such service: {}", args.service));
        return Ok(1);
    };
    let Some(value) = berth_engine::spec::service_value(&project, &service.name).cloned() else {
        printer.error(&format!("no such service: {}", args.service));
        return Ok(1);
    };
    let entrypoint = match args
        .entrypoint
        .as_deref()
        .map(berth_loader::units::shell_split)
        .transpose()
    {
        Ok(e) => e,
        Err(e) => {
            printer.error(&format!("invalid --entrypoint: {e}"));
            return Ok(1);
        }
    };
    let mut labels = Vec::new();
    for l in &args.label {
        let (k, v) = l.split_once('=').unwrap_or((l, ""));
        labels.push((k.to_string(), v.to_string()));
    }
    let tty = !args.no_tty && terminal::stdin_is_tty();
    let run_opts = RunOptions {
        command: (!args.command.is_empty()).then(|| args.command.clone()),
        entrypoint,
        env,
        labels,
        name: args.name.clone(),
        user: args.user.clone(),
        workdir: args.workdir.clone(),
        service_ports: args.service_ports,
        publish: args.publish.clone(),
        volumes: args.volume.clone(),
        cap_add: args.cap_add.clone(),
        cap_drop: args.cap_drop.clone(),
        use_aliases: args.use_aliases,
        auto_remove: args.rm && args.detach,
        tty,
        interactive: args.interactive,
    };
    // What the one-off depends on comes up first (as `up -d` would), unless `--no-deps`; the
    // networks and volumes always.
    let mut deps = full.clone();
    if args.no_deps {
        deps.services.clear();
    } else {
        deps.select(std::slice::from_ref(&service.name), false)
            .map_err(anyhow::Error::msg)?;
        deps.services.retain(|s| s.name != service.name);
    }
    let known = known_services(&project);
    let project = Arc::new(project);
    let rt = runtime()?;
    let result: Result<u8, EngineError> = rt.block_on(async {
        let mut interrupts = signals()?;
        let engine = connect().await?;
        let mut needed = deps.services.clone();
        needed.push(service.clone());
        let policy = berth_engine::build::ImagePolicy {
            force_build: args.build,
            pull: args.pull.clone().filter(|p| p != "policy"),
            ..berth_engine::build::ImagePolicy::default()
        };
        let image_progress: &dyn berth_engine::progress::Progress =
            if args.quiet || args.quiet_pull || args.quiet_build {
                &QuietProgress
            } else {
                &StderrProgress
            };
        let image_ids = berth_engine::build::ensure_images(
            &engine,
            &deps.name,
            &needed,
            &policy,
            image_progress,
        )
        .await?;
        let observed = engine.project_containers(&deps.name, true).await?;
        let up_opts = UpOptions {
            recreate: RecreatePolicy::Diverged,
            ..UpOptions::default()
        };
        let mut plan = plan::plan_up(&deps, &known, &observed, &image_ids, &up_opts);
        // Finished one-off containers count as orphans, as in Docker Compose.
        plan.orphans.extend(
            engine
                .one_off_containers(&deps.name, true)
                .await?
                .into_iter()
                .filter(|c| matches!(c.state.as_str(), "exited" | "dead")),
        );
        let exec_opts = ExecOptions {
            remove_orphans: orphan_policy(&project, args.remove_orphans).0,
            ignore_orphans: orphan_policy(&project, args.remove_orphans).1,
            ..ExecOptions::default()
        };
        executor::up(
            &engine,
            &project,
            &deps,
            &plan,
            &exec_opts,
            if args.quiet {
                Arc::new(QuietProgress) as Arc<dyn berth_engine::progress::Progress>
            } else {
                Arc::new(StderrProgress)
            },
        )
        .await?;
        // What the providers it depends on set.
        let mut run_opts = run_opts;
        let mut env = executor::provided_env(&service, &exec_opts.provided);
        env.append(&mut run_opts.env);
        run_opts.env = env;
        // The one-off's own networks, those its dependencies did not need (the volumes are
        // all there by now).
        let mut own = deps.clone();
        own.networks
            .retain(|n| !deps.services.iter().any(|s| s.networks.contains(&n.name)));
        own.services = vec![service.clone()];
        executor::ensure_networks(&engine, &project, &own, &StderrProgress).await?;
        let image_id = image_ids.get(&service.image).map(String::as_str);
        let (id, _name) =
            oneoff::create_one_off(&engine, &project, &service, &value, image_id, &run_opts)
                .await?;
        if args.detach {
            oneoff::start(&engine, &id).await?;
            crate::printer::out_line(&id);
            return Ok(0);
        }
        let io = oneoff::attach(&engine, &id, run_opts.interactive).await?;
        if let Err(e) = oneoff::start(&engine, &id).await {
            if args.rm {
                let _ = oneoff::remove(&engine, &id).await;
            }
            return Err(e);
        }
        let raw = if tty { RawMode::enable() } else { None };
        let resize = tty.then(|| Resizable::Container(id.clone()));
        let session = terminal::pump(&engine, io, run_opts.interactive, resize);
        tokio::pin!(session);
        loop {
            tokio::select! {
                () = &mut session => break,
                // Without a TTY, signals go on to the container (with one, keys arrive as typed).
                sig = interrupts.next() => oneoff::signal(&engine, &id, sig).await,
            }
        }
        drop(raw);
        let code = engine.wait_exit_code(&id).await?;
        if args.rm {
            oneoff::remove(&engine, &id).await?;
        }
        Ok(code_of(code))
    });
    Ok(exit_status(result, printer))
}

pub fn exec(global: &GlobalArgs, args: &ExecArgs, printer: &mut Printer) -> anyhow::Result<u8> {
    let Some(target) = Target::resolve(global, std::slice::from_ref(&args.service), printer)?
    else {
        return Ok(1);
    };
    let tty = !args.no_tty && terminal::stdin_is_tty();
    let exec_spec = ExecSpec {
        command: args.command.clone(),
        env: resolve_env(&args.env, &std::env::vars().collect()),
        user: args.user.clone(),
        workdir: args.workdir.clone(),
        privileged: args.privileged,
        tty,
        detach: args.detach,
    };
    let rt = runtime()?;
    let result: Result<u8, EngineError> = rt.block_on(async {
        let mut interrupts = signals()?;
        let engine = connect().await?;
        let target =
            service_container(&engine, target.name(), &args.service, args.index, true).await?;
        let (exec_id, io) = oneoff::exec(&engine, &target.id, &exec_spec).await?;
        if engine.dry_run {
            let quoted: Vec<String> = exec_spec.command.iter().map(|a| format!("{a:?}")).collect();
            crate::printer::err_line(&format!(
                " DRY-RUN MODE - Executing command [{}] in {} (detached mode)",
                quoted.join(" "),
                target.id
            ));
        }
        let Some(io) = io else { return Ok(0) };
        let raw = if tty { RawMode::enable() } else { None };
        let resize = tty.then(|| Resizable::Exec(exec_id.clone()));
        let session = terminal::pump(&engine, io, true, resize);
        tokio::pin!(session);
        tokio::select! {
            () = &mut session => {}
            _ = interrupts.next() => {}
        }
        drop(raw);
        // The output can end a moment before the engine records the exit code.
        for _ in 0..50 {
            if let Some(code) = oneoff::exec_exit_code(&engine, &exec_id).await? {
                return Ok(code_of(code));
            }
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
        Ok(0)
    });
    Ok(exit_status(result, printer))
}
