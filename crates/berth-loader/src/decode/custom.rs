//! The decoders of the attributes that need more than a type: the forms compose-go accepts
//! and converts (`extra_hosts`, `ulimits`, `gpus`, `ssh`, healthcheck tests, ports and mounts
//! in their long syntax, …), each checked as the JSON schema checks it.

use berth_model::{Diagnostic, Kind, Map, MapKind, Value};

use super::fields::{DEVELOP_WATCH, DEVICE_REQUEST, PORT, VOLUME_MOUNT};
use super::{decode, decode_struct, skey, type_error, Mode, Res, T};

/// A field the schema types as a boolean only (no string), so that Compose takes no
/// string for it, quoted `"true"` or an unresolved `${VAR}` alike, in every mode.
pub(super) fn schema_bool(_: Mode, v: &Value, path: &str) -> Res<Option<Value>> {
    match &v.kind {
        Kind::Bool(b) => Ok(Some(Value::bool(*b, v.span))),
        Kind::Null => Ok(None),
        _ => Err(type_error(v, path, "boolean")),
    }
}

/// `storage_opt`: driver options, which Compose does not check in its raw model.
pub(super) fn storage_opt(mode: Mode, v: &Value, path: &str) -> Res<Option<Value>> {
    if mode.lenient {
        return Ok(Some(v.clone()));
    }
    decode(mode, v, T::StrMap, path)
}

pub(super) fn extra_hosts(mode: Mode, v: &Value, path: &str) -> Res<Option<Value>> {
    // The raw model is kept as written: this check is Compose's typed decoding, not its schema.
    if mode.lenient {
        return Ok(Some(v.clone()));
    }
    let Kind::Seq(items) = &v.kind else {
        return if v.is_null() {
            Ok(None)
        } else {
            Err(type_error(v, path, "array or mapping"))
        };
    };
    let mut out = Vec::new();
    for it in items {
        let Some(s) = it.as_str() else {
            return Err(type_error(it, path, "string"));
        };
        let entry = if s.contains('=') {
            s.to_string()
        } else if let Some((h, ip)) = s.split_once(':') {
            format!("{h}={ip}")
        } else {
            return Err(Diagnostic::error(format!(
                "{path}: invalid additional host, missing IP address: {s}"
            ))
            .with_label(it.span, "expected host:ip or host=ip"));
        };
        out.push(Value::str(entry, it.span));
    }
    // Compose keeps the hosts as a map of host to addresses and writes it sorted by host;
    // the addresses of one host keep their order.
    out.sort_by(|a, b| {
        let host = |v: &Value| {
            v.as_str()
                .and_then(|s| s.split_once('='))
                .map(|(h, _)| h.to_string())
                .unwrap_or_default()
        };
        host(a).cmp(&host(b))
    });
    Ok((!out.is_empty()).then(|| Value::seq(out, v.span)))
}

/// `deploy.resources.reservations.devices`: device requests, with the schema's and
/// compose-go's checks (in every mode): capabilities are required, and a request takes a
/// count or device IDs, not both.
pub(super) fn reservation_devices(mode: Mode, v: &Value, path: &str) -> Res<Option<Value>> {
    for (i, it) in v.as_seq().unwrap_or(&[]).iter().enumerate() {
        let Some(m) = it.as_map() else { continue };
        if !m.contains_key("capabilities") {
            return Err(
                Diagnostic::error(format!("{path}.{i} missing property 'capabilities'"))
                    .with_label(it.span, "add `capabilities: [gpu]`"),
            );
        }
        if let (Some(count), true) = (m.get("count"), m.contains_key("device_ids")) {
            return Err(Diagnostic::error(format!(
                "{path}.[]: \"count\" and \"device_ids\" attributes are exclusive"
            ))
            .with_label(count.span, "remove `count` or `device_ids`"));
        }
    }
    if mode.lenient {
        return Ok(Some(v.clone()));
    }
    gpus(mode, v, path)
}

