//! The Compose loader: files, environment and flags to a [`berth_model::Project`].
pub mod canonical;
pub mod decode;
pub mod dotenv;
pub mod merge;
pub mod read;
pub mod template;
pub mod units;
pub mod yaml;

/// go-yaml's natural key order (`keyList.Less`): digit runs compare numerically, and at the
/// first difference a non-letter sorts before a letter unless it follows a digit.
#[must_use]
pub fn natural_cmp(a: &str, b: &str) -> std::cmp::Ordering {
    berth_model::natural_cmp(a, b)
}
pub mod consistency;
pub mod env_vars;
pub mod environment;
pub mod extends;
pub mod include;
pub mod load;
pub mod normalize;
pub mod paths;
