//! The Compose model shared by every stage of Berth.
//!
//! The loader produces a [`Project`]: a canonical value tree in which every value carries the
//! [`Span`] of the source text that set it, plus the [`SourceMap`] holding those sources. Later
//! stages (emit, engine, audit, docs) read the project through the typed views in [`project`]
//! and never re-read files.

pub mod attachment;
pub mod build;
pub mod dependency;
pub mod depgraph;
pub mod deploy;
pub mod develop;
pub mod diag;
pub mod duration;
mod entries;
pub mod health;
pub mod lifecycle;
pub mod markup;
pub mod mount;
pub mod parallel;
pub mod ports;
pub mod project;
pub mod read;
pub mod redact;
pub mod resources;
pub mod routes;
pub mod scalar;
pub mod secrets;
pub mod settings;
pub mod source;
pub mod value;

pub use diag::{Diagnostic, Severity};
pub use project::{Layer, Project, Service};
pub use source::{FileId, SourceFile, SourceMap, Span};
pub use value::{natural_cmp, Key, Kind, Map, MapKind, Value};
