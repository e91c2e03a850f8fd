//! A client of the OCI distribution API, for what the engine cannot do for Berth: `publish`
//! pushes the Compose application itself (its files as the layers of an OCI artifact) straight
//! to a registry, as Docker Compose does, and with `--app` copies the services' images beside
//! it, registry to registry ([`copy_image`]).
//!
//! It speaks HTTPS, trusting the system's roots (`SSL_CERT_FILE`, else Debian's bundle, else
//! Mozilla's) and a registry's own CA in `/etc/docker/certs.d/HOST/ca.crt`, as the engine
//! does. A registry on a loopback address that answers plain HTTP is spoken to in HTTP (the
//! engine allows that too; Docker Compose refuses it). Auth follows the registry's challenge:
//! HTTP Basic, or a bearer token fetched from the realm it names, with the credentials given.

use std::collections::HashMap;
use std::io::Read;
use std::path::Path;
use std::time::Duration;

use sha2::{Digest, Sha256};

/// A registry error, with the HTTP status when the registry answered.
#[derive(Debug)]
pub struct RegistryError {
    pub status: Option<u16>,
    pub message: String,
}

impl std::fmt::Display for RegistryError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for RegistryError {}

fn err(message: impl Into<String>) -> RegistryError {
    RegistryError {
        status: None,
        message: message.into(),
    }
}

/// A parsed image or artifact reference, normalized as the Docker CLI normalizes it
/// (`test/app` is `docker.io/test/app:latest`, `busybox` is `docker.io/library/busybox`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Reference {
    pub domain: String,
    pub repository: String,
    /// The tag, or the digest (`sha256:…`) of a `@digest` reference.
    pub reference: String,
}

impl Reference {
    /// Parses `[DOMAIN/]PATH[:TAG][@DIGEST]`.
    ///
    /// # Errors
    /// What the Docker CLI says of a malformed reference.
    pub fn parse(text: &str) -> Result<Reference, String> {
        let invalid = || "invalid reference format".to_string();
        let (name, digest) = match text.split_once('@') {
            Some((n, d)) => (n, Some(d)),
            None => (text, None),
        };
        // A tag is after the last colon that follows the last slash.
        let slash = name.rfind('/').map_or(0, |i| i + 1);
        let (path, tag) = match name[slash..].rfind(':') {
            Some(i) => (&name[..slash + i], Some(&name[slash + i + 1..])),
            None => (name, None),
        };
        if path.is_empty() || tag.is_some_and(str::is_empty) {
            return Err(invalid());
        }
        let (domain, repository) = match path.split_once('/') {
            Some((first, rest))
                if first.contains('.') || first.contains(':') || first == "localhost" =>
            {
                (first.to_string(), rest.to_string())
            }
            _ => ("docker.io".to_string(), path.to_string()),
        };
        let repository = if domain == "docker.io" && !repository.contains('/') {
            format!("library/{repository}")
        } else {
            repository
        };
        if repository.chars().any(|c| c.is_ascii_uppercase()) {
            return Err(format!(
                "invalid reference format: repository name ({repository}) must be lowercase"
            ));
        }
        let valid = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit() || "._-/".contains(c);
        if !repository.chars().all(valid)
            || repository.split('/').any(str::is_empty)
            || tag.is_some_and(|t| {
                t.len() > 128
                    || !t
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || "._-".contains(c))
            })
        {
            return Err(invalid());
        }
        let reference = match (digest, tag) {
            (Some(d), _) => d.to_string(),
            (None, Some(t)) => t.to_string(),
            (None, None) => "latest".to_string(),
        };
        Ok(Reference {
            domain,
            repository,
            reference,
        })
    }

    /// The host the API is served from (Docker Hub's is not `docker.io`).
    #[must_use]
    pub fn api_host(&self) -> &str {
        if self.domain == "docker.io" {
            "registry-1.docker.io"
        } else {
            &self.domain
        }
    }
}

/// Credentials for a registry, as the Docker CLI's configuration stores them.
#[derive(Clone, Debug, Default)]
pub struct Credentials {
    pub username: String,
    pub password: String,
    /// An OAuth refresh token (`identitytoken`), used instead of the password when set.
    pub identity_token: String,
}

