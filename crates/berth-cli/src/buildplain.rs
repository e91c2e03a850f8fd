//! BuildKit's `plain` view of a build, as Docker Compose prints it on standard output:
//!
//! ```text
//! #7 [app 3/3] RUN echo hello
//! #7 0.222 hello
//! #7 DONE 0.2s
//! ```
//!
//! Each step (vertex) gets a number when it starts; its name carries the service, as Docker
//! Compose's do (`[app 3/3]`, `[app internal]`); its output comes with the seconds since it
//! started; it ends `DONE`, `CACHED` or `ERROR`. Pure: [`Plain::lines`] is fed each of the
//! engine's typed reports and says what to print. The live view (`buildview.rs`) shares the
//! steps' names and sizes.

use std::collections::{HashMap, HashSet};

use berth_engine::buildkit::Status;

/// A step's name with its service, as Docker Compose shows it: `[internal] load …` →
/// `[app internal] load …`; `[2/3] RUN …` → `[app 2/3] RUN …`; `exporting to image` →
/// `[app] exporting to image`.
#[must_use]
pub(crate) fn step_name(service: &str, name: &str) -> String {
    if service.is_empty() {
        return name.to_string();
    }
    match name.strip_prefix('[') {
        Some(rest) => format!("[{service} {rest}"),
        None => format!("[{service}] {name}"),
    }
}

/// Sizes as BuildKit writes them: `34B`, `2.05kB`, `1.2MB`.
#[must_use]
pub(crate) fn size(n: i64) -> String {
    let mut v = n as f64;
    let mut unit = 0;
    const UNITS: [&str; 5] = ["B", "kB", "MB", "GB", "TB"];
    while v >= 1000.0 && unit < UNITS.len() - 1 {
        v /= 1000.0;
        unit += 1;
    }
    if unit == 0 {
        return format!("{n}B");
    }
    // Three significant digits, as Go's %.3g.
    let digits = if v >= 100.0 {
        0
    } else if v >= 10.0 {
        1
    } else {
        2
    };
    let text = format!("{v:.digits$}");
    let text = if text.contains('.') {
        text.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        text
    };
    format!("{text}{}", UNITS[unit])
}

/// The `plain` view of one build.
#[derive(Debug, Default)]
pub struct Plain {
    /// The service, put in the steps' names.
    service: String,
    numbers: HashMap<String, usize>,
    started: HashMap<String, f64>,
    finished: HashSet<String>,
    statuses_done: HashSet<String>,
}

impl Plain {
    #[must_use]
    pub fn new(service: &str) -> Plain {
        Plain {
            service: service.to_string(),
            ..Plain::default()
        }
    }

    fn name(&self, name: &str) -> String {
        step_name(&self.service, name)
    }

    /// The number of vertex `digest`, given (with its heading) the first time it shows.
    fn number(&mut self, digest: &str, name: &str, out: &mut Vec<String>) -> usize {
        if let Some(n) = self.numbers.get(digest) {
            return *n;
        }
        let n = self.numbers.len() + 1;
        self.numbers.insert(digest.to_string(), n);
        if n > 1 {
            out.push(String::new());
        }
        out.push(format!("#{n} {}", self.name(name)));
        n
    }

