//! `stack logs`: the output of a stack's services, from every node, as the swarm gathers it
//! (the Engine API's service logs, which bollard 0.19 does not have). Each line names its task
//! as `docker service logs` does (`SERVICE.SLOT.TASK@NODE`); the services' streams are read
//! together, and followed with `-f`.

use std::collections::HashMap;

use berth_engine::{Engine, EngineError};
use futures_util::future::join_all;

use crate::deploy::{ensure_manager, stack_services};

/// A line of a task's output.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Line {
    /// `SERVICE.SLOT.TASK@NODE` (the task ID cut to 12 characters).
    pub task: String,
    /// Written on the task's standard error.
    pub stderr: bool,
    /// The line, without its end.
    pub text: String,
}

/// What `logs` reads.
#[derive(Clone, Debug, Default)]
pub struct Options {
    /// Keep reading as the tasks write.
    pub follow: bool,
    /// Only the last N lines of each task.
    pub tail: Option<String>,
    /// Each line prefixed with its time.
    pub timestamps: bool,
}

/// Reads the logs of stack `stack` (of its services `only`, by name in the compose file or
/// on the swarm, when given) and hands each line to `sink`.
///
/// # Errors
/// The engine is no swarm manager, a named service is not in the stack, or the engine fails.
pub async fn logs(
    engine: &Engine,
    stack: &str,
    only: &[String],
    opts: &Options,
    sink: &(dyn Fn(Line) + Sync),
) -> Result<(), EngineError> {
    ensure_manager(engine).await?;
    let services = stack_services(engine, stack).await?;
    let mut chosen: Vec<(String, String)> = services
        .iter()
        .filter_map(|s| Some((s.spec.as_ref()?.name.clone()?, s.id.clone()?)))
        .filter(|(name, _)| {
            only.is_empty()
                || only
                    .iter()
                    .any(|o| o == name || crate::swarm::scope(stack, o) == *name)
        })
        .collect();
    chosen.sort();
    for o in only {
        if !chosen
            .iter()
            .any(|(n, _)| n == o || *n == crate::swarm::scope(stack, o))
        {
            return Err(EngineError::Other(format!(
                "no such service in stack {stack}: {o}"
            )));
        }
    }
    let nodes = crate::deploy::node_names(engine).await?;
    let slots: HashMap<String, i64> = crate::deploy::tasks(engine, stack)
        .await?
        .into_iter()
        .filter_map(|t| Some((t.id?, t.slot.unwrap_or(0))))
        .collect();
    let reads = chosen
        .iter()
        .map(|(name, id)| one_service(engine, name, id, opts, &nodes, &slots, sink));
    for r in join_all(reads).await {
        r?;
    }
    Ok(())
}

async fn one_service(
    engine: &Engine,
    name: &str,
    id: &str,
    opts: &Options,
    nodes: &HashMap<String, String>,
    slots: &HashMap<String, i64>,
    sink: &(dyn Fn(Line) + Sync),
) -> Result<(), EngineError> {
    let mut query = vec![
        ("stdout", "1".to_string()),
        ("stderr", "1".to_string()),
        ("details", "1".to_string()),
        ("follow", u8::from(opts.follow).to_string()),
        ("timestamps", u8::from(opts.timestamps).to_string()),
    ];
    if let Some(t) = &opts.tail {
        query.push(("tail", t.clone()));
    }
    let query = query
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("&");
    let mut body =
        berth_engine::raw::get_stream(engine, &format!("/services/{id}/logs?{query}")).await?;
    let mut frames = Frames::default();
    while let Some(chunk) = body.next().await {
        frames.buffer.extend_from_slice(&chunk?);
        while let Some((stderr, payload)) = frames.next() {
            for line in String::from_utf8_lossy(&payload).lines() {
                sink(parse(name, stderr, line, nodes, slots));
            }
        }
    }
    Ok(())
}

/// The Engine API's multiplexed stream: frames of an 8-byte header (the stream, three zero
/// bytes, the length as a big-endian u32) and the payload.
#[derive(Default)]
struct Frames {
    buffer: Vec<u8>,
}

impl Frames {
    /// The next whole frame: whether it is standard error, and its payload.
    fn next(&mut self) -> Option<(bool, Vec<u8>)> {
        let header = self.buffer.get(..8)?;
        let len = u32::from_be_bytes([header[4], header[5], header[6], header[7]]) as usize;
        let stderr = header[0] == 2;
        let payload = self.buffer.get(8..8 + len)?.to_vec();
        self.buffer.drain(..8 + len);
        Some((stderr, payload))
    }
}

/// A line with its details (`com.docker.swarm.node.id=…,com.docker.swarm.service.id=…,
/// com.docker.swarm.task.id=… TEXT`, after the time when asked) named by its task.
fn parse(
    service: &str,
    stderr: bool,
    line: &str,
    nodes: &HashMap<String, String>,
    slots: &HashMap<String, i64>,
) -> Line {
    // With timestamps, the time comes first, then the details.
    let (time, rest) = match line.split_once(' ') {
        Some((t, rest)) if !t.contains('=') => (Some(t), rest),
        _ => (None, line),
    };
    let (details, text) = rest.split_once(' ').unwrap_or((rest, ""));
    let detail = |key: &str| {
        details
            .split(',')
            .find_map(|kv| kv.strip_prefix(key)?.strip_prefix('='))
            .unwrap_or_default()
    };
    let task = detail("com.docker.swarm.task.id");
    let node = detail("com.docker.swarm.node.id");
    let node = nodes.get(node).map_or(node, String::as_str);
    let slot = slots.get(task).copied().unwrap_or(0);
    let short: String = task.chars().take(12).collect();
    let prefix = if slot > 0 {
        format!("{service}.{slot}.{short}@{node}")
    } else {
        format!("{service}.{short}@{node}")
    };
    Line {
        task: prefix,
        stderr,
        text: time.map_or_else(|| text.to_string(), |t| format!("{t} {text}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_are_cut_where_their_headers_say() {
        let mut f = Frames::default();
        f.buffer
            .extend_from_slice(&[1, 0, 0, 0, 0, 0, 0, 3, b'a', b'b', b'\n', 2, 0]);
        assert_eq!(f.next(), Some((false, b"ab\n".to_vec())));
        assert_eq!(f.next(), None);
        f.buffer.extend_from_slice(&[0, 0, 0, 0, 0, 1, b'x']);
        assert_eq!(f.next(), Some((true, b"x".to_vec())));
    }

    #[test]
    fn a_line_is_named_by_its_task_slot_and_node() {
        let nodes = HashMap::from([("n1".to_string(), "vm".to_string())]);
        let slots = HashMap::from([("abcdefghijklmnop".to_string(), 2)]);
        let line = parse(
            "st_web",
            false,
            "com.docker.swarm.node.id=n1,com.docker.swarm.service.id=s,com.docker.swarm.task.id=abcdefghijklmnop hello world",
            &nodes,
            &slots,
        );
        assert_eq!(line.task, "st_web.2.abcdefghijkl@vm");
        assert_eq!(line.text, "hello world");
    }
}
