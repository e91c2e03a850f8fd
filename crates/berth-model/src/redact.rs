//! Credentials inside text, found and masked for every output that shows a project's values:
//! the tables and diagrams of `berth docs` and `berth graph`, and the source lines quoted by
//! diagnostics and by the audit's JSON and SARIF output. `config` is not masked: it is the
//! project itself, byte for byte as Docker Compose prints it.
//!
//! What counts as a credential, in one place for the audit's credential rules and for masking:
//! - the value of a variable whose name says it holds one ([`secret_name`]: `DB_PASSWORD`,
//!   `JWT_SECRET`, `GITHUB_PAT`), as `KEY=value`, `KEY: value` or `Password=value;` inside a
//!   connection string;
//! - the password of a URL (`postgres://app:PASSWORD@db/app`);
//! - a password given on a command line ([`password_arguments`]: `--password X`,
//!   `--requirepass X`, mysql's `-pX`, `redis-cli -a X`, mosquitto's `-P X`);
//! - the credentials of an HTTP `Authorization` value (`Bearer X`, `Basic X`);
//! - a token of a well-known shape ([`crate::secrets`]: AWS, GitHub, JWT, npm, Slack, ...).

use std::borrow::Cow;
use std::ops::Range;

use crate::secrets::{self, Kind};

/// What a masked part of a text is replaced with.
pub const MASK: &str = "****";

/// What a whole value that is a credential is shown as.
pub const HIDDEN: &str = "(hidden)";

/// Whether a variable name says it holds a credential: its last word names one
/// (`POSTGRES_PASSWORD`, `JWT_SECRET`, `GITHUB_TOKEN`, `GITHUB_PAT`, `AWS_SECRET_ACCESS_KEY`), or
/// it speaks of a password anywhere. A name about a credential but not one
/// (`ACCESS_TOKEN_EXPIRE_MINUTES`, `PASSWORD_FILE`) is not.
#[must_use]
pub fn secret_name(key: &str) -> bool {
    let k = key.to_ascii_uppercase();
    let words: Vec<&str> = k.split(['_', '-', '.']).filter(|w| !w.is_empty()).collect();
    let Some(last) = words.last() else {
        return false;
    };
    if matches!(
        *last,
        "FILE" | "PATH" | "DIR" | "URL" | "HOST" | "PORT" | "USER"
    ) {
        return false;
    }
    let named = [
        "PASSWORD",
        "PASSWD",
        "PWD",
        "PASS",
        "SECRET",
        "TOKEN",
        "PAT",
        "KEY",
        "APIKEY",
        "CREDENTIAL",
        "CREDENTIALS",
    ]
    .contains(last);
    named || k.contains("PASSWORD") || k.contains("PASSWD") || k.ends_with("SECRET_KEY_BASE")
}

/// The byte range of the password of every `scheme://user:password@` in `text`.
#[must_use]
pub fn url_passwords(text: &str) -> Vec<Range<usize>> {
    let mut out = Vec::new();
    let mut at = 0;
    while let Some(i) = text[at..].find("://") {
        let start = at + i + 3;
        let after = &text[start..];
        let end = after
            .find(|c: char| c == '/' || c.is_whitespace() || c == '"' || c == '\'')
            .unwrap_or(after.len());
        let authority = &after[..end];
        if let Some((userinfo, _)) = authority.rsplit_once('@') {
            if let Some((user, password)) = userinfo.split_once(':') {
                if !password.is_empty() {
                    let from = start + user.len() + 1;
                    out.push(from..from + password.len());
                }
            }
        }
        at = start + end;
    }
    out
}

/// The words of `text` with their byte offsets; quotes, brackets, commas and semicolons
/// separate words as blanks do, so that a YAML flow sequence or a shell line splits alike.
fn words<'a>(text: &'a str, also: &[char]) -> Vec<(usize, &'a str)> {
    let sep = |c: char| c.is_whitespace() || "\"'`[]{}(),;".contains(c) || also.contains(&c);
    let mut out = Vec::new();
    let mut start = None;
    for (i, c) in text.char_indices() {
        match (sep(c), start) {
            (true, Some(s)) => {
                out.push((s, &text[s..i]));
                start = None;
            }
            (false, None) => start = Some(i),
            _ => {}
        }
    }
    if let Some(s) = start {
        out.push((s, &text[s..]));
    }
    out
}

