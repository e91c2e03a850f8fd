//! A BuildKit session of Berth's own, for what a build asks of the client while it runs: the
//! build context and the Dockerfile (see [`crate::filesync`]), the build's `secrets` (`RUN
//! --mount=type=secret,id=…`), its `ssh` agents (`RUN --mount=type=ssh`, forwarded to the
//! agent's socket) and the registries' credentials, served as Docker Compose serves them.
//!
//! The session is an HTTP connection to the engine's `/session`, upgraded to HTTP/2, on which
//! the engine is the gRPC client and Berth the server (those services, and health). The
//! build itself is then asked for with the session's ID, on a connection of its own, and its
//! stream read as bollard reads it (each line a `BuildInfo`, BuildKit's progress decoded).

use std::collections::HashMap;
use std::pin::Pin;
use std::task::{Context, Poll};

use bollard_buildkit_proto::health::health_server::{Health, HealthServer};
use bollard_buildkit_proto::health::{
    health_check_response::ServingStatus, HealthCheckRequest, HealthCheckResponse,
    HealthListRequest, HealthListResponse,
};
use bollard_buildkit_proto::moby::buildkit::secrets::v1::secrets_server::{Secrets, SecretsServer};
use bollard_buildkit_proto::moby::buildkit::secrets::v1::{GetSecretRequest, GetSecretResponse};
use bollard_buildkit_proto::moby::filesync::v1::auth_server::{Auth, AuthServer};
use bollard_buildkit_proto::moby::filesync::v1::{
    CredentialsRequest, CredentialsResponse, FetchTokenRequest, FetchTokenResponse,
    GetTokenAuthorityRequest, GetTokenAuthorityResponse, VerifyTokenAuthorityRequest,
    VerifyTokenAuthorityResponse,
};
use bollard_buildkit_proto::moby::sshforward::v1::ssh_server::{Ssh, SshServer};
use bollard_buildkit_proto::moby::sshforward::v1::{
    BytesMessage, CheckAgentRequest, CheckAgentResponse,
};
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper_util::rt::TokioIo;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, ReadBuf};

use crate::client::Engine;
use crate::EngineError;

/// The gRPC methods the session serves, as the engine is told them.
const METHODS: &[&str] = &[
    "/moby.buildkit.secrets.v1.Secrets/GetSecret",
    "/moby.sshforward.v1.SSH/CheckAgent",
    "/moby.sshforward.v1.SSH/ForwardAgent",
    "/grpc.health.v1.Health/Check",
    "/moby.filesync.v1.Auth/Credentials",
    "/moby.filesync.v1.Auth/FetchToken",
    "/moby.filesync.v1.Auth/GetTokenAuthority",
    "/moby.filesync.v1.Auth/VerifyTokenAuthority",
    "/moby.filesync.v1.FileSync/DiffCopy",
];

/// What a session serves: secrets by ID, and SSH agents' sockets by ID.
#[derive(Clone, Debug, Default)]
pub struct Served {
    pub secrets: HashMap<String, Vec<u8>>,
    pub ssh: HashMap<String, std::path::PathBuf>,
    /// `docker login`'s credentials by registry host, for the base images.
    pub credentials: HashMap<String, bollard::auth::DockerCredentials>,
    /// The build context and the Dockerfile's folder (see [`crate::filesync`]).
    pub folders: crate::filesync::Folders,
}

/// The build's registry credentials, as the Docker CLI's session serves them: a username and
/// secret per host; the token flows are left to BuildKit (it falls back to these).
struct Logins(HashMap<String, bollard::auth::DockerCredentials>);

