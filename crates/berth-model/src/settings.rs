//! A service's own container settings, read once for every stage: the engine's create body,
//! the audit's rules and the docs' tables read the same typed view instead of looking keys up
//! in the tree. Settings with a richer view of their own have it elsewhere: ports, mounts,
//! healthcheck, networks, dependencies, deploy, build.

use crate::health::Duration;
use crate::lifecycle::Hook;
use crate::read::{self, At};
use crate::source::Span;
use crate::value::{Kind, Value};

/// One label.
#[derive(Clone, Debug)]
pub struct Label<'a> {
    pub key: &'a str,
    pub value: String,
    pub key_span: Span,
}

/// One `environment` variable.
#[derive(Clone, Debug)]
pub struct Var<'a> {
    pub name: &'a str,
    /// Its value; none for a variable left unset (`FOO:` or `- FOO`).
    pub value: Option<String>,
    /// Where the value (or the unset variable) is written.
    pub span: Span,
}

/// A service's `provider:`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Provider {
    /// `type`.
    pub kind: String,
    /// `options`, one pair per value (an option may list several), sorted by name.
    pub options: Vec<(String, String)>,
}

impl Provider {
    /// `provider: {type, options}`, each option with each of its values (the loader makes
    /// them lists).
    fn of(v: &Value) -> Provider {
        let mut options = Vec::new();
        if let Some(m) = v.get("options").and_then(Value::as_map) {
            for (k, vals) in m.iter() {
                let values: Vec<String> = match vals.as_seq() {
                    Some(seq) => seq.iter().filter_map(Value::scalar_to_string).collect(),
                    None => vals.scalar_to_string().into_iter().collect(),
                };
                for val in values {
                    options.push((k.name.clone(), val));
                }
            }
        }
        options.sort_by(|a, b| a.0.cmp(&b.0));
        Provider {
            kind: v
                .get("type")
                .and_then(Value::scalar_to_string)
                .unwrap_or_default(),
            options,
        }
    }
}

/// `logging`: the driver and its options.
#[derive(Clone, Debug)]
pub struct Logging<'a> {
    pub driver: Option<String>,
    pub options: Option<Vec<(&'a str, String)>>,
}

