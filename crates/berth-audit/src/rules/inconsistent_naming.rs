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

use std::collections::BTreeMap;

use berth_model::{Diagnostic, Value};

use crate::{Context, Sink};

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Style {
    Snake,
    Kebab,
    Camel,
}

impl Style {
    fn of(name: &str) -> Option<Style> {
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
        let mut count: BTreeMap<Style, usize> = BTreeMap::new();
        for (_, s) in &named {
            *count.entry(*s).or_default() += 1;
        }
        if count.len() < 2 {
            continue;
        }
        // The most used style is the project's convention (the first in order on a tie).
        let Some(main) = count
            .iter()
            .max_by(|a, b| a.1.cmp(b.1).then(b.0.cmp(a.0)))
            .map(|(s, _)| *s)
        else {
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
