//! ## What it does
//! Finds suppressions that suppress nothing: an `[[audit.suppress]]` table of `berth.toml`, a
//! `berth: ignore[...]` comment or an `x-berth.ignore` entry that no finding of any pattern
//! matches, and suppressions written without a reason or without a rule (which suppress
//! nothing).
//!
//! ## Why
//! A suppression outlives the problem it covered: the service was fixed or renamed, the rule
//! no longer fires. Left in place, it would silently hide the next real finding of that rule
//! there. A reason is what tells the next reader whether the exception still holds.
//!
//! ## Example
//! ```yaml
//! services:
//!   web:
//!     image: nginx:1.27  # berth: ignore[B706] needs raw sockets
//! ```
//!
//! ## Use instead
//! Delete the suppression; or give it the reason the finding is accepted:
//! `# berth: ignore[B706] the capture tool needs raw sockets`.

use berth_model::Diagnostic;

use crate::suppress::{Origin, Suppression};
use crate::{Context, Sink};

/// Nothing to check rule by rule: the audit reports unused suppressions once every pattern
/// has run ([`crate::run::report_unused`]), through [`finding`].
pub fn check(_cx: &Context, _out: &mut Sink) {}

/// The finding about suppression `s`, unused in every pattern.
pub(crate) fn finding(s: &Suppression) -> Diagnostic {
    let what = match s.origin {
        Origin::Config => format!("`[[audit.suppress]]` of {}", crate::config::FILE_NAME),
        Origin::Comment => "`# berth: ignore` comment".to_string(),
        Origin::Extension => "`x-berth.ignore` entry".to_string(),
    };
    let rules = s.rules.join(", ");
    if s.rules.is_empty() {
        Diagnostic::warning(format!("{what} names no rule, so it suppresses nothing"))
            .with_label(s.span, "write `# berth: ignore[B201] reason`")
    } else if s.reason.is_none() {
        Diagnostic::warning(format!(
            "{what} for {rules} has no reason, so it suppresses nothing"
        ))
        .with_label(s.span, "say why the finding is accepted")
    } else {
        Diagnostic::warning(format!("{what} for {rules} suppresses nothing"))
            .with_label(s.span, "no finding matches it")
    }
}
