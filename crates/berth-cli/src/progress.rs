//! Progress of the engine commands on stderr, in Docker Compose's `--progress` modes:
//!
//! - `plain`: one line per event (` Container p-web-1  Started`);
//! - `tty`: a live view redrawn in place, one line per resource with a spinner, its status and
//!   how long it took (`auto` on a terminal);
//! - `json`: one JSON object per event (`{"id":"Container p-web-1","status":"Started"}`);
//! - `quiet`: nothing.
//!
//! The mode is the process's, chosen once from `--progress` or `COMPOSE_PROGRESS`.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::io::{IsTerminal, Write};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

use crate::buildplain::Plain;
use berth_engine::progress::{Phase, Progress, Resource, Status};

use crate::buildview::{BuildView, Tone};

/// How progress is shown.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    Plain,
    Tty,
    Json,
    Quiet,
}

static MODE: OnceLock<Mode> = OnceLock::new();

static TITLE: OnceLock<&'static str> = OnceLock::new();

/// The word of the live view's header (`[+] Stopping 1/1`), Docker Compose's title of the
/// command's operation; `Running` unless set.
pub fn set_title(title: &'static str) {
    let _ = TITLE.set(title);
}

fn title() -> &'static str {
    TITLE.get().copied().unwrap_or("Running")
}

static DRY_RUN: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// From here on every event is marked `DRY-RUN MODE - `, as Docker Compose marks what a dry
/// run would have done.
pub fn set_dry_run() {
    DRY_RUN.store(true, std::sync::atomic::Ordering::Relaxed);
}

/// Whether progress is shown one line per event (`--progress plain`, or no terminal).
pub fn is_plain() -> bool {
    MODE.get() == Some(&Mode::Plain)
}

/// Chooses the mode from `--progress` (or `COMPOSE_PROGRESS`), `--ansi` and whether stderr is a
/// terminal.
///
/// # Errors
/// A value Docker Compose does not know, worded as it words it.
pub fn init(flag: Option<&str>, ansi: &str) -> Result<Mode, String> {
    let env = std::env::var(berth_loader::env_vars::COMPOSE_PROGRESS).ok();
    let value = flag.or(env.as_deref()).unwrap_or("auto");
    let terminal = crate::printer::stderr().is_terminal();
    let mode = match value {
        "auto" | "" => {
            if terminal && ansi != "never" {
                Mode::Tty
            } else {
                Mode::Plain
            }
        }
        "tty" => Mode::Tty,
        "plain" => Mode::Plain,
        "json" => Mode::Json,
        "quiet" => Mode::Quiet,
        other => return Err(format!("unsupported --progress value \"{other}\"")),
    };
    Ok(*MODE.get_or_init(|| mode))
}

/// Where progress lines go: stderr, or stdout with `COMPOSE_STATUS_STDOUT` (as Docker Compose).
fn status_out() -> Box<dyn std::io::Write> {
    static TO_STDOUT: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    let stdout = *TO_STDOUT.get_or_init(|| {
        berth_loader::env_vars::truthy(
            std::env::var(berth_loader::env_vars::COMPOSE_STATUS_STDOUT)
                .ok()
                .as_deref(),
        )
    });
    if stdout {
        Box::new(crate::printer::stdout().lock())
    } else {
        Box::new(crate::printer::stderr().lock())
    }
}

fn mode() -> Mode {
    *MODE.get().unwrap_or(&Mode::Plain)
}

/// Progress lines of the engine commands on stderr, in the process's mode.
pub struct StderrProgress;

/// No progress at all (`run -q`, `--quiet-pull`, `--quiet-build`); warnings still show.
pub struct QuietProgress;

impl Progress for QuietProgress {
    fn event(&self, _resource: Resource, _name: &str, _status: &Status) {}

    fn warning(&self, text: &str) {
        warning(text);
    }

    fn detail(&self, _id: &str, _text: &str, _details: &str, _phase: Phase) {}
}

impl Progress for StderrProgress {
    fn event(&self, resource: Resource, name: &str, status: &Status) {
        emit(
            &format!("{} {name}", resource.name()),
            "",
            &status.text(),
            status.phase(),
        );
    }

    fn warning(&self, text: &str) {
        warning(text);
    }

    fn detail(&self, id: &str, text: &str, details: &str, phase: Phase) {
        emit(id, text, details, phase);
    }

