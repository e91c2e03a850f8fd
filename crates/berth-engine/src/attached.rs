//! The attached `up` session's rules, as Docker Compose applies them: which containers'
//! output is shown (`--attach`, `--no-attach`, `--attach-dependencies`), whose exits end the
//! run (the services named on the command line, or every one: a dependency that runs on, or
//! exits, neither keeps `up SERVICE` waiting nor aborts it), when an exit aborts the run
//! (`--abort-on-container-exit`, `--abort-on-container-failure`, `--exit-code-from`), and the
//! exit status. Pure: the CLI follows the containers and feeds this what happens.

use std::collections::HashSet;

use crate::plan::{Plan, Step};

/// The flags of attached `up` that decide the session.
#[derive(Clone, Debug, Default)]
pub struct AttachOptions {
    /// The services named on the command line (every one when empty).
    pub services: Vec<String>,
    /// `--attach`.
    pub attach: Vec<String>,
    /// `--no-attach`.
    pub no_attach: Vec<String>,
    /// `--attach-dependencies`.
    pub attach_dependencies: bool,
    /// `--abort-on-container-exit`.
    pub abort_on_exit: bool,
    /// `--abort-on-container-failure`.
    pub abort_on_failure: bool,
    /// `--exit-code-from SERVICE`: also aborts on the first exit.
    pub exit_code_from: Option<String>,
}

/// How a container that starts is followed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Follow {
    /// Its output is shown.
    Shown,
    /// Not shown, but its exit counts: followed without printing.
    Quiet,
    /// Not the run's, or already followed.
    No,
}

/// What follows a watched container's exit.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AfterExit {
    /// The run goes on.
    Continue,
    /// Every watched container is done and `up` has finished: the run ends with status 0.
    Done,
    /// The run aborts (the containers it watches are stopped): this container's exit is the
    /// first, with its code.
    Abort { container: String, code: i64 },
}

/// The state of one attached session.
#[derive(Clone, Debug)]
pub struct Session {
    opts: AttachOptions,
    /// Every container the run will have, in the plan's order.
    all: Vec<String>,
    shown: HashSet<String>,
    watched: HashSet<String>,
    following: HashSet<String>,
    done: HashSet<String>,
    up_done: bool,
}

impl Session {
    /// The session of `plan`'s containers.
    #[must_use]
    pub fn new(plan: &Plan, opts: AttachOptions) -> Session {
        let mut s = Session {
            opts,
            all: Vec::new(),
            shown: HashSet::new(),
            watched: HashSet::new(),
            following: HashSet::new(),
            done: HashSet::new(),
            up_done: false,
        };
        for sp in &plan.services {
            for step in &sp.steps {
                let name = match step {
                    Step::Keep { name, .. }
                    | Step::Create { name, .. }
                    | Step::Recreate { name, .. } => name,
                    Step::Remove { .. } => continue,
                };
                s.all.push(name.clone());
                if s.attachable(&sp.service) {
                    s.shown.insert(name.clone());
                }
                if s.opts.services.is_empty() || s.opts.services.contains(&sp.service) {
                    s.watched.insert(name.clone());
                }
            }
        }
        s
    }

    /// `--attach` names them; otherwise the services named on the command line (their
    /// dependencies too with `--attach-dependencies`), or every one; less `--no-attach`.
    fn attachable(&self, service: &str) -> bool {
        let o = &self.opts;
        let wanted = if o.attach.is_empty() {
            o.services.is_empty()
                || o.attach_dependencies
                || o.services.iter().any(|s| s == service)
        } else {
            o.attach.iter().any(|s| s == service)
        };
        wanted && !o.no_attach.iter().any(|s| s == service)
    }

    /// The containers whose output is shown, sorted.
    #[must_use]
    pub fn shown(&self) -> Vec<String> {
        let mut names: Vec<String> = self
            .all
            .iter()
            .filter(|n| self.shown.contains(*n))
            .cloned()
            .collect();
        names.sort();
        names
    }

    #[must_use]
    pub fn is_shown(&self, container: &str) -> bool {
        self.shown.contains(container)
    }

    #[must_use]
    pub fn is_watched(&self, container: &str) -> bool {
        self.watched.contains(container)
    }

    #[must_use]
    pub fn is_following(&self, container: &str) -> bool {
        self.following.contains(container)
    }

    /// Whether a watched container is still followed (its output not yet ended).
    #[must_use]
    pub fn following_watched(&self) -> bool {
        self.following.iter().any(|n| self.watched.contains(n))
    }

    /// Container `name` starts (or starts again under its restart policy): how to follow it.
    pub fn starts(&mut self, name: &str) -> Follow {
        if !self.all.iter().any(|n| n == name) || self.following.contains(name) {
            return Follow::No;
        }
        let follow = if self.shown.contains(name) {
            Follow::Shown
        } else if self.watched.contains(name) {
            Follow::Quiet
        } else {
            return Follow::No;
        };
        self.following.insert(name.to_string());
        self.done.remove(name);
        follow
    }

    /// Following `name` could not begin: it is not followed, and done if it ended before.
    pub fn follow_failed(&mut self, name: &str, was_done: bool) {
        self.following.remove(name);
        if was_done {
            self.done.insert(name.to_string());
        }
    }

