//! Short syntax to long syntax (compose-go `transform/*.go`), applied to every document before
//! it is merged, so that merging and de-duplication see one shape.
//!
//! Ports follow docker's `nat.ParsePortSpecs` (ranges expanded, entries sorted by their
//! `port/proto` string as Go does), volumes follow compose-go `format.ParseVolume`.

use berth_model::{Diagnostic, Key, Kind, Map, MapKind, Span, Value};

use crate::yaml::path_string;

type Res<T> = Result<T, Diagnostic>;

fn err(span: Span, msg: impl Into<String>, label: &str) -> Diagnostic {
    Diagnostic::error(msg).with_label(span, label)
}

fn skey(s: &str) -> Key {
    Key::synthetic(s)
}

/// Canonicalizes a whole document in place.
///
/// # Errors
/// Unparsable ports, volumes and devices, with the span of the entry.
pub fn canonicalize(doc: &mut Value, interpolated: bool) -> Res<()> {
    let Some(root) = doc.as_map_mut() else {
        return Ok(());
    };
    if let Some(services) = root.get_mut("services").and_then(Value::as_map_mut) {
        for (name, svc) in services.iter_mut() {
            if let Some(svc) = svc.as_map_mut() {
                canonical_service(&name.name, svc, interpolated)?;
            }
        }
    }
    for section in ["networks", "volumes", "secrets", "configs"] {
        if !interpolated {
            // The raw model keeps label lists as written.
            break;
        }
        if let Some(m) = root.get_mut(section).and_then(Value::as_map_mut) {
            for (_, res) in m.iter_mut() {
                if let Some(r) = res.as_map_mut() {
                    if let Some(v) = r.get_mut("labels") {
                        list_to_map(v, true, &format!("{section}.labels"))?;
                    }
                }
            }
        }
    }
    if let Some(inc) = root.get_mut("include").and_then(Value::as_seq_mut) {
        for item in inc.iter_mut() {
            if let Kind::Str(s) = &item.kind {
                let mut m = Map::new(MapKind::Dict);
                m.insert(skey("path"), Value::str(s.clone(), item.span));
                *item = Value::map(m, item.span);
            }
        }
    }
    Ok(())
}

