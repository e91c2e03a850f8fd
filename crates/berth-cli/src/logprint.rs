//! Prints container output as Docker Compose does: `web-1  | line`, the prefix padded to the
//! longest container name plus one, coloured per container on a terminal. A watch's lines
//! (attached `up --watch`) show as `⦿ Watch enabled` under the prefixes, in green; with the
//! navigation menu, each write clears it first and draws it again after.

use std::collections::HashMap;
use std::io::Write;

use berth_engine::logs::LogEvent;

/// ANSI colours given to containers in turn.
const COLOURS: &[&str] = &[
    "36", "33", "32", "35", "34", "1;36", "1;33", "1;32", "1;35", "1;34",
];

pub struct LogPrinter {
    project: String,
    prefix: bool,
    colour: bool,
    width: usize,
    colours: HashMap<String, &'static str>,
    /// A container's standard error goes to standard error (attached `up`, as Docker Compose
    /// relays it); `logs` prints both streams on standard output.
    split_streams: bool,
    /// Attached `up` on a terminal: the navigation menu under the output.
    menu: Option<crate::menu::Menu>,
}

impl LogPrinter {
    /// `containers` are the full names known at the start (for the width); `no_colour` and
    /// `--ansi` decide colours, which are on only for a terminal by default.
    pub fn new(
        project: &str,
        containers: &[String],
        prefix: bool,
        no_colour: bool,
        ansi: &str,
    ) -> Self {
        let colour = !no_colour && crate::printer::stdout_colour(ansi);
        let mut p = LogPrinter {
            project: project.to_string(),
            prefix,
            colour,
            width: 0,
            colours: HashMap::new(),
            split_streams: false,
            menu: None,
        };
        for c in containers {
            p.register(c);
        }
        p
    }

    /// Sends each container's standard error to standard error.
    #[must_use]
    pub fn split_streams(mut self) -> Self {
        self.split_streams = true;
        self
    }

    /// Keeps `menu` under the output from now on.
    #[must_use]
    pub fn with_menu(mut self, menu: crate::menu::Menu) -> Self {
        self.menu = Some(menu);
        self
    }

    /// The menu, to change its state (then [`LogPrinter::redraw`]).
    pub fn menu_mut(&mut self) -> Option<&mut crate::menu::Menu> {
        self.menu.as_mut()
    }

    /// Draws the menu again (after a change of its state, or Enter, which adds a line).
    pub fn redraw(&self, newline: bool) {
        self.decorated(|| {
            if newline {
                crate::printer::out_line("");
            }
        });
    }

    /// Removes the menu for good (the session ends).
    pub fn close_menu(&mut self) {
        if self.menu.take().is_some() {
            write_terminal(crate::menu::Menu::clear());
        }
    }

    /// Runs `write` with the menu cleared before and drawn again after.
    fn decorated<T>(&self, write: impl FnOnce() -> T) -> T {
        let Some(menu) = &self.menu else {
            return write();
        };
        write_terminal(crate::menu::Menu::clear());
        let r = write();
        if let Some((rows, _)) = crate::terminal::size() {
            write_terminal(&menu.draw(rows, std::time::Instant::now()));
        }
        r
    }

    /// `project-web-1` → `web-1`; a `container_name` stays as it is.
    pub fn short<'a>(&self, container: &'a str) -> &'a str {
        container
            .strip_prefix(self.project.as_str())
            .and_then(|r| r.strip_prefix('-'))
            .unwrap_or(container)
    }

    fn register(&mut self, container: &str) {
        let short = self.short(container).to_string();
        self.width = self.width.max(short.chars().count() + 1);
        // The watch's lines are bright green; containers take the colours in turn.
        let next = if container == WATCH {
            "92"
        } else {
            COLOURS[self.colours.len() % COLOURS.len()]
        };
        self.colours.entry(container.to_string()).or_insert(next);
    }

    /// `Attaching to a-1, b-1`.
    pub fn attaching(&self, containers: &[String]) {
        let names: Vec<&str> = containers.iter().map(|c| self.short(c)).collect();
        crate::progress::detach();
        self.decorated(|| {
            crate::printer::out_line(&format!("Attaching to {}", names.join(", ")));
        });
    }

    fn paint(&self, container: &str, text: &str) -> String {
        match self.colours.get(container) {
            Some(c) if self.colour => format!("\x1b[{c}m{text}\x1b[0m"),
            _ => text.to_string(),
        }
    }

    /// Prints one event; returns false when stdout is closed.
    pub fn print(&mut self, event: &LogEvent) -> bool {
        let LogEvent::Line {
            container,
            text,
            stderr,
        } = event
        else {
            return true;
        };
        if !self.colours.contains_key(container) {
            self.register(container);
            crate::progress::detach();
        }
        self.decorated(|| {
            let mut out: Box<dyn Write> = if *stderr && self.split_streams {
                Box::new(crate::printer::stderr().lock())
            } else {
                Box::new(crate::printer::stdout().lock())
            };
            let r = if self.prefix && container == WATCH {
                let head = format!("{} ⦿ ", " ".repeat(self.width));
                writeln!(out, "{}{text}", self.paint(container, &head))
            } else if self.prefix {
                let head = format!("{:<w$} | ", self.short(container), w = self.width);
                writeln!(out, "{}{text}", self.paint(container, &head))
            } else {
                writeln!(out, "{text}")
            };
            r.is_ok()
        })
    }

    /// `web-1 exited with code 0`.
    pub fn exited(&self, container: &str, code: i64) {
        let line = format!("{} exited with code {code}", self.short(container));
        self.decorated(|| crate::printer::out_line(&self.paint(container, &line)));
    }
}

impl Drop for LogPrinter {
    fn drop(&mut self) {
        self.close_menu();
    }
}

/// The name a watch's lines come under in attached `up` (no container's name can start with
/// `#`).
pub const WATCH: &str = "#watch";

/// Writes what draws or clears the menu, straight to the terminal.
fn write_terminal(s: &str) {
    let mut out = crate::printer::stdout().lock();
    let _ = out.write_all(s.as_bytes());
    let _ = out.flush();
}
