//! The merged tree to Compose's typed model: every attribute is checked against its type (the
//! JSON schema's rules, with spans), converted as compose-go's struct decoding does (durations,
//! byte sizes, shell-split commands, stringified labels) and placed in Go struct field order, so
//! that the emitters print it as `docker compose config` does.
//!
//! The field tables (Go struct field order) are in `fields`, the decoders of the attributes
//! that need more than a type (`extra_hosts`, `ulimits`, `gpus`, …) in `custom`.

mod custom;
mod fields;

use berth_model::{Diagnostic, Key, Kind, Map, MapKind, Span, Value};

use crate::units::{format_duration, parse_duration, ram_in_bytes, shell_split};
use crate::yaml::path_string;

pub use fields::{BUILD, DEPLOY, MODEL, NETWORK, SECRET_CONFIG, SERVICE, VOLUME};

type Res<T> = Result<T, Diagnostic>;

/// How strictly scalars are read. Validating the raw model of `config --no-interpolate` is
/// lenient: like the JSON schema, it accepts a string wherever a boolean, number, size or
/// duration is expected (it may hold a `${VAR}`), but checks everything else.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Mode {
    pub lenient: bool,
}

impl Mode {
    /// Values as loaded: every scalar must be of its type.
    pub const STRICT: Mode = Mode { lenient: false };
    /// The raw model: a string may stand for any scalar.
    pub const LENIENT: Mode = Mode { lenient: true };
}

/// Validates a raw (uninterpolated) service the way the schema does, without keeping the result.
///
/// # Errors
/// Everything the schema rejects in raw values.
pub fn validate_raw(m: &Map, fields: &[(&str, T)], path: &str) -> Res<()> {
    decode_struct(Mode::LENIENT, m, fields, path).map(|_| ())
}

fn lenient_string(mode: Mode, v: &Value) -> bool {
    matches!(v.kind, Kind::Str(_)) && mode.lenient
}

/// Field types of the model.
#[derive(Clone, Copy)]
pub enum T {
    /// A string.
    Str,
    /// A string or a number, printed as a string.
    StrNum,
    /// A boolean (or boolean-like string); `false` is omitted.
    Bool,
    /// A boolean kept even when `false` (Go `*bool`).
    BoolPtr,
    /// An integer (or numeric string); `0` is omitted.
    Int,
    /// An integer kept even when `0` (Go `*int`).
    IntPtr,
    /// A float (or numeric string); `0` is omitted.
    Float,
    /// A byte size printed as a quoted decimal string; `0` is omitted.
    Bytes,
    /// A Go duration, normalized (`90s` prints as `1m30s`).
    Duration,
    /// A list of strings; empty lists are omitted.
    StrList,
    /// A list of strings or numbers, printed as strings.
    StrNumList,
    /// `command`/`entrypoint`: a string is shell-split; an explicit empty value stays `[]`.
    Command,
    /// Map of string values (labels, options): numbers and booleans become strings.
    StrMap,
    /// Map of string-or-null values (environment, build args).
    EnvMap,
    /// Anything, kept as written.
    Any,
    Struct(&'static [(&'static str, T)]),
    /// A list of structs.
    List(&'static [(&'static str, T)]),
    /// A map of structs (null allowed).
    DictOf(&'static [(&'static str, T)]),
    Custom(fn(Mode, &Value, &str) -> Res<Option<Value>>),
    /// Where compose-spec allows an explicit `null` (five service attributes, nothing
    /// nested): the inner type, or nothing.
    Nullable(&'static T),
}

fn timestamp_error(v: &Value, path: &str) -> Diagnostic {
    Diagnostic::error(format!("{path} invalid jsonType time.Time")).with_label(
        v.span,
        "YAML reads this as a timestamp; quote it to make it a string",
    )
}

fn type_error(v: &Value, path: &str, want: &str) -> Diagnostic {
    Diagnostic::error(format!("{path} must be a {want}"))
        .with_label(v.span, format!("expected {want}, found {}", v.type_name()))
}

fn skey(name: &str, span: Span) -> Key {
    Key::new(name, span)
}

