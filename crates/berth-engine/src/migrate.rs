//! `berth migrate`: carrying the data of one project layout to the next. This module is the
//! planner (pure: two loaded projects in, a plan out) and the plan's renderings; nothing here
//! talks to the engine.
//!
//! Each named volume of the new project is matched with the old volumes that hold its data:
//! - the old volume a service of the same name mounts at the same path (the volume renamed,
//!   or the project renamed, or the service moved to another file: all the same to the match);
//! - the old volume a service that is gone mounted at the same path, when a new service of the
//!   same image mounts the new volume there (the service was merged into another).
//!
//! A new volume with one source is copied from it (or kept as it is, when its name on the
//! engine does not change); with none it is created empty; with several the user chooses
//! (`--source NEW=OLD`), since copying one over the other would lose data silently. Old
//! volumes that feed nothing are listed as dropped: kept on the engine, never deleted.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use berth_model::mount::MountKind;
use berth_model::Project;
use serde_json::{json, Value as Json};

/// A named volume of one side, and who mounts it where.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VolumeRef {
    /// Its key in the compose files, and its name on the engine.
    pub key: String,
    pub name: String,
    /// `(service, mount path)`, sorted.
    pub users: Vec<(String, String)>,
}

/// Why an old volume feeds a new one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Why {
    /// The same service mounts it at the same path; the volume's key changed.
    Renamed,
    /// The same key and service: only its name on the engine changed (the project's name did).
    Moved,
    /// The service that mounted it is gone; a service of the same image mounts the new volume
    /// at the same path.
    Merged,
}

impl Why {
    #[must_use]
    pub fn text(self) -> &'static str {
        match self {
            Why::Renamed => "renamed",
            Why::Moved => "project renamed",
            Why::Merged => "service merged",
        }
    }
}

/// What happens to one volume of the new project.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Action {
    /// Its name on the engine does not change: its data stays where it is.
    Keep { from: VolumeRef },
    /// Copied from an old volume.
    Copy { from: VolumeRef, why: Why },
    /// New: created empty (by `up`).
    Create,
    /// Several old volumes could fill it: the user chooses one with `--source NEW=OLD`.
    Choose { candidates: Vec<(VolumeRef, Why)> },
}

/// One volume of the new project and what happens to it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Step {
    pub target: VolumeRef,
    pub action: Action,
}

/// The migration of the volumes of `old` to `new`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Plan {
    pub old_project: String,
    pub new_project: String,
    pub steps: Vec<Step>,
    /// Old volumes no new volume takes data from: kept, never deleted. Each with why.
    pub dropped: Vec<(VolumeRef, String)>,
}

impl Plan {
    /// The volumes to copy: `(from, to)`.
    pub fn copies(&self) -> impl Iterator<Item = (&VolumeRef, &VolumeRef)> {
        self.steps.iter().filter_map(|s| match &s.action {
            Action::Copy { from, .. } => Some((from, &s.target)),
            _ => None,
        })
    }

    /// The decisions still to be made: new volumes with several sources.
    pub fn undecided(&self) -> impl Iterator<Item = &Step> {
        self.steps
            .iter()
            .filter(|s| matches!(s.action, Action::Choose { .. }))
    }
}

/// The image's repository, without its tag or digest (`prom/prometheus:v2` → `prom/prometheus`).
fn repository(image: &str) -> &str {
    let image = image.split_once('@').map_or(image, |(i, _)| i);
    match image.rfind(':') {
        Some(i) if !image[i..].contains('/') => &image[..i],
        _ => image,
    }
}

/// The project's own named volumes (external ones are not the project's to move), with who
/// mounts them where.
fn volumes(p: &Project) -> Vec<VolumeRef> {
    let mut out: Vec<VolumeRef> = p
        .volume_defs()
        .filter(|v| !v.external)
        .map(|v| VolumeRef {
            key: v.key.to_string(),
            name: p.volume_name(v.key),
            users: Vec::new(),
        })
        .collect();
    for s in p.services() {
        for m in s.mounts().filter(|m| m.kind == MountKind::Volume) {
            let (Some(source), Some(target)) = (m.source, m.target) else {
                continue;
            };
            if let Some(v) = out.iter_mut().find(|v| v.key == source) {
                v.users.push((s.name.to_string(), target.to_string()));
            }
        }
    }
    for v in &mut out {
        v.users.sort();
        v.users.dedup();
    }
    out.sort_by(|a, b| a.key.cmp(&b.key));
    out
}

