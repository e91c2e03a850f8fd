//! The workload of a compose service: a Deployment; a StatefulSet for a single replica that
//! keeps its state in a named volume of its own (the volume becomes its claim template); a
//! DaemonSet for `deploy.mode: global`; a Job for a one-shot service (`replicated-job`, or one
//! that others wait on with `service_completed_successfully`).
//!
//! Its pod carries the container's process (entrypoint as `command`, command as `args`,
//! environment with `env_file` merged, working directory, user and capabilities as the
//! security context, resources as limits and requests), its health (`healthcheck` as
//! readiness and liveness probes, `start_period` as a startup probe), its order (each
//! dependency an init container that waits until the dependency's Service answers, which its
//! readiness gates, or until its Job has completed), and its storage and secrets.

use berth_model::dependency::Condition;
use berth_model::health::Duration;
use berth_model::mount::MountKind;
use berth_model::resources::FileKind;
use berth_model::{Diagnostic, Project, Service};
use std::collections::HashMap;

use serde_json::{json, Map, Value as Json};

use super::names::{label, Names, Of};
use super::storage::{single_replica, Store};
use super::{loss, metadata, selector, Options};

/// The settings the pod carries, or that need no carrying (resolved by the loader, or
/// development only); every other service key is reported.
const CARRIED: &[&str] = &[
    "image",
    "build",
    "command",
    "entrypoint",
    "environment",
    "env_file",
    "labels",
    "user",
    "working_dir",
    "hostname",
    "cap_add",
    "cap_drop",
    "group_add",
    "read_only",
    "privileged",
    "stop_grace_period",
    "healthcheck",
    "depends_on",
    "ports",
    "expose",
    "volumes",
    "tmpfs",
    "secrets",
    "configs",
    "deploy",
    "networks",
    "restart",
    "tty",
    "stdin_open",
    "dns",
    "dns_search",
    "dns_opt",
    "extra_hosts",
    "sysctls",
    "shm_size",
    "pull_policy",
    "profiles",
    "scale",
    "cpus",
    "mem_limit",
    "mem_reservation",
    "develop",
    "pid",
    "volumes_from",
    "post_start",
    "pre_stop",
];

/// What Kubernetes does instead, for the settings it has no place for.
const LOST: &[(&str, &str)] = &[
    ("container_name", "Kubernetes names the pods itself"),
    ("links", "pods reach each other by their Services' names"),
    ("network_mode", "a pod has a network of its own"),
    (
        "ipc",
        "left out: a pod's containers share their IPC namespace",
    ),
    ("devices", "left out: a device plugin gives pods devices"),
    (
        "security_opt",
        "left out: seccomp and AppArmor profiles are the cluster's (securityContext.seccompProfile)",
    ),
    (
        "cgroup_parent",
        "left out: the kubelet places pods in its cgroups",
    ),
    (
        "userns_mode",
        "left out: user namespaces are the kubelet's (hostUsers, where the cluster allows it)",
    ),
    (
        "mac_address",
        "left out: the network plugin assigns addresses",
    ),
    (
        "domainname",
        "left out: a pod's domain is its namespace's (a pod `subdomain` needs a headless Service of that name)",
    ),
    ("ulimits", "left out: the node's limits apply"),
    (
        "init",
        "left out: the image's entrypoint is the first process",
    ),
    ("stop_signal", "left out: the kubelet sends SIGTERM"),
    (
        "logging",
        "left out: the kubelet keeps the containers' output",
    ),
    (
        "pids_limit",
        "left out: the kubelet's pod PID limit applies",
    ),
    ("platform", "left out: the nodes' platform decides"),
    (
        "external_links",
        "left out: pods reach what is outside the project by its Service or host name",
    ),
    (
        "isolation",
        "left out: Windows isolation is the node's runtime class",
    ),
    (
        "credential_spec",
        "left out: a Windows credential spec is securityContext.windowsOptions, set by hand",
    ),
    (
        "cpu_shares",
        "left out: Kubernetes derives CPU shares from the CPU request",
    ),
    (
        "cpu_quota",
        "left out: a CPU limit (`deploy.resources.limits.cpus`) sets the quota",
    ),
    (
        "cpu_period",
        "left out: the kubelet sets the CFS period",
    ),
    ("cpuset", "left out: the kubelet's CPU manager pins CPUs"),
    (
        "memswap_limit",
        "left out: swap is the node's (memory limits bound the container)",
    ),
    (
        "volume_driver",
        "left out: a storage class chooses the driver (--storage-class)",
    ),
    (
        "oom_score_adj",
        "left out: the kubelet sets it from the pod's QoS class",
    ),
];

/// The kind of workload service `s` becomes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Workload {
    Deployment,
    StatefulSet,
    DaemonSet,
    Job,
}

