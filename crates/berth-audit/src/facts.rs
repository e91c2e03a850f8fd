//! What the rules share: the ports a project publishes, the role of well-known images, which
//! kind of file (base, development, production, add-on) set a value, the text a value was
//! written as, references between services, and suppressions.

use std::path::Path;

use berth_model::{Project, Service, Span, Value};

/// A published host port (or range) of a service.
#[derive(Clone, Debug)]
pub struct Published<'a> {
    pub service: &'a str,
    /// `""` means every address.
    pub host_ip: String,
    pub first: u32,
    pub last: u32,
    pub protocol: String,
    pub target: String,
    pub span: Span,
}

impl Published<'_> {
    /// The host port, or range, as written: `8080`, `9000-9002`.
    #[must_use]
    pub fn ports(&self) -> String {
        if self.first == self.last {
            self.first.to_string()
        } else {
            format!("{}-{}", self.first, self.last)
        }
    }
}

/// Every host port the enabled services publish. Ports without a host side (an ephemeral
/// port chosen by the engine) are left out: they cannot conflict.
#[must_use]
pub fn published(project: &Project) -> Vec<Published<'_>> {
    let mut out = Vec::new();
    for s in project.services() {
        for p in s.ports() {
            let Some((first, last)) = p.published.as_deref().and_then(port_range) else {
                continue;
            };
            out.push(Published {
                service: s.name,
                host_ip: p.host_ip.unwrap_or("").to_string(),
                first,
                last,
                protocol: p.protocol.to_string(),
                target: p.target.map(|t| t.to_string()).unwrap_or_default(),
                span: p.span,
            });
        }
    }
    out
}

/// `8080` or `8000-8005`.
fn port_range(s: &str) -> Option<(u32, u32)> {
    let (a, b) = berth_model::ports::range(s.trim())?;
    (a > 0).then_some((u32::from(a), u32::from(b)))
}

/// Whether two host addresses can collide: the same address, or one of them is every address
/// of the other's family (`""` is every address of both families).
#[must_use]
pub fn addresses_overlap(a: &str, b: &str) -> bool {
    if a.is_empty() || b.is_empty() {
        return true;
    }
    let v6 = |ip: &str| ip.contains(':');
    if v6(a) != v6(b) {
        return false;
    }
    let any = |ip: &str| ip == "0.0.0.0" || ip == "::" || ip == "[::]";
    a == b || any(a) || any(b)
}

/// Whether a published port listens on every interface rather than one address.
#[must_use]
pub fn on_all_interfaces(p: &Published) -> bool {
    matches!(p.host_ip.as_str(), "" | "0.0.0.0" | "::" | "[::]")
}

/// The span of a service's name in the file that last defined it: where findings about the
/// whole service point.
#[must_use]
pub fn service_span(project: &Project, name: &str) -> Span {
    project.service_span(name).unwrap_or(Span::SYNTHETIC)
}

/// Whether a service is run by a provider program (`provider:`) rather than as a container:
/// container hardening does not apply to it.
#[must_use]
pub fn runs_no_container(s: &Service) -> bool {
    s.get("provider").is_some()
}

/// Whether the value at `span` was written in a compose file (not an `env_file`, not a
/// default the loader added).
#[must_use]
pub fn in_compose_file(project: &Project, span: Span) -> bool {
    project.sources.path(span.file).is_some_and(|p| {
        p.as_os_str() == "-"
            || p.extension()
                .is_some_and(|e| e.eq_ignore_ascii_case("yml") || e.eq_ignore_ascii_case("yaml"))
    })
}

/// What a service is, told from its image (or, for a built image, its name).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    Database,
    Cache,
    Broker,
    Monitoring,
    Proxy,
    DevTool,
    App,
}

