//! The navigation menu of attached `up` on a terminal (`--menu`, on by default there), which
//! no Go test drives: run in a real terminal (a tmux pane), with Berth and with the reference.
//! The menu sits on the bottom row (`w Enable Watch`); `w` turns `develop.watch` on (its lines
//! shown as `⦿ Watch enabled` under the containers') and off, or, with nothing to watch,
//! says why; Ctrl-C stops the project and exits 0; `--menu=false` and `COMPOSE_MENU=0` hide it.

use crate::harness::{docker_exec, tools, within, Cli, Pane};

const TICKS: &str = r#"
services:
  web:
    image: berth-test/busybox
    init: true
    command: sh -c "while true; do echo tick; sleep 1; done"
"#;

const WATCHED: &str = r#"
services:
  web:
    image: berth-test/busybox
    init: true
    command: sh -c "while true; do echo tick; sleep 1; done"
    develop:
      watch:
        - action: sync
          path: ./src
          target: /src
"#;

#[test]
fn the_menu_offers_watch_and_ctrl_c_stops_the_project() {
    for tool in tools() {
        let c = Cli::new(&tool, "e2e-menu", &[("compose.yaml", TICKS)]);
        let Some(pane) = Pane::start(&c, "", "up") else {
            return;
        };
        pane.wait_for("the menu", "w Enable Watch");
        // On the bottom row, under the output.
        let screen = pane.screen();
        assert_eq!(
            screen.last().map(String::as_str),
            Some("w Enable Watch"),
            "{}: {screen:#?}",
            tool.name
        );
        pane.keys("w");
        pane.wait_for(
            "the watch error",
            "Watch →  watch is not yet configured. Learn more: https://docs.docker.com/compose/file-watch/",
        );
        pane.keys("C-c");
        pane.wait_for("the exit", "EXIT=0");
        assert!(pane.shows("Gracefully Stopping..."), "{}", tool.name);
        assert!(
            !pane.shows("w Enable Watch"),
            "{}: the menu stays",
            tool.name
        );
        c.assert_state("web", "exited");
    }
}

#[test]
fn the_menus_w_turns_watch_on_and_off() {
    for tool in tools() {
        let c = Cli::new(
            &tool,
            "e2e-menu-watch",
            &[("compose.yaml", WATCHED), ("src/first", "1\n")],
        );
        let container = format!("{}-web-1", c.project);
        let Some(pane) = Pane::start(&c, "", "up") else {
            return;
        };
        pane.wait_for("the menu", "w Enable Watch");
        pane.keys("w");
        pane.wait_for("watch on", "⦿ Watch enabled");
        pane.wait_for("the menu", "w Disable Watch");
        std::fs::write(c.dir.path().join("src/second"), "2\n").expect("write");
        within("the sync", || {
            docker_exec(&container, &["cat", "/src/second"]).1 == "2\n"
        });
        pane.keys("w");
        pane.wait_for("watch off", "⦿ Watch disabled");
        pane.keys("C-c");
        pane.wait_for("the exit", "EXIT=0");
        c.assert_state("web", "exited");
    }
}

#[test]
fn the_menu_is_off_when_asked() {
    for tool in tools() {
        let c = Cli::new(&tool, "e2e-menu-off", &[("compose.yaml", TICKS)]);
        for (env, args) in [("", "up --menu=false"), ("COMPOSE_MENU=0", "up")] {
            let Some(pane) = Pane::start(&c, env, args) else {
                return;
            };
            pane.wait_for("the output", "web-1  | tick");
            std::thread::sleep(std::time::Duration::from_secs(2));
            assert!(!pane.shows("Enable Watch"), "{}: {env} {args}", tool.name);
            // Ctrl-C is the signal now: the exit status says so.
            pane.keys("C-c");
            pane.wait_for("the exit", "EXIT=130");
            drop(pane);
        }
    }
}
