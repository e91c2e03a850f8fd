//! A service's `healthcheck`, read once for every stage: the engine's container config, the
//! audit's rules and the docs' table read the same parsed view.

use crate::source::Span;
use crate::value::Value;

/// A duration as written (`30s`, `1m30s`), with its nanoseconds when it is a valid one.
#[derive(Clone, Copy, Debug)]
pub struct Duration<'a> {
    pub text: &'a str,
    pub nanos: Option<i64>,
    pub span: Span,
}

impl<'a> Duration<'a> {
    pub(crate) fn of(v: Option<&'a Value>) -> Option<Duration<'a>> {
        let v = v?;
        let text = v.as_str()?;
        Some(Duration {
            text,
            nanos: crate::duration::parse_duration(text).and_then(|n| i64::try_from(n).ok()),
            span: v.span,
        })
    }
}

/// A service's `healthcheck` (canonical: `test` is a list of words after the loader).
#[derive(Clone, Debug)]
pub struct Healthcheck<'a> {
    /// Where the healthcheck is defined.
    pub span: Span,
    /// `test` as its words (`["CMD-SHELL", "curl -f …"]`); a string `test` is one word.
    pub test: Option<Vec<String>>,
    /// Where `test` is written.
    pub test_span: Option<Span>,
    /// `disable: true`.
    pub disable: bool,
    pub interval: Option<Duration<'a>>,
    pub timeout: Option<Duration<'a>>,
    pub start_period: Option<Duration<'a>>,
    pub start_interval: Option<Duration<'a>>,
    pub retries: Option<i64>,
}

impl<'a> Healthcheck<'a> {
    /// The view of a `healthcheck` mapping.
    #[must_use]
    pub fn of(h: &'a Value) -> Healthcheck<'a> {
        let test = h.get("test");
        Healthcheck {
            span: h.span,
            test: test.map(|t| match t.as_seq() {
                Some(items) => items.iter().filter_map(Value::scalar_to_string).collect(),
                None => t.scalar_to_string().into_iter().collect(),
            }),
            test_span: test.map(|t| t.span),
            disable: h.get("disable").and_then(Value::as_bool) == Some(true),
            interval: Duration::of(h.get("interval")),
            timeout: Duration::of(h.get("timeout")),
            start_period: Duration::of(h.get("start_period")),
            start_interval: Duration::of(h.get("start_interval")),
            retries: h.get("retries").and_then(Value::as_i64),
        }
    }

    /// Whether it checks anything: a test, and not disabled.
    #[must_use]
    pub fn checks(&self) -> bool {
        !self.disable && self.test.is_some()
    }

    /// What the test runs: its words without `CMD` or `CMD-SHELL`, which say how it runs.
    #[must_use]
    pub fn command(&self) -> Vec<&str> {
        self.test
            .iter()
            .flatten()
            .map(String::as_str)
            .skip_while(|w| *w == "CMD" || *w == "CMD-SHELL")
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::value::{Key, Map, MapKind};

    fn map(entries: Vec<(&str, Value)>) -> Value {
        let mut m = Map::new(MapKind::Struct);
        for (k, v) in entries {
            m.insert(Key::new(k, Span::SYNTHETIC), v);
        }
        Value::map(m, Span::SYNTHETIC)
    }

    #[test]
    fn a_healthcheck_reads_its_test_durations_and_switch() {
        let s = |x: &str| Value::str(x, Span::SYNTHETIC);
        let h = map(vec![
            (
                "test",
                Value::seq(
                    vec![s("CMD-SHELL"), s("curl -f localhost")],
                    Span::SYNTHETIC,
                ),
            ),
            ("interval", s("1m30s")),
            ("timeout", s("nonsense")),
            ("retries", Value::int(3, Span::SYNTHETIC)),
        ]);
        let v = Healthcheck::of(&h);
        assert!(v.checks());
        assert_eq!(v.command(), ["curl -f localhost"]);
        assert_eq!(
            v.interval.map(|d| (d.text, d.nanos)),
            Some(("1m30s", Some(90_000_000_000)))
        );
        assert_eq!(v.timeout.and_then(|d| d.nanos), None);
        assert_eq!(v.retries, Some(3));
        let off = map(vec![("disable", Value::bool(true, Span::SYNTHETIC))]);
        assert!(!Healthcheck::of(&off).checks());
    }
}
