//! `berth up` (and `create`): create and start the project's containers, converging what
//! already runs. Attached (without `-d`), it streams the containers' output until they all
//! exit, or until Ctrl-C, which stops them.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use berth_engine::attached::{AfterExit, AttachOptions, Follow, Session};
use berth_engine::executor::{self, ExecOptions};
use berth_engine::logs::{self, LogEvent};
use berth_engine::ops::{self, Op};
use berth_engine::plan::{self, Plan, RecreatePolicy, UpOptions};
use berth_engine::progress::{Phase, Progress, Resource, Status};
use berth_engine::spec::ProjectSpec;
use berth_engine::{Engine, EngineError};
use tokio::sync::mpsc;

use crate::cli::{GlobalArgs, UpArgs};
use crate::commands::engine::{connect, exit_status, known_services, orphan_policy, runtime};
use crate::commands::{load_options, load_project};
use crate::interrupt::Interrupts;
use crate::logprint::LogPrinter;
use crate::menu::{Key, Menu};
use crate::printer::{Printer, StderrProgress};
use crate::progress::QuietProgress;

/// Checks the flags that do not need the project.
fn check_flags(args: &UpArgs) -> Result<HashMap<String, u32>, String> {
    if args.force_recreate && args.no_recreate {
        return Err("--force-recreate and --no-recreate are incompatible".into());
    }
    if args.always_recreate_deps && args.no_recreate {
        return Err("--always-recreate-deps and --no-recreate are incompatible".into());
    }
    if args.detach && args.menu == Some(true) {
        return Err("--menu and --detach are incompatible".into());
    }
    if args.build && args.no_build {
        return Err("--build and --no-build are incompatible".into());
    }
    if let Some(p) = args.pull.as_deref() {
        if !matches!(p, "always" | "missing" | "never" | "build") {
            return Err(format!("invalid --pull option {p:?}"));
        }
    }
    if args.detach
        && (args.abort_on_container_exit
            || args.abort_on_container_failure
            || args.exit_code_from.is_some()
            || !args.attach.is_empty())
    {
        return Err("--detach cannot be combined with --abort-on-container-exit, --abort-on-container-failure, --exit-code-from or --attach".into());
    }
    let mut scale = HashMap::new();
    for s in &args.scale {
        let Some((name, n)) = s.split_once('=') else {
            return Err(format!("invalid --scale value {s:?}: expected SERVICE=NUM"));
        };
        let Ok(n) = n.parse::<u32>() else {
            return Err(format!(
                "invalid --scale value {s:?}: {n:?} is not a number"
            ));
        };
        scale.insert(name.to_string(), n);
    }
    Ok(scale)
}

