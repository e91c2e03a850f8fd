//! BuildKit's live view of the builds on a terminal, as Docker Compose draws it:
//!
//! ```text
//! [+] Building 3.4s (5/6)                                            docker:default
//!  => [app internal] load build definition from Dockerfile                     0.0s
//!  => => transferring dockerfile: 114B                                         0.0s
//!  => CACHED [app 1/3] FROM docker.io/library/busybox                          0.0s
//!  => [app 2/3] RUN make                                                       2.3s
//!  => => # compiling main.c
//! ```
//!
//! One view for every build of the run: steps are merged by digest (two services building
//! the same base share its steps), listed in the order they started, each with its
//! statuses under it and, while it runs, the last lines it wrote. A finished step is named
//! `CACHED`, `ERROR` or `CANCELED`; the last frame says `FINISHED` when every step is done.
//!
//! Pure: [`BuildView::update`] takes BuildKit's reports, [`BuildView::frame`] gives the lines
//! of a frame for a terminal's size and a time, and the progress printer draws them.

use std::collections::HashMap;

use berth_engine::buildkit::{self, Status};

use crate::buildplain::{size, step_name};

/// The lines of output shown under a running step.
const TERM_LINES: usize = 6;
/// Columns left free at the right of those lines.
const TERM_PAD: usize = 10;
/// The builder, named at the right of the header (the engine's own BuildKit).
const BUILDER: &str = "docker:default";

#[derive(Debug, Default)]
struct ViewStep {
    name: String,
    started: Option<f64>,
    completed: Option<f64>,
    cached: bool,
    error: String,
    canceled: bool,
    /// Statuses in the order they first showed, by ID.
    statuses: Vec<buildkit::StepStatus>,
    /// The last complete lines of output, and the line being written.
    output: Vec<String>,
    partial: String,
}

/// What one line of a frame is, for its colour.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tone {
    Header,
    Running,
    Done,
    Error,
    Canceled,
    Output,
}

/// The live view of the builds of one run.
#[derive(Debug)]
pub struct BuildView {
    /// When the view began, in seconds since the epoch.
    start: f64,
    steps: Vec<ViewStep>,
    by_digest: HashMap<String, usize>,
}

impl BuildView {
    #[must_use]
    pub fn new(now: f64) -> BuildView {
        BuildView {
            start: now,
            steps: Vec::new(),
            by_digest: HashMap::new(),
        }
    }

    fn step(&mut self, digest: &str) -> &mut ViewStep {
        let n = self.steps.len();
        let i = *self.by_digest.entry(digest.to_string()).or_insert(n);
        if i == n {
            self.steps.push(ViewStep::default());
        }
        &mut self.steps[i]
    }

    /// Takes in one report of BuildKit on the build of `service`.
    pub fn update(&mut self, service: &str, status: &Status) {
        for v in &status.steps {
            let s = self.step(&v.digest);
            if s.name.is_empty() {
                s.name = step_name(service, &v.name);
            }
            s.started = v.started.or(s.started);
            s.completed = v.completed.or(s.completed);
            s.cached |= v.cached;
            if !v.error.is_empty() {
                s.canceled = v.error.ends_with("context canceled");
                s.error.clone_from(&v.error);
            }
        }
        for st in &status.statuses {
            let s = self.step(&st.step);
            match s.statuses.iter_mut().find(|x| x.id == st.id) {
                Some(x) => *x = st.clone(),
                None => s.statuses.push(st.clone()),
            }
        }
        for l in &status.logs {
            let s = self.step(&l.step);
            let mut text = std::mem::take(&mut s.partial);
            text.push_str(&String::from_utf8_lossy(&l.text));
            let mut lines: Vec<&str> = text.split('\n').collect();
            let rest = lines.pop().unwrap_or_default().to_string();
            for line in lines {
                let line = line.rsplit('\r').next().unwrap_or(line);
                if !line.trim().is_empty() {
                    s.output.push(line.to_string());
                }
            }
            if s.output.len() > TERM_LINES {
                let cut = s.output.len() - TERM_LINES;
                s.output.drain(..cut);
            }
            s.partial = rest;
        }
    }

    /// The build was given up (Ctrl-C): the steps still running end `CANCELED` now.
    pub fn cancel(&mut self, now: f64) {
        for s in &mut self.steps {
            if s.started.is_some() && s.completed.is_none() {
                s.completed = Some(now);
                s.canceled = true;
            }
        }
    }

    /// Whether a step is still running (the view then goes on being redrawn).
    #[must_use]
    pub fn running(&self) -> bool {
        self.steps
            .iter()
            .any(|s| s.started.is_some() && s.completed.is_none())
    }