#[tonic::async_trait]
impl Auth for Logins {
    async fn credentials(
        &self,
        request: tonic::Request<CredentialsRequest>,
    ) -> Result<tonic::Response<CredentialsResponse>, tonic::Status> {
        let host = request.into_inner().host;
        let found = self.0.get(&host).or_else(|| {
            (host == "registry-1.docker.io" || host == "docker.io")
                .then(|| self.0.get("https://index.docker.io/v1/"))
                .flatten()
        });
        let (username, secret) = match found {
            Some(c) => match c.identitytoken.clone().filter(|t| !t.is_empty()) {
                Some(token) => (String::new(), token),
                None => (
                    c.username.clone().unwrap_or_default(),
                    c.password.clone().unwrap_or_default(),
                ),
            },
            None => (String::new(), String::new()),
        };
        Ok(tonic::Response::new(CredentialsResponse {
            username,
            secret,
        }))
    }

    async fn fetch_token(
        &self,
        _request: tonic::Request<FetchTokenRequest>,
    ) -> Result<tonic::Response<FetchTokenResponse>, tonic::Status> {
        Err(tonic::Status::unimplemented("fetch_token"))
    }

    async fn get_token_authority(
        &self,
        _request: tonic::Request<GetTokenAuthorityRequest>,
    ) -> Result<tonic::Response<GetTokenAuthorityResponse>, tonic::Status> {
        Err(tonic::Status::unimplemented("get_token_authority"))
    }

    async fn verify_token_authority(
        &self,
        _request: tonic::Request<VerifyTokenAuthorityRequest>,
    ) -> Result<tonic::Response<VerifyTokenAuthorityResponse>, tonic::Status> {
        Err(tonic::Status::unimplemented("verify_token_authority"))
    }
}

/// The build's secrets, by ID, with their values.
#[derive(Clone, Default)]
struct SecretStore(HashMap<String, Vec<u8>>);

#[tonic::async_trait]
impl Secrets for SecretStore {
    async fn get_secret(
        &self,
        request: tonic::Request<GetSecretRequest>,
    ) -> Result<tonic::Response<GetSecretResponse>, tonic::Status> {
        let id = request.into_inner().id;
        match self.0.get(&id) {
            Some(data) => Ok(tonic::Response::new(GetSecretResponse {
                data: data.clone(),
            })),
            None => Err(tonic::Status::not_found(format!("secret {id} not found"))),
        }
    }
}

/// The build's SSH agents, by ID.
struct Agents(HashMap<String, std::path::PathBuf>);

impl Agents {
    fn socket(&self, id: &str) -> Result<&std::path::PathBuf, tonic::Status> {
        let id = if id.is_empty() { "default" } else { id };
        self.0.get(id).ok_or_else(|| {
            tonic::Status::not_found(format!(
                "unset ssh forward key {id}: the service's build.ssh does not name it"
            ))
        })
    }
}

#[tonic::async_trait]
impl Ssh for Agents {
    async fn check_agent(
        &self,
        request: tonic::Request<CheckAgentRequest>,
    ) -> Result<tonic::Response<CheckAgentResponse>, tonic::Status> {
        self.socket(&request.into_inner().id)?;
        Ok(tonic::Response::new(CheckAgentResponse {}))
    }

    type ForwardAgentStream = Pin<
        Box<dyn futures_util::Stream<Item = Result<BytesMessage, tonic::Status>> + Send + 'static>,
    >;

    /// Copies the agent protocol both ways between the build and the agent's socket.
    async fn forward_agent(
        &self,
        request: tonic::Request<tonic::Streaming<BytesMessage>>,
    ) -> Result<tonic::Response<Self::ForwardAgentStream>, tonic::Status> {
        let id = request
            .metadata()
            .get("buildkit.ssh.id")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("default")
            .to_string();
        let path = self.socket(&id)?.clone();
        let sock = tokio::net::UnixStream::connect(&path)
            .await
            .map_err(|e| tonic::Status::unavailable(format!("{}: {e}", path.display())))?;
        let (reader, mut writer) = sock.into_split();
        let mut inbound = request.into_inner();
        tokio::spawn(async move {
            while let Some(Ok(m)) = futures_util::StreamExt::next(&mut inbound).await {
                if writer.write_all(&m.data).await.is_err() {
                    break;
                }
            }
            let _ = writer.shutdown().await;
        });
        let outbound = futures_util::stream::unfold(reader, |mut r| async move {
            let mut buf = vec![0u8; 16 * 1024];
            match r.read(&mut buf).await {
                Ok(0) | Err(_) => None,
                Ok(n) => {
                    buf.truncate(n);
                    Some((Ok(BytesMessage { data: buf }), r))
                }
            }
        });
        Ok(tonic::Response::new(Box::pin(outbound)))
    }
}