/// The kind of workload of `s`.
#[must_use]
pub fn kind_of(s: &Service<'_>, store: &Store) -> Workload {
    let mode = s.deploy().mode;
    if matches!(mode, "replicated-job" | "global-job") || store.awaited.contains(s.name) {
        Workload::Job
    } else if mode == "global" {
        Workload::DaemonSet
    } else if store.owners.contains(s.name) && single_replica(s) {
        Workload::StatefulSet
    } else {
        Workload::Deployment
    }
}

/// A word as `sh` reads it back: as it is when it holds no character the shell treats
/// specially (nor `=`, which would make a first word an assignment), otherwise
/// single-quoted.
fn sh_quote(word: &str) -> String {
    let plain = !word.is_empty()
        && word
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"_-./:@%+,".contains(&b));
    if plain {
        word.to_string()
    } else {
        format!("'{}'", word.replace('\'', "'\\''"))
    }
}

/// One hook as a step of a `sh -c` script: in its directory, with its environment.
fn hook_script(h: &berth_model::lifecycle::Hook) -> String {
    let mut words: Vec<String> = Vec::new();
    let env: Vec<&String> = h.environment.iter().filter(|e| e.contains('=')).collect();
    if !env.is_empty() {
        words.push("env".into());
        words.extend(env.iter().map(|e| sh_quote(e)));
    }
    words.extend(h.command.iter().map(|w| sh_quote(w)));
    let run = words.join(" ");
    match &h.working_dir {
        Some(dir) => format!("(cd {} && {run})", sh_quote(dir)),
        None => format!("({run})"),
    }
}

/// Whole seconds, rounded up, at least 1.
fn seconds(d: Option<&Duration<'_>>, default: i64) -> i64 {
    d.and_then(|d| d.nanos)
        .map_or(default, |n| (n + 999_999_999) / 1_000_000_000)
        .max(1)
}

/// A CPU count (`0.5`) as a quantity (`500m`).
fn cpu_quantity(cpus: &str) -> Option<String> {
    let c: f64 = cpus.parse().ok()?;
    (c > 0.0).then(|| format!("{}m", (c * 1000.0).round() as i64))
}

/// Bytes as a quantity, in the largest binary unit that divides them.
fn memory_quantity(bytes: i64) -> String {
    for (unit, size) in [("Gi", 1_i64 << 30), ("Mi", 1 << 20), ("Ki", 1 << 10)] {
        if bytes % size == 0 {
            return format!("{}{unit}", bytes / size);
        }
    }
    bytes.to_string()
}

/// The probe of a healthcheck's test: the command, run by the kubelet in the container.
fn probe_command(test: &[String]) -> Option<Vec<String>> {
    match test.split_first()? {
        (first, rest) if first == "CMD" && !rest.is_empty() => Some(rest.to_vec()),
        (first, rest) if first == "CMD-SHELL" && !rest.is_empty() => {
            Some(vec!["/bin/sh".into(), "-c".into(), rest.join(" ")])
        }
        _ => None,
    }
}

/// What the conversion of every service reads, made once for the project.
pub struct Context<'c, 'a> {
    /// The project's services by name.
    pub services: &'c HashMap<&'a str, Service<'a>>,
    /// Each service's ports (see [`super::service::ports`]).
    pub ports: &'c HashMap<&'a str, Vec<super::service::ServicePort>>,
    pub store: &'c Store,
}

/// Builds the pod and the workload of one service.
struct Pod<'p, 'a> {
    project: &'p Project,
    context: &'p Context<'p, 'a>,
    s: &'p Service<'a>,
    names: &'p Names,
    store: &'p Store,
    opts: &'p Options,
    losses: &'p mut Vec<Diagnostic>,
    volumes: Vec<Json>,
    mounts: Vec<Json>,
    templates: Vec<Json>,
    /// Whether the pod waits for a Job (and needs the waiting account).
    waits_for_jobs: bool,
}

impl Pod<'_, '_> {
    fn lost(&mut self, what: &str, span: berth_model::Span, instead: &str) {
        self.losses.push(loss(self.s.name, what, span, instead));
    }

    fn settings_losses(&mut self) {
        let Some(map) = self.s.value.as_map() else {
            return;
        };
        let mut found = Vec::new();
        for (k, v) in map.iter() {
            let key = k.name.as_str();
            if key.starts_with("x-") || CARRIED.contains(&key) {
                continue;
            }
            let instead = LOST
                .iter()
                .find(|(l, _)| *l == key)
                .map_or("left out", |(_, i)| *i);
            found.push((key.to_string(), v.span, instead.to_string()));
        }
        for (key, span, instead) in found {
            self.lost(&key, span, &instead);
        }
    }