/// Whether a value is written out, not read from a variable or a command (`$REDIS_PASSWORD`,
/// `$(cat /run/secrets/redis)`, a backquoted command).
fn literal(word: &str) -> bool {
    !(word.is_empty() || word.starts_with('$') || word.starts_with('`'))
}

/// Every password given as a literal on a command line, with the flag that gives it:
/// `--requirepass X`, `--masterauth X`, `--password X` or `--password=X`, `--pass X`, mysql's
/// (and mariadb's) `-pX`, `redis-cli -a X`, and `-P X` after `mosquitto_pub`/`mosquitto_sub`.
#[must_use]
pub fn password_arguments(text: &str) -> Vec<(String, Range<usize>)> {
    let words = words(text, &[]);
    let program = |names: &[&str]| {
        words.iter().any(|(_, w)| {
            let base = w.rsplit('/').next().unwrap_or(w);
            names.contains(&base)
        })
    };
    let mosquitto = program(&["mosquitto_pub", "mosquitto_sub"]);
    let mysql = program(&[
        "mysql",
        "mysqladmin",
        "mysqldump",
        "mysqlcheck",
        "mysqlimport",
        "mariadb",
        "mariadb-admin",
        "mariadb-dump",
    ]);
    let redis = program(&["redis-cli"]);
    let mut out = Vec::new();
    for (i, (at, w)) in words.iter().enumerate() {
        if let Some((flag, value)) = w.split_once('=').filter(|(f, _)| f.starts_with("--")) {
            if password_flag(flag) && literal(value) {
                let from = at + flag.len() + 1;
                out.push((flag.to_string(), from..from + value.len()));
            }
            continue;
        }
        if mysql && w.len() > 2 && w.starts_with("-p") && !w.starts_with("--") {
            out.push(("-p".to_string(), at + 2..at + w.len()));
            continue;
        }
        let takes = password_flag(w) || (mosquitto && *w == "-P") || (redis && *w == "-a");
        if let Some((next_at, next)) = words.get(i + 1).filter(|_| takes) {
            if literal(next) {
                out.push(((*w).to_string(), *next_at..next_at + next.len()));
            }
        }
    }
    out
}

fn password_flag(flag: &str) -> bool {
    matches!(
        flag,
        "--requirepass" | "--masterauth" | "--password" | "--pass" | "--passwd"
    )
}

/// The values of `KEY=value`, `KEY: value` and `"KEY": value` pairs in `text` whose key
/// [names a credential](secret_name): an environment entry, a connection string's
/// `Password=...;`, a URL query's `password=...&`.
fn named_values(text: &str) -> Vec<Range<usize>> {
    let bytes = text.as_bytes();
    let key_byte = |b: u8| b.is_ascii_alphanumeric() || b"_.-".contains(&b);
    let mut out = Vec::new();
    for (i, &b) in bytes.iter().enumerate() {
        let colon = b == b':' && bytes.get(i + 1).is_none_or(|n| *n == b' ');
        if !(b == b'=' || colon) {
            continue;
        }
        // The key: the name before the separator, inside quotes or not.
        let mut key_end = i;
        if colon && key_end > 0 && matches!(bytes[key_end - 1], b'"' | b'\'') {
            key_end -= 1;
        }
        let key_start = bytes[..key_end]
            .iter()
            .rposition(|c| !key_byte(*c))
            .map_or(0, |p| p + 1);
        if key_start == key_end || !secret_name(&text[key_start..key_end]) {
            continue;
        }
        let mut start = i + 1;
        while bytes.get(start) == Some(&b' ') {
            start += 1;
        }
        let Some(&first) = bytes.get(start) else {
            continue;
        };
        let range = if first == b'"' || first == b'\'' {
            let from = start + 1;
            let len = bytes[from..]
                .iter()
                .position(|c| *c == first)
                .unwrap_or(bytes.len() - from);
            from..from + len
        } else if colon && !text[..key_start].contains('{') {
            // A block mapping's value: the rest of the line, but a comment.
            let rest = &text[start..];
            let len = rest.find(" #").unwrap_or(rest.len());
            start..start + rest[..len].trim_end().len()
        } else {
            let stops: &[u8] = if colon { b",}" } else { b" \t;&,\"'}]" };
            let len = bytes[start..]
                .iter()
                .position(|c| stops.contains(c))
                .unwrap_or(bytes.len() - start);
            start..start + len
        };
        if literal(&text[range.clone()]) {
            out.push(range);
        }
    }
    out
}

