//! Go-compatible parsers and printers: `time.ParseDuration` / `Duration.String()`,
//! docker's `units.RAMInBytes`, and go-shellwords splitting for `command`.

pub use berth_model::duration::{format_duration, parse_duration};

/// docker `units.RAMInBytes`: `1g`, `512m`, `1.5GB`, `100` (binary multiples).
#[must_use]
pub fn ram_in_bytes(s: &str) -> Option<i64> {
    // As go-units reads a size: the number is everything up to the last digit, dot or space
    // (so `1e3m` is 1000 MiB), read as a float; then an optional unit, `b`, or a unit followed
    // by `b` or `ib`.
    let t = s.trim();
    let sep = t.rfind(|c: char| c.is_ascii_digit() || c == '.' || c == ' ')?;
    let (num, suffix) = if t.as_bytes()[sep] == b' ' {
        (&t[..sep], &t[sep + 1..])
    } else {
        (&t[..=sep], &t[sep + 1..])
    };
    let value: f64 = num.parse().ok()?;
    if value < 0.0 || value.is_nan() {
        return None;
    }
    let suffix = suffix.to_ascii_lowercase();
    let mult: f64 = match suffix.as_str() {
        "" | "b" => 1.0,
        _ if suffix.len() > 3 => return None,
        _ => {
            let unit = match suffix.as_bytes()[0] {
                b'k' => 1024f64,
                b'm' => 1024f64.powi(2),
                b'g' => 1024f64.powi(3),
                b't' => 1024f64.powi(4),
                b'p' => 1024f64.powi(5),
                _ => return None,
            };
            match &suffix[1..] {
                "" | "b" | "ib" => unit,
                _ => return None,
            }
        }
    };
    Some(go_int(value * mult))
}

/// Go's conversion of a float to an int64 on amd64: a value out of range (or NaN) becomes
/// the smallest int64, where Rust's `as` would saturate.
#[must_use]
pub fn go_int(f: f64) -> i64 {
    let in_range = f >= i64::MIN as f64 && f < i64::MAX as f64;
    if in_range {
        f as i64
    } else {
        i64::MIN
    }
}

/// Splits a command line as go-shellwords does (quotes and backslashes, no expansion).
///
/// # Errors
/// An unterminated quote or a trailing backslash.
pub fn shell_split(s: &str) -> Result<Vec<String>, String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut in_word = false;
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        match c {
            ' ' | '\t' | '\n' | '\r' => {
                if in_word {
                    out.push(std::mem::take(&mut cur));
                    in_word = false;
                }
            }
            '\\' => {
                let Some(n) = chars.next() else {
                    return Err("trailing backslash".into());
                };
                cur.push(n);
                in_word = true;
            }
            '\'' => {
                in_word = true;
                loop {
                    match chars.next() {
                        Some('\'') => break,
                        Some(x) => cur.push(x),
                        None => return Err("unterminated single-quoted string".into()),
                    }
                }
            }
            '"' => {
                in_word = true;
                loop {
                    match chars.next() {
                        Some('"') => break,
                        Some('\\') => match chars.next() {
                            Some(x @ ('"' | '\\' | '$' | '`')) => cur.push(x),
                            Some('\n') => {}
                            Some(x) => {
                                cur.push('\\');
                                cur.push(x);
                            }
                            None => return Err("unterminated double-quoted string".into()),
                        },
                        Some(x) => cur.push(x),
                        None => return Err("unterminated double-quoted string".into()),
                    }
                }
            }
            other => {
                cur.push(other);
                in_word = true;
            }
        }
    }
    if in_word {
        out.push(cur);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_round_trip_like_go() {
        let f = |s: &str| parse_duration(s).map(format_duration);
        assert_eq!(f("90s").as_deref(), Some("1m30s"));
        assert_eq!(f("1m").as_deref(), Some("1m0s"));
        assert_eq!(f("0s").as_deref(), Some("0s"));
        assert_eq!(f("1h").as_deref(), Some("1h0m0s"));
        assert_eq!(f("1.5s").as_deref(), Some("1.5s"));
        assert_eq!(f("300ms").as_deref(), Some("300ms"));
        assert_eq!(f("2us").as_deref(), Some("2µs"));
        assert_eq!(f("10").as_deref(), None);
        assert_eq!(f("1d").as_deref(), Some("24h0m0s"));
    }

    #[test]
    fn byte_sizes() {
        assert_eq!(ram_in_bytes("1G"), Some(1_073_741_824));
        assert_eq!(ram_in_bytes("64m"), Some(67_108_864));
        assert_eq!(ram_in_bytes("1.5gb"), Some(1_610_612_736));
        assert_eq!(ram_in_bytes("2000"), Some(2000));
        assert_eq!(ram_in_bytes("lots"), None);
        // Issue 17, item 10: the reference takes `1e3m` (go-units reads the number as a float).
        assert_eq!(ram_in_bytes("1e3m"), Some(1_048_576_000));
        assert_eq!(ram_in_bytes("10 MiB"), Some(10_485_760));
        assert_eq!(ram_in_bytes("1mbb"), None);
        assert_eq!(ram_in_bytes("-1m"), None);
        assert_eq!(ram_in_bytes("1e30"), Some(i64::MIN));
        assert_eq!(go_int(1e20), i64::MIN);
        assert_eq!(go_int(-3.9), -3);
        assert_eq!(parse_duration("1d"), Some(86_400_000_000_000));
        assert_eq!(parse_duration("1.5d"), Some(129_600_000_000_000));
        assert_eq!(parse_duration("2w"), Some(1_209_600_000_000_000));
        assert_eq!(
            parse_duration("2562047h"),
            Some(2_562_047 * 3_600_000_000_000)
        );
        assert_eq!(parse_duration("2562048h"), None);
        assert_eq!(parse_duration("1y"), None);
    }

    #[test]
    fn shell_words() {
        assert_eq!(
            shell_split(r#"bash -c "echo 'hi there' && x""#).unwrap(),
            ["bash", "-c", "echo 'hi there' && x"]
        );
        assert_eq!(shell_split(r"a\ b 'c d'").unwrap(), ["a b", "c d"]);
        assert!(shell_split("'open").is_err());
        assert!(shell_split("").unwrap().is_empty());
    }
}
