//! The resources' live view on a terminal, which no Go test looks at (the Go suite runs
//! without one): run in a tmux pane with Berth and with the reference. Its header names the
//! operation as Docker Compose's does (`[+] Stopping 1/1`, `[+] Removing 1/1`; `Running` for
//! `up`, `start`, `unpause` and `down`).

use crate::harness::{tools, Cli, Pane};

const SLEEPER: &str = r"
services:
  web:
    image: berth-test/busybox
    init: true
    command: sleep 300
";

#[test]
fn the_live_view_names_the_operation() {
    for tool in tools() {
        let c = Cli::new(&tool, "e2e-live-view", &[("compose.yaml", SLEEPER)]);
        let steps = [
            ("up -d", "[+] Running 2/2"),
            ("stop", "[+] Stopping 1/1"),
            ("start", "[+] Running 1/1"),
            ("restart", "[+] Restarting 1/1"),
            ("pause", "[+] Pausing 1/1"),
            ("unpause", "[+] Running 1/1"),
            ("kill", "[+] Killing 1/1"),
            ("rm -f", "[+] Removing 1/1"),
            ("create", "[+] Creating 1/1"),
            ("down", "[+] Running 2/2"),
        ];
        for (args, header) in steps {
            let Some(pane) = Pane::start(&c, "", args) else {
                return;
            };
            pane.wait_for(args, "EXIT=0");
            let screen = pane.screen();
            assert!(
                screen.iter().any(|l| l == header),
                "{} {args}: no {header:?} in {screen:#?}",
                tool.name
            );
        }
    }
}
