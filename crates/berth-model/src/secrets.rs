//! Well-known shapes of secrets in text: cloud and service tokens, private keys, passwords in
//! URLs and long random strings. `publish` lists what it finds before a Compose application
//! leaves the machine, under the same names Docker Compose's detector gives them ("AWS Client
//! ID", "Github authentication", "JSON Web Token", …).
//!
//! Every detector is a hand-written matcher over bytes (no regular expressions); each value
//! yields at most one finding, from the first detector that matches it, in the order below.

/// What kind of secret a finding is, in Docker Compose's words.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Kind {
    AwsClientId,
    AwsSecretKey,
    Github,
    JsonWebToken,
    NpmToken,
    PrivateKey,
    SendgridKey,
    SlackToken,
    StripeKey,
    UrlPassword,
    HighEntropy,
}

impl Kind {
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Kind::AwsClientId => "AWS Client ID",
            Kind::AwsSecretKey => "AWS Secret Key",
            Kind::Github => "Github authentication",
            Kind::JsonWebToken => "JSON Web Token",
            Kind::NpmToken => "npm auth token",
            Kind::PrivateKey => "Private Key",
            Kind::SendgridKey => "Sendgrid API key",
            Kind::SlackToken => "Slack token",
            Kind::StripeKey => "Stripe API key",
            Kind::UrlPassword => "URL with password",
            Kind::HighEntropy => "High entropy string",
        }
    }
}

const ALL: [Kind; 11] = [
    Kind::AwsClientId,
    Kind::AwsSecretKey,
    Kind::Github,
    Kind::JsonWebToken,
    Kind::NpmToken,
    Kind::PrivateKey,
    Kind::SendgridKey,
    Kind::SlackToken,
    Kind::StripeKey,
    Kind::UrlPassword,
    Kind::HighEntropy,
];

/// One secret found: its kind, the key it was found under (a YAML path such as
/// `services.web.environment.TOKEN`, an env file's variable, or empty for a whole file) and
/// the value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Finding {
    pub kind: Kind,
    pub key: String,
    pub value: String,
}

/// The kind of secret `value` is, if it looks like one.
#[must_use]
pub fn detect(value: &str) -> Option<Kind> {
    ALL.into_iter().find(|k| matches(*k, value))
}

/// Scans `value`, found under `key`.
#[must_use]
pub fn scan(key: &str, value: &str) -> Option<Finding> {
    detect(value).map(|kind| Finding {
        kind,
        key: key.to_string(),
        value: value.to_string(),
    })
}

/// Scans an env file's text: each `KEY=VALUE` line under its key.
#[must_use]
pub fn scan_env_file(text: &str) -> Vec<Finding> {
    text.lines()
        .filter_map(|line| {
            let line = line.trim();
            let line = line.strip_prefix("export ").unwrap_or(line);
            if line.starts_with('#') {
                return None;
            }
            let (k, v) = line.split_once('=')?;
            let v = v.trim();
            let v = v
                .strip_prefix('"')
                .and_then(|x| x.strip_suffix('"'))
                .or_else(|| v.strip_prefix('\'').and_then(|x| x.strip_suffix('\'')))
                .unwrap_or(v);
            scan(k.trim(), v)
        })
        .collect()
}

/// Scans a whole file (a secret's or a config's): a private key or a token anywhere in it,
/// found under no key.
#[must_use]
pub fn scan_text(text: &str) -> Vec<Finding> {
    let mut out = Vec::new();
    if let Some(block) = private_key_block(text) {
        out.push(Finding {
            kind: Kind::PrivateKey,
            key: String::new(),
            value: block.to_string(),
        });
    }
    for word in text.split(|c: char| c.is_whitespace() || c == '"' || c == '\'') {
        if let Some(kind) = ALL
            .into_iter()
            .filter(|k| !matches!(k, Kind::PrivateKey | Kind::HighEntropy))
            .find(|k| matches(*k, word))
        {
            out.push(Finding {
                kind,
                key: String::new(),
                value: word.to_string(),
            });
        }
    }
    out
}