pub fn run(global: &GlobalArgs, args: &UpArgs, printer: &mut Printer) -> anyhow::Result<u8> {
    let scale = match check_flags(args) {
        Ok(s) => s,
        Err(e) => {
            printer.error(&e);
            return Ok(1);
        }
    };
    let attached = !(args.detach || args.wait || args.no_start);
    // A dry run has no output to attach to: it does what a detached `up` would, with the
    // attached view's events, and says why it stops there, as Docker Compose does.
    let simulated_attach = attached && global.dry_run;
    let attached = attached && !global.dry_run;
    let mut opts = load_options(global)?;
    // Named services are enabled whatever their profiles, as in Docker Compose.
    opts.enable.clone_from(&args.services);
    opts.acting_on.clone_from(&args.services);
    let Some(project) = load_project(&opts, printer) else {
        return Ok(1);
    };
    let mut spec = berth_engine::spec::project_spec(&project);
    spec.all_resources = global.all_resources;
    if global.compatibility {
        spec.compatibility_names();
    }
    if let Err(e) = spec.select(&args.services, args.no_deps) {
        printer.error(&e);
        return Ok(1);
    }
    for name in args
        .attach
        .iter()
        .chain(&args.no_attach)
        .chain(&args.exit_code_from)
    {
        if !spec.services.iter().any(|s| &s.name == name) {
            printer.error(&format!("no such service: {name}"));
            return Ok(1);
        }
    }
    let known = known_services(&project);
    // Docker Compose's `up` refuses the two orders at once, before doing anything.
    let (remove_orphans, ignore_orphans) = orphan_policy(&project, args.remove_orphans);
    if remove_orphans && ignore_orphans {
        anyhow::bail!("cannot combine COMPOSE_IGNORE_ORPHANS and --remove-orphans");
    }
    let project = Arc::new(project);
    let up_opts = UpOptions {
        recreate: if args.force_recreate {
            RecreatePolicy::Force
        } else if args.no_recreate {
            RecreatePolicy::Never
        } else {
            RecreatePolicy::Diverged
        },
        scale,
        targets: args.services.clone(),
        dependencies: if args.no_recreate {
            RecreatePolicy::Never
        } else if args.always_recreate_deps {
            RecreatePolicy::Force
        } else {
            RecreatePolicy::Diverged
        },
    };
    let exec_opts = ExecOptions {
        renew_anon_volumes: args.renew_anon_volumes,
        before_start: None,
        limit: executor::Limit::new(parallel_limit(global)),
        // An attached dry run plans the create phase only, as Docker Compose's does.
        no_start: args.no_start || simulated_attach,
        timeout: args.timeout,
        remove_orphans,
        ignore_orphans,
        wait: args.wait,
        wait_timeout: args.wait_timeout.map(std::time::Duration::from_secs),
        halt: executor::Halt::default(),
        provided: executor::Provided::default(),
    };
    let halt = exec_opts.halt.clone();
    let has_watch = !berth_engine::watch::rules(&project, &args.services).is_empty();
    let menu = (attached && menu_wanted(args)).then(|| Menu::new(has_watch.then_some(args.watch)));
    let rt = runtime()?;
    let result = rt.block_on(async {
        let mut interrupts =
            Interrupts::install().map_err(|e| EngineError::Other(format!("signals: {e}")))?;
        let engine = connect().await?;
        let images = berth_engine::build::ImagePolicy {
            force_build: args.build,
            no_build: args.no_build,
            pull: args.pull.clone(),
            build: berth_engine::build::BuildOptions::default(),
        };
        // The images, and what the engine already runs, asked for at once. Ctrl-C gives the
        // builds and pulls up (nothing is created yet), as the reference's.
        let prepared = async {
            tokio::try_join!(
                berth_engine::build::ensure_images(
                    &engine,
                    &spec.name,
                    &spec.services,
                    &images,
                    if args.quiet_pull || args.quiet_build {
                        &QuietProgress as &dyn Progress
                    } else {
                        &StderrProgress
                    },
                ),
                engine.project_containers(&spec.name, true),
                engine.one_off_containers(&spec.name, true),
            )
        };
        let (image_ids, observed, one_offs) = tokio::select! {
            r = prepared => r?,
            _ = interrupts.next() => {
                crate::progress::cancel_builds();
                return Ok(130);
            }
        };
        let mut plan = plan::plan_up(&spec, &known, &observed, &image_ids, &up_opts);
        // Finished one-off containers count as orphans, as in Docker Compose.
        plan.orphans.extend(
            one_offs
                .into_iter()
                .filter(|c| matches!(c.state.as_str(), "exited" | "dead")),
        );
        let (hook_tx, hook_rx) = mpsc::unbounded_channel();
        let exec_opts = ExecOptions {
            before_start: attached.then_some(hook_tx),
            ..exec_opts
        };
        // The attached session's output: the containers' lines, and those of their hooks.
        let (lines_tx, lines_rx) = mpsc::unbounded_channel();
        let progress = Arc::new(UpProgress {
            attached: attached || simulated_attach,
            yes: args.yes,
            created: Mutex::new(Vec::new()),
            hook_lines: attached.then(|| HookLines(lines_tx.clone())),
        });
        // Subscribe before anything starts, so no start is missed.
        let starts = attached.then(|| logs::starts(&engine, &spec.name));
        let dyn_progress: Arc<dyn Progress> = Arc::clone(&progress) as Arc<dyn Progress>;
        let up = executor::up(&engine, &project, &spec, &plan, &exec_opts, dyn_progress);
        let outcome = if attached {
            // `--watch`: the services' watch rules are acted on while `up` runs (and turned
            // on and off with the menu's `w`); its lines show with the containers'.
            let mut watch = WatchToggle {
                global: global.clone(),
                services: args.services.clone(),
                quiet: args.quiet_build,
                lines: lines_tx.clone(),
                running: None,
            };
            if args.watch {
                watch.start();
            }
            let session = Attached {
                engine: &engine,
                spec: &spec,
                args,
                ansi: &global.ansi,
                halt: &halt,
                menu,
                watch,
            };
            session
                .run(
                    up,
                    &plan,
                    hook_rx,
                    starts,
                    (lines_tx, lines_rx),
                    &mut interrupts,
                )
                .await
        } else {
            let mut up = std::pin::pin!(up);
            tokio::select! {
                r = &mut up => r.map(|()| Ended::Code(0)),
                _ = interrupts.next() => {
                    settle(&halt, up).await;
                    Ok(Ended::Interrupted(130))
                }
            }
        };
        match outcome {
            Ok(Ended::Interrupted(code)) => {
                let created = progress
                    .created
                    .lock()
                    .map(|c| c.clone())
                    .unwrap_or_default();
                interrupted(
                    &engine,
                    &spec,
                    &created,
                    &args.services,
                    args.timeout,
                    &mut interrupts,
                )
                .await?;
                Ok(code)
            }
            Ok(Ended::Code(c)) => Ok(c),
            Err(e) => Err(e),
        }
    });
    let code = exit_status(result, printer);
    if simulated_attach && code == 0 {
        crate::printer::out_line(&format!(
            "end of 'compose up' output, {}",
            EngineError::DryRunInteractive("run")
        ));
        return Ok(0);
    }
    if args.watch && !attached && code == 0 {
        let sink = super::watch::WatchSink::default();
        return super::watch::watch_loop(
            global,
            &args.services,
            args.quiet_build,
            true,
            &sink,
            printer,
        );
    }
    Ok(code)
}

