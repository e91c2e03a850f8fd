//! Auditing a project, or each of its deployment patterns: what `audit`, `diff` and `docs`
//! share. Pure of output: what goes wrong comes back as data for the caller to show.

use std::path::PathBuf;

use berth_loader::load::Options;
use berth_model::Project;

use crate::config::Config;
use crate::facts::{kind_of_name, FileKind};
use crate::output::Run;
use crate::patterns::{self, Pattern};
use crate::{Context, Finding, RunningPort};

/// Runs the rules on one project; production rules apply to a production pattern, when
/// `forced` (`--production`), or when a file's name says production. `config` chooses the
/// rules and adds its suppressions.
#[must_use]
pub fn audit_one(
    mut project: Project,
    pattern: Option<Pattern>,
    forced: bool,
    running: &[RunningPort],
    config: &Config,
) -> Run {
    let production = is_production(&project, pattern.as_ref(), forced);
    let suppressions = crate::suppress::attach(&mut project, config);
    let report = crate::audit(&Context {
        project: &project,
        production,
        running,
        config,
        suppressions: &suppressions,
    });
    Run {
        pattern,
        project,
        report,
    }
}

/// Whether production rules apply: to a production pattern, when `forced` (`--production`),
/// or, without a pattern, when a file's name says production.
#[must_use]
pub fn is_production(project: &Project, pattern: Option<&Pattern>, forced: bool) -> bool {
    forced
        || pattern.map_or_else(
            || {
                project
                    .config_files
                    .iter()
                    .any(|f| kind_of_name(f) == FileKind::Production)
            },
            |p| p.production,
        )
}

/// The overlays of a project's base file: the compose files beside it, and the other files
/// given with `-f`.
#[must_use]
pub fn overlays_of(project: &Project) -> Vec<PathBuf> {
    let Some(base) = project.config_files.first() else {
        return Vec::new();
    };
    let mut overlays = patterns::sibling_files(base);
    for f in project.config_files.iter().skip(1) {
        if !overlays.contains(f) {
            overlays.push(f.clone());
        }
    }
    overlays
}

/// Why the patterns could not be chosen.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ChooseError {
    /// `x-berth.patterns` is malformed: the diagnostic, rendered with its source.
    Invalid(String),
    /// A pattern asked for by name that the project does not have.
    Unknown { name: String, known: Vec<String> },
}

impl std::fmt::Display for ChooseError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ChooseError::Invalid(text) => f.write_str(text),
            ChooseError::Unknown { name, known } => write!(
                f,
                "no pattern {name:?}: this project has {}",
                known.join(", ")
            ),
        }
    }
}

/// The patterns of a project whose base file was loaded as `project`: those it lists under
/// `x-berth.patterns`, else those the names of `overlays` give; `names` picks some.
///
/// # Errors
/// A malformed `x-berth.patterns`, or a name the project has no pattern of.
pub fn choose_patterns(
    project: &Project,
    overlays: &[PathBuf],
    names: &[String],
) -> Result<Vec<Pattern>, ChooseError> {
    let Some(base) = project.config_files.first() else {
        return Ok(Vec::new());
    };
    let all = match patterns::from_extension(&project.tree, base) {
        Some(Ok(listed)) => listed,
        Some(Err(d)) => return Err(ChooseError::Invalid(d.render(&project.sources))),
        None => patterns::from_names(base, overlays),
    };
    if names.is_empty() {
        return Ok(all);
    }
    names
        .iter()
        .map(|name| {
            all.iter()
                .find(|p| &p.name == name)
                .cloned()
                .ok_or_else(|| ChooseError::Unknown {
                    name: name.clone(),
                    known: all.iter().map(|p| p.name.clone()).collect(),
                })
        })
        .collect()
}

/// The audits of a project's patterns, and what loading them said.
#[derive(Default)]
pub struct PatternRuns {
    pub runs: Vec<Run>,
    /// The loader's warnings, rendered, each once (patterns share files).
    pub warnings: Vec<String>,
    /// The patterns that did not load: `pattern NAME: <the error, rendered>`.
    pub failures: Vec<String>,
}

/// Loads and audits each pattern, with the options `opts` (their files replaced by the
/// pattern's).
#[must_use]
pub fn audit_patterns(
    opts: &Options,
    chosen: Vec<Pattern>,
    forced: bool,
    running: &[RunningPort],
    config: &Config,
) -> PatternRuns {
    let mut out = PatternRuns::default();
    for pattern in chosen {
        let mut o = opts.clone();
        o.files.clone_from(&pattern.files);
        o.keep_layers = true;
        match berth_loader::load::load(&o) {
            Ok(p) => {
                for w in &p.warnings {
                    let text = w.render(&p.sources);
                    if !out.warnings.contains(&text) {
                        out.warnings.push(text);
                    }
                }
                out.runs
                    .push(audit_one(p, Some(pattern), forced, running, config));
            }
            Err(e) => out
                .failures
                .push(format!("pattern {}: {}", pattern.name, e.render())),
        }
    }
    out
}

/// Reports (B001, unused-suppression) the suppressions that suppressed nothing in any of
/// `runs`, and those without a reason, once every run is done: a suppression of a
/// production-only finding is used in the production pattern alone.
pub fn report_unused(runs: &mut [Run], config: &Config) {
    let Some(severity) = crate::rule("B001").and_then(|r| config.severity(r)) else {
        return;
    };
    let key = |run: &Run, s: &crate::suppress::Suppression| {
        (
            run.project
                .sources
                .path(s.span.file)
                .map(std::path::Path::to_path_buf),
            s.span.start,
        )
    };
    let mut used = std::collections::HashSet::new();
    for run in runs.iter() {
        for (s, hit) in &run.report.suppressions {
            if *hit {
                used.insert(key(run, s));
            }
        }
    }
    for run in runs.iter_mut() {
        let mut found = Vec::new();
        for (s, _) in &run.report.suppressions {
            if used.contains(&key(run, s)) {
                continue;
            }
            let mut diagnostic = crate::rules::unused_suppression::finding(s);
            diagnostic.code = Some("B001".into());
            diagnostic.severity = severity;
            found.push(Finding {
                diagnostic,
                service: s.services.first().cloned(),
            });
        }
        run.report.findings.extend(found);
        crate::sort(&mut run.report.findings);
    }
}