pub(super) fn gpus(mode: Mode, v: &Value, path: &str) -> Res<Option<Value>> {
    // The raw model is kept as written: this check is Compose's typed decoding, not its schema.
    if mode.lenient {
        return Ok(Some(v.clone()));
    }
    let Kind::Seq(items) = &v.kind else {
        return if v.is_null() {
            Ok(None)
        } else {
            Err(type_error(v, path, "array"))
        };
    };
    let mut out = Vec::new();
    for (i, it) in items.iter().enumerate() {
        let ipath = format!("{path}.{i}");
        let Some(m) = it.as_map() else {
            return Err(type_error(it, &ipath, "mapping"));
        };
        let mut nm = decode_struct(mode, m, DEVICE_REQUEST, &ipath)?;
        if let Some(c) = nm.get_mut("count") {
            if c.as_str() == Some("all") {
                *c = Value::int(-1, c.span);
            } else if let Some(n) = c.as_str().and_then(|s| s.parse::<i64>().ok()) {
                *c = Value::int(n, c.span);
            } else if !matches!(c.kind, Kind::Int(_)) {
                let shown = c.scalar_to_string().unwrap_or_default();
                return Err(Diagnostic::error(format!(
                    "{ipath}.count: invalid value \"{shown}\", the only value allowed is 'all' or a number"
                ))
                .with_label(c.span, "expected `all` or a number"));
            }
        }
        if !nm.contains_key("count") && !nm.contains_key("device_ids") {
            nm.insert(skey("count", it.span), Value::int(-1, it.span));
            crate::normalize::reorder(&mut nm, DEVICE_REQUEST);
        }
        out.push(Value::map(nm, it.span));
    }
    Ok((!out.is_empty()).then(|| Value::seq(out, v.span)))
}

pub(super) fn pull_policy(_: Mode, v: &Value, path: &str) -> Res<Option<Value>> {
    match v.as_str() {
        Some("if_not_present") => Ok(Some(Value::str("missing", v.span))),
        Some("") | None if v.is_null() => Ok(None),
        Some(s) if pull_policy_ok(s) => Ok(Some(v.clone())),
        Some(s) => Err(Diagnostic::error(format!(
            "{path} '{s}' does not match pattern 'always|never|build|if_not_present|missing|refresh|daily|weekly|every_([0-9]+[wdhms])+'"
        ))
        .with_label(v.span, "not a pull policy")),
        None => Err(type_error(v, path, "string")),
    }
}

pub(super) fn ulimits(mode: Mode, v: &Value, path: &str) -> Res<Option<Value>> {
    let Kind::Map(m) = &v.kind else {
        return if v.is_null() {
            Ok(None)
        } else {
            Err(type_error(v, path, "mapping"))
        };
    };
    let mut out = Map::new(MapKind::Dict);
    for (k, val) in m.iter() {
        let kpath = format!("{path}.{}", k.name);
        let nv = match &val.kind {
            // Compose's raw model takes no string for a single limit (its transform fails).
            Kind::Str(_) if mode.lenient => {
                return Err(Diagnostic::error(format!(
                    "{kpath} must be an integer or a mapping of soft and hard"
                ))
                .with_label(val.span, "a string is not read without interpolation"));
            }
            Kind::Int(_) | Kind::Str(_) => {
                decode(mode, val, T::IntPtr, &kpath)?.unwrap_or_else(|| val.clone())
            }
            Kind::Map(inner) => {
                let s = decode_struct(
                    mode,
                    inner,
                    &[("soft", T::IntPtr), ("hard", T::IntPtr)],
                    &kpath,
                )?;
                if !(s.contains_key("soft") && s.contains_key("hard")) {
                    return Err(
                        Diagnostic::error(format!("{kpath} must be a integer or string"))
                            .with_label(val.span, "a mapping needs both `soft` and `hard`"),
                    );
                }
                Value::map(s, val.span)
            }
            _ => return Err(type_error(val, &kpath, "integer or string")),
        };
        out.insert(k.clone(), nv);
    }
    Ok((!out.is_empty()).then(|| Value::map(out, v.span)))
}

/// `build.ssh` prints as a list of `id` or `id: path` (compose-go `SSHKey.MarshalYAML`).
pub(super) fn ssh(mode: Mode, v: &Value, path: &str) -> Res<Option<Value>> {
    // The raw model is kept as written: this check is Compose's typed decoding, not its schema.
    if mode.lenient {
        return Ok(Some(v.clone()));
    }
    match &v.kind {
        Kind::Map(m) => {
            let mut out = Vec::new();
            for (k, val) in m.iter() {
                let s = match &val.kind {
                    Kind::Null => k.name.clone(),
                    _ => format!("{}: {}", k.name, val.scalar_to_string().unwrap_or_default()),
                };
                out.push(Value::str(s, val.span));
            }
            Ok((!out.is_empty()).then(|| Value::seq(out, v.span)))
        }
        Kind::Null => Ok(None),
        _ => Err(type_error(v, path, "array or mapping")),
    }
}