    fn container(&mut self) -> Json {
        let settings = self.s.settings();
        let mut c = Map::new();
        c.insert(
            "name".into(),
            json!(self.names.get(Of::Service, self.s.name)),
        );
        c.insert(
            "image".into(),
            json!(self.s.image_or_built(&self.project.name)),
        );
        if let Some(b) = self.s.build_value() {
            let image = self.s.image_or_built(&self.project.name);
            self.lost(
                "build",
                b.span,
                &format!("not built: the cluster pulls {image}, which must be pushed to a registry it reaches"),
            );
        }
        if let Some(e) = &settings.entrypoint {
            c.insert("command".into(), json!(e));
        }
        if let Some(a) = &settings.command {
            c.insert("args".into(), json!(a));
        }
        if let Some(env) = &settings.environment {
            let vars: Vec<Json> = env
                .value
                .iter()
                .filter_map(|v| {
                    v.value
                        .as_ref()
                        .map(|val| json!({ "name": v.name, "value": val }))
                })
                .collect();
            if !vars.is_empty() {
                c.insert("env".into(), Json::Array(vars));
            }
        }
        if let Some(w) = &settings.working_dir {
            c.insert("workingDir".into(), json!(w));
        }
        if settings.tty == Some(true) {
            c.insert("tty".into(), json!(true));
        }
        if settings.stdin_open == Some(true) {
            c.insert("stdin".into(), json!(true));
        }
        if let Some(p) = &settings.pull_policy {
            let policy = match p.as_str() {
                "always" | "daily" | "weekly" => Some("Always"),
                "never" => Some("Never"),
                "missing" | "if_not_present" => Some("IfNotPresent"),
                _ => None,
            };
            if let Some(policy) = policy {
                c.insert("imagePullPolicy".into(), json!(policy));
            }
        }
        let mut ports: Vec<Json> = Vec::new();
        for p in self.context.ports.get(self.s.name).into_iter().flatten() {
            let entry = json!({ "containerPort": p.target, "protocol": p.protocol });
            if !ports.contains(&entry) {
                ports.push(entry);
            }
        }
        if !ports.is_empty() {
            c.insert("ports".into(), Json::Array(ports));
        }
        if let Some(r) = self.resources() {
            c.insert("resources".into(), r);
        }
        if let Some(sc) = self.security_context(&settings) {
            c.insert("securityContext".into(), sc);
        }
        self.probes(&mut c);
        self.lifecycle(&settings, &mut c);
        Json::Object(c)
    }

    /// `post_start` and `pre_stop` as the container's lifecycle handlers. Kubernetes runs one
    /// command per handler, as the container's user: several hooks, or one with its own
    /// directory or environment, run as one `sh -c` script.
    fn lifecycle(
        &mut self,
        settings: &berth_model::settings::Settings<'_>,
        c: &mut Map<String, Json>,
    ) {
        let mut handlers = Map::new();
        for (key, field, hooks) in [
            ("post_start", "postStart", &settings.post_start),
            ("pre_stop", "preStop", &settings.pre_stop),
        ] {
            if hooks.is_empty() {
                continue;
            }
            let span = self.s.get(key).map_or(self.s.value.span, |v| v.span);
            if hooks.iter().any(|h| h.user.is_some() || h.privileged) {
                self.lost(
                    key,
                    span,
                    "run as the container's user, unprivileged: a Kubernetes hook has no user of its own",
                );
            }
            let command = match hooks.as_slice() {
                [h] if h.working_dir.is_none() && h.environment.is_empty() => h.command.clone(),
                _ => {
                    let script = hooks
                        .iter()
                        .map(hook_script)
                        .collect::<Vec<_>>()
                        .join(" && ");
                    vec!["sh".to_string(), "-c".to_string(), script]
                }
            };
            handlers.insert(field.into(), json!({ "exec": { "command": command } }));
        }
        if !handlers.is_empty() {
            c.insert("lifecycle".into(), Json::Object(handlers));
        }
    }

    fn resources(&mut self) -> Option<Json> {
        let deploy = self.s.deploy();
        let mut out = Map::new();
        for (key, r) in [
            ("limits", &deploy.limits),
            ("requests", &deploy.reservations),
        ] {
            let mut m = Map::new();
            if let Some(cpu) = r.cpus.as_ref().and_then(|c| cpu_quantity(&c.value)) {
                m.insert("cpu".into(), json!(cpu));
            }
            if let Some(mem) = r.memory_bytes() {
                m.insert("memory".into(), json!(memory_quantity(mem)));
            }
            if let Some(p) = &r.pids {
                let span = p.span;
                self.lost(
                    "deploy.resources.pids",
                    span,
                    "left out: the kubelet's pod PID limit applies",
                );
            }
            if !m.is_empty() {
                out.insert(key.into(), Json::Object(m));
            }
        }
        (!out.is_empty()).then_some(Json::Object(out))
    }

