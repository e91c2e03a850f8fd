//! The graph of one view of a project: nodes (services, networks, host ports), edges with a
//! kind and a label, and groups (the subgraphs a diagram draws boxes around).

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use berth_audit::facts::{self, RefKind, Role};
use berth_model::dependency::Condition;
use berth_model::{Project, Value};

/// Which diagram.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum View {
    /// Who talks to whom: depends_on with its condition, links, Traefik routes, Prometheus
    /// scrapes, host names in environment values.
    Services,
    /// Which service sits on which network; services on several networks bridge them.
    Networks,
    /// Startup order: depends_on edges from the dependency to the dependent, health-gated
    /// ones marked, the longest chain (the critical path) highlighted.
    Dependencies,
    /// What the host exposes: each published host port to its service and container port.
    Ports,
    /// Where data lives: each service to the named volumes and host folders it mounts (with
    /// the path inside and `ro`) and the env files it reads.
    Volumes,
}

impl View {
    /// The view a name (as `--view` takes it) names.
    #[must_use]
    pub fn parse(name: &str) -> Option<View> {
        match name {
            "services" => Some(View::Services),
            "networks" => Some(View::Networks),
            "dependencies" | "deps" => Some(View::Dependencies),
            "ports" => Some(View::Ports),
            "volumes" | "storage" => Some(View::Volumes),
            _ => None,
        }
    }
}

/// What the boxes around service nodes stand for.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum GroupBy {
    /// The seeds' layers: reverse proxy, application, data, monitoring, development tools.
    Role,
    /// The networks a service is attached to (a service on two networks sits in a box of its
    /// own, named after both).
    Network,
    /// The profiles that enable a service (services without one are always started).
    Profile,
    /// No boxes.
    #[default]
    None,
}

impl GroupBy {
    /// The grouping a name (as `--group-by` takes it) names.
    #[must_use]
    pub fn parse(name: &str) -> Option<GroupBy> {
        match name {
            "role" => Some(GroupBy::Role),
            "network" => Some(GroupBy::Network),
            "profile" => Some(GroupBy::Profile),
            "none" => Some(GroupBy::None),
            _ => None,
        }
    }

    /// The grouping a view has unless told otherwise: layers for the services view, none for
    /// the others.
    #[must_use]
    pub fn default_for(view: View) -> GroupBy {
        if view == View::Services {
            GroupBy::Role
        } else {
            GroupBy::None
        }
    }
}

/// What a node stands for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum NodeKind {
    Service {
        role: Role,
        replicas: u32,
    },
    Network {
        internal: bool,
    },
    /// A published host port.
    HostPort,
    /// A named volume, a host path bind-mounted, or an env file.
    Storage(Storage),
}

/// What a storage node is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Storage {
    Volume,
    Bind,
    EnvFile,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Node {
    /// Unique, made of `[A-Za-z0-9_]` (Mermaid and DOT take it as is).
    pub id: String,
    /// The first line of the label (the name), then details.
    pub label: Vec<String>,
    pub kind: NodeKind,
    /// The group (subgraph) the node is drawn in, if any.
    pub group: Option<String>,
    /// A service on two networks or more (networks view).
    pub bridge: bool,
}

/// What an edge stands for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum EdgeKind {
    DependsOn,
    /// `depends_on` with `condition: service_healthy`.
    Healthy,
    /// `depends_on` with `condition: service_completed_successfully`.
    Completed,
    Link,
    Environment,
    Scrape,
    Route,
    /// A service attached to a network.
    Attached,
    /// A host port published to a service.
    Publishes,
    /// A service mounting a volume or a host path.
    Mounts,
    /// A service reading an env file.
    ReadsEnv,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Edge {
    pub from: usize,
    pub to: usize,
    pub kind: EdgeKind,
    pub label: String,
    /// On the critical path (dependencies view).
    pub critical: bool,
}