    /// A builder's output goes to standard output, as the reference prints it (`build`,
    /// and the builds of `up`, `run` and `create`).
    fn output(&self, line: &str) {
        if mode() != Mode::Quiet {
            crate::printer::out_line(line);
        }
    }

    /// BuildKit's reports: a live view on a terminal, its plain lines on standard output
    /// otherwise (as the reference prints them).
    fn build_status(&self, service: &str, status: &berth_engine::buildkit::Status) {
        match mode() {
            Mode::Quiet => return,
            Mode::Tty => {
                let mut view = lock();
                if !view.detached {
                    view.builds
                        .get_or_insert_with(|| BuildView::new(epoch_now()))
                        .update(service, status);
                    view.draw();
                    start_ticker(&mut view);
                    return;
                }
            }
            Mode::Plain | Mode::Json => {}
        }
        static PLAIN: OnceLock<Mutex<HashMap<String, Plain>>> = OnceLock::new();
        let lines = PLAIN
            .get_or_init(Mutex::default)
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .entry(service.to_string())
            .or_insert_with(|| Plain::new(service))
            .lines(status);
        for line in lines {
            crate::printer::out_line(&line);
        }
    }

    fn builds_done(&self) {
        if mode() == Mode::Tty {
            lock().end_builds(false);
        }
    }
}

/// Ctrl-C during the builds: on a terminal, the steps still running are shown `CANCELED` in
/// the view's last frame, as BuildKit shows them.
pub fn cancel_builds() {
    if mode() == Mode::Tty {
        let mut view = lock();
        view.end_builds(true);
        // The command ends here: nothing more is drawn.
        view.detached = true;
    }
}

/// Seconds since the epoch, the clock of BuildKit's reports.
fn epoch_now() -> f64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0.0, |d| d.as_secs_f64())
}

fn warning(text: &str) {
    let line = format!("WARN[0000] {text}");
    match mode() {
        Mode::Quiet => {}
        Mode::Json => {
            let json = format!(
                "{{\"tail\":true,\"text\":{}}}",
                crate::table::json_str(text)
            );
            let _ = writeln!(status_out(), "{json}");
        }
        Mode::Plain | Mode::Tty => self::line(&line),
    }
}

/// One event in Docker Compose's three parts: the resource (`Container p-web-1`, or a bare
/// service name), a word (`Pulling`, `Error`; often empty) and the status or details.
fn emit(id: &str, text: &str, status: &str, phase: Phase) {
    let marked;
    let id = if DRY_RUN.load(std::sync::atomic::Ordering::Relaxed) {
        marked = format!("DRY-RUN MODE -  {id}");
        marked.as_str()
    } else {
        id
    };
    match mode() {
        Mode::Quiet => {}
        Mode::Plain => {
            let _ = writeln!(status_out(), " {id} {text} {status}");
        }
        Mode::Json => {
            let json = crate::table::json_str;
            let mut line = format!("{{\"id\":{}", json(id));
            if !text.is_empty() {
                let _ = write!(line, ",\"text\":{}", json(text));
            }
            if !status.is_empty() {
                let _ = write!(line, ",\"status\":{}", json(status));
            }
            line.push('}');
            let _ = writeln!(status_out(), "{line}");
        }
        Mode::Tty => {
            let mut view = lock();
            if view.detached {
                drop(view);
                let _ = writeln!(status_out(), " {id} {text} {status}");
            } else {
                view.event(id, text, status, phase);
                start_ticker(&mut view);
            }
        }
    }
}

/// An error as the command's last words: `{"error":true,"message":…}` in JSON mode.
pub fn error(message: &str) {
    if mode() == Mode::Json {
        let json = format!(
            "{{\"error\":true,\"message\":{}}}",
            crate::table::json_str(message)
        );
        let _ = writeln!(status_out(), "{json}");
    } else {
        // Below the view's last frame, as the command's last words.
        detach();
        let _ = writeln!(crate::printer::stderr().lock(), "error: {message}");
    }
}

/// Ends the live view for good: draws its last frame, and later events print plain lines
/// (attached `up` prints container output below it from here on; the command ends with it).
pub fn detach() {
    if mode() == Mode::Tty {
        let mut view = lock();
        view.draw();
        view.detached = true;
    }
}