/// Halts the run, and lets a start already sent to the engine finish: what comes next (stopping
/// the containers) then sees every container that will run.
async fn settle<F: std::future::Future>(halt: &executor::Halt, up: std::pin::Pin<&mut F>) {
    halt.halt();
    tokio::select! {
        _ = up => {}
        () = halt.settled() => {}
    }
}

/// How an `up` ended.
enum Ended {
    Code(u8),
    /// Ctrl-C: the containers must be stopped and the half-made ones removed; then the exit
    /// status (130 for the signal, 0 for the navigation menu's Ctrl-C, as in Docker Compose).
    Interrupted(u8),
}

/// Ctrl-C: stops the containers and removes what the run left half-made; a second Ctrl-C
/// kills instead of waiting.
async fn interrupted(
    engine: &Engine,
    spec: &ProjectSpec,
    created: &[String],
    targets: &[String],
    timeout: Option<i32>,
    interrupts: &mut Interrupts,
) -> Result<(), EngineError> {
    crate::printer::out_line("Gracefully Stopping... press Ctrl+C again to force");
    let progress: Arc<dyn Progress> = Arc::new(StderrProgress);
    let stop = ops::cleanup_interrupted(
        engine,
        spec,
        created,
        targets,
        timeout,
        Arc::clone(&progress),
    );
    tokio::select! {
        r = stop => r,
        _ = interrupts.next() => {
            let all = engine.project_containers(&spec.name, false).await?;
            ops::apply(engine, spec, &all, &Op::Kill { signal: None }, progress).await
        }
    }
}

/// Progress of `up`: prints as usual (attached mode leaves out Starting/Started, as Docker
/// Compose does), remembers what it created, and tells the attached session what started.
struct UpProgress {
    attached: bool,
    /// `-y`: every question is answered "yes" without being asked.
    yes: bool,
    created: Mutex<Vec<String>>,
    /// Attached: where the hooks' output goes, to be shown with the containers' own.
    hook_lines: Option<HookLines>,
}

/// Progress that sends what lifecycle hooks write to the attached session, which prints it
/// as Docker Compose does (`web-1 ->  | line`); the rest is printed as usual.
struct HookLines(mpsc::UnboundedSender<LogEvent>);

impl Progress for HookLines {
    fn event(&self, resource: Resource, name: &str, status: &Status) {
        StderrProgress.event(resource, name, status);
    }