/// Decodes a value of type `t` at `path`; `None` means "omitted from output".
///
/// # Errors
/// Type mismatches, unknown attributes and unparsable durations, sizes and commands.
pub fn decode(mode: Mode, v: &Value, t: T, path: &str) -> Res<Option<Value>> {
    if let T::Nullable(inner) = t {
        return decode(mode, v, *inner, path);
    }
    if let Kind::Timestamp(_) = v.kind {
        return Err(
            Diagnostic::error(format!("{path} invalid jsonType time.Time")).with_label(
                v.span,
                "YAML reads this as a timestamp; quote it to make it a string",
            ),
        );
    }
    let sp = v.span;
    if lenient_string(mode, v)
        && matches!(
            t,
            T::Bool | T::BoolPtr | T::Int | T::IntPtr | T::Float | T::Bytes | T::Duration
        )
    {
        return Ok(Some(v.clone()));
    }
    if mode.lenient {
        // The raw model keeps list forms, and the checks below that come from Compose's typed
        // decoding (not from its schema) do not apply to it.
        match t {
            T::StrMap | T::EnvMap if matches!(v.kind, Kind::Seq(_) | Kind::Map(_)) => {
                match &v.kind {
                    Kind::Map(m) => {
                        for (k, val) in m.iter() {
                            let kpath = format!("{path}.{}", k.name);
                            match val.kind {
                                Kind::Timestamp(_) => return Err(timestamp_error(val, &kpath)),
                                Kind::Map(_) | Kind::Seq(_) => {
                                    return Err(type_error(
                                        val,
                                        &kpath,
                                        "boolean, null, number or string",
                                    ))
                                }
                                _ => {}
                            }
                        }
                    }
                    Kind::Seq(items) => {
                        for (i, it) in items.iter().enumerate() {
                            if !matches!(it.kind, Kind::Str(_)) {
                                return Err(Diagnostic::error(format!(
                                    "{path}.[{i}]: unexpected type {}",
                                    it.type_name()
                                ))
                                .with_label(it.span, "expected a KEY=VALUE string"));
                            }
                        }
                    }
                    _ => {}
                }
                return Ok(Some(v.clone()));
            }
            T::List(_) if matches!(&v.kind, Kind::Seq(items) if items.iter().any(|i| matches!(i.kind, Kind::Str(_)))) =>
            {
                return Ok(Some(v.clone()));
            }
            _ => {}
        }
    }
    Ok(match t {
        T::Nullable(inner) => return decode(mode, v, *inner, path),
        T::Str => match &v.kind {
            Kind::Str(s) if s.is_empty() => None,
            Kind::Str(_) => Some(v.clone()),
            Kind::Null => None,
            _ => return Err(type_error(v, path, "string")),
        },
        T::StrNum => match &v.kind {
            Kind::Str(s) if s.is_empty() => None,
            Kind::Str(_) | Kind::Int(_) | Kind::Float(_) | Kind::Bool(_) => {
                Some(Value::str(v.scalar_to_string().unwrap_or_default(), sp))
            }
            Kind::Null => None,
            _ => return Err(type_error(v, path, "string or number")),
        },
        T::Bool | T::BoolPtr => {
            let b = match &v.kind {
                Kind::Bool(b) => *b,
                Kind::Str(s) => to_bool(s).ok_or_else(|| {
                    Diagnostic::error(format!(
                        "{path}: failed to cast to expected type: invalid boolean: {s}"
                    ))
                    .with_label(sp, "expected true or false")
                })?,
                Kind::Null => return Ok(None),
                _ => return Err(type_error(v, path, "boolean")),
            };
            if !b && matches!(t, T::Bool) {
                None
            } else {
                Some(Value::bool(b, sp))
            }
        }
        T::Int | T::IntPtr => {
            let i = match &v.kind {
                Kind::Int(i) => *i,
                // Out of range, Go's conversion gives the smallest int64 (a huge `scale` or
                // `replicas` is then negative, and rejected, as in the reference).
                Kind::Float(f) if f.fract() == 0.0 => crate::units::go_int(*f),
                Kind::Str(s) => s.trim().parse::<i64>().map_err(|_| {
                    Diagnostic::error(format!(
                        "{path}: failed to cast to expected type: invalid integer: {s}"
                    ))
                    .with_label(sp, "expected an integer")
                })?,
                Kind::Null => return Ok(None),
                _ => return Err(type_error(v, path, "integer")),
            };
            if i == 0 && matches!(t, T::Int) {
                None
            } else {
                Some(Value::int(i, sp))
            }
        }
        T::Float => {
            let f = match &v.kind {
                Kind::Int(i) => *i as f64,
                Kind::Float(f) => *f,
                Kind::Str(s) => {
                    let f = s.trim().parse::<f64>().map_err(|_| {
                        Diagnostic::error(format!(
                            "{path}: failed to cast to expected type: invalid number: {s}"
                        ))
                        .with_label(sp, "expected a number")
                    })?;
                    // `1e400`: Go's ParseFloat says it is out of range (`inf` it takes).
                    let word = s.trim().trim_start_matches(['+', '-']).to_ascii_lowercase();
                    if f.is_infinite() && !word.starts_with("inf") {
                        return Err(Diagnostic::error(format!(
                            "{path}: failed to cast to expected type: value out of range: {s}"
                        ))
                        .with_label(sp, "a number too large for a float64"));
                    }
                    f
                }
                Kind::Null => return Ok(None),
                _ => return Err(type_error(v, path, "number")),
            };
            if f == 0.0 {
                None
            } else {
                Some(Value::new(Kind::Float(f), sp))
            }
        }
        T::Bytes => {
            let n = match &v.kind {
                Kind::Int(i) => *i,
                Kind::Float(f) => crate::units::go_int(*f),
                Kind::Str(s) => ram_in_bytes(s).ok_or_else(|| {
                    Diagnostic::error(format!("{path}: invalid size: '{s}'"))
                        .with_label(sp, "expected a size such as 512m or 1g")
                })?,
                Kind::Null => return Ok(None),
                _ => return Err(type_error(v, path, "string or number")),
            };
            if n == 0 {
                None
            } else {
                Some(Value::str(n.to_string(), sp))
            }
        }
        T::Duration => match &v.kind {
            Kind::Str(s) => {
                let ns = parse_duration(s).ok_or_else(|| {
                    Diagnostic::error(format!("{path}: invalid duration \"{s}\""))
                        .with_label(sp, "expected a duration such as 10s, 1m30s or 500ms")
                })?;
                Some(Value::str(format_duration(ns), sp))
            }
            Kind::Null => None,
            _ => return Err(type_error(v, path, "string")),
        },
        T::StrList => match &v.kind {
            Kind::Seq(items) => {
                let mut out = Vec::with_capacity(items.len());
                for (i, it) in items.iter().enumerate() {
                    match &it.kind {
                        Kind::Str(_) => out.push(it.clone()),
                        _ => return Err(type_error(it, &format!("{path}.{i}"), "string")),
                    }
                }
                if out.is_empty() {
                    None
                } else {
                    Some(Value::seq(out, sp))
                }
            }
            Kind::Null => None,
            _ => return Err(type_error(v, path, "array")),
        },
        T::StrNumList => match &v.kind {
            Kind::Seq(items) => {
                let mut out = Vec::with_capacity(items.len());
                for (i, it) in items.iter().enumerate() {
                    match &it.kind {
                        Kind::Str(_) | Kind::Int(_) | Kind::Float(_) => {
                            out.push(Value::str(
                                it.scalar_to_string().unwrap_or_default(),
                                it.span,
                            ));
                        }
                        _ => {
                            return Err(type_error(it, &format!("{path}.{i}"), "string or number"))
                        }
                    }
                }
                (!out.is_empty()).then(|| Value::seq(out, sp))
            }
            Kind::Null => None,
            _ => return Err(type_error(v, path, "array")),
        },
        T::Command => match &v.kind {
            Kind::Null => None,
            Kind::Str(s) => {
                let words = shell_split(s).map_err(|e| {
                    Diagnostic::error(format!("{path}: cannot parse command: {e}"))
                        .with_label(sp, "in this command")
                })?;
                Some(Value::seq(
                    words.into_iter().map(|w| Value::str(w, sp)).collect(),
                    sp,
                ))
            }
            Kind::Seq(items) => {
                let mut out = Vec::with_capacity(items.len());
                for (i, it) in items.iter().enumerate() {
                    match &it.kind {
                        Kind::Str(_) => out.push(it.clone()),
                        _ => return Err(type_error(it, &format!("{path}.{i}"), "string")),
                    }
                }
                Some(Value::seq(out, sp))
            }
            _ => return Err(type_error(v, path, "string or array")),
        },
        T::StrMap | T::EnvMap => {
            let Kind::Map(m) = &v.kind else {
                if v.is_null() {
                    return Ok(None);
                }
                return Err(type_error(v, path, "mapping"));
            };
            let mut out = Map::new(MapKind::Dict);
            for (k, val) in m.iter() {
                let nv = match &val.kind {
                    Kind::Timestamp(_) => {
                        return Err(timestamp_error(val, &format!("{path}.{}", k.name)))
                    }
                    Kind::Null if matches!(t, T::EnvMap) => val.clone(),
                    Kind::Null => Value::str("", val.span),
                    // A Go string of other bytes stays one (`!!binary`).
                    Kind::Bytes(_) => val.clone(),
                    Kind::Map(_) | Kind::Seq(_) => {
                        return Err(type_error(
                            val,
                            &format!("{path}.{}", k.name),
                            "string, number, boolean or null",
                        ));
                    }
                    _ => Value::str(val.scalar_to_string().unwrap_or_default(), val.span),
                };
                if matches!(t, T::EnvMap) && k.name.ends_with(' ') {
                    return Err(Diagnostic::error(format!(
                        "'{path}' environment variable {} is declared with a trailing space",
                        k.name
                    ))
                    .with_label(k.span, "remove the trailing space"));
                }
                out.insert(k.clone(), nv);
            }
            if out.is_empty() {
                None
            } else {
                Some(Value::map(out, sp))
            }
        }
        T::Any => {
            if v.is_null() {
                None
            } else {
                Some(v.clone())
            }
        }
        T::Struct(fields) => match &v.kind {
            Kind::Map(m) => {
                let out = decode_struct(mode, m, fields, path)?;
                Some(Value::map(out, sp))
            }
            Kind::Null => None,
            _ => return Err(type_error(v, path, "mapping")),
        },
        T::List(fields) => match &v.kind {
            Kind::Seq(items) => {
                let mut out = Vec::with_capacity(items.len());
                let mut ipath = String::new();
                for (i, it) in items.iter().enumerate() {
                    sub_path(&mut ipath, path, &i.to_string());
                    match &it.kind {
                        Kind::Map(m) => {
                            out.push(Value::map(decode_struct(mode, m, fields, &ipath)?, it.span));
                        }
                        _ => return Err(type_error(it, &ipath, "mapping")),
                    }
                }
                (!out.is_empty()).then(|| Value::seq(out, sp))
            }
            Kind::Null => None,
            _ => return Err(type_error(v, path, "array")),
        },
        T::DictOf(fields) => match &v.kind {
            Kind::Map(m) => {
                let mut out = Map::new(MapKind::Dict);
                let mut kpath = String::new();
                for (k, val) in m.iter() {
                    sub_path(&mut kpath, path, &k.name);
                    let nv = match &val.kind {
                        Kind::Null => val.clone(),
                        Kind::Map(inner) => {
                            Value::map(decode_struct(mode, inner, fields, &kpath)?, val.span)
                        }
                        _ => return Err(type_error(val, &kpath, "mapping or null")),
                    };
                    out.insert(k.clone(), nv);
                }
                (!out.is_empty()).then(|| Value::map(out, sp))
            }
            Kind::Null => None,
            _ => return Err(type_error(v, path, "mapping")),
        },
        T::Custom(f) => f(mode, v, path)?,
    })
}