/// The credentials of `Bearer X` and `Basic X`, the values of an HTTP `Authorization` header.
fn authorization_values(text: &str) -> Vec<Range<usize>> {
    let words = words(text, &[]);
    words
        .windows(2)
        .filter(|w| {
            matches!(w[0].1.to_ascii_lowercase().as_str(), "bearer" | "basic")
                && w[1].1.len() >= 8
                && literal(w[1].1)
        })
        .map(|w| w[1].0..w[1].0 + w[1].1.len())
        .collect()
}

/// The words that are tokens of a well-known shape (cloud keys, GitHub and npm tokens, JWTs).
fn tokens(text: &str) -> Vec<Range<usize>> {
    words(text, &['=', ':'])
        .into_iter()
        .filter(|(_, w)| {
            secrets::detect(w).is_some_and(|k| {
                !matches!(k, Kind::UrlPassword | Kind::HighEntropy | Kind::PrivateKey)
            })
        })
        .map(|(at, w)| at..at + w.len())
        .collect()
}

/// The byte ranges of every credential in `text`, in order and not overlapping.
#[must_use]
pub fn credentials(text: &str) -> Vec<Range<usize>> {
    let mut all: Vec<Range<usize>> = url_passwords(text);
    all.extend(password_arguments(text).into_iter().map(|(_, r)| r));
    all.extend(named_values(text));
    all.extend(authorization_values(text));
    all.extend(tokens(text));
    all.retain(|r| r.start < r.end);
    all.sort_by_key(|r| (r.start, r.end));
    let mut out: Vec<Range<usize>> = Vec::new();
    for r in all {
        match out.last_mut() {
            Some(last) if r.start <= last.end => last.end = last.end.max(r.end),
            _ => out.push(r),
        }
    }
    out
}

/// A text with its credentials masked, and where they were, to map a position of the text
/// to its place in the masked one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Masked<'a> {
    pub text: Cow<'a, str>,
    cuts: Vec<Range<usize>>,
}

impl Masked<'_> {
    /// Where byte `at` of the original text is in the masked text (the start of the mask, for
    /// a byte inside a masked credential).
    #[must_use]
    pub fn position(&self, at: usize) -> usize {
        let mut shift: isize = 0;
        for cut in &self.cuts {
            if at < cut.start {
                break;
            }
            if at < cut.end {
                return cut.start.saturating_add_signed(shift);
            }
            shift += MASK.len().cast_signed() - (cut.end - cut.start).cast_signed();
        }
        at.saturating_add_signed(shift)
    }
}

/// `text` with each of its [credentials] replaced by [`MASK`].
#[must_use]
pub fn mask(text: &str) -> Masked<'_> {
    let cuts = credentials(text);
    if cuts.is_empty() {
        return Masked {
            text: Cow::Borrowed(text),
            cuts,
        };
    }
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    for cut in &cuts {
        out.push_str(&text[at..cut.start]);
        out.push_str(MASK);
        at = cut.end;
    }
    out.push_str(&text[at..]);
    Masked {
        text: Cow::Owned(out),
        cuts,
    }
}