/// Canonical forms of one service. Without interpolation (`config --no-interpolate`) only
/// compose-go's own transforms apply, as the reference prints that raw model; Berth's extra
/// conversions to the typed shapes (environment lists to maps, ...) are skipped.
fn canonical_service(name: &str, svc: &mut Map, interpolated: bool) -> Res<()> {
    let raw = !interpolated;
    let path = |k: &str| path_string(&["services".into(), name.into(), k.into()]);
    if let Some(v) = svc.get_mut("build") {
        if let Kind::Str(s) = &v.kind {
            let mut m = Map::new(MapKind::Dict);
            m.insert(skey("context"), Value::str(s.clone(), v.span));
            *v = Value::map(m, v.span);
        }
        if let Some(b) = v.as_map_mut() {
            for k in ["args", "labels"] {
                if let Some(x) = b.get_mut(k) {
                    if !raw {
                        list_to_map(x, k == "labels", &format!("services.{name}.build.{k}"))?;
                    } else if let (Kind::Seq(items), "args") = (&mut x.kind, k) {
                        // Normalization drops bare build args of the list form.
                        items.retain(|i| i.as_str().is_none_or(|s| s.contains('=')));
                    }
                }
            }
            for k in ["ssh", "additional_contexts"] {
                if let Some(x) = b.get_mut(k) {
                    list_to_map(x, false, &format!("services.{name}.build.{k}"))?;
                }
            }
            if let Some(x) = b.get_mut("secrets") {
                str_items_to_source(x);
            }
            if let Some(x) = b.get_mut("extra_hosts").filter(|_| !raw) {
                extra_hosts_canonical(x);
            }
            // `provenance` and `sbom` are strings in compose-go's model, even when written as
            // booleans; the raw model shows them converted already.
            for k in ["provenance", "sbom"] {
                if let Some(x) = b.get_mut(k).filter(|_| raw) {
                    if let Kind::Bool(v) = x.kind {
                        *x = Value::str(v.to_string(), x.span);
                    }
                }
            }
        }
    }
    if let Some(v) = svc.get_mut("extends") {
        if let Kind::Str(s) = &v.kind {
            let mut m = Map::new(MapKind::Dict);
            m.insert(skey("service"), Value::str(s.clone(), v.span));
            *v = Value::map(m, v.span);
        }
    }
    if !raw {
        if let Some(x) = svc.get_mut("environment") {
            list_to_map(x, false, &path("environment"))?;
        }
        for k in ["labels", "annotations", "sysctls"] {
            if let Some(x) = svc.get_mut(k) {
                list_to_map(x, true, &path(k))?;
            }
        }
        if let Some(d) = svc.get_mut("deploy").and_then(Value::as_map_mut) {
            if let Some(x) = d.get_mut("labels") {
                list_to_map(x, true, &format!("services.{name}.deploy.labels"))?;
            }
        }
    }
    let string_or_list: &[&str] = if raw {
        &["dns", "label_file"]
    } else {
        &["dns", "dns_search", "tmpfs", "label_file"]
    };
    for k in string_or_list.iter().copied() {
        if let Some(v) = svc.get_mut(k) {
            if matches!(v.kind, Kind::Str(_)) {
                *v = Value::seq(vec![v.clone()], v.span);
            }
        }
    }
    // Compose drops the empty entries of `dns` (only), in every mode.
    if let Some(Kind::Seq(items)) = svc.get_mut("dns").map(|v| &mut v.kind) {
        items.retain(|i| i.as_str() != Some(""));
    }
    if let Some(v) = svc.get_mut("env_file") {
        env_file_canonical(v);
    }
    for k in ["depends_on", "networks", "models"] {
        if let Some(v) = svc.get(k) {
            unique_list_items(v, &path(k))?;
        }
    }
    if let Some(v) = svc.get_mut("depends_on") {
        depends_on_canonical(v, &path("depends_on"))?;
    }
    if let Some(v) = svc.get_mut("networks") {
        if let Kind::Seq(items) = &v.kind {
            let mut m = Map::new(MapKind::Dict);
            for it in items {
                if let Some(s) = it.scalar_to_string() {
                    m.insert(Key::new(s, it.span), Value::null(it.span));
                }
            }
            *v = Value::map(m, v.span);
        }
    }
    if let Some(v) = svc.get_mut("models") {
        if let Kind::Seq(items) = &v.kind {
            let mut m = Map::new(MapKind::Dict);
            for it in items {
                if let Some(s) = it.scalar_to_string() {
                    m.insert(Key::new(s, it.span), Value::null(it.span));
                }
            }
            *v = Value::map(m, v.span);
        }
    }
    for k in ["secrets", "configs"] {
        if let Some(v) = svc.get_mut(k) {
            str_items_to_source(v);
        }
    }
    // Service secrets get a default target (compose-go `defaultSecretMount`); configs do not.
    if let Some(items) = svc.get_mut("secrets").and_then(Value::as_seq_mut) {
        for it in items.iter_mut() {
            let sp = it.span;
            if let Some(m) = it.as_map_mut() {
                if !m.contains_key("target") {
                    if let Some(src) = m.get("source").and_then(Value::scalar_to_string) {
                        m.insert(
                            skey("target"),
                            Value::str(format!("/run/secrets/{src}"), sp),
                        );
                    }
                }
            }
        }
    }
    if let Some(v) = svc.get_mut("ports") {
        if let Kind::Seq(items) = &mut v.kind {
            let mut out = Vec::with_capacity(items.len());
            let mut failed = false;
            for it in items.iter() {
                match port_canonical(it, &path("ports"), raw) {
                    Ok(p) => out.extend(p),
                    // Without interpolation `${PORT}:80` cannot be parsed; Compose then keeps the
                    // whole list as written.
                    Err(_) if raw => failed = true,
                    Err(e) => return Err(e),
                }
            }
            if !failed {
                *items = out;
            }
        }
    }
    if let Some(v) = svc.get_mut("volumes") {
        if let Kind::Seq(items) = &mut v.kind {
            for it in items.iter_mut() {
                if let Kind::Str(s) = &it.kind {
                    *it = parse_volume(s, it.span, interpolated)?;
                }
            }
        }
    }
    if let Some(v) = svc.get_mut("devices") {
        if let Kind::Seq(items) = &mut v.kind {
            for it in items.iter_mut() {
                if let Kind::Str(s) = &it.kind {
                    match parse_device(s, it.span) {
                        Ok(d) => *it = d,
                        // The raw model writes what the typed decoding would reject as an
                        // empty mapping, as Compose's transform leaves it.
                        Err(_) if raw => {
                            let mut m = Map::new(MapKind::Dict);
                            m.insert(skey("source"), Value::str("", it.span));
                            m.insert(skey("target"), Value::str("", it.span));
                            m.insert(skey("permissions"), Value::str("rwm", it.span));
                            *it = Value::map(m, it.span);
                        }
                        Err(e) => return Err(e),
                    }
                }
            }
        }
    }
    if let Some(v) = svc.get_mut("gpus") {
        if v.as_str() == Some("all") {
            let mut m = Map::new(MapKind::Dict);
            m.insert(skey("count"), Value::str("all", v.span));
            *v = Value::seq(vec![Value::map(m, v.span)], v.span);
        }
    }
    if raw {
        // compose-go gives device requests without a count or ids `count: all`.
        if let Some(devs) = svc
            .get_mut("deploy")
            .and_then(|d| d.get_mut("resources"))
            .and_then(|r| r.get_mut("reservations"))
            .and_then(|r| r.get_mut("devices"))
            .and_then(Value::as_seq_mut)
        {
            for d in devs.iter_mut() {
                let sp = d.span;
                if let Some(m) = d.as_map_mut() {
                    if !m.contains_key("count") && !m.contains_key("device_ids") {
                        m.insert(skey("count"), Value::str("all", sp));
                    }
                }
            }
        }
    }
    if let Some(v) = svc.get_mut("extra_hosts").filter(|_| !raw) {
        extra_hosts_canonical(v);
    }
    Ok(())
}