pub(super) fn healthcheck_test(mode: Mode, v: &Value, path: &str) -> Res<Option<Value>> {
    match &v.kind {
        Kind::Str(s) => Ok(Some(Value::seq(
            vec![
                Value::str("CMD-SHELL", v.span),
                Value::str(s.clone(), v.span),
            ],
            v.span,
        ))),
        // An empty test is no test (Docker Compose drops it).
        Kind::Seq(items) if items.is_empty() => Ok(None),
        Kind::Seq(_) => decode(mode, v, T::Command, path),
        Kind::Null => Ok(None),
        _ => Err(type_error(v, path, "string or array")),
    }
}

pub(super) fn file_mode(_: Mode, v: &Value, path: &str) -> Res<Option<Value>> {
    // Printed as an octal string (`0440`): YAML resolved `0440` to 288.
    match &v.kind {
        Kind::Int(i) => Ok(Some(Value::str(format!("0{i:o}"), v.span))),
        Kind::Str(s) => {
            let n = i64::from_str_radix(s.trim_start_matches("0o"), 8)
                .map_err(|_| type_error(v, path, "octal number"))?;
            Ok(Some(Value::str(format!("0{n:o}"), v.span)))
        }
        Kind::Null => Ok(None),
        _ => Err(type_error(v, path, "number")),
    }
}

/// A published port: a string or an integer, as the schema has it (`80.5` or `1e29` is
/// neither).
pub(super) fn published(mode: Mode, v: &Value, path: &str) -> Res<Option<Value>> {
    if matches!(v.kind, Kind::Float(_)) {
        return Err(type_error(v, path, "integer or string"));
    }
    decode(mode, v, T::StrNum, path)
}

/// A score from -1000 to 1000, as the schema has it.
pub(super) fn oom_score_adj(mode: Mode, v: &Value, path: &str) -> Res<Option<Value>> {
    let out = decode(mode, v, T::Int, path)?;
    if let Some(i) = out.as_ref().and_then(Value::as_i64) {
        if !(-1000..=1000).contains(&i) {
            return Err(
                Diagnostic::error(format!("{path} must be between -1000 and 1000"))
                    .with_label(v.span, "out of range"),
            );
        }
    }
    Ok(out)
}

pub(super) fn tmpfs_size(mode: Mode, v: &Value, path: &str) -> Res<Option<Value>> {
    // The schema's: a size string, or a whole number of bytes that is not negative.
    match &v.kind {
        Kind::Int(i) if *i < 0 => {
            return Err(
                Diagnostic::error(format!("{path} must be greater than or equal to 0"))
                    .with_label(v.span, "negative size"),
            )
        }
        Kind::Float(_) => return Err(type_error(v, path, "integer")),
        _ => {}
    }
    decode(mode, v, T::Bytes, path)
}

pub(super) fn enum_error(v: &Value, path: &str, allowed: &[&str]) -> Diagnostic {
    let shown: Vec<String> = allowed.iter().map(|a| format!("'{a}'")).collect();
    Diagnostic::error(format!("{path} value must be one of {}", shown.join(", ")))
        .with_label(v.span, "not an allowed value")
}

pub(super) fn one_of(v: &Value, path: &str, allowed: &[&str]) -> Res<Option<Value>> {
    match v.as_str() {
        Some(s) if allowed.contains(&s) => Ok(Some(v.clone())),
        Some(_) => Err(enum_error(v, path, allowed)),
        None if v.is_null() => Ok(None),
        None => Err(type_error(v, path, "string")),
    }
}

pub(super) fn condition(_: Mode, v: &Value, path: &str) -> Res<Option<Value>> {
    one_of(
        v,
        path,
        &[
            "service_started",
            "service_healthy",
            "service_completed_successfully",
        ],
    )
}

pub(super) fn watch_action(_: Mode, v: &Value, path: &str) -> Res<Option<Value>> {
    one_of(
        v,
        path,
        &["rebuild", "sync", "restart", "sync+restart", "sync+exec"],
    )
}

pub(super) fn string_or_list(mode: Mode, v: &Value, path: &str) -> Res<Option<Value>> {
    match &v.kind {
        Kind::Str(_) => Ok(Some(Value::seq(vec![v.clone()], v.span))),
        _ => decode(mode, v, T::StrList, path),
    }
}

