//! `berth diff OLD NEW`: loads every deployment pattern of two projects, audits them, and
//! prints how they compare.

use std::path::{Path, PathBuf};

use berth_audit::diff::{self, Side};
use berth_audit::patterns;

use super::audit::{chosen_patterns, show_pattern_load};
use super::{load_options, load_project};
use crate::cli::{DiffArgs, GlobalArgs};
use crate::printer::Printer;
use berth_audit::run::audit_patterns;

pub fn run(global: &GlobalArgs, args: &DiffArgs, printer: &mut Printer) -> anyhow::Result<u8> {
    if !matches!(args.format.as_str(), "human" | "json" | "markdown") {
        printer.error(&format!(
            "invalid --format value {:?}: expected human, json or markdown",
            args.format
        ));
        return Ok(1);
    }
    let Some(old) = side(global, &args.old, printer)? else {
        return Ok(1);
    };
    let Some(new) = side(global, &args.new, printer)? else {
        return Ok(1);
    };
    let d = diff::diff(&old, &new);
    let text = match args.format.as_str() {
        "json" => diff::json(&d),
        "markdown" => diff::markdown(&d),
        _ => diff::human(&d),
    };
    printer.out(&text)?;
    Ok(0)
}

/// The base file and overlays a side names: a folder's compose file and the compose files
/// beside it, or files joined with commas (base first).
pub(crate) fn files_of(arg: &str) -> Result<(PathBuf, Vec<PathBuf>), String> {
    let path = Path::new(arg);
    if path.is_dir() {
        let base = berth_loader::load::DEFAULT_FILES
            .iter()
            .map(|n| path.join(n))
            .find(|p| p.is_file())
            .ok_or_else(|| {
                format!(
                    "no compose file in {arg}: expected one of {}",
                    berth_loader::load::DEFAULT_FILES.join(", ")
                )
            })?;
        let overlays = patterns::sibling_files(&base);
        return Ok((base, overlays));
    }
    let mut files = arg.split(',').map(str::trim).filter(|f| !f.is_empty());
    let base = files
        .next()
        .ok_or_else(|| format!("{arg:?} names no compose file"))?;
    let mut all = vec![PathBuf::from(base)];
    all.extend(files.map(PathBuf::from));
    for f in &all {
        if !f.is_file() {
            return Err(format!("{}: no such file or folder", f.display()));
        }
    }
    let base = all.remove(0);
    Ok((base, all))
}

/// Loads one side: its base file (for the patterns it may list), then every pattern.
fn side(global: &GlobalArgs, arg: &str, printer: &mut Printer) -> anyhow::Result<Option<Side>> {
    let (base, overlays) = match files_of(arg) {
        Ok(f) => f,
        Err(e) => {
            printer.error(&e);
            return Ok(None);
        }
    };
    let mut opts = load_options(global)?;
    opts.files = vec![base.clone()];
    let Some(project) = load_project(&opts, printer) else {
        return Ok(None);
    };
    let Some(chosen) = chosen_patterns(&project, &overlays, &[], printer) else {
        return Ok(None);
    };
    let real = |f: &Path| std::fs::canonicalize(f).unwrap_or_else(|_| f.to_path_buf());
    let mut files = vec![real(&base)];
    for p in &chosen {
        for f in &p.files {
            let f = real(f);
            if !files.contains(&f) {
                files.push(f);
            }
        }
    }
    let Some(config) = super::audit::config_of(&project, None, printer) else {
        return Ok(None);
    };
    let mut done = audit_patterns(&opts, chosen, false, &[], &config);
    berth_audit::run::report_unused(&mut done.runs, &config);
    if show_pattern_load(&done, printer) {
        return Ok(None);
    }
    Ok(Some(Side {
        label: arg.trim_end_matches('/').to_string(),
        files,
        runs: done.runs,
    }))
}