    fn security_context(&mut self, settings: &berth_model::settings::Settings<'_>) -> Option<Json> {
        let mut sc = Map::new();
        if let Some(user) = &settings.user {
            let (u, g) = user
                .value
                .split_once(':')
                .map_or((user.value.as_str(), None), |(u, g)| (u, Some(g)));
            match (u.parse::<i64>(), g.map(str::parse::<i64>)) {
                (Ok(uid), None) => {
                    sc.insert("runAsUser".into(), json!(uid));
                }
                (Ok(uid), Some(Ok(gid))) => {
                    sc.insert("runAsUser".into(), json!(uid));
                    sc.insert("runAsGroup".into(), json!(gid));
                }
                _ => {
                    let span = user.span;
                    self.lost(
                        "user",
                        span,
                        "a user by name: Kubernetes runs as a numeric ID; the image's user applies",
                    );
                }
            }
        }
        let caps = |list: &Option<Vec<String>>| -> Vec<String> {
            list.iter()
                .flatten()
                .map(|c| c.strip_prefix("CAP_").unwrap_or(c).to_string())
                .collect()
        };
        let (add, drop) = (caps(&settings.cap_add), caps(&settings.cap_drop));
        if !add.is_empty() || !drop.is_empty() {
            let mut m = Map::new();
            if !add.is_empty() {
                m.insert("add".into(), json!(add));
            }
            if !drop.is_empty() {
                m.insert("drop".into(), json!(drop));
            }
            sc.insert("capabilities".into(), Json::Object(m));
        }
        if settings.read_only == Some(true) {
            sc.insert("readOnlyRootFilesystem".into(), json!(true));
        }
        if let Some(p) = settings.privileged.as_ref().filter(|p| p.value) {
            sc.insert("privileged".into(), json!(true));
            let span = p.span;
            self.lost(
                "privileged",
                span,
                "carried as a privileged container, which many clusters' pod security admission refuses",
            );
        }
        (!sc.is_empty()).then_some(Json::Object(sc))
    }

    fn probes(&mut self, c: &mut Map<String, Json>) {
        let Some(h) = self.s.healthcheck() else {
            return;
        };
        if h.disable {
            return;
        }
        let Some(command) = h.test.as_deref().and_then(probe_command) else {
            return;
        };
        let probe = json!({
            "exec": { "command": command },
            "periodSeconds": seconds(h.interval.as_ref(), 30),
            "timeoutSeconds": seconds(h.timeout.as_ref(), 30),
            "failureThreshold": h.retries.filter(|r| *r > 0).unwrap_or(3),
        });
        c.insert("readinessProbe".into(), probe.clone());
        c.insert("livenessProbe".into(), probe);
        if let Some(start) = h
            .start_period
            .as_ref()
            .and_then(|d| d.nanos)
            .filter(|n| *n > 0)
        {
            let period = seconds(h.start_interval.as_ref(), 5);
            let tries = (start / 1_000_000_000 + period - 1) / period;
            c.insert(
                "startupProbe".into(),
                json!({
                    "exec": { "command": command },
                    "periodSeconds": period,
                    "timeoutSeconds": seconds(h.timeout.as_ref(), 30),
                    "failureThreshold": tries.max(1) + h.retries.filter(|r| *r > 0).unwrap_or(3),
                }),
            );
        }
    }

    /// An init container per dependency, waiting for it as its condition says.
    fn waits(&mut self) -> Vec<Json> {
        let mut out = Vec::new();
        let deps: Vec<_> = self.s.dependencies().collect();
        for d in deps {
            if !self.context.services.contains_key(d.service) {
                continue;
            }
            let dep_name = self.names.get(Of::Service, d.service);
            let name = label(&format!("wait-for-{dep_name}"));
            if d.condition == Condition::CompletedSuccessfully {
                self.waits_for_jobs = true;
                out.push(json!({
                    "name": name,
                    "image": self.opts.kubectl_image,
                    "command": ["kubectl", "wait", "--for=condition=complete", "--timeout=-1s", format!("job/{dep_name}")],
                }));
                continue;
            }
            let ports = self
                .context
                .ports
                .get(d.service)
                .map_or(&[][..], Vec::as_slice);
            let Some(port) = ports.iter().find(|p| p.protocol == "TCP") else {
                self.lost(
                    "depends_on",
                    d.span,
                    &format!(
                        "{} has no TCP port to wait on: this pod starts without waiting for it",
                        d.service
                    ),
                );
                continue;
            };
            out.push(json!({
                "name": name,
                "image": self.opts.wait_image,
                "command": ["sh", "-c", format!(
                    "until nc -z -w 2 {dep_name} {port}; do echo waiting for {dep_name}; sleep 2; done",
                    port = port.port
                )],
            }));
        }
        out
    }

