//! The planner: the project's spec plus what the engine already has → what `up` must do.
//! Pure, so every decision is tested without an engine: the containers of each service
//! (keep, recreate, scale up and down, orphans) in [`containers`], the networks and volumes in
//! [`resources`].

mod containers;
mod resources;

pub use containers::*;
pub use resources::*;
