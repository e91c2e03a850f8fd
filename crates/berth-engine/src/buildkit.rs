//! BuildKit's progress, as the engine streams it during a build (`moby.buildkit.trace`): turned
//! into Berth's own typed [`Status`] (steps, their statuses, their output, with times in
//! seconds) for the CLI to render, as BuildKit's plain lines or its live view.

use bollard::moby::buildkit::v1::StatusResponse;

/// Seconds since the epoch of a protobuf timestamp.
fn seconds(t: &bollard_buildkit_proto::google::protobuf::Timestamp) -> f64 {
    t.seconds as f64 + f64::from(t.nanos) / 1e9
}

/// One step of a build: a vertex of BuildKit's graph. Times are seconds since the epoch, on
/// the engine's clock.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Step {
    pub digest: String,
    /// As BuildKit names it: `[2/3] RUN make`, `[internal] load .dockerignore`.
    pub name: String,
    pub started: Option<f64>,
    pub completed: Option<f64>,
    pub cached: bool,
    /// Why it failed; BuildKit's `context canceled` when the build was given up.
    pub error: String,
}

/// A piece of work within a step (`transferring context: 2B`, `exporting layers`).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct StepStatus {
    /// The digest of its step.
    pub step: String,
    pub id: String,
    pub current: i64,
    pub total: i64,
    pub started: Option<f64>,
    pub completed: Option<f64>,
}

/// Output of a step (what a `RUN` wrote).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct StepLog {
    pub step: String,
    pub at: Option<f64>,
    pub text: Vec<u8>,
}

/// One report of BuildKit on a build: the steps that changed, their statuses and output.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Status {
    pub steps: Vec<Step>,
    pub statuses: Vec<StepStatus>,
    pub logs: Vec<StepLog>,
}

impl From<&StatusResponse> for Status {
    fn from(r: &StatusResponse) -> Status {
        Status {
            steps: r
                .vertexes
                .iter()
                .map(|v| Step {
                    digest: v.digest.clone(),
                    name: v.name.clone(),
                    started: v.started.as_ref().map(seconds),
                    completed: v.completed.as_ref().map(seconds),
                    cached: v.cached,
                    error: v.error.clone(),
                })
                .collect(),
            statuses: r
                .statuses
                .iter()
                .map(|s| StepStatus {
                    step: s.vertex.clone(),
                    id: s.id.clone(),
                    current: s.current,
                    total: s.total,
                    started: s.started.as_ref().map(seconds),
                    completed: s.completed.as_ref().map(seconds),
                })
                .collect(),
            logs: r
                .logs
                .iter()
                .map(|l| StepLog {
                    step: l.vertex.clone(),
                    at: l.timestamp.as_ref().map(seconds),
                    text: l.msg.clone(),
                })
                .collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use bollard::moby::buildkit::v1::{Vertex, VertexLog, VertexStatus};
    use bollard_buildkit_proto::google::protobuf::Timestamp;

    #[test]
    fn a_report_becomes_steps_statuses_and_output_with_seconds() {
        let at = |seconds, nanos| Some(Timestamp { seconds, nanos });
        let r = StatusResponse {
            vertexes: vec![Vertex {
                digest: "d".into(),
                name: "[2/2] RUN exit 3".into(),
                started: at(1, 0),
                completed: at(2, 500_000_000),
                error: "exit code: 3".into(),
                ..Vertex::default()
            }],
            statuses: vec![VertexStatus {
                id: "transferring context".into(),
                vertex: "d".into(),
                current: 34,
                total: 100,
                ..VertexStatus::default()
            }],
            logs: vec![VertexLog {
                vertex: "d".into(),
                timestamp: at(1, 250_000_000),
                stream: 1,
                msg: b"hi\n".to_vec(),
            }],
            ..StatusResponse::default()
        };
        let s = Status::from(&r);
        assert_eq!(s.steps[0].name, "[2/2] RUN exit 3");
        assert_eq!(s.steps[0].started, Some(1.0));
        assert_eq!(s.steps[0].completed, Some(2.5));
        assert_eq!(s.steps[0].error, "exit code: 3");
        assert_eq!((s.statuses[0].current, s.statuses[0].total), (34, 100));
        assert_eq!(s.logs[0].at, Some(1.25));
        assert_eq!(s.logs[0].text, b"hi\n");
    }
}