/// A view of the project as nodes, edges and groups.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Graph {
    pub title: String,
    /// Drawn top to bottom (`true`) or left to right.
    pub top_down: bool,
    pub nodes: Vec<Node>,
    pub edges: Vec<Edge>,
    /// Group names in drawing order.
    pub groups: Vec<String>,
}

impl Graph {
    /// The part of the graph around some services: those services and every node one edge
    /// away, with the edges among them.
    ///
    /// # Errors
    /// A message naming a service the graph does not have.
    pub fn only(&self, services: &[String]) -> Result<Graph, String> {
        let mut keep = vec![false; self.nodes.len()];
        for name in services {
            let found = self.nodes.iter().position(|n| {
                matches!(n.kind, NodeKind::Service { .. })
                    && n.label.first().is_some_and(|l| l == name)
            });
            let Some(i) = found else {
                return Err(format!("no such service: {name}"));
            };
            keep[i] = true;
        }
        let seeds = keep.clone();
        for e in &self.edges {
            if seeds[e.from] || seeds[e.to] {
                keep[e.from] = true;
                keep[e.to] = true;
            }
        }
        let into: Vec<Option<usize>> = (0..self.nodes.len())
            .map(|i| keep[i].then_some(i))
            .collect();
        Ok(self.contracted(self.nodes.clone(), &into))
    }
}

impl Graph {
    /// For each node, the edges leaving it (indices into `edges`), self-loops left out.
    #[must_use]
    pub fn outgoing(&self) -> Vec<Vec<usize>> {
        let mut out = vec![Vec::new(); self.nodes.len()];
        for (i, e) in self.edges.iter().enumerate() {
            if e.from != e.to {
                out[e.from].push(i);
            }
        }
        out
    }

    /// The nodes in an order where every edge goes forward, and which edges do: an edge that
    /// closes a cycle (a service routed to by the proxy it depends on) goes backward and is
    /// left out of ranking and paths. Kahn's algorithm, restarted at the first node left when a
    /// cycle stops it; linear in nodes and edges.
    #[must_use]
    pub fn topological_order(&self) -> (Vec<usize>, Vec<bool>) {
        let edges: Vec<(usize, usize)> = self.edges.iter().map(|e| (e.from, e.to)).collect();
        berth_model::depgraph::DepGraph::topological_order(self.nodes.len(), &edges)
    }

    /// The rank of each node: the length of the longest path to it from a node nothing points
    /// to, over the edges that go forward (see [`Graph::topological_order`]).
    #[must_use]
    pub fn ranks(&self) -> Vec<usize> {
        let (order, forward) = self.topological_order();
        let outgoing = self.outgoing();
        let mut rank = vec![0usize; self.nodes.len()];
        for &v in &order {
            for &ei in outgoing[v].iter().filter(|&&ei| forward[ei]) {
                let to = self.edges[ei].to;
                rank[to] = rank[to].max(rank[v] + 1);
            }
        }
        rank
    }
}

/// A name's stem and the number it ends with: `betanet-mixnode-2` gives `betanet-mixnode-`, 2.
fn numbered(name: &str) -> Option<(&str, u64)> {
    let stem = name.trim_end_matches(|c: char| c.is_ascii_digit());
    let digits = &name[stem.len()..];
    if stem.is_empty() || digits.is_empty() || digits.len() > 9 {
        return None;
    }
    Some((stem, digits.parse().ok()?))
}

/// The name of a family of numbered copies: `mix1…3` when the numbers run on, `mix{1,4}` when
/// they do not.
fn family_name(stem: &str, numbers: &[u64]) -> String {
    let (first, last) = (numbers[0], numbers[numbers.len() - 1]);
    if numbers.windows(2).all(|w| w[1] == w[0] + 1) {
        format!("{stem}{first}…{last}")
    } else {
        let list: Vec<String> = numbers.iter().map(u64::to_string).collect();
        format!("{stem}{{{}}}", list.join(","))
    }
}

