//! ## What it does
//! Finds names of one kind (services, volumes or networks) that mix conventions: `snake_case`,
//! `kebab-case` and `camelCase` side by side. The names in the less used conventions are
//! reported.
//!
//! ## Why
//! Mixed conventions make names hard to guess and let near-duplicates slip in
//! (`postgres_data` and `postgres-data` are two volumes). The seeds' betanet file named its
//! volumes `betanet-node1-data`, `betanet_node2_data` and `betanetNode3Data`.
//!
//! ## Example
//! ```yaml
//! volumes:
//!   node1-data: {}
//!   node2_data: {}
//! ```
//!
//! ## Use instead
//! One convention per kind; Compose's own generated names use `_` between project and key,
//! so `kebab-case` keys read best.
//!
//! `berth audit --fix` renames a volume to the convention in every file, setting `name:` to
//! the name it has on the engine so that its data stays.

use std::collections::BTreeMap;

use berth_model::{Diagnostic, Value};

use crate::{Context, Sink};

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Style {
    Snake,
    Kebab,
    Camel,
}

impl Style {
    pub(crate) fn of(name: &str) -> Option<Style> {
        let upper = name.chars().any(|c| c.is_ascii_uppercase());
        let lower = name.chars().any(|c| c.is_ascii_lowercase());
        match (name.contains('_'), name.contains('-'), upper && lower) {
            (_, _, true) => Some(Style::Camel),
            (true, false, false) => Some(Style::Snake),
            (false, true, false) => Some(Style::Kebab),
            // One word fits any convention; both separators is its own problem, reported as
            // the less common style below.
            (false, false, false) => None,
            (true, true, false) => Some(Style::Snake),
        }
    }

    fn as_str(self) -> &'static str {
        match self {
            Style::Snake => "snake_case",
            Style::Kebab => "kebab-case",
            Style::Camel => "camelCase",
        }
    }
}

/// The style most keys of a section use (the first in order on a tie), when they use several.
pub(crate) fn convention<'k>(keys: impl Iterator<Item = &'k str>) -> Option<Style> {
    let mut count: BTreeMap<Style, usize> = BTreeMap::new();
    for k in keys {
        if let Some(s) = Style::of(k) {
            *count.entry(s).or_default() += 1;
        }
    }
    if count.len() < 2 {
        return None;
    }
    count
        .iter()
        .max_by(|a, b| a.1.cmp(b.1).then(b.0.cmp(a.0)))
        .map(|(s, _)| *s)
}

/// `name` written in `style`: its words (split at `_`, `-` and a lower-to-upper change) joined
/// as the style joins them.
pub(crate) fn renamed(name: &str, style: Style) -> String {
    let mut words: Vec<String> = Vec::new();
    let mut word = String::new();
    let mut prev_lower = false;
    for c in name.chars() {
        if c == '_' || c == '-' {
            words.push(std::mem::take(&mut word));
            prev_lower = false;
            continue;
        }
        if c.is_ascii_uppercase() && prev_lower {
            words.push(std::mem::take(&mut word));
        }
        prev_lower = c.is_ascii_lowercase() || c.is_ascii_digit();
        word.push(c);
    }
    words.push(word);
    let words: Vec<String> = words.into_iter().filter(|w| !w.is_empty()).collect();
    match style {
        Style::Snake => words
            .iter()
            .map(|w| w.to_ascii_lowercase())
            .collect::<Vec<_>>()
            .join("_"),
        Style::Kebab => words
            .iter()
            .map(|w| w.to_ascii_lowercase())
            .collect::<Vec<_>>()
            .join("-"),
        Style::Camel => words
            .iter()
            .enumerate()
            .map(|(i, w)| {
                let w = w.to_ascii_lowercase();
                if i == 0 {
                    w
                } else {
                    let mut c = w.chars();
                    c.next()
                        .map(|f| f.to_ascii_uppercase().to_string() + c.as_str())
                        .unwrap_or_default()
                }
            })
            .collect(),
    }
}

pub fn check(cx: &Context, out: &mut Sink) {
    for (section, what) in [
        ("services", "service"),
        ("volumes", "volume"),
        ("networks", "network"),
    ] {
        let Some(m) = cx.project.tree.get(section).and_then(Value::as_map) else {
            continue;
        };
        let named: Vec<(&berth_model::Key, Style)> = m
            .iter()
            .filter(|(k, _)| !k.span.is_synthetic())
            .filter_map(|(k, _)| Style::of(&k.name).map(|s| (k, s)))
            .collect();
        let Some(main) = convention(named.iter().map(|(k, _)| k.name.as_str())) else {
            continue;
        };
        for (key, style) in named.iter().filter(|(_, s)| *s != main) {
            out.report(
                (section == "services").then_some(key.name.as_str()),
                Diagnostic::warning(format!(
                    "{what} `{}` is named in {} while most {what}s use {}",
                    key.name,
                    style.as_str(),
                    main.as_str()
                ))
                .with_label(key.span, format!("{} name", style.as_str())),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_rewritten_in_each_style() {
        assert_eq!(renamed("node1-data", Style::Snake), "node1_data");
        assert_eq!(
            renamed("betanetNode3Data", Style::Snake),
            "betanet_node3_data"
        );
        assert_eq!(renamed("redis_data", Style::Kebab), "redis-data");
        assert_eq!(renamed("grafana-data", Style::Camel), "grafanaData");
    }
}
