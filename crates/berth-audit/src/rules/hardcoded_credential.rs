//! ## What it does
//! Finds credentials written into the compose files. That is literal values of password,
//! secret, token and key variables, passwords inside connection strings
//! (`postgresql://user:password@db/app`), and passwords given as arguments (`--requirepass`,
//! `--password`, mosquitto's `-P`) in a command, an entrypoint or a healthcheck.
//!
//! ## Why
//! Compose files are committed, copied and printed (`docker compose config`); a credential in
//! them is shared with everyone who can read the repository, and is the same in every
//! environment. The seeds counted five such credentials in fog-compute's files.
//!
//! ## Example
//! ```yaml
//! services:
//!   postgres: {environment: {POSTGRES_PASSWORD: fog_password}}
//! ```
//!
//! ## Use instead
//! An interpolated variable set outside the files (`${POSTGRES_PASSWORD:?required}`, from
//! `.env` or the deployment's environment), or a secret:
//! `POSTGRES_PASSWORD_FILE: /run/secrets/postgres_password`.

use berth_model::{Diagnostic, Span};

use crate::facts::{command_line, environment, in_compose_file, interpolated, secret_name};
use crate::{Context, Sink};

/// The password of every `scheme://user:password@` in `text`.
pub(crate) fn url_passwords(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(i) = rest.find("://") {
        let after = &rest[i + 3..];
        let end = after
            .find(|c: char| c == '/' || c.is_whitespace())
            .unwrap_or(after.len());
        let authority = &after[..end];
        if let Some((userinfo, _)) = authority.rsplit_once('@') {
            if let Some((_, password)) = userinfo.split_once(':') {
                if !password.is_empty() {
                    out.push(password);
                }
            }
        }
        rest = &after[end..];
    }
    out
}

pub fn check(cx: &Context, out: &mut Sink) {
    let p = cx.project;
    let mut report = |service: &str, span: Span, what: String| {
        out.report(
            Some(service),
            Diagnostic::error(format!("hard-coded credential in `{service}`: {what}"))
                .with_label(span, "written in the file"),
        );
    };
    for s in p.services() {
        for (key, value, span) in environment(&s) {
            let Some(value) = value.filter(|v| !v.is_empty()) else {
                continue;
            };
            if interpolated(p, span) || !in_compose_file(p, span) {
                continue;
            }
            if secret_name(key) {
                report(s.name, span, format!("{key} is set to a literal value"));
            } else if !url_passwords(value).is_empty() {
                report(s.name, span, format!("{key} holds a password in its URL"));
            }
        }
        // The command, the entrypoint and the healthcheck's test: a password passed as an
        // argument (`--requirepass`, `--password`, mosquitto's `-P`) or inside a URL.
        let test = s.get("healthcheck").and_then(|h| h.get("test")).map(|t| {
            let words: Vec<String> = t
                .as_seq()
                .map(|items| {
                    items
                        .iter()
                        .filter_map(berth_model::Value::scalar_to_string)
                        .collect()
                })
                .or_else(|| t.scalar_to_string().map(|x| vec![x]))
                .unwrap_or_default();
            (words.join(" "), t.span)
        });
        let lines = [
            command_line(&s, "command"),
            command_line(&s, "entrypoint"),
            test,
        ];
        for (text, span) in lines.into_iter().flatten() {
            if interpolated(p, span) {
                continue;
            }
            if let Some(flag) = password_argument(&text) {
                report(s.name, span, format!("{flag} is given a literal password"));
            } else if !url_passwords(&text).is_empty() {
                report(s.name, span, "a command holds a password in a URL".into());
            }
        }
    }
}

/// The flag of the first password given on a command line as a literal: `--requirepass X`,
/// `--masterauth X`, `--password X` or `--password=X`, `--pass X`, and `-P X` after
/// `mosquitto_pub`/`mosquitto_sub`.
fn password_argument(text: &str) -> Option<String> {
    let words: Vec<&str> = text.split_whitespace().collect();
    let mosquitto = words
        .iter()
        .any(|w| w.ends_with("mosquitto_pub") || w.ends_with("mosquitto_sub"));
    for (i, w) in words.iter().enumerate() {
        let (flag, inline) = match w.split_once('=') {
            Some((f, v)) if f.starts_with("--") => (f, Some(v)),
            _ => (*w, None),
        };
        let takes = matches!(
            flag,
            "--requirepass" | "--masterauth" | "--password" | "--pass"
        ) || (mosquitto && flag == "-P");
        if !takes {
            continue;
        }
        let value = inline.or_else(|| words.get(i + 1).copied());
        if value.is_some_and(|v| !v.is_empty() && literal_argument(v)) {
            return Some(flag.to_string());
        }
    }
    None
}

/// Whether a command-line argument is written out, not read from a variable or a command
/// (`$REDIS_PASSWORD`, `"$(cat /run/secrets/redis)"`, a backquoted command).
fn literal_argument(word: &str) -> bool {
    let w = word.trim_start_matches(['"', '\'']);
    !(w.starts_with('$') || w.starts_with('`'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credential_names_are_told_from_names_about_credentials() {
        for yes in [
            "POSTGRES_PASSWORD",
            "GF_SECURITY_ADMIN_PASSWORD",
            "JWT_SECRET",
            "SECRET_KEY",
            "GITHUB_TOKEN",
            "AWS_SECRET_ACCESS_KEY",
            "api_key",
            "RAILS_SECRET_KEY_BASE",
        ] {
            assert!(secret_name(yes), "{yes}");
        }
        for no in [
            "ACCESS_TOKEN_EXPIRE_MINUTES",
            "POSTGRES_PASSWORD_FILE",
            "GF_SECURITY_ADMIN_PASSWORD__FILE",
            "SECRET_KEY_PATH",
            "POSTGRES_USER",
            "TOKEN_URL",
            "LOG_LEVEL",
        ] {
            assert!(!secret_name(no), "{no}");
        }
        assert!(literal_argument("hunter2"));
        assert_eq!(
            password_argument("redis-server --requirepass hunter2").as_deref(),
            Some("--requirepass")
        );
        assert_eq!(
            password_argument("mosquitto_pub -h localhost -u u -P secret").as_deref(),
            Some("-P")
        );
        assert_eq!(
            password_argument("psql --password=abc").as_deref(),
            Some("--password")
        );
        assert_eq!(password_argument("ls -P x"), None);
        assert_eq!(password_argument("redis-server --requirepass $$PW"), None);
        assert!(!literal_argument("\"$(cat /run/secrets/redis)\""));
        assert!(!literal_argument("$REDIS_PASSWORD"));
    }
}