impl Graph {
    /// The graph with each node `i` drawn as node `into[i]` (itself when it stays, another to
    /// merge into it, `None` to leave it out), `nodes` giving what the staying ones look like.
    /// Edges follow their ends: those to a node left out go, those merged into one (same
    /// ends, same kind) become one with their distinct labels joined, and those between two
    /// merged nodes vanish. Groups nothing is drawn in any more go too.
    fn contracted(&self, nodes: Vec<Node>, into: &[Option<usize>]) -> Graph {
        let mut new_index = vec![None; nodes.len()];
        let mut g = Graph {
            title: self.title.clone(),
            top_down: self.top_down,
            ..Graph::default()
        };
        for (i, n) in nodes.into_iter().enumerate() {
            if into[i] == Some(i) {
                new_index[i] = Some(g.nodes.len());
                g.nodes.push(n);
            }
        }
        let end = |i: usize| into[i].and_then(|j| new_index[j]);
        // Merged edges by their ends and kind, with the distinct labels of what they merge.
        let mut seen: HashMap<(usize, usize, EdgeKind), usize> = HashMap::new();
        let mut labels: Vec<Vec<&str>> = Vec::new();
        for e in &self.edges {
            let (Some(from), Some(to)) = (end(e.from), end(e.to)) else {
                continue;
            };
            if from == to && e.from != e.to {
                continue;
            }
            let k = *seen.entry((from, to, e.kind)).or_insert_with(|| {
                g.edges.push(Edge {
                    from,
                    to,
                    ..e.clone()
                });
                labels.push(Vec::new());
                g.edges.len() - 1
            });
            g.edges[k].critical |= e.critical;
            if !e.label.is_empty() && !labels[k].contains(&e.label.as_str()) {
                labels[k].push(&e.label);
            }
        }
        for (e, l) in g.edges.iter_mut().zip(labels) {
            e.label = l.join(", ");
        }
        let used: HashSet<&str> = g.nodes.iter().filter_map(|n| n.group.as_deref()).collect();
        g.groups = self
            .groups
            .iter()
            .filter(|gr| used.contains(gr.as_str()))
            .cloned()
            .collect();
        g
    }

    /// The graph with numbered copies of a service drawn as one node: services whose names
    /// differ only in a trailing number (`betanet-mixnode-1`, `-2`, `-3`), in the same group,
    /// that run the same image or build the same context. Their edges are merged (labels
    /// joined), the edges among them dropped; the node says how many services it stands for.
    #[must_use]
    pub fn collapse(&self, project: &Project) -> Graph {
        // The image, or the build, a service runs: copies run the same.
        let template = |name: &str| {
            project
                .service(name)
                .map(|s| (s.image_value(), s.build_value()))
        };
        let same = |a: Option<&Value>, b: Option<&Value>| match (a, b) {
            (Some(a), Some(b)) => a.same(b),
            (a, b) => a.is_none() && b.is_none(),
        };
        // Numbered services by stem and group: (number, node) each.
        type Family<'g> = (&'g str, Option<&'g str>);
        let mut families: BTreeMap<Family<'_>, Vec<(u64, usize)>> = BTreeMap::new();
        for (i, n) in self.nodes.iter().enumerate() {
            if !matches!(n.kind, NodeKind::Service { .. }) {
                continue;
            }
            if let Some((stem, number)) = n.label.first().and_then(|l| numbered(l)) {
                families
                    .entry((stem, n.group.as_deref()))
                    .or_default()
                    .push((number, i));
            }
        }
        let mut into: Vec<usize> = (0..self.nodes.len()).collect();
        let mut nodes = self.nodes.clone();
        for ((stem, _), mut members) in families {
            members.sort_unstable();
            let first = template(&self.nodes[members[0].1].label[0]);
            members.retain(|(_, i)| match (template(&self.nodes[*i].label[0]), first) {
                (Some((image, build)), Some((first_image, first_build))) => {
                    same(image, first_image) && same(build, first_build)
                }
                _ => false,
            });
            if members.len() < 2 {
                continue;
            }
            let keep = members
                .iter()
                .map(|&(_, i)| i)
                .min()
                .unwrap_or(members[0].1);
            let numbers: Vec<u64> = members.iter().map(|&(n, _)| n).collect();
            let mut containers = 0;
            let mut bridge = false;
            for &(_, i) in &members {
                into[i] = keep;
                if let NodeKind::Service { replicas, .. } = self.nodes[i].kind {
                    containers += replicas;
                }
                bridge |= self.nodes[i].bridge;
            }
            let node = &mut nodes[keep];
            let mut label = vec![family_name(stem, &numbers)];
            // The image line of the first copy (not its replicas line).
            label.extend(
                self.nodes[members[0].1]
                    .label
                    .iter()
                    .skip(1)
                    .find(|l| !l.starts_with('×'))
                    .cloned(),
            );
            label.push(if containers as usize > members.len() {
                format!("× {} services, {containers} containers", members.len())
            } else {
                format!("× {} services", members.len())
            });
            node.label = label;
            node.bridge = bridge;
            if let NodeKind::Service { replicas, .. } = &mut node.kind {
                *replicas = containers;
            }
        }
        let into: Vec<Option<usize>> = into.into_iter().map(Some).collect();
        let mut g = self.contracted(nodes, &into);
        // The longest chain may have run through the copies: found again.
        if self.edges.iter().any(|e| e.critical) {
            for e in &mut g.edges {
                e.critical = false;
            }
            mark_critical_path(&mut g);
        }
        g
    }
}

