//! The audit's findings for the project, as the page lists them and `GET /api/findings`
//! answers them: each with its rule, severity, message, the service it concerns and where in
//! the compose files it comes from. Computed once when the dashboard starts: the compose
//! files do not change while it runs.

use berth_model::Project;
use serde_json::{json, Value as Json};

/// One finding of `berth audit`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Finding {
    pub code: String,
    /// `error`, `warning` or `info`.
    pub severity: &'static str,
    /// Credentials masked.
    pub message: String,
    pub service: Option<String>,
    /// `FILE:LINE:COLUMN` of its first label.
    pub location: Option<String>,
}

/// The findings of `berth audit` on `project` (production rules when a file's name says
/// production, as `berth audit` decides), with the rules and suppressions of `config`.
#[must_use]
pub fn of(project: &mut Project, config: &berth_audit::config::Config) -> Vec<Finding> {
    let suppressions = berth_audit::suppress::attach(project, config);
    let project = &*project;
    let report = berth_audit::audit(&berth_audit::Context {
        project,
        production: berth_audit::run::is_production(project, None, false),
        running: &[],
        config,
        suppressions: &suppressions,
    });
    report
        .findings
        .iter()
        .map(|f| {
            let d = &f.diagnostic;
            let location = d.primary_span().and_then(|span| {
                let file = project.sources.get(span.file)?;
                let (line, column) = file.line_col(span.start);
                let path = berth_audit::output::display_path(project, &file.path);
                Some(format!("{path}:{line}:{column}"))
            });
            Finding {
                code: d.code.clone().unwrap_or_default(),
                severity: d.severity.as_str(),
                message: berth_model::redact::mask(&d.message).text.into_owned(),
                service: f.service.clone(),
                location,
            }
        })
        .collect()
}

/// The findings as `GET /api/findings` answers them.
#[must_use]
pub fn to_json(findings: &[Finding]) -> Json {
    json!(findings
        .iter()
        .map(|f| json!({
            "code": f.code,
            "severity": f.severity,
            "message": f.message,
            "service": f.service,
            "location": f.location,
        }))
        .collect::<Vec<_>>())
}