/// Prints a line that is not an event (an error, a notice) without breaking the live view.
pub fn line(text: &str) {
    if mode() == Mode::Tty {
        let mut view = lock();
        if !view.detached && view.drawn > 0 {
            view.above(text);
            return;
        }
    }
    let _ = writeln!(status_out(), "{text}");
}

/// Asks a yes/no question as Docker Compose does. At a terminal: `? QUESTION (y/N) ` and a
/// line of answer, the live view held meanwhile. Otherwise the question is printed to stdout
/// and the answer is "no".
pub fn confirm(question: &str) -> bool {
    ask(question, false)
}

/// Like [`confirm`], but a line piped to stdin answers the question too (as `publish` reads
/// its answers: `echo y | docker compose publish …`); the end of input is "no".
pub fn confirm_piped(question: &str) -> bool {
    ask(question, true)
}

fn ask(question: &str, piped: bool) -> bool {
    let stdin = std::io::stdin();
    let read_yes = || {
        let mut answer = String::new();
        stdin.read_line(&mut answer).is_ok()
            && matches!(answer.trim().to_ascii_lowercase().as_str(), "y" | "yes")
    };
    if !stdin.is_terminal() {
        let mut out = crate::printer::stdout().lock();
        let _ = write!(out, "{question}");
        let _ = out.flush();
        drop(out);
        return piped && read_yes();
    }
    let mut view = (mode() == Mode::Tty).then(lock);
    if let Some(v) = view.as_mut().filter(|v| !v.detached && v.drawn > 0) {
        v.clear();
    }
    {
        let mut out = crate::printer::stdout().lock();
        let _ = write!(out, "? {question} (y/N) ");
        let _ = out.flush();
    }
    let yes = read_yes();
    if let Some(v) = view.as_mut() {
        v.draw();
    }
    yes
}

fn lock() -> std::sync::MutexGuard<'static, View> {
    static VIEW: OnceLock<Mutex<View>> = OnceLock::new();
    VIEW.get_or_init(|| Mutex::new(View::default()))
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Redraws every 100 ms while something is in progress, so spinners turn and timers run.
fn start_ticker(view: &mut View) {
    if view.ticking {
        return;
    }
    view.ticking = true;
    let _ = std::thread::Builder::new()
        .name("progress".into())
        .spawn(|| loop {
            std::thread::sleep(Duration::from_millis(100));
            let mut view = lock();
            if view.detached {
                break;
            }
            let building = view.builds.as_ref().is_some_and(BuildView::running);
            if building || view.lines.iter().any(|l| l.state == Phase::Working) {
                view.draw();
            }
        });
}

struct Line {
    id: String,
    /// Docker Compose's three parts: the resource, a word (often empty), the status.
    text: String,
    status: String,
    state: Phase,
    start: Instant,
    end: Option<Instant>,
    spin: usize,
}

#[derive(Default)]
struct View {
    lines: Vec<Line>,
    /// Terminal lines of the last frame (header included); 0 before the first.
    drawn: usize,
    /// Event lines of the last frame (Docker Compose colours the header by it).
    last_count: usize,
    detached: bool,
    ticking: bool,
    /// BuildKit's view while builds run: drawn instead of the resources' until they end.
    builds: Option<BuildView>,
}

const SPINNER: [&str; 10] = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"];
const GREEN: &str = "\x1b[32m";
const YELLOW: &str = "\x1b[33m";
const BLUE: &str = "\x1b[34m";
const RED: &str = "\x1b[31m";
const RESET: &str = "\x1b[0m";
const FAINT: &str = "\x1b[2m";

impl View {
    fn event(&mut self, id: &str, text: &str, status: &str, state: Phase) {
        let now = Instant::now();
        match self.lines.iter_mut().find(|l| l.id == id) {
            Some(l) => {
                l.text = text.to_string();
                l.status = status.to_string();
                l.state = state;
                l.end = (state != Phase::Working).then_some(now);
            }
            None => self.lines.push(Line {
                id: id.to_string(),
                text: text.to_string(),
                status: status.to_string(),
                state,
                start: now,
                end: (state != Phase::Working).then_some(now),
                spin: 0,
            }),
        }
        self.draw();
    }