/// An identifier for Mermaid and DOT: letters, digits and `_` (every other character becomes
/// `_`), with a prefix that keeps kinds apart (`s_` services, `n_` networks, `p_` ports). Two
/// names that give the same identifier are told apart by the builder.
/// The identifier of service `name`'s node in a drawing (its SVG group's `id`).
#[must_use]
pub fn service_node_id(name: &str) -> String {
    ident("s_", name)
}

fn ident(prefix: &str, name: &str) -> String {
    let mut id = String::from(prefix);
    id.extend(
        name.chars()
            .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' }),
    );
    id
}

/// The group a role is drawn in, in the seeds' layers.
fn layer(role: Role) -> &'static str {
    match role {
        Role::Proxy => "Reverse proxy",
        Role::App => "Application",
        Role::Database | Role::Cache | Role::Broker => "Data",
        Role::Monitoring => "Monitoring",
        Role::DevTool => "Development tools",
    }
}

const LAYERS: [&str; 5] = [
    "Reverse proxy",
    "Application",
    "Data",
    "Monitoring",
    "Development tools",
];

/// How many containers a service runs (`deploy.replicas`, or `scale`).
fn replicas(s: &berth_model::Service) -> u32 {
    s.replicas()
        .and_then(|n| u32::try_from(n).ok())
        .unwrap_or(1)
}

#[derive(Default)]
struct Builder {
    graph: Graph,
    /// Node by what it stands for (its identifier before it was made unique).
    index: HashMap<(String, String), usize>,
    /// The identifiers given so far.
    ids: HashSet<String>,
    /// The edges added so far, by their ends, kind and label.
    edges: HashSet<(usize, usize, EdgeKind, String)>,
    group_by: GroupBy,
    /// Host ports drawn in a box of their own.
    host_group: bool,
}

