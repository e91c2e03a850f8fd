//! The dashboard's HTTP server: the page at `/`, the JSON API (`/api/status`, `/api/events`)
//! and the engine's events pushed as Server-Sent Events. One task follows the engine's event
//! stream for the project and broadcasts each event to every open stream; when the engine
//! connection drops it says so, and follows again once the engine answers.
//!
//! Safety: with a token (required by the CLI off loopback), every request must carry it
//! (`?token=` or `Authorization: Bearer`). On loopback, a request whose `Host` is not a
//! loopback name is refused, so that a web page cannot reach the dashboard through a DNS name
//! rebound to 127.0.0.1.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::{Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use berth_engine::Engine;
use berth_model::Project;
use futures_util::{Stream, StreamExt};
use serde_json::json;
use tokio::sync::{broadcast, watch};

use crate::page::{self, Drawings};
use crate::status;

/// What the server shares between requests.
struct Shared {
    project: Project,
    engine: Engine,
    token: Option<String>,
    /// Whether the listener is on a loopback address (then `Host` must name loopback).
    loopback: bool,
    drawings: Drawings,
    events: broadcast::Sender<String>,
    /// Whether the engine's event stream is being followed now.
    connected: watch::Receiver<bool>,
}

/// The drawings of the project that the page shows.
fn drawings(project: &Project) -> Drawings {
    let svg = |view| {
        berth_docs::svg::render(&berth_docs::graph::build(project, view))
            .unwrap_or_else(|e| format!("<p>{}</p>", berth_docs::html::escape(&e.to_string())))
    };
    let labels = project
        .services()
        .map(|s| (s.name.to_string(), s.settings().label_pairs()))
        .collect();
    Drawings {
        services: svg(berth_docs::View::Services),
        networks: svg(berth_docs::View::Networks),
        labels,
    }
}

/// Serves the dashboard of `project` on `listener` until `shutdown` completes, then stops
/// without waiting for the clients still connected.
///
/// # Errors
/// The listener's error.
pub async fn serve(
    listener: tokio::net::TcpListener,
    project: Project,
    engine: Engine,
    token: Option<String>,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let loopback = listener.local_addr()?.ip().is_loopback();
    let (events, _) = broadcast::channel(1024);
    let (set_connected, connected) = watch::channel(false);
    let shared = Arc::new(Shared {
        drawings: drawings(&project),
        project,
        engine,
        token,
        loopback,
        events,
        connected,
    });
    let follower = tokio::spawn(follow_engine(shared.clone(), set_connected));
    let app = Router::new()
        .route("/", get(index))
        .route("/api/status", get(api_status))
        .route("/api/events", get(api_events))
        .route("/api/logs/{service}", get(api_logs))
        .layer(axum::middleware::from_fn_with_state(shared.clone(), guard))
        .with_state(shared);
    // Interrupted, it stops at once: open event streams never end by themselves, so a
    // graceful shutdown would wait for them forever.
    let server = axum::serve(
        listener,
        app.into_make_service_with_connect_info::<SocketAddr>(),
    );
    let served = tokio::select! {
        r = std::future::IntoFuture::into_future(server) => r,
        () = shutdown => Ok(()),
    };
    follower.abort();
    served
}