    /// What to print for `status`: each step in turn, its heading (the first time), what it
    /// said, and how it ended.
    pub fn lines(&mut self, status: &Status) -> Vec<String> {
        let mut out = Vec::new();
        let names: HashMap<&str, &str> = status
            .steps
            .iter()
            .map(|v| (v.digest.as_str(), v.name.as_str()))
            .collect();
        let mut order: Vec<&str> = Vec::new();
        for d in status
            .steps
            .iter()
            .map(|v| v.digest.as_str())
            .chain(status.statuses.iter().map(|s| s.step.as_str()))
            .chain(status.logs.iter().map(|l| l.step.as_str()))
        {
            if !order.contains(&d) {
                order.push(d);
            }
        }
        for digest in order {
            let vertex = status
                .steps
                .iter()
                .find(|v| v.digest == digest)
                .filter(|v| !self.finished.contains(&v.digest))
                .filter(|v| v.started.is_some() || v.cached || !v.error.is_empty());
            if let Some(v) = vertex {
                self.number(&v.digest, &v.name, &mut out);
                if let Some(t) = v.started {
                    self.started.entry(v.digest.clone()).or_insert(t);
                }
            }
            let name = names.get(digest).copied().unwrap_or("");
            for s in status.statuses.iter().filter(|s| s.step == digest) {
                let Some(c) = s.completed else { continue };
                if !self
                    .statuses_done
                    .insert(format!("{}\u{0}{}", s.step, s.id))
                {
                    continue;
                }
                let n = self.number(digest, name, &mut out);
                let mut line = format!("#{n} {}", s.id);
                if s.current > 0 {
                    line.push(' ');
                    line.push_str(&size(s.current));
                    if s.total > 0 {
                        line.push_str(" / ");
                        line.push_str(&size(s.total));
                    }
                }
                if let Some(st) = s.started {
                    let d = c - st;
                    if d >= 0.05 {
                        line.push_str(&format!(" {d:.1}s"));
                    }
                }
                line.push_str(" done");
                out.push(line);
            }
            for l in status.logs.iter().filter(|l| l.step == digest) {
                let n = self.number(digest, name, &mut out);
                let at = match (l.at, self.started.get(digest)) {
                    (Some(t), Some(s)) => (t - s).max(0.0),
                    _ => 0.0,
                };
                let text = String::from_utf8_lossy(&l.text);
                for line in text.lines() {
                    out.push(format!("#{n} {at:.3} {line}"));
                }
            }
            let Some(v) = vertex else { continue };
            let n = self.numbers[&v.digest];
            if !v.error.is_empty() {
                out.push(format!("#{n} ERROR: {}", v.error));
                self.finished.insert(v.digest.clone());
            } else if v.cached {
                out.push(format!("#{n} CACHED"));
                self.finished.insert(v.digest.clone());
            } else if let (Some(c), Some(s)) = (v.completed, self.started.get(&v.digest)) {
                out.push(format!("#{n} DONE {:.1}s", (c - s).max(0.0)));
                self.finished.insert(v.digest.clone());
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use berth_engine::buildkit::{Step, StepLog, StepStatus};

    #[test]
    fn sizes_are_written_as_buildkit_writes_them() {
        assert_eq!(size(34), "34B");
        assert_eq!(size(2048), "2.05kB");
        assert_eq!(size(1_200_000), "1.2MB");
        assert_eq!(size(123_456), "123kB");
    }

    #[test]
    fn steps_are_numbered_named_after_the_service_and_timed() {
        let mut p = Plain::new("app");
        let run = Step {
            digest: "sha256:a".into(),
            name: "[2/2] RUN echo hi".into(),
            started: Some(100.0),
            ..Step::default()
        };
        let from = Step {
            digest: "sha256:f".into(),
            name: "[1/2] FROM docker.io/library/busybox".into(),
            cached: true,
            ..Step::default()
        };
        let first = Status {
            steps: vec![from, run.clone()],
            ..Status::default()
        };
        assert_eq!(
            p.lines(&first),
            [
                "#1 [app 1/2] FROM docker.io/library/busybox",
                "#1 CACHED",
                "",
                "#2 [app 2/2] RUN echo hi",
            ]
        );
        let log = Status {
            logs: vec![StepLog {
                step: "sha256:a".into(),
                at: Some(100.222),
                text: b"hi\nthere\n".to_vec(),
            }],
            ..Status::default()
        };
        assert_eq!(p.lines(&log), ["#2 0.222 hi", "#2 0.222 there"]);
        let done = Status {
            steps: vec![Step {
                completed: Some(100.24),
                ..run
            }],
            statuses: vec![StepStatus {
                id: "writing image sha256:e".into(),
                step: "sha256:a".into(),
                started: Some(100.0),
                completed: Some(100.01),
                ..StepStatus::default()
            }],
            ..Status::default()
        };
        assert_eq!(
            p.lines(&done),
            ["#2 writing image sha256:e done", "#2 DONE 0.2s"]
        );
        // Said once.
        assert!(p.lines(&done).is_empty());
    }

    #[test]
    fn a_failed_step_says_why() {
        let mut p = Plain::new("app");
        let failed = Status {
            steps: vec![Step {
                digest: "d".into(),
                name: "[2/2] RUN exit 3".into(),
                started: Some(1.0),
                completed: Some(2.0),
                error: "process \"/bin/sh -c exit 3\" did not complete successfully: exit code: 3"
                    .into(),
                ..Step::default()
            }],
            ..Status::default()
        };
        assert_eq!(
            p.lines(&failed),
            [
                "#1 [app 2/2] RUN exit 3",
                "#1 ERROR: process \"/bin/sh -c exit 3\" did not complete successfully: exit code: 3"
            ]
        );
    }
}