/// The group a service is drawn in.
fn group_of(
    project: &Project,
    s: &berth_model::Service,
    role: Role,
    by: GroupBy,
) -> Option<String> {
    match by {
        GroupBy::None => None,
        GroupBy::Role => Some(layer(role).to_string()),
        GroupBy::Network => {
            let nets = facts::networks(project, s);
            Some(if facts::on_host_network(s) {
                "host network".to_string()
            } else if nets.is_empty() {
                "no network".to_string()
            } else {
                nets.join(" + ")
            })
        }
        GroupBy::Profile => {
            let profiles: Vec<String> = s.profiles().map(|p| p.value).unwrap_or_default();
            Some(match profiles.len() {
                0 => "no profile (always started)".to_string(),
                1 => format!("profile {}", profiles[0]),
                _ => format!("profiles {}", profiles.join(", ")),
            })
        }
    }
}

/// `text` with its credentials masked and its control characters written as `\x1b` (every
/// output of a graph shows its labels).
fn masked(text: &str) -> String {
    berth_model::diag::visible(&berth_model::redact::mask(text).text).into_owned()
}

impl Builder {
    /// Adds the node for `name` of a kind (its id's prefix), once.
    fn node(&mut self, name: &str, node: Node) -> usize {
        let key = (node.id.clone(), name.to_string());
        if let Some(&i) = self.index.get(&key) {
            return i;
        }
        let mut node = node;
        // Labels show the project's values: never a credential among them.
        for line in &mut node.label {
            *line = masked(line);
        }
        let base = node.id.clone();
        let mut n = 2;
        while self.ids.contains(&node.id) {
            node.id = format!("{base}_{n}");
            n += 1;
        }
        self.ids.insert(node.id.clone());
        let i = self.graph.nodes.len();
        self.index.insert(key, i);
        self.graph.nodes.push(node);
        i
    }

    fn service(&mut self, project: &Project, name: &str) -> Option<usize> {
        let s = project.service(name)?;
        let role = facts::role(&s);
        let n = replicas(&s);
        let mut label = vec![name.to_string()];
        if let Some(image) = s.image() {
            label.push(image.to_string());
        } else if s.has_build() {
            label.push("(built)".to_string());
        }
        if n > 1 {
            label.push(format!("× {n} replicas"));
        }
        Some(self.node(
            name,
            Node {
                id: ident("s_", name),
                label,
                kind: NodeKind::Service { role, replicas: n },
                group: group_of(project, &s, role, self.group_by),
                bridge: false,
            },
        ))
    }

    fn edge(&mut self, from: usize, to: usize, kind: EdgeKind, label: &str) {
        let label = masked(label);
        if self.edges.insert((from, to, kind, label.clone())) {
            self.graph.edges.push(Edge {
                from,
                to,
                kind,
                label,
                critical: false,
            });
        }
    }

    fn finish(mut self) -> Graph {
        let used: BTreeSet<&str> = self
            .graph
            .nodes
            .iter()
            .filter_map(|n| n.group.as_deref())
            .collect();
        let mut groups: Vec<String> = LAYERS
            .iter()
            .filter(|g| used.contains(*g))
            .map(|g| (*g).to_string())
            .collect();
        for g in used {
            if !groups.iter().any(|x| x == g) {
                groups.push(g.to_string());
            }
        }
        self.graph.groups = groups;
        self.graph
    }
}

/// The condition of `from`'s `depends_on` entry for `to`.
fn condition(project: &Project, from: &str, to: &str) -> EdgeKind {
    let c = project
        .service(from)
        .and_then(|s| s.dependencies().find(|d| d.service == to))
        .map(|d| d.condition);
    match c {
        Some(Condition::Healthy) => EdgeKind::Healthy,
        Some(Condition::CompletedSuccessfully) => EdgeKind::Completed,
        _ => EdgeKind::DependsOn,
    }
}

/// The label of a route edge: the hosts of the service's Traefik router rules.
fn route_label(project: &Project, to: &str) -> String {
    let Some(s) = project.service(to) else {
        return "routes".into();
    };
    let mut hosts: Vec<String> = Vec::new();
    for r in berth_model::routes::service_routers(&s) {
        for h in r.hosts() {
            if !hosts.contains(&h) {
                hosts.push(h);
            }
        }
    }
    if hosts.is_empty() {
        "routes".into()
    } else {
        hosts.join(", ")
    }
}

