//! Relative path resolution (compose-go `paths/resolve.go`): every path attribute of the model
//! becomes absolute against the project directory, or the directory of an included or extended
//! file.

use std::path::Path;

use berth_model::{Kind, Map, Span, Value};

use crate::canonical::clean_path;

/// Makes `p` absolute against `base`, expanding a leading `~`.
#[must_use]
pub fn absolute(p: &str, base: &Path, home: Option<&str>) -> String {
    if let Some(rest) = p.strip_prefix('~') {
        if rest.is_empty() || rest.starts_with('/') {
            if let Some(h) = home {
                return clean_path(&format!("{h}{rest}"));
            }
        }
    }
    if p.is_empty() {
        return clean_path(&base.display().to_string());
    }
    if p.starts_with('/') {
        // compose-go leaves absolute paths exactly as written (only joined paths are cleaned).
        return p.to_string();
    }
    clean_path(&format!("{}/{p}", base.display()))
}

/// `C:\…`, `C:/…` or a UNC path `\\…`: absolute on Windows, kept as written.
fn is_windows_absolute(p: &str) -> bool {
    let b = p.as_bytes();
    (b.len() >= 3 && b[0].is_ascii_alphabetic() && b[1] == b':' && (b[2] == b'\\' || b[2] == b'/'))
        || p.starts_with("\\\\")
}

fn is_remote_context(s: &str) -> bool {
    s.contains("://")
        || s.starts_with("service:")
        || s.starts_with("github.com/")
        || s.starts_with("git@")
        || s.starts_with("docker-image://")
        || s.starts_with("oci-layout://")
}

fn fix(v: &mut Value, base: &Path, home: Option<&str>) {
    if let Kind::Str(s) = &v.kind {
        let abs = absolute(s, base, home);
        v.kind = Kind::Str(abs);
    }
}

/// [`fix`] for the attributes compose-go resolves Windows-aware (bind sources, the files of
/// secrets and configs, build SSH keys): a Windows absolute path stays as written there, while
/// it is joined to the base like any relative path everywhere else (build contexts, env
/// files, `extends`), as on Linux the reference does.
fn fix_unless_windows(v: &mut Value, base: &Path, home: Option<&str>) {
    if !v.as_str().is_some_and(is_windows_absolute) {
        fix(v, base, home);
    }
}

/// Resolves the path attributes of one (canonical) service.
pub fn resolve_service(svc: &mut Map, base: &Path, home: Option<&str>) {
    if let Some(build) = svc.get_mut("build").and_then(Value::as_map_mut) {
        // No context is the folder of the file (the reference resolves an empty one to it,
        // also with --no-normalize).
        if !build.contains_key("context") {
            build.insert(
                berth_model::Key::synthetic("context"),
                Value::str(base.display().to_string(), Span::SYNTHETIC),
            );
        }
        if let Some(ctx) = build.get_mut("context") {
            if ctx.as_str().is_some_and(|s| !is_remote_context(s)) {
                fix(ctx, base, home);
            }
        }
        if let Some(ac) = build
            .get_mut("additional_contexts")
            .and_then(Value::as_map_mut)
        {
            for (_, v) in ac.iter_mut() {
                if v.as_str().is_some_and(|s| !is_remote_context(s)) {
                    fix(v, base, home);
                }
            }
        }
        if let Some(ssh) = build.get_mut("ssh").and_then(Value::as_map_mut) {
            for (_, v) in ssh.iter_mut() {
                fix_unless_windows(v, base, home);
            }
        }
    }
    if let Some(files) = svc.get_mut("env_file").and_then(Value::as_seq_mut) {
        for f in files.iter_mut() {
            if let Some(p) = f.get_mut("path") {
                fix(p, base, home);
            }
        }
    }
    if let Some(files) = svc.get_mut("label_file").and_then(Value::as_seq_mut) {
        for f in files.iter_mut() {
            fix(f, base, home);
        }
    }
    if let Some(ext) = svc.get_mut("extends").and_then(Value::as_map_mut) {
        if let Some(f) = ext.get_mut("file") {
            fix(f, base, home);
        }
    }
    if let Some(vols) = svc.get_mut("volumes").and_then(Value::as_seq_mut) {
        for v in vols.iter_mut() {
            if v.get("type").and_then(Value::as_str) == Some("bind") {
                if let Some(src) = v.get_mut("source") {
                    fix_unless_windows(src, base, home);
                }
            }
        }
    }
    if let Some(watch) = svc
        .get_mut("develop")
        .and_then(|d| d.get_mut("watch"))
        .and_then(Value::as_seq_mut)
    {
        for w in watch.iter_mut() {
            if let Some(p) = w.get_mut("path") {
                fix(p, base, home);
            }
        }
    }
}

/// Resolves the path attributes of top-level resources.
pub fn resolve_resources(root: &mut Map, base: &Path, home: Option<&str>) {
    for section in ["secrets", "configs", "volumes"] {
        if let Some(m) = root.get_mut(section).and_then(Value::as_map_mut) {
            resolve_section(section, m, base, home);
        }
    }
}

/// Resolves the path attributes of one top-level section (`secrets`, `configs`, `volumes`).
pub fn resolve_section(section: &str, m: &mut Map, base: &Path, home: Option<&str>) {
    match section {
        "secrets" | "configs" => {
            for (_, r) in m.iter_mut() {
                if let Some(f) = r.get_mut("file") {
                    fix_unless_windows(f, base, home);
                }
            }
        }
        "volumes" => {
            for (_, vol) in m.iter_mut() {
                let local = vol
                    .get("driver")
                    .and_then(Value::as_str)
                    .is_none_or(|d| d == "local");
                let Some(opts) = vol.get_mut("driver_opts").and_then(Value::as_map_mut) else {
                    continue;
                };
                let bind = opts
                    .get("o")
                    .and_then(Value::as_str)
                    .is_some_and(|o| o.split(',').any(|x| x == "bind"));
                if local && bind {
                    if let Some(dev) = opts.get_mut("device") {
                        fix(dev, base, home);
                    }
                }
            }
        }
        _ => {}
    }
}