    fn warning(&self, text: &str) {
        StderrProgress.warning(text);
    }

    fn detail(&self, id: &str, text: &str, details: &str, phase: Phase) {
        StderrProgress.detail(id, text, details, phase);
    }

    fn hook_output(&self, container: &str, line: &str) {
        let _ = self.0.send(LogEvent::Line {
            container: format!("{container} ->"),
            stderr: false,
            text: line.to_string(),
        });
    }
}

impl Progress for UpProgress {
    fn event(&self, resource: Resource, name: &str, status: &Status) {
        let container = resource == Resource::Container;
        if container && matches!(status, Status::Created | Status::Recreated) {
            if let Ok(mut c) = self.created.lock() {
                c.push(name.to_string());
            }
        }
        if self.attached
            && container
            && matches!(status, Status::Starting | Status::Started | Status::Running)
        {
            return;
        }
        StderrProgress.event(resource, name, status);
    }

    fn warning(&self, text: &str) {
        StderrProgress.warning(text);
    }

    fn detail(&self, id: &str, text: &str, details: &str, phase: Phase) {
        StderrProgress.detail(id, text, details, phase);
    }

    fn output(&self, line: &str) {
        StderrProgress.output(line);
    }

    fn hook_output(&self, container: &str, line: &str) {
        if let Some(lines) = &self.hook_lines {
            lines.hook_output(container, line);
        }
    }

    fn confirm(&self, question: &str) -> bool {
        self.yes || crate::progress::confirm(question)
    }
}

/// The attached session: follows the output of every container as it starts.
struct Attached<'a> {
    engine: &'a Engine,
    spec: &'a ProjectSpec,
    args: &'a UpArgs,
    ansi: &'a str,
    halt: &'a executor::Halt,
    /// The navigation menu, when shown.
    menu: Option<Menu>,
    watch: WatchToggle,
}