/// Decodes a mapping into a struct with the fields in `fields` order, `x-*` last.
///
/// # Errors
/// Unknown attributes and any field error.
pub fn decode_struct(mode: Mode, m: &Map, fields: &[(&str, T)], path: &str) -> Res<Map> {
    for (k, _) in m.iter() {
        if !k.name.starts_with("x-") && !fields.iter().any(|(n, _)| *n == k.name) {
            let shown = if path.is_empty() {
                String::new()
            } else {
                format!("{path} ")
            };
            let mut d = Diagnostic::error(format!(
                "{shown}additional properties '{}' not allowed",
                k.name
            ))
            .with_label(k.span, "unknown attribute");
            if let Some(best) = suggest(&k.name, fields.iter().map(|(n, _)| *n)) {
                d = d.with_note(format!("did you mean `{best}`?"));
            }
            return Err(d);
        }
    }
    let mut out = Map::new(MapKind::Struct);
    let mut fpath = String::new();
    for (name, t) in fields {
        if let Some((k, v)) = m.entries.get_key_value(name) {
            sub_path(&mut fpath, path, name);
            if v.is_null() && !matches!(t, T::Nullable(_)) {
                return Err(null_error(k, *t, &fpath));
            }
            if let Some(nv) = decode(mode, v, *t, &fpath)? {
                out.insert(k.clone(), nv);
            }
        }
    }
    let mut ext: Vec<(&Key, &Value)> = m.iter().filter(|(k, _)| k.name.starts_with("x-")).collect();
    ext.sort_by(|a, b| crate::natural_cmp(&a.0.name, &b.0.name));
    for (k, v) in ext {
        out.insert(k.clone(), v.clone());
    }
    Ok(out)
}