struct Healthy;

#[tonic::async_trait]
impl Health for Healthy {
    async fn check(
        &self,
        _request: tonic::Request<HealthCheckRequest>,
    ) -> Result<tonic::Response<HealthCheckResponse>, tonic::Status> {
        Ok(tonic::Response::new(HealthCheckResponse {
            status: ServingStatus::Serving as i32,
        }))
    }

    type WatchStream = futures_util::stream::Empty<Result<HealthCheckResponse, tonic::Status>>;

    async fn watch(
        &self,
        _request: tonic::Request<HealthCheckRequest>,
    ) -> Result<tonic::Response<Self::WatchStream>, tonic::Status> {
        Err(tonic::Status::unimplemented("watch"))
    }

    async fn list(
        &self,
        _request: tonic::Request<HealthListRequest>,
    ) -> Result<tonic::Response<HealthListResponse>, tonic::Status> {
        Err(tonic::Status::unimplemented("list"))
    }
}

/// The upgraded connection, as the gRPC server takes it.
struct Upgraded(TokioIo<hyper::upgrade::Upgraded>);

impl tonic::transport::server::Connected for Upgraded {
    type ConnectInfo = ();
    fn connect_info(&self) -> Self::ConnectInfo {}
}

impl AsyncRead for Upgraded {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.0).poll_read(cx, buf)
    }
}

impl AsyncWrite for Upgraded {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.0).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.0).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.0).poll_shutdown(cx)
    }
}

fn other(what: &str, e: impl std::fmt::Display) -> EngineError {
    EngineError::Other(format!("{what}: {e}"))
}

/// An HTTP/1 connection to the engine, driven in the background.
pub(crate) async fn connect<B>(
    path: &str,
) -> Result<hyper::client::conn::http1::SendRequest<B>, EngineError>
where
    B: hyper::body::Body + Send + 'static,
    B::Data: Send,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    let stream = tokio::net::UnixStream::connect(path)
        .await
        .map_err(|e| other(path, e))?;
    let (sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
        .await
        .map_err(|e| other("engine", e))?;
    tokio::spawn(async move {
        let _ = conn.with_upgrades().await;
    });
    Ok(sender)
}

/// Opens session `id`, serving `served` until the process ends or the engine closes it.
async fn open(engine: &Engine, id: &str, served: Served) -> Result<(), EngineError> {
    let mut sender = connect(&crate::raw::socket(engine, "build secrets")?).await?;
    let mut request = hyper::Request::post("/session")
        .header("Host", "docker")
        .header("Connection", "Upgrade")
        .header("Upgrade", "h2c")
        .header("X-Docker-Expose-Session-Uuid", id)
        .header("X-Docker-Expose-Session-Name", "berth")
        .header(
            "X-Docker-Expose-Session-Sharedkey",
            served.folders.shared_key(),
        );
    for m in METHODS {
        request = request.header("X-Docker-Expose-Session-Grpc-Method", *m);
    }
    let request = request
        .body(Full::new(Bytes::new()))
        .map_err(|e| other("session", e))?;
    let response = sender
        .send_request(request)
        .await
        .map_err(|e| other("session", e))?;
    if response.status() != hyper::StatusCode::SWITCHING_PROTOCOLS {
        return Err(EngineError::Other(format!(
            "the engine refused a BuildKit session: {}",
            response.status()
        )));
    }
    let upgraded = hyper::upgrade::on(response)
        .await
        .map_err(|e| other("session", e))?;
    let io = Upgraded(TokioIo::new(upgraded));
    tokio::spawn(async move {
        let _ = tonic::transport::Server::builder()
            .add_service(HealthServer::new(Healthy))
            .add_service(SecretsServer::new(SecretStore(served.secrets)))
            .add_service(SshServer::new(Agents(served.ssh)))
            .add_service(AuthServer::new(Logins(served.credentials)))
            .add_service(
                bollard_buildkit_proto::moby::filesync::packet::file_sync_server::FileSyncServer::new(
                    served.folders,
                ),
            )
            .serve_with_incoming(futures_util::stream::iter(vec![Ok::<_, std::io::Error>(
                io,
            )]))
            .await;
    });
    Ok(())
}