    /// The pod's volumes and the container's mounts.
    fn storage(&mut self) {
        let mounts: Vec<_> = self.s.mounts().collect();
        let mut anon = 0;
        for m in mounts {
            let Some(target) = m.target else { continue };
            let mut mount = json!({ "mountPath": target });
            if m.read_only {
                mount["readOnly"] = json!(true);
            }
            if let Some(sub) = m.volume.as_ref().and_then(|v| v.subpath) {
                mount["subPath"] = json!(sub);
            }
            let volume = match m.kind {
                MountKind::Volume => {
                    if let Some(def) = m.source.and_then(|src| self.project.volume_def(src)) {
                        let name = self.names.get(Of::Volume, def.key);
                        mount["name"] = json!(name);
                        let owned = self.store.templates.get(def.key).map(String::as_str)
                            == Some(self.s.name);
                        if owned {
                            let known = self
                                .templates
                                .iter()
                                .any(|t| t["metadata"]["name"] == json!(name));
                            if let (false, Some(spec)) = (known, self.store.claims.get(def.key)) {
                                self.templates
                                    .push(json!({ "metadata": { "name": name }, "spec": spec }));
                            }
                        } else if !self.volumes.iter().any(|v| v["name"] == json!(name)) {
                            let claim = if def.external {
                                label(def.name.unwrap_or(def.key))
                            } else {
                                name.clone()
                            };
                            self.volumes.push(json!({
                                "name": name,
                                "persistentVolumeClaim": { "claimName": claim },
                            }));
                        }
                        self.mounts.push(mount);
                        continue;
                    }
                    anon += 1;
                    Some(json!({ "name": format!("anon-{anon}"), "emptyDir": {} }))
                }
                MountKind::Tmpfs => {
                    anon += 1;
                    let mut e = json!({ "medium": "Memory" });
                    if let Some(size) = m.tmpfs.as_ref().and_then(|t| t.size) {
                        e["sizeLimit"] = json!(memory_quantity(size));
                    }
                    Some(json!({ "name": format!("tmpfs-{anon}"), "emptyDir": e }))
                }
                MountKind::Bind if self.opts.allow_hostpath => {
                    anon += 1;
                    Some(json!({
                        "name": format!("host-{anon}"),
                        "hostPath": { "path": m.source.unwrap_or_default() },
                    }))
                }
                MountKind::Bind => {
                    let span = m.span;
                    self.lost(
                        "volumes",
                        span,
                        &format!(
                            "a bind mount of {}: left out (--allow-hostpath makes it a hostPath volume)",
                            m.source.unwrap_or_default()
                        ),
                    );
                    continue;
                }
                _ => {
                    let span = m.span;
                    self.lost(
                        "volumes",
                        span,
                        &format!("a {} mount: left out", m.type_name),
                    );
                    continue;
                }
            };
            if let Some(v) = volume {
                mount["name"] = v["name"].clone();
                self.volumes.push(v);
            }
            self.mounts.push(mount);
        }
        // The named volumes of the services this one takes volumes from, by claim.
        for (from, read_only) in super::storage::volumes_from(self.s) {
            let Some(other) = self.project.service(&from) else {
                continue;
            };
            for (key, m) in super::storage::named_volumes(self.project, &other) {
                let Some(target) = m.target else { continue };
                let name = self.names.get(Of::Volume, key);
                if !self.volumes.iter().any(|v| v["name"] == json!(name)) {
                    let claim = match self.project.volume_def(key) {
                        Some(def) if def.external => label(def.name.unwrap_or(key)),
                        _ => name.clone(),
                    };
                    self.volumes.push(json!({
                        "name": name,
                        "persistentVolumeClaim": { "claimName": claim },
                    }));
                }
                let mut mount = json!({ "name": name, "mountPath": target });
                if read_only || m.read_only {
                    mount["readOnly"] = json!(true);
                }
                self.mounts.push(mount);
            }
        }
        if let Some(v) = self.s.get("volumes_from") {
            let containers: Vec<String> = self
                .s
                .settings()
                .volumes_from
                .unwrap_or_default()
                .into_iter()
                .filter(|v| v.starts_with("container:"))
                .collect();
            if !containers.is_empty() {
                let span = v.span;
                self.lost(
                    "volumes_from",
                    span,
                    &format!(
                        "{}: a container outside the project: left out",
                        containers.join(", ")
                    ),
                );
            }
        }
        let settings = self.s.settings();
        for path in settings.tmpfs.unwrap_or_default() {
            anon += 1;
            let name = format!("tmpfs-{anon}");
            let target = path.split_once(':').map_or(path.as_str(), |(p, _)| p);
            self.volumes
                .push(json!({ "name": name, "emptyDir": { "medium": "Memory" } }));
            self.mounts
                .push(json!({ "name": name, "mountPath": target }));
        }
        if let Some(size) = settings.shm_size {
            self.volumes.push(json!({
                "name": "dshm",
                "emptyDir": { "medium": "Memory", "sizeLimit": memory_quantity(size) },
            }));
            self.mounts
                .push(json!({ "name": "dshm", "mountPath": "/dev/shm" }));
        }
        self.files();
    }

