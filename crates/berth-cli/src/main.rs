//! `berth`: a drop-in for `docker compose` that also audits and documents Compose projects.
//!
//! This binary only parses flags, calls one library stage and renders its result or error.

mod cli;
mod commands;
mod printer;

use std::process::ExitCode;

use clap::Parser;

/// The loader allocates many small values; mimalloc is markedly faster at that than glibc.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cli = match cli::Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let code = if e.use_stderr() { 1 } else { 0 };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    let mut printer = printer::Printer::new();
    match commands::run(cli, &mut printer) {
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
