//! `berth graph` and `berth docs`: the seeds' hand-drawn architecture diagrams and documents,
//! generated from the loaded project so that they never go stale.
//!
//! [`graph`] turns the project into a [`graph::Graph`] for one view (services, networks,
//! dependencies, ports); [`mermaid`] and [`dot`] write it out, [`svg`] lays it out and draws
//! it, [`png`] rasterizes that drawing. [`document`] builds the architecture document, written
//! as Markdown or, by [`html`], as one HTML page. Every fact comes from the merged project and
//! the facts the audit already reads (`berth_audit::facts`): references between services,
//! networks, published ports, roles.

pub mod document;
pub mod dot;
pub mod graph;
pub mod html;
pub mod mermaid;
pub mod png;
pub mod svg;

pub use graph::{build, Graph, View};