impl Credentials {
    /// As the engine's API takes them (`X-Registry-Auth`).
    #[must_use]
    pub fn for_engine(&self, server: &str) -> bollard::auth::DockerCredentials {
        bollard::auth::DockerCredentials {
            username: Some(self.username.clone()).filter(|u| !u.is_empty()),
            password: Some(self.password.clone()).filter(|p| !p.is_empty()),
            identitytoken: Some(self.identity_token.clone()).filter(|t| !t.is_empty()),
            serveraddress: Some(server.to_string()),
            ..Default::default()
        }
    }
}

/// The key of a registry in the Docker CLI's configuration: Docker Hub's is
/// `https://index.docker.io/v1/`, another's is its host.
fn config_key(domain: &str) -> &str {
    if domain == "docker.io" || domain == "index.docker.io" || domain == "registry-1.docker.io" {
        "https://index.docker.io/v1/"
    } else {
        domain
    }
}

/// The host of a key of `auths` (`https://host/v1/` or `host`).
fn key_host(key: &str) -> &str {
    key.trim_start_matches("https://")
        .trim_start_matches("http://")
        .split('/')
        .next()
        .unwrap_or("")
}

fn read_config(config_dir: &Path) -> Option<serde_json::Value> {
    std::fs::read_to_string(config_dir.join("config.json"))
        .ok()
        .and_then(|t| serde_json::from_str(&t).ok())
}

/// The credentials the Docker CLI keeps for a registry (`docker login`) in the configuration
/// folder `config_dir`: from the credential helper `config.json` names for it
/// (`credHelpers`, `credsStore`), else from its `auths`.
#[must_use]
pub fn stored_credentials(config_dir: &Path, domain: &str) -> Option<Credentials> {
    let key = config_key(domain);
    let config = read_config(config_dir)?;
    let helper = config["credHelpers"][key]
        .as_str()
        .or(config["credsStore"].as_str())
        .filter(|h| !h.is_empty());
    if let Some(helper) = helper {
        if let Some(c) = from_helper(helper, key) {
            return Some(c);
        }
    }
    let auths = config["auths"].as_object()?;
    let entry = auths.get(key).or_else(|| {
        auths
            .iter()
            .find_map(|(k, v)| (key_host(k) == key).then_some(v))
    })?;
    let mut c = Credentials {
        username: entry["username"].as_str().unwrap_or("").to_string(),
        password: entry["password"].as_str().unwrap_or("").to_string(),
        identity_token: entry["identitytoken"].as_str().unwrap_or("").to_string(),
    };
    if let Some(auth) = entry["auth"].as_str().filter(|a| !a.is_empty()) {
        use base64::Engine as _;
        let decoded = base64::engine::general_purpose::STANDARD
            .decode(auth)
            .ok()?;
        let text = String::from_utf8(decoded).ok()?;
        let (u, p) = text.split_once(':')?;
        c.username = u.to_string();
        c.password = p.to_string();
    }
    Some(c)
}

/// Every registry the configuration in `config_dir` holds credentials for, by host (the
/// engine's builder asks for a base image's registry by host): the keys of `auths` and
/// `credHelpers`, and what the `credsStore` helper lists.
#[must_use]
pub fn all_stored_credentials(config_dir: &Path) -> HashMap<String, Credentials> {
    let Some(config) = read_config(config_dir) else {
        return HashMap::new();
    };
    let mut keys: Vec<String> = Vec::new();
    for section in ["auths", "credHelpers"] {
        if let Some(m) = config[section].as_object() {
            keys.extend(m.keys().cloned());
        }
    }
    if let Some(store) = config["credsStore"].as_str().filter(|h| !h.is_empty()) {
        if let Some(listed) = helper_call(store, "list", "") {
            if let Some(m) = listed.as_object() {
                keys.extend(m.keys().cloned());
            }
        }
    }
    let mut out = HashMap::new();
    for key in keys {
        let host = key_host(&key);
        let domain = if key == "https://index.docker.io/v1/" {
            "docker.io"
        } else {
            host
        };
        if let Some(c) = stored_credentials(config_dir, domain) {
            let server = if domain == "docker.io" {
                "registry-1.docker.io"
            } else {
                host
            };
            out.insert(server.to_string(), c.clone());
            out.insert(key.clone(), c);
        }
    }
    out
}

/// `docker-credential-HELPER VERB`, given `input` on stdin, its JSON answer.
fn helper_call(helper: &str, verb: &str, input: &str) -> Option<serde_json::Value> {
    use std::io::Write as _;
    let mut child = std::process::Command::new(format!("docker-credential-{helper}"))
        .arg(verb)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .ok()?;
    child.stdin.take()?.write_all(input.as_bytes()).ok()?;
    let out = child.wait_with_output().ok()?;
    if !out.status.success() {
        return None;
    }
    serde_json::from_slice(&out.stdout).ok()
}

