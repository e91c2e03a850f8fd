//! `berth audit`: the seeds' architecture review, automated. Rules read the loaded, merged
//! project (and, where a rule compares files, each file's own document) and report findings as
//! [`Diagnostic`]s whose labels point at the file, line and column that caused them.
//!
//! One rule per module under `rules/`, listed once in [`registry::RULES`] with its stable code;
//! the module's `//!` comment is the rule's documentation (`berth audit --explain CODE`).

pub mod diff;
pub mod facts;
pub mod output;
pub mod patterns;
pub mod registry;
mod rules;
pub mod run;

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

/// What the rules found, and the findings suppressed in the compose files with a reason.
#[derive(Debug, Default)]
pub struct Report {
    pub findings: Vec<Finding>,
    pub suppressed: Vec<(Finding, String)>,
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
    out: Vec<Finding>,
}

impl Sink<'_> {
    /// Reports `diagnostic` (its code and severity are the rule's) about `service`.
    pub fn report(&mut self, service: Option<&str>, diagnostic: Diagnostic) {
        let mut diagnostic = diagnostic;
        diagnostic.code = Some(self.rule.code.to_string());
        diagnostic.severity = self.rule.severity;
        self.out.push(Finding {
            diagnostic,
            service: service.map(str::to_string),
        });
    }
}

/// Runs every rule that applies to the project.
#[must_use]
pub fn audit(cx: &Context) -> Report {
    let mut report = Report::default();
    for rule in RULES {
        if rule.scope == Scope::Production && !cx.production {
            continue;
        }
        let mut sink = Sink {
            rule,
            out: Vec::new(),
        };
        (rule.check)(cx, &mut sink);
        for f in sink.out {
            match facts::suppression(cx.project, rule.code, f.service.as_deref()) {
                Some(reason) => report.suppressed.push((f, reason)),
                None => report.findings.push(f),
            }
        }
    }
    // In file order, then by rule: the order a reader walks the files in.
    report.findings.sort_by_key(|f| {
        let span = f.diagnostic.primary_span();
        (span.map(|s| (s.file, s.start)), f.diagnostic.code.clone())
    });
    report
}