/// `[K=V, K]` to `{K: V, K: null}`; with `labels_style`, a bare `K` becomes `""`.
///
/// # Errors
/// A list entry that is not a string (Compose: `unexpected type int`).
pub fn list_to_map(v: &mut Value, labels_style: bool, path: &str) -> Res<()> {
    let Kind::Seq(items) = &v.kind else {
        return Ok(());
    };
    let mut m = Map::new(MapKind::Dict);
    for (i, it) in items.iter().enumerate() {
        let Kind::Str(s) = &it.kind else {
            let ty = match it.kind {
                Kind::Int(_) => "int",
                Kind::Float(_) => "float64",
                Kind::Bool(_) => "bool",
                Kind::Null => "<nil>",
                Kind::Map(_) => "map[string]interface {}",
                _ => "[]interface {}",
            };
            return Err(err(
                it.span,
                format!("{path}.[{i}]: unexpected type {ty}"),
                "expected a KEY=VALUE string",
            ));
        };
        let (k, val) = match s.split_once('=') {
            Some((k, val)) => (k.to_string(), Value::str(val, it.span)),
            None if labels_style => (s.clone(), Value::str("", it.span)),
            None => (s.clone(), Value::null(it.span)),
        };
        m.insert(Key::new(k, it.span), val);
    }
    *v = Value::map(m, v.span);
    Ok(())
}

fn str_items_to_source(v: &mut Value) {
    let Kind::Seq(items) = &mut v.kind else {
        return;
    };
    for it in items.iter_mut() {
        if let Kind::Str(s) = &it.kind {
            let mut m = Map::new(MapKind::Dict);
            m.insert(skey("source"), Value::str(s.clone(), it.span));
            *it = Value::map(m, it.span);
        }
    }
}