/// `docker-credential-HELPER get`, given the server on stdin.
fn from_helper(helper: &str, server: &str) -> Option<Credentials> {
    let v = helper_call(helper, "get", server)?;
    let username = v["Username"].as_str().unwrap_or("").to_string();
    let secret = v["Secret"].as_str().unwrap_or("").to_string();
    Some(if username == "<token>" {
        Credentials {
            identity_token: secret,
            ..Default::default()
        }
    } else {
        Credentials {
            username,
            password: secret,
            identity_token: String::new(),
        }
    })
}

/// A blob or manifest to push: its bytes and their digest.
pub struct Content<'a> {
    pub media_type: &'a str,
    pub data: &'a [u8],
}

/// `sha256:HEX` of `data`.
#[must_use]
pub fn digest(data: &[u8]) -> String {
    let hash = Sha256::digest(data);
    let mut out = String::with_capacity(71);
    out.push_str("sha256:");
    for b in hash {
        out.push_str(&format!("{b:02x}"));
    }
    out
}

/// A session with one repository of one registry.
pub struct Client {
    agent: ureq::Agent,
    base: String,
    repository: String,
    credentials: Option<Credentials>,
    authorization: Option<String>,
}

fn is_loopback(host: &str) -> bool {
    let name = host
        .strip_prefix('[')
        .and_then(|h| h.split_once(']').map(|(a, _)| a))
        .unwrap_or_else(|| host.rsplit_once(':').map_or(host, |(h, _)| h));
    name == "localhost"
        || name
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// The roots to trust: the system's bundle and the registry's own CA (`certs.d`).
fn roots(host: &str) -> ureq::tls::RootCerts {
    let mut pem = Vec::new();
    let system = std::env::var_os(berth_loader::env_vars::SSL_CERT_FILE).map_or_else(
        || "/etc/ssl/certs/ca-certificates.crt".into(),
        std::path::PathBuf::from,
    );
    if let Ok(b) = std::fs::read(system) {
        pem.extend(b);
    }
    let certs_d = std::path::Path::new("/etc/docker/certs.d").join(host);
    if let Ok(dir) = std::fs::read_dir(certs_d) {
        for e in dir.flatten() {
            if e.path().extension().is_some_and(|x| x == "crt") {
                if let Ok(b) = std::fs::read(e.path()) {
                    pem.push(b'\n');
                    pem.extend(b);
                }
            }
        }
    }
    let certs: Vec<_> = ureq::tls::parse_pem(&pem)
        .filter_map(|item| match item {
            Ok(ureq::tls::PemItem::Certificate(c)) => Some(c),
            _ => None,
        })
        .collect();
    if certs.is_empty() {
        ureq::tls::RootCerts::WebPki
    } else {
        ureq::tls::RootCerts::new_with_certs(&certs)
    }
}

type Response = ureq::http::Response<ureq::Body>;

impl Client {
    /// Opens a session with `reference`'s repository: reaches the registry's `/v2/` over HTTPS
    /// (or plain HTTP on loopback) and authenticates as its challenge asks.
    ///
    /// # Errors
    /// An unreachable registry, or credentials it refuses.
    pub fn connect(
        reference: &Reference,
        credentials: Option<Credentials>,
    ) -> Result<Client, RegistryError> {
        let host = reference.api_host().to_string();
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(Duration::from_mins(2)))
            .tls_config(
                ureq::tls::TlsConfig::builder()
                    .root_certs(roots(&host))
                    .build(),
            )
            .build()
            .into();
        let mut client = Client {
            agent,
            base: format!("https://{host}"),
            repository: reference.repository.clone(),
            credentials,
            authorization: None,
        };
        let ping = match client.agent.get(format!("{}/v2/", client.base)).call() {
            Ok(r) => r,
            Err(e) if is_loopback(&host) => {
                // Plain HTTP only when a registry answers there (an HTTPS server answers 400).
                let plain = format!("http://{host}");
                match client.agent.get(format!("{plain}/v2/")).call() {
                    Ok(r) if matches!(r.status().as_u16(), 200 | 401) => {
                        client.base = plain;
                        r
                    }
                    _ => return Err(err(format!("failed to reach {host}: {e}"))),
                }
            }
            Err(e) => return Err(err(format!("failed to reach {host}: {e}"))),
        };
        if ping.status().as_u16() == 401 {
            client.authenticate(&ping)?;
        }
        Ok(client)
    }

    /// Answers a `WWW-Authenticate` challenge.
    fn authenticate(&mut self, challenge: &Response) -> Result<(), RegistryError> {
        let header = challenge
            .headers()
            .get("www-authenticate")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_string();
        let basic = self.credentials.as_ref().map(|c| {
            use base64::Engine as _;
            let pair = format!("{}:{}", c.username, c.password);
            format!(
                "Basic {}",
                base64::engine::general_purpose::STANDARD.encode(pair)
            )
        });
        let (scheme, params) = header.split_once(' ').unwrap_or((header.as_str(), ""));
        if scheme.eq_ignore_ascii_case("basic") {
            if basic.is_none() {
                return Err(RegistryError {
                    status: Some(401),
                    message: "unauthorized: authentication required (run `docker login` first)"
                        .into(),
                });
            }
            self.authorization = basic;
            return Ok(());
        }
        let param = |name: &str| challenge_param(params, name);
        let Some(realm) = param("realm") else {
            return Err(err(format!(
                "unsupported authentication challenge: {header}"
            )));
        };
        let mut url = format!("{realm}?scope=repository:{}:pull,push", self.repository);
        if let Some(service) = param("service") {
            url.push_str("&service=");
            url.push_str(&service);
        }
        let mut request = self.agent.get(&url);
        if let Some(c) = &self.credentials {
            if c.identity_token.is_empty() {
                if let Some(b) = &basic {
                    request = request.header("Authorization", b);
                }
            }
        }
        let mut response = request
            .call()
            .map_err(|e| err(format!("failed to fetch a token from {realm}: {e}")))?;
        let status = response.status().as_u16();
        let body = response.body_mut().read_to_string().unwrap_or_default();
        if status != 200 {
            return Err(RegistryError {
                status: Some(status),
                message: format!("failed to authorize: {realm} answered {status}: {body}"),
            });
        }
        let token: serde_json::Value = serde_json::from_str(&body)
            .map_err(|e| err(format!("failed to read the token from {realm}: {e}")))?;
        let token = token["token"]
            .as_str()
            .or(token["access_token"].as_str())
            .ok_or_else(|| err(format!("{realm} gave no token")))?;
        self.authorization = Some(format!("Bearer {token}"));
        Ok(())
    }

    fn url(&self, path: &str) -> String {
        format!("{}/v2/{}/{path}", self.base, self.repository)
    }

    fn with_auth<B>(&self, r: ureq::RequestBuilder<B>) -> ureq::RequestBuilder<B> {
        match &self.authorization {
            Some(a) => r.header("Authorization", a),
            None => r,
        }
    }

    /// Whether the repository has the blob `digest`.
    ///
    /// # Errors
    /// An unreachable registry.
    pub fn has_blob(&self, digest: &str) -> Result<bool, RegistryError> {
        let head = self
            .with_auth(self.agent.head(self.url(&format!("blobs/{digest}"))))
            .call()
            .map_err(|e| err(e.to_string()))?;
        Ok(head.status().is_success())
    }

    /// Asks the registry to mount the blob `digest` of its repository `from` here (no bytes
    /// sent); false when it would rather have the blob uploaded.
    ///
    /// # Errors
    /// An unreachable registry.
    pub fn mount_blob(&self, digest: &str, from: &str) -> Result<bool, RegistryError> {
        let r = self
            .with_auth(
                self.agent
                    .post(self.url(&format!("blobs/uploads/?mount={digest}&from={from}"))),
            )
            .send_empty()
            .map_err(|e| err(e.to_string()))?;
        Ok(r.status().as_u16() == 201)
    }

    /// Streams the blob `digest` of `from` (another repository, of this registry or another)
    /// into this one.
    ///
    /// # Errors
    /// Either registry's refusal.
    pub fn copy_blob(&self, from: &Client, digest: &str) -> Result<(), RegistryError> {
        let mut get = from
            .with_auth(from.agent.get(from.url(&format!("blobs/{digest}"))))
            .call()
            .map_err(|e| err(e.to_string()))?;
        if !get.status().is_success() {
            return Err(status_error(get, "failed to fetch", digest));
        }
        let location = self.start_upload(digest)?;
        let mut reader = get.body_mut().as_reader();
        let put = self
            .with_auth(self.agent.put(&location))
            .header("Content-Type", "application/octet-stream")
            .send(ureq::SendBody::from_reader(&mut reader))
            .map_err(|e| err(e.to_string()))?;
        if put.status().as_u16() != 201 {
            return Err(status_error(put, "failed to upload", digest));
        }
        Ok(())
    }

    /// Starts an upload; returns where to `PUT` the blob `digest`.
    fn start_upload(&self, digest: &str) -> Result<String, RegistryError> {
        let start = self
            .with_auth(self.agent.post(self.url("blobs/uploads/")))
            .send_empty()
            .map_err(|e| err(e.to_string()))?;
        let location = start
            .headers()
            .get("location")
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        let Some(location) = location.filter(|_| start.status().as_u16() == 202) else {
            return Err(status_error(start, "failed to start the upload of", digest));
        };
        let mut location = if location.starts_with('/') {
            format!("{}{location}", self.base)
        } else {
            location
        };
        location.push(if location.contains('?') { '&' } else { '?' });
        location.push_str("digest=");
        location.push_str(digest);
        Ok(location)
    }

    /// Uploads a blob unless the repository already has it.
    ///
    /// # Errors
    /// The registry's refusal.
    pub fn push_blob(&self, content: &Content<'_>) -> Result<(), RegistryError> {
        let digest = digest(content.data);
        if self.has_blob(&digest)? {
            return Ok(());
        }
        let location = self.start_upload(&digest)?;
        let put = self
            .with_auth(self.agent.put(&location))
            .header("Content-Type", "application/octet-stream")
            .send(content.data)
            .map_err(|e| err(e.to_string()))?;
        if put.status().as_u16() != 201 {
            return Err(status_error(put, "failed to upload", &digest));
        }
        Ok(())
    }

    /// Puts a manifest under `reference` (a tag or a digest).
    ///
    /// # Errors
    /// The registry's refusal, with its status.
    pub fn put_manifest(
        &self,
        reference: &str,
        content: &Content<'_>,
    ) -> Result<String, RegistryError> {
        let put = self
            .with_auth(self.agent.put(self.url(&format!("manifests/{reference}"))))
            .header("Content-Type", content.media_type)
            .send(content.data)
            .map_err(|e| err(e.to_string()))?;
        if put.status().as_u16() != 201 {
            return Err(status_error(put, "failed to push the manifest", reference));
        }
        Ok(digest(content.data))
    }

    /// A manifest's bytes and media type.
    ///
    /// # Errors
    /// The registry's refusal, with its status.
    pub fn manifest(&self, reference: &str) -> Result<(String, Vec<u8>), RegistryError> {
        let mut r = self
            .with_auth(self.agent.get(self.url(&format!("manifests/{reference}"))))
            .header(
                "Accept",
                "application/vnd.oci.image.manifest.v1+json, application/vnd.oci.image.index.v1+json, application/vnd.docker.distribution.manifest.v2+json, application/vnd.docker.distribution.manifest.list.v2+json",
            )
            .call()
            .map_err(|e| err(e.to_string()))?;
        if !r.status().is_success() {
            return Err(status_error(r, "failed to fetch the manifest", reference));
        }
        let media_type = r
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_string();
        let mut data = Vec::new();
        r.body_mut()
            .as_reader()
            .take(64 << 20)
            .read_to_end(&mut data)
            .map_err(|e| err(e.to_string()))?;
        Ok((media_type, data))
    }
}

