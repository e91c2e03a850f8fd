//! Engine API calls made without bollard, on the engine's local socket with the API version
//! the connection negotiated: those bollard 0.19 lacks (Swarm configs), and reads whose JSON
//! must be kept as the engine wrote it (a service's spec, where the engine's `Healthcheck` is
//! not the `HealthCheck` bollard's types read, so a typed read would drop it).

use bytes::Bytes;
use http_body_util::{BodyExt, Full};

use crate::client::Engine;
use crate::EngineError;

fn socket(engine: &Engine) -> Result<String, EngineError> {
    engine
        .host
        .strip_prefix("unix://")
        .map(str::to_string)
        .ok_or_else(|| {
            EngineError::Other(format!(
                "this call needs the engine's local socket, not {}",
                engine.host
            ))
        })
}

/// Sends one request and returns the body of a 2xx answer; another status is the engine's
/// message, worded as the Docker CLI shows it.
pub(crate) async fn call(
    engine: &Engine,
    method: hyper::Method,
    path: &str,
    body: Option<Vec<u8>>,
) -> Result<Bytes, EngineError> {
    let fail = |e: &dyn std::fmt::Display| EngineError::Other(format!("engine: {e}"));
    let mut sender = crate::session::connect::<Full<Bytes>>(&socket(engine)?).await?;
    let v = engine.docker.client_version();
    let uri = format!("/v{}.{}{path}", v.major_version, v.minor_version);
    let request = hyper::Request::builder()
        .method(method)
        .uri(uri)
        .header("Host", "docker")
        .header("Content-Type", "application/json")
        .body(Full::new(Bytes::from(body.unwrap_or_default())))
        .map_err(|e| fail(&e))?;
    let response = sender.send_request(request).await.map_err(|e| fail(&e))?;
    let status = response.status();
    let bytes = response
        .into_body()
        .collect()
        .await
        .map_err(|e| fail(&e))?
        .to_bytes();
    if status.is_success() {
        return Ok(bytes);
    }
    Err(EngineError::Other(format!(
        "Error response from daemon: {}",
        engine_message(&bytes)
    )))
}

/// `GET path` (with its query), its JSON as the engine wrote it.
///
/// # Errors
/// Engine API errors; a body that is not JSON.
pub async fn get_json(engine: &Engine, path: &str) -> Result<serde_json::Value, EngineError> {
    let bytes = call(engine, hyper::Method::GET, path, None).await?;
    serde_json::from_slice(&bytes).map_err(|e| EngineError::Other(format!("engine: {e}")))
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

/// `GET path` (with its query) answered as a stream: the body as it comes (a service's logs,
/// followed).
///
/// # Errors
/// Engine API errors: a status other than 2xx, with the engine's message.
pub async fn get_stream(engine: &Engine, path: &str) -> Result<Chunks, EngineError> {
    let fail = |e: &dyn std::fmt::Display| EngineError::Other(format!("engine: {e}"));
    let mut sender = crate::session::connect::<Full<Bytes>>(&socket(engine)?).await?;
    let v = engine.docker.client_version();
    let request = hyper::Request::builder()
        .method(hyper::Method::GET)
        .uri(format!("/v{}.{}{path}", v.major_version, v.minor_version))
        .header("Host", "docker")
        .body(Full::new(Bytes::new()))
        .map_err(|e| fail(&e))?;
    let response = sender.send_request(request).await.map_err(|e| fail(&e))?;
    if response.status().is_success() {
        return Ok(Chunks(response.into_body()));
    }
    let bytes = response
        .into_body()
        .collect()
        .await
        .map_err(|e| fail(&e))?
        .to_bytes();
    Err(EngineError::Other(format!(
        "Error response from daemon: {}",
        engine_message(&bytes)
    )))
}

/// The `message` of an engine's error body, else the body.
fn engine_message(bytes: &[u8]) -> String {
    serde_json::from_slice::<serde_json::Value>(bytes)
        .ok()
        .and_then(|v| {
            v.get("message")
                .and_then(|m| m.as_str())
                .map(str::to_string)
        })
        .unwrap_or_else(|| String::from_utf8_lossy(bytes).into_owned())
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
