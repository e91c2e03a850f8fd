//! The user's terminal during `run` and `exec`: raw mode while a TTY session lasts, its size,
//! and the pump between the terminal and the container.

use std::io::{IsTerminal, Write};

use berth_engine::oneoff::{self, Io, LogOutput, Resizable};
use berth_engine::Engine;
use futures_util::StreamExt;
use rustix::termios::{tcgetattr, tcgetwinsize, tcsetattr, OptionalActions, Termios};
use tokio::io::AsyncWriteExt;

/// Whether standard input is a terminal.
pub fn stdin_is_tty() -> bool {
    std::io::stdin().is_terminal()
}

/// Whether standard output is a terminal.
pub fn stdout_is_tty() -> bool {
    crate::printer::stdout().is_terminal()
}

/// The terminal in raw mode (keys go to the container as typed, Ctrl-C included) until dropped.
pub struct RawMode {
    saved: Termios,
}

impl RawMode {
    /// `None` when standard input is not a terminal.
    pub fn enable() -> Option<RawMode> {
        let stdin = std::io::stdin();
        let saved = tcgetattr(&stdin).ok()?;
        let mut raw = saved.clone();
        raw.make_raw();
        tcsetattr(&stdin, OptionalActions::Now, &raw).ok()?;
        Some(RawMode { saved })
    }
}

impl RawMode {
    /// Keys as they are typed, Ctrl-C included, without echo; output still goes on line by
    /// line (the navigation menu of attached `up`). `None` when standard input is not a
    /// terminal.
    pub fn keys() -> Option<RawMode> {
        let stdin = std::io::stdin();
        let saved = tcgetattr(&stdin).ok()?;
        let mut raw = saved.clone();
        raw.make_raw();
        raw.output_modes = saved.output_modes;
        tcsetattr(&stdin, OptionalActions::Now, &raw).ok()?;
        Some(RawMode { saved })
    }
}

impl Drop for RawMode {
    fn drop(&mut self) {
        let _ = tcsetattr(std::io::stdin(), OptionalActions::Now, &self.saved);
    }
}

/// Rows and columns of the terminal, if there is one.
pub fn size() -> Option<(u16, u16)> {
    let w = tcgetwinsize(crate::printer::stdout())
        .or_else(|_| tcgetwinsize(std::io::stdin()))
        .ok()?;
    (w.ws_row > 0 && w.ws_col > 0).then_some((w.ws_row, w.ws_col))
}

/// What is typed or piped on standard input, chunk by chunk as it comes, until it ends. Read
/// by a plain thread: a blocked read of a terminal must not hold up the end of the process.
pub fn stdin_chunks() -> tokio::sync::mpsc::UnboundedReceiver<Vec<u8>> {
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel::<Vec<u8>>();
    std::thread::spawn(move || {
        let mut buf = [0u8; 4096];
        let mut stdin = std::io::stdin().lock();
        loop {
            match std::io::Read::read(&mut stdin, &mut buf) {
                Ok(0) | Err(_) => break,
                Ok(n) => {
                    if tx.send(buf[..n].to_vec()).is_err() {
                        break;
                    }
                }
            }
        }
    });
    rx
}

/// Copies the user's input to the process and its output to the user's, until the process's
/// output ends. With `resize`, the TTY follows the terminal's size.
pub async fn pump(engine: &Engine, io: Io, interactive: bool, resize: Option<Resizable>) {
    let Io {
        mut output,
        mut input,
    } = io;
    if interactive {
        let mut rx = stdin_chunks();
        tokio::spawn(async move {
            while let Some(chunk) = rx.recv().await {
                if input.write_all(&chunk).await.is_err() || input.flush().await.is_err() {
                    return;
                }
            }
            let _ = input.shutdown().await;
        });
    } else {
        drop(input);
    }
    if let Some(target) = resize {
        let engine = engine.clone();
        tokio::spawn(async move {
            let mut winch =
                tokio::signal::unix::signal(tokio::signal::unix::SignalKind::window_change()).ok();
            loop {
                if let Some((rows, cols)) = size() {
                    oneoff::resize(&engine, &target, rows, cols).await;
                }
                match winch.as_mut() {
                    Some(w) => {
                        if w.recv().await.is_none() {
                            return;
                        }
                    }
                    None => return,
                }
            }
        });
    }
    let mut out = crate::printer::stdout();
    let mut err = crate::printer::stderr();
    while let Some(item) = output.next().await {
        let Ok(chunk) = item else { break };
        let _ = match chunk {
            LogOutput::StdErr { message } => err.write_all(&message).and_then(|()| err.flush()),
            LogOutput::StdOut { message } | LogOutput::Console { message } => {
                out.write_all(&message).and_then(|()| out.flush())
            }
            LogOutput::StdIn { .. } => Ok(()),
        };
    }
}
