//! The audit's configuration: which rules run and at which level, and the suppressions that
//! live outside the compose files. It comes from `berth.toml` beside the compose files (the
//! first file's folder) and from `--select`, `--extend-select` and `--ignore`:
//!
//! ```toml
//! [audit]
//! select = ["B"]                 # the rules to run (default: those on by default)
//! extend-select = ["B8"]         # added to the selection: here every hardening rule
//! ignore = ["B705"]              # taken out of it
//!
//! [audit.rules]                  # a level per rule: error, warning, info or off
//! B703 = "off"
//! B704 = "error"
//!
//! [[audit.suppress]]             # findings accepted, with the reason (required)
//! rules = ["B707"]
//! services = ["traefik"]         # optional: only these services
//! files = ["docker-compose.prod.yml"]  # optional: only findings in these files
//! reason = "reads the labels of containers through a read-only socket proxy"
//! ```
//!
//! A selector is `ALL`, a code or the start of one (`B8` is every 8xx rule), or a rule's name.

use std::collections::BTreeMap;
use std::ops::Range;
use std::path::{Path, PathBuf};

use berth_model::Severity;
use serde::Deserialize;
use toml::Spanned;

use crate::{Rule, RULES};

/// The configuration file's name.
pub const FILE_NAME: &str = "berth.toml";

/// A rule's level: a severity, or off.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Level {
    Off,
    On(Severity),
}

/// A selector and where it is written (none when it came from the command line).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Selector {
    pub text: String,
    pub at: Option<Range<usize>>,
}

impl Selector {
    /// Whether the selector picks `rule`.
    #[must_use]
    pub fn matches(&self, rule: &Rule) -> bool {
        matches(&self.text, rule)
    }
}

/// Whether `selector` picks `rule`: `ALL`, a code or its start, or the rule's name.
#[must_use]
pub fn matches(selector: &str, rule: &Rule) -> bool {
    let s = selector.trim();
    s.eq_ignore_ascii_case("ALL")
        || rule.name == s
        || (!s.is_empty()
            && rule
                .code
                .get(..s.len())
                .is_some_and(|p| p.eq_ignore_ascii_case(s)))
}

/// A suppression written in the configuration file, with where it is written.
#[derive(Clone, Debug)]
pub struct ConfigSuppression {
    pub rules: Vec<String>,
    pub services: Vec<String>,
    pub files: Vec<String>,
    pub reason: String,
    /// Where the `[[audit.suppress]]` table is written in the file.
    pub at: Range<usize>,
}

/// The audit's configuration.
#[derive(Clone, Debug, Default)]
pub struct Config {
    /// The file read, and its text (findings about its suppressions point into it).
    pub file: Option<(PathBuf, String)>,
    /// `select`: replaces the default selection when given.
    pub select: Option<Vec<Selector>>,
    pub extend_select: Vec<Selector>,
    pub ignore: Vec<Selector>,
    /// A level per rule code.
    pub levels: BTreeMap<&'static str, Level>,
    pub suppressions: Vec<ConfigSuppression>,
}

/// Why a configuration could not be read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConfigError {
    /// The file, or `--select`/`--ignore` for a command-line selector.
    pub origin: String,
    /// Line and column (from 1) in the file, when it is one.
    pub at: Option<(usize, usize)>,
    pub message: String,
}

