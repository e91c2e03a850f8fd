//! What the engine layer reports as it works, for the CLI to show: the progress of each
//! resource, the builders' and hooks' output, BuildKit's build steps, and the questions it
//! asks. The engine layer never prints; a [`Progress`] decides how each report is shown.
//! Reports are data: a resource's [`Status`] says whether it is under way, done or failed,
//! so no printer has to sort words back into states.

use std::borrow::Cow;

use crate::buildkit;

/// What an event is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Resource {
    Container,
    Network,
    Volume,
    Service,
    Image,
    Secret,
    Config,
}

impl Resource {
    /// The word Docker Compose shows before the resource's name.
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Resource::Container => "Container",
            Resource::Network => "Network",
            Resource::Volume => "Volume",
            Resource::Service => "Service",
            Resource::Image => "Image",
            Resource::Secret => "Secret",
            Resource::Config => "Config",
        }
    }
}

/// Whether a report says the work goes on, is over, or failed: what a live view shows with
/// a spinner, a tick or a cross.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Phase {
    Working,
    Done,
    Failed,
}

/// Where a resource stands, in Docker Compose's words.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Status {
    Creating,
    Created,
    Starting,
    Started,
    Stopping,
    Stopped,
    Removing,
    Removed,
    Restarting,
    Killing,
    Killed,
    Paused,
    Unpaused,
    Waiting,
    Running,
    Healthy,
    Exited,
    /// Being replaced (`Recreate`), and replaced (`Recreated`).
    Recreate,
    Recreated,
    /// A Swarm service's spec being changed, and changed.
    Updating,
    Updated,
    Building,
    Built,
    /// An optional dependency that failed, and why: the dependent is not started.
    Skipped(String),
    /// Failed, in these words (`Error`, `Error while Stopping`, the engine's message).
    Failed(String),
}

impl Status {
    /// The words shown.
    #[must_use]
    pub fn text(&self) -> Cow<'_, str> {
        let word = match self {
            Status::Creating => "Creating",
            Status::Created => "Created",
            Status::Starting => "Starting",
            Status::Started => "Started",
            Status::Stopping => "Stopping",
            Status::Stopped => "Stopped",
            Status::Removing => "Removing",
            Status::Removed => "Removed",
            Status::Restarting => "Restarting",
            Status::Killing => "Killing",
            Status::Killed => "Killed",
            Status::Paused => "Paused",
            Status::Unpaused => "Unpaused",
            Status::Waiting => "Waiting",
            Status::Running => "Running",
            Status::Healthy => "Healthy",
            Status::Exited => "Exited",
            Status::Recreate => "Recreate",
            Status::Recreated => "Recreated",
            Status::Updating => "Updating",
            Status::Updated => "Updated",
            Status::Building => "Building",
            Status::Built => "Built",
            Status::Skipped(why) => return Cow::Owned(format!("Skipped: {why}")),
            Status::Failed(text) => return Cow::Borrowed(text),
        };
        Cow::Borrowed(word)
    }

    #[must_use]
    pub fn phase(&self) -> Phase {
        match self {
            Status::Creating
            | Status::Starting
            | Status::Stopping
            | Status::Removing
            | Status::Restarting
            | Status::Killing
            | Status::Waiting
            | Status::Recreate
            | Status::Updating
            | Status::Building => Phase::Working,
            Status::Created
            | Status::Started
            | Status::Stopped
            | Status::Removed
            | Status::Killed
            | Status::Paused
            | Status::Unpaused
            | Status::Running
            | Status::Healthy
            | Status::Exited
            | Status::Recreated
            | Status::Updated
            | Status::Built => Phase::Done,
            Status::Skipped(_) | Status::Failed(_) => Phase::Failed,
        }
    }
}

/// Progress of one resource, as Docker Compose reports it (`Container p-web-1  Started`).
pub trait Progress: Send + Sync {
    fn event(&self, resource: Resource, name: &str, status: &Status);

    /// A warning (`WARN[0000] a network with name … exists but was not created by compose`).
    fn warning(&self, text: &str);

    /// An event in Docker Compose's three parts where the resource is a bare name: a word and
    /// its details (` web Pulling `, ` web Error <why>`), and where the work stands. No
    /// default: passed to [`event`] it would be drawn as a kind and a name (` web   Creating`),
    /// so every progress, wrappers included, says how it shows one.
    ///
    /// [`event`]: Progress::event
    fn detail(&self, id: &str, text: &str, details: &str, phase: Phase);

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_say_their_words_and_where_the_work_stands() {
        assert_eq!(Status::Creating.text(), "Creating");
        assert_eq!(Status::Creating.phase(), Phase::Working);
        assert_eq!(Status::Healthy.phase(), Phase::Done);
        let skipped = Status::Skipped("optional dependency \"db\" failed".into());
        assert_eq!(skipped.text(), "Skipped: optional dependency \"db\" failed");
        assert_eq!(skipped.phase(), Phase::Failed);
        let failed = Status::Failed("Error while Stopping".into());
        assert_eq!(failed.text(), "Error while Stopping");
        assert_eq!(failed.phase(), Phase::Failed);
    }
}