/// Why a plan cannot be made from the choices given.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BadChoice(pub String);

impl std::fmt::Display for BadChoice {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// Plans the migration of `old`'s volumes to `new`'s. `choices` settle new volumes with
/// several sources: `(new key, old key)`.
///
/// # Errors
/// A choice that names no such volume, or an old volume that is not one of the new volume's
/// sources.
pub fn plan(old: &Project, new: &Project, choices: &[(String, String)]) -> Result<Plan, BadChoice> {
    let old_volumes = volumes(old);
    let new_volumes = volumes(new);
    let image = |p: &Project, service: &str| {
        p.service(service)
            .map(|s| repository(&s.image_or_built(&p.name)).to_string())
    };
    for (n, o) in choices {
        if !new_volumes.iter().any(|v| v.key == *n) {
            return Err(BadChoice(format!(
                "--source {n}={o}: the new project has no volume {n}"
            )));
        }
        if !old_volumes.iter().any(|v| v.key == *o) {
            return Err(BadChoice(format!(
                "--source {n}={o}: the old project has no volume {o}"
            )));
        }
    }
    let mut steps = Vec::new();
    // Each new volume's sources before any choice: why a source not chosen is dropped.
    let mut sources: BTreeMap<&str, Vec<String>> = BTreeMap::new();
    for target in &new_volumes {
        let mut candidates: Vec<(VolumeRef, Why)> = Vec::new();
        for source in &old_volumes {
            let same_service = source.users.iter().any(|u| target.users.contains(u));
            let merged = source.users.iter().any(|(service, path)| {
                new.service(service).is_none()
                    && target.users.iter().any(|(t_service, t_path)| {
                        t_path == path
                            && image(old, service).is_some()
                            && image(old, service) == image(new, t_service)
                    })
            });
            let why = if same_service {
                if source.key == target.key {
                    Why::Moved
                } else {
                    Why::Renamed
                }
            } else if merged {
                Why::Merged
            } else {
                continue;
            };
            candidates.push((source.clone(), why));
        }
        sources.insert(
            &target.key,
            candidates.iter().map(|(c, _)| c.key.clone()).collect(),
        );
        let chosen = choices.iter().find(|(n, _)| *n == target.key);
        if let Some((_, o)) = chosen {
            let Some(pick) = candidates.iter().position(|(c, _)| c.key == *o) else {
                let names: Vec<&str> = candidates.iter().map(|(c, _)| c.key.as_str()).collect();
                return Err(BadChoice(format!(
                    "--source {}={o}: {o} is not a source of {} (its sources: {})",
                    target.key,
                    target.key,
                    if names.is_empty() {
                        "none".to_string()
                    } else {
                        names.join(", ")
                    }
                )));
            };
            candidates = vec![candidates.swap_remove(pick)];
        }
        let action = match candidates.len() {
            0 => Action::Create,
            1 => {
                let (from, why) = candidates.remove(0);
                if from.name == target.name {
                    Action::Keep { from }
                } else {
                    Action::Copy { from, why }
                }
            }
            _ => Action::Choose { candidates },
        };
        steps.push(Step {
            target: target.clone(),
            action,
        });
    }
    let mut dropped = Vec::new();
    for v in &old_volumes {
        let feeds = steps.iter().any(|s| match &s.action {
            Action::Keep { from } | Action::Copy { from, .. } => from.key == v.key,
            Action::Choose { candidates } => candidates.iter().any(|(c, _)| c.key == v.key),
            Action::Create => false,
        });
        if feeds {
            continue;
        }
        let not_chosen = choices
            .iter()
            .find(|(n, _)| sources.get(n.as_str()).is_some_and(|s| s.contains(&v.key)));
        let why = match not_chosen {
            Some((n, o)) => format!("not chosen for {n} (--source {n}={o})"),
            None => "no volume of the new project takes its data".to_string(),
        };
        dropped.push((v.clone(), why));
    }
    Ok(Plan {
        old_project: old.name.clone(),
        new_project: new.name.clone(),
        steps,
        dropped,
    })
}

/// What the engine says of the old volumes: each one's size in bytes, `None` when the engine
/// does not have it.
pub type Sizes = BTreeMap<String, Option<u64>>;

/// The copying speed the downtime estimate assumes, in bytes a second: with each byte counted
/// twice (backed up, then copied), about what `scripts/bench_migrate.py` measures on this
/// project's machines (57 MB/s for backup, copy and both checks of a 200 MB volume).
pub const COPY_RATE: u64 = 100_000_000;

/// The downtime the plan expects, in seconds: the old services' stop (their longest grace
/// period), the backup and the copy of every copied volume at [`COPY_RATE`] (each byte is read
/// twice and written twice), and the new project's start, which the estimate cannot know.
#[must_use]
pub fn expected_downtime(plan: &Plan, sizes: &Sizes, stop_grace: u64) -> u64 {
    let bytes: u64 = plan
        .copies()
        .filter_map(|(from, _)| sizes.get(&from.name).copied().flatten())
        .sum();
    stop_grace + (bytes * 2).div_ceil(COPY_RATE)
}

fn size_text(sizes: &Sizes, name: &str) -> String {
    match sizes.get(name) {
        Some(Some(b)) => crate::stats::decimal_size(*b),
        Some(None) => "not on the engine".into(),
        None => String::new(),
    }
}

fn users_text(v: &VolumeRef) -> String {
    v.users
        .iter()
        .map(|(s, p)| format!("{s} at {p}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// One line per step: what, from, to, why, size.
fn rows(plan: &Plan, sizes: &Sizes) -> Vec<[String; 5]> {
    let mut out = Vec::new();
    for s in &plan.steps {
        let to = s.target.name.clone();
        match &s.action {
            Action::Keep { from } => out.push([
                "keep".into(),
                from.name.clone(),
                to,
                "same volume".into(),
                size_text(sizes, &from.name),
            ]),
            Action::Copy { from, why } => out.push([
                "copy".into(),
                from.name.clone(),
                to,
                format!("{} ({})", why.text(), users_text(&s.target)),
                size_text(sizes, &from.name),
            ]),
            Action::Create => out.push([
                "create".into(),
                String::new(),
                to,
                "new, empty".into(),
                String::new(),
            ]),
            Action::Choose { candidates } => {
                for (c, why) in candidates {
                    out.push([
                        "choose".into(),
                        c.name.clone(),
                        to.clone(),
                        format!(
                            "{} ({}): --source {}={}",
                            why.text(),
                            users_text(c),
                            s.target.key,
                            c.key
                        ),
                        size_text(sizes, &c.name),
                    ]);
                }
            }
        }
    }
    for (v, why) in &plan.dropped {
        out.push([
            "drop".into(),
            v.name.clone(),
            String::new(),
            format!("{why}; kept, never deleted"),
            size_text(sizes, &v.name),
        ]);
    }
    out
}

fn summary(plan: &Plan, sizes: &Sizes, downtime: u64) -> String {
    let bytes: u64 = plan
        .copies()
        .filter_map(|(from, _)| sizes.get(&from.name).copied().flatten())
        .sum();
    let undecided = plan.undecided().count();
    let mut out = format!(
        "{} to copy in {} volumes; expected downtime about {downtime} s, and then the new project's start",
        crate::stats::decimal_size(bytes),
        plan.copies().count(),
    );
    if undecided > 0 {
        let _ = write!(
            out,
            ". {undecided} volumes have several sources: choose each with --source NEW=OLD before migrating"
        );
    }
    out
}

/// The plan as a table for a terminal.
#[must_use]
pub fn human(plan: &Plan, sizes: &Sizes, downtime: u64) -> String {
    let head = [
        "action".to_string(),
        plan.old_project.clone(),
        plan.new_project.clone(),
        "why".into(),
        "size".into(),
    ];
    let rows = rows(plan, sizes);
    let all: Vec<&[String; 5]> = std::iter::once(&head).chain(&rows).collect();
    let w = |i: usize| all.iter().map(|r| r[i].chars().count()).max().unwrap_or(0);
    let (w0, w1, w2, w3) = (w(0), w(1), w(2), w(3));
    let mut out = String::new();
    for r in &all {
        let line = format!(
            "{:<w0$}  {:<w1$}  {:<w2$}  {:<w3$}  {}",
            r[0], r[1], r[2], r[3], r[4]
        );
        let _ = writeln!(out, "{}", line.trim_end());
    }
    let _ = writeln!(out, "\n{}", summary(plan, sizes, downtime));
    out
}

/// The plan as a Markdown table.
#[must_use]
pub fn markdown(plan: &Plan, sizes: &Sizes, downtime: u64) -> String {
    let cell = |s: &str| s.replace('|', "\\|");
    let mut out = format!(
        "| Action | {} | {} | Why | Size |\n|---|---|---|---|---:|\n",
        cell(&plan.old_project),
        cell(&plan.new_project)
    );
    for r in rows(plan, sizes) {
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} |",
            cell(&r[0]),
            cell(&r[1]),
            cell(&r[2]),
            cell(&r[3]),
            cell(&r[4])
        );
    }
    let _ = writeln!(out, "\n{}", summary(plan, sizes, downtime));
    out
}

fn volume_json(v: &VolumeRef, sizes: &Sizes) -> Json {
    json!({
        "key": v.key,
        "name": v.name,
        "users": v.users.iter().map(|(s, p)| json!({"service": s, "path": p})).collect::<Vec<_>>(),
        "size": sizes.get(&v.name).copied().flatten(),
    })
}

/// The plan as one JSON document.
#[must_use]
pub fn json(plan: &Plan, sizes: &Sizes, downtime: u64) -> String {
    let steps: Vec<Json> = plan
        .steps
        .iter()
        .map(|s| {
            let mut v = json!({ "target": volume_json(&s.target, sizes) });
            match &s.action {
                Action::Keep { from } => {
                    v["action"] = json!("keep");
                    v["from"] = volume_json(from, sizes);
                }
                Action::Copy { from, why } => {
                    v["action"] = json!("copy");
                    v["from"] = volume_json(from, sizes);
                    v["why"] = json!(why.text());
                }
                Action::Create => v["action"] = json!("create"),
                Action::Choose { candidates } => {
                    v["action"] = json!("choose");
                    v["candidates"] = candidates
                        .iter()
                        .map(|(c, why)| {
                            let mut c = volume_json(c, sizes);
                            c["why"] = json!(why.text());
                            c
                        })
                        .collect();
                }
            }
            v
        })
        .collect();
    let bytes: u64 = plan
        .copies()
        .filter_map(|(from, _)| sizes.get(&from.name).copied().flatten())
        .sum();
    let doc = json!({
        "old_project": plan.old_project,
        "new_project": plan.new_project,
        "steps": steps,
        "dropped": plan.dropped.iter().map(|(v, why)| {
            let mut v = volume_json(v, sizes);
            v["why"] = json!(why);
            v
        }).collect::<Vec<_>>(),
        "bytes_to_copy": bytes,
        "expected_downtime_seconds": downtime,
        "undecided": plan.undecided().map(|s| s.target.key.clone()).collect::<Vec<_>>(),
    });
    serde_json::to_string_pretty(&doc).unwrap_or_default() + "\n"
}

/// How a migration ended.
#[derive(Clone, Debug, PartialEq)]
pub enum Ended {
    /// The new project runs on the copied data.
    Migrated,
    /// A step failed after the old project stopped: the old project runs again.
    RolledBack { why: String },
    /// A step failed and the old project could not be started again either.
    Failed { why: String },
}

/// A volume a migration copied.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Copied {
    pub from: String,
    pub to: String,
    pub bytes: u64,
    /// Its files, every one checked against the backup's manifest.
    pub files: usize,
}

/// What a migration did: each step with how long it took, the volumes copied, and its end.
#[derive(Clone, Debug, PartialEq)]
pub struct Outcome {
    pub old_project: String,
    pub new_project: String,
    /// What each step did, and its seconds.
    pub steps: Vec<(String, f64)>,
    pub copied: Vec<Copied>,
    /// Seconds from the old services stopped to the new ones healthy, when they came up.
    pub downtime: Option<f64>,
    /// Bytes a second of the backups, copies and checks together.
    pub rate: f64,
    pub total: f64,
    pub ended: Ended,
    /// Where the backups and the journal are.
    pub backups: String,
}

impl Outcome {
    fn ended_text(&self) -> String {
        match &self.ended {
            Ended::Migrated => format!("migrated to {}", self.new_project),
            Ended::RolledBack { why } => {
                format!(
                    "rolled back: {why}; {} runs again on its own volumes",
                    self.old_project
                )
            }
            Ended::Failed { why } => format!("failed: {why}"),
        }
    }