const ROLES: &[(Role, &[&str])] = &[
    (
        Role::Database,
        &[
            "postgres",
            "postgresql",
            "postgis",
            "timescaledb",
            "mysql",
            "mariadb",
            "mongo",
            "mongodb",
            "cockroach",
            "clickhouse-server",
            "clickhouse",
            "cassandra",
            "couchdb",
            "neo4j",
            "influxdb",
            "elasticsearch",
            "opensearch",
            "questdb",
            "mssql-server",
        ],
    ),
    (
        Role::Cache,
        &[
            "redis",
            "redis-stack",
            "valkey",
            "keydb",
            "memcached",
            "dragonfly",
        ],
    ),
    (
        Role::Broker,
        &[
            "rabbitmq",
            "kafka",
            "cp-kafka",
            "nats",
            "eclipse-mosquitto",
            "mosquitto",
            "zookeeper",
            "cp-zookeeper",
            "activemq",
            "pulsar",
            "emqx",
            "redpanda",
        ],
    ),
    (
        Role::Monitoring,
        &[
            "prometheus",
            "grafana",
            "loki",
            "promtail",
            "alertmanager",
            "jaeger",
            "all-in-one",
            "tempo",
            "cadvisor",
            "node-exporter",
            "kibana",
            "zipkin",
            "uptime-kuma",
            "netdata",
            "otel-collector",
            "opentelemetry-collector",
            "alloy",
            "grafana-agent",
            "victoria-metrics",
        ],
    ),
    (
        Role::Proxy,
        &[
            "nginx",
            "traefik",
            "caddy",
            "haproxy",
            "envoy",
            "nginx-proxy",
            "httpd",
        ],
    ),
    (
        Role::DevTool,
        &[
            "pgadmin4",
            "pgadmin",
            "redis-commander",
            "mailhog",
            "mailpit",
            "adminer",
            "phpmyadmin",
            "mongo-express",
            "kafka-ui",
            "redisinsight",
            "maildev",
        ],
    ),
];

/// The image's name without registry, namespace, tag or digest: `prom/prometheus:v2` →
/// `prometheus`.
#[must_use]
pub fn image_base(image: &str) -> String {
    let no_digest = image.split('@').next().unwrap_or(image);
    let last = no_digest.rsplit('/').next().unwrap_or(no_digest);
    last.split(':').next().unwrap_or(last).to_ascii_lowercase()
}

/// The role of a service: by its image's name, else by the service's name.
#[must_use]
pub fn role(s: &Service) -> Role {
    let by = |name: &str| {
        ROLES
            .iter()
            .find(|(_, names)| names.contains(&name))
            .map(|(r, _)| *r)
    };
    s.image()
        .and_then(|i| by(&image_base(i)))
        .or_else(|| by(&s.name.to_ascii_lowercase()))
        .unwrap_or(Role::App)
}

/// Monitoring services people open in a browser, each with a login of its own: applications
/// for people rather than services for other containers.
const WEB_UIS: &[&str] = &["grafana", "kibana", "opensearch-dashboards", "uptime-kuma"];

/// Whether a service is a monitoring web UI (Grafana, Kibana, OpenSearch Dashboards, Uptime
/// Kuma), by its image's name, else by the service's name.
#[must_use]
pub fn is_web_ui(s: &Service) -> bool {
    s.image()
        .map(image_base)
        .is_some_and(|i| WEB_UIS.contains(&i.as_str()))
        || (s.image().is_none() && WEB_UIS.contains(&s.name.to_ascii_lowercase().as_str()))
}

/// Where a compose file sits in a deployment pattern, told from its name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FileKind {
    /// The first file of the project.
    Base,
    /// `*override*`, `*dev*`, `*local*`: development settings belong here.
    Development,
    /// `*prod*`.
    Production,
    /// Any other file combined with the base (`docker-compose.betanet.yml`).
    AddOn,
}

/// The kind of a file from its name alone.
#[must_use]
pub fn kind_of_name(path: &Path) -> FileKind {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    let words: Vec<&str> = name
        .split(['.', '-', '_'])
        .filter(|w| !w.is_empty())
        .collect();
    let has = |w: &[&str]| words.iter().any(|x| w.contains(x));
    if has(&["override", "dev", "development", "local", "debug"]) {
        FileKind::Development
    } else if has(&["prod", "production", "live"]) {
        FileKind::Production
    } else {
        FileKind::AddOn
    }
}

