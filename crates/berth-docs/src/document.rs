//! `berth docs`: the architecture document the seeds wrote by hand, built once as a
//! [`Document`] and written as Markdown with Mermaid diagrams (GitHub renders them as they
//! are) or, by `html.rs`, as one HTML page. Every row comes from the merged project, and
//! says which file and line defined it.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use berth_audit::facts::{self, Role};
use berth_audit::output::display_path;
use berth_audit::Report;
use berth_model::read::{At, Plain};
use berth_model::{redact, Project, Span, Value};

use crate::graph::{self, Graph, View};

/// A part of a paragraph or cell: text, or inline code (`` `x` `` or ``` `` x `` ```).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Piece<'a> {
    Text(&'a str),
    Code(&'a str),
}

/// The text and inline code of `s`, in order (a backtick that opens no span is text).
pub(crate) fn pieces(s: &str) -> Vec<Piece<'_>> {
    let mut out = Vec::new();
    let mut rest = s;
    loop {
        let Some(i) = rest.find('`') else {
            if !rest.is_empty() {
                out.push(Piece::Text(rest));
            }
            return out;
        };
        if i > 0 {
            out.push(Piece::Text(&rest[..i]));
        }
        let after = &rest[i..];
        let (open, close) = if after.starts_with("`` ") {
            ("`` ", " ``")
        } else {
            ("`", "`")
        };
        let body = &after[open.len()..];
        if let Some(j) = body.find(close) {
            out.push(Piece::Code(&body[..j]));
            rest = &body[j + close.len()..];
        } else {
            out.push(Piece::Text(after));
            return out;
        }
    }
}

/// A paragraph, list item or (with `in_table`) table cell as Markdown: the project's values
/// can neither break the line (a `\r` or `\n` is a space), nor end a table cell (`|` is
/// escaped), nor add HTML (`<`, `>` and `&` are entities outside code, where they are inert).
fn markdown_inline(s: &str, in_table: bool) -> String {
    let flat = |t: &str| {
        let t = t.replace(['\r', '\n'], " ");
        if in_table {
            t.replace('|', "\\|")
        } else {
            t
        }
    };
    let mut out = String::new();
    for piece in pieces(s) {
        match piece {
            Piece::Text(t) => out.push_str(
                &flat(t)
                    .replace('&', "&amp;")
                    .replace('<', "&lt;")
                    .replace('>', "&gt;"),
            ),
            Piece::Code(c) => out.push_str(&code(&flat(c))),
        }
    }
    out
}

/// A table cell.
fn cell(s: &str) -> String {
    markdown_inline(s, true)
}

/// Text as inline code, whatever backticks it holds (Traefik rules do).
fn code(s: &str) -> String {
    if s.is_empty() {
        return String::new();
    }
    if s.contains('`') {
        format!("`` {s} ``")
    } else {
        format!("`{s}`")
    }
}

/// A path as the document shows it: relative to the project folder, with at most two `..`
/// (a folder beside the project's); a path further away (`/var/log`) stays absolute, so the
/// document does not depend on where the project sits.
pub(crate) fn relative(project: &Project, path: &str) -> String {
    let path = std::path::Path::new(path);
    if !path.is_absolute() {
        return path.display().to_string();
    }
    let base: Vec<_> = project.working_dir.components().collect();
    let mine: Vec<_> = path.components().collect();
    let common = base.iter().zip(&mine).take_while(|(a, b)| a == b).count();
    if common + 2 < base.len() {
        return path.display().to_string();
    }
    let mut out = std::path::PathBuf::new();
    for _ in common..base.len() {
        out.push("..");
    }
    for c in &mine[common..] {
        out.push(c);
    }
    if out.as_os_str().is_empty() {
        ".".into()
    } else if common == base.len() {
        format!("./{}", out.display())
    } else {
        out.display().to_string()
    }
}

/// `file:line` of a span, relative to the project folder.
fn origin(project: &Project, span: Span) -> String {
    let Some(file) = project.sources.get(span.file) else {
        return String::new();
    };
    let (line, _) = file.line_col(span.start);
    format!("{}:{line}", display_path(project, &file.path))
}