/// The graph of one view of the project, grouped as the view usually is.
#[must_use]
pub fn build(project: &Project, view: View) -> Graph {
    build_grouped(project, view, None)
}

/// The graph of one view of the project, its services grouped by `by` (or as the view usually
/// is). Host ports sit in a box of their own unless `by` is [`GroupBy::None`].
#[must_use]
pub fn build_grouped(project: &Project, view: View, by: Option<GroupBy>) -> Graph {
    let mut b = Builder {
        graph: Graph {
            title: format!("{} ({})", project.name, view_name(view)),
            top_down: !matches!(view, View::Dependencies | View::Ports),
            ..Graph::default()
        },
        group_by: by.unwrap_or(GroupBy::default_for(view)),
        host_group: by != Some(GroupBy::None),
        ..Builder::default()
    };
    match view {
        View::Services => services(project, &mut b),
        View::Networks => networks(project, &mut b),
        View::Dependencies => dependencies(project, &mut b),
        View::Ports => ports(project, &mut b),
        View::Volumes => volumes(project, &mut b),
    }
    b.finish()
}

/// The name of a view, as `--view` takes it.
#[must_use]
pub fn view_name(view: View) -> &'static str {
    match view {
        View::Services => "services",
        View::Networks => "networks",
        View::Dependencies => "dependencies",
        View::Ports => "ports",
        View::Volumes => "volumes",
    }
}

fn services(project: &Project, b: &mut Builder) {
    for s in project.services() {
        b.service(project, s.name);
    }
    // The kinds of edge drawn so far between two services.
    let mut drawn: HashMap<(usize, usize), Vec<EdgeKind>> = HashMap::new();
    for r in facts::references(project) {
        let (Some(from), Some(to)) = (b.service(project, r.from), b.service(project, &r.to)) else {
            continue;
        };
        let (kind, label) = match r.kind {
            RefKind::DependsOn => {
                let kind = condition(project, r.from, &r.to);
                let label = match kind {
                    EdgeKind::Healthy => "healthy",
                    EdgeKind::Completed => "completed",
                    _ => "depends on",
                };
                (kind, label.to_string())
            }
            RefKind::Link => (EdgeKind::Link, "link".into()),
            RefKind::Environment => (EdgeKind::Environment, "env".into()),
            RefKind::Scrape => (EdgeKind::Scrape, "scrapes".into()),
            RefKind::Route => (EdgeKind::Route, route_label(project, &r.to)),
        };
        // A service both depends on and talks to another: one edge, the dependency's.
        let talks = matches!(kind, EdgeKind::Environment | EdgeKind::Link);
        let kinds = drawn.entry((from, to)).or_default();
        if !kinds.is_empty() && (talks || kinds.contains(&kind)) {
            continue;
        }
        kinds.push(kind);
        b.edge(from, to, kind, &label);
    }
}

fn networks(project: &Project, b: &mut Builder) {
    for s in project.services() {
        let Some(si) = b.service(project, s.name) else {
            continue;
        };
        let nets = facts::networks(project, &s);
        if nets.len() > 1 {
            b.graph.nodes[si].bridge = true;
        }
        for n in nets {
            let def = project.network_def(n);
            let internal = def
                .as_ref()
                .is_some_and(berth_model::resources::NetworkDef::is_internal);
            let mut label = vec![n.to_string()];
            // The engine's name, when it is not the usual `PROJECT_KEY`.
            let usual = format!("{}_{n}", project.name);
            if let Some(real) = def.as_ref().and_then(|d| d.name).filter(|r| *r != usual) {
                label.push(format!("name: {real}"));
            }
            if internal {
                label.push("internal".into());
            }
            if let Some(d) = def
                .as_ref()
                .and_then(|d| d.driver)
                .filter(|d| *d != "bridge")
            {
                label.push(format!("driver: {d}"));
            }
            for subnet in def
                .iter()
                .flat_map(berth_model::resources::NetworkDef::subnets)
            {
                label.push(subnet.value.to_string());
            }
            let ni = b.node(
                n,
                Node {
                    id: ident("n_", n),
                    label,
                    kind: NodeKind::Network { internal },
                    group: None,
                    bridge: false,
                },
            );
            b.edge(si, ni, EdgeKind::Attached, "");
        }
    }
}

