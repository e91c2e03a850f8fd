//! Baselines: `berth audit --baseline FILE` writes the current findings to FILE when it does
//! not exist; later runs report only the findings FILE does not hold. A finding is known by
//! its rule, file, service and message, not by its line: editing the file above a finding
//! does not make it new. A finding listed once covers one occurrence.

use std::collections::HashMap;

use serde_json::{json, Value};

use crate::output::{display_path, Run};
use crate::Finding;

/// What identifies a finding in a baseline.
type Key = (String, String, String, String);

fn key(run: &Run, f: &Finding) -> Key {
    let d = &f.diagnostic;
    let file = d
        .primary_span()
        .and_then(|s| run.project.sources.path(s.file))
        .map(|p| display_path(&run.project, p))
        .unwrap_or_default();
    (
        d.code.clone().unwrap_or_default(),
        file,
        f.service.clone().unwrap_or_default(),
        berth_model::redact::mask(&d.message).text.into_owned(),
    )
}

/// The baseline of `runs`: every finding, each once, as a JSON document.
#[must_use]
pub fn write(runs: &[Run]) -> String {
    let mut findings = Vec::new();
    for s in crate::output::merged(runs, false) {
        let (code, file, service, message) = key(s.run, s.finding);
        findings.push(json!({"code": code, "file": file, "service": service, "message": message}));
    }
    let doc = json!({"berth-audit-baseline": 1, "findings": findings});
    let mut text = serde_json::to_string_pretty(&doc).unwrap_or_default();
    text.push('\n');
    text
}

/// Moves the findings of each run that `baseline` (a document [`write`] made) holds to the
/// run's `baselined`.
///
/// # Errors
/// A document that is not a baseline.
pub fn apply(runs: &mut [Run], baseline: &str) -> Result<(), String> {
    let doc: Value = serde_json::from_str(baseline).map_err(|e| {
        format!(
            "not a baseline: line {}, column {}: {e}",
            e.line(),
            e.column()
        )
    })?;
    let Some(listed) = doc.get("findings").and_then(Value::as_array) else {
        return Err("not a baseline: no \"findings\" list".into());
    };
    let text = |v: &Value, k: &str| v.get(k).and_then(Value::as_str).unwrap_or("").to_string();
    let mut known: HashMap<Key, usize> = HashMap::new();
    for f in listed {
        let k = (
            text(f, "code"),
            text(f, "file"),
            text(f, "service"),
            text(f, "message"),
        );
        *known.entry(k).or_default() += 1;
    }
    for run in runs.iter_mut() {
        let mut left = known.clone();
        let findings = std::mem::take(&mut run.report.findings);
        for f in findings {
            match left.get_mut(&key(run, &f)) {
                Some(n) if *n > 0 => {
                    *n -= 1;
                    run.report.baselined.push(f);
                }
                _ => run.report.findings.push(f),
            }
        }
    }
    Ok(())
}
