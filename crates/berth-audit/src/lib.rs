//! `berth audit`: the seeds' architecture review, automated. Rules read the loaded, merged
//! project (and, where a rule compares files, each file's own document) and report findings as
//! [`Diagnostic`]s whose labels point at the file, line and column that caused them.
//!
//! One rule per module under `rules/`, listed once in [`registry::RULES`] with its stable code;
//! the module's `//!` comment is the rule's documentation (`berth audit --explain CODE`).

pub mod baseline;
pub mod ci;
pub mod config;
pub mod diff;
pub mod facts;
pub mod fix;
pub mod output;
pub mod patterns;
pub mod registry;
mod rules;
pub mod run;
pub mod suppress;

use berth_model::{Diagnostic, Project, Severity};

pub use berth_model::secrets;
pub use registry::{rule, Rule, Scope, RULES};

/// What the rules look at.
pub struct Context<'a> {
    pub project: &'a Project,
    /// The project is a production combination: production-only rules apply.
    pub production: bool,
    /// Host ports already published on the engine (`--running`), by containers of other
    /// projects or none; empty when the engine was not asked.
    pub running: &'a [RunningPort],
    /// The rules chosen and their levels (`berth.toml`, `--select`, `--ignore`).
    pub config: &'a config::Config,
    /// The suppressions of `berth.toml`, attached to the project ([`suppress::attach`]); those
    /// written in the compose files are read by [`audit`] itself.
    pub suppressions: &'a [suppress::Suppression],
}

/// A host port a running container publishes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RunningPort {
    /// The container's name.
    pub container: String,
    /// `""` or `0.0.0.0` is every IPv4 address, `::` every IPv6 one.
    pub host_ip: String,
    pub port: u32,
    pub protocol: String,
}

/// One finding: the diagnostic (code, severity, message, locations) and the service it is
/// about, if any (for suppressions and the JSON output).
#[derive(Clone, Debug)]
pub struct Finding {
    pub diagnostic: Diagnostic,
    pub service: Option<String>,
}

/// What the rules found, the findings suppressed with a reason, and every suppression with
/// whether it suppressed something (for B001, unused-suppression).
#[derive(Debug, Default)]
pub struct Report {
    pub findings: Vec<Finding>,
    pub suppressed: Vec<(Finding, String)>,
    /// Findings a baseline (`--baseline`) already holds.
    pub baselined: Vec<Finding>,
    pub suppressions: Vec<(suppress::Suppression, bool)>,
}

impl Report {
    /// The number of findings of each severity: (errors, warnings, infos).
    #[must_use]
    pub fn counts(&self) -> (usize, usize, usize) {
        let n = |s| {
            self.findings
                .iter()
                .filter(|f| f.diagnostic.severity == s)
                .count()
        };
        (n(Severity::Error), n(Severity::Warning), n(Severity::Info))
    }
}

/// Collects a rule's findings.
pub struct Sink<'r> {
    rule: &'r Rule,
    severity: Severity,
    out: Vec<Finding>,
}

impl Sink<'_> {
    /// Reports `diagnostic` (its code is the rule's, its severity the rule's level) about
    /// `service`.
    pub fn report(&mut self, service: Option<&str>, diagnostic: Diagnostic) {
        let mut diagnostic = diagnostic;
        diagnostic.code = Some(self.rule.code.to_string());
        diagnostic.severity = self.severity;
        self.out.push(Finding {
            diagnostic,
            service: service.map(str::to_string),
        });
    }
}

/// Runs every rule chosen that applies to the project.
#[must_use]
pub fn audit(cx: &Context) -> Report {
    let mut report = Report::default();
    let mut suppressions: Vec<(suppress::Suppression, bool)> = cx
        .suppressions
        .iter()
        .cloned()
        .chain(suppress::in_project(cx.project))
        .map(|s| (s, false))
        .collect();
    for rule in RULES {
        let Some(severity) = cx.config.severity(rule) else {
            continue;
        };
        if rule.scope == Scope::Production && !cx.production {
            continue;
        }
        let mut sink = Sink {
            rule,
            severity,
            out: Vec::new(),
        };
        (rule.check)(cx, &mut sink);
        for f in sink.out {
            let hit = suppressions
                .iter_mut()
                .find(|(s, _)| s.reason.is_some() && s.covers(cx.project, &f));
            match hit {
                Some((s, used)) => {
                    *used = true;
                    let reason = s.reason.clone().unwrap_or_default();
                    report.suppressed.push((f, reason));
                }
                None => report.findings.push(f),
            }
        }
    }
    report.suppressions = suppressions;
    sort(&mut report.findings);
    report
}

/// In file order, then by rule: the order a reader walks the files in.
pub(crate) fn sort(findings: &mut [Finding]) {
    findings.sort_by_key(|f| {
        let span = f.diagnostic.primary_span();
        (span.map(|s| (s.file, s.start)), f.diagnostic.code.clone())
    });
}