/// The settings of one service that map one-to-one onto a container's configuration.
#[derive(Clone, Debug)]
pub struct Settings<'a> {
    /// Where the service is defined.
    pub span: Span,
    pub image: Option<At<&'a str>>,
    pub container_name: Option<At<&'a str>>,
    pub command: Option<Vec<String>>,
    pub entrypoint: Option<Vec<String>>,
    /// `environment`: each variable with its value, none for a variable left unset.
    pub environment: Option<At<Vec<Var<'a>>>>,
    pub working_dir: Option<String>,
    pub user: Option<At<String>>,
    pub hostname: Option<String>,
    pub domainname: Option<String>,
    pub tty: Option<bool>,
    pub stdin_open: Option<bool>,
    pub stop_signal: Option<String>,
    pub stop_grace_period: Option<Duration<'a>>,
    pub mac_address: Option<String>,
    pub ipc: Option<String>,
    pub pid: Option<String>,
    pub network_mode: Option<At<&'a str>>,
    pub privileged: Option<At<bool>>,
    pub read_only: Option<bool>,
    pub init: Option<bool>,
    pub cap_add: Option<Vec<String>>,
    pub cap_drop: Option<Vec<String>>,
    /// `group_add`: supplementary groups, by name or number.
    pub group_add: Option<Vec<String>>,
    pub dns: Option<Vec<String>>,
    pub dns_search: Option<Vec<String>>,
    pub dns_opt: Option<Vec<String>>,
    /// `ulimits`: each name with its soft and hard limits (one number is both).
    pub ulimits: Option<Vec<(&'a str, i64, i64)>>,
    pub security_opt: Option<Vec<String>>,
    /// `extra_hosts` entries: `host=ip` as the loader writes the list form, `host:ip` from a
    /// mapping (a host with several addresses once for each).
    pub extra_hosts: Option<Vec<String>>,
    pub sysctls: Option<Vec<(&'a str, String)>>,
    /// `labels`, each with where its key is written.
    pub labels: Option<At<Vec<Label<'a>>>>,
    pub shm_size: Option<i64>,
    /// `restart` as written: `no`, `always`, `on-failure[:N]`, `unless-stopped`.
    pub restart: Option<&'a str>,
    pub logging: Option<Logging<'a>>,
    pub pull_policy: Option<String>,
    /// `expose` entries as written (`80`, `8000-8010/udp`).
    pub expose: Vec<At<String>>,
    pub tmpfs: Option<Vec<String>>,
    pub profiles: Option<At<Vec<String>>>,
    /// `links` entries (`service` or `service:alias`), each where it is written.
    pub links: Vec<At<&'a str>>,
    pub volumes_from: Option<Vec<String>>,
    /// `scale`, the replica count written outside `deploy`.
    pub scale: Option<i64>,
    /// `post_start` and `pre_stop` hooks, in their order.
    pub post_start: Vec<Hook>,
    pub pre_stop: Vec<Hook>,
    /// `provider`: the service is a program's to run, not a container.
    pub provider: Option<Provider>,
}

impl<'a> Settings<'a> {
    /// `labels` as key and value pairs, in their order (none when the service has none).
    #[must_use]
    pub fn label_pairs(&self) -> Vec<(String, String)> {
        self.labels
            .as_ref()
            .map(|l| {
                l.value
                    .iter()
                    .map(|l| (l.key.to_string(), l.value.clone()))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// The view of a service's mapping.
    #[must_use]
    pub fn of(v: &'a Value) -> Settings<'a> {
        let list = |k: &str| read::list_at(v.get(k)).map(At::into_inner);
        let text = |k: &str| read::text_at(v.get(k)).map(At::into_inner);
        let flag = |k: &str| v.get(k).and_then(Value::as_bool);
        Settings {
            span: v.span,
            image: read::str_at(v.get("image")),
            container_name: container_name(v),
            command: list("command"),
            entrypoint: list("entrypoint"),
            environment: environment(v),
            working_dir: text("working_dir"),
            user: user(v),
            hostname: text("hostname"),
            domainname: text("domainname"),
            tty: flag("tty"),
            stdin_open: flag("stdin_open"),
            stop_signal: text("stop_signal"),
            stop_grace_period: Duration::of(v.get("stop_grace_period")),
            mac_address: text("mac_address"),
            ipc: text("ipc"),
            pid: text("pid"),
            network_mode: network_mode(v),
            privileged: privileged(v),
            read_only: flag("read_only"),
            init: flag("init"),
            cap_add: list("cap_add"),
            group_add: list("group_add"),
            cap_drop: list("cap_drop"),
            dns: list("dns"),
            dns_search: list("dns_search"),
            dns_opt: list("dns_opt"),
            ulimits: v.get("ulimits").and_then(Value::as_map).map(|m| {
                m.iter()
                    .filter_map(|(k, l)| {
                        let n = |x: Option<&Value>| x.and_then(Value::as_i64);
                        let (soft, hard) = match n(Some(l)) {
                            Some(both) => (both, both),
                            None => (n(l.get("soft"))?, n(l.get("hard"))?),
                        };
                        Some((k.name.as_str(), soft, hard))
                    })
                    .collect()
            }),
            security_opt: list("security_opt"),
            extra_hosts: v.get("extra_hosts").map(extra_hosts),
            sysctls: read::pairs_at(v.get("sysctls")).map(At::into_inner),
            labels: labels(v),
            // The loader writes the size in bytes as a string (`"67108864"`), as Docker
            // Compose's `config` prints it.
            shm_size: v
                .get("shm_size")
                .and_then(|s| s.as_i64().or_else(|| s.scalar_to_string()?.parse().ok())),
            restart: v.get("restart").and_then(Value::as_str),
            logging: v.get("logging").map(|l| Logging {
                driver: read::text_at(l.get("driver")).map(At::into_inner),
                options: read::pairs_at(l.get("options")).map(At::into_inner),
            }),
            pull_policy: text("pull_policy"),
            expose: expose(v),
            tmpfs: list("tmpfs"),
            profiles: profiles(v),
            links: links(v),
            volumes_from: list("volumes_from"),
            scale: v.get("scale").and_then(Value::as_i64),
            post_start: Hook::list(v.get("post_start")),
            pre_stop: Hook::list(v.get("pre_stop")),
            provider: v.get("provider").map(Provider::of),
        }
    }

    /// The value of label `key`, if the service sets it.
    #[must_use]
    pub fn label(&self, key: &str) -> Option<&str> {
        find_label(&self.labels.as_ref()?.value, key)
    }
}

/// The value of label `key` among `labels`.
#[must_use]
pub fn find_label<'l>(labels: &'l [Label<'_>], key: &str) -> Option<&'l str> {
    labels
        .iter()
        .find(|l| l.key == key)
        .map(|l| l.value.as_str())
}

fn container_name(v: &Value) -> Option<At<&str>> {
    read::str_at(v.get("container_name"))
}

fn environment(v: &Value) -> Option<At<Vec<Var<'_>>>> {
    let e = v.get("environment")?;
    let vars = e
        .as_map()?
        .iter()
        .map(|(k, val)| Var {
            name: k.name.as_str(),
            value: val.scalar_to_string().filter(|_| !val.is_null()),
            span: val.span,
        })
        .collect();
    Some(read::at(e, vars))
}

fn user(v: &Value) -> Option<At<String>> {
    read::text_at(v.get("user"))
}

fn network_mode(v: &Value) -> Option<At<&str>> {
    read::str_at(v.get("network_mode"))
}

fn privileged(v: &Value) -> Option<At<bool>> {
    read::bool_at(v.get("privileged"))
}

fn labels(v: &Value) -> Option<At<Vec<Label<'_>>>> {
    let l = v.get("labels")?;
    let labels = l
        .as_map()?
        .iter()
        .map(|(k, val)| Label {
            key: k.name.as_str(),
            value: val.scalar_to_string().unwrap_or_default(),
            key_span: k.span,
        })
        .collect();
    Some(read::at(l, labels))
}

fn expose(v: &Value) -> Vec<At<String>> {
    read::items_at(v.get("expose"))
}

fn profiles(v: &Value) -> Option<At<Vec<String>>> {
    read::list_at(v.get("profiles"))
}

fn links(v: &Value) -> Vec<At<&str>> {
    v.get("links")
        .and_then(Value::as_seq)
        .unwrap_or(&[])
        .iter()
        .filter_map(|l| read::str_at(Some(l)))
        .collect()
}

/// Single settings, for the stages that need one of them many times (the audit asks a
/// service's `network_mode` for every reference it checks): the same readers
/// [`Settings::of`] uses, without building the whole view.
impl<'a> crate::Service<'a> {
    #[must_use]
    pub fn container_name(&self) -> Option<At<&'a str>> {
        container_name(self.value)
    }

    #[must_use]
    pub fn environment(&self) -> Option<At<Vec<Var<'a>>>> {
        environment(self.value)
    }

    #[must_use]
    pub fn user(&self) -> Option<At<String>> {
        user(self.value)
    }

    #[must_use]
    pub fn network_mode(&self) -> Option<At<&'a str>> {
        network_mode(self.value)
    }

    #[must_use]
    pub fn privileged(&self) -> Option<At<bool>> {
        privileged(self.value)
    }

    #[must_use]
    pub fn labels(&self) -> Option<At<Vec<Label<'a>>>> {
        labels(self.value)
    }

    #[must_use]
    pub fn expose(&self) -> Vec<At<String>> {
        expose(self.value)
    }

    #[must_use]
    pub fn profiles(&self) -> Option<At<Vec<String>>> {
        profiles(self.value)
    }

    #[must_use]
    pub fn links(&self) -> Vec<At<&'a str>> {
        links(self.value)
    }
}

/// `extra_hosts` in either form (a list of `host:ip`, or a mapping of host to one or several
/// addresses) as `host:ip` entries.
fn extra_hosts(v: &Value) -> Vec<String> {
    match &v.kind {
        Kind::Map(m) => m
            .iter()
            .flat_map(|(k, ips)| {
                let ips: Vec<String> = match &ips.kind {
                    Kind::Seq(s) => s.iter().filter_map(Value::scalar_to_string).collect(),
                    _ => ips.scalar_to_string().into_iter().collect(),
                };
                ips.into_iter().map(move |ip| format!("{}:{ip}", k.name))
            })
            .collect(),
        Kind::Seq(s) => s.iter().filter_map(Value::scalar_to_string).collect(),
        _ => Vec::new(),
    }
}
