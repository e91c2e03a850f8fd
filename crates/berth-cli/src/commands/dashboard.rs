//! `berth dashboard`: serves the live page of the project (see `berth_dashboard`) until
//! interrupted. Off loopback, or with `--allow-actions`, every request must carry a token:
//! the one given, or one made here from the system's random source and printed in the URL.

use std::io::Read as _;

use crate::cli::{DashboardArgs, GlobalArgs};
use crate::commands::engine::{connect, runtime};
use crate::interrupt::Interrupts;
use crate::printer::Printer;

/// 128 random bits as hex, from the system's random source.
fn new_token() -> std::io::Result<String> {
    let mut bytes = [0u8; 16];
    std::fs::File::open("/dev/urandom")?.read_exact(&mut bytes)?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

/// Opens `url` with `$BROWSER`, else `xdg-open`, without waiting for it.
fn open_browser(url: &str) -> std::io::Result<()> {
    let browser = std::env::var(berth_loader::env_vars::BROWSER)
        .ok()
        .filter(|b| !b.is_empty())
        .unwrap_or_else(|| "xdg-open".into());
    std::process::Command::new(&browser)
        .arg(url)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .map(drop)
        .map_err(|e| std::io::Error::new(e.kind(), format!("{browser}: {e}")))
}

/// `berth dashboard`, or with `stack` `berth stack dashboard` (the project deployed as a
/// stack of its name).
pub fn run(
    global: &GlobalArgs,
    args: &DashboardArgs,
    stack: bool,
    printer: &mut Printer,
) -> anyhow::Result<u8> {
    let opts = super::load_options(global)?;
    let Some(project) = super::load_project(&opts, printer) else {
        return Ok(1);
    };
    let Some(audit) = super::audit::config_of(&project, None, printer) else {
        return Ok(1);
    };
    if stack && args.allow_actions {
        printer.error(
            "--allow-actions acts on a compose project's containers: a stack's services change with berth stack deploy",
        );
        return Ok(1);
    }
    let open = args.listen.ip().is_loopback() && !args.allow_actions;
    let token = match (&args.token, open) {
        (Some(t), _) if t.is_empty() => {
            printer.error("--token is empty");
            return Ok(1);
        }
        (Some(t), _) => Some(t.clone()),
        (None, true) => None,
        (None, false) => Some(new_token()?),
    };
    let rt = runtime()?;
    rt.block_on(async {
        let engine = match connect().await {
            Ok(e) => e,
            Err(e) => {
                printer.error(&e.to_string());
                return Ok(1);
            }
        };
        let listener = match tokio::net::TcpListener::bind(args.listen).await {
            Ok(l) => l,
            Err(e) => {
                printer.error(&format!("cannot listen on {}: {e}", args.listen));
                return Ok(1);
            }
        };
        let addr = listener.local_addr()?;
        let query = token
            .as_ref()
            .map(|t| format!("?token={t}"))
            .unwrap_or_default();
        let url = format!("http://{addr}/{query}");
        printer.out(&format!("berth dashboard of {}: {url}\n", project.name))?;
        if args.open {
            if let Err(e) = open_browser(&url) {
                printer.diag(&format!(
                    "WARN[0000] cannot open a browser ({e}): open {url}\n"
                ));
            }
        }
        let mut interrupts = Interrupts::install()?;
        let shutdown = async move {
            let _ = interrupts.next().await;
        };
        let options = berth_dashboard::server::Options {
            token,
            actions: args.allow_actions,
            stack,
            audit,
        };
        berth_dashboard::server::serve(listener, project, engine, options, shutdown).await?;
        // Only an interrupt ends it, as it ends `events` and `logs -f`.
        Ok(130)
    })
}