/// `text` with its credentials masked and its control characters written as `\x1b`: every
/// table cell, paragraph and list item of the document passes through here, so that no
/// output of `docs` shows a credential or drives the terminal it is printed on.
fn masked(text: &str) -> String {
    berth_model::diag::visible(&redact::mask(text).text).into_owned()
}

/// A part of the document.
#[derive(Clone, Debug)]
pub enum Block {
    Heading(u8, String),
    /// A paragraph; inline code in backticks.
    Text(String),
    /// A numbered list.
    List(Vec<String>),
    Table {
        head: Vec<String>,
        rows: Vec<Vec<String>>,
    },
    Diagram(graph::Graph),
}

/// The document: a title and its blocks, in order. Cells and paragraphs use Markdown's inline
/// code (backticks) and nothing else, so that every output can render them.
#[derive(Clone, Debug, Default)]
pub struct Document {
    pub title: String,
    pub blocks: Vec<Block>,
}

impl Document {
    fn heading(&mut self, level: u8, text: &str) {
        self.blocks.push(Block::Heading(level, text.to_string()));
    }

    fn text(&mut self, text: &str) {
        self.blocks.push(Block::Text(masked(text)));
    }

    fn list(&mut self, items: &[String]) {
        self.blocks
            .push(Block::List(items.iter().map(|i| masked(i)).collect()));
    }

    fn diagram(&mut self, g: graph::Graph) {
        self.blocks.push(Block::Diagram(g));
    }

    /// A table; its cells are masked where they hold credentials, in place (a project of
    /// 100,000 services makes tables of as many rows: no second copy of them is made).
    fn table(&mut self, head: &[&str], mut rows: Vec<Vec<String>>) {
        for row in &mut rows {
            for c in row.iter_mut() {
                let m = masked(c);
                if m != *c {
                    *c = m;
                }
            }
        }
        self.blocks.push(Block::Table {
            head: head.iter().map(|h| (*h).to_string()).collect(),
            rows,
        });
    }

    /// Markdown with Mermaid diagrams.
    #[must_use]
    pub fn to_markdown(&self) -> String {
        let mut out = format!("# {}\n\n", self.title);
        for b in &self.blocks {
            match b {
                Block::Heading(level, text) => {
                    let _ = writeln!(
                        out,
                        "{} {}\n",
                        "#".repeat(usize::from(*level)),
                        markdown_inline(text, false)
                    );
                }
                Block::Text(t) => {
                    let _ = writeln!(out, "{}\n", markdown_inline(t, false));
                }
                Block::List(items) => {
                    for (i, item) in items.iter().enumerate() {
                        let _ = writeln!(out, "{}. {}", i + 1, markdown_inline(item, false));
                    }
                    out.push('\n');
                }
                Block::Diagram(g) => {
                    let mermaid = crate::mermaid::render(g);
                    if mermaid.len() > crate::mermaid::MAX_TEXT {
                        let _ = writeln!(
                            out,
                            "Diagram left out: its Mermaid text takes {} characters, more than the {} Mermaid renders (its `maxTextSize`); `berth graph` writes it as DOT or SVG.\n",
                            mermaid.len(),
                            crate::mermaid::MAX_TEXT
                        );
                    } else {
                        let _ = writeln!(out, "```mermaid\n{mermaid}```\n");
                    }
                }
                Block::Table { head, rows } => {
                    let _ = writeln!(out, "| {} |", head.join(" | "));
                    let _ = writeln!(
                        out,
                        "|{}|",
                        head.iter().map(|_| "---").collect::<Vec<_>>().join("|")
                    );
                    for r in rows {
                        let cells: Vec<String> = r.iter().map(|c| cell(c)).collect();
                        let _ = writeln!(out, "| {} |", cells.join(" | "));
                    }
                    out.push('\n');
                }
            }
        }
        out
    }
}

fn role_name(r: Role) -> &'static str {
    match r {
        Role::Database => "database",
        Role::Cache => "cache",
        Role::Broker => "message broker",
        Role::Monitoring => "monitoring",
        Role::Proxy => "reverse proxy",
        Role::DevTool => "development tool",
        Role::App => "application",
    }
}