    /// The lines of a frame `width` columns wide and at most `height` high at time `now`;
    /// `last` for the frame that stays on the screen (it says `FINISHED` when every step
    /// is done). Each line is `width - 1` columns wide, its timer at the right.
    #[must_use]
    pub fn frame(&self, width: usize, height: usize, now: f64, last: bool) -> Vec<(Tone, String)> {
        let total = self.steps.len();
        let done = self.steps.iter().filter(|s| s.completed.is_some()).count();
        let finished = if last && done > 0 && done == total {
            "FINISHED"
        } else {
            ""
        };
        let header = format!(
            "[+] Building {:.1}s ({done}/{total}) {finished}",
            (now - self.start).max(0.0)
        );
        let mut lines = vec![(
            Tone::Header,
            align(&header, BUILDER, width.saturating_sub(1)),
        )];
        let mut jobs: Vec<(Tone, String, bool)> = Vec::new();
        // In the order they started, as BuildKit lists them.
        let mut started: Vec<(f64, &ViewStep)> = self
            .steps
            .iter()
            .filter_map(|s| Some((s.started?, s)))
            .collect();
        started.sort_by(|a, b| a.0.total_cmp(&b.0));
        for (started, s) in started {
            let (tone, prefix) = if s.canceled {
                (Tone::Canceled, "CANCELED ")
            } else if !s.error.is_empty() {
                (Tone::Error, "ERROR ")
            } else if s.cached {
                (Tone::Done, "CACHED ")
            } else if s.completed.is_some() {
                (Tone::Done, "")
            } else {
                (Tone::Running, "")
            };
            let name = format!("{prefix}{}", s.name);
            let active = s.completed.is_none();
            if let Some(l) = job(&name, "", started, s.completed, now, width) {
                jobs.push((tone, l, active));
            }
            for st in &s.statuses {
                let Some(st_started) = st.started else {
                    continue;
                };
                let status = match (st.current, st.total) {
                    (c, t) if t != 0 => {
                        format!("{} / {}", size(c), size(t))
                    }
                    (c, _) if c != 0 => size(c),
                    _ => String::new(),
                };
                let tone = if st.completed.is_some() || !active {
                    tone
                } else {
                    Tone::Running
                };
                let end = st.completed.or(s.completed);
                if let Some(l) = job(
                    &format!("=> {}", st.id),
                    &status,
                    st_started,
                    end,
                    now,
                    width,
                ) {
                    jobs.push((tone, l, active && st.completed.is_none()));
                }
            }
            if active {
                let room = width.saturating_sub(TERM_PAD);
                for out in &s.output {
                    let text: String = out.chars().take(room).collect();
                    jobs.push((Tone::Output, format!(" => => # {text}"), true));
                }
            }
        }
        // Too many for the terminal: the earliest finished lines go first, then the earliest.
        let room = height.saturating_sub(2).max(1);
        let mut excess = jobs.len().saturating_sub(room);
        if excess > 0 {
            jobs.retain(|(_, _, active)| {
                if excess > 0 && !active {
                    excess -= 1;
                    false
                } else {
                    true
                }
            });
            if excess > 0 {
                jobs.drain(..excess);
            }
        }
        lines.extend(jobs.into_iter().map(|(t, l, _)| (t, l)));
        lines
    }
}

/// ` => NAME [STATUS]` with the step's time at the right, or nothing on a terminal too narrow.
fn job(
    name: &str,
    status: &str,
    started: f64,
    completed: Option<f64>,
    now: f64,
    width: usize,
) -> Option<String> {
    const PREFIX: &str = " => ";
    let mut dt = completed.unwrap_or(now) - started;
    if dt < 0.05 {
        dt = 0.0;
    }
    let timer = format!(" {dt:3.1}s");
    // The timer's newline counts in BuildKit's arithmetic.
    let mut left = width.checked_sub(PREFIX.len() + timer.len() + 2)?;
    let status_len = status.chars().count();
    let show_status = status_len > 0 && left + status_len > 20;
    if show_status {
        left = left.checked_sub(status_len + 1)?;
    }
    if left < 12 {
        return None;
    }
    let mut line = format!("{PREFIX}{}", name.chars().take(left).collect::<String>());
    if show_status {
        line.push(' ');
        line.push_str(status);
    }
    Some(align(&line, &timer, width.saturating_sub(1)))
}

/// `left`, padded, then a space and `right`: `width` columns in all (more when they do not fit).
fn align(left: &str, right: &str, width: usize) -> String {
    let pad = width.saturating_sub(right.chars().count() + 1);
    let mut line = left.to_string();
    let n = left.chars().count();
    if n < pad {
        line.push_str(&" ".repeat(pad - n));
    }
    line.push(' ');
    line.push_str(right);
    line
}

#[cfg(test)]
mod tests {
    use super::*;
    use berth_engine::buildkit::{Step, StepLog, StepStatus};

    fn texts(frame: &[(Tone, String)]) -> Vec<String> {
        frame
            .iter()
            .map(|(_, l)| l.trim_end().to_string())
            .collect()
    }

    fn collapse(s: &str) -> String {
        s.split_whitespace().collect::<Vec<_>>().join(" ")
    }

