//! `berth up`: create and start the project's containers, converging what already runs.

use std::collections::HashMap;
use std::sync::Arc;

use berth_engine::exec::{self, ExecOptions};
use berth_engine::plan::{self, RecreatePolicy, UpOptions};

use crate::cli::{GlobalArgs, UpArgs};
use crate::commands::engine::{connect, known_services, runtime};
use crate::commands::{load_options, load_project};
use crate::printer::{Printer, StderrProgress};

pub fn run(global: &GlobalArgs, args: &UpArgs, printer: &mut Printer) -> anyhow::Result<u8> {
    if args.force_recreate && args.no_recreate {
        printer.error("--force-recreate and --no-recreate are incompatible");
        return Ok(1);
    }
    if !(args.detach || args.wait) {
        printer
            .error("attached mode is not supported yet: use `up -d` (or `--wait`), then `logs -f`");
        return Ok(1);
    }
    let mut scale = HashMap::new();
    for s in &args.scale {
        let Some((name, n)) = s.split_once('=') else {
            printer.error(&format!(
                "invalid --scale value {s:?}: expected SERVICE=NUM"
            ));
            return Ok(1);
        };
        let Ok(n) = n.parse::<u32>() else {
            printer.error(&format!(
                "invalid --scale value {s:?}: {n:?} is not a number"
            ));
            return Ok(1);
        };
        scale.insert(name.to_string(), n);
    }
    let opts = load_options(global)?;
    let Some(project) = load_project(&opts, printer) else {
        return Ok(1);
    };
    let mut spec = berth_engine::spec::project_spec(&project);
    if let Err(e) = spec.select(&args.services, args.no_deps) {
        printer.error(&e);
        return Ok(1);
    }
    let known = known_services(&project);
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
    };
    let exec_opts = ExecOptions {
        limit: exec::Limit::new(parallel_limit(global)),
        no_start: args.no_start,
        timeout: args.timeout,
        remove_orphans: args.remove_orphans,
        wait: args.wait,
        wait_timeout: args.wait_timeout.map(std::time::Duration::from_secs),
    };
    let rt = runtime()?;
    let result = rt.block_on(async {
        let engine = connect().await?;
        let observed = engine.project_containers(&spec.name, true).await?;
        let image_ids = engine
            .image_ids(spec.services.iter().map(|s| s.image.as_str()))
            .await?;
        let plan = plan::plan_up(&spec, &known, &observed, &image_ids, &up_opts);
        exec::up(
            &engine,
            &project,
            &spec,
            &plan,
            &exec_opts,
            Arc::new(StderrProgress),
        )
        .await
    });
    match result {
        Ok(()) => Ok(0),
        Err(e) => {
            printer.error(&e.to_string());
            Ok(1)
        }
    }
}

/// `--parallel N`, or `COMPOSE_PARALLEL_LIMIT`; -1 (the default) is unlimited.
pub fn parallel_limit(global: &GlobalArgs) -> Option<usize> {
    let n = if global.parallel == -1 {
        std::env::var("COMPOSE_PARALLEL_LIMIT")
            .ok()
            .and_then(|v| v.trim().parse::<i64>().ok())
            .unwrap_or(-1)
    } else {
        global.parallel
    };
    usize::try_from(n).ok().filter(|&n| n > 0)
}
