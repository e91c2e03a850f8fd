//! The one table of rules: stable codes, names, severities and where each applies. A code is
//! never reused or renumbered; the tests check that codes are unique and every rule has docs.

use berth_model::Severity;

use crate::{rules, Context, Sink};

/// Where a rule applies.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scope {
    /// Every project.
    All,
    /// Production combinations only (a `prod` file among the files, or `--production`).
    Production,
}

pub struct Rule {
    /// Stable code, `B` and three digits: 0xx the audit's own settings, 1xx duplication, 2xx ports and exposure,
    /// 3xx reachability, 4xx development settings, 5xx credentials, 6xx naming, 7xx operations,
    /// 8xx container hardening.
    pub code: &'static str,
    /// Short kebab-case name.
    pub name: &'static str,
    pub severity: Severity,
    pub scope: Scope,
    /// Whether the rule runs without being selected (`berth.toml`'s `select`, `--select`):
    /// rules that would report nearly every service of every project are off by default.
    pub default_on: bool,
    /// The rule's source file; its `//!` comment is the documentation.
    source: &'static str,
    pub check: fn(&Context, &mut Sink),
}

impl Rule {
    /// The rule's documentation: What it does / Why / Example / Use instead.
    #[must_use]
    pub fn doc(&self) -> String {
        let mut out = String::new();
        for line in self.source.lines() {
            let Some(text) = line.strip_prefix("//!") else {
                break;
            };
            out.push_str(text.strip_prefix(' ').unwrap_or(text));
            out.push('\n');
        }
        out
    }

    /// One sentence saying what the rule finds: the first of its "What it does" section.
    #[must_use]
    pub fn summary(&self) -> String {
        let doc = self.doc();
        let what = doc
            .split("## What it does")
            .nth(1)
            .unwrap_or(&doc)
            .split("\n\n")
            .map(str::trim)
            .find(|p| !p.is_empty())
            .unwrap_or_default()
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
        match what.find(". ") {
            Some(i) => what[..=i].to_string(),
            None => what,
        }
    }
}

macro_rules! rule {
    ($code:literal, $name:literal, $sev:ident, $scope:ident, $module:ident) => {
        rule!($code, $name, $sev, $scope, $module, true)
    };
    ($code:literal, $name:literal, $sev:ident, $scope:ident, $module:ident, $on:literal) => {
        Rule {
            code: $code,
            name: $name,
            severity: Severity::$sev,
            scope: Scope::$scope,
            default_on: $on,
            source: include_str!(concat!("rules/", stringify!($module), ".rs")),
            check: rules::$module::check,
        }
    };
}

/// Every rule, by code.
pub static RULES: &[Rule] = &[
    rule!(
        "B001",
        "unused-suppression",
        Warning,
        All,
        unused_suppression
    ),
    rule!(
        "B101",
        "duplicate-definition",
        Error,
        All,
        duplicate_definition
    ),
    rule!("B102", "duplicate-role", Warning, All, duplicate_role),
    rule!("B201", "host-port-conflict", Error, All, host_port_conflict),
    rule!(
        "B202",
        "exposed-backing-service",
        Warning,
        All,
        exposed_backing_service
    ),
    rule!(
        "B203",
        "production-published-port",
        Warning,
        Production,
        production_published_port
    ),
    rule!(
        "B204",
        "redis-without-auth",
        Warning,
        All,
        redis_without_auth
    ),
    rule!("B301", "no-shared-network", Error, All, no_shared_network),
    rule!(
        "B302",
        "published-internal-only",
        Warning,
        All,
        published_internal_only
    ),
    rule!("B401", "source-bind-mount", Warning, All, source_bind_mount),
    rule!("B402", "dev-server-flag", Warning, All, dev_server_flag),
    rule!("B403", "dev-build", Warning, All, dev_build),
    rule!("B404", "debug-logging", Warning, All, debug_logging),
    rule!(
        "B405",
        "dev-tool-without-profile",
        Warning,
        All,
        dev_tool_without_profile
    ),
    rule!(
        "B501",
        "hardcoded-credential",
        Error,
        All,
        hardcoded_credential
    ),
    rule!(
        "B502",
        "credential-default",
        Warning,
        All,
        credential_default
    ),
    rule!(
        "B601",
        "inconsistent-naming",
        Warning,
        All,
        inconsistent_naming
    ),
    rule!(
        "B602",
        "missing-project-name",
        Info,
        Production,
        missing_project_name
    ),
    rule!(
        "B701",
        "healthy-without-healthcheck",
        Error,
        All,
        healthy_without_healthcheck
    ),
    rule!(
        "B702",
        "depends-on-monitoring",
        Warning,
        All,
        depends_on_monitoring
    ),
    rule!(
        "B703",
        "missing-healthcheck",
        Info,
        All,
        missing_healthcheck
    ),
    rule!(
        "B704",
        "missing-resource-limits",
        Warning,
        Production,
        missing_resource_limits
    ),
    rule!("B705", "unpinned-image", Warning, All, unpinned_image),
    rule!("B706", "privileged", Warning, All, privileged),
    rule!("B707", "docker-socket", Warning, All, docker_socket),
    rule!("B708", "runs-as-root", Info, All, runs_as_root),
    rule!("B801", "host-namespace", Warning, All, host_namespace),
    rule!(
        "B802",
        "dangerous-capability",
        Warning,
        All,
        dangerous_capability
    ),
    rule!(
        "B803",
        "missing-cap-drop",
        Info,
        All,
        missing_cap_drop,
        false
    ),
    rule!(
        "B804",
        "unconfined-profile",
        Warning,
        All,
        unconfined_profile
    ),
    rule!("B805", "host-device", Warning, All, host_device),
    rule!(
        "B806",
        "sensitive-host-mount",
        Warning,
        All,
        sensitive_host_mount
    ),
    rule!("B807", "logging-disabled", Warning, All, logging_disabled),
    rule!(
        "B808",
        "missing-no-new-privileges",
        Info,
        All,
        missing_no_new_privileges,
        false
    ),
    rule!(
        "B809",
        "writable-root-filesystem",
        Info,
        All,
        writable_root_filesystem,
        false
    ),
    rule!(
        "B810",
        "image-without-digest",
        Info,
        All,
        image_without_digest,
        false
    ),
    rule!(
        "B811",
        "build-with-registry-image",
        Warning,
        All,
        build_with_registry_image
    ),
];

/// The rule of this code (case-insensitive) or name.
#[must_use]
pub fn rule(code_or_name: &str) -> Option<&'static Rule> {
    RULES
        .iter()
        .find(|r| r.code.eq_ignore_ascii_case(code_or_name) || r.name == code_or_name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_and_names_are_unique_and_every_rule_is_documented() {
        let mut codes: Vec<&str> = RULES.iter().map(|r| r.code).collect();
        let mut names: Vec<&str> = RULES.iter().map(|r| r.name).collect();
        codes.sort_unstable();
        names.sort_unstable();
        codes.dedup();
        names.dedup();
        assert_eq!(codes.len(), RULES.len());
        assert_eq!(names.len(), RULES.len());
        for r in RULES {
            let doc = r.doc();
            for section in ["## What it does", "## Why", "## Example", "## Use instead"] {
                assert!(doc.contains(section), "{} lacks {section}", r.code);
            }
            let summary = r.summary();
            assert!(
                summary.ends_with('.') && !summary.contains('#') && summary.len() < 300,
                "{}: {summary}",
                r.code
            );
        }
    }
}
