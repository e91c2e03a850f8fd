//! The executor: applies a plan to the engine. `up` starts services in dependency order, each
//! as soon as its own dependencies allow, concurrently otherwise; the networks and volumes are
//! made from their plan first (`resources`); a container's own life is in `containers`,
//! waiting on dependencies by the engine's events in `events`, and `down` in `down`. It decides
//! nothing the planner decides: it applies steps and reports progress.

mod containers;
mod down;
mod events;
mod resources;
mod up;

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::Notify;

pub(crate) use containers::{create_connected, resolve_references};
pub use down::{down, DownOptions};
pub(crate) use events::{wait_condition, Watcher};
pub use resources::{apply_networks, apply_volumes, ensure_networks, plan_resources};
pub use up::{copy_in, provided_env, up, Provided};

/// A cap on concurrent engine operations (`--parallel`); unlimited by default.
#[derive(Clone, Debug, Default)]
pub struct Limit(Option<Arc<tokio::sync::Semaphore>>);

impl Limit {
    /// `n` operations at a time; `None` (or 0) for no limit.
    #[must_use]
    pub fn new(n: Option<usize>) -> Limit {
        Limit(
            n.filter(|&n| n > 0)
                .map(|n| Arc::new(tokio::sync::Semaphore::new(n))),
        )
    }

    async fn acquire(&self) -> Option<tokio::sync::SemaphorePermit<'_>> {
        match &self.0 {
            Some(s) => s.acquire().await.ok(),
            None => None,
        }
    }
}

/// Stops an `up` cleanly. Once halted, no further container is started; and since a start
/// already sent to the engine cannot be called back, [`Halt::settled`] tells when none is still
/// under way, so that a stop issued after it sees every container that will run.
#[derive(Clone, Debug, Default)]
pub struct Halt(Arc<HaltState>);

#[derive(Debug, Default)]
struct HaltState {
    halted: std::sync::atomic::AtomicBool,
    in_flight: std::sync::atomic::AtomicUsize,
    changed: Notify,
}

/// A start under way; counted until dropped.
struct InFlight(Arc<HaltState>);

impl Drop for InFlight {
    fn drop(&mut self) {
        self.0
            .in_flight
            .fetch_sub(1, std::sync::atomic::Ordering::SeqCst);
        self.0.changed.notify_waiters();
    }
}

impl Halt {
    /// No container starts from now on.
    pub fn halt(&self) {
        self.0
            .halted
            .store(true, std::sync::atomic::Ordering::SeqCst);
    }

    /// Resolves once no start is under way. Poll the `up` future meanwhile: its starts must
    /// run to their end for this to resolve.
    pub async fn settled(&self) {
        loop {
            let changed = self.0.changed.notified();
            if self.0.in_flight.load(std::sync::atomic::Ordering::SeqCst) == 0 {
                return;
            }
            changed.await;
        }
    }

    /// Counts a start, unless halted.
    fn begin(&self) -> Option<InFlight> {
        self.0
            .in_flight
            .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        let guard = InFlight(Arc::clone(&self.0));
        if self.0.halted.load(std::sync::atomic::Ordering::SeqCst) {
            return None;
        }
        Some(guard)
    }
}

/// The channel of [`ExecOptions::before_start`]: a container name, and the answer to send
/// once ready for it to start.
pub type BeforeStart =
    tokio::sync::mpsc::UnboundedSender<(String, tokio::sync::oneshot::Sender<()>)>;

/// Options of the executor.
#[derive(Clone, Debug, Default)]
pub struct ExecOptions {
    /// `--parallel`.
    pub limit: Limit,
    /// Told each container's name just before it starts (or, already running, is kept), and
    /// waited on: attached `up` attaches to the output there, so nothing written is missed.
    pub before_start: Option<BeforeStart>,
    /// `--no-start`: create only.
    pub no_start: bool,
    /// Stop timeout for recreated and removed containers (`-t`).
    pub timeout: Option<i32>,
    pub remove_orphans: bool,
    /// `COMPOSE_IGNORE_ORPHANS`: orphans are neither reported nor removed.
    pub ignore_orphans: bool,
    /// `-V`: a recreated container gets new anonymous volumes instead of the old one's.
    pub renew_anon_volumes: bool,
    /// `--wait`: after starting, wait until every service is running, or healthy where it has
    /// a healthcheck.
    pub wait: bool,
    /// `--wait-timeout`.
    pub wait_timeout: Option<Duration>,
    /// Lets the caller stop the run (Ctrl-C, an aborting exit) without a start slipping past.
    pub halt: Halt,
    /// What the providers set (`setenv`), filled as they run: `run` gives it to its one-off
    /// container too.
    pub provided: Provided,
}