fn env_file_canonical(v: &mut Value) {
    let items = match &v.kind {
        Kind::Str(_) => vec![v.clone()],
        Kind::Seq(items) => items.clone(),
        _ => return,
    };
    let mut out = Vec::new();
    for it in items {
        match &it.kind {
            Kind::Str(s) => {
                let mut m = Map::new(MapKind::Dict);
                m.insert(skey("path"), Value::str(s.clone(), it.span));
                m.insert(skey("required"), Value::bool(true, it.span));
                out.push(Value::map(m, it.span));
            }
            Kind::Map(m0) => {
                let mut m = m0.clone();
                if !m.contains_key("required") {
                    m.insert(skey("required"), Value::bool(true, it.span));
                }
                out.push(Value::map(m, it.span));
            }
            _ => out.push(it),
        }
    }
    *v = Value::seq(out, v.span);
}

fn depends_on_canonical(v: &mut Value, path: &str) -> Res<()> {
    match &mut v.kind {
        Kind::Seq(items) => {
            let mut m = Map::new(MapKind::Dict);
            for (i, it) in items.iter().enumerate() {
                if !matches!(it.kind, Kind::Str(_)) {
                    return Err(err(
                        it.span,
                        format!("{path}.{i} must be a string"),
                        "a service name",
                    ));
                }
                if let Some(s) = it.scalar_to_string() {
                    let mut d = Map::new(MapKind::Dict);
                    d.insert(skey("condition"), Value::str("service_started", it.span));
                    d.insert(skey("required"), Value::bool(true, it.span));
                    m.insert(Key::new(s, it.span), Value::map(d, it.span));
                }
            }
            *v = Value::map(m, v.span);
        }
        Kind::Map(m) => {
            for (_, d) in m.iter_mut() {
                if d.is_null() {
                    *d = Value::empty_map(MapKind::Dict, d.span);
                }
                let sp = d.span;
                if let Some(dm) = d.as_map_mut() {
                    if !dm.contains_key("condition") {
                        dm.insert(skey("condition"), Value::str("service_started", sp));
                    }
                    if !dm.contains_key("required") {
                        dm.insert(skey("required"), Value::bool(true, sp));
                    }
                }
            }
        }
        _ => {}
    }
    Ok(())
}

fn extra_hosts_canonical(v: &mut Value) {
    // Map form `{host: ip}` or `{host: [ip, ip]}` becomes the list form `host=ip`.
    if let Kind::Map(m) = &v.kind {
        let mut out = Vec::new();
        for (k, val) in m.iter() {
            if let Kind::Seq(ips) = &val.kind {
                for ip in ips {
                    if let Some(s) = ip.scalar_to_string() {
                        out.push(Value::str(format!("{}={s}", k.name), ip.span));
                    }
                }
            } else {
                let s = val.scalar_to_string().unwrap_or_default();
                out.push(Value::str(format!("{}={s}", k.name), val.span));
            }
        }
        *v = Value::seq(out, v.span);
    }
}

fn parse_port_range(s: &str) -> Option<(u64, u64)> {
    berth_model::ports::range(s).map(|(a, b)| (u64::from(a), u64::from(b)))
}

fn valid_ip(s: &str) -> bool {
    s.parse::<std::net::IpAddr>().is_ok()
}

