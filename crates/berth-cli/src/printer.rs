//! The one owner of stdout and stderr.

use std::io::{self, IsTerminal, Write};

pub struct Printer {
    out: io::Stdout,
    err: io::Stderr,
}

impl Printer {
    pub fn new() -> Printer {
        Printer {
            out: io::stdout(),
            err: io::stderr(),
        }
    }

    /// Writes to stdout exactly as given.
    pub fn out(&mut self, s: &str) -> io::Result<()> {
        self.out_bytes(s.as_bytes())
    }

    /// Writes bytes (a PNG) to stdout exactly as given.
    pub fn out_bytes(&mut self, b: &[u8]) -> io::Result<()> {
        let mut lock = self.out.lock();
        lock.write_all(b)?;
        lock.flush()
    }

    /// Writes a rendered diagnostic or message to stderr.
    pub fn diag(&mut self, s: &str) {
        let _ = self.err.lock().write_all(s.as_bytes());
    }

    /// Writes an error as the command's last words (in JSON mode, a JSON error object).
    #[allow(clippy::unused_self)] // Through the printer, like every other output.
    pub fn error(&mut self, s: &str) {
        crate::progress::error(s);
    }
}

/// Standard output, for the display modules (the progress views, the log printer, the
/// terminal's modes) and for the streams a command writes as they come (a tar archive, the
/// engine's events): every handle on it is taken here.
pub fn stdout() -> io::Stdout {
    io::stdout()
}

/// Standard error, for the same places as [`stdout`].
pub fn stderr() -> io::Stderr {
    io::stderr()
}

/// A line on stdout, for code that runs where the command's [`Printer`] is not at hand (the
/// tasks of an engine session, the attached log printer).
pub fn out_line(s: &str) {
    let _ = writeln!(io::stdout().lock(), "{s}");
}

/// A line on stderr, for the same places as [`out_line`].
pub fn err_line(s: &str) {
    let _ = writeln!(io::stderr().lock(), "{s}");
}

/// True when the error is a closed stdout (`berth config | head`), which is not a failure.
pub fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        c.downcast_ref::<io::Error>()
            .is_some_and(|io| io.kind() == io::ErrorKind::BrokenPipe)
    })
}

pub use crate::progress::StderrProgress;

/// Whether standard output gets colours: `--ansi always`, or `auto` on a terminal when
/// `NO_COLOR` is not set (<https://no-color.org>).
pub fn stdout_colour(ansi: &str) -> bool {
    match ansi {
        "always" => true,
        "never" => false,
        _ => {
            io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
        }
    }
}
