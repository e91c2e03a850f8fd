//! go-yaml v3's resolution of plain scalars, which Compose inherits: `012` is the octal 10,
//! `1_000` is 1000, `yes` is a string, `2001-12-14` is a timestamp. The loader uses it to read
//! files; the emitter uses it to decide which strings need quotes to stay strings.

use crate::value::Kind;

/// Resolves a plain scalar the way go-yaml v3 does when decoding into `any`.
#[must_use]
pub fn resolve_plain(s: &str) -> Kind {
    resolve_non_string(s).unwrap_or_else(|| Kind::Str(s.to_string()))
}

/// [`resolve_plain`] for the scalars that are not strings; `None` (without allocating) for a
/// string.
fn resolve_non_string(s: &str) -> Option<Kind> {
    Some(match s {
        "" | "~" | "null" | "Null" | "NULL" => Kind::Null,
        "true" | "True" | "TRUE" => Kind::Bool(true),
        "false" | "False" | "FALSE" => Kind::Bool(false),
        ".nan" | ".NaN" | ".NAN" => Kind::Float(f64::NAN),
        ".inf" | ".Inf" | ".INF" | "+.inf" | "+.Inf" | "+.INF" => Kind::Float(f64::INFINITY),
        "-.inf" | "-.Inf" | "-.INF" => Kind::Float(f64::NEG_INFINITY),
        _ => return resolve_number(s),
    })
}

fn resolve_number(s: &str) -> Option<Kind> {
    match s.as_bytes()[0] {
        b'.' => go_parse_float(s).map(Kind::Float),
        b'0'..=b'9' | b'+' | b'-' => {
            if is_timestamp(s) {
                return Some(Kind::Timestamp(s.to_string()));
            }
            let plain: std::borrow::Cow<'_, str> = if s.contains('_') {
                s.chars().filter(|&c| c != '_').collect::<String>().into()
            } else {
                s.into()
            };
            if let Some(i) = go_parse_int(&plain) {
                return Some(Kind::Int(i));
            }
            go_parse_float(&plain).map(Kind::Float)
        }
        _ => None,
    }
}

/// Go `strconv.ParseInt(s, 0, 64)`: sign, then `0x`, `0o`, `0b` or legacy `0` octal prefixes.
fn go_parse_int(s: &str) -> Option<i64> {
    let (neg, body) = match s.as_bytes().first()? {
        b'-' => (true, &s[1..]),
        b'+' => (false, &s[1..]),
        _ => (false, s),
    };
    let lower = body.to_ascii_lowercase();
    let (radix, digits) = if let Some(d) = lower.strip_prefix("0x") {
        (16, d)
    } else if let Some(d) = lower.strip_prefix("0o") {
        (8, d)
    } else if let Some(d) = lower.strip_prefix("0b") {
        (2, d)
    } else if lower.len() > 1 && lower.starts_with('0') {
        (8, &lower[1..])
    } else {
        (10, lower.as_str())
    };
    if digits.is_empty() || !digits.chars().all(|c| c.is_digit(radix)) {
        return None;
    }
    let magnitude = u64::from_str_radix(digits, radix).ok()?;
    if neg {
        if magnitude <= i64::MAX as u64 + 1 {
            return Some((magnitude as i64).wrapping_neg());
        }
        None
    } else {
        i64::try_from(magnitude).ok()
    }
}

/// go-yaml's float pattern `^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$`.
fn is_yaml_float(s: &str) -> bool {
    let b = s.as_bytes();
    let mut i = 0;
    if matches!(b.first(), Some(b'+' | b'-')) {
        i += 1;
    }
    let digits = |i: &mut usize| {
        let start = *i;
        while *i < b.len() && b[*i].is_ascii_digit() {
            *i += 1;
        }
        *i - start
    };
    if b.get(i) == Some(&b'.') {
        i += 1;
        if digits(&mut i) == 0 {
            return false;
        }
    } else {
        if digits(&mut i) == 0 {
            return false;
        }
        if b.get(i) == Some(&b'.') {
            i += 1;
            digits(&mut i);
        }
    }
    if matches!(b.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(b.get(i), Some(b'+' | b'-')) {
            i += 1;
        }
        if digits(&mut i) == 0 {
            return false;
        }
    }
    i == b.len()
}

fn go_parse_float(s: &str) -> Option<f64> {
    if !is_yaml_float(s) {
        return None;
    }
    // Out of range (`1e400`), Go's ParseFloat fails and go-yaml keeps the scalar a string.
    s.parse::<f64>().ok().filter(|f| f.is_finite())
}

/// go-yaml's timestamp check: `YYYY-` then one of the accepted layouts.
fn is_timestamp(s: &str) -> bool {
    let b = s.as_bytes();
    if b.len() < 8 || !b[..4].iter().all(u8::is_ascii_digit) || b[4] != b'-' {
        return false;
    }
    // Layouts: 2006-1-2, 2006-1-2T15:4:5.999999999Z07:00 (also 't'), "2006-1-2 15:4:5.999999999".
    let rest = &s[5..];
    let (date, time) = match rest.find(['T', 't', ' ']) {
        Some(i) => (&rest[..i], Some(&rest[i + 1..])),
        None => (rest, None),
    };
    let mut parts = date.split('-');
    let (Some(m), Some(d), None) = (parts.next(), parts.next(), parts.next()) else {
        return false;
    };
    let num = |x: &str, max: u32| {
        (1..=2).contains(&x.len())
            && x.chars().all(|c| c.is_ascii_digit())
            && x.parse::<u32>().is_ok_and(|n| n >= 1 && n <= max)
    };
    if !num(m, 12) || !num(d, 31) {
        return false;
    }
    let Some(time) = time else { return true };
    let time = time.trim_start();
    let (hms, _zone) = match time.find(['Z', '+', '-']) {
        Some(i) => (&time[..i], Some(&time[i..])),
        None => (time, None),
    };
    let hms = hms.trim_end();
    let hms = hms.split('.').next().unwrap_or("");
    let fields: Vec<&str> = hms.split(':').collect();
    fields.len() == 3
        && fields
            .iter()
            .all(|f| (1..=2).contains(&f.len()) && f.chars().all(|c| c.is_ascii_digit()))
}

/// True when a plain scalar with this text would not read back as a string.
#[must_use]
pub fn resolves_to_non_string(s: &str) -> bool {
    resolve_non_string(s).is_some()
}