/// The kind of the file that set the value at `span`.
#[must_use]
pub fn file_kind(project: &Project, span: Span) -> FileKind {
    let Some(path) = project.sources.path(span.file) else {
        return FileKind::AddOn;
    };
    if project.config_files.first().is_some_and(|f| f == path) {
        FileKind::Base
    } else {
        kind_of_name(path)
    }
}

/// Whether the value at `span` was set by a development file.
#[must_use]
pub fn from_dev_file(project: &Project, span: Span) -> bool {
    !span.is_synthetic() && file_kind(project, span) == FileKind::Development
}

/// The text a value was written as in its file (before interpolation), if a file wrote it.
#[must_use]
pub fn raw(project: &Project, span: Span) -> Option<&str> {
    let file = project.sources.get(span.file)?;
    file.text.get(span.start as usize..span.end as usize)
}

/// Whether the value at `span` was written with a `$VAR` or `${VAR}` reference.
#[must_use]
pub fn interpolated(project: &Project, span: Span) -> bool {
    raw(project, span).is_some_and(|t| {
        let b = t.as_bytes();
        b.windows(2)
            .any(|w| w[0] == b'$' && (w[1] == b'{' || w[1] == b'_' || w[1].is_ascii_alphabetic()))
    })
}

/// The environment of a service: name, value (`None` when unset) and the value's span.
#[must_use]
pub fn environment<'a>(s: &Service<'a>) -> Vec<(&'a str, Option<String>, Span)> {
    s.environment()
        .map(|e| {
            e.value
                .into_iter()
                .map(|v| (v.name, v.value, v.span))
                .collect()
        })
        .unwrap_or_default()
}

/// `command` (or `entrypoint`) as one string, with the span of the value.
#[must_use]
pub fn command_line(s: &Service, key: &str) -> Option<(String, Span)> {
    let v = s.get(key)?;
    let text = match v.as_seq() {
        Some(items) => items
            .iter()
            .filter_map(Value::scalar_to_string)
            .collect::<Vec<_>>()
            .join(" "),
        None => v.scalar_to_string()?,
    };
    Some((text, v.span))
}

/// The networks a service is attached to (`network_mode: service:x` shares `x`'s).
#[must_use]
pub fn networks<'a>(project: &'a Project, s: &Service<'a>) -> Vec<&'a str> {
    let mut seen = s.name;
    let mut current = *s;
    for _ in 0..16 {
        match current.network_mode() {
            Some(mode) => match mode.value.strip_prefix("service:") {
                Some(other) if other != seen => {
                    let Some(next) = project.service(other) else {
                        return Vec::new();
                    };
                    seen = other;
                    current = next;
                }
                _ => return Vec::new(),
            },
            None => return current.networks().collect(),
        }
    }
    Vec::new()
}

/// Whether a service shares the host's network stack (it reaches published ports, and is
/// reached on them, without a Compose network).
#[must_use]
pub fn on_host_network(s: &Service) -> bool {
    s.network_mode().is_some_and(|m| m.value == "host")
}

/// How one service refers to another.
#[derive(Clone, Debug)]
pub struct Reference<'a> {
    pub from: &'a str,
    pub to: String,
    pub kind: RefKind,
    /// How the reference is made, for messages (`depends_on`, `scrape target in x.yml:7`).
    pub how: String,
    pub span: Span,
}

/// What makes one service refer to another.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RefKind {
    DependsOn,
    Link,
    /// A host name in an environment value.
    Environment,
    /// A Prometheus scrape target.
    Scrape,
    /// A Traefik router: the proxy routes to the service.
    Route,
}

