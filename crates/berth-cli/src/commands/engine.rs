//! What the engine commands share: the async runtime, the connection, and the loaded project
//! turned into the engine layer's spec.

use std::collections::HashSet;

use berth_engine::Engine;
use berth_model::Project;

/// A runtime for one command. Two workers: the machine has two cores, and the work is waiting
/// on the engine.
pub fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?)
}

/// Connects to `DOCKER_HOST` or the default socket.
pub async fn connect() -> Result<Engine, berth_engine::EngineError> {
    let host = std::env::var(berth_loader::env_vars::DOCKER_HOST).ok();
    Engine::connect(host.as_deref()).await
}

/// Every service the project knows, enabled or not: containers of any other service are orphans.
pub fn known_services(project: &Project) -> HashSet<String> {
    project
        .services()
        .map(|s| s.name.to_string())
        .chain(project.disabled_services.keys().cloned())
        .collect()
}

/// The exit status of an engine command: its own, or 1 once the error is printed.
pub fn exit_status(
    result: Result<u8, berth_engine::EngineError>,
    printer: &mut crate::printer::Printer,
) -> u8 {
    result.unwrap_or_else(|e| {
        printer.error(&e.to_string());
        1
    })
}
