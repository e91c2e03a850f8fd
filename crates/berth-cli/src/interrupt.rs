//! Ctrl-C (SIGINT) and SIGTERM, caught from the moment the command starts.
//!
//! `tokio::signal::ctrl_c()` installs its handler only when first polled: a signal arriving
//! before that (a busy machine, a `select!` that polled another branch first) would kill the
//! process outright and leave containers half-made. The handlers here are installed when
//! `Interrupts::install` returns.

use tokio::signal::unix::{signal, Signal, SignalKind};

pub struct Interrupts {
    int: Signal,
    term: Signal,
}

impl Interrupts {
    /// Installs the handlers; must run inside the Tokio runtime.
    pub fn install() -> std::io::Result<Interrupts> {
        Ok(Interrupts {
            int: signal(SignalKind::interrupt())?,
            term: signal(SignalKind::terminate())?,
        })
    }

    /// Waits for the next SIGINT or SIGTERM, and says which.
    pub async fn next(&mut self) -> &'static str {
        tokio::select! {
            _ = self.int.recv() => "SIGINT",
            _ = self.term.recv() => "SIGTERM",
        }
    }
}