impl std::fmt::Display for ConfigError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.at {
            Some((line, column)) => write!(f, "{}:{line}:{column}: {}", self.origin, self.message),
            None => write!(f, "{}: {}", self.origin, self.message),
        }
    }
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct FileDoc {
    #[serde(default)]
    audit: AuditDoc,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct AuditDoc {
    select: Option<Vec<Spanned<String>>>,
    #[serde(default)]
    extend_select: Vec<Spanned<String>>,
    #[serde(default)]
    ignore: Vec<Spanned<String>>,
    #[serde(default)]
    rules: BTreeMap<String, Spanned<String>>,
    #[serde(default)]
    suppress: Vec<Spanned<SuppressDoc>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SuppressDoc {
    rules: Vec<Spanned<String>>,
    #[serde(default)]
    services: Vec<String>,
    #[serde(default)]
    files: Vec<String>,
    reason: Spanned<String>,
}

/// Line and column (from 1, in characters) of byte `offset` of `text`.
fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let start = before.rfind('\n').map_or(0, |i| i + 1);
    (line, before[start..].chars().count() + 1)
}

impl Config {
    /// The configuration file beside the compose files, if there is one: `berth.toml` in
    /// `dir`.
    ///
    /// # Errors
    /// A file that cannot be read, is not TOML, or names a rule or level that does not exist.
    pub fn discover(dir: &Path) -> Result<Config, ConfigError> {
        let path = dir.join(FILE_NAME);
        if !path.is_file() {
            return Ok(Config::default());
        }
        Config::read(&path)
    }

    /// The configuration file at `path`.
    ///
    /// # Errors
    /// As [`Config::discover`].
    pub fn read(path: &Path) -> Result<Config, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|e| ConfigError {
            origin: path.display().to_string(),
            at: None,
            message: format!("cannot read it: {e}"),
        })?;
        Config::parse(path, &text)
    }

    /// The configuration in `text`, read from `path`.
    ///
    /// # Errors
    /// As [`Config::discover`].
    pub fn parse(path: &Path, text: &str) -> Result<Config, ConfigError> {
        let origin = path.display().to_string();
        let fail = |at: Option<Range<usize>>, message: String| ConfigError {
            origin: origin.clone(),
            at: at.map(|r| line_col(text, r.start)),
            message,
        };
        let doc: FileDoc = toml::from_str(text).map_err(|e| {
            let message = e.message().trim().to_string();
            fail(e.span(), message)
        })?;
        let a = doc.audit;
        let selectors = |list: Vec<Spanned<String>>| -> Result<Vec<Selector>, ConfigError> {
            list.into_iter()
                .map(|s| {
                    let sel = Selector {
                        at: Some(s.span()),
                        text: s.into_inner(),
                    };
                    check_selector(&sel.text).map_err(|m| fail(sel.at.clone(), m))?;
                    Ok(sel)
                })
                .collect()
        };
        let mut levels = BTreeMap::new();
        for (key, level) in a.rules {
            let Some(rule) = crate::rule(&key) else {
                return Err(fail(
                    Some(level.span()),
                    format!("no rule {key:?}: `berth audit --list-rules` lists them"),
                ));
            };
            let parsed = parse_level(level.get_ref()).map_err(|m| fail(Some(level.span()), m))?;
            levels.insert(rule.code, parsed);
        }
        let mut suppressions = Vec::new();
        for s in a.suppress {
            let at = s.span();
            let s = s.into_inner();
            let reason = s.reason.get_ref().trim().to_string();
            if reason.is_empty() {
                return Err(fail(
                    Some(s.reason.span()),
                    "a suppression needs a reason: say why the finding is accepted".into(),
                ));
            }
            let mut rules = Vec::new();
            for r in s.rules {
                check_selector(r.get_ref()).map_err(|m| fail(Some(r.span()), m))?;
                rules.push(r.into_inner());
            }
            suppressions.push(ConfigSuppression {
                rules,
                services: s.services,
                files: s.files,
                reason,
                at,
            });
        }
        Ok(Config {
            file: Some((path.to_path_buf(), text.to_string())),
            select: a.select.map(selectors).transpose()?,
            extend_select: selectors(a.extend_select)?,
            ignore: selectors(a.ignore)?,
            levels,
            suppressions,
        })
    }

    /// The selection given on the command line on top of the file's: `--select` replaces
    /// `select`, `--extend-select` and `--ignore` add to theirs. Each value may hold several
    /// selectors separated by commas.
    ///
    /// # Errors
    /// A selector that picks no rule.
    pub fn with_command_line(
        mut self,
        select: &[String],
        extend_select: &[String],
        ignore: &[String],
    ) -> Result<Config, ConfigError> {
        let parse = |flag: &str, values: &[String]| -> Result<Vec<Selector>, ConfigError> {
            let mut out = Vec::new();
            for v in values {
                for text in v.split(',').map(str::trim).filter(|t| !t.is_empty()) {
                    check_selector(text).map_err(|message| ConfigError {
                        origin: flag.to_string(),
                        at: None,
                        message,
                    })?;
                    out.push(Selector {
                        text: text.to_string(),
                        at: None,
                    });
                }
            }
            Ok(out)
        };
        if !select.is_empty() {
            self.select = Some(parse("--select", select)?);
        }
        self.extend_select
            .extend(parse("--extend-select", extend_select)?);
        self.ignore.extend(parse("--ignore", ignore)?);
        Ok(self)
    }

    /// The severity `rule` reports at, or none when it does not run.
    #[must_use]
    pub fn severity(&self, rule: &Rule) -> Option<Severity> {
        let any = |list: &[Selector]| list.iter().any(|s| s.matches(rule));
        let selected = match &self.select {
            Some(list) => any(list),
            None => rule.default_on,
        } || any(&self.extend_select);
        match self.levels.get(rule.code) {
            Some(Level::Off) => None,
            // A level written for a rule turns it on, unless it is ignored.
            Some(Level::On(s)) => (!any(&self.ignore)).then_some(*s),
            None => (selected && !any(&self.ignore)).then_some(rule.severity),
        }
    }
}