/// What [`copy_image`] copied: the manifest's descriptor in the target repository.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Copied {
    pub media_type: String,
    pub digest: String,
    pub size: usize,
}

/// The media types of a manifest that lists others (an index, a Docker manifest list).
fn is_index(media_type: &str) -> bool {
    matches!(
        media_type,
        "application/vnd.oci.image.index.v1+json"
            | "application/vnd.docker.distribution.manifest.list.v2+json"
    )
}

/// Copies the manifest `reference` (a tag or digest) of `src` into `dst`, by digest, with
/// everything it refers to: the manifests an index lists, an image's config and layers. Blobs
/// the target has are skipped; on one registry they are mounted from the source repository
/// when it allows, else streamed through. The manifest keeps its bytes, so its digest.
///
/// # Errors
/// Either registry's refusal, or a manifest that cannot be read.
pub fn copy_image(
    src: &Client,
    dst: &Client,
    reference: &str,
    same_registry: bool,
) -> Result<Copied, RegistryError> {
    let (media_type, data) = src.manifest(reference)?;
    let value: serde_json::Value = serde_json::from_slice(&data)
        .map_err(|e| err(format!("cannot read the manifest of {reference}: {e}")))?;
    // A manifest that does not say its media type is taken for what it claims to be.
    let media_type = value["mediaType"]
        .as_str()
        .filter(|_| media_type.is_empty() || media_type == "application/json")
        .map_or(media_type, str::to_string);
    let digests = |key: &str| -> Vec<String> {
        value[key]
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|d| d["digest"].as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default()
    };
    if is_index(&media_type) {
        for child in digests("manifests") {
            copy_image(src, dst, &child, same_registry)?;
        }
    } else {
        let mut blobs: Vec<String> = value["config"]["digest"]
            .as_str()
            .map(str::to_string)
            .into_iter()
            .collect();
        blobs.extend(digests("layers"));
        for blob in blobs {
            if dst.has_blob(&blob)? || (same_registry && dst.mount_blob(&blob, &src.repository)?) {
                continue;
            }
            dst.copy_blob(src, &blob)?;
        }
    }
    let digest = dst.put_manifest(
        &digest(&data),
        &Content {
            media_type: &media_type,
            data: &data,
        },
    )?;
    Ok(Copied {
        media_type,
        digest,
        size: data.len(),
    })
}

