//! The merged tree to Compose's typed model: every attribute is checked against its type (the
//! JSON schema's rules, with spans), converted as compose-go's struct decoding does (durations,
//! byte sizes, shell-split commands, stringified labels) and placed in Go struct field order, so
//! that the emitters print it as `docker compose config` does.

use berth_model::{Diagnostic, Key, Kind, Map, MapKind, Span, Value};

use crate::units::{format_duration, parse_duration, ram_in_bytes, shell_split};
use crate::yaml::path_string;

type Res<T> = Result<T, Diagnostic>;

thread_local! {
    /// Set while validating the raw model of `config --no-interpolate`: like the JSON schema,
    /// accept a string wherever a boolean, number, size or duration is expected (it may hold a
    /// `${VAR}`), but check everything else.
    static LENIENT_SCALARS: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Validates a raw (uninterpolated) service the way the schema does, without keeping the result.
///
/// # Errors
/// Everything the schema rejects in raw values.
pub fn validate_raw(m: &Map, fields: &[(&str, T)], path: &str) -> Res<()> {
    LENIENT_SCALARS.with(|l| l.set(true));
    let r = decode_struct(m, fields, path).map(|_| ());
    LENIENT_SCALARS.with(|l| l.set(false));
    r
}

fn lenient() -> bool {
    LENIENT_SCALARS.with(std::cell::Cell::get)
}

fn lenient_string(v: &Value) -> bool {
    matches!(v.kind, Kind::Str(_)) && lenient()
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
    Custom(fn(&Value, &str) -> Res<Option<Value>>),
}

pub const SERVICE: &[(&str, T)] = &[
    ("profiles", T::StrList),
    ("annotations", T::StrMap),
    ("attach", T::BoolPtr),
    ("build", T::Struct(BUILD)),
    ("develop", T::Struct(DEVELOP)),
    ("blkio_config", T::Struct(BLKIO)),
    ("cap_add", T::StrList),
    ("cap_drop", T::StrList),
    ("cgroup_parent", T::Str),
    ("cgroup", T::Str),
    ("cpu_count", T::Int),
    ("cpu_percent", T::Float),
    ("cpu_period", T::Int),
    ("cpu_quota", T::Int),
    ("cpu_rt_period", T::Int),
    ("cpu_rt_runtime", T::Int),
    ("cpus", T::Float),
    ("cpuset", T::Str),
    ("cpu_shares", T::Int),
    ("command", T::Command),
    ("configs", T::List(FILE_REF)),
    ("container_name", T::Custom(container_name)),
    ("credential_spec", T::Struct(CREDENTIAL_SPEC)),
    ("depends_on", T::DictOf(DEPENDS_ON)),
    ("deploy", T::Struct(DEPLOY)),
    ("device_cgroup_rules", T::Custom(unique_strings)),
    ("devices", T::List(DEVICE)),
    ("dns", T::StrList),
    ("dns_opt", T::StrList),
    ("dns_search", T::StrList),
    ("domainname", T::Str),
    ("entrypoint", T::Command),
    ("provider", T::Custom(provider)),
    ("environment", T::EnvMap),
    ("env_file", T::List(ENV_FILE)),
    ("expose", T::StrNumList),
    ("extends", T::Any),
    ("external_links", T::Custom(unique_strings)),
    ("extra_hosts", T::Custom(extra_hosts)),
    ("group_add", T::Custom(unique_str_nums)),
    ("gpus", T::Custom(gpus)),
    ("hostname", T::Str),
    ("healthcheck", T::Struct(HEALTHCHECK)),
    ("image", T::Str),
    ("init", T::BoolPtr),
    ("ipc", T::Str),
    ("isolation", T::Str),
    ("labels", T::StrMap),
    ("label_file", T::StrList),
    ("links", T::StrList),
    ("logging", T::Struct(LOGGING)),
    ("mem_limit", T::Bytes),
    ("mem_reservation", T::Bytes),
    ("memswap_limit", T::Bytes),
    ("mem_swappiness", T::Bytes),
    ("mac_address", T::Str),
    ("models", T::Any),
    ("network_mode", T::Str),
    ("networks", T::DictOf(SERVICE_NETWORK)),
    ("oom_kill_disable", T::Bool),
    ("oom_score_adj", T::Custom(oom_score_adj)),
    ("pid", T::Str),
    ("pids_limit", T::Int),
    ("platform", T::Str),
    ("ports", T::Custom(ports)),
    ("privileged", T::Bool),
    ("pull_policy", T::Custom(pull_policy)),
    // Accepted by the 2.40.3 schema but not part of its model: validated, then dropped.
    ("pull_refresh_after", T::Custom(dropped_string)),
    ("read_only", T::Bool),
    ("restart", T::Str),
    ("runtime", T::Str),
    ("scale", T::Custom(non_negative)),
    ("secrets", T::List(FILE_REF)),
    ("security_opt", T::Custom(unique_strings)),
    ("shm_size", T::Bytes),
    ("stdin_open", T::Bool),
    ("stop_grace_period", T::Duration),
    ("stop_signal", T::Str),
    ("storage_opt", T::Custom(storage_opt)),
    ("sysctls", T::StrMap),
    ("tmpfs", T::StrList),
    ("tty", T::Bool),
    ("ulimits", T::Custom(ulimits)),
    ("use_api_socket", T::Bool),
    ("user", T::Str),
    ("userns_mode", T::Str),
    ("uts", T::Str),
    ("volumes", T::Custom(volume_mounts)),
    ("volumes_from", T::Custom(unique_strings)),
    ("working_dir", T::Str),
    ("post_start", T::List(HOOK)),
    ("pre_stop", T::List(HOOK)),
];

pub const BUILD: &[(&str, T)] = &[
    ("context", T::Str),
    ("dockerfile", T::Str),
    ("dockerfile_inline", T::Str),
    ("entitlements", T::StrList),
    ("args", T::EnvMap),
    ("provenance", T::StrNum),
    ("sbom", T::StrNum),
    ("ssh", T::Custom(ssh)),
    ("labels", T::StrMap),
    ("cache_from", T::StrList),
    ("cache_to", T::StrList),
    ("no_cache", T::Bool),
    ("additional_contexts", T::StrMap),
    ("pull", T::Bool),
    ("extra_hosts", T::Custom(extra_hosts)),
    ("isolation", T::Str),
    ("network", T::Str),
    ("target", T::Str),
    ("secrets", T::List(FILE_REF)),
    ("shm_size", T::Bytes),
    ("tags", T::StrList),
    ("ulimits", T::Custom(ulimits)),
    ("platforms", T::StrList),
    ("privileged", T::Bool),
];

const CREDENTIAL_SPEC: &[(&str, T)] = &[("config", T::Str), ("file", T::Str), ("registry", T::Str)];

const DEPENDS_ON: &[(&str, T)] = &[
    ("condition", T::Custom(condition)),
    ("restart", T::Bool),
    ("required", T::Custom(schema_bool)),
];

/// A field the schema types as a boolean only (no string), so that Compose takes no
/// string for it, quoted `"true"` or an unresolved `${VAR}` alike, in every mode.
fn schema_bool(v: &Value, path: &str) -> Res<Option<Value>> {
    match &v.kind {
        Kind::Bool(b) => Ok(Some(Value::bool(*b, v.span))),
        Kind::Null => Ok(None),
        _ => Err(type_error(v, path, "boolean")),
    }
}

/// `storage_opt`: driver options, which Compose does not check in its raw model.
fn storage_opt(v: &Value, path: &str) -> Res<Option<Value>> {
    if lenient() {
        return Ok(Some(v.clone()));
    }
    decode(v, T::StrMap, path)
}

const UPDATE_CONFIG: &[(&str, T)] = &[
    ("parallelism", T::IntPtr),
    ("delay", T::Duration),
    ("failure_action", T::Str),
    ("monitor", T::Duration),
    ("max_failure_ratio", T::Float),
    ("order", T::Str),
];

const RESOURCE: &[(&str, T)] = &[
    ("cpus", T::Float),
    ("memory", T::Bytes),
    ("pids", T::Int),
    ("devices", T::Custom(reservation_devices)),
    ("generic_resources", T::Any),
];

const RESOURCES: &[(&str, T)] = &[
    ("limits", T::Struct(RESOURCE)),
    ("reservations", T::Struct(RESOURCE)),
];

const RESTART_POLICY: &[(&str, T)] = &[
    ("condition", T::Str),
    ("delay", T::Duration),
    ("max_attempts", T::IntPtr),
    ("window", T::Duration),
];

const PLACEMENT: &[(&str, T)] = &[
    ("constraints", T::StrList),
    ("preferences", T::Any),
    ("max_replicas_per_node", T::Int),
];

pub const DEPLOY: &[(&str, T)] = &[
    ("mode", T::Str),
    ("replicas", T::Custom(non_negative)),
    ("labels", T::StrMap),
    ("update_config", T::Struct(UPDATE_CONFIG)),
    ("rollback_config", T::Struct(UPDATE_CONFIG)),
    ("resources", T::Struct(RESOURCES)),
    ("restart_policy", T::Struct(RESTART_POLICY)),
    ("placement", T::Struct(PLACEMENT)),
    ("endpoint_mode", T::Str),
];

const DEVICE: &[(&str, T)] = &[
    ("source", T::Str),
    ("target", T::Str),
    ("permissions", T::Str),
];

const ENV_FILE: &[(&str, T)] = &[
    ("path", T::Str),
    ("required", T::BoolPtr),
    ("format", T::Str),
];

const HEALTHCHECK: &[(&str, T)] = &[
    ("test", T::Custom(healthcheck_test)),
    ("timeout", T::Duration),
    ("interval", T::Duration),
    ("retries", T::Custom(non_negative)),
    ("start_period", T::Duration),
    ("start_interval", T::Duration),
    ("disable", T::Bool),
];

const LOGGING: &[(&str, T)] = &[("driver", T::Str), ("options", T::StrMap)];

const SERVICE_NETWORK: &[(&str, T)] = &[
    ("aliases", T::StrList),
    ("driver_opts", T::StrMap),
    ("gw_priority", T::Int),
    ("interface_name", T::Str),
    ("ipv4_address", T::Str),
    ("ipv6_address", T::Str),
    ("link_local_ips", T::StrList),
    ("mac_address", T::Str),
    ("priority", T::Int),
];

const PORT: &[(&str, T)] = &[
    ("name", T::Str),
    ("mode", T::Str),
    ("host_ip", T::Str),
    ("target", T::Int),
    ("published", T::Custom(published)),
    ("protocol", T::Str),
    ("app_protocol", T::Str),
];

const FILE_REF: &[(&str, T)] = &[
    ("source", T::Str),
    ("target", T::Str),
    ("uid", T::Str),
    ("gid", T::Str),
    ("mode", T::Custom(file_mode)),
];

const VOLUME_BIND: &[(&str, T)] = &[
    ("selinux", T::Str),
    ("propagation", T::Str),
    ("create_host_path", T::Bool),
    ("recursive", T::Str),
];

const VOLUME_VOLUME: &[(&str, T)] = &[
    ("labels", T::StrMap),
    ("nocopy", T::Bool),
    ("subpath", T::Str),
];

const VOLUME_TMPFS: &[(&str, T)] = &[("size", T::Custom(tmpfs_size)), ("mode", T::Int)];

const VOLUME_IMAGE: &[(&str, T)] = &[("subpath", T::Str)];

const VOLUME_MOUNT: &[(&str, T)] = &[
    ("type", T::Str),
    ("source", T::Str),
    ("target", T::Str),
    ("read_only", T::Bool),
    ("consistency", T::Str),
    ("bind", T::Struct(VOLUME_BIND)),
    ("volume", T::Struct(VOLUME_VOLUME)),
    ("tmpfs", T::Struct(VOLUME_TMPFS)),
    ("image", T::Struct(VOLUME_IMAGE)),
];

const HOOK: &[(&str, T)] = &[
    ("command", T::Command),
    ("user", T::Str),
    ("privileged", T::Bool),
    ("working_dir", T::Str),
    ("environment", T::EnvMap),
];

const IPAM_CONFIG: &[(&str, T)] = &[
    ("subnet", T::Str),
    ("gateway", T::Str),
    ("ip_range", T::Str),
    ("aux_addresses", T::StrMap),
];

const IPAM: &[(&str, T)] = &[
    ("driver", T::Str),
    ("config", T::List(IPAM_CONFIG)),
    // Accepted by the schema, not kept by the 2.40.3 model.
    ("options", T::Custom(dropped_map)),
];

pub const NETWORK: &[(&str, T)] = &[
    ("name", T::Str),
    ("driver", T::Str),
    ("driver_opts", T::StrMap),
    ("ipam", T::Struct(IPAM)),
    ("external", T::Bool),
    ("internal", T::Bool),
    ("attachable", T::Bool),
    ("labels", T::StrMap),
    ("enable_ipv4", T::BoolPtr),
    ("enable_ipv6", T::BoolPtr),
];

pub const VOLUME: &[(&str, T)] = &[
    ("name", T::Str),
    ("driver", T::Str),
    ("driver_opts", T::StrMap),
    ("external", T::Bool),
    ("labels", T::StrMap),
];

pub const SECRET_CONFIG: &[(&str, T)] = &[
    ("name", T::Str),
    ("file", T::Str),
    ("environment", T::Str),
    ("content", T::Str),
    ("external", T::Bool),
    ("labels", T::StrMap),
    ("driver", T::Str),
    ("driver_opts", T::StrMap),
    ("template_driver", T::Str),
];

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
pub fn decode(v: &Value, t: T, path: &str) -> Res<Option<Value>> {
    if let Kind::Timestamp(_) = v.kind {
        return Err(
            Diagnostic::error(format!("{path} invalid jsonType time.Time")).with_label(
                v.span,
                "YAML reads this as a timestamp; quote it to make it a string",
            ),
        );
    }
    let sp = v.span;
    if lenient_string(v)
        && matches!(
            t,
            T::Bool | T::BoolPtr | T::Int | T::IntPtr | T::Float | T::Bytes | T::Duration
        )
    {
        return Ok(Some(v.clone()));
    }
    if lenient() {
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
            T::Custom(f)
                if [
                    non_negative as fn(&Value, &str) -> Res<Option<Value>>,
                    gpus,
                    extra_hosts,
                    ssh,
                ]
                .contains(&f) =>
            {
                return Ok(Some(v.clone()));
            }
            _ => {}
        }
    }
    Ok(match t {
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
                let out = decode_struct(m, fields, path)?;
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
                            out.push(Value::map(decode_struct(m, fields, &ipath)?, it.span));
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
                            Value::map(decode_struct(inner, fields, &kpath)?, val.span)
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
        T::Custom(f) => f(v, path)?,
    })
}