fn matches(kind: Kind, v: &str) -> bool {
    let b = v.as_bytes();
    match kind {
        Kind::AwsClientId => find_aws_client_id(b),
        Kind::AwsSecretKey => find_aws_secret(v),
        Kind::Github => ["ghp_", "gho_", "ghu_", "ghs_", "ghr_"]
            .iter()
            .any(|p| occurrences(v, p).any(|rest| run(rest, u8::is_ascii_alphanumeric) >= 36)),
        Kind::JsonWebToken => occurrences(v, "eyJ").any(|rest| {
            let token = |c: &u8| c.is_ascii_alphanumeric() || *c == b'_' || *c == b'-';
            let a = run(rest, token);
            let rest = &rest[a..];
            rest.starts_with(b".eyJ") && {
                let rest = &rest[4..];
                let b2 = run(rest, token);
                rest.get(b2) == Some(&b'.') && run(&rest[b2 + 1..], token) > 0
            }
        }),
        Kind::NpmToken => {
            occurrences(v, "npm_").any(|rest| run(rest, u8::is_ascii_alphanumeric) >= 36)
        }
        Kind::PrivateKey => private_key_block(v).is_some(),
        Kind::SendgridKey => occurrences(v, "SG.").any(|rest| {
            let word = |c: &u8| c.is_ascii_alphanumeric() || *c == b'_' || *c == b'-';
            let a = run(rest, word);
            a == 22 && rest.get(22) == Some(&b'.') && run(&rest[23..], word) >= 43
        }),
        Kind::SlackToken => occurrences(v, "xox").any(|rest| {
            rest.first().is_some_and(|c| b"baprs".contains(c))
                && rest.get(1) == Some(&b'-')
                && run(&rest[2..], |c| c.is_ascii_alphanumeric() || *c == b'-') >= 10
        }),
        Kind::StripeKey => ["sk_live_", "rk_live_"]
            .iter()
            .any(|p| occurrences(v, p).any(|rest| run(rest, u8::is_ascii_alphanumeric) >= 24)),
        Kind::UrlPassword => url_has_password(v),
        Kind::HighEntropy => high_entropy(v),
    }
}

/// The text after each occurrence of `prefix` in `v`.
fn occurrences<'a>(v: &'a str, prefix: &'a str) -> impl Iterator<Item = &'a [u8]> + 'a {
    v.match_indices(prefix)
        .map(move |(i, _)| &v.as_bytes()[i + prefix.len()..])
}

/// How many leading bytes of `b` satisfy `f`.
fn run(b: &[u8], f: impl Fn(&u8) -> bool) -> usize {
    b.iter().take_while(|c| f(c)).count()
}

fn find_aws_client_id(b: &[u8]) -> bool {
    const PREFIXES: [&[u8]; 8] = [
        b"AKIA", b"AGPA", b"AIDA", b"AROA", b"AIPA", b"ANPA", b"ANVA", b"ASIA",
    ];
    let upper = |c: &u8| c.is_ascii_uppercase() || c.is_ascii_digit();
    (0..b.len()).any(|i| {
        let rest = &b[i..];
        let prefixed = PREFIXES.iter().any(|p| rest.starts_with(p))
            || (rest.starts_with(b"A3T") && rest.get(3).is_some_and(upper));
        prefixed && rest.len() >= 20 && rest[4..20].iter().all(upper)
    })
}

/// `aws` (or `AWS`), up to 20 characters, then a quoted 40-character key.
fn find_aws_secret(v: &str) -> bool {
    let key = |c: &u8| c.is_ascii_alphanumeric() || *c == b'/' || *c == b'+';
    occurrences(v, "aws")
        .chain(occurrences(v, "AWS"))
        .any(|rest| {
            (0..=20.min(rest.len())).any(|gap| {
                let r = &rest[gap..];
                matches!(r.first(), Some(b'"' | b'\''))
                    && r.len() >= 42
                    && r[1..41].iter().all(key)
                    && matches!(r[41], b'"' | b'\'')
            })
        })
}

fn private_key_block(v: &str) -> Option<&str> {
    let start = v.find("-----BEGIN ")?;
    let head_end = start
        + v[start..]
            .find("-----\n")
            .or_else(|| v[start..].find("-----"))?;
    let header = &v[start + 11..head_end];
    let header = header.strip_suffix(" BLOCK").unwrap_or(header);
    if !header.ends_with("PRIVATE KEY") {
        return None;
    }
    let end_marker = format!("-----END {}", &v[start + 11..head_end]);
    let end = head_end + v[head_end..].find(&end_marker)? + end_marker.len();
    let end = end + v[end..].find("-----").map_or(0, |i| i + 5);
    Some(&v[start..end])
}