/// One short-syntax port string to its long-syntax entries.
fn parse_port_spec(raw: &str, span: Span) -> Res<Vec<Value>> {
    let bad = |msg: String| err(span, msg, "in this port mapping");
    let parts: Vec<&str> = raw.split(':').collect();
    let n = parts.len();
    let container = parts[n - 1];
    let (mut ip, host) = match n {
        1 => (String::new(), ""),
        2 => (String::new(), parts[0]),
        3 => (parts[0].to_string(), parts[1]),
        _ => (parts[..n - 2].join(":"), parts[n - 2]),
    };
    let (proto, container) = {
        let cp: Vec<&str> = container.split('/').collect();
        if cp[0].is_empty() {
            ("", "")
        } else if cp.len() == 1 || cp[1].is_empty() {
            ("tcp", cp[0])
        } else {
            (cp[1], cp[0])
        }
    };
    if ip.starts_with('[') {
        match ip.strip_prefix('[').and_then(|x| x.strip_suffix(']')) {
            Some(inner) => ip = inner.to_string(),
            None => return Err(bad(format!("invalid IP address {ip}"))),
        }
    }
    if !ip.is_empty() && !valid_ip(&ip) {
        return Err(bad(format!("invalid IP address: {ip}")));
    }
    if container.is_empty() {
        return Err(bad(format!("no port specified: {raw}<empty>")));
    }
    let Some((start, end)) = parse_port_range(container) else {
        return Err(bad(format!("invalid containerPort: {container}")));
    };
    let (hstart, hend) = if host.is_empty() {
        (0, 0)
    } else {
        parse_port_range(host).ok_or_else(|| bad(format!("invalid hostPort: {host}")))?
    };
    if !host.is_empty() && (end - start) != (hend - hstart) && end != start {
        return Err(bad(format!(
            "invalid ranges specified for container and host Ports: {container} and {host}"
        )));
    }
    let proto = proto.to_ascii_lowercase();
    if !matches!(proto.as_str(), "tcp" | "udp" | "sctp") {
        return Err(bad(format!("invalid proto: {proto}")));
    }
    let mut entries: Vec<(String, Value)> = Vec::new();
    for i in 0..=(end - start) {
        let target = start + i;
        let mut published = if host.is_empty() {
            String::new()
        } else {
            (hstart + i).to_string()
        };
        if start == end && hstart != hend {
            published = format!("{published}-{hend}");
        }
        let mut m = Map::new(MapKind::Dict);
        m.insert(skey("mode"), Value::str("ingress", span));
        if !ip.is_empty() {
            m.insert(skey("host_ip"), Value::str(ip.clone(), span));
        }
        m.insert(
            skey("target"),
            Value::int(i64::try_from(target).unwrap_or(0), span),
        );
        if !published.is_empty() {
            m.insert(skey("published"), Value::str(published, span));
        }
        m.insert(skey("protocol"), Value::str(proto.clone(), span));
        entries.push((format!("{target}/{proto}"), Value::map(m, span)));
    }
    // Go iterates the port set in sorted string order.
    entries.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(entries.into_iter().map(|(_, v)| v).collect())
}

fn port_canonical(item: &Value, path: &str, raw: bool) -> Res<Vec<Value>> {
    match &item.kind {
        Kind::Str(s) => parse_port_spec(s, item.span),
        Kind::Int(i) => parse_port_spec(&i.to_string(), item.span),
        Kind::Map(m) => {
            let mut m = m.clone();
            if let Some(p) = m.get_mut("published").filter(|_| !raw) {
                if let Kind::Int(i) = p.kind {
                    *p = Value::str(i.to_string(), p.span);
                }
            }
            if !m.contains_key("protocol") {
                m.insert(skey("protocol"), Value::str("tcp", item.span));
            }
            if !m.contains_key("mode") {
                m.insert(skey("mode"), Value::str("ingress", item.span));
            }
            Ok(vec![Value::map(m, item.span)])
        }
        _ => Err(err(
            item.span,
            format!("{path} items must be a number, string or mapping"),
            "unexpected value",
        )),
    }
}

fn is_file_path(s: &str) -> bool {
    let b = s.as_bytes();
    match b.first() {
        None => false,
        Some(b'.' | b'/' | b'~') => true,
        _ => s.starts_with("\\\\") || (b.len() >= 2 && b[0].is_ascii_alphabetic() && b[1] == b':'),
    }
}