/// Decodes a mapping into a struct with the fields in `fields` order, `x-*` last.
///
/// # Errors
/// Unknown attributes and any field error.
pub fn decode_struct(m: &Map, fields: &[(&str, T)], path: &str) -> Res<Map> {
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
            if v.is_null() && !null_allowed(fields, name) {
                return Err(null_error(k, *t, &fpath));
            }
            if let Some(nv) = decode(v, *t, &fpath)? {
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

fn extra_hosts(v: &Value, path: &str) -> Res<Option<Value>> {
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
fn reservation_devices(v: &Value, path: &str) -> Res<Option<Value>> {
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
    if lenient() {
        return Ok(Some(v.clone()));
    }
    gpus(v, path)
}

fn gpus(v: &Value, path: &str) -> Res<Option<Value>> {
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
        let mut nm = decode_struct(m, DEVICE_REQUEST, &ipath)?;
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

const DEVICE_REQUEST: &[(&str, T)] = &[
    ("capabilities", T::StrList),
    ("driver", T::Str),
    ("count", T::Any),
    ("device_ids", T::StrList),
    ("options", T::StrMap),
];

fn pull_policy(v: &Value, path: &str) -> Res<Option<Value>> {
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

fn ulimits(v: &Value, path: &str) -> Res<Option<Value>> {
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
            Kind::Str(_) if lenient() => {
                return Err(Diagnostic::error(format!(
                    "{kpath} must be an integer or a mapping of soft and hard"
                ))
                .with_label(val.span, "a string is not read without interpolation"));
            }
            Kind::Int(_) | Kind::Str(_) => {
                decode(val, T::IntPtr, &kpath)?.unwrap_or_else(|| val.clone())
            }
            Kind::Map(inner) => {
                let s = decode_struct(inner, &[("soft", T::IntPtr), ("hard", T::IntPtr)], &kpath)?;
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
fn ssh(v: &Value, path: &str) -> Res<Option<Value>> {
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

fn healthcheck_test(v: &Value, path: &str) -> Res<Option<Value>> {
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
        Kind::Seq(_) => decode(v, T::Command, path),
        Kind::Null => Ok(None),
        _ => Err(type_error(v, path, "string or array")),
    }
}

fn file_mode(v: &Value, path: &str) -> Res<Option<Value>> {
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
fn published(v: &Value, path: &str) -> Res<Option<Value>> {
    if matches!(v.kind, Kind::Float(_)) {
        return Err(type_error(v, path, "integer or string"));
    }
    decode(v, T::StrNum, path)
}

/// A score from -1000 to 1000, as the schema has it.
fn oom_score_adj(v: &Value, path: &str) -> Res<Option<Value>> {
    let out = decode(v, T::Int, path)?;
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

fn tmpfs_size(v: &Value, path: &str) -> Res<Option<Value>> {
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
    decode(v, T::Bytes, path)
}

#[must_use]
pub fn path_of(parts: &[&str]) -> String {
    path_string(&parts.iter().map(|s| (*s).to_string()).collect::<Vec<_>>())
}

const DEVELOP_WATCH: &[(&str, T)] = &[
    ("path", T::Str),
    ("action", T::Custom(watch_action)),
    ("target", T::Str),
    ("exec", T::Struct(HOOK)),
    ("ignore", T::Custom(string_or_list)),
    ("include", T::Custom(string_or_list)),
    ("initial_sync", T::Bool),
];

const DEVELOP: &[(&str, T)] = &[("watch", T::Custom(develop_watch))];

const BLKIO_LIMIT: &[(&str, T)] = &[("path", T::Str), ("rate", T::Bytes)];
const BLKIO_WEIGHT: &[(&str, T)] = &[("path", T::Str), ("weight", T::Int)];

const BLKIO: &[(&str, T)] = &[
    ("weight", T::Int),
    ("weight_device", T::List(BLKIO_WEIGHT)),
    ("device_read_bps", T::List(BLKIO_LIMIT)),
    ("device_read_iops", T::List(BLKIO_LIMIT)),
    ("device_write_bps", T::List(BLKIO_LIMIT)),
    ("device_write_iops", T::List(BLKIO_LIMIT)),
];

fn enum_error(v: &Value, path: &str, allowed: &[&str]) -> Diagnostic {
    let shown: Vec<String> = allowed.iter().map(|a| format!("'{a}'")).collect();
    Diagnostic::error(format!("{path} value must be one of {}", shown.join(", ")))
        .with_label(v.span, "not an allowed value")
}

fn one_of(v: &Value, path: &str, allowed: &[&str]) -> Res<Option<Value>> {
    match v.as_str() {
        Some(s) if allowed.contains(&s) => Ok(Some(v.clone())),
        Some(_) => Err(enum_error(v, path, allowed)),
        None if v.is_null() => Ok(None),
        None => Err(type_error(v, path, "string")),
    }
}

fn condition(v: &Value, path: &str) -> Res<Option<Value>> {
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

fn watch_action(v: &Value, path: &str) -> Res<Option<Value>> {
    one_of(
        v,
        path,
        &["rebuild", "sync", "restart", "sync+restart", "sync+exec"],
    )
}

fn string_or_list(v: &Value, path: &str) -> Res<Option<Value>> {
    match &v.kind {
        Kind::Str(_) => Ok(Some(Value::seq(vec![v.clone()], v.span))),
        _ => decode(v, T::StrList, path),
    }
}

fn develop_watch(v: &Value, path: &str) -> Res<Option<Value>> {
    let out = decode(v, T::List(DEVELOP_WATCH), path)?;
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
            if !rebuild && it.get("target").is_none() && !lenient() {
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
fn name_pattern(s: &str) -> bool {
    let b = s.as_bytes();
    b.windows(2).any(|w| {
        w[0].is_ascii_alphanumeric()
            && (w[1].is_ascii_alphanumeric() || matches!(w[1], b'_' | b'.' | b'-'))
    })
}

fn container_name(v: &Value, path: &str) -> Res<Option<Value>> {
    let out = decode(v, T::Str, path)?;
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

fn pull_policy_ok(s: &str) -> bool {
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

fn non_negative(v: &Value, path: &str) -> Res<Option<Value>> {
    let out = decode(v, T::IntPtr, path)?;
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

fn provider(v: &Value, path: &str) -> Res<Option<Value>> {
    let out = decode(
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

fn ports(v: &Value, path: &str) -> Res<Option<Value>> {
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
    decode(v, T::List(PORT), path)
}

fn volume_mounts(v: &Value, path: &str) -> Res<Option<Value>> {
    let out = decode(v, T::List(VOLUME_MOUNT), path)?;
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
fn check_unique(out: Option<&Value>, path: &str) -> Res<()> {
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

fn unique_strings(v: &Value, path: &str) -> Res<Option<Value>> {
    let out = decode(v, T::StrList, path)?;
    check_unique(out.as_ref(), path)?;
    Ok(out)
}

fn unique_str_nums(v: &Value, path: &str) -> Res<Option<Value>> {
    let out = decode(v, T::StrNumList, path)?;
    check_unique(out.as_ref(), path)?;
    Ok(out)
}

fn dropped_string(v: &Value, path: &str) -> Res<Option<Value>> {
    decode(v, T::Str, path).map(|_| None)
}

/// Top-level `models` entries.
pub const MODEL: &[(&str, T)] = &[
    ("name", T::Str),
    ("model", T::Str),
    ("context_size", T::Int),
    ("runtime_flags", T::StrList),
];

/// Provider options are `map[string][]string` in Compose: every value prints as a list of strings.
fn provider_options(v: &Value, path: &str) -> Res<Option<Value>> {
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

fn dropped_map(v: &Value, path: &str) -> Res<Option<Value>> {
    decode(v, T::StrMap, path).map(|_| None)
}

/// Where compose-spec allows an explicit `null`: five service attributes, nothing nested.
fn null_allowed(fields: &[(&str, T)], name: &str) -> bool {
    std::ptr::eq(fields, SERVICE)
        && matches!(
            name,
            "develop" | "deploy" | "command" | "entrypoint" | "pid"
        )
}

fn null_error(k: &Key, t: T, path: &str) -> Diagnostic {
    let want = match t {
        T::Str | T::Duration => "string",
        T::Bool | T::BoolPtr => "boolean",
        T::Int | T::IntPtr => "integer",
        T::Float => "number",
        T::StrNum | T::Bytes => "number or string",
        T::StrList | T::StrNumList | T::List(_) => "array",
        T::StrMap | T::EnvMap | T::Struct(_) | T::DictOf(_) | T::Any => "mapping",
        T::Command | T::Custom(_) => "value",
    };
    Diagnostic::error(format!("{path} must be a {want}")).with_label(
        k.span,
        "this attribute has no value; remove it or give it one",
    )
}