fn parse_level(s: &str) -> Result<Level, String> {
    Ok(match s {
        "off" => Level::Off,
        "error" => Level::On(Severity::Error),
        "warning" => Level::On(Severity::Warning),
        "info" => Level::On(Severity::Info),
        other => {
            return Err(format!(
                "invalid level {other:?}: expected error, warning, info or off"
            ))
        }
    })
}

/// A selector that picks at least one rule.
fn check_selector(s: &str) -> Result<(), String> {
    if RULES.iter().any(|r| matches(s, r)) {
        Ok(())
    } else {
        Err(format!(
            "{s:?} selects no rule: `berth audit --list-rules` lists them"
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Config, ConfigError> {
        Config::parse(Path::new("berth.toml"), text)
    }

    #[test]
    fn the_default_selection_is_the_rules_on_by_default() {
        let c = Config::default();
        let b705 = crate::rule("B705").expect("rule");
        let b803 = crate::rule("B803").expect("rule");
        assert_eq!(c.severity(b705), Some(Severity::Warning));
        assert_eq!(c.severity(b803), None);
    }

    #[test]
    fn select_extend_ignore_and_levels() {
        let c = parse(
            "[audit]\nextend-select = [\"B8\"]\nignore = [\"unpinned-image\"]\n[audit.rules]\nB703 = \"off\"\nB704 = \"error\"\n",
        )
        .expect("config");
        let sev = |code| c.severity(crate::rule(code).expect("rule"));
        assert_eq!(sev("B803"), Some(Severity::Info));
        assert_eq!(sev("B705"), None);
        assert_eq!(sev("B703"), None);
        assert_eq!(sev("B704"), Some(Severity::Error));
        let c = c
            .with_command_line(&["B2,B5".into()], &[], &[])
            .expect("cli");
        let sev = |code| c.severity(crate::rule(code).expect("rule"));
        assert_eq!(sev("B201"), Some(Severity::Error));
        assert_eq!(sev("B803"), Some(Severity::Info), "extend-select stays");
        assert_eq!(sev("B401"), None);
    }

    #[test]
    fn errors_name_the_line_and_column() {
        let e = parse("[audit]\nselect = [\"B9\"]\n").expect_err("bad selector");
        assert_eq!(
            e.to_string(),
            "berth.toml:2:11: \"B9\" selects no rule: `berth audit --list-rules` lists them"
        );
        let e = parse("[audit.rules]\nB703 = \"loud\"\n").expect_err("bad level");
        assert!(
            e.to_string().starts_with("berth.toml:2:8: invalid level"),
            "{e}"
        );
        let e = parse("[[audit.suppress]]\nrules = [\"B707\"]\nreason = \" \"\n")
            .expect_err("no reason");
        assert!(
            e.to_string()
                .starts_with("berth.toml:3:10: a suppression needs a reason"),
            "{e}"
        );
        let e = parse("[[audit.suppress]]\nrules = [\"B707\"]\n").expect_err("missing reason");
        assert!(e.to_string().contains("reason"), "{e}");
        let e = parse("[audit]\nselct = []\n").expect_err("unknown key");
        assert!(
            e.to_string()
                .starts_with("berth.toml:2:1: unknown field `selct`"),
            "{e}"
        );
    }
}
