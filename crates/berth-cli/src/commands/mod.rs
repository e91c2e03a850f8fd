//! One module per command; `run` dispatches.

mod attach;
mod audit;
mod build;
mod commit;
mod completion;
mod config;
mod convert;
mod cp;
mod dashboard;
mod diff;
mod docs;
mod down;
mod engine;
mod events;
mod export;
mod graph;
mod info;
mod lifecycle;
mod logs;
mod migrate;
mod ps;
mod publish;
mod run;
mod scale;
mod stack;
mod stats;
mod up;
mod version;
mod volume_backup;
mod volumes;
mod watch;

use crate::cli::{Cli, Command, GlobalArgs};
use crate::printer::Printer;

pub fn run(mut cli: Cli, printer: &mut Printer) -> anyhow::Result<u8> {
    // Variables that stand for global flags left out.
    if cli.global.ansi == "auto" {
        if let Ok(a) = std::env::var(berth_loader::env_vars::COMPOSE_ANSI) {
            if !a.is_empty() {
                cli.global.ansi = a;
            }
        }
    }
    if !matches!(cli.global.ansi.as_str(), "auto" | "never" | "always") {
        printer.error(&format!(
            "unsupported --ansi value {:?}: expected never, always or auto",
            cli.global.ansi
        ));
        return Ok(1);
    }
    cli.global.compatibility = cli.global.compatibility
        || berth_loader::env_vars::truthy(
            std::env::var(berth_loader::env_vars::COMPOSE_COMPATIBILITY)
                .ok()
                .as_deref(),
        );
    let progress = match &cli.command {
        Command::Build(b) if cli.global.progress.is_none() => b.progress.clone(),
        _ => cli.global.progress.clone(),
    };
    if let Err(e) = crate::progress::init(progress.as_deref(), &cli.global.ansi) {
        printer.diag(&format!("{e}\n"));
        return Ok(1);
    }
    // The live view's header names the operation, as Docker Compose's does.
    crate::progress::set_title(match &cli.command {
        Command::Build(_) => "Building",
        Command::Create(_) => "Creating",
        Command::Stop(_) => "Stopping",
        Command::Restart(_) => "Restarting",
        Command::Kill(_) => "Killing",
        Command::Pause(_) => "Pausing",
        Command::Rm(_) => "Removing",
        Command::Pull(_) => "Pulling",
        Command::Push(_) => "Pushing",
        Command::Export(_) => "Exporting",
        Command::Commit(_) => "Committing",
        Command::Cp(_) => "Copying",
        Command::Publish(_) => "Publishing",
        _ => "Running",
    });
    // `--dry-run`: the engine commands connect to a simulated engine, and every event says so.
    if cli.global.dry_run {
        engine::simulate();
        crate::progress::set_dry_run();
    }
    match cli.command {
        Command::Config(args) => config::run(&cli.global, &args, printer),
        Command::Up(args) => up::run(&cli.global, &args, printer),
        Command::Down(args) => down::run(&cli.global, &args, printer),
        Command::Ps(args) => ps::run(&cli.global, &args, printer),
        Command::Create(args) => up::run(&cli.global, &args.into_up(), printer),
        Command::Start(args) => lifecycle::start(&cli.global, &args, printer),
        Command::Stop(args) => lifecycle::stop(&cli.global, &args, printer),
        Command::Restart(args) => lifecycle::restart(&cli.global, &args, printer),
        Command::Kill(args) => lifecycle::kill(&cli.global, &args, printer),
        Command::Pause(args) => lifecycle::pause(&cli.global, &args, printer),
        Command::Unpause(args) => lifecycle::unpause(&cli.global, &args, printer),
        Command::Rm(args) => lifecycle::rm(&cli.global, &args, printer),
        Command::Logs(args) => logs::run(&cli.global, &args, printer),
        Command::Port(args) => info::port(&cli.global, &args, printer),
        Command::Top(args) => info::top(&cli.global, &args, printer),
        Command::Images(args) => info::images(&cli.global, &args, printer),
        Command::Ls(args) => info::ls(&args, printer),
        Command::Wait(args) => info::wait(&cli.global, &args, printer),
        Command::Exec(args) => run::exec(&cli.global, &args, printer),
        Command::Events(args) => events::run(&cli.global, &args, printer),
        Command::Build(args) => build::build(&cli.global, &args, printer),
        Command::Pull(args) => build::pull(&cli.global, &args, printer),
        Command::Push(args) => build::push(&cli.global, &args, printer),
        Command::Run(args) => run::run(&cli.global, &args, printer),
        Command::Scale(args) => scale::run(&cli.global, &args, printer),
        Command::Export(args) => export::run(&cli.global, &args, printer),
        Command::Commit(args) => commit::run(&cli.global, &args, printer),
        Command::Cp(args) => cp::run(&cli.global, &args, printer),
        Command::Stats(args) => stats::run(&cli.global, &args, printer),
        Command::Watch(args) => watch::run(&cli.global, &args, printer),
        Command::Attach(args) => attach::run(&cli.global, &args, printer),
        Command::Volumes(args) => volumes::run(&cli.global, &args, printer),
        Command::Publish(args) => publish::run(&cli.global, &args, printer),
        Command::Version(args) => version::run(&args, printer),
        Command::Completion(args) => completion::script(&args, printer),
        Command::Complete(args) => completion::complete(&args, printer),
        Command::Stack(args) => stack::run(&cli.global, &args, printer),
        Command::Convert(args) => convert::run(&cli.global, &args, printer),
        Command::Dashboard(args) => dashboard::run(&cli.global, &args, false, printer),
        Command::Audit(args) => audit::run(&cli.global, &args, printer),
        Command::Diff(args) => diff::run(&cli.global, &args, printer),
        Command::Migrate(args) => migrate::run(&cli.global, &args, printer),
        Command::Graph(args) => graph::run(&cli.global, &args, printer),
        Command::Docs(args) => docs::run(&cli.global, &args, printer),
    }
}

