//! ## What it does
//! Finds Redis (and Valkey, KeyDB) services started without a password: no `--requirepass`
//! in the command and no password variable in the environment.
//!
//! ## Why
//! Redis without auth accepts every command from anyone who can reach it, including
//! `CONFIG SET` and `FLUSHALL`; on a shared network, that is every other container.
//!
//! ## Example
//! ```yaml
//! services:
//!   redis: {image: redis:7-alpine}
//! ```
//!
//! ## Use instead
//! ```yaml
//! services:
//!   redis:
//!     image: redis:7-alpine
//!     command: ["redis-server", "--requirepass", "${REDIS_PASSWORD:?set REDIS_PASSWORD}"]
//! ```

use berth_model::Diagnostic;

use crate::facts::{command_line, environment, image_base};
use crate::{Context, Sink};

pub fn check(cx: &Context, out: &mut Sink) {
    for s in cx.project.services() {
        let Some(image) = s.image_at() else {
            continue;
        };
        let base = image_base(image.value);
        if !matches!(base.as_str(), "redis" | "valkey" | "keydb" | "redis-stack") {
            continue;
        }
        let command = command_line(&s, "command").map(|c| c.0).unwrap_or_default();
        let has_password_var = environment(&s).iter().any(|(k, v, _)| {
            let value = v.clone().unwrap_or_default();
            !value.is_empty()
                && (k.contains("PASSWORD")
                    || (k.ends_with("_ARGS") && value.contains("requirepass")))
        });
        if command.contains("requirepass") || command.contains(".conf") || has_password_var {
            continue;
        }
        out.report(
            Some(s.name),
            Diagnostic::warning(format!("`{}` runs {base} without a password", s.name))
                .with_label(image.span, "no --requirepass in its command"),
        );
    }
}