    /// Prints `text` where the view was, and the view again below it.
    fn above(&mut self, text: &str) {
        self.clear();
        let _ = writeln!(crate::printer::stderr().lock(), "{text}");
        if !self.lines.is_empty() {
            self.draw();
        }
    }

    /// Erases the last frame; the next one is drawn where it was.
    fn clear(&mut self) {
        let mut out = String::new();
        for _ in 0..self.drawn {
            out.push_str("\x1b[1A");
        }
        out.push_str("\x1b[0G\x1b[J");
        let _ = crate::printer::stderr().lock().write_all(out.as_bytes());
        self.drawn = 0;
    }

    fn draw(&mut self) {
        if self.detached {
            return;
        }
        if let Some(b) = &self.builds {
            let out = build_frame(&mut self.drawn, b, false);
            let _ = crate::printer::stderr().lock().write_all(out.as_bytes());
            return;
        }
        if self.lines.is_empty() {
            return;
        }
        let out = self.frame(width(), Instant::now());
        let _ = crate::printer::stderr().lock().write_all(out.as_bytes());
    }

    /// Draws the builds' last frame (their running steps `CANCELED` first, on Ctrl-C) and
    /// leaves it on the screen; the resources' view goes on below it.
    fn end_builds(&mut self, canceled: bool) {
        let Some(mut b) = self.builds.take() else {
            return;
        };
        if canceled {
            b.cancel(epoch_now());
        }
        if !self.detached {
            let out = build_frame(&mut self.drawn, &b, true);
            let _ = crate::printer::stderr().lock().write_all(out.as_bytes());
            self.drawn = 0;
        }
    }

    /// The next frame: back up over the last one, then the header and a line per resource,
    /// each `width` columns wide with its timer at the right edge.
    fn frame(&mut self, width: usize, now: Instant) -> String {
        let mut out = String::new();
        if self.drawn == 0 {
            out.push_str("\x1b[1A\x1b[1B");
        } else {
            for _ in 0..self.drawn {
                out.push_str("\x1b[1A");
            }
        }
        out.push_str("\x1b[0G\x1b[?25l");
        let done = self
            .lines
            .iter()
            .filter(|l| l.state != Phase::Working)
            .count();
        let header = format!("[+] {} {done}/{}", title(), self.lines.len());
        if self.last_count != 0 && done == self.last_count {
            let _ = writeln!(out, "{BLUE}{header}{RESET}");
        } else {
            let _ = writeln!(out, "{header}");
        }
        // Docker Compose's columns: `ID TEXT` padded to the longest, then the status (cut
        // with `...` where it would not fit), then the timer at the right edge.
        let pads = self
            .lines
            .iter()
            .map(|l| l.id.chars().count() + 1 + l.text.chars().count())
            .max()
            .unwrap_or(0);
        for l in &mut self.lines {
            let (icon, color) = match l.state {
                Phase::Working => {
                    l.spin = (l.spin + 1) % SPINNER.len();
                    (SPINNER[l.spin], YELLOW)
                }
                Phase::Done => ("✔", GREEN),
                Phase::Failed => ("✘", RED),
            };
            let elapsed = l.end.unwrap_or(now).duration_since(l.start);
            let timer = format!("{:.1}s ", elapsed.as_secs_f64());
            let txt = format!("{} {}", l.id, l.text);
            let txt_len = txt.chars().count();
            let room = width.saturating_sub(txt_len + pads + 15);
            let status: String = if room > 0 && l.status.chars().count() > room {
                format!("{}...", l.status.chars().take(room).collect::<String>())
            } else {
                l.status.clone()
            };
            let status_colored = if l.state == Phase::Working {
                status.clone()
            } else {
                format!("{color}{status}{RESET}")
            };
            // Visible width: " ✔ " + txt + pad + " " + status, then the timer at the right.
            let pad = pads - txt_len;
            let text_len = 3 + txt_len + pad + 1 + status.chars().count();
            let gap = width.saturating_sub(text_len + timer.len());
            let _ = writeln!(
                out,
                " {color}{icon}{RESET} {txt}{} {status_colored}{}{BLUE}{timer}{RESET}",
                " ".repeat(pad),
                " ".repeat(gap)
            );
        }
        out.push_str("\x1b[?25h");
        self.drawn = self.lines.len() + 1;
        self.last_count = self.lines.len();
        out
    }
}