    /// `up` has made and started everything: whether the run is over (every watched
    /// container has already exited).
    pub fn up_finished(&mut self) -> bool {
        self.up_done = true;
        self.all_done()
    }

    fn all_done(&self) -> bool {
        self.watched.iter().all(|n| self.done.contains(n))
    }

    /// The output of `name` ended. Returns whether it counts as an exit (a watched
    /// container's, not one its restart policy starts again).
    pub fn output_ended(&mut self, name: &str, restarts: bool) -> bool {
        self.following.remove(name);
        self.watched.contains(name) && !restarts
    }

    /// A watched container exited with `code`: what the run does next.
    pub fn exited(&mut self, name: &str, code: i64) -> AfterExit {
        self.done.insert(name.to_string());
        let o = &self.opts;
        if o.abort_on_exit || o.exit_code_from.is_some() || (o.abort_on_failure && code != 0) {
            return AfterExit::Abort {
                container: name.to_string(),
                code,
            };
        }
        if self.up_done && self.all_done() {
            AfterExit::Done
        } else {
            AfterExit::Continue
        }
    }

    /// Whether a container's exit has already been shown (when the run aborted and the rest
    /// of the output is read).
    #[must_use]
    pub fn is_done(&self, container: &str) -> bool {
        self.done.contains(container)
    }

    /// The service whose container's code is the run's (`--exit-code-from`).
    #[must_use]
    pub fn exit_code_from(&self) -> Option<&str> {
        self.opts.exit_code_from.as_deref()
    }

    /// The exit status of an aborted run: the code of `--exit-code-from`'s container (`None`
    /// when the service has none: 1), else the first exit's, as Docker Compose takes it
    /// (modulo 256).
    #[must_use]
    pub fn exit_status(&self, first_code: i64, exit_code_from: Option<Option<i64>>) -> u8 {
        let code = match exit_code_from {
            Some(Some(code)) => code,
            Some(None) => 1,
            None => first_code,
        };
        u8::try_from(code.rem_euclid(256)).unwrap_or(1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::ServicePlan;

    fn plan(services: &[(&str, &[&str])]) -> Plan {
        Plan {
            services: services
                .iter()
                .map(|(s, names)| ServicePlan {
                    service: (*s).to_string(),
                    steps: names
                        .iter()
                        .enumerate()
                        .map(|(i, n)| Step::Create {
                            number: u32::try_from(i).unwrap_or(0) + 1,
                            name: (*n).to_string(),
                        })
                        .collect(),
                    image_id: None,
                    restart_for_dependency: false,
                })
                .collect(),
            orphans: Vec::new(),
        }
    }

    #[test]
    fn a_named_service_is_shown_and_watched_and_its_dependency_neither() {
        let p = plan(&[("db", &["p-db-1"]), ("web", &["p-web-1"])]);
        let mut s = Session::new(
            &p,
            AttachOptions {
                services: vec!["web".into()],
                ..AttachOptions::default()
            },
        );
        assert_eq!(s.shown(), ["p-web-1"]);
        assert_eq!(s.starts("p-db-1"), Follow::No);
        assert_eq!(s.starts("p-web-1"), Follow::Shown);
        assert_eq!(s.starts("p-web-1"), Follow::No, "already followed");
        assert!(!s.up_finished());
        assert!(s.output_ended("p-web-1", false));
        assert_eq!(s.exited("p-web-1", 0), AfterExit::Done);
    }

    #[test]
    fn attach_dependencies_and_no_attach_choose_what_is_shown() {
        let p = plan(&[("db", &["p-db-1"]), ("web", &["p-web-1"])]);
        let s = Session::new(
            &p,
            AttachOptions {
                services: vec!["web".into()],
                attach_dependencies: true,
                no_attach: vec!["web".into()],
                ..AttachOptions::default()
            },
        );
        assert_eq!(s.shown(), ["p-db-1"]);
        let mut s = s;
        assert_eq!(s.starts("p-web-1"), Follow::Quiet, "watched, not shown");
    }

    #[test]
    fn exits_abort_as_the_flags_say_and_set_the_status() {
        let p = plan(&[("a", &["p-a-1"]), ("b", &["p-b-1"])]);
        let failing = AttachOptions {
            abort_on_failure: true,
            ..AttachOptions::default()
        };
        let mut s = Session::new(&p, failing);
        s.starts("p-a-1");
        s.starts("p-b-1");
        s.up_finished();
        assert_eq!(s.exited("p-a-1", 0), AfterExit::Continue);
        assert_eq!(
            s.exited("p-b-1", 3),
            AfterExit::Abort {
                container: "p-b-1".into(),
                code: 3
            }
        );
        assert_eq!(s.exit_status(3, None), 3);
        let from = Session::new(
            &p,
            AttachOptions {
                exit_code_from: Some("a".into()),
                ..AttachOptions::default()
            },
        );
        assert_eq!(from.exit_status(0, Some(Some(-1))), 255);
        assert_eq!(from.exit_status(0, Some(None)), 1);
    }

    #[test]
    fn a_restart_is_not_an_exit() {
        let p = plan(&[("a", &["p-a-1"])]);
        let mut s = Session::new(&p, AttachOptions::default());
        assert_eq!(s.starts("p-a-1"), Follow::Shown);
        assert!(!s.output_ended("p-a-1", true));
        assert_eq!(s.starts("p-a-1"), Follow::Shown, "followed again");
    }
}
