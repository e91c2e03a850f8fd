//! Engine API calls made without bollard, on the engine's local socket with the API version
//! the connection negotiated: those bollard 0.19 lacks (Swarm configs), and reads whose JSON
//! must be kept as the engine wrote it (a service's spec, where the engine's `Healthcheck` is
//! not the `HealthCheck` bollard's types read, so a typed read would drop it).

use bytes::Bytes;
use http_body_util::{BodyExt, Full};

use crate::client::Engine;
use crate::EngineError;

/// The engine's local socket, which `what` needs (a `unix://` host).
pub(crate) fn socket(engine: &Engine, what: &str) -> Result<String, EngineError> {
    engine
        .host
        .strip_prefix("unix://")
        .map(str::to_string)
        .ok_or_else(|| {
            EngineError::Other(format!(
                "{what} need the engine's local socket, not {}",
                engine.host
            ))
        })
}

fn fail(e: &dyn std::fmt::Display) -> EngineError {
    EngineError::Other(format!("engine: {e}"))
}

/// Sends one request; a 2xx answer is returned as it comes, any other is the engine's
/// message, worded as the Docker CLI shows it.
async fn send(
    engine: &Engine,
    method: hyper::Method,
    path: &str,
    body: Option<Vec<u8>>,
) -> Result<hyper::Response<hyper::body::Incoming>, EngineError> {
    let mut sender =
        crate::session::connect::<Full<Bytes>>(&socket(engine, "these calls")?).await?;
    let v = engine.docker.client_version();
    let request = hyper::Request::builder()
        .method(method)
        .uri(format!("/v{}.{}{path}", v.major_version, v.minor_version))
        .header("Host", "docker")
        .header("Content-Type", "application/json")
        .body(Full::new(Bytes::from(body.unwrap_or_default())))
        .map_err(|e| fail(&e))?;
    let response = sender.send_request(request).await.map_err(|e| fail(&e))?;
    if response.status().is_success() {
        return Ok(response);
    }
    let bytes = response
        .into_body()
        .collect()
        .await
        .map_err(|e| fail(&e))?
        .to_bytes();
    let message = serde_json::from_slice::<serde_json::Value>(&bytes)
        .ok()
        .and_then(|v| {
            v.get("message")
                .and_then(|m| m.as_str())
                .map(str::to_string)
        })
        .unwrap_or_else(|| String::from_utf8_lossy(&bytes).into_owned());
    Err(EngineError::Other(format!(
        "Error response from daemon: {message}"
    )))
}

/// Sends one request and returns the whole body of its answer.
pub(crate) async fn call(
    engine: &Engine,
    method: hyper::Method,
    path: &str,
    body: Option<Vec<u8>>,
) -> Result<Bytes, EngineError> {
    let response = send(engine, method, path, body).await?;
    Ok(response
        .into_body()
        .collect()
        .await
        .map_err(|e| fail(&e))?
        .to_bytes())
}

/// `GET path` (with its query), its JSON as the engine wrote it.
///
/// # Errors
/// Engine API errors; a body that is not JSON.
pub async fn get_json(engine: &Engine, path: &str) -> Result<serde_json::Value, EngineError> {
    let bytes = call(engine, hyper::Method::GET, path, None).await?;
    serde_json::from_slice(&bytes).map_err(|e| fail(&e))
}

/// `GET path` (with its query) answered as a stream: the body as it comes (a service's logs,
/// followed).
///
/// # Errors
/// Engine API errors: a status other than 2xx, with the engine's message.
pub async fn get_stream(engine: &Engine, path: &str) -> Result<Chunks, EngineError> {
    let response = send(engine, hyper::Method::GET, path, None).await?;
    Ok(Chunks(response.into_body()))
}

/// A query string of Engine API filters (`?filters=...`).
///
/// # Errors
/// None in practice (the filters are strings).
pub fn filters_query(
    filters: &std::collections::HashMap<String, Vec<String>>,
) -> Result<String, EngineError> {
    let json = serde_json::to_string(filters).map_err(|e| EngineError::Other(e.to_string()))?;
    serde_urlencoded::to_string([("filters", json)]).map_err(|e| EngineError::Other(e.to_string()))
}

/// The body of a streamed answer, chunk by chunk.
pub struct Chunks(hyper::body::Incoming);

impl Chunks {
    /// The next chunk of data; `None` at the end of the body.
    pub async fn next(&mut self) -> Option<Result<Bytes, EngineError>> {
        loop {
            match self.0.frame().await? {
                Ok(frame) => {
                    if let Ok(data) = frame.into_data() {
                        return Some(Ok(data));
                    }
                }
                Err(e) => return Some(Err(EngineError::Other(format!("engine: {e}")))),
            }
        }
    }
}