fn status_error(mut r: Response, what: &str, subject: &str) -> RegistryError {
    let status = r.status().as_u16();
    let body = r.body_mut().read_to_string().unwrap_or_default();
    let detail = serde_json::from_str::<serde_json::Value>(&body)
        .ok()
        .and_then(|v| v["errors"][0]["message"].as_str().map(str::to_string))
        .unwrap_or_else(|| body.trim().to_string());
    RegistryError {
        status: Some(status),
        message: format!("{what} {subject}: unexpected status {status}: {detail}"),
    }
}

/// A parameter of a challenge's `key="value",…` list.
fn challenge_param(params: &str, name: &str) -> Option<String> {
    let mut rest = params.trim();
    while !rest.is_empty() {
        let (key, after) = rest.split_once('=')?;
        let after = after.trim_start();
        let (value, next) = if let Some(quoted) = after.strip_prefix('"') {
            let end = quoted.find('"')?;
            (&quoted[..end], &quoted[end + 1..])
        } else {
            let end = after.find(',').unwrap_or(after.len());
            (&after[..end], &after[end..])
        };
        if key.trim().eq_ignore_ascii_case(name) {
            return Some(value.to_string());
        }
        rest = next.trim_start_matches([',', ' ']);
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_are_normalized_as_the_docker_cli_does() {
        let r = Reference::parse("test/test").unwrap();
        assert_eq!(
            (
                r.domain.as_str(),
                r.repository.as_str(),
                r.reference.as_str()
            ),
            ("docker.io", "test/test", "latest")
        );
        assert_eq!(r.api_host(), "registry-1.docker.io");
        let r = Reference::parse("busybox").unwrap();
        assert_eq!(r.repository, "library/busybox");
        let r = Reference::parse("127.0.0.1:5000/a/b:v1").unwrap();
        assert_eq!(
            (
                r.domain.as_str(),
                r.repository.as_str(),
                r.reference.as_str()
            ),
            ("127.0.0.1:5000", "a/b", "v1")
        );
        let r = Reference::parse("localhost/x@sha256:abc").unwrap();
        assert_eq!(
            (r.domain.as_str(), r.reference.as_str()),
            ("localhost", "sha256:abc")
        );
        assert!(Reference::parse("x/Y:bad")
            .unwrap_err()
            .contains("must be lowercase"));
        assert!(Reference::parse("x/y:").is_err());
        assert!(Reference::parse("").is_err());
    }

    #[test]
    fn challenge_parameters_are_read_quoted_or_not() {
        let p = r#"realm="https://auth.docker.io/token",service="registry.docker.io",scope=x"#;
        assert_eq!(
            challenge_param(p, "realm").as_deref(),
            Some("https://auth.docker.io/token")
        );
        assert_eq!(
            challenge_param(p, "service").as_deref(),
            Some("registry.docker.io")
        );
        assert_eq!(challenge_param(p, "scope").as_deref(), Some("x"));
        assert_eq!(challenge_param(p, "nope"), None);
    }

    #[test]
    fn loopback_hosts_are_recognised() {
        assert!(is_loopback("127.0.0.1:5000"));
        assert!(is_loopback("localhost:5000"));
        assert!(is_loopback("[::1]:5000"));
        assert!(!is_loopback("registry-1.docker.io"));
    }
}