/// Host names in a value: the host of every `scheme://[user[:pass]@]host[:port]`, or the whole
/// value when it is a bare `host[:port]`.
#[must_use]
pub fn hosts_in(value: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = value;
    while let Some(i) = rest.find("://") {
        let after = &rest[i + 3..];
        let end = after
            .find(|c: char| matches!(c, '/' | '?' | '#' | ',' | ';') || c.is_whitespace())
            .unwrap_or(after.len());
        let authority = &after[..end];
        let host_port = authority.rsplit('@').next().unwrap_or(authority);
        let host = host_port.split(':').next().unwrap_or(host_port);
        if !host.is_empty() {
            out.push(host);
        }
        rest = &after[end..];
    }
    if out.is_empty() {
        let host = value.split(':').next().unwrap_or(value);
        let port_ok = value
            .split_once(':')
            .is_none_or(|(_, p)| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()));
        if port_ok
            && !host.is_empty()
            && host
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
        {
            out.push(host);
        }
    }
    out
}

/// Names other services of the project are reached by: service names, `container_name`s and
/// network aliases, each with the service it names.
#[must_use]
pub fn host_names(project: &Project) -> Vec<(String, &str)> {
    let mut out = Vec::new();
    for s in project.services() {
        out.push((s.name.to_string(), s.name));
        if let Some(c) = s.container_name() {
            out.push((c.value.to_string(), s.name));
        }
        for n in s.attachments() {
            for a in n.aliases {
                out.push((a.to_string(), s.name));
            }
        }
    }
    out
}

/// Every reference from one service to another: `depends_on`, `links`, host names in
/// environment values whose name says they hold an address (`*_URL`, `*_HOST`, ...) or that
/// are URLs, the scrape targets of the `prometheus.yml` a service mounts, and the services a
/// Traefik of the project routes to (their `traefik.http.routers.*` labels).
#[must_use]
pub fn references(project: &Project) -> Vec<Reference<'_>> {
    let names = host_names(project);
    let lookup = |host: &str| {
        names
            .iter()
            .find(|(n, _)| n == host)
            .map(|(_, s)| (*s).to_string())
    };
    let mut out = Vec::new();
    for s in project.services() {
        for d in s.dependencies() {
            out.push(Reference {
                from: s.name,
                to: d.service.to_string(),
                kind: RefKind::DependsOn,
                how: "depends_on".into(),
                span: d.span,
            });
        }
        for l in s.links() {
            if let Some(target) = l.value.split(':').next() {
                if let Some(to) = lookup(target) {
                    out.push(Reference {
                        from: s.name,
                        to,
                        kind: RefKind::Link,
                        how: "links".into(),
                        span: l.span,
                    });
                }
            }
        }
        for (key, value, span) in environment(&s) {
            let Some(value) = value else { continue };
            let upper = key.to_ascii_uppercase();
            let addressy = [
                "URL",
                "URI",
                "HOST",
                "ADDR",
                "SERVER",
                "ENDPOINT",
                "DSN",
                "BROKER",
                "PEER",
                "UPSTREAM",
                "PROXY",
                "SEED",
                "BOOTSTRAP",
                "TARGET",
            ]
            .iter()
            .any(|w| upper.contains(w));
            if !addressy && !value.contains("://") {
                continue;
            }
            for host in hosts_in(&value) {
                if let Some(to) = lookup(host) {
                    if to != s.name {
                        out.push(Reference {
                            from: s.name,
                            to,
                            kind: RefKind::Environment,
                            how: "environment".into(),
                            span,
                        });
                    }
                }
            }
        }
        for (target, line, file, span) in scrape_targets(&s) {
            if let Some(to) = lookup(&target).filter(|to| to != s.name) {
                out.push(Reference {
                    from: s.name,
                    to,
                    kind: RefKind::Scrape,
                    how: format!("scrape target in {file}:{line}"),
                    span,
                });
            }
        }
    }
    let proxies: Vec<Service> = project
        .services()
        .filter(|s| s.image().is_some_and(|i| image_base(i) == "traefik"))
        .collect();
    for s in project.services() {
        let Some(labels) = s.labels() else {
            continue;
        };
        let routed = labels.value.iter().find(|l| {
            l.key.starts_with("traefik.http.routers.") || l.key.starts_with("traefik.tcp.routers.")
        });
        let disabled = berth_model::settings::find_label(&labels.value, "traefik.enable")
            .is_some_and(|v| v.eq_ignore_ascii_case("false"));
        let Some(label) = routed.filter(|_| !disabled) else {
            continue;
        };
        for proxy in &proxies {
            if proxy.name != s.name {
                out.push(Reference {
                    from: proxy.name,
                    to: s.name.to_string(),
                    kind: RefKind::Route,
                    how: format!("Traefik router `{}`", label.key),
                    span: label.key_span,
                });
            }
        }
    }
    out
}

