//! `berth attach SERVICE`: this terminal's input and output joined to a service's running
//! container, as `docker compose attach` does: its output from now on, input when it keeps
//! stdin open (unless `--no-stdin`), signals passed on (unless `--sig-proxy=false`), the
//! engine's detach keys, and the container's exit code when it ends.

use berth_engine::oneoff::{self, Resizable};
use berth_engine::EngineError;

use crate::cli::{AttachArgs, GlobalArgs};
use crate::commands::engine::{connect, exit_status, runtime, service_container, Target};
use crate::interrupt::Interrupts;
use crate::printer::Printer;
use crate::terminal::{self, RawMode};

pub fn run(global: &GlobalArgs, args: &AttachArgs, printer: &mut Printer) -> anyhow::Result<u8> {
    let Some(target) = Target::resolve(global, std::slice::from_ref(&args.service), printer)?
    else {
        return Ok(1);
    };
    let result = runtime()?.block_on(async {
        let mut interrupts =
            Interrupts::install().map_err(|e| EngineError::Other(format!("signals: {e}")))?;
        let engine = connect().await?;
        let c = service_container(&engine, target.name(), &args.service, args.index, true).await?;
        let stdin = !args.no_stdin;
        let (io, tty) =
            oneoff::attach_running(&engine, &c.id, stdin, args.detach_keys.as_deref()).await?;
        let raw = if tty && stdin && terminal::stdin_is_tty() {
            RawMode::enable()
        } else {
            None
        };
        let resize = tty.then(|| Resizable::Container(c.id.clone()));
        let session = terminal::pump(&engine, io, stdin, resize);
        tokio::pin!(session);
        loop {
            tokio::select! {
                () = &mut session => break,
                sig = interrupts.next() => {
                    if args.sig_proxy {
                        oneoff::signal(&engine, &c.id, sig).await;
                    } else {
                        break;
                    }
                }
            }
        }
        drop(raw);
        // Detached (or the output ended while it runs): success; stopped: its exit code.
        if engine.is_running(&c.id).await {
            return Ok(0);
        }
        let code = engine.wait_exit_code(&c.id).await?;
        Ok(u8::try_from(code.rem_euclid(256)).unwrap_or(1))
    });
    Ok(exit_status(result, printer))
}