impl Attached<'_> {
    async fn run(
        mut self,
        up: impl std::future::Future<Output = Result<(), EngineError>>,
        plan: &Plan,
        mut before_start: mpsc::UnboundedReceiver<(String, tokio::sync::oneshot::Sender<()>)>,
        starts: Option<mpsc::UnboundedReceiver<String>>,
        (tx, mut rx): (
            mpsc::UnboundedSender<LogEvent>,
            mpsc::UnboundedReceiver<LogEvent>,
        ),
        interrupts: &mut Interrupts,
    ) -> Result<Ended, EngineError> {
        let args = self.args;
        let mut session = Session::new(
            plan,
            AttachOptions {
                services: args.services.clone(),
                attach: args.attach.clone(),
                no_attach: args.no_attach.clone(),
                attach_dependencies: args.attach_dependencies,
                abort_on_exit: args.abort_on_container_exit,
                abort_on_failure: args.abort_on_container_failure,
                exit_code_from: args.exit_code_from.clone(),
            },
        );
        let names = session.shown();
        let mut out = LogPrinter::new(
            &self.spec.name,
            &names,
            !args.no_log_prefix,
            args.no_color,
            self.ansi,
        )
        .split_streams();
        // The menu's keys, read in raw mode while the session lasts.
        let (mut keys, _raw) = match self.menu.take() {
            Some(menu) => {
                out = out.with_menu(menu);
                (Some(read_keys()), crate::terminal::RawMode::keys())
            }
            None => (None, None),
        };
        // Announced when the first container is about to start, once creation is done (as
        // Docker Compose does; on a terminal the progress view ends there).
        let mut announced = false;
        let mut starts = starts;
        let mut up = Box::pin(up);
        let mut up_done = false;
        let aborted: Option<(String, i64)>;
        loop {
            let (name, ack) = tokio::select! {
                r = &mut up, if !up_done => {
                    up_done = true;
                    if let Err(e) = r {
                        // What the hooks wrote before the failure (a post_start hook's error)
                        // is already sent: shown before the error, whichever branch won.
                        while let Ok(ev) = rx.try_recv() {
                            if matches!(ev, LogEvent::Line { .. }) {
                                out.print(&ev);
                            }
                        }
                        return Err(e);
                    }
                    if session.up_finished() {
                        return Ok(Ended::Code(0));
                    }
                    continue;
                }
                Some((n, ack)) = before_start.recv() => (n, Some(ack)),
                // A restart (restart policy): attach again. The event of a start this session
                // made can come after the container already exited (its stream ended first);
                // attaching to a stopped container would wait for a start that never comes.
                Some(n) = async { match starts.as_mut() { Some(s) => s.recv().await, None => None } } => {
                    if session.is_following(&n) || !self.engine.is_running(&n).await {
                        continue;
                    }
                    (n, None)
                }
                Some(ev) = rx.recv() => {
                    let LogEvent::Ended { container } = &ev else {
                        out.print(&ev);
                        continue;
                    };
                    if !session.is_watched(container) {
                        session.output_ended(container, false);
                        continue;
                    }
                    let (code, restarts) = self.engine.exit_state(container).await;
                    if !session.output_ended(container, restarts) {
                        continue;
                    }
                    if session.is_shown(container) {
                        out.exited(container, code);
                    }
                    match session.exited(container, code) {
                        AfterExit::Continue => continue,
                        AfterExit::Done => return Ok(Ended::Code(0)),
                        AfterExit::Abort { container, code } => {
                            aborted = Some((container, code));
                            break;
                        }
                    }
                }
                _ = interrupts.next() => {
                    if !up_done {
                        settle(self.halt, up.as_mut()).await;
                    }
                    return Ok(Ended::Interrupted(130));
                }
                Some(key) = async { match keys.as_mut() { Some(k) => k.recv().await, None => None } } => {
                    match key {
                        Key::Interrupt => {
                            out.close_menu();
                            self.watch.stop();
                            if !up_done {
                                settle(self.halt, up.as_mut()).await;
                            }
                            return Ok(Ended::Interrupted(0));
                        }
                        Key::Enter => out.redraw(true),
                        Key::ToggleWatch => {
                            if let Some(menu) = out.menu_mut() {
                                match menu.watching {
                                    None => menu.watch_not_configured(),
                                    Some(on) => {
                                        if on {
                                            self.watch.stop();
                                        } else {
                                            self.watch.start();
                                        }
                                        menu.watching = Some(!on);
                                    }
                                }
                            }
                            out.redraw(false);
                        }
                    }
                    continue;
                }
            };
            if !announced {
                out.attaching(&names);
                announced = true;
            }
            let was_done = session.is_done(&name);
            match session.starts(&name) {
                Follow::Shown => {
                    if let Err(e) =
                        logs::attach(self.engine, name.clone(), args.timestamps, tx.clone()).await
                    {
                        crate::printer::err_line(&format!("cannot attach to {name}: {e}"));
                        session.follow_failed(&name, was_done);
                    }
                }
                Follow::Quiet => {
                    // Not shown, but its exit still counts: follow without printing.
                    let quiet = tx.clone();
                    let engine = self.engine.clone();
                    let name = name.clone();
                    tokio::spawn(async move {
                        engine.wait_stopped(&name).await;
                        let _ = quiet.send(LogEvent::Ended { container: name });
                    });
                }
                Follow::No => {}
            }
            if let Some(ack) = ack {
                let _ = ack.send(());
            }
        }
        // Abort: stop everything, show the rest of the output, then exit with the code asked.
        let (_, first_code) = aborted.unwrap_or_default();
        let red = !args.no_color && std::io::IsTerminal::is_terminal(&crate::printer::stderr());
        if red {
            crate::printer::err_line("\x1b[31m\x1b[1mAborting on container exit...\x1b[0m");
        } else {
            crate::printer::err_line("Aborting on container exit...");
        }
        // Cancels what `up` still had under way (its tasks go with it), once no start is left
        // half-sent.
        if !up_done {
            settle(self.halt, up.as_mut()).await;
        }
        drop(up);
        // What the run watches is stopped (and reported, exited or not, as Docker Compose
        // reports it); dependencies of named services run on.
        let running = self
            .engine
            .project_containers(&self.spec.name, true)
            .await?;
        let running: Vec<_> = running
            .into_iter()
            .filter(|c| self.spec.services.iter().any(|s| s.name == c.service))
            .filter(|c| session.is_watched(&c.name))
            .collect();
        ops::apply(
            self.engine,
            self.spec,
            &running,
            &Op::Stop {
                timeout: args.timeout,
            },
            Arc::new(HookLines(tx.clone())),
        )
        .await?;
        drop(tx);
        // The progress of `up` keeps a sender for hook output, so the channel does not close:
        // reading ends when no watched container is followed any more.
        while session.following_watched() {
            let Some(ev) = rx.recv().await else { break };
            match &ev {
                LogEvent::Ended { container } => {
                    session.output_ended(container, false);
                    if !session.is_done(container) && session.is_shown(container) {
                        let (code, _) = self.engine.exit_state(container).await;
                        out.exited(container, code);
                    }
                }
                LogEvent::Line { .. } => {
                    out.print(&ev);
                }
            }
        }
        // What the hooks wrote last.
        while let Ok(ev) = rx.try_recv() {
            out.print(&ev);
        }
        let from = match session.exit_code_from() {
            Some(service) => {
                let containers = self
                    .engine
                    .project_containers(&self.spec.name, true)
                    .await?;
                match containers.iter().find(|c| c.service == service) {
                    Some(c) => Some(Some(self.engine.exit_state(&c.name).await.0)),
                    None => Some(None),
                }
            }
            None => None,
        };
        Ok(Ended::Code(session.exit_status(first_code, from)))
    }
}

