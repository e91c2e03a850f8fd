//! `berth stack`: the project on Docker Swarm. `deploy` loads the project as `config` does
//! (every file, `.env`, interpolation, profiles, include, extends), reports what Swarm cannot
//! carry, and deploys it (see `berth_cluster::deploy`); `ls`, `services` and `ps` list what is
//! on the swarm in the Docker CLI's columns; `rm` removes the stack and waits until it is gone.

use berth_cluster::stack::Stack;

use crate::cli::{
    GlobalArgs, StackArgs, StackCommand, StackDeployArgs, StackLogsArgs, StackLsArgs, StackPsArgs,
    StackServicesArgs,
};
use crate::commands::engine::{connect, runtime, simulate, Target};
use crate::printer::{Printer, StderrProgress};
use crate::template::{self, Context, Format, Row, TValue};

pub fn run(global: &GlobalArgs, args: &StackArgs, printer: &mut Printer) -> anyhow::Result<u8> {
    match &args.command {
        StackCommand::Deploy(a) => deploy(global, a, printer),
        StackCommand::Ls(a) => ls(a, printer),
        StackCommand::Services(a) => services(global, a, printer),
        StackCommand::Ps(a) => ps(global, a, printer),
        StackCommand::Rm => rm(global, printer),
        StackCommand::Logs(a) => logs(global, a, printer),
        StackCommand::Dashboard(a) => super::dashboard::run(global, a, true, printer),
    }
}

fn deploy(
    global: &GlobalArgs,
    args: &StackDeployArgs,
    printer: &mut Printer,
) -> anyhow::Result<u8> {
    let opts = super::load_options(global)?;
    let Some(project) = super::load_project(&opts, printer) else {
        return Ok(1);
    };
    let stack = match Stack::of(&project, &project.name) {
        Ok(s) => s,
        Err(e) => {
            printer.error(&e.to_string());
            return Ok(1);
        }
    };
    if super::report_losses(
        printer,
        &project,
        &stack.losses,
        args.strict,
        "Docker Swarm",
    ) {
        return Ok(1);
    }
    if args.dry_run {
        simulate();
        crate::progress::set_dry_run();
    }
    let options = berth_cluster::deploy::Options {
        prune: args.prune,
        detach: args.detach,
        with_registry_auth: args.with_registry_auth,
    };
    let result = runtime()?.block_on(async {
        let engine = connect().await?;
        berth_cluster::deploy::ensure_manager(&engine).await?;
        images(&engine, &project).await?;
        berth_cluster::deploy::deploy(&engine, &stack, options, &StderrProgress).await
    });
    Ok(super::engine::exit_status(result.map(|()| 0), printer))
}

/// The images of the services with `build`: built here when missing, as `up` builds them.
/// The other nodes of a swarm must pull them, so on more than one node each is pushed to the
/// registry its `image:` names (with `docker login`'s credentials); one the project does not
/// name has nowhere to go, and stops the deploy.
async fn images(
    engine: &berth_engine::Engine,
    project: &berth_model::Project,
) -> Result<(), berth_engine::EngineError> {
    let mut spec = berth_engine::spec::project_spec(project);
    spec.services.retain(|s| s.build.is_some());
    if spec.services.is_empty() {
        return Ok(());
    }
    let policy = berth_engine::build::ImagePolicy::default();
    berth_engine::build::ensure_images(
        engine,
        &spec.name,
        &spec.services,
        &policy,
        &StderrProgress,
    )
    .await?;
    let nodes = berth_cluster::deploy::node_count(engine).await?;
    if nodes < 2 {
        return Ok(());
    }
    if let Some(s) = spec.services.iter().find(|s| !s.image_named) {
        return Err(berth_engine::EngineError::Other(format!(
            "service {} is built on this node, but the swarm has {nodes} nodes and the others cannot pull {}: name the image with a registry to push it to (image: REGISTRY/NAME:TAG)",
            s.name, s.image
        )));
    }
    crate::commands::build::push_services(engine, &spec, false, false).await
}

