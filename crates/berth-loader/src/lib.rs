//! The Compose loader: files, environment and flags to a [`berth_model::Project`].
pub mod yaml;