fn dependencies(project: &Project, b: &mut Builder) {
    for s in project.services() {
        b.service(project, s.name);
    }
    for s in project.services() {
        for dep in s.depends_on() {
            let (Some(from), Some(to)) = (b.service(project, dep), b.service(project, s.name))
            else {
                continue;
            };
            let kind = condition(project, s.name, dep);
            let label = match kind {
                EdgeKind::Healthy => "healthy",
                EdgeKind::Completed => "completed",
                _ => "started",
            };
            b.edge(from, to, kind, label);
        }
    }
    mark_critical_path(&mut b.graph);
}

/// Marks the longest chain of the startup order: the services that start one after another,
/// health-gated waits weighing more than plain starts (each waits for a first probe).
fn mark_critical_path(g: &mut Graph) {
    let n = g.nodes.len();
    let weight = |k: EdgeKind| if k == EdgeKind::DependsOn { 1 } else { 2 };
    // Longest path by relaxation in topological order.
    let (order, forward) = g.topological_order();
    let outgoing = g.outgoing();
    let mut best = vec![0u32; n];
    let mut via: Vec<Option<usize>> = vec![None; n];
    for &v in &order {
        for &ei in outgoing[v].iter().filter(|&&ei| forward[ei]) {
            let e = &g.edges[ei];
            let w = best[v] + weight(e.kind);
            if w > best[e.to] {
                best[e.to] = w;
                via[e.to] = Some(ei);
            }
        }
    }
    let Some(end) = (0..n)
        .filter(|&i| best[i] > 0)
        .max_by_key(|&i| (best[i], std::cmp::Reverse(i)))
    else {
        return;
    };
    let mut at = end;
    while let Some(ei) = via[at] {
        g.edges[ei].critical = true;
        at = g.edges[ei].from;
    }
}

fn ports(project: &Project, b: &mut Builder) {
    for p in facts::published(project) {
        let Some(si) = b.service(project, p.service) else {
            continue;
        };
        let range = p.ports();
        // Every interface is the usual case: the port alone; an address only when bound to one.
        let name = if facts::on_all_interfaces(&p) {
            format!("{range}/{}", p.protocol)
        } else {
            format!("{}:{range}/{}", p.host_ip, p.protocol)
        };
        let pi = b.node(
            &name,
            Node {
                id: ident("p_", &name),
                label: vec![name.clone()],
                kind: NodeKind::HostPort,
                group: b.host_group.then(|| "Host".into()),
                bridge: false,
            },
        );
        b.edge(pi, si, EdgeKind::Publishes, &p.target);
    }
}