/// Go's `path.Clean`.
#[must_use]
pub fn clean_path(p: &str) -> String {
    if p.is_empty() {
        return ".".into();
    }
    let rooted = p.starts_with('/');
    let mut out: Vec<&str> = Vec::new();
    for part in p.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                if out.last().is_some_and(|l| *l != "..") {
                    out.pop();
                } else if !rooted {
                    out.push("..");
                }
            }
            other => out.push(other),
        }
    }
    let joined = out.join("/");
    match (rooted, joined.is_empty()) {
        (true, _) => format!("/{joined}"),
        (false, true) => ".".into(),
        (false, false) => joined,
    }
}

/// compose-go `format.ParseVolume`.
///
/// # Errors
/// Empty specs, empty sections and too many colons.
pub fn parse_volume(spec: &str, span: Span, interpolated: bool) -> Res<Value> {
    let bad = |msg: &str| {
        err(
            span,
            format!("invalid spec: {spec}: {msg}"),
            "in this volume",
        )
    };
    let mut m = Map::new(MapKind::Dict);
    let chars: Vec<char> = spec.chars().collect();
    match chars.len() {
        0 => return Err(err(span, "invalid empty volume spec", "empty volume")),
        1 | 2 => {
            m.insert(skey("type"), Value::str("volume", span));
            m.insert(skey("target"), Value::str(clean_path(spec), span));
            return Ok(Value::map(m, span));
        }
        _ => {}
    }
    let (mut source, mut target) = (None::<String>, None::<String>);
    let mut read_only = false;
    let mut nocopy = false;
    let mut selinux = None;
    let mut propagation = None;
    let mut buffer = String::new();
    let mut sections: Vec<(String, bool)> = Vec::new(); // (text, ended by ':')
    for (i, &c) in chars.iter().enumerate() {
        let windows_drive = c == ':'
            && buffer.len() == 1
            && buffer.chars().all(|b| b.is_ascii_alphabetic())
            && i == 1;
        if c == ':' && !windows_drive {
            sections.push((std::mem::take(&mut buffer), true));
        } else {
            buffer.push(c);
        }
    }
    sections.push((buffer, false));
    for (text, colon) in sections {
        if text.is_empty() {
            if interpolated {
                return Err(bad("empty section between colons"));
            }
            return Ok(Value::str(spec, span));
        }
        if source.is_none() && !colon {
            target = Some(text);
            continue;
        }
        if source.is_none() {
            source = Some(text);
            continue;
        }
        if target.is_none() {
            target = Some(text);
            continue;
        }
        if colon {
            return Err(bad("too many colons"));
        }
        for option in text.split(',') {
            match option {
                "ro" => read_only = true,
                "rw" => read_only = false,
                "nocopy" => nocopy = true,
                "z" | "Z" => selinux = Some(option.to_string()),
                "private" | "rprivate" | "shared" | "rshared" | "slave" | "rslave" => {
                    propagation = Some(option.to_string());
                }
                _ => {}
            }
        }
    }
    let source = source.unwrap_or_default();
    let bind = is_file_path(&source);
    m.insert(
        skey("type"),
        Value::str(if bind { "bind" } else { "volume" }, span),
    );
    if !source.is_empty() {
        m.insert(skey("source"), Value::str(source, span));
    }
    if let Some(t) = target {
        m.insert(skey("target"), Value::str(clean_path(&t), span));
    }
    if read_only {
        m.insert(skey("read_only"), Value::bool(true, span));
    }
    if bind || selinux.is_some() || propagation.is_some() {
        let mut b = Map::new(MapKind::Dict);
        if let Some(p) = propagation {
            b.insert(skey("propagation"), Value::str(p, span));
        }
        if bind {
            b.insert(skey("create_host_path"), Value::bool(true, span));
        }
        if let Some(s) = selinux {
            b.insert(skey("selinux"), Value::str(s, span));
        }
        m.insert(skey("bind"), Value::map(b, span));
    }
    if !bind || nocopy {
        let mut v = Map::new(MapKind::Dict);
        if nocopy {
            v.insert(skey("nocopy"), Value::bool(true, span));
        }
        m.insert(skey("volume"), Value::map(v, span));
    }
    Ok(Value::map(m, span))
}

