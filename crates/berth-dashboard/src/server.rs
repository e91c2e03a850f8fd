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

use crate::page::{self, Drawings, Page};
use crate::{findings, status};

/// How the dashboard serves.
#[derive(Clone, Debug, Default)]
pub struct Options {
    /// Required on every request when set.
    pub token: Option<String>,
    /// Whether services can be started, stopped and restarted from the page (`POST
    /// /api/services/SERVICE/ACTION`, same-origin, with the token).
    pub actions: bool,
    /// The project is deployed as a stack on the swarm (named as the project): its services,
    /// tasks and nodes are shown.
    pub stack: bool,
    /// The audit's rules and suppressions (`berth.toml`) for the findings listed.
    pub audit: berth_audit::config::Config,
}

/// What the server shares between requests.
struct Shared {
    project: Project,
    /// The project as the engine's operations take it, for the actions.
    spec: berth_engine::spec::ProjectSpec,
    engine: Engine,
    token: Option<String>,
    actions: bool,
    stack: bool,
    findings: Vec<findings::Finding>,
    /// Whether the listener is on a loopback address (then `Host` must name loopback).
    loopback: bool,
    drawings: Drawings,
    events: broadcast::Sender<String>,
    /// Whether the engine's event stream is being followed now.
    connected: watch::Receiver<bool>,
    /// The last stats reading of each running container (by ID), and the containers whose
    /// stats stream is followed.
    usage: std::sync::Mutex<std::collections::HashMap<String, status::Usage>>,
    followed: std::sync::Mutex<std::collections::HashSet<String>>,
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
        startup: svg(berth_docs::View::Dependencies),
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
    mut project: Project,
    engine: Engine,
    options: Options,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let found = findings::of(&mut project, &options.audit);
    let loopback = listener.local_addr()?.ip().is_loopback();
    let (events, _) = broadcast::channel(1024);
    let (set_connected, connected) = watch::channel(false);
    let shared = Arc::new(Shared {
        drawings: drawings(&project),
        findings: found,
        spec: berth_engine::spec::project_spec(&project),
        project,
        engine,
        token: options.token,
        actions: options.actions,
        stack: options.stack,
        loopback,
        events,
        connected,
        usage: std::sync::Mutex::default(),
        followed: std::sync::Mutex::default(),
    });
    let follower = tokio::spawn(follow_engine(shared.clone(), set_connected));
    let app = Router::new()
        .route("/", get(index))
        .route("/api/status", get(api_status))
        .route("/api/events", get(api_events))
        .route("/api/logs/{service}", get(api_logs))
        .route("/api/findings", get(api_findings))
        .route(
            "/api/services/{service}/{action}",
            axum::routing::post(api_action),
        )
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
    let name = &shared.project.name;
    let (label, service_label) = if shared.stack {
        (
            format!("{}={name}", berth_cluster::swarm::LABEL_NAMESPACE),
            SWARM_SERVICE,
        )
    } else {
        (
            format!("{}={name}", berth_engine::labels::PROJECT),
            berth_engine::labels::SERVICE,
        )
    };
    let stack_prefix = format!("{name}_");
    loop {
        let mut stream = Box::pin(shared.engine.events_labelled(&label, None, None));
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
                let service = if shared.stack {
                    e.attributes
                        .get(service_label)
                        .map(|s| s.strip_prefix(&stack_prefix).unwrap_or(s).to_string())
                        .unwrap_or_default()
                } else {
                    e.service.clone()
                };
                send(json!({
                    "time": berth_engine::logs::utc_time(e.secs, e.nanos, berth_engine::logs::TimeStyle::Trimmed),
                    "action": e.action,
                    "service": service,
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

/// Follows the stats stream of each running container not followed yet, keeping its last
/// reading in `shared.usage` until it stops.
fn follow_stats(shared: &Arc<Shared>, ids: impl Iterator<Item = String>) {
    let mut followed = lock(&shared.followed);
    for id in ids {
        if !followed.insert(id.clone()) {
            continue;
        }
        let shared = shared.clone();
        tokio::spawn(async move {
            let mut readings = Box::pin(berth_engine::stats::stream(&shared.engine, &id));
            while let Some(Ok(s)) = readings.next().await {
                let usage = status::Usage {
                    cpu_percent: s.cpu_percent,
                    memory: s.memory,
                    memory_limit: s.memory_limit,
                };
                lock(&shared.usage).insert(id.clone(), usage);
            }
            lock(&shared.usage).remove(&id);
            lock(&shared.followed).remove(&id);
        });
    }
}

fn lock<T>(m: &std::sync::Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// The label of a task's container, naming its (scoped) service.
const SWARM_SERVICE: &str = "com.docker.swarm.service.name";

/// The stack's status now: its services, their tasks, and the swarm's nodes.
async fn stack_status(shared: &Shared) -> Result<status::Status, Refused> {
    use berth_cluster::observe;
    let name = &shared.project.name;
    let (services, tasks, nodes) = futures_util::future::join3(
        observe::services(&shared.engine, name),
        observe::tasks(&shared.engine, name, &[]),
        observe::nodes(&shared.engine),
    )
    .await;
    let fail = |e: berth_engine::EngineError| unavailable(&e);
    Ok(status::of_stack(
        &shared.project,
        name,
        &services.map_err(fail)?,
        &tasks.map_err(fail)?,
        nodes.map_err(fail)?,
    ))
}

/// The project's status now: the engine's listing, each container's record read at once
/// (the listing can lag behind the events), and the last stats reading of each.
async fn current(shared: &Arc<Shared>) -> Result<status::Status, Refused> {
    if shared.stack {
        return stack_status(shared).await;
    }
    let mut containers = shared
        .engine
        .project_containers(&shared.project.name, true)
        .await
        .map_err(|e| unavailable(&e))?;
    let records =
        futures_util::future::join_all(containers.iter().map(|c| shared.engine.inspect(&c.id)))
            .await;
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(0));
    let mut lives = std::collections::HashMap::new();
    let mut running = Vec::new();
    for (c, record) in containers.iter_mut().zip(records) {
        let Ok(record) = record else { continue };
        let Some(state) = record.state else { continue };
        let health = state.health;
        let live = status::Live {
            state: state.status.map(|s| s.to_string()).unwrap_or_default(),
            exit_code: state.exit_code,
            health: health
                .as_ref()
                .and_then(|h| h.status)
                .map(|h| h.to_string())
                .filter(|h| !h.is_empty() && h != "none"),
            last_probe: health.and_then(|h| h.log?.pop()?.output),
            restarts: record.restart_count.unwrap_or(0),
            uptime: state
                .started_at
                .as_deref()
                .filter(|t| !t.starts_with("0001-"))
                .and_then(|t| berth_engine::logs::parse_time(t, now).ok())
                .map(|t| now - t),
            usage: lock(&shared.usage).get(&c.id).copied(),
        };
        if !live.state.is_empty() {
            status::refresh(c, &live);
        }
        if c.state == "running" {
            running.push(c.id.clone());
        }
        lives.insert(c.name.clone(), live);
    }
    follow_stats(shared, running.into_iter());
    Ok(status::of(&shared.project, &containers, &lives))
}

async fn index(State(shared): State<Arc<Shared>>, params: Params) -> Response {
    let query = params
        .get("token")
        .map(|t| format!("?token={}", url_encoded(t)))
        .unwrap_or_default();
    match current(&shared).await {
        Ok(st) => Html(page::render(&Page {
            status: &st,
            drawings: &shared.drawings,
            findings: &shared.findings,
            actions: shared.actions,
            query: &query,
        }))
        .into_response(),
        Err(e) => e.into_response(),
    }
}

async fn api_findings(State(shared): State<Arc<Shared>>) -> Response {
    json_answer(&findings::to_json(&shared.findings))
}

fn json_answer(v: &serde_json::Value) -> Response {
    ([(header::CONTENT_TYPE, "application/json")], v.to_string()).into_response()
}

async fn api_status(State(shared): State<Arc<Shared>>) -> Response {
    match current(&shared).await {
        Ok(st) => json_answer(&st.to_json()),
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

/// The names of `service`'s containers, sorted.
async fn container_names(shared: &Shared, service: &str) -> Result<Vec<String>, Refused> {
    let name = &shared.project.name;
    // A compose project's containers carry the service's name; a stack's, the service's
    // scoped name (those of its tasks on this node).
    let label = if shared.stack {
        format!(
            "{SWARM_SERVICE}={}",
            berth_cluster::swarm::scope(name, service)
        )
    } else {
        format!("{}={service}", berth_engine::labels::SERVICE)
    };
    let filters = if shared.stack {
        vec![
            format!("{}={name}", berth_cluster::swarm::LABEL_NAMESPACE),
            label,
        ]
    } else {
        vec![
            format!("{}={name}", berth_engine::labels::PROJECT),
            format!("{}=False", berth_engine::labels::ONEOFF),
            label,
        ]
    };
    let containers = shared
        .engine
        .containers_labelled(filters, true)
        .await
        .map_err(|e| unavailable(&e))?;
    let mut names: Vec<String> = containers.into_iter().map(|c| c.name).collect();
    names.sort();
    Ok(names)
}

fn no_such_service(service: &str) -> Refused {
    Refused(
        StatusCode::NOT_FOUND,
        format!("no such service: {service}\n"),
    )
}

/// Stops the tasks following a service's logs when its client goes.
struct Followers(Vec<tokio::task::JoinHandle<()>>);

impl Drop for Followers {
    fn drop(&mut self) {
        for f in &self.0 {
            f.abort();
        }
    }
}

/// `GET /api/logs/SERVICE[?tail=N][&follow=1]`: the last lines (100 unless `tail` says) of
/// each of the service's containers, prefixed as `berth logs` prefixes them, credentials
/// masked; as plain text, or with `follow` as an event stream of lines that goes on as they
/// are written.
async fn api_logs(
    State(shared): State<Arc<Shared>>,
    axum::extract::Path(service): axum::extract::Path<String>,
    params: Params,
) -> Response {
    match logs(&shared, &service, &params).await {
        Ok(r) => r,
        Err(e) => e.into_response(),
    }
}

async fn logs(shared: &Shared, service: &str, params: &Params) -> Result<Response, Refused> {
    use berth_engine::logs::{follow, LogEvent, LogOptions};
    if !shared.project.services().any(|s| s.name == service) {
        return Err(no_such_service(service));
    }
    let tail = match params.get("tail").map(|t| t.parse::<u64>()) {
        None => 100,
        Some(Ok(n)) => n,
        Some(Err(_)) => {
            return Err(Refused(
                StatusCode::BAD_REQUEST,
                "tail is a number of lines\n".into(),
            ))
        }
    };
    let following = match params.get("follow").map(String::as_str) {
        None | Some("0" | "false") => false,
        Some("" | "1" | "true") => true,
        Some(_) => {
            return Err(Refused(
                StatusCode::BAD_REQUEST,
                "follow is 1 or 0\n".into(),
            ))
        }
    };
    let names = container_names(shared, service).await?;
    let width = names.iter().map(String::len).max().unwrap_or(0);
    let prefixed = move |name: &str, line: &str| {
        let line = berth_model::redact::mask(line).text.into_owned();
        format!("{name:<width$} | {line}")
    };
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let opts = LogOptions {
        tail: Some(tail),
        follow: following,
        ..LogOptions::default()
    };
    if following {
        let tasks = names
            .into_iter()
            .map(|name| {
                tokio::spawn(follow(
                    shared.engine.clone(),
                    name,
                    opts.clone(),
                    tx.clone(),
                ))
            })
            .collect();
        let followers = Followers(tasks);
        let lines = futures_util::stream::unfold((rx, followers), move |(mut rx, f)| async move {
            loop {
                match rx.recv().await? {
                    LogEvent::Line {
                        container, text, ..
                    } => {
                        let e = Event::default().data(prefixed(&container, &text));
                        return Some((Ok::<_, Infallible>(e), (rx, f)));
                    }
                    LogEvent::Ended { .. } => {}
                }
            }
        });
        return Ok(Sse::new(lines)
            .keep_alive(KeepAlive::new().interval(Duration::from_secs(15)))
            .into_response());
    }
    let mut text = String::new();
    for name in names {
        follow(shared.engine.clone(), name, opts.clone(), tx.clone()).await;
        while let Ok(event) = rx.try_recv() {
            if let LogEvent::Line {
                container,
                text: line,
                ..
            } = event
            {
                text.push_str(&prefixed(&container, &line));
                text.push('\n');
            }
        }
    }
    Ok(([(header::CONTENT_TYPE, "text/plain; charset=utf-8")], text).into_response())
}

/// Reports nothing: an action's answer says what it did.
struct Quiet;

impl berth_engine::progress::Progress for Quiet {
    fn event(
        &self,
        _: berth_engine::progress::Resource,
        _: &str,
        _: &berth_engine::progress::Status,
    ) {
    }
    fn warning(&self, _: &str) {}
    fn detail(&self, _: &str, _: &str, _: &str, _: berth_engine::progress::Phase) {}
}

/// `POST /api/services/SERVICE/ACTION`, ACTION `start`, `stop` or `restart`: only with
/// `--allow-actions`, the token (which the CLI then always requires) and an `Origin` that is
/// the dashboard's own, so that no other page can send it. A form sent by the page is
/// answered by sending the browser back to the page; a script gets JSON.
async fn api_action(
    State(shared): State<Arc<Shared>>,
    axum::extract::Path((service, action)): axum::extract::Path<(String, String)>,
    headers: HeaderMap,
    params: Params,
) -> Response {
    match act(&shared, &service, &action, &headers).await {
        Ok(done) => {
            let form = headers
                .get(header::CONTENT_TYPE)
                .and_then(|v| v.to_str().ok())
                .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
            if form {
                let back = params
                    .get("token")
                    .map_or_else(|| "/".into(), |t| format!("/?token={}", url_encoded(t)));
                (StatusCode::SEE_OTHER, [(header::LOCATION, back)]).into_response()
            } else {
                json_answer(&json!({ "service": service, "action": action, "containers": done }))
            }
        }
        Err(e) => e.into_response(),
    }
}

/// Checks an action and does it: how many containers it acted on.
async fn act(
    shared: &Shared,
    service: &str,
    action: &str,
    headers: &HeaderMap,
) -> Result<usize, Refused> {
    use berth_engine::ops::Op;
    if !shared.actions {
        return Err(Refused(
            StatusCode::FORBIDDEN,
            "actions are off: start berth dashboard with --allow-actions\n".into(),
        ));
    }
    if shared.stack {
        return Err(Refused(
            StatusCode::FORBIDDEN,
            "a stack's services change with berth stack deploy, not from the dashboard\n".into(),
        ));
    }
    let host = headers.get(header::HOST).and_then(|h| h.to_str().ok());
    let origin = headers.get(header::ORIGIN).and_then(|h| h.to_str().ok());
    let same = matches!((host, origin), (Some(h), Some(o)) if o.strip_prefix("http://") == Some(h));
    if !same {
        return Err(Refused(
            StatusCode::FORBIDDEN,
            "an action must come from the dashboard's own page (its Origin header must be http:// and the Host)\n".into(),
        ));
    }
    if !shared.project.services().any(|s| s.name == service) {
        return Err(no_such_service(service));
    }
    let op = match action {
        "start" => Op::Start,
        "stop" => Op::Stop { timeout: None },
        "restart" => Op::Restart { timeout: None },
        _ => {
            return Err(Refused(
                StatusCode::NOT_FOUND,
                format!("no such action: {action} (start, stop or restart)\n"),
            ))
        }
    };
    let containers = shared
        .engine
        .project_containers(&shared.project.name, true)
        .await
        .map_err(|e| unavailable(&e))?;
    let targets: Vec<_> = containers
        .into_iter()
        .filter(|c| c.service == service && op.applies_to(&c.state))
        .collect();
    berth_engine::ops::apply(&shared.engine, &shared.spec, &targets, &op, Arc::new(Quiet))
        .await
        .map_err(|e| {
            Refused(
                StatusCode::INTERNAL_SERVER_ERROR,
                format!("{action} {service}: {e}\n"),
            )
        })?;
    Ok(targets.len())
}

/// `text` as a query value: what is not a letter, digit or `-._~` percent-encoded.
fn url_encoded(text: &str) -> String {
    use std::fmt::Write as _;
    let mut out = String::new();
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(char::from(b));
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}