    #[test]
    fn a_running_build_shows_its_steps_statuses_and_last_output() {
        let mut v = BuildView::new(100.0);
        v.update(
            "app",
            &Status {
                steps: vec![
                    Step {
                        digest: "d1".into(),
                        name: "[internal] load build definition from Dockerfile".into(),
                        started: Some(100.0),
                        completed: Some(100.01),
                        ..Step::default()
                    },
                    Step {
                        digest: "d2".into(),
                        name: "[1/2] FROM docker.io/library/busybox".into(),
                        started: Some(100.1),
                        completed: Some(100.1),
                        cached: true,
                        ..Step::default()
                    },
                    Step {
                        digest: "d3".into(),
                        name: "[2/2] RUN make".into(),
                        started: Some(100.2),
                        ..Step::default()
                    },
                    Step {
                        digest: "d4".into(),
                        name: "exporting to image".into(),
                        ..Step::default()
                    },
                ],
                statuses: vec![StepStatus {
                    step: "d1".into(),
                    id: "transferring dockerfile:".into(),
                    current: 114,
                    started: Some(100.0),
                    completed: Some(100.0),
                    ..StepStatus::default()
                }],
                logs: vec![StepLog {
                    step: "d3".into(),
                    at: Some(100.3),
                    text: b"one\ntwo\nthr".to_vec(),
                }],
            },
        );
        v.update(
            "app",
            &Status {
                logs: vec![StepLog {
                    step: "d3".into(),
                    at: Some(100.4),
                    text: b"ee\n".to_vec(),
                }],
                ..Status::default()
            },
        );
        let frame = v.frame(80, 30, 102.5, false);
        assert!(frame
            .iter()
            .all(|(_, l)| l.chars().count() == 79 || l.starts_with(" => => #")));
        assert_eq!(
            texts(&frame)
                .iter()
                .map(|l| collapse(l))
                .collect::<Vec<_>>(),
            [
                "[+] Building 2.5s (2/4) docker:default",
                "=> [app internal] load build definition from Dockerfile 0.0s",
                "=> => transferring dockerfile: 114B 0.0s",
                "=> CACHED [app 1/2] FROM docker.io/library/busybox 0.0s",
                "=> [app 2/2] RUN make 2.3s",
                "=> => # one",
                "=> => # two",
                "=> => # three",
            ]
        );
        assert_eq!(frame[4].0, Tone::Running);
        assert!(v.running());
    }

    #[test]
    fn ctrl_c_marks_running_steps_canceled_and_the_last_frame_finished() {
        let mut v = BuildView::new(10.0);
        v.update(
            "app",
            &Status {
                steps: vec![Step {
                    digest: "d".into(),
                    name: "[2/2] RUN sleep 30".into(),
                    started: Some(10.0),
                    ..Step::default()
                }],
                ..Status::default()
            },
        );
        v.cancel(14.1);
        assert!(!v.running());
        let frame = v.frame(60, 20, 14.2, true);
        assert_eq!(
            texts(&frame)
                .iter()
                .map(|l| collapse(l))
                .collect::<Vec<_>>(),
            [
                "[+] Building 4.2s (1/1) FINISHED docker:default",
                "=> CANCELED [app 2/2] RUN sleep 30 4.1s"
            ]
        );
        assert_eq!(frame[1].0, Tone::Canceled);
    }

    #[test]
    fn builds_of_two_services_share_one_view_and_their_common_steps() {
        let mut v = BuildView::new(0.0);
        let meta = || Step {
            digest: "meta".into(),
            name: "[internal] load metadata for docker.io/library/busybox:latest".into(),
            started: Some(0.0),
            completed: Some(0.5),
            ..Step::default()
        };
        for service in ["b", "a"] {
            v.update(
                service,
                &Status {
                    steps: vec![meta()],
                    ..Status::default()
                },
            );
        }
        let frame = texts(&v.frame(100, 20, 1.0, true));
        assert_eq!(frame.len(), 2);
        assert!(frame[1].contains("[b internal] load metadata"), "{frame:?}");
        assert!(frame[0].contains("(1/1) FINISHED"));
    }

    #[test]
    fn a_failed_step_is_named_error_and_a_short_terminal_keeps_what_runs() {
        let mut v = BuildView::new(0.0);
        let mut steps: Vec<Step> = (0..10)
            .map(|i| Step {
                digest: format!("d{i}"),
                name: format!("[internal] step {i}"),
                started: Some(0.0),
                completed: Some(0.1),
                ..Step::default()
            })
            .collect();
        steps.push(Step {
            digest: "bad".into(),
            name: "[2/2] RUN exit 3".into(),
            started: Some(0.2),
            error: "process \"/bin/sh -c exit 3\" did not complete successfully: exit code: 3"
                .into(),
            ..Step::default()
        });
        steps.push(Step {
            digest: "run".into(),
            name: "[3/3] RUN sleep 9".into(),
            started: Some(0.2),
            ..Step::default()
        });
        v.update(
            "app",
            &Status {
                steps,
                ..Status::default()
            },
        );
        let frame = v.frame(80, 6, 1.0, false);
        let t = texts(&frame);
        assert_eq!(t.len(), 5, "{t:?}");
        assert!(t[3].contains("ERROR [app 2/2] RUN exit 3"), "{t:?}");
        assert!(t[4].contains("[app 3/3] RUN sleep 9"), "{t:?}");
        assert_eq!(frame[3].0, Tone::Error);
        // Too narrow for a name: the step is left out rather than broken.
        assert_eq!(v.frame(16, 20, 1.0, false).len(), 1);
    }
}
