//! A service's `depends_on` entries, read once for every stage: the engine's start order and
//! waits, the audit's rules, the docs' tables and graphs.

use crate::source::Span;
use crate::value::Value;

/// How a dependency gates the start of its dependent (`depends_on.condition`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Condition {
    Started,
    Healthy,
    CompletedSuccessfully,
}

impl Condition {
    /// The condition written: anything but the two others is `service_started`, its default.
    #[must_use]
    pub fn parse(s: &str) -> Condition {
        match s {
            "service_healthy" => Condition::Healthy,
            "service_completed_successfully" => Condition::CompletedSuccessfully,
            _ => Condition::Started,
        }
    }

    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Condition::Started => "service_started",
            Condition::Healthy => "service_healthy",
            Condition::CompletedSuccessfully => "service_completed_successfully",
        }
    }
}

/// One `depends_on` entry (canonical: the long syntax, after the loader).
#[derive(Clone, Copy, Debug)]
pub struct Dependency<'a> {
    /// The service depended on.
    pub service: &'a str,
    /// Where the entry's key is written.
    pub span: Span,
    pub condition: Condition,
    /// Where `condition` is written, when it is.
    pub condition_span: Option<Span>,
    /// `required` (true unless written false).
    pub required: bool,
    /// `restart`: the dependent restarts when this dependency is recreated.
    pub restart: bool,
}

/// The entries of a `depends_on` mapping, in the order of the model.
pub fn entries(depends_on: Option<&Value>) -> impl Iterator<Item = Dependency<'_>> {
    depends_on
        .and_then(Value::as_map)
        .into_iter()
        .flat_map(crate::value::Map::iter)
        .map(|(k, d)| {
            let condition = d.get("condition");
            Dependency {
                service: k.name.as_str(),
                span: k.span,
                condition: Condition::parse(condition.and_then(Value::as_str).unwrap_or("")),
                condition_span: condition.map(|c| c.span),
                required: d.get("required").and_then(Value::as_bool).unwrap_or(true),
                restart: d.get("restart").and_then(Value::as_bool).unwrap_or(false),
            }
        })
}