/// A frame of the builds' view, over the last frame drawn.
fn build_frame(drawn: &mut usize, b: &BuildView, last: bool) -> String {
    let mut out = String::new();
    for _ in 0..*drawn {
        out.push_str("\x1b[1A");
    }
    out.push_str("\x1b[0G\x1b[?25l");
    let (width, height) = size();
    let lines = b.frame(width, height, epoch_now(), last);
    for (tone, text) in &lines {
        let color = match tone {
            Tone::Header | Tone::Running => "",
            Tone::Done => BLUE,
            Tone::Error => RED,
            Tone::Canceled => YELLOW,
            Tone::Output => FAINT,
        };
        if color.is_empty() {
            let _ = writeln!(out, "{text}\x1b[K");
        } else {
            let _ = writeln!(out, "{color}{text}{RESET}\x1b[K");
        }
    }
    out.push_str("\x1b[J\x1b[?25h");
    *drawn = lines.len();
    out
}

fn width() -> usize {
    size().0
}

/// The terminal's columns and rows (80 by 24 when it does not say).
fn size() -> (usize, usize) {
    let w = rustix::termios::tcgetwinsize(crate::printer::stderr()).ok();
    (
        w.map(|w| usize::from(w.ws_col))
            .filter(|&c| c > 0)
            .unwrap_or(80),
        w.map(|w| usize::from(w.ws_row))
            .filter(|&r| r > 0)
            .unwrap_or(24),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strip(s: &str) -> String {
        let mut out = String::new();
        let mut esc = false;
        for c in s.chars() {
            match (esc, c) {
                (false, '\x1b') => esc = true,
                (true, c) if c.is_ascii_alphabetic() => esc = false,
                (true, _) => {}
                (false, c) => out.push(c),
            }
        }
        out
    }

    #[test]
    fn a_frame_pads_every_line_to_the_terminal_width() {
        let t = Instant::now();
        let mut v = View::default();
        v.lines.push(Line {
            id: "Network p_default".into(),
            text: String::new(),
            status: "Created".into(),
            state: Phase::Done,
            start: t,
            end: Some(t + Duration::from_millis(200)),
            spin: 0,
        });
        v.lines.push(Line {
            id: "Container p-a-1".into(),
            text: String::new(),
            status: "Starting".into(),
            state: Phase::Working,
            start: t,
            end: None,
            spin: 0,
        });
        let first = v.frame(80, t + Duration::from_millis(1100));
        assert!(first.starts_with("\x1b[1A\x1b[1B\x1b[0G\x1b[?25l[+] Running 1/2\n"));
        let lines: Vec<String> = strip(&first).lines().map(str::to_string).collect();
        assert_eq!(lines[0], "[+] Running 1/2");
        assert_eq!(
            lines[1],
            format!(
                " ✔ Network p_default  Created{}0.2s ",
                " ".repeat(80 - 29 - 5)
            )
        );
        assert_eq!(
            lines[2],
            format!(
                " ⠙ Container p-a-1    Starting{}1.1s ",
                " ".repeat(80 - 30 - 5)
            )
        );
        assert!(lines[1..].iter().all(|l| l.chars().count() == 80));
        // The next frame backs up over the three lines drawn.
        let second = v.frame(80, t + Duration::from_millis(1200));
        assert!(second.starts_with("\x1b[1A\x1b[1A\x1b[1A\x1b[0G"));
    }

    #[test]
    fn a_long_status_is_cut_to_fit_and_a_word_keeps_one_space() {
        let t = Instant::now();
        let mut v = View::default();
        v.lines.push(Line {
            id: "web".into(),
            text: "Error".into(),
            status: "Get \"https://registry-1.docker.io/v2/\": dial tcp: lookup registry-1.docker.io on 10.255.255.53:53: no such host".into(),
            state: Phase::Failed,
            start: t,
            end: Some(t),
            spin: 0,
        });
        let frame = strip(&v.frame(100, t));
        let line = frame.lines().nth(1).expect("a line");
        // The reference's line on a terminal 100 columns wide.
        assert_eq!(
            line,
            format!(
                " ✘ web Error Get \"https://registry-1.docker.io/v2/\": dial tcp: lookup registry-1...{}0.0s ",
                " ".repeat(12)
            )
        );
        assert_eq!(line.chars().count(), 100);
    }
}