fn rm(global: &GlobalArgs, printer: &mut Printer) -> anyhow::Result<u8> {
    let removed = on_stack(global, printer, |engine, name| async move {
        berth_cluster::remove::remove(&engine, &name, &StderrProgress).await
    })?;
    match removed {
        Some((name, berth_cluster::remove::Removed::Nothing)) => {
            printer.diag(&format!("Nothing found in stack: {name}\n"));
            Ok(0)
        }
        Some((_, berth_cluster::remove::Removed::All)) => Ok(0),
        None => Ok(1),
    }
}

/// The stack the command acts on (the project's name, as `-p` or the files give it) and what
/// `call` made of it on the engine; on failure the error is printed and `None` returned.
fn on_stack<T, F, Fut>(
    global: &GlobalArgs,
    printer: &mut Printer,
    call: F,
) -> anyhow::Result<Option<(String, T)>>
where
    F: FnOnce(berth_engine::Engine, String) -> Fut,
    Fut: std::future::Future<Output = Result<T, berth_engine::EngineError>>,
{
    let Some(target) = Target::resolve(global, &[], printer)? else {
        return Ok(None);
    };
    let name = target.name().to_string();
    let result = runtime()?.block_on(async {
        let engine = connect().await?;
        call(engine, name.clone()).await
    });
    match result {
        Ok(v) => Ok(Some((name, v))),
        Err(e) => {
            printer.error(&e.to_string());
            Ok(None)
        }
    }
}

/// Renders `rows` in `format`, its table by default in `table` columns.
fn print(
    printer: &mut Printer,
    format: &str,
    table: &str,
    context: &Context,
    rows: &[Row],
) -> anyhow::Result<u8> {
    let format = match template::parse(format) {
        Ok(Format::Table) => template::parse(table).unwrap_or(Format::Table),
        Ok(f) => f,
        Err(e) => {
            printer.error(&e);
            return Ok(1);
        }
    };
    match template::render(&format, context, rows) {
        Ok(text) => {
            printer.out(&text)?;
            Ok(0)
        }
        Err(e) => {
            printer.error(&e);
            Ok(1)
        }
    }
}

