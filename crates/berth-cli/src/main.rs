//! `berth`: a drop-in for `docker compose` that also audits and documents Compose projects.
//!
//! This binary only parses flags, calls one library stage and renders its result or error.

mod buildplain;
mod buildview;
mod cli;
mod commands;
mod context;
mod interrupt;
mod logprint;
mod menu;
mod printer;
mod progress;
mod table;
mod template;
mod terminal;

use std::process::ExitCode;

/// The loader allocates many small values; mimalloc is markedly faster at that than glibc.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cli = match cli::Cli::parse_go_style() {
        Ok(c) => c,
        Err(e) => {
            let code = u8::from(e.use_stderr());
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    // Commands run on a thread with a large stack: deep user structures (an `extends` chain of
    // thousands of services) recurse, and must fail or succeed, never overflow. The memory is
    // only reserved; it is touched when used.
    let outcome = std::thread::Builder::new()
        .name("berth".into())
        .stack_size(256 << 20)
        .spawn(move || {
            let mut printer = printer::Printer::new();
            let result = commands::run(cli, &mut printer);
            progress::detach();
            (result, printer)
        })
        .map(std::thread::JoinHandle::join);
    let (result, mut printer) = match outcome {
        Ok(Ok(pair)) => pair,
        Ok(Err(panic)) => std::panic::resume_unwind(panic),
        Err(e) => {
            printer::err_line(&format!("error: cannot start: {e}"));
            return ExitCode::from(1);
        }
    };
    match result {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            if printer::is_broken_pipe(&e) {
                return ExitCode::SUCCESS;
            }
            printer.error(&format!("{e:#}"));
            ExitCode::from(1)
        }
    }
}