fn volumes(project: &Project, b: &mut Builder) {
    use berth_model::mount::MountKind;
    let relative = |path: &str| crate::document::relative(project, path);
    for s in project.services() {
        let Some(si) = b.service(project, s.name) else {
            continue;
        };
        for m in s.mounts() {
            let (Some(source), Some(target)) = (m.source, m.target) else {
                continue; // anonymous volumes and tmpfs hold nothing that outlives the container
            };
            let (key, label, storage) = match m.kind {
                MountKind::Volume => {
                    let mut label = vec![source.to_string()];
                    let def = project.tree.path(&["volumes", source]);
                    if def.and_then(|d| d.get("external")).and_then(Value::as_bool) == Some(true) {
                        label.push("external".into());
                    }
                    let usual = format!("{}_{source}", project.name);
                    if let Some(name) = def
                        .and_then(|d| d.get("name"))
                        .and_then(Value::as_str)
                        .filter(|n| *n != usual)
                    {
                        label.push(format!("name: {name}"));
                    }
                    (format!("v:{source}"), label, Storage::Volume)
                }
                MountKind::Bind => {
                    let path = relative(source);
                    (format!("b:{path}"), vec![path], Storage::Bind)
                }
                _ => continue,
            };
            let id = ident(
                if storage == Storage::Volume {
                    "v_"
                } else {
                    "b_"
                },
                &key[2..],
            );
            let vi = b.node(
                &key,
                Node {
                    id,
                    label,
                    kind: NodeKind::Storage(storage),
                    group: None,
                    bridge: false,
                },
            );
            let ro = if m.read_only { " (ro)" } else { "" };
            b.edge(si, vi, EdgeKind::Mounts, &format!("{target}{ro}"));
        }
        // Env files: where the service's environment values were read from.
        let mut files: Vec<&std::path::Path> = Vec::new();
        for var in s
            .settings()
            .environment
            .map(|e| e.value)
            .unwrap_or_default()
        {
            if facts::in_compose_file(project, var.span) {
                continue;
            }
            if let Some(path) = project.sources.path(var.span.file) {
                if !files.contains(&path) {
                    files.push(path);
                }
            }
        }
        for path in files {
            let name = relative(&path.display().to_string());
            let ei = b.node(
                &format!("e:{name}"),
                Node {
                    id: ident("e_", &name),
                    label: vec![name.clone()],
                    kind: NodeKind::Storage(Storage::EnvFile),
                    group: None,
                    bridge: false,
                },
            );
            b.edge(si, ei, EdgeKind::ReadsEnv, "env_file");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifiers_keep_names_apart_and_views_parse() {
        assert_eq!(ident("s_", "betanet-mixnode-1"), "s_betanet_mixnode_1");
        assert_eq!(View::parse("deps"), Some(View::Dependencies));
        assert_eq!(View::parse("nope"), None);
    }

    #[test]
    fn numbered_copies_are_named_as_a_family() {
        assert_eq!(numbered("betanet-mixnode-2"), Some(("betanet-mixnode-", 2)));
        assert_eq!(numbered("mix10"), Some(("mix", 10)));
        assert_eq!(numbered("postgres"), None);
        assert_eq!(numbered("42"), None);
        assert_eq!(numbered("node12345678901"), None);
        assert_eq!(family_name("mix", &[1, 2, 3]), "mix1…3");
        assert_eq!(family_name("mix", &[1, 4]), "mix{1,4}");
        assert_eq!(GroupBy::parse("network"), Some(GroupBy::Network));
        assert_eq!(GroupBy::default_for(View::Services), GroupBy::Role);
        assert_eq!(GroupBy::default_for(View::Ports), GroupBy::None);
    }

    #[test]
    fn the_order_is_topological_and_a_cycle_is_broken_once() {
        let node = |name: &str| Node {
            id: name.to_string(),
            label: vec![name.to_string()],
            kind: NodeKind::HostPort,
            group: None,
            bridge: false,
        };
        let edge = |from, to| Edge {
            from,
            to,
            kind: EdgeKind::DependsOn,
            label: String::new(),
            critical: false,
        };
        // 0 -> 1 -> 2 -> 1 (a cycle), 3 alone, 2 -> 4.
        let g = Graph {
            nodes: (0..5).map(|i| node(&i.to_string())).collect(),
            edges: vec![edge(0, 1), edge(1, 2), edge(2, 1), edge(2, 4)],
            ..Graph::default()
        };
        let (order, forward) = g.topological_order();
        let mut sorted = order.clone();
        sorted.sort_unstable();
        assert_eq!(sorted, [0, 1, 2, 3, 4]);
        assert_eq!(forward, [true, true, false, true]);
        assert_eq!(g.ranks(), [0, 1, 2, 0, 3]);
    }
}