/// How a variable's value is shown: [`HIDDEN`] when the variable names a credential or the
/// whole value is one (a token, a private key, a long random string), the value with its
/// credentials masked when it holds some (a URL's password, a connection string's
/// `Password=`), `None` when it holds none.
#[must_use]
pub fn mask_value(key: &str, value: &str) -> Option<String> {
    if value.is_empty() {
        return None;
    }
    if secret_name(key) || secrets::detect(value).is_some_and(|k| k != Kind::UrlPassword) {
        return Some(HIDDEN.to_string());
    }
    match mask(value).text {
        Cow::Owned(masked) => Some(masked),
        Cow::Borrowed(_) => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn masked(text: &str) -> String {
        mask(text).text.into_owned()
    }

    #[test]
    fn credential_names_are_told_from_names_about_credentials() {
        for yes in [
            "POSTGRES_PASSWORD",
            "GF_SECURITY_ADMIN_PASSWORD",
            "JWT_SECRET",
            "SECRET_KEY",
            "GITHUB_TOKEN",
            "GITHUB_PAT",
            "AWS_SECRET_ACCESS_KEY",
            "api_key",
            "RAILS_SECRET_KEY_BASE",
            "Password",
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
            "PATH",
        ] {
            assert!(!secret_name(no), "{no}");
        }
    }

    /// Issue 17, item 3: the values `berth docs` printed.
    #[test]
    fn docs_printed_credentials() {
        let cases = [
            (
                "postgres://app:UrlPw-1@db:5432/app",
                "postgres://app:****@db:5432/app",
            ),
            (
                "Server=db;User Id=sa;Password=EnvFilePw-3;Database=app",
                "Server=db;User Id=sa;Password=****;Database=app",
            ),
            (
                "mysqladmin ping -h localhost -uroot -pHealthPw",
                "mysqladmin ping -h localhost -uroot -p****",
            ),
            ("Bearer abcdefghijkl.mnop", "Bearer ****"),
            ("redis-cli -a RedisPw ping", "redis-cli -a **** ping"),
            (
                "redis-server --requirepass hunter2 --port 1",
                "redis-server --requirepass **** --port 1",
            ),
            ("psql --password=abc", "psql --password=****"),
            ("mosquitto_pub -u u -P secret", "mosquitto_pub -u u -P ****"),
            (
                "      MYSQL_ROOT_PASSWORD: RootPw-2  # root",
                "      MYSQL_ROOT_PASSWORD: ****  # root",
            ),
            (
                "    environment: {DB_PASSWORD: \"a b\", MODE: x}",
                "    environment: {DB_PASSWORD: \"****\", MODE: x}",
            ),
            ("      - DB_PASSWORD=abc", "      - DB_PASSWORD=****"),
            (
                "      TOKEN: ghp_abcdefghijklmnopqrstuvwxyz0123456789",
                "      TOKEN: ****",
            ),
            ("      ID: AKIAIOSFODNN7EXAMPLE", "      ID: ****"),
            (
                "https://h/cb?user=a&password=b&x=1",
                "https://h/cb?user=a&password=****&x=1",
            ),
        ];
        for (text, want) in cases {
            assert_eq!(masked(text), want, "{text}");
        }
    }

    #[test]
    fn what_is_not_a_credential_is_left_alone() {
        for text in [
            "http://db:5432/app",
            "redis-server --requirepass $$REDIS_PASSWORD",
            "ls -P x",
            "      DB_PASSWORD_FILE: /run/secrets/db",
            "      DB_PASSWORD: ${DB_PASSWORD:?required}",
            "nginx@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
            "curl -f http://localhost:8080/health || exit 1",
            "pg_isready -U postgres -p 5432",
        ] {
            assert_eq!(masked(text), text);
        }
    }

    #[test]
    fn positions_follow_the_masks() {
        let m = mask("a --password=abcdef b");
        assert_eq!(m.text, "a --password=**** b");
        assert_eq!(m.position(0), 0);
        assert_eq!(m.position(13), 13);
        assert_eq!(m.position(15), 13);
        assert_eq!(m.position(19), 17);
    }

    #[test]
    fn whole_values_are_hidden_parts_masked() {
        assert_eq!(mask_value("DB_PASSWORD", "x").as_deref(), Some(HIDDEN));
        assert_eq!(
            mask_value("AWS_ACCESS_KEY_ID", "AKIAIOSFODNN7EXAMPLE").as_deref(),
            Some(HIDDEN)
        );
        assert_eq!(
            mask_value("DSN", "postgres://x:pw@db/x").as_deref(),
            Some("postgres://x:****@db/x")
        );
        assert_eq!(mask_value("LOG_LEVEL", "info"), None);
        assert_eq!(mask_value("DB_PASSWORD", ""), None);
    }
}