/// Loader options from the global flags and the process environment.
pub fn load_options(global: &GlobalArgs) -> anyhow::Result<berth_loader::load::Options> {
    let cwd = std::env::current_dir()?;
    let os_env = std::env::vars().collect();
    let mut opts = berth_loader::load::Options::new(cwd, os_env);
    opts.files.clone_from(&global.file);
    opts.project_name.clone_from(&global.project_name);
    opts.project_directory.clone_from(&global.project_directory);
    opts.env_files.clone_from(&global.env_file);
    opts.profiles.clone_from(&global.profile);
    opts.all_resources = global.all_resources;
    if opts.files.iter().any(|f| f.as_os_str() == "-") {
        let mut s = String::new();
        std::io::Read::read_to_string(&mut std::io::stdin(), &mut s)?;
        opts.stdin = Some(s);
    }
    Ok(opts)
}

/// Prints what a target cannot carry of the project (`losses`, warnings), or, with
/// `--strict`, the same as errors and a last line saying `target` refuses them. Whether the
/// command must stop (strict, and something lost).
pub fn report_losses(
    printer: &mut Printer,
    project: &berth_model::Project,
    losses: &[berth_model::Diagnostic],
    strict: bool,
    target: &str,
) -> bool {
    let render = |losses: &[berth_model::Diagnostic]| -> String {
        losses
            .iter()
            .map(|loss| {
                let mut d = loss.clone();
                if strict {
                    d.severity = berth_model::Severity::Error;
                }
                d.render(&project.sources)
            })
            .collect()
    };
    // Thousands of losses (a large project) are rendered on two threads.
    let rendered = berth_model::parallel::on_halves(losses, 256, render);
    // One write for them all: stderr is not buffered.
    printer.diag(&rendered.concat());
    if strict && !losses.is_empty() {
        printer.error(&format!(
            "{} setting(s) cannot be kept by {target} (--strict)",
            losses.len()
        ));
        return true;
    }
    false
}

/// Loads the project, printing warnings; on failure prints the diagnostic and returns `None`.
pub fn load_project(
    opts: &berth_loader::load::Options,
    printer: &mut Printer,
) -> Option<berth_model::Project> {
    match berth_loader::load::load(opts) {
        Ok(p) => {
            for w in &p.warnings {
                printer.diag(&w.render(&p.sources));
            }
            Some(p)
        }
        Err(e) => {
            for w in &e.warnings {
                printer.diag(&w.render(&e.sources));
            }
            printer.diag(&e.render());
            None
        }
    }
}
