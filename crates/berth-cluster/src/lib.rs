//! The loaded project for a cluster. For Docker Swarm: each service as the Swarm service
//! `docker stack deploy` would make of it ([`swarm`]), and what Swarm cannot carry, with the
//! file, line and column that set it ([`loss`]). Pure: it reads the project's typed views; the
//! deploy itself talks to the engine.

pub mod compare;
pub mod deploy;
pub mod image;
pub mod kube;
pub mod logs;
pub mod loss;
pub mod observe;
pub mod remove;
pub mod stack;
pub mod stackfile;
pub mod swarm;

#[cfg(test)]
mod tests;