/// Follows the engine's events for the project, broadcasting each; says when the connection
/// is lost and when it is back.
async fn follow_engine(shared: Arc<Shared>, connected: watch::Sender<bool>) {
    let send = |v: serde_json::Value| {
        let _ = shared.events.send(v.to_string());
    };
    loop {
        let mut stream = Box::pin(shared.engine.events(&shared.project.name, None, None));
        // The stream answers only when an event comes: a ping says whether the engine is there.
        if shared.engine.docker.ping().await.is_ok() {
            connected.send_replace(true);
            send(json!({ "engine": "connected" }));
            while let Some(item) = stream.next().await {
                let Ok(e) = item else { break };
                // Each health probe is an exec (`exec_create`, `exec_start`, `exec_die`):
                // several a second that change nothing the page shows. A change of health
                // comes as its own `health_status` event.
                if e.action.starts_with("exec_") {
                    continue;
                }
                send(json!({
                    "time": berth_engine::logs::utc_time(e.secs, e.nanos, berth_engine::logs::TimeStyle::Trimmed),
                    "action": e.action,
                    "service": e.service,
                    "id": e.id,
                    "name": e.attributes.get("name"),
                    "exit_code": e.attributes.get("exitCode"),
                }));
            }
            connected.send_replace(false);
            send(json!({ "engine": "lost" }));
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
}

type Params = Query<std::collections::HashMap<String, String>>;

/// A request refused, or an answer the engine could not give: a status and a line saying why.
struct Refused(StatusCode, String);

impl IntoResponse for Refused {
    fn into_response(self) -> Response {
        (self.0, self.1).into_response()
    }
}

/// Refuses a request without the token, or (on loopback) one sent to another host name.
fn check(shared: &Shared, params: &Params, headers: &HeaderMap) -> Result<(), Refused> {
    if shared.loopback {
        let host = headers
            .get(header::HOST)
            .and_then(|h| h.to_str().ok())
            .unwrap_or("");
        let name = host.rsplit_once(':').map_or(host, |(n, port)| {
            if port.bytes().all(|b| b.is_ascii_digit()) {
                n
            } else {
                host
            }
        });
        if !matches!(name, "localhost" | "127.0.0.1" | "[::1]") && !name.starts_with("127.") {
            return Err(Refused(
                StatusCode::FORBIDDEN,
                "the dashboard answers only to localhost, 127.0.0.1 and [::1]\n".into(),
            ));
        }
    }
    if let Some(token) = &shared.token {
        let given = params.get("token").map(String::as_str).or_else(|| {
            headers
                .get(header::AUTHORIZATION)
                .and_then(|h| h.to_str().ok())
                .and_then(|h| h.strip_prefix("Bearer "))
        });
        if !given.is_some_and(|g| same(g.as_bytes(), token.as_bytes())) {
            return Err(Refused(
                StatusCode::UNAUTHORIZED,
                "a token is required: open the URL berth dashboard printed\n".into(),
            ));
        }
    }
    Ok(())
}

/// Every request passes [`check`] before its handler.
async fn guard(
    State(shared): State<Arc<Shared>>,
    params: Params,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    match check(&shared, &params, request.headers()) {
        Ok(()) => next.run(request).await,
        Err(refused) => refused.into_response(),
    }
}

/// The answer when the engine does not answer.
fn unavailable(e: &berth_engine::EngineError) -> Refused {
    Refused(
        StatusCode::SERVICE_UNAVAILABLE,
        format!("the engine does not answer: {e}\n"),
    )
}

/// Compares in time that does not depend on where the inputs differ.
fn same(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

async fn current(shared: &Shared) -> Result<status::Status, Refused> {
    match shared
        .engine
        .project_containers(&shared.project.name, true)
        .await
    {
        Ok(mut containers) => {
            // Each container's record, read at once: the listing can lag behind the events.
            let records = futures_util::future::join_all(
                containers.iter().map(|c| shared.engine.inspect(&c.id)),
            )
            .await;
            let mut outputs = Vec::new();
            for (c, record) in containers.iter_mut().zip(records) {
                let Some(state) = record.ok().and_then(|r| r.state) else {
                    continue;
                };
                let health = state.health;
                let live = status::Live {
                    state: state.status.map(|s| s.to_string()).unwrap_or_default(),
                    exit_code: state.exit_code,
                    health: health
                        .as_ref()
                        .and_then(|h| h.status)
                        .map(|h| h.to_string())
                        .filter(|h| !h.is_empty() && h != "none"),
                };
                if !live.state.is_empty() {
                    status::refresh(c, &live);
                }
                if let Some(out) = health.and_then(|h| h.log?.pop()?.output) {
                    outputs.push((c.name.clone(), out));
                }
            }
            let mut st = status::of(&shared.project, &containers);
            st.with_probes(&outputs);
            Ok(st)
        }
        Err(e) => Err(unavailable(&e)),
    }
}

async fn index(State(shared): State<Arc<Shared>>) -> Response {
    match current(&shared).await {
        Ok(st) => Html(page::render(&st, &shared.drawings)).into_response(),
        Err(e) => e.into_response(),
    }
}

async fn api_status(State(shared): State<Arc<Shared>>) -> Response {
    match current(&shared).await {
        Ok(st) => (
            [(header::CONTENT_TYPE, "application/json")],
            st.to_json().to_string(),
        )
            .into_response(),
        Err(e) => e.into_response(),
    }
}

async fn api_events(State(shared): State<Arc<Shared>>) -> Response {
    let first = json!({ "engine": if *shared.connected.borrow() { "connected" } else { "lost" } });
    let receiver = shared.events.subscribe();
    Sse::new(stream(first.to_string(), receiver))
        .keep_alive(KeepAlive::new().interval(Duration::from_secs(15)))
        .into_response()
}

/// The event stream of one client: the engine's state, then each event broadcast. A client
/// too slow to keep up skips what it missed and is told to read the status again.
fn stream(
    first: String,
    receiver: broadcast::Receiver<String>,
) -> impl Stream<Item = Result<Event, Infallible>> {
    let head = futures_util::stream::once(async move { Ok(Event::default().data(first)) });
    let rest = futures_util::stream::unfold(receiver, |mut rx| async move {
        let text = match rx.recv().await {
            Ok(text) => text,
            Err(broadcast::error::RecvError::Lagged(_)) => {
                json!({ "engine": "connected", "lagged": true }).to_string()
            }
            Err(broadcast::error::RecvError::Closed) => return None,
        };
        Some((Ok(Event::default().data(text)), rx))
    });
    head.chain(rest)
}

/// `GET /api/logs/SERVICE[?tail=N]`: the last lines (100 unless `tail` says) of each of the
/// service's containers, prefixed as `berth logs` prefixes them, credentials masked.
async fn api_logs(
    State(shared): State<Arc<Shared>>,
    axum::extract::Path(service): axum::extract::Path<String>,
    params: Params,
) -> Response {
    use berth_engine::logs::{follow, LogEvent, LogOptions};
    if !shared.project.services().any(|s| s.name == service) {
        return Refused(
            StatusCode::NOT_FOUND,
            format!("no such service: {service}\n"),
        )
        .into_response();
    }
    let tail = match params.get("tail").map(|t| t.parse::<u64>()) {
        None => 100,
        Some(Ok(n)) => n,
        Some(Err(_)) => {
            return Refused(
                StatusCode::BAD_REQUEST,
                "tail is a number of lines\n".into(),
            )
            .into_response()
        }
    };
    let containers = match shared
        .engine
        .project_containers(&shared.project.name, true)
        .await
    {
        Ok(c) => c,
        Err(e) => return unavailable(&e).into_response(),
    };
    let mut names: Vec<String> = containers
        .into_iter()
        .filter(|c| c.service == service)
        .map(|c| c.name)
        .collect();
    names.sort();
    let width = names.iter().map(String::len).max().unwrap_or(0);
    let mut text = String::new();
    for name in names {
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
        let opts = LogOptions {
            tail: Some(tail),
            ..LogOptions::default()
        };
        follow(shared.engine.clone(), name.clone(), opts, tx).await;
        while let Ok(event) = rx.try_recv() {
            if let LogEvent::Line { text: line, .. } = event {
                let line = berth_model::redact::mask(&line).text.into_owned();
                text.push_str(&format!("{name:<width$} | {line}\n"));
            }
        }
    }
    ([(header::CONTENT_TYPE, "text/plain; charset=utf-8")], text).into_response()
}
