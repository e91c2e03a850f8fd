//! `berth dashboard`: a live local page of the running project. [`status`] reads what the
//! engine holds for the project against what its compose files ask (pure); [`page`] renders
//! it as one self-contained HTML page, the services view of `berth graph` coloured by each
//! service's state (pure, every text escaped); [`server`] serves the page, a JSON API and an
//! event stream fed by the engine's events.

pub mod page;
pub mod server;
pub mod status;