    /// Secrets and configs, each mounted at its target.
    fn files(&mut self) {
        let refs: Vec<_> = self.s.files().collect();
        for f in refs {
            let Some(def) = self.project.file_def(f.kind, f.source) else {
                continue;
            };
            let (of, prefix, default_dir) = match f.kind {
                FileKind::Secret => (Of::Secret, "secret", "/run/secrets/"),
                FileKind::Config => (Of::Config, "config", "/"),
            };
            let external =
                def.external || (f.kind == FileKind::Secret && self.opts.external_secrets);
            let object = if external {
                label(def.name)
            } else {
                self.names.get(of, f.source)
            };
            let key = if external {
                def.name.to_string()
            } else {
                object.clone()
            };
            let target = match f.target {
                Some(t) if t.starts_with('/') => t.to_string(),
                Some(t) => format!("{default_dir}{t}"),
                None => format!("{default_dir}{}", f.source),
            };
            let file = target.rsplit('/').next().unwrap_or(&key).to_string();
            let mut item = json!({ "key": key, "path": file });
            if let Some(mode) = f.mode {
                item["mode"] = json!(mode);
            }
            if f.uid.is_some() || f.gid.is_some() {
                let span = f.span;
                self.lost(
                    &format!("{}.uid", f.kind.section()),
                    span,
                    "left out: the file belongs to root (a pod's fsGroup sets its group)",
                );
            }
            let vname = label(&format!("{prefix}-{object}"));
            if !self.volumes.iter().any(|v| v["name"] == json!(vname)) {
                let source = match f.kind {
                    FileKind::Secret => {
                        json!({ "secret": { "secretName": object, "items": [item] } })
                    }
                    FileKind::Config => json!({ "configMap": { "name": object, "items": [item] } }),
                };
                let mut v = json!({ "name": vname });
                if let (Json::Object(v), Json::Object(s)) = (&mut v, source) {
                    v.extend(s);
                }
                self.volumes.push(v);
            }
            self.mounts.push(json!({
                "name": vname,
                "mountPath": target,
                "subPath": file,
                "readOnly": true,
            }));
        }
    }