pub(super) fn develop_watch(mode: Mode, v: &Value, path: &str) -> Res<Option<Value>> {
    let out = decode(mode, v, T::List(DEVELOP_WATCH), path)?;
    if let Some(items) = out.as_ref().and_then(Value::as_seq) {
        for (i, it) in items.iter().enumerate() {
            for req in ["path", "action"] {
                if it.get(req).is_none() {
                    return Err(
                        Diagnostic::error(format!("{path}.{i} missing property '{req}'"))
                            .with_label(it.span, format!("add `{req}:`")),
                    );
                }
            }
            let rebuild = it.get("action").and_then(Value::as_str) == Some("rebuild");
            if !rebuild && it.get("target").is_none() && !mode.lenient {
                return Err(Diagnostic::error(format!(
                    "{path}: target is required for non-rebuild actions: invalid compose project"
                ))
                .with_label(it.span, "add `target:` (the path in the container)"));
            }
        }
    }
    Ok(out)
}

/// An unanchored `[a-zA-Z0-9][a-zA-Z0-9_.-]+` (compose-spec's pattern, which only requires two
/// such characters somewhere in the string).
pub(super) fn name_pattern(s: &str) -> bool {
    let b = s.as_bytes();
    b.windows(2).any(|w| {
        w[0].is_ascii_alphanumeric()
            && (w[1].is_ascii_alphanumeric() || matches!(w[1], b'_' | b'.' | b'-'))
    })
}

pub(super) fn container_name(mode: Mode, v: &Value, path: &str) -> Res<Option<Value>> {
    let out = decode(mode, v, T::Str, path)?;
    if let Some(s) = out.as_ref().and_then(Value::as_str) {
        if !name_pattern(s) {
            return Err(Diagnostic::error(format!(
                "{path} '{s}' does not match pattern '[a-zA-Z0-9][a-zA-Z0-9_.-]+'"
            ))
            .with_label(
                v.span,
                "container names need at least two letters, digits, '_', '.' or '-'",
            ));
        }
    }
    Ok(out)
}

pub(super) fn pull_policy_ok(s: &str) -> bool {
    // compose-spec's pattern is unanchored: any of these words anywhere is accepted.
    [
        "always",
        "never",
        "build",
        "if_not_present",
        "missing",
        "refresh",
        "daily",
        "weekly",
    ]
    .iter()
    .any(|w| s.contains(w))
        || s.match_indices("every_").any(|(i, _)| {
            let rest = &s[i + 6..];
            let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
            digits > 0
                && rest
                    .as_bytes()
                    .get(digits)
                    .is_some_and(|c| b"wdhms".contains(c))
        })
}

pub(super) fn non_negative(mode: Mode, v: &Value, path: &str) -> Res<Option<Value>> {
    // The raw model is kept as written: this check is Compose's typed decoding, not its schema.
    if mode.lenient {
        return Ok(Some(v.clone()));
    }
    let out = decode(mode, v, T::IntPtr, path)?;
    if out.as_ref().and_then(Value::as_i64).is_some_and(|i| i < 0) {
        let why = if matches!(v.kind, Kind::Float(_)) {
            "too large: out of an int64's range, Docker Compose reads it as a negative number"
        } else {
            "negative value"
        };
        return Err(
            Diagnostic::error(format!("{path}: must be greater than or equal to 0"))
                .with_label(v.span, why),
        );
    }
    Ok(out)
}

pub(super) fn provider(mode: Mode, v: &Value, path: &str) -> Res<Option<Value>> {
    let out = decode(
        mode,
        v,
        T::Struct(&[("type", T::Str), ("options", T::Custom(provider_options))]),
        path,
    )?;
    if let Some(p) = &out {
        if p.get("type").is_none() {
            return Err(Diagnostic::error(format!("{path} missing property 'type'"))
                .with_label(v.span, "add `type:`"));
        }
    }
    Ok(out)
}