fn str_at<'a>(v: Option<&'a Value>, path: &[&str]) -> Option<&'a str> {
    v.and_then(|v| v.path(path)).and_then(Value::as_str)
}

/// The startup order: services by level (a level starts once the ones before it have), from
/// the dependencies view's ranks.
fn startup_levels(deps: &Graph) -> Vec<Vec<String>> {
    let mut out: Vec<Vec<String>> = Vec::new();
    for (node, l) in deps.nodes.iter().zip(deps.ranks()) {
        if out.len() <= l {
            out.resize(l + 1, Vec::new());
        }
        out[l].extend(node.label.first().cloned());
    }
    for level in &mut out {
        level.sort();
    }
    out
}

/// The document's content, for any output. `report` is the audit of the same project.
#[must_use]
pub fn build(project: &Project, report: &Report) -> Document {
    let mut out = Document::default();
    let p = project;
    let services: Vec<_> = p.services().collect();
    let files: Vec<String> = p.config_files.iter().map(|f| display_path(p, f)).collect();
    out.title = format!("{}: architecture", p.name);
    out.text(&format!(
        "Generated by `berth docs` from {}: {} services, {} networks, {} volumes. Each row names \
         the file and line that defined it.",
        files
            .iter()
            .map(|f| format!("`{f}`"))
            .collect::<Vec<_>>()
            .join(", "),
        services.len(),
        p.resource_names("networks").count(),
        p.resource_names("volumes").count()
    ));

    // Services.
    out.heading(2, "Service topology");
    out.diagram(graph::build(p, View::Services));
    let mut rows = Vec::new();
    for s in &services {
        let image = s.image().map_or_else(
            || {
                str_at(Some(s.value), &["build", "context"])
                    .map(|c| format!("built from {}", relative(p, c)))
                    .unwrap_or_default()
            },
            str::to_string,
        );
        let replicas = s.replicas().map_or_else(|| "1".into(), |r| r.to_string());
        rows.push(vec![
            format!("`{}`", s.name),
            role_name(facts::role(s)).to_string(),
            image,
            facts::networks(p, s).join(", "),
            replicas,
            origin(p, facts::service_span(p, s.name)),
        ]);
    }
    out.table(
        &[
            "Service",
            "Role",
            "Image",
            "Networks",
            "Replicas",
            "Defined in",
        ],
        rows,
    );

    // Networks.
    out.heading(2, "Network topology");
    out.diagram(graph::build(p, View::Networks));
    let mut rows = Vec::new();
    for def in p.network_defs() {
        let on: Vec<&str> = services
            .iter()
            .filter(|s| facts::networks(p, s).contains(&def.key))
            .map(|s| s.name)
            .collect();
        let subnets: Vec<&str> = def.subnets().map(|s| s.value).collect();
        rows.push(vec![
            format!("`{}`", def.key),
            def.driver.unwrap_or("bridge").to_string(),
            if def.is_internal() {
                "yes".into()
            } else {
                "no".into()
            },
            subnets.join(", "),
            on.join(", "),
            origin(p, def.key_span),
        ]);
    }
    out.table(
        &[
            "Network",
            "Driver",
            "Internal",
            "Subnet",
            "Services",
            "Defined in",
        ],
        rows,
    );

    // Dependencies.
    out.heading(2, "Startup order");
    let deps = graph::build(p, View::Dependencies);
    let levels = startup_levels(&deps);
    out.diagram(deps);
    out.list(&levels.iter().map(|l| l.join(", ")).collect::<Vec<_>>());
    let mut rows = Vec::new();
    for s in &services {
        for d in s.dependencies() {
            rows.push(vec![
                format!("`{}`", s.name),
                format!("`{}`", d.service),
                d.condition.as_str().to_string(),
                origin(p, d.span),
            ]);
        }
    }
    if !rows.is_empty() {
        out.table(&["Service", "Waits for", "Condition", "Defined in"], rows);
    }

    // Ports.
    out.heading(2, "Port mappings");
    out.heading(3, "External ports (host → container)");
    let mut rows = Vec::new();
    for port in facts::published(p) {
        let host = port.ports();
        rows.push(vec![
            format!("`{}`", port.service),
            if port.host_ip.is_empty() {
                "0.0.0.0".into()
            } else {
                port.host_ip.clone()
            },
            host,
            port.target.clone(),
            port.protocol.clone(),
            origin(p, port.span),
        ]);
    }
    if rows.is_empty() {
        out.text("The host publishes no port.");
    } else {
        out.table(
            &[
                "Service",
                "Host IP",
                "Host port",
                "Container port",
                "Protocol",
                "Defined in",
            ],
            rows,
        );
    }
    let mut rows = Vec::new();
    for s in &services {
        for e in s.expose() {
            rows.push(vec![
                format!("`{}`", s.name),
                e.value,
                "expose".into(),
                origin(p, e.span),
            ]);
        }
    }
    let routes = berth_model::routes::routers(p);
    for r in &routes {
        if !r.port.is_empty() {
            rows.push(vec![
                format!("`{}`", r.service),
                r.port.clone(),
                format!("Traefik service `{}`", r.target),
                origin(p, r.span),
            ]);
        }
    }
    // Two routers to one Traefik service declare its port once.
    let mut seen = std::collections::HashSet::new();
    rows.retain(|r| seen.insert((r[0].clone(), r[1].clone(), r[2].clone())));
    if !rows.is_empty() {
        out.heading(3, "Internal ports (container to container)");
        out.table(&["Service", "Port", "Declared by", "Defined in"], rows);
    }

    // Traefik.
    if !routes.is_empty() {
        out.heading(2, "Traefik routing");
        let rows: Vec<Vec<String>> = routes
            .iter()
            .map(|r| {
                vec![
                    format!("`{}`", r.name),
                    code(&r.rule),
                    r.entrypoints.clone(),
                    format!("`{}`", r.service),
                    r.port.clone(),
                    origin(p, r.span),
                ]
            })
            .collect();
        out.table(
            &[
                "Router",
                "Rule",
                "Entry points",
                "Service",
                "Port",
                "Defined in",
            ],
            rows,
        );
    }

    // Service URLs.
    let mut urls = Vec::new();
    for r in &routes {
        for host in r.hosts() {
            let scheme = if r.entrypoints.contains("secure") || r.entrypoints.contains("443") {
                "https"
            } else {
                "http"
            };
            urls.push(vec![
                format!("`{}`", r.service),
                format!("{scheme}://{host}/"),
                format!("Traefik router `{}`", r.name),
            ]);
        }
    }
    for port in facts::published(p) {
        let host = match port.host_ip.as_str() {
            "" | "0.0.0.0" | "::" | "[::]" => "localhost",
            ip => ip,
        };
        if port.protocol == "tcp" {
            urls.push(vec![
                format!("`{}`", port.service),
                format!("{host}:{}", port.first),
                format!("published port (container {})", port.target),
            ]);
        }
    }
    let mut seen = std::collections::HashSet::new();
    urls.retain(|u| seen.insert((u[0].clone(), u[1].clone())));
    if !urls.is_empty() {
        out.heading(2, "Service URLs");
        out.table(&["Service", "URL", "Through"], urls);
    }

    // Volumes.
    let mut rows = Vec::new();
    for s in &services {
        for v in s.mounts() {
            let source = v.source.unwrap_or("(anonymous)");
            let source = if v.kind == berth_model::mount::MountKind::Bind {
                relative(p, source)
            } else {
                source.to_string()
            };
            rows.push(vec![
                format!("`{}`", s.name),
                v.type_name.to_string(),
                source,
                v.target.unwrap_or_default().to_string(),
                if v.read_only { "yes" } else { "no" }.into(),
                origin(p, v.span),
            ]);
        }
    }
    if !rows.is_empty() {
        out.heading(2, "Volumes and mounts");
        out.diagram(graph::build(p, View::Volumes));
        out.table(
            &[
                "Service",
                "Type",
                "Source",
                "Target",
                "Read-only",
                "Defined in",
            ],
            rows,
        );
    }

    // Health checks.
    let mut rows = Vec::new();
    for s in &services {
        let Some(h) = s.healthcheck() else {
            continue;
        };
        // `CMD` and `CMD-SHELL` say how the test runs, not what it runs.
        let test = h.command().join(" ");
        let text = |d: Option<berth_model::health::Duration<'_>>| {
            d.map(|d| d.text.to_string()).unwrap_or_default()
        };
        rows.push(vec![
            format!("`{}`", s.name),
            code(&test),
            text(h.interval),
            text(h.timeout),
            h.retries.map(|r| r.to_string()).unwrap_or_default(),
            text(h.start_period),
            origin(p, h.span),
        ]);
    }
    if !rows.is_empty() {
        out.heading(2, "Health checks");
        out.table(
            &[
                "Service",
                "Test",
                "Interval",
                "Timeout",
                "Retries",
                "Start period",
                "Defined in",
            ],
            rows,
        );
    }

    // Environment: names only for credentials.
    let mut rows = Vec::new();
    for s in &services {
        for (key, value, span) in facts::environment(s) {
            let shown = match value {
                None => "(unset)".to_string(),
                Some(v) => match redact::mask_value(key, &v) {
                    Some(hidden) if hidden == redact::HIDDEN => hidden,
                    Some(masked) => code(&masked),
                    None => code(&v),
                },
            };
            rows.push(vec![
                format!("`{}`", s.name),
                format!("`{key}`"),
                shown,
                origin(p, span),
            ]);
        }
    }
    if !rows.is_empty() {
        out.heading(2, "Environment variables");
        out.table(&["Service", "Variable", "Value", "Defined in"], rows);
    }

    // Profiles.
    let mut profiles: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (name, v) in &p.disabled_services {
        let off = berth_model::Service { name, value: v };
        for prof in off.profiles().plain().unwrap_or_default() {
            profiles
                .entry(prof)
                .or_default()
                .push(format!("`{name}` (off by default)"));
        }
    }
    for s in &services {
        for prof in s.profiles().plain().unwrap_or_default() {
            profiles
                .entry(prof)
                .or_default()
                .push(format!("`{}`", s.name));
        }
    }
    if !profiles.is_empty() {
        out.heading(2, "Profiles");
        let rows: Vec<Vec<String>> = profiles
            .into_iter()
            .map(|(k, v)| vec![format!("`{k}`"), v.join(", ")])
            .collect();
        out.table(&["Profile", "Services"], rows);
    }

    // Resource limits.
    let mut rows = Vec::new();
    for s in &services {
        let d = s.deploy();
        let (limits, reservations) = (&d.limits, &d.reservations);
        if !limits.is_set() && !reservations.is_set() {
            continue;
        }
        let text = |f: &Option<At<String>>| f.as_ref().map(|f| f.value.clone()).unwrap_or_default();
        let first = [&limits.cpus, &limits.memory, &reservations.memory]
            .into_iter()
            .flatten()
            .map(|f| f.span)
            .next()
            .or_else(|| limits.pids.or(reservations.pids).map(|p| p.span));
        rows.push(vec![
            format!("`{}`", s.name),
            text(&limits.cpus),
            text(&limits.memory),
            text(&reservations.memory),
            first.map(|span| origin(p, span)).unwrap_or_default(),
        ]);
    }
    if !rows.is_empty() {
        out.heading(2, "Resource limits");
        out.table(
            &["Service", "CPUs", "Memory", "Memory reserved", "Defined in"],
            rows,
        );
    }

    // Audit.
    let (e, w, i) = report.counts();
    out.heading(2, "Audit");
    out.text(&format!(
        "`berth audit`: {e} errors, {w} warnings, {i} info."
    ));
    if !report.findings.is_empty() {
        let rows: Vec<Vec<String>> = report
            .findings
            .iter()
            .map(|f| {
                let d = &f.diagnostic;
                vec![
                    d.severity.as_str().to_string(),
                    d.code.clone().unwrap_or_default(),
                    d.message.clone(),
                    d.primary_span().map(|s| origin(p, s)).unwrap_or_default(),
                ]
            })
            .collect();
        out.table(&["Severity", "Rule", "Finding", "At"], rows);
    }
    out
}