/// Whether attached `up` shows the navigation menu, as Docker Compose decides: only when
/// standard output (and, for the keys, standard input) is a terminal and progress is not
/// `plain`; then `--menu` if given, else `COMPOSE_MENU`, else yes.
fn menu_wanted(args: &UpArgs) -> bool {
    if !crate::terminal::stdout_is_tty()
        || !crate::terminal::stdin_is_tty()
        || crate::progress::is_plain()
    {
        return false;
    }
    args.menu.unwrap_or_else(
        || match std::env::var(berth_loader::env_vars::COMPOSE_MENU) {
            Ok(v) => berth_loader::env_vars::truthy(Some(&v)),
            Err(_) => true,
        },
    )
}

/// The menu's keys as they are typed.
fn read_keys() -> mpsc::UnboundedReceiver<Key> {
    let (tx, rx) = mpsc::unbounded_channel();
    let mut chunks = crate::terminal::stdin_chunks();
    tokio::spawn(async move {
        while let Some(chunk) = chunks.recv().await {
            for key in chunk.iter().filter_map(|b| Key::from_byte(*b)) {
                if tx.send(key).is_err() {
                    return;
                }
            }
        }
    });
    rx
}

/// The watch of attached `up`: on from the start with `--watch`, and turned on and off with
/// the menu's `w`. Its lines go to the session's output.
struct WatchToggle {
    global: GlobalArgs,
    services: Vec<String>,
    quiet: bool,
    lines: mpsc::UnboundedSender<LogEvent>,
    /// What stops the running watch.
    running: Option<Arc<std::sync::atomic::AtomicBool>>,
}

impl WatchToggle {
    fn start(&mut self) {
        if self.running.is_some() {
            return;
        }
        let sink = super::watch::WatchSink {
            lines: Some(self.lines.clone()),
            ..super::watch::WatchSink::default()
        };
        self.running = Some(Arc::clone(&sink.stop));
        let (global, services, quiet) = (self.global.clone(), self.services.clone(), self.quiet);
        std::thread::spawn(move || {
            let mut printer = Printer::new();
            let _ = super::watch::watch_loop(&global, &services, quiet, true, &sink, &mut printer);
        });
    }

    fn stop(&mut self) {
        if let Some(stop) = self.running.take() {
            stop.store(true, std::sync::atomic::Ordering::Relaxed);
        }
    }
}

/// `--parallel N`, or `COMPOSE_PARALLEL_LIMIT`; -1 (the default) is unlimited.
pub fn parallel_limit(global: &GlobalArgs) -> Option<usize> {
    let n = if global.parallel == -1 {
        std::env::var(berth_loader::env_vars::COMPOSE_PARALLEL_LIMIT)
            .ok()
            .and_then(|v| v.trim().parse::<i64>().ok())
            .unwrap_or(-1)
    } else {
        global.parallel
    };
    usize::try_from(n).ok().filter(|&n| n > 0)
}
