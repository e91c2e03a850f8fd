//! The Compose loader: files, environment and flags to a [`berth_model::Project`].
pub mod canonical;
pub mod dotenv;
pub mod merge;
pub mod template;
pub mod yaml;