fn parse_device(spec: &str, span: Span) -> Res<Value> {
    let parts: Vec<&str> = spec.split(':').collect();
    let (src, dst, perm) = match parts.as_slice() {
        [s] => (*s, *s, "rwm"),
        [s, d] => (*s, *d, "rwm"),
        [s, d, p] => (*s, *d, *p),
        _ => {
            return Err(err(
                span,
                format!("confusing device mapping, please use long syntax: {spec}"),
                "in this device",
            ))
        }
    };
    let mut m = Map::new(MapKind::Dict);
    m.insert(skey("source"), Value::str(src, span));
    m.insert(skey("target"), Value::str(dst, span));
    m.insert(skey("permissions"), Value::str(perm, span));
    Ok(Value::map(m, span))
}

/// The list forms of `depends_on`, `networks` and `models` are sets in compose-spec
/// (`uniqueItems`): a name given twice is an error, not silently merged.
fn unique_list_items(v: &Value, path: &str) -> Res<()> {
    let Kind::Seq(items) = &v.kind else {
        return Ok(());
    };
    for (j, b) in items.iter().enumerate() {
        if let Some(i) = items[..j].iter().position(|a| a.same(b)) {
            return Err(
                Diagnostic::error(format!("{path} items at {i} and {j} are equal"))
                    .with_label(b.span, "given twice")
                    .with_label(items[i].span, "first given here"),
            );
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ports(s: &str) -> Vec<String> {
        parse_port_spec(s, Span::SYNTHETIC)
            .unwrap()
            .iter()
            .map(|v| {
                let g = |k: &str| {
                    v.get(k)
                        .and_then(berth_model::Value::scalar_to_string)
                        .unwrap_or_default()
                };
                format!(
                    "{}|{}|{}|{}",
                    g("host_ip"),
                    g("published"),
                    g("target"),
                    g("protocol")
                )
            })
            .collect()
    }

    #[test]
    fn port_specs() {
        assert_eq!(ports("80"), ["||80|tcp"]);
        assert_eq!(ports("8080:80"), ["|8080|80|tcp"]);
        assert_eq!(ports("127.0.0.1:53:53/udp"), ["127.0.0.1|53|53|udp"]);
        assert_eq!(ports("[::1]:81:81"), ["::1|81|81|tcp"]);
        assert_eq!(ports("8082-8083:82-83"), ["|8082|82|tcp", "|8083|83|tcp"]);
        assert_eq!(ports("9000-9002:80"), ["|9000-9002|80|tcp"]);
        // Go sorts the expanded range as strings.
        assert_eq!(ports("8-10"), ["||10|tcp", "||8|tcp", "||9|tcp"]);
        assert!(parse_port_spec("1-2:3-5", Span::SYNTHETIC).is_err());
        assert!(parse_port_spec("x:80", Span::SYNTHETIC).is_err());
    }

    #[test]
    fn volume_specs() {
        let v = parse_volume("./data:/var/lib/x/:ro,z", Span::SYNTHETIC, true).unwrap();
        assert_eq!(v.get("type").and_then(Value::as_str), Some("bind"));
        assert_eq!(v.get("target").and_then(Value::as_str), Some("/var/lib/x"));
        assert_eq!(v.get("read_only").and_then(Value::as_bool), Some(true));
        assert_eq!(
            v.path(&["bind", "selinux"]).and_then(Value::as_str),
            Some("z")
        );
        let v = parse_volume("db:/data", Span::SYNTHETIC, true).unwrap();
        assert_eq!(v.get("type").and_then(Value::as_str), Some("volume"));
        let v = parse_volume("/anon", Span::SYNTHETIC, true).unwrap();
        assert!(v.get("source").is_none());
        assert!(parse_volume("ab:b:c:d", Span::SYNTHETIC, true).is_err());
        assert_eq!(clean_path("/a/./b/../c/"), "/a/c");
    }
}