    fn pod_spec(&mut self, kind: Workload) -> Json {
        self.settings_losses();
        let mut container = self.container();
        let init = self.waits();
        self.storage();
        if !self.mounts.is_empty() {
            container["volumeMounts"] = Json::Array(std::mem::take(&mut self.mounts));
        }
        let settings = self.s.settings();
        let mut spec = Map::new();
        spec.insert("containers".into(), Json::Array(vec![container]));
        if !init.is_empty() {
            spec.insert("initContainers".into(), Json::Array(init));
        }
        if self.waits_for_jobs {
            spec.insert(
                "serviceAccountName".into(),
                json!(waiter_account(&self.names.project)),
            );
        }
        if !self.volumes.is_empty() {
            spec.insert(
                "volumes".into(),
                Json::Array(std::mem::take(&mut self.volumes)),
            );
        }
        if let Some(g) = settings.stop_grace_period.as_ref().and_then(|d| d.nanos) {
            spec.insert(
                "terminationGracePeriodSeconds".into(),
                json!((g + 999_999_999) / 1_000_000_000),
            );
        }
        if let Some(h) = &settings.hostname {
            if super::names::is_label(h) {
                spec.insert("hostname".into(), json!(h));
            } else if let Some(v) = self.s.get("hostname") {
                let span = v.span;
                self.lost(
                    "hostname",
                    span,
                    "not a DNS label: the pod keeps its own name",
                );
            }
        }
        let mut dns = Map::new();
        if let Some(n) = settings.dns.filter(|d| !d.is_empty()) {
            dns.insert("nameservers".into(), json!(n));
        }
        if let Some(s) = settings.dns_search.filter(|d| !d.is_empty()) {
            dns.insert("searches".into(), json!(s));
        }
        if let Some(o) = settings.dns_opt.filter(|d| !d.is_empty()) {
            let opts: Vec<Json> = o
                .iter()
                .map(|o| match o.split_once(':') {
                    Some((n, v)) => json!({ "name": n, "value": v }),
                    None => json!({ "name": o }),
                })
                .collect();
            dns.insert("options".into(), Json::Array(opts));
        }
        if !dns.is_empty() {
            if dns.contains_key("nameservers") {
                spec.insert("dnsPolicy".into(), json!("None"));
            }
            spec.insert("dnsConfig".into(), Json::Object(dns));
        }
        let mut aliases: Vec<(String, Vec<String>)> = Vec::new();
        for h in settings.extra_hosts.unwrap_or_default() {
            let Some((host, ip)) = h.split_once([':', '=']) else {
                continue;
            };
            match aliases.iter_mut().find(|(i, _)| i == ip) {
                Some((_, hosts)) => hosts.push(host.to_string()),
                None => aliases.push((ip.to_string(), vec![host.to_string()])),
            }
        }
        if !aliases.is_empty() {
            spec.insert(
                "hostAliases".into(),
                json!(aliases
                    .iter()
                    .map(|(ip, hosts)| json!({ "ip": ip, "hostnames": hosts }))
                    .collect::<Vec<_>>()),
            );
        }
        let mut pod_security = Map::new();
        if let Some(sys) = settings.sysctls.filter(|s| !s.is_empty()) {
            pod_security.insert(
                "sysctls".into(),
                sys.iter()
                    .map(|(n, v)| json!({ "name": n, "value": v }))
                    .collect(),
            );
        }
        if let Some(groups) = settings.group_add.filter(|g| !g.is_empty()) {
            let (ids, names): (Vec<_>, Vec<_>) =
                groups.iter().partition(|g| g.parse::<i64>().is_ok());
            if !ids.is_empty() {
                pod_security.insert(
                    "supplementalGroups".into(),
                    ids.iter().filter_map(|g| g.parse::<i64>().ok()).collect(),
                );
            }
            if !names.is_empty() {
                let span = self
                    .s
                    .get("group_add")
                    .map_or(self.s.value.span, |v| v.span);
                let names: Vec<&str> = names.iter().map(|g| g.as_str()).collect();
                self.lost(
                    "group_add",
                    span,
                    &format!(
                        "{}: a group by name is left out: Kubernetes takes numeric group IDs (supplementalGroups)",
                        names.join(", ")
                    ),
                );
            }
        }
        if !pod_security.is_empty() {
            spec.insert("securityContext".into(), Json::Object(pod_security));
        }
        if let Some(pid) = &settings.pid {
            let span = self.s.get("pid").map_or(self.s.value.span, |v| v.span);
            if pid == "host" {
                spec.insert("hostPID".into(), json!(true));
                self.lost(
                    "pid",
                    span,
                    "carried as hostPID, which many clusters' pod security admission refuses",
                );
            } else {
                self.lost(
                    "pid",
                    span,
                    "left out: a pod's containers share no PID namespace with another pod",
                );
            }
        }
        self.node_selector(&mut spec);
        let restart = settings.restart.unwrap_or("no");
        if kind == Workload::Job {
            let on_failure = restart.starts_with("on-failure")
                || self
                    .s
                    .deploy()
                    .restart_policy
                    .as_ref()
                    .and_then(|p| p.condition)
                    == Some("on-failure");
            spec.insert(
                "restartPolicy".into(),
                json!(if on_failure { "OnFailure" } else { "Never" }),
            );
        } else if !matches!(restart, "always" | "unless-stopped") && settings.restart.is_some() {
            if let Some(v) = self.s.get("restart") {
                let span = v.span;
                self.lost(
                    "restart",
                    span,
                    "the pods of a long-running workload always restart",
                );
            }
        }
        Json::Object(spec)
    }

    /// `deploy.placement.constraints` on node labels, host name or OS as a node selector.
    fn node_selector(&mut self, spec: &mut Map<String, Json>) {
        let deploy = self.s.deploy();
        let mut sel = Map::new();
        for c in &deploy.placement.constraints {
            let parsed = c.split_once("==").map(|(k, v)| (k.trim(), v.trim()));
            let key = parsed.and_then(|(k, v)| {
                let key = if let Some(l) = k.strip_prefix("node.labels.") {
                    l.to_string()
                } else {
                    match k {
                        "node.hostname" => "kubernetes.io/hostname".into(),
                        "node.platform.os" => "kubernetes.io/os".into(),
                        _ => return None,
                    }
                };
                Some((key, v.to_string()))
            });
            if let Some((k, v)) = key {
                sel.insert(k, json!(v));
            } else {
                let span = self
                    .s
                    .value
                    .path(&["deploy", "placement", "constraints"])
                    .map_or(deploy.span, |v| v.span);
                self.lost(
                    "deploy.placement.constraints",
                    span,
                    &format!(
                        "{c}: left out (only node labels, host name and OS become a node selector)"
                    ),
                );
            }
        }
        if !sel.is_empty() {
            spec.insert("nodeSelector".into(), Json::Object(sel));
        }
        for key in ["preferences", "max_replicas_per_node"] {
            if let Some(v) = self.s.value.path(&["deploy", "placement", key]) {
                let span = v.span;
                self.lost(&format!("deploy.placement.{key}"), span, "left out");
            }
        }
    }
}

/// The service account of the pods that wait for a Job (allowed to read Jobs).
#[must_use]
pub fn waiter_account(project: &str) -> String {
    label(&format!("{project}-job-waiter"))
}