pub(super) fn ports(mode: Mode, v: &Value, path: &str) -> Res<Option<Value>> {
    // Entries Compose could not parse (with --no-interpolate) stay strings.
    if let Kind::Seq(items) = &v.kind {
        if items.iter().any(|i| matches!(i.kind, Kind::Str(_))) {
            return Ok(Some(v.clone()));
        }
    }
    if let Kind::Seq(items) = &v.kind {
        for (i, p) in items.iter().enumerate() {
            if p.as_map().is_some_and(|m| !m.contains_key("target")) {
                return Err(Diagnostic::error(format!(
                    "service ports {path}.[{i}] is missing a target port"
                ))
                .with_label(p.span, "add `target:`"));
            }
        }
    }
    decode(mode, v, T::List(PORT), path)
}

pub(super) fn volume_mounts(mode: Mode, v: &Value, path: &str) -> Res<Option<Value>> {
    let out = decode(mode, v, T::List(VOLUME_MOUNT), path)?;
    for (i, m) in out
        .as_ref()
        .and_then(Value::as_seq)
        .unwrap_or(&[])
        .iter()
        .enumerate()
    {
        if let Some(t) = m.get("type") {
            let allowed = ["bind", "volume", "tmpfs", "cluster", "npipe", "image"];
            if !t.as_str().is_some_and(|s| allowed.contains(&s)) {
                return Err(enum_error(t, &format!("{path}.{i}.type"), &allowed));
            }
        }
        if m.get("target").is_none() {
            return Err(Diagnostic::error(format!(
                "service volume {path}.[{i}] is missing a mount target"
            ))
            .with_label(m.span, "add `target:`"));
        }
        // A bind mount without a source (an empty one is the project folder).
        let raw = v.as_seq().and_then(|items| items.get(i));
        let bind = m.get("type").and_then(Value::as_str) == Some("bind");
        if bind && raw.is_some_and(|r| r.get("source").is_none_or(Value::is_null)) {
            return Err(Diagnostic::error(
                "invalid mount config for type \"bind\": field Source must not be empty",
            )
            .with_label(m.span, "add `source:`, the host path to mount"));
        }
    }
    Ok(out)
}

/// The schema's `uniqueItems` for lists Compose does not de-duplicate itself.
pub(super) fn check_unique(out: Option<&Value>, path: &str) -> Res<()> {
    let items = out.and_then(Value::as_seq).unwrap_or(&[]);
    for (j, b) in items.iter().enumerate() {
        if let Some(i) = items[..j].iter().position(|a| a.same(b)) {
            return Err(
                Diagnostic::error(format!("{path} items at {i} and {j} are equal"))
                    .with_label(b.span, "duplicate entry")
                    .with_label(items[i].span, "first given here"),
            );
        }
    }
    Ok(())
}

pub(super) fn unique_strings(mode: Mode, v: &Value, path: &str) -> Res<Option<Value>> {
    let out = decode(mode, v, T::StrList, path)?;
    check_unique(out.as_ref(), path)?;
    Ok(out)
}

pub(super) fn unique_str_nums(mode: Mode, v: &Value, path: &str) -> Res<Option<Value>> {
    let out = decode(mode, v, T::StrNumList, path)?;
    check_unique(out.as_ref(), path)?;
    Ok(out)
}

pub(super) fn dropped_string(mode: Mode, v: &Value, path: &str) -> Res<Option<Value>> {
    decode(mode, v, T::Str, path).map(|_| None)
}

/// Provider options are `map[string][]string` in Compose: every value prints as a list of strings.
pub(super) fn provider_options(_: Mode, v: &Value, path: &str) -> Res<Option<Value>> {
    let Kind::Map(m) = &v.kind else {
        return if v.is_null() {
            Ok(None)
        } else {
            Err(type_error(v, path, "mapping"))
        };
    };
    let mut out = Map::new(MapKind::Dict);
    for (k, val) in m.iter() {
        let items: Vec<&Value> = match &val.kind {
            Kind::Seq(items) => items.iter().collect(),
            _ => vec![val],
        };
        let mut strs = Vec::with_capacity(items.len());
        for it in items {
            match it.scalar_to_string() {
                Some(s) => strs.push(Value::str(s, it.span)),
                None => {
                    return Err(type_error(
                        it,
                        &format!("{path}.{}", k.name),
                        "string, number or boolean",
                    ))
                }
            }
        }
        out.insert(k.clone(), Value::seq(strs, val.span));
    }
    Ok((!out.is_empty()).then(|| Value::map(out, v.span)))
}

pub(super) fn dropped_map(mode: Mode, v: &Value, path: &str) -> Res<Option<Value>> {
    decode(mode, v, T::StrMap, path).map(|_| None)
}