/// Asks for the build of `options` (its `session` is opened first, serving `served`) with
/// `body` as its context; the build's stream, each line read as bollard reads it.
///
/// # Errors
/// A session the engine refuses, or the engine's refusal of the build.
pub async fn build(
    engine: &Engine,
    options: bollard::query_parameters::BuildImageOptions,
    body: Option<crate::build::ContextStream>,
    served: Served,
) -> Result<
    impl futures_util::Stream<Item = Result<bollard::models::BuildInfo, EngineError>>,
    EngineError,
> {
    let id = options
        .session
        .clone()
        .ok_or_else(|| EngineError::Other("a session build without a session".into()))?;
    open(engine, &id, served).await?;
    let query = serde_urlencoded::to_string(&options).map_err(|e| other("build", e))?;
    let v = engine.docker.client_version();
    let mut sender = connect(&crate::raw::socket(engine, "build secrets")?).await?;
    let request = hyper::Request::post(format!(
        "/v{}.{}/build?{query}",
        v.major_version, v.minor_version
    ))
    .header("Host", "docker")
    .header("Content-Type", "application/x-tar")
    .body(match body {
        Some(stream) => http_body_util::Either::Right(http_body_util::StreamBody::new(
            futures_util::TryStreamExt::map_ok(stream, hyper::body::Frame::data),
        )),
        None => http_body_util::Either::Left(Full::new(Bytes::new())),
    })
    .map_err(|e| other("build", e))?;
    let response = sender
        .send_request(request)
        .await
        .map_err(|e| other("build", e))?;
    let status = response.status();
    let body = response.into_body();
    if !status.is_success() {
        let text = body
            .collect()
            .await
            .map(|b| String::from_utf8_lossy(&b.to_bytes()).into_owned())
            .unwrap_or_default();
        let message = serde_json::from_str::<serde_json::Value>(&text)
            .ok()
            .and_then(|v| v["message"].as_str().map(str::to_string))
            .unwrap_or(text);
        return Err(EngineError::Other(message));
    }
    // Lines of JSON, each read as it comes.
    let state = (body, Vec::new(), std::collections::VecDeque::new(), false);
    Ok(futures_util::stream::unfold(
        state,
        |(mut body, mut pending, mut queue, mut done)| async move {
            loop {
                if let Some(item) = queue.pop_front() {
                    return Some((item, (body, pending, queue, done)));
                }
                if done {
                    return None;
                }
                match body.frame().await {
                    Some(Ok(frame)) => {
                        if let Ok(data) = frame.into_data() {
                            pending.extend_from_slice(&data);
                            while let Some(i) = pending.iter().position(|c| *c == b'\n') {
                                let line: Vec<u8> = pending.drain(..=i).collect();
                                if line.iter().any(|c| !c.is_ascii_whitespace()) {
                                    queue.push_back(parse(&line));
                                }
                            }
                        }
                    }
                    Some(Err(e)) => {
                        queue.push_back(Err(other("build", e)));
                        done = true;
                    }
                    None => {
                        if pending.iter().any(|c| !c.is_ascii_whitespace()) {
                            queue.push_back(parse(&pending));
                        }
                        done = true;
                    }
                }
            }
        },
    ))
}

fn parse(line: &[u8]) -> Result<bollard::models::BuildInfo, EngineError> {
    serde_json::from_slice(line).map_err(|e| other("the engine's build stream", e))
}
