//! What the engine layer reports as it works, for the CLI to show: the progress of each
//! resource, the builders' and hooks' output, BuildKit's build steps, and the questions it
//! asks. The engine layer never prints; a [`Progress`] decides how each report is shown.

use crate::buildkit;

/// Progress of one resource, as Docker Compose reports it (`Container p-web-1  Started`).
pub trait Progress: Send + Sync {
    fn event(&self, kind: &str, name: &str, status: &str);

    /// An event in Docker Compose's three parts where the resource is a bare name: a word and
    /// its details (` web Pulling `, ` web Error <why>`). No default: passed to [`event`] it
    /// would be drawn as a kind and a name (` web   Creating`), so every progress, wrappers
    /// included, says how it shows one.
    ///
    /// [`event`]: Progress::event
    fn detail(&self, id: &str, text: &str, details: &str);

    /// A line of a builder's or a puller's own output (the CLI decides where it goes).
    fn output(&self, _line: &str) {}

    /// A line written by a lifecycle hook run in `container` (attached `up` shows it as
    /// `web-1 ->  | line`; elsewhere it is not shown, as in Docker Compose).
    fn hook_output(&self, _container: &str, _line: &str) {}

    /// What BuildKit reported of the build of `service`: its steps, their statuses and their
    /// output. Shown as BuildKit's plain lines, or in a live view on a terminal.
    fn build_status(&self, _service: &str, _status: &buildkit::Status) {}

    /// Every build of this run is over (or was given up): a live view of the builds draws
    /// its last frame, and what follows is shown below it.
    fn builds_done(&self) {}

    /// Asks the user a yes/no question (`Volume "x" exists but doesn't match ...`). Nobody
    /// to ask means "no".
    fn confirm(&self, _question: &str) -> bool {
        false
    }
}