fn row(fields: Vec<(&'static str, String)>) -> Row {
    Row {
        fields: fields
            .into_iter()
            .map(|(k, v)| (k, TValue::str(v)))
            .collect(),
        labels: Vec::new(),
    }
}

const LS: Context = Context {
    type_name: "stack",
    headers: &[("Name", "NAME"), ("Services", "SERVICES")],
};

fn ls(args: &StackLsArgs, printer: &mut Printer) -> anyhow::Result<u8> {
    let result = runtime()?.block_on(async {
        let engine = connect().await?;
        berth_cluster::observe::stacks(&engine).await
    });
    let stacks = match result {
        Ok(s) => s,
        Err(e) => {
            printer.error(&e.to_string());
            return Ok(1);
        }
    };
    let rows: Vec<Row> = stacks
        .into_iter()
        .map(|(name, n)| row(vec![("Name", name), ("Services", n.to_string())]))
        .collect();
    print(
        printer,
        &args.format,
        "table {{.Name}}\\t{{.Services}}",
        &LS,
        &rows,
    )
}

const SERVICES: Context = Context {
    type_name: "service",
    headers: &[
        ("ID", "ID"),
        ("Name", "NAME"),
        ("Mode", "MODE"),
        ("Replicas", "REPLICAS"),
        ("Image", "IMAGE"),
        ("Ports", "PORTS"),
    ],
};

fn services(
    global: &GlobalArgs,
    args: &StackServicesArgs,
    printer: &mut Printer,
) -> anyhow::Result<u8> {
    let Some((name, services)) = on_stack(global, printer, |engine, name| async move {
        berth_cluster::observe::services(&engine, &name).await
    })?
    else {
        return Ok(1);
    };
    if services.is_empty() {
        printer.diag(&format!("Nothing found in stack: {name}\n"));
        return Ok(0);
    }
    if args.quiet {
        let ids: String = services.iter().map(|s| format!("{}\n", s.id)).collect();
        printer.out(&ids)?;
        return Ok(0);
    }
    let rows: Vec<Row> = services
        .into_iter()
        .map(|s| {
            row(vec![
                ("ID", s.id.chars().take(12).collect()),
                ("Name", s.name),
                ("Mode", s.mode),
                ("Replicas", s.replicas),
                ("Image", s.image),
                ("Ports", s.ports),
            ])
        })
        .collect();
    print(
        printer,
        &args.format,
        "table {{.ID}}\\t{{.Name}}\\t{{.Mode}}\\t{{.Replicas}}\\t{{.Image}}\\t{{.Ports}}",
        &SERVICES,
        &rows,
    )
}

const PS: Context = Context {
    type_name: "task",
    headers: &[
        ("ID", "ID"),
        ("Name", "NAME"),
        ("Image", "IMAGE"),
        ("Node", "NODE"),
        ("DesiredState", "DESIRED STATE"),
        ("CurrentState", "CURRENT STATE"),
        ("Error", "ERROR"),
        ("Ports", "PORTS"),
    ],
};

fn ps(global: &GlobalArgs, args: &StackPsArgs, printer: &mut Printer) -> anyhow::Result<u8> {
    let Some((name, tasks)) = on_stack(global, printer, |engine, name| async move {
        berth_cluster::observe::tasks(&engine, &name, &args.services).await
    })?
    else {
        return Ok(1);
    };
    if tasks.is_empty() {
        printer.diag(&format!("nothing found in stack: {name}\n"));
        return Ok(1);
    }
    let id = |id: &str| {
        if args.no_trunc {
            id.to_string()
        } else {
            id.chars().take(12).collect()
        }
    };
    if args.quiet {
        let ids: String = tasks.iter().map(|t| format!("{}\n", id(&t.id))).collect();
        printer.out(&ids)?;
        return Ok(0);
    }
    let rows: Vec<Row> = tasks
        .into_iter()
        .map(|t| {
            let current = match t.age {
                Some(secs) => format!(
                    "{} {} ago",
                    t.current_state,
                    crate::table::human_duration(secs).to_lowercase()
                ),
                None => t.current_state.clone(),
            };
            row(vec![
                ("ID", id(&t.id)),
                ("Name", t.name),
                ("Image", t.image),
                ("Node", t.node),
                ("DesiredState", t.desired_state),
                ("CurrentState", current),
                ("Error", t.error),
                ("Ports", String::new()),
            ])
        })
        .collect();
    print(
        printer,
        &args.format,
        "table {{.ID}}\\t{{.Name}}\\t{{.Image}}\\t{{.Node}}\\t{{.DesiredState}}\\t{{.CurrentState}}\\t{{.Error}}\\t{{.Ports}}",
        &PS,
        &rows,
    )
}

fn logs(global: &GlobalArgs, args: &StackLogsArgs, printer: &mut Printer) -> anyhow::Result<u8> {
    let opts = berth_cluster::logs::Options {
        follow: args.follow,
        tail: (args.tail != "all").then(|| args.tail.clone()),
        timestamps: args.timestamps,
    };
    // Lines go out as they come, from the services' streams read together.
    let sink = |line: berth_cluster::logs::Line| {
        let text = format!("{}    | {}", line.task, line.text);
        if line.stderr {
            crate::printer::err_line(&text);
        } else {
            crate::printer::out_line(&text);
        }
    };
    let read = on_stack(global, printer, |engine, name| async move {
        berth_cluster::logs::logs(&engine, &name, &args.services, &opts, &sink).await
    })?;
    Ok(u8::from(read.is_none()))
}