/// The hosts a service scrapes as Prometheus: the `static_configs` targets of the
/// `prometheus.yml` it bind-mounts, each with its line and file name, and the span of the
/// mount in the compose file. A file that cannot be read or parsed gives none.
fn scrape_targets(s: &Service) -> Vec<(String, usize, String, Span)> {
    let mut out = Vec::new();
    for v in s.mounts() {
        let is_config = v
            .target
            .is_some_and(|t| t.ends_with("/prometheus.yml") || t.ends_with("/prometheus.yaml"));
        let bind = v.kind == berth_model::mount::MountKind::Bind;
        let Some(source) = v.source.filter(|_| is_config && bind) else {
            continue;
        };
        let Ok(text) = std::fs::read_to_string(source) else {
            continue;
        };
        let Ok(docs) = berth_loader::yaml::parse(berth_model::FileId::SYNTHETIC, &text) else {
            continue;
        };
        let file = std::path::Path::new(source)
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        for doc in docs.iter().filter_map(|d| d.root.as_ref()) {
            let jobs = doc
                .get("scrape_configs")
                .and_then(Value::as_seq)
                .unwrap_or(&[]);
            for job in jobs {
                let statics = job
                    .get("static_configs")
                    .and_then(Value::as_seq)
                    .unwrap_or(&[]);
                for sc in statics {
                    for t in sc.get("targets").and_then(Value::as_seq).unwrap_or(&[]) {
                        let Some(addr) = t.as_str() else { continue };
                        let host = addr.rsplit_once(':').map_or(addr, |(h, _)| h);
                        let start = (t.span.start as usize).min(text.len());
                        let line = text[..start].matches('\n').count() + 1;
                        out.push((host.to_string(), line, file.clone(), v.span));
                    }
                }
            }
        }
    }
    out
}

pub use berth_model::redact::secret_name;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosts_are_read_from_urls_and_bare_addresses() {
        assert_eq!(
            hosts_in("postgresql://u:p@postgres:5432/db"),
            vec!["postgres"]
        );
        assert_eq!(hosts_in("redis://redis:6379"), vec!["redis"]);
        assert_eq!(hosts_in("http://a:1,http://b:2"), vec!["a", "b"]);
        assert_eq!(hosts_in("db:5432"), vec!["db"]);
        assert_eq!(hosts_in("db"), vec!["db"]);
        assert!(hosts_in("a b").is_empty());
        assert!(hosts_in("x:y").is_empty());
    }

    #[test]
    fn addresses_overlap_within_a_family() {
        assert!(addresses_overlap("", "127.0.0.1"));
        assert!(addresses_overlap("0.0.0.0", "127.0.0.1"));
        assert!(!addresses_overlap("127.0.0.1", "127.0.0.2"));
        assert!(!addresses_overlap("0.0.0.0", "::1"));
        assert!(addresses_overlap("::", "::1"));
    }

    #[test]
    fn image_names_and_file_kinds() {
        assert_eq!(image_base("prom/prometheus:latest"), "prometheus");
        assert_eq!(
            image_base("docker.io/library/postgres:15@sha256:ab"),
            "postgres"
        );
        assert_eq!(image_base("localhost:5000/app"), "app");
        let k = |n: &str| kind_of_name(Path::new(n));
        assert_eq!(k("docker-compose.override.yml"), FileKind::Development);
        assert_eq!(k("docker-compose.dev.yml"), FileKind::Development);
        assert_eq!(k("docker-compose.prod.yml"), FileKind::Production);
        assert_eq!(k("compose.production.yaml"), FileKind::Production);
        assert_eq!(k("docker-compose.betanet.yml"), FileKind::AddOn);
        assert_eq!(k("docker-compose.devices.yml"), FileKind::AddOn);
    }
}
