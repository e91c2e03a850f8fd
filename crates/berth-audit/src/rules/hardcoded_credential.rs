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
//!
//! `berth audit --fix` moves the value to `.env` (which Compose reads; keep it out of version
//! control) and writes `${NAME}` in its place, with the name in `.env.example`.

use berth_model::redact::{password_arguments, url_passwords};
use berth_model::{Diagnostic, Span};

use crate::facts::{command_line, environment, in_compose_file, interpolated, secret_name};
use crate::{Context, Sink};

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
            } else if !url_passwords(&value).is_empty() {
                report(s.name, span, format!("{key} holds a password in its URL"));
            }
        }
        // The command, the entrypoint and the healthcheck's test: a password passed as an
        // argument (`--requirepass`, `--password`, mysql's `-pX`, `redis-cli -a`, mosquitto's
        // `-P`) or inside a URL.
        let test = s
            .healthcheck()
            .and_then(|h| Some((h.test?.join(" "), h.test_span?)));
        let lines = [
            command_line(&s, "command"),
            command_line(&s, "entrypoint"),
            test,
        ];
        for (text, span) in lines.into_iter().flatten() {
            if interpolated(p, span) {
                continue;
            }
            if let Some((flag, _)) = password_arguments(&text).into_iter().next() {
                report(s.name, span, format!("{flag} is given a literal password"));
            } else if !url_passwords(&text).is_empty() {
                report(s.name, span, "a command holds a password in a URL".into());
            }
        }
    }
}