/// The account, role and binding that let pods read the project's Jobs.
#[must_use]
pub fn waiter_objects(project: &str, opts: &Options) -> Vec<Json> {
    let name = waiter_account(project);
    let labels = json!({ "app.kubernetes.io/part-of": project });
    vec![
        json!({
            "apiVersion": "v1",
            "kind": "ServiceAccount",
            "metadata": metadata(opts, &name, &labels),
        }),
        json!({
            "apiVersion": "rbac.authorization.k8s.io/v1",
            "kind": "Role",
            "metadata": metadata(opts, &name, &labels),
            "rules": [{ "apiGroups": ["batch"], "resources": ["jobs"], "verbs": ["get", "list", "watch"] }],
        }),
        json!({
            "apiVersion": "rbac.authorization.k8s.io/v1",
            "kind": "RoleBinding",
            "metadata": metadata(opts, &name, &labels),
            "roleRef": { "apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": name },
            "subjects": [{ "kind": "ServiceAccount", "name": name }],
        }),
    ]
}

/// The workload of service `s`, and whether its pods wait for a Job.
pub fn convert<'a>(
    project: &'a Project,
    context: &Context<'_, 'a>,
    s: &Service<'a>,
    names: &Names,
    opts: &Options,
    losses: &mut Vec<Diagnostic>,
) -> (Json, bool) {
    let store = context.store;
    let kind = kind_of(s, store);
    let name = names.get(Of::Service, s.name);
    let sel = selector(&names.project, &name);
    let mut pod = Pod {
        project,
        context,
        s,
        names,
        store,
        opts,
        losses,
        volumes: Vec::new(),
        mounts: Vec::new(),
        templates: Vec::new(),
        waits_for_jobs: false,
    };
    let pod_spec = pod.pod_spec(kind);
    let templates = std::mem::take(&mut pod.templates);
    let waits = pod.waits_for_jobs;
    let mut pod_labels = sel.clone();
    for (k, v) in super::network::pod_labels(s) {
        pod_labels[k] = json!(v);
    }
    // The objects are assembled by moving their parts in: `json!` would copy each.
    let mut template = json!({ "metadata": { "labels": pod_labels } });
    template["spec"] = pod_spec;
    let annotations = s.settings().label_pairs();
    if !annotations.is_empty() {
        template["metadata"]["annotations"] = json!(annotations
            .into_iter()
            .collect::<std::collections::BTreeMap<_, _>>());
    }
    let deploy = s.deploy();
    let replicas = s.replicas().unwrap_or(1);
    let mut meta = metadata(opts, &name, &sel);
    if !deploy.labels.is_empty() {
        meta["annotations"] = json!(deploy
            .labels
            .iter()
            .map(|(k, v)| ((*k).to_string(), v.clone()))
            .collect::<std::collections::BTreeMap<_, _>>());
    }
    let (api, kind_name, spec) = match kind {
        Workload::Deployment => {
            let mut spec = json!({
                "replicas": replicas,
                "selector": { "matchLabels": sel },
            });
            spec["template"] = template;
            if let Some(u) = &deploy.update_config {
                let step = u.parallelism.filter(|p| *p > 0).unwrap_or(1);
                let (surge, unavailable) = if u.order == Some("start-first") {
                    (step, 0)
                } else {
                    (0, step)
                };
                spec["strategy"] = json!({
                    "type": "RollingUpdate",
                    "rollingUpdate": { "maxSurge": surge, "maxUnavailable": unavailable },
                });
            }
            ("apps/v1", "Deployment", spec)
        }
        Workload::StatefulSet => {
            let mut spec = json!({
                "replicas": 1,
                "serviceName": name,
                "selector": { "matchLabels": sel },
            });
            spec["template"] = template;
            spec["volumeClaimTemplates"] = Json::Array(templates);
            ("apps/v1", "StatefulSet", spec)
        }
        Workload::DaemonSet => {
            let mut spec = json!({ "selector": { "matchLabels": sel } });
            spec["template"] = template;
            ("apps/v1", "DaemonSet", spec)
        }
        Workload::Job => {
            let mut spec = json!({});
            spec["template"] = template;
            if deploy.mode == "replicated-job" && replicas > 1 {
                spec["completions"] = json!(replicas);
            }
            if let Some(n) = deploy.restart_policy.as_ref().and_then(|p| p.max_attempts) {
                spec["backoffLimit"] = json!(n);
            }
            ("batch/v1", "Job", spec)
        }
    };
    if deploy.rollback_config.is_some() {
        if let Some(v) = s.value.path(&["deploy", "rollback_config"]) {
            losses.push(loss(
                s.name,
                "deploy.rollback_config",
                v.span,
                "left out: `kubectl rollout undo` rolls a Deployment back",
            ));
        }
    }
    let mut object = json!({ "apiVersion": api, "kind": kind_name });
    object["metadata"] = meta;
    object["spec"] = spec;
    (object, waits)
}
