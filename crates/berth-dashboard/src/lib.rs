//! `berth dashboard`: a live local page of the running project. [`status`] reads what the
//! engine holds for the project against what its compose files ask (pure); [`findings`] holds
//! the audit's findings for it; [`page`] renders it all as one self-contained HTML page, the
//! services, networks and startup-order views of `berth graph` coloured by each service's
//! state (pure, every text escaped); [`server`] serves the page, a JSON API, the engine's
//! events and the services' logs as event streams, and, when allowed, actions on services.

pub mod findings;
pub mod page;
pub mod server;
pub mod status;