    fn bytes(&self) -> u64 {
        self.copied.iter().map(|c| c.bytes).sum()
    }
}

/// The outcome as a line for a terminal (the steps were said as they ran).
#[must_use]
pub fn outcome_human(o: &Outcome) -> String {
    let downtime = o
        .downtime
        .map_or_else(String::new, |d| format!("; downtime {d:.1} s"));
    format!(
        "{} {}: {} in {} volumes copied and checked at {}/s{downtime}; {:.1} s in all. The old volumes are kept; backups and journal in {}\n",
        o.old_project,
        o.ended_text(),
        crate::stats::decimal_size(o.bytes()),
        o.copied.len(),
        crate::stats::decimal_size(o.rate as u64),
        o.total,
        o.backups
    )
}

/// The outcome as Markdown: the volumes carried (every file checked: no data lost) and the
/// steps with their durations.
#[must_use]
pub fn outcome_markdown(o: &Outcome) -> String {
    let cell = |s: &str| s.replace('|', "\\|");
    let mut out = format!(
        "\n**{}**: {}\n\n| Volume | Into | Size | Files checked |\n|---|---|---:|---:|\n",
        cell(&o.old_project),
        cell(&o.ended_text())
    );
    for c in &o.copied {
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} |",
            cell(&c.from),
            cell(&c.to),
            crate::stats::decimal_size(c.bytes),
            c.files
        );
    }
    let _ = writeln!(out, "\n| Step | Seconds |\n|---|---:|");
    for (what, secs) in &o.steps {
        let _ = writeln!(out, "| {} | {secs:.1} |", cell(what));
    }
    let _ = writeln!(
        out,
        "\nDowntime: {}; {:.1} s in all; backups and journal in {}.",
        o.downtime
            .map_or_else(|| "none measured".to_string(), |d| format!("{d:.1} s")),
        o.total,
        cell(&o.backups)
    );
    out
}