/// `path.name` (or `name` at the top) into a buffer reused across the fields of a struct: paths
/// are built for every field decoded but only shown in errors.
fn sub_path(buf: &mut String, path: &str, name: &str) {
    buf.clear();
    if !path.is_empty() {
        buf.push_str(path);
        buf.push('.');
    }
    buf.push_str(name);
}

/// Closest name by edit distance, for "did you mean" notes.
#[must_use]
pub fn suggest<'a>(name: &str, candidates: impl Iterator<Item = &'a str>) -> Option<&'a str> {
    let mut best: Option<(usize, &str)> = None;
    for c in candidates {
        let d = edit_distance(name, c);
        if d <= 2.max(name.len() / 4) && best.is_none_or(|(bd, _)| d < bd) {
            best = Some((d, c));
        }
    }
    best.map(|(_, c)| c)
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != *cb);
            cur.push((prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1));
        }
        prev = cur;
    }
    prev[b.len()]
}

/// compose-go `toBoolean`, with YAML 1.1 spellings accepted.
#[must_use]
pub fn to_bool(s: &str) -> Option<bool> {
    match s.to_ascii_lowercase().as_str() {
        "true" | "y" | "yes" | "on" => Some(true),
        "false" | "n" | "no" | "off" => Some(false),
        _ => None,
    }
}

#[must_use]
pub fn path_of(parts: &[&str]) -> String {
    path_string(&parts.iter().map(|s| (*s).to_string()).collect::<Vec<_>>())
}

fn null_error(k: &Key, t: T, path: &str) -> Diagnostic {
    let t = match t {
        T::Nullable(inner) => *inner,
        t => t,
    };
    let want = match t {
        T::Str | T::Duration => "string",
        T::Bool | T::BoolPtr => "boolean",
        T::Int | T::IntPtr => "integer",
        T::Float => "number",
        T::StrNum | T::Bytes => "number or string",
        T::StrList | T::StrNumList | T::List(_) => "array",
        T::StrMap | T::EnvMap | T::Struct(_) | T::DictOf(_) | T::Any => "mapping",
        T::Command | T::Custom(_) | T::Nullable(_) => "value",
    };
    Diagnostic::error(format!("{path} must be a {want}")).with_label(
        k.span,
        "this attribute has no value; remove it or give it one",
    )
}
