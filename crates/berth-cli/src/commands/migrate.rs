//! `berth migrate OLD NEW`: how the named volumes of one project layout carry over to the
//! next (`berth_engine::migrate` plans it), with their sizes as the engine has them and the
//! downtime to expect.

use berth_engine::migrate::{self, Sizes};
use berth_model::Project;

use super::diff::files_of;
use super::{load_options, load_project};
use crate::cli::{GlobalArgs, MigrateArgs};
use crate::commands::engine::{connect, runtime};
use crate::printer::Printer;

/// Loads one side: its base file and every overlay beside it (or the files listed), merged;
/// named as its own files name it (`-p` names neither side).
fn side(global: &GlobalArgs, arg: &str, printer: &mut Printer) -> anyhow::Result<Option<Project>> {
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
    Ok(load_project(&opts, printer))
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
    let Some(old) = side(global, &args.old, printer)? else {
        return Ok(1);
    };
    let Some(new) = side(global, &args.new, printer)? else {
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
    let text = match args.format.as_str() {
        "json" => migrate::json(&plan, &sizes, downtime),
        "markdown" => migrate::markdown(&plan, &sizes, downtime),
        _ => migrate::human(&plan, &sizes, downtime),
    };
    printer.out(&text)?;
    if !args.dry_run {
        printer.error(
            "only the plan so far: berth migrate does not carry the data yet (run it with --dry-run)",
        );
        return Ok(1);
    }
    Ok(0)
}