/// The outcome as JSON.
#[must_use]
pub fn outcome_json(o: &Outcome) -> Json {
    let (ended, why) = match &o.ended {
        Ended::Migrated => ("migrated", None),
        Ended::RolledBack { why } => ("rolled back", Some(why)),
        Ended::Failed { why } => ("failed", Some(why)),
    };
    json!({
        "ended": ended,
        "why": why,
        "copied": o.copied.iter().map(|c| json!({
            "from": c.from, "to": c.to, "bytes": c.bytes, "files_checked": c.files,
        })).collect::<Vec<_>>(),
        "steps": o.steps.iter().map(|(w, s)| json!({"step": w, "seconds": (s * 10.0).round() / 10.0})).collect::<Vec<_>>(),
        "bytes_copied": o.bytes(),
        "rate_bytes_per_second": o.rate.round(),
        "downtime_seconds": o.downtime.map(|d| (d * 10.0).round() / 10.0),
        "total_seconds": (o.total * 10.0).round() / 10.0,
        "backups": o.backups,
    })
}

/// The plan as JSON, for a document that holds the outcome too.
#[must_use]
pub fn plan_json(plan: &Plan, sizes: &Sizes, downtime: u64) -> Json {
    serde_json::from_str(&json(plan, sizes, downtime)).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load(dir: &std::path::Path, name: &str, yaml: &str) -> Project {
        let d = dir.join(name);
        std::fs::create_dir_all(&d).expect("dir");
        std::fs::write(d.join("compose.yaml"), yaml).expect("write");
        let opts = berth_loader::load::Options::new(d, indexmap::IndexMap::new());
        berth_loader::load::load(&opts).unwrap_or_else(|e| panic!("{}", e.render()))
    }

    const OLD: &str = "name: shop-old\nservices:\n  db:\n    image: postgres:15\n    volumes: [db-data:/var/lib/postgresql/data]\n  cache:\n    image: redis:7\n    volumes: [cache:/data]\n  metrics:\n    image: prom/prometheus:v2.40\n    volumes: [metrics-data:/prometheus]\n  metrics-extra:\n    image: prom/prometheus:latest\n    volumes: [extra-metrics:/prometheus]\n  old-tool:\n    image: tool\n    volumes: [tool-data:/t]\nvolumes:\n  db-data: {}\n  cache: {}\n  metrics-data: {}\n  extra-metrics: {}\n  tool-data: {}\n  ext: {external: true}\n";
    const NEW: &str = "name: shop\nservices:\n  db:\n    image: postgres:16\n    volumes: [db_data:/var/lib/postgresql/data]\n  cache:\n    image: redis:7\n    volumes: [cache:/data]\n  metrics:\n    image: prom/prometheus:v2.50\n    volumes: [metrics_data:/prometheus]\n  search:\n    image: search\n    volumes: [index:/index]\nvolumes:\n  db_data: {}\n  cache: {}\n  metrics_data: {}\n  index: {}\n";

    #[test]
    fn renamed_moved_merged_new_and_dropped_volumes_are_told_apart() {
        let d = tempfile::tempdir().expect("temp dir");
        let (old, new) = (load(d.path(), "old", OLD), load(d.path(), "new", NEW));
        let p = plan(&old, &new, &[]).expect("plan");
        let by_key = |k: &str| {
            p.steps
                .iter()
                .find(|s| s.target.key == k)
                .map(|s| s.action.clone())
                .expect("step")
        };
        assert!(matches!(
            by_key("db_data"),
            Action::Copy { ref from, why: Why::Renamed } if from.name == "shop-old_db-data"
        ));
        assert!(matches!(
            by_key("cache"),
            Action::Copy { ref from, why: Why::Moved } if from.name == "shop-old_cache"
        ));
        assert_eq!(by_key("index"), Action::Create);
        let Action::Choose { candidates } = by_key("metrics_data") else {
            panic!("two sources for metrics_data");
        };
        let keys: Vec<(&str, Why)> = candidates
            .iter()
            .map(|(c, w)| (c.key.as_str(), *w))
            .collect();
        assert_eq!(
            keys,
            [
                ("extra-metrics", Why::Merged),
                ("metrics-data", Why::Renamed)
            ]
        );
        let dropped: Vec<&str> = p.dropped.iter().map(|(v, _)| v.key.as_str()).collect();
        assert_eq!(
            dropped,
            ["tool-data"],
            "external volumes are not the project's"
        );
        assert_eq!(p.undecided().count(), 1);

        // A choice settles it; the other source is dropped, saying why.
        let choice = [("metrics_data".to_string(), "metrics-data".to_string())];
        let p = plan(&old, &new, &choice).expect("plan");
        assert_eq!(p.undecided().count(), 0);
        assert!(p.dropped.iter().any(
            |(v, why)| v.key == "extra-metrics" && why.contains("not chosen for metrics_data")
        ));
        let bad = [("metrics_data".to_string(), "tool-data".to_string())];
        let e = plan(&old, &new, &bad).expect_err("not a source");
        assert!(
            e.0.contains("tool-data is not a source of metrics_data"),
            "{e}"
        );
    }

    #[test]
    fn the_same_volume_on_the_engine_is_kept() {
        let d = tempfile::tempdir().expect("temp dir");
        let old = load(
            d.path(),
            "a",
            "name: same\nservices:\n  s:\n    image: x\n    volumes: [data:/v]\nvolumes:\n  data: {}\n",
        );
        let new = load(
            d.path(),
            "b",
            "name: same\nservices:\n  s:\n    image: x:2\n    volumes: [data:/v]\nvolumes:\n  data: {}\n",
        );
        let p = plan(&old, &new, &[]).expect("plan");
        assert!(matches!(p.steps[0].action, Action::Keep { .. }));
        assert_eq!(p.copies().count(), 0);
    }

    #[test]
    fn the_plan_reads_as_a_table_with_sizes_and_downtime() {
        let d = tempfile::tempdir().expect("temp dir");
        let (old, new) = (load(d.path(), "old", OLD), load(d.path(), "new", NEW));
        let p = plan(&old, &new, &[]).expect("plan");
        let sizes: Sizes = [
            ("shop-old_db-data".to_string(), Some(250_000_000)),
            ("shop-old_cache".to_string(), None),
        ]
        .into();
        let downtime = expected_downtime(&p, &sizes, 10);
        assert_eq!(downtime, 15);
        let text = human(&p, &sizes, downtime);
        assert!(text.contains("copy    shop-old_db-data"), "{text}");
        assert!(
            text.contains("renamed (db at /var/lib/postgresql/data)"),
            "{text}"
        );
        assert!(text.contains("250MB"), "{text}");
        assert!(text.contains("not on the engine"), "{text}");
        assert!(
            text.contains("--source metrics_data=extra-metrics"),
            "{text}"
        );
        assert!(text.contains("kept, never deleted"), "{text}");
        assert!(text.contains("expected downtime about 15 s"), "{text}");
        let j: Json = serde_json::from_str(&json(&p, &sizes, downtime)).expect("JSON");
        assert_eq!(j["undecided"], json!(["metrics_data"]));
        assert_eq!(j["bytes_to_copy"], 250_000_000);
        assert!(
            markdown(&p, &sizes, downtime).starts_with("| Action | shop-old | shop | Why | Size |")
        );
    }

    #[test]
    fn an_outcome_reads_in_each_format() {
        let o = Outcome {
            old_project: "old".into(),
            new_project: "new".into(),
            steps: vec![("Stopped old".into(), 1.04), ("Copied a|b".into(), 2.0)],
            copied: vec![Copied {
                from: "old_a".into(),
                to: "new_a".into(),
                bytes: 2_000_000,
                files: 3,
            }],
            downtime: Some(4.26),
            rate: 1_000_000.0,
            total: 6.0,
            ended: Ended::Migrated,
            backups: "bk".into(),
        };
        let h = outcome_human(&o);
        assert!(
            h.starts_with(
                "old migrated to new: 2MB in 1 volumes copied and checked at 1MB/s; downtime 4.3 s"
            ),
            "{h}"
        );
        let m = outcome_markdown(&o);
        assert!(m.contains("| old_a | new_a | 2MB | 3 |"), "{m}");
        assert!(m.contains("| Copied a\\|b | 2.0 |"), "{m}");
        let j = outcome_json(&o);
        assert_eq!(j["ended"], "migrated");
        assert_eq!(j["downtime_seconds"], 4.3);
        let rolled = Outcome {
            ended: Ended::RolledBack {
                why: "x did not come up healthy".into(),
            },
            downtime: None,
            ..o
        };
        assert!(outcome_human(&rolled)
            .contains("rolled back: x did not come up healthy; old runs again"));
        assert_eq!(outcome_json(&rolled)["why"], "x did not come up healthy");
    }
}
