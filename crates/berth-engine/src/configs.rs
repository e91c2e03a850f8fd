//! Swarm configs, which bollard 0.19 has no calls for: listed, created and removed through
//! [`crate::raw`]. The types are the Engine API's (`Config`, `ConfigSpec`), as bollard would
//! read them.

use bollard::models::{Config, ConfigSpec};

use crate::client::Engine;
use crate::raw::call;
use crate::EngineError;

/// The configs that pass `filters` (`label`, `name`, `id`).
///
/// # Errors
/// Engine API errors.
pub async fn list(
    engine: &Engine,
    filters: &std::collections::HashMap<String, Vec<String>>,
) -> Result<Vec<Config>, EngineError> {
    let query = crate::raw::filters_query(filters)?;
    let json = crate::raw::get_json(engine, &format!("/configs?{query}")).await?;
    serde_json::from_value(json).map_err(|e| EngineError::Other(format!("engine: {e}")))
}

/// Creates a config and returns its ID.
///
/// # Errors
/// Engine API errors (a name already taken).
pub async fn create(engine: &Engine, spec: &ConfigSpec) -> Result<String, EngineError> {
    let body = serde_json::to_vec(spec).map_err(|e| EngineError::Other(e.to_string()))?;
    let bytes = call(engine, hyper::Method::POST, "/configs/create", Some(body)).await?;
    let v: serde_json::Value =
        serde_json::from_slice(&bytes).map_err(|e| EngineError::Other(format!("engine: {e}")))?;
    Ok(v.get("ID")
        .and_then(|i| i.as_str())
        .unwrap_or_default()
        .to_string())
}

/// Removes config `id`.
///
/// # Errors
/// Engine API errors (a config still in use).
pub async fn remove(engine: &Engine, id: &str) -> Result<(), EngineError> {
    call(
        engine,
        hyper::Method::DELETE,
        &format!("/configs/{id}"),
        None,
    )
    .await?;
    Ok(())
}
