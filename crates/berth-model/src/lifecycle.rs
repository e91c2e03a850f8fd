//! Lifecycle hooks: a service's `post_start` and `pre_stop` commands, as the engine runs them.

use crate::value::Value;

/// One `post_start` or `pre_stop` entry.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Hook {
    pub command: Vec<String>,
    pub user: Option<String>,
    pub privileged: bool,
    pub working_dir: Option<String>,
    /// `KEY=VALUE`, or `KEY` alone for a variable declared without a value.
    pub environment: Vec<String>,
}

impl Hook {
    /// The hooks of a loaded service's `post_start` or `pre_stop` (`v`), in their order.
    #[must_use]
    pub fn list(v: Option<&Value>) -> Vec<Hook> {
        v.and_then(Value::as_seq)
            .unwrap_or(&[])
            .iter()
            .map(|h| {
                let text = |key: &str| h.get(key).and_then(Value::scalar_to_string);
                let command = match h.get("command") {
                    Some(c) => match c.as_seq() {
                        Some(items) => items.iter().filter_map(Value::scalar_to_string).collect(),
                        // The loader has already split a command string into its words.
                        None => c.scalar_to_string().into_iter().collect(),
                    },
                    None => Vec::new(),
                };
                let environment = match h.get("environment") {
                    Some(e) => match (e.as_map(), e.as_seq()) {
                        (Some(m), _) => m
                            .iter()
                            // A variable declared without a value is passed as `KEY` alone,
                            // as `ToMobyEnv` does.
                            .map(|(k, v)| match v.scalar_to_string() {
                                Some(v) => format!("{}={v}", k.name),
                                None => k.name.clone(),
                            })
                            .collect(),
                        (None, Some(items)) => {
                            items.iter().filter_map(Value::scalar_to_string).collect()
                        }
                        _ => Vec::new(),
                    },
                    None => Vec::new(),
                };
                Hook {
                    command,
                    user: text("user"),
                    privileged: h.get("privileged").and_then(Value::as_bool) == Some(true),
                    working_dir: text("working_dir"),
                    environment,
                }
            })
            .collect()
    }
}
