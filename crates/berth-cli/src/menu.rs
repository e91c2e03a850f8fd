//! The navigation menu of attached `up` on a terminal, as Docker Compose shows it (`--menu`,
//! on by default when both ends are a terminal, `COMPOSE_MENU` or `--menu=false` to turn it
//! off): one line kept at the bottom of the screen, under the containers' output, offering
//! `w` to turn `develop.watch` on and off. Ctrl-C stops the project as usual and Enter adds a
//! blank line. A key the project cannot honour (`w` with nothing to watch) shows why above
//! the menu for ten seconds.
//!
//! What is drawn is decided here from the menu's state ([`Menu::draw`], [`Menu::clear`], pure);
//! the attached session writes it around each line of output.

use std::time::{Duration, Instant};

/// How long a key's error stays on the screen.
const ERROR_SHOWN: Duration = Duration::from_secs(10);

/// Where Docker Compose sends a user whose project has no `develop.watch`.
const WATCH_DOCS: &str = "https://docs.docker.com/compose/file-watch/";

/// A key the menu acts on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Key {
    /// `w`.
    ToggleWatch,
    /// Ctrl-C, read as a key while the terminal is in raw mode.
    Interrupt,
    /// Enter.
    Enter,
}

impl Key {
    /// The key a byte read from the terminal stands for, if any.
    #[must_use]
    pub fn from_byte(b: u8) -> Option<Key> {
        match b {
            b'w' => Some(Key::ToggleWatch),
            3 => Some(Key::Interrupt),
            b'\r' | b'\n' => Some(Key::Enter),
            _ => None,
        }
    }
}

/// The menu's state.
#[derive(Debug)]
pub struct Menu {
    /// `None`: no service has `develop.watch`; otherwise whether watching is on.
    pub watching: Option<bool>,
    error: Option<(String, Instant)>,
}

impl Menu {
    #[must_use]
    pub fn new(watching: Option<bool>) -> Menu {
        Menu {
            watching,
            error: None,
        }
    }

    /// Shows `message` for what `key` (`Watch`) asked, as Docker Compose words it
    /// (`Watch →  …`).
    pub fn error(&mut self, key: &str, message: &str) {
        let text = format!("{}  {message}", cyan_bold(&format!("{key} →")));
        self.error = Some((text, Instant::now()));
    }

    /// `w` with nothing to watch: the reference's message.
    pub fn watch_not_configured(&mut self) {
        self.error(
            "Watch",
            &format!(
                "watch is not yet configured. Learn more: {}",
                cyan(WATCH_DOCS)
            ),
        );
    }

    /// The menu's line: the key in black on white, bold, and what it does in faint type.
    #[must_use]
    pub fn line(&self) -> String {
        let what = if self.watching == Some(true) {
            " Disable Watch"
        } else {
            " Enable Watch"
        };
        format!(
            "\x1b[1m\x1b[38;2;0;0;0m\x1b[48;2;255;255;255mw\x1b[0;2m\x1b[39m\x1b[49m{what}\x1b[0m"
        )
    }

    fn shown_error(&self, now: Instant) -> Option<&str> {
        self.error
            .as_ref()
            .filter(|(_, at)| now.duration_since(*at) < ERROR_SHOWN)
            .map(|(e, _)| e.as_str())
    }

    /// What removes the menu (and its error) from below the cursor, which stands at the start
    /// of the line the next output goes on.
    #[must_use]
    pub fn clear() -> &'static str {
        "\r\x1b[J"
    }

    /// What draws the menu on the bottom row of a screen `rows` high (its error, if any, on
    /// the row above), leaving the cursor where it was. Room is made first, so that output
    /// going on from the cursor never runs under the menu.
    #[must_use]
    pub fn draw(&self, rows: u16, now: Instant) -> String {
        let error = self.shown_error(now);
        let lines = 1 + usize::from(error.is_some());
        let mut s = String::from("\r");
        s.push_str(&"\n".repeat(lines));
        s.push_str(&format!("\x1b[{lines}A"));
        // Save the cursor, draw at the bottom, restore.
        s.push_str("\x1b7");
        if let Some(e) = error {
            s.push_str(&format!(
                "\x1b[{};1H\x1b[2K{e}",
                rows.saturating_sub(1).max(1)
            ));
        }
        s.push_str(&format!("\x1b[{rows};1H\x1b[2K{}", self.line()));
        s.push_str("\x1b8");
        s
    }
}

fn cyan(text: &str) -> String {
    format!("\x1b[36m{text}\x1b[0m")
}

fn cyan_bold(text: &str) -> String {
    format!("\x1b[36;1m{text}\x1b[0m")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plain(s: &str) -> String {
        let mut out = String::new();
        let mut chars = s.chars().peekable();
        while let Some(c) = chars.next() {
            if c == '\x1b' {
                // CSI sequences end with a letter; `ESC 7` and `ESC 8` are two characters.
                if chars.peek() == Some(&'[') {
                    for c in chars.by_ref() {
                        if c.is_ascii_alphabetic() {
                            break;
                        }
                    }
                } else {
                    chars.next();
                }
            } else {
                out.push(c);
            }
        }
        out
    }

    #[test]
    fn the_menu_offers_to_enable_or_disable_watch() {
        assert_eq!(plain(&Menu::new(None).line()), "w Enable Watch");
        assert_eq!(plain(&Menu::new(Some(false)).line()), "w Enable Watch");
        assert_eq!(plain(&Menu::new(Some(true)).line()), "w Disable Watch");
    }

    #[test]
    fn the_menu_is_drawn_on_the_bottom_row_and_the_cursor_restored() {
        let m = Menu::new(None);
        let d = m.draw(20, Instant::now());
        assert!(d.starts_with("\r\n\x1b[1A\x1b7\x1b[20;1H\x1b[2K"), "{d:?}");
        assert!(d.ends_with("\x1b8"), "{d:?}");
        assert_eq!(plain(&d), "\r\nw Enable Watch");
    }

    #[test]
    fn an_error_is_shown_above_the_menu_for_ten_seconds() {
        let mut m = Menu::new(None);
        m.watch_not_configured();
        let now = Instant::now();
        let d = m.draw(20, now);
        assert!(d.contains("\x1b[19;1H"), "{d:?}");
        assert_eq!(
            plain(&d),
            "\r\n\nWatch →  watch is not yet configured. Learn more: https://docs.docker.com/compose/file-watch/w Enable Watch"
        );
        let later = now + Duration::from_secs(11);
        assert_eq!(plain(&m.draw(20, later)), "\r\nw Enable Watch");
    }

    #[test]
    fn keys_are_read_from_bytes() {
        assert_eq!(Key::from_byte(b'w'), Some(Key::ToggleWatch));
        assert_eq!(Key::from_byte(3), Some(Key::Interrupt));
        assert_eq!(Key::from_byte(b'\r'), Some(Key::Enter));
        assert_eq!(Key::from_byte(b'x'), None);
    }
}