fn url_has_password(v: &str) -> bool {
    v.match_indices("://").any(|(i, _)| {
        let scheme = &v[..i];
        let scheme_ok = scheme
            .rsplit(|c: char| !(c.is_ascii_alphanumeric() || "+.-".contains(c)))
            .next()
            .is_some_and(|s| s.starts_with(|c: char| c.is_ascii_alphabetic()));
        let rest = &v[i + 3..];
        let end = rest
            .find(|c: char| c == '/' || c.is_whitespace())
            .unwrap_or(rest.len());
        scheme_ok
            && rest[..end].rsplit_once('@').is_some_and(|(userinfo, _)| {
                userinfo
                    .split_once(':')
                    .is_some_and(|(u, p)| !u.is_empty() && !p.is_empty())
            })
    })
}

/// A base64 word of 20 characters or more whose characters carry more than 4.5 bits each.
fn high_entropy(v: &str) -> bool {
    let b64 = |c: char| c.is_ascii_alphanumeric() || "+/=".contains(c);
    v.split(|c: char| !b64(c))
        .any(|w| w.len() >= 20 && shannon(w) > 4.5)
}

fn shannon(w: &str) -> f64 {
    let mut counts = [0u32; 256];
    for b in w.bytes() {
        counts[b as usize] += 1;
    }
    let n = w.len() as f64;
    counts
        .iter()
        .filter(|c| **c > 0)
        .map(|c| {
            let p = f64::from(*c) / n;
            -p * p.log2()
        })
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shapes_of_docker_composes_fixture_are_found() {
        let cases = [
            ("A3TX1234567890ABCDEF", Kind::AwsClientId),
            ("AKIAIOSFODNN7EXAMPLE", Kind::AwsClientId),
            (
                "aws\"12345+67890/abcdefghijklm+NOPQRSTUVWXYZ+\"",
                Kind::AwsSecretKey,
            ),
            ("ghp_1234567890abcdefghijklmnopqrstuvwxyz", Kind::Github),
            (
                "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.SflKxwRJSMeKKF2QT4f",
                Kind::JsonWebToken,
            ),
            ("npm_abcdefghijklmnopqrstuvwxyz0123456789", Kind::NpmToken),
            (
                "-----BEGIN DSA PRIVATE KEY-----\nwxyz+ABC=\n-----END DSA PRIVATE KEY-----",
                Kind::PrivateKey,
            ),
            (
                "SG.abcdefghijklmnopqrstuv.abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG",
                Kind::SendgridKey,
            ),
            (
                "xoxb-123456789012-1234567890123-abcdefghijklmnopqrstuvwx",
                Kind::SlackToken,
            ),
            ("sk_live_abcdefghijklmnopqrstuvwx", Kind::StripeKey),
            ("postgres://app:UrlPw-1@db/app", Kind::UrlPassword),
            (
                "Zm9vYmFyYmF6cXV4MTIzNDU2Nzg5MGFiY2RlZmdoaWprbG1ub3A=",
                Kind::HighEntropy,
            ),
        ];
        for (value, kind) in cases {
            assert_eq!(detect(value), Some(kind), "{value}");
        }
    }

    #[test]
    fn ordinary_values_are_not_secrets() {
        for v in [
            "bar",
            "hunter2secret",
            "Bearer abcdefghijklmnop1234",
            "8f14e45fceea167a5a36dedd4bea2543",
            "http://db:5432/app",
            "postgres://app@db/app",
            "${DB_PASSWORD}",
            "/usr/local/bin/entrypoint.sh",
        ] {
            assert_eq!(detect(v), None, "{v}");
        }
    }

    #[test]
    fn env_files_and_whole_files_are_scanned() {
        let f = scan_env_file("# c\nGITHUB_TOKEN=ghp_1234567890abcdefghijklmnopqrstuvwxyz\nA=b\n");
        assert_eq!(f.len(), 1);
        assert_eq!(
            (f[0].key.as_str(), f[0].kind),
            ("GITHUB_TOKEN", Kind::Github)
        );
        let f =
            scan_text("x\n-----BEGIN RSA PRIVATE KEY-----\nabc\n-----END RSA PRIVATE KEY-----\n");
        assert_eq!(f[0].kind, Kind::PrivateKey);
        assert_eq!(
            f[0].value,
            "-----BEGIN RSA PRIVATE KEY-----\nabc\n-----END RSA PRIVATE KEY-----"
        );
    }
}
