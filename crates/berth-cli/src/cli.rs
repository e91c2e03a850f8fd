//! Command-line definitions: Docker Compose's global flags and subcommands.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

/// Define and run multi-container applications: a drop-in for `docker compose` that also
/// audits and documents Compose projects.
#[derive(Debug, Parser)]
#[command(name = "berth", version, long_about = None)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,
    #[command(subcommand)]
    pub command: Command,
}

impl Cli {
    /// Parses the command line as the Docker CLI's flag parser reads it: a boolean flag also
    /// takes an explicit value, `--no-TTY=false`, `--detach=true` (pflag accepts `1`, `t`,
    /// `true`, `0`, `f`, `false` in any of Go's casings). Such an argument becomes the bare
    /// flag or disappears before clap sees it; what a command passes on to a container
    /// (after `run SERVICE`) is left alone.
    ///
    /// # Errors
    /// clap's, for anything else it refuses.
    pub fn parse_go_style() -> Result<Cli, clap::Error> {
        // A flag given twice (`up -d --detach`) is taken once, as pflag takes it.
        let command = overriding(<Cli as clap::CommandFactory>::command());
        let args = go_bools(&command, std::env::args_os());
        let mut matches = command.try_get_matches_from(args)?;
        <Cli as clap::FromArgMatches>::from_arg_matches_mut(&mut matches)
    }
}

/// `command` and its subcommands, each flag overriding an earlier use of itself.
fn overriding(command: clap::Command) -> clap::Command {
    command.args_override_self(true).mut_subcommands(overriding)
}

/// Flags the Docker CLI reads by whether they were given: an explicit `false` is not their
/// absence but the opposite flag.
const NEGATED: &[(&str, &str)] = &[("no-TTY", "--tty")];

/// See [`Cli::parse_go_style`].
fn go_bools(
    root: &clap::Command,
    args: impl IntoIterator<Item = std::ffi::OsString>,
) -> Vec<std::ffi::OsString> {
    let mut out = Vec::new();
    // The commands from the root to the current one: a flag may belong to any (global).
    let mut path: Vec<&clap::Command> = vec![root];
    let mut args = args.into_iter();
    if let Some(program) = args.next() {
        out.push(program);
    }
    let mut verbatim = false;
    let mut takes_value = false;
    for arg in args {
        let text = arg.to_str().map(str::to_string);
        let Some(text) = text.filter(|_| !verbatim) else {
            out.push(arg);
            continue;
        };
        if std::mem::take(&mut takes_value) {
            out.push(arg);
            continue;
        }
        if text == "--" {
            verbatim = true;
            out.push(arg);
            continue;
        }
        let find = |long: &str| {
            path.iter()
                .rev()
                .find_map(|c| c.get_arguments().find(|a| a.get_long() == Some(long)))
        };
        if let Some(flag) = text.strip_prefix("--") {
            if let Some((name, value)) = flag.split_once('=') {
                let set_true =
                    find(name).is_some_and(|a| matches!(a.get_action(), clap::ArgAction::SetTrue));
                match (set_true, value) {
                    (true, "1" | "t" | "T" | "true" | "TRUE" | "True") => {
                        out.push(format!("--{name}").into());
                    }
                    (true, "0" | "f" | "F" | "false" | "FALSE" | "False") => {
                        if let Some((_, opposite)) = NEGATED.iter().find(|(n, _)| *n == name) {
                            out.push((*opposite).into());
                        }
                    }
                    _ => out.push(arg),
                }
            } else {
                takes_value = find(flag).is_some_and(|a| a.get_action().takes_values());
                out.push(arg);
            }
            continue;
        }
        if text.starts_with('-') && text.len() > 1 {
            out.push(arg);
            continue;
        }
        // A subcommand, or a positional argument.
        let current = path.last().copied().unwrap_or(root);
        if let Some(sub) = current
            .get_subcommands()
            .find(|c| c.get_name() == text || c.get_all_aliases().any(|a| a == text))
        {
            path.push(sub);
        } else if current
            .get_positionals()
            .any(clap::Arg::is_trailing_var_arg_set)
        {
            // `run SERVICE COMMAND…`, `exec SERVICE COMMAND…`: from the service on, the
            // arguments are the container's (the Docker CLI stops reading flags there).
            verbatim = true;
        }
        out.push(arg);
    }
    out
}

#[derive(Clone, Debug, Args)]
pub struct GlobalArgs {
    /// Compose configuration files
    #[arg(short = 'f', long = "file", value_name = "FILE")]
    pub file: Vec<PathBuf>,
    /// Project name
    #[arg(short = 'p', long = "project-name")]
    pub project_name: Option<String>,
    /// Specify an alternate working directory (default: the path of the first specified Compose file)
    #[arg(long = "project-directory")]
    pub project_directory: Option<PathBuf>,
    /// Specify an alternate environment file
    #[arg(long = "env-file")]
    pub env_file: Vec<PathBuf>,
    /// Specify a profile to enable
    #[arg(long = "profile")]
    pub profile: Vec<String>,
    /// Control max parallelism, -1 for unlimited
    #[arg(long = "parallel", default_value_t = -1, allow_hyphen_values = true)]
    pub parallel: i64,
    /// Set type of progress output (auto, tty, plain, json, quiet)
    #[arg(long = "progress")]
    pub progress: Option<String>,
    /// Control when to print ANSI control characters ("never"|"always"|"auto")
    #[arg(long = "ansi", default_value = "auto")]
    pub ansi: String,
    /// Run compose in backward compatibility mode
    #[arg(long = "compatibility")]
    pub compatibility: bool,
    /// Execute command in dry run mode (also after the command, as `ps --dry-run`)
    #[arg(long = "dry-run", global = true)]
    pub dry_run: bool,
    /// Include all resources, even those not used by services
    #[arg(long = "all-resources")]
    pub all_resources: bool,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Parse, resolve and render compose file in canonical format
    Config(ConfigArgs),
    /// Create and start containers
    Up(UpArgs),
    /// Stop and remove containers, networks
    Down(DownArgs),
    /// List containers
    Ps(PsArgs),
    /// Creates containers for a service
    Create(CreateArgs),
    /// Start services
    Start(ServicesArgs),
    /// Stop services
    Stop(StopArgs),
    /// Restart service containers
    Restart(RestartArgs),
    /// Force stop service containers
    Kill(KillArgs),
    /// Pause services
    Pause(ServicesArgs),
    /// Unpause services
    Unpause(ServicesArgs),
    /// Removes stopped service containers
    Rm(RmArgs),
    /// View output from containers
    Logs(LogsArgs),
    /// Print the public port for a port binding
    Port(PortArgs),
    /// Display the running processes
    Top(ServicesArgs),
    /// List images used by the created containers
    Images(ImagesArgs),
    /// List running compose projects
    Ls(LsArgs),
    /// Block until containers of all (or specified) services stop.
    Wait(WaitArgs),
    /// Execute a command in a running container
    Exec(ExecArgs),
    /// Receive real time events from containers
    Events(EventsArgs),
    /// Build or rebuild services
    Build(BuildArgs),
    /// Pull service images
    Pull(PullArgs),
    /// Push service images
    Push(PushArgs),
    /// Run a one-off command on a service
    Run(RunArgs),
    /// Scale services
    Scale(ScaleArgs),
    /// Export a service container's filesystem as a tar archive
    Export(ExportArgs),
    /// Create a new image from a service container's changes
    Commit(CommitArgs),
    /// Copy files/folders between a service container and the local filesystem
    Cp(CpArgs),
    /// Display a live stream of container(s) resource usage statistics
    Stats(StatsArgs),
    /// Watch build context for service and rebuild/refresh containers when files are updated
    Watch(WatchArgs),
    /// Attach local standard input, output, and error streams to a service's running container
    Attach(AttachArgs),
    /// List volumes
    Volumes(VolumesArgs),
    /// Publish compose application
    Publish(PublishArgs),
    /// Show the Docker Compose version information
    Version(VersionArgs),
    /// Print a shell completion script (bash, zsh or fish); it completes commands, flags and
    /// the project's service names
    Completion(CompletionArgs),
    /// What the completion scripts ask: candidates for the last of the words typed
    #[command(name = "__complete", hide = true)]
    Complete(CompleteArgs),
    /// Deploy the project to Docker Swarm as a stack, and list, inspect and remove stacks
    Stack(StackArgs),
    /// Write the project in another tool's format
    Convert(ConvertArgs),
    /// Serve a live page of the running project: its services drawn and coloured by state,
    /// their containers, health, ports and what each waits on, and the engine's events
    Dashboard(DashboardArgs),
    /// Review the project's architecture: duplicates, port conflicts, reachability,
    /// development settings, credentials, exposure, naming and operations
    Audit(AuditArgs),
    /// Compare two projects (each a folder, or compose files joined with commas): files,
    /// lines, services, duplicates, port conflicts, secrets, published ports per deployment
    /// pattern, duplication and per-service changes
    Diff(DiffArgs),
    /// Plan how the named volumes of one project layout carry over to the next (each a
    /// folder, or compose files joined with commas): renamed, moved, merged, new and dropped
    /// volumes, with their sizes and the downtime to expect
    Migrate(MigrateArgs),
    /// Draw the project: services (who talks to whom), networks, dependencies (startup
    /// order, critical path) or ports, as Mermaid, Graphviz DOT, SVG or PNG
    Graph(GraphArgs),
    /// Write the project's architecture document: diagrams, services, networks, startup order,
    /// ports, Traefik routes, URLs, volumes, health checks, environment, profiles, limits and
    /// the audit's findings, each row citing the file and line that defined it
    Docs(DocsArgs),
}

#[derive(Debug, Args)]
pub struct ExportArgs {
    pub service: String,
    /// index of the container if service has multiple replicas.
    #[arg(long)]
    pub index: Option<u32>,
    /// Write to a file, instead of STDOUT
    #[arg(short = 'o', long)]
    pub output: Option<std::path::PathBuf>,
}

#[derive(Debug, Args)]
pub struct CommitArgs {
    pub service: String,
    /// REPOSITORY[:TAG] of the new image
    #[arg(value_name = "REPOSITORY[:TAG]")]
    pub reference: Option<String>,
    /// Author (e.g., "John Hannibal Smith <hannibal@a-team.com>")
    #[arg(short = 'a', long)]
    pub author: Option<String>,
    /// Apply Dockerfile instruction to the created image
    #[arg(short = 'c', long)]
    pub change: Vec<String>,
    /// index of the container if service has multiple replicas.
    #[arg(long)]
    pub index: Option<u32>,
    /// Commit message
    #[arg(short = 'm', long)]
    pub message: Option<String>,
    /// Pause container during commit
    #[arg(short = 'p', long, default_value_t = true, num_args = 0..=1, default_missing_value = "true",
          action = clap::ArgAction::Set)]
    pub pause: bool,
}

#[derive(Debug, Args)]
pub struct CpArgs {
    /// SERVICE:SRC_PATH, or a local path (- for a tar archive on standard input)
    pub source: String,
    /// DEST_PATH (- for a tar archive on standard output), or SERVICE:DEST_PATH
    pub destination: String,
    /// Include containers created by the run command
    #[arg(long)]
    pub all: bool,
    /// Archive mode (copy all uid/gid information)
    #[arg(short = 'a', long)]
    pub archive: bool,
    /// Always follow symbol link in SRC_PATH
    #[arg(short = 'L', long = "follow-link")]
    pub follow_link: bool,
    /// Index of the container if service has multiple replicas
    #[arg(long)]
    pub index: Option<u32>,
}

#[derive(Debug, Args)]
pub struct AttachArgs {
    pub service: String,
    /// Override the key sequence for detaching from a container.
    #[arg(long = "detach-keys")]
    pub detach_keys: Option<String>,
    /// index of the container if service has multiple replicas.
    #[arg(long)]
    pub index: Option<u32>,
    /// Do not attach STDIN
    #[arg(long = "no-stdin")]
    pub no_stdin: bool,
    /// Proxy all received signals to the process
    #[arg(long = "sig-proxy", default_value_t = true, num_args = 0..=1, default_missing_value = "true",
          action = clap::ArgAction::Set)]
    pub sig_proxy: bool,
}

#[derive(Debug, Args)]
pub struct WatchArgs {
    /// Services to watch (all with `develop.watch` when none)
    pub services: Vec<String>,
    /// Do not build & start services before watching
    #[arg(long = "no-up")]
    pub no_up: bool,
    /// Prune dangling images on rebuild
    #[arg(long, default_value_t = true, num_args = 0..=1, default_missing_value = "true",
          action = clap::ArgAction::Set)]
    pub prune: bool,
    /// hide build output
    #[arg(long)]
    pub quiet: bool,
}

#[derive(Debug, Args)]
pub struct StatsArgs {
    /// The service whose containers to show (all when none)
    pub service: Option<String>,
    /// Show all containers (default shows just running)
    #[arg(short = 'a', long)]
    pub all: bool,
    /// Format output using a custom template: 'table' (default), 'table TEMPLATE', 'json', or
    /// 'TEMPLATE' (a Go template, e.g. '{{.Name}} {{.CPUPerc}}')
    #[arg(long, default_value = "table")]
    pub format: String,
    /// Disable streaming stats and only pull the first result
    #[arg(long = "no-stream")]
    pub no_stream: bool,
    /// Do not truncate output
    #[arg(long = "no-trunc")]
    pub no_trunc: bool,
}

#[derive(Debug, Args)]
pub struct ScaleArgs {
    /// SERVICE=REPLICAS pairs
    #[arg(value_name = "SERVICE=REPLICAS")]
    pub services: Vec<String>,
    /// Don't start linked services
    #[arg(long = "no-deps")]
    pub no_deps: bool,
}

#[derive(Debug, Args)]
pub struct PublishArgs {
    #[arg(value_name = "REPOSITORY[:TAG]")]
    pub repository: String,
    /// Published compose application (includes referenced images)
    #[arg(long)]
    pub app: bool,
    /// OCI image/artifact specification version (automatically determined by default)
    #[arg(long = "oci-version")]
    pub oci_version: Option<String>,
    /// Pin image tags to digests
    #[arg(long = "resolve-image-digests")]
    pub resolve_image_digests: bool,
    /// Include environment variables in the published OCI artifact
    #[arg(long = "with-env")]
    pub with_env: bool,
    /// Assume "yes" as answer to all prompts
    #[arg(short = 'y', long)]
    pub yes: bool,
}

#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct VolumesArgs {
    #[command(subcommand)]
    pub command: Option<VolumesCommand>,
    /// Services whose volumes to list (all when none)
    pub services: Vec<String>,
    /// Format output using a custom template: 'table' (default), 'table TEMPLATE', 'json', or
    /// 'TEMPLATE' (a Go template, e.g. '{{.Name}}')
    #[arg(long, default_value = "table")]
    pub format: String,
    /// Only display volume names
    #[arg(short = 'q', long)]
    pub quiet: bool,
}

/// What `volumes` does besides listing.
#[derive(Debug, Subcommand)]
pub enum VolumesCommand {
    /// Back up the project's named volumes (or those named) to tar archives with a manifest
    /// of every file's checksum; the services that write to a volume are stopped meanwhile
    /// and started again after
    Backup(VolumesBackupArgs),
    /// Restore volumes from backups, checked against their manifests; a volume that holds
    /// files is written over only with --force
    Restore(VolumesRestoreArgs),
}

#[derive(Debug, Args)]
pub struct VolumesBackupArgs {
    /// Volumes to back up, by their key in the compose files or their name on the engine
    /// (all the project's own volumes when none)
    pub volumes: Vec<String>,
    /// The folder the archives are written to (one `VOLUME_NAME.tar` each)
    #[arg(short = 'o', long, default_value = ".", value_name = "DIR")]
    pub output: std::path::PathBuf,
    /// Leave the services running while their volumes are read (the copy may then be
    /// inconsistent)
    #[arg(long)]
    pub live: bool,
}

#[derive(Debug, Args)]
pub struct VolumesRestoreArgs {
    /// Backups made by `volumes backup`
    #[arg(required = true)]
    pub archives: Vec<std::path::PathBuf>,
    /// Write over a volume that already holds files
    #[arg(long)]
    pub force: bool,
}

#[derive(Debug, Args)]
pub struct StackArgs {
    #[command(subcommand)]
    pub command: StackCommand,
}

/// The `stack` commands. The stack is the project: its name is the project's name (`-p`, or
/// the one the compose files give), and `deploy` loads the files as `config` does.
#[derive(Debug, Subcommand)]
pub enum StackCommand {
    /// Deploy the project to the swarm this engine manages: create or update its services,
    /// networks, secrets and configs, and wait until every service has converged
    Deploy(StackDeployArgs),
    /// List the stacks on the swarm
    Ls(StackLsArgs),
    /// List the services of the stack
    Services(StackServicesArgs),
    /// List the tasks of the stack (of SERVICE, when given)
    Ps(StackPsArgs),
    /// Remove the stack, and wait until its services, tasks, networks, secrets and configs
    /// are gone
    Rm,
    /// View the output of the stack's services (of SERVICE, when given), from every node
    Logs(StackLogsArgs),
    /// Serve a live page of the stack: its services, their tasks and the swarm's nodes
    Dashboard(DashboardArgs),
}

/// `berth dashboard`: the page at `/`, and a JSON API beside it: `GET /api/status` (each
/// service's state, replicas, containers, ports and waits), `GET /api/events` (the engine's
/// events as Server-Sent Events), `GET /api/logs/SERVICE` and `GET /api/findings`.
#[derive(Debug, Args)]
pub struct DashboardArgs {
    /// The address to listen on; another than loopback requires a token (one is made and
    /// printed in the URL when --token is not given). Port 0 takes a free port.
    #[arg(long, default_value = "127.0.0.1:8080", value_name = "ADDR:PORT")]
    pub listen: std::net::SocketAddr,
    /// The token every request must carry (`?token=` or `Authorization: Bearer`)
    #[arg(long, env = berth_loader::env_vars::BERTH_DASHBOARD_TOKEN, hide_env_values = true)]
    pub token: Option<String>,
    /// Open the page in the desktop's browser (`$BROWSER`, else xdg-open)
    #[arg(long)]
    pub open: bool,
    /// Let the page start, stop and restart services; a token is then required on loopback
    /// too, and an action must come from the page itself
    #[arg(long)]
    pub allow_actions: bool,
}

#[derive(Debug, Args)]
pub struct ConvertArgs {
    #[command(subcommand)]
    pub target: ConvertTarget,
}

#[derive(Debug, Subcommand)]
pub enum ConvertTarget {
    /// The stack file `docker stack deploy -c -` accepts: the project as loaded (interpolated,
    /// .env applied, profiles resolved), without what Swarm cannot carry (reported on stderr)
    Swarm(ConvertSwarmArgs),
    /// Kubernetes manifests that keep the project's architecture: a workload per service
    /// (Deployment, StatefulSet for a single replica keeping state in a volume of its own,
    /// DaemonSet for mode global, Job for a one-shot service), Services for ports,
    /// healthchecks as probes, depends_on as init containers that wait, the networks'
    /// isolation as NetworkPolicies, Traefik routers as Ingress rules, secrets, configs and
    /// volumes as Secrets, ConfigMaps and claims. What Kubernetes cannot keep is a warning
    /// naming its file, line and column. Berth's extension: a named volume may say
    /// `x-berth: {kubernetes: {size: 10Gi, storage_class: fast}}`, and a service
    /// `x-berth: {kubernetes: {autoscale: {min: 2, max: 10, cpu: 70}}}` for an autoscaler
    Kubernetes(ConvertKubernetesArgs),
}

#[derive(Debug, Args)]
pub struct ConvertKubernetesArgs {
    /// Write one file per object into this folder instead of a stream on standard output
    #[arg(short = 'o', long)]
    pub output: Option<std::path::PathBuf>,
    /// The namespace of every object
    #[arg(short = 'n', long)]
    pub namespace: Option<String>,
    /// yaml (one multi-document stream), json (a List), kustomize (a base: a file per object
    /// and kustomization.yaml) or helm (a chart whose values.yaml carries each service's
    /// image, replicas and resources); kustomize and helm need --output
    #[arg(long, default_value = "yaml", value_parser = ["yaml", "json", "kustomize", "helm"])]
    pub format: String,
    /// How published ports are reached from outside the cluster: none (inside only, each
    /// reported), nodeport or loadbalancer
    #[arg(long, default_value = "none", value_parser = ["none", "nodeport", "loadbalancer"])]
    pub expose: String,
    /// The image of the init containers that wait for a dependency (it needs sh and nc)
    #[arg(long, default_value = berth_cluster::kube::DEFAULT_WAIT_IMAGE)]
    pub wait_image: String,
    /// The image of the init containers that wait for a one-shot service's Job to complete
    /// (it needs kubectl)
    #[arg(long, default_value = berth_cluster::kube::DEFAULT_KUBECTL_IMAGE)]
    pub kubectl_image: String,
    /// The size a volume's claim asks for, when the volume does not say
    #[arg(long, default_value = "1Gi")]
    pub volume_size: String,
    /// The storage class of the volumes' claims, when the volume does not say
    #[arg(long)]
    pub storage_class: Option<String>,
    /// Make bind mounts hostPath volumes (left out otherwise)
    #[arg(long)]
    pub allow_hostpath: bool,
    /// Reference secrets by name, made outside the manifests, instead of writing their data
    #[arg(long)]
    pub external_secrets: bool,
    /// Refuse the conversion when a setting cannot be kept
    #[arg(long)]
    pub strict: bool,
}

#[derive(Debug, Args)]
pub struct ConvertSwarmArgs {
    /// Write the stack file here instead of standard output
    #[arg(short = 'o', long)]
    pub output: Option<std::path::PathBuf>,
}

#[derive(Debug, Args)]
pub struct StackLogsArgs {
    /// Services whose output to show (all when none)
    pub services: Vec<String>,
    /// Follow log output
    #[arg(short = 'f', long)]
    pub follow: bool,
    /// Number of lines to show from the end of the logs for each task
    #[arg(short = 'n', long, default_value = "all")]
    pub tail: String,
    /// Show timestamps
    #[arg(short = 't', long)]
    pub timestamps: bool,
}

#[derive(Debug, Args)]
pub struct StackDeployArgs {
    /// Remove the services of the stack the project no longer has
    #[arg(long)]
    pub prune: bool,
    /// Return once the services are created or updated, without waiting for them to converge
    #[arg(short = 'd', long)]
    pub detach: bool,
    /// Print what would be created, updated (with the changed fields) or removed, and change
    /// nothing
    #[arg(long = "dry-run")]
    pub dry_run: bool,
    /// Fail when the project has a setting Docker Swarm cannot carry, instead of warning
    #[arg(long)]
    pub strict: bool,
    /// Send the registry credentials of `docker login` to the swarm agents
    #[arg(long = "with-registry-auth")]
    pub with_registry_auth: bool,
}

#[derive(Debug, Args)]
pub struct StackLsArgs {
    /// Format output using a custom template: 'table' (default), 'table TEMPLATE', 'json', or
    /// 'TEMPLATE' (a Go template, e.g. '{{.Name}}')
    #[arg(long, default_value = "table")]
    pub format: String,
}

#[derive(Debug, Args)]
pub struct StackServicesArgs {
    /// Format output using a custom template: 'table' (default), 'table TEMPLATE', 'json', or
    /// 'TEMPLATE' (a Go template, e.g. '{{.Name}}')
    #[arg(long, default_value = "table")]
    pub format: String,
    /// Only display IDs
    #[arg(short = 'q', long)]
    pub quiet: bool,
}

#[derive(Debug, Args)]
pub struct StackPsArgs {
    /// Services whose tasks to list (all when none)
    pub services: Vec<String>,
    /// Format output using a custom template: 'table' (default), 'table TEMPLATE', 'json', or
    /// 'TEMPLATE' (a Go template, e.g. '{{.Name}}')
    #[arg(long, default_value = "table")]
    pub format: String,
    /// Only display task IDs
    #[arg(short = 'q', long)]
    pub quiet: bool,
    /// Do not truncate output
    #[arg(long = "no-trunc")]
    pub no_trunc: bool,
}

#[derive(Debug, Args)]
pub struct CompletionArgs {
    /// The shell. Values: [bash | zsh | fish]
    pub shell: String,
}

#[derive(Debug, Args)]
pub struct CompleteArgs {
    /// The words after `berth`, the last one being completed (may be empty)
    #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
    pub words: Vec<String>,
}

#[derive(Debug, Args)]
pub struct VersionArgs {
    /// Format the output. Values: [pretty | json]. (Default: pretty)
    #[arg(short = 'f', long)]
    pub format: Option<String>,
    /// Shows only Compose's version number
    #[arg(long)]
    pub short: bool,
}

#[derive(Debug, Args)]
pub struct DocsArgs {
    /// Output format. Values: [markdown | html] (one self-contained file with SVG diagrams)
    #[arg(long, default_value = "markdown")]
    pub format: String,
}

#[derive(Debug, Args)]
pub struct GraphArgs {
    /// What to draw. Values: [services | networks | dependencies | ports | volumes]
    #[arg(long, default_value = "services")]
    pub view: String,
    /// Output format. Values: [mermaid | dot | svg | png] (SVG and PNG are laid out and drawn
    /// by Berth)
    #[arg(long, default_value = "mermaid")]
    pub format: String,
    /// Write to this file instead of standard output
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    pub output: Option<std::path::PathBuf>,
    /// Draw only these services and their neighbours; may be repeated
    #[arg(long, value_name = "SERVICE")]
    pub only: Vec<String>,
    /// Draw services in boxes by what they are, the networks they are on, or the profiles that
    /// enable them. Values: [role | network | profile | none] (default: role for the services
    /// view, none for the others)
    #[arg(long, value_name = "BY")]
    pub group_by: Option<String>,
    /// Draw numbered copies of a service (mixnode-1, mixnode-2, ... on the same image or
    /// build) as one node
    #[arg(long)]
    pub collapse: bool,
}

#[derive(Debug, Args)]
pub struct DiffArgs {
    /// The project before: a folder (its compose file and the overlays beside it), or files
    /// joined with commas, base first
    pub old: String,
    /// The project after, given the same way
    pub new: String,
    /// Output format. Values: [human | json | markdown]
    #[arg(long, default_value = "human")]
    pub format: String,
}

#[derive(Debug, Args)]
pub struct MigrateArgs {
    /// The project before: a folder (its compose file and the overlays beside it, merged), or
    /// files joined with commas, base first
    #[arg(required_unless_present = "rollback")]
    pub old: Option<String>,
    /// The project after, given the same way
    #[arg(required_unless_present = "rollback")]
    pub new: Option<String>,
    /// Go back to the old project of an earlier migration, from its backup folder: stop the
    /// new project, restore the old volumes that are gone from their backups, and bring the
    /// old project up
    #[arg(long, value_name = "BACKUP_DIR", conflicts_with_all = ["old", "new", "dry_run", "yes"])]
    pub rollback: Option<std::path::PathBuf>,
    /// Print the plan and change nothing
    #[arg(long = "dry-run", conflicts_with = "yes")]
    pub dry_run: bool,
    /// Carry the data out: stop the old project, back up the volumes to copy, copy them into
    /// the new project's volumes and check them, then bring the new project up (`up -d
    /// --wait`); on a failure, stop the new project and start the old one again
    #[arg(short = 'y', long)]
    pub yes: bool,
    /// Where the backups and the journal of the migration go (default:
    /// berth-migrate-OLD-to-NEW-TIME in the current folder)
    #[arg(long = "backup-dir", value_name = "DIR")]
    pub backup_dir: Option<std::path::PathBuf>,
    /// How long the new project may take to be running and healthy, in seconds
    #[arg(long = "wait-timeout", default_value_t = 300, value_name = "SECONDS")]
    pub wait_timeout: u64,
    /// For a new volume several old volumes could fill: the one to copy, as NEW_KEY=OLD_KEY
    /// (may be repeated)
    #[arg(long = "source", value_name = "NEW=OLD")]
    pub sources: Vec<String>,
    /// Output format. Values: [human | json | markdown]
    #[arg(long, default_value = "human")]
    pub format: String,
}

#[derive(Debug, Args)]
pub struct AuditArgs {
    /// Output format. Values: [human | json | sarif | github | junit | codeclimate]
    #[arg(long, default_value = "human")]
    pub format: String,
    /// Rules to run instead of those on by default: codes, their starts (`B8` is every
    /// hardening rule), names or ALL; comma-separated or repeated. Replaces `select` of
    /// berth.toml
    #[arg(long, value_name = "RULES")]
    pub select: Vec<String>,
    /// Rules to run besides the selected ones (as --select)
    #[arg(long = "extend-select", value_name = "RULES")]
    pub extend_select: Vec<String>,
    /// Rules not to run (as --select)
    #[arg(long, value_name = "RULES")]
    pub ignore: Vec<String>,
    /// The configuration file to read instead of the berth.toml beside the compose files
    #[arg(long, value_name = "FILE")]
    pub config: Option<std::path::PathBuf>,
    /// Fix the findings that have a safe mechanical fix (B202, B501, B601, B803, B808, B809) in the
    /// files that set them, keeping comments and layout; with --dry-run, print the changes
    /// as a unified diff and write nothing
    #[arg(long)]
    pub fix: bool,
    /// Report only the findings FILE does not hold; when FILE does not exist, write the
    /// current findings to it and report none
    #[arg(long, value_name = "FILE")]
    pub baseline: Option<std::path::PathBuf>,
    /// Audit every deployment pattern of the project (base + development files, base +
    /// production files, base + each add-on, everything), told from the file names or listed
    /// under `x-berth: {patterns: ...}` in the base file
    #[arg(long)]
    pub patterns: bool,
    /// Audit only this deployment pattern (see --patterns); may be repeated
    #[arg(long, value_name = "NAME")]
    pub pattern: Vec<String>,
    /// Also check the published ports against those running containers of other projects
    /// already hold on the engine
    #[arg(long)]
    pub running: bool,
    /// Exit with status 1 when a finding of this severity or above is reported. Values:
    /// [error | warning | info | never]
    #[arg(long = "fail-on", default_value = "error")]
    pub fail_on: String,
    /// Apply the production rules even when no file of the project is a production file
    /// (a file whose name says `prod`)
    #[arg(long)]
    pub production: bool,
    /// Print the documentation of a rule (by code, e.g. B201, or name) and exit
    #[arg(long, value_name = "RULE")]
    pub explain: Option<String>,
    /// List every rule and exit
    #[arg(long = "list-rules")]
    pub list_rules: bool,
}

#[derive(Debug, Args)]
pub struct EventsArgs {
    /// Services whose events to show (all when none)
    pub services: Vec<String>,
    /// Output events as a stream of json objects
    #[arg(long)]
    pub json: bool,
    /// Show all events created since timestamp
    #[arg(long)]
    pub since: Option<String>,
    /// Stream events until this timestamp
    #[arg(long)]
    pub until: Option<String>,
}

#[derive(Debug, Args)]
pub struct BuildArgs {
    /// Services to build (all when none)
    pub services: Vec<String>,
    /// The global `--progress`, given after `build` (the reference keeps the old flag,
    /// unlisted).
    #[arg(long = "progress", hide = true, value_name = "TYPE")]
    pub progress: Option<String>,
    /// Set build-time variables for services
    #[arg(long = "build-arg", value_name = "KEY=VALUE")]
    pub build_arg: Vec<String>,
    /// Do not use cache when building the image
    #[arg(long = "no-cache")]
    pub no_cache: bool,
    /// Always attempt to pull a newer version of the image
    #[arg(long)]
    pub pull: bool,
    /// Suppress the build output
    #[arg(short = 'q', long)]
    pub quiet: bool,
    /// Also build dependencies (transitively)
    #[arg(long = "with-dependencies")]
    pub with_dependencies: bool,
    /// Push service images
    #[arg(long)]
    pub push: bool,
    /// Set memory limit for the build container (bytes, or with a unit: 512m, 2g)
    #[arg(short = 'm', long)]
    pub memory: Option<String>,
    /// Print equivalent bake file
    #[arg(long)]
    pub print: bool,
    /// Check build configuration (context and Dockerfile; nothing is built)
    #[arg(long)]
    pub check: bool,
    /// Set builder to use (only the engine's own, "default", without buildx)
    #[arg(long)]
    pub builder: Option<String>,
    /// Add a provenance attestation (BuildKit only: refused by the engine's builder)
    #[arg(long)]
    pub provenance: Option<String>,
    /// Add a SBOM attestation (BuildKit only: refused by the engine's builder)
    #[arg(long)]
    pub sbom: Option<String>,
    /// Set SSH authentications used when building service images (use 'default' for your
    /// SSH agent, ID=PATH for an agent's socket or a key file)
    #[arg(long)]
    pub ssh: Option<String>,
}

#[derive(Debug, Args)]
pub struct PushArgs {
    /// Services whose images to push (all when none)
    pub services: Vec<String>,
    /// Push what it can and ignores images with push failures
    #[arg(long = "ignore-push-failures")]
    pub ignore_push_failures: bool,
    /// Also push images of services declared as dependencies
    #[arg(long = "include-deps")]
    pub include_deps: bool,
    /// Push without printing progress information
    #[arg(short = 'q', long)]
    pub quiet: bool,
}

#[derive(Debug, Args)]
pub struct PullArgs {
    /// Services to pull (all when none)
    pub services: Vec<String>,
    /// Ignore images that can be built
    #[arg(long = "ignore-buildable")]
    pub ignore_buildable: bool,
    /// Pull what it can and ignores images with pull failures
    #[arg(long = "ignore-pull-failures")]
    pub ignore_pull_failures: bool,
    /// Also pull services declared as dependencies
    #[arg(long = "include-deps")]
    pub include_deps: bool,
    /// Apply pull policy ("missing"|"always")
    #[arg(long)]
    pub policy: Option<String>,
    /// Pull without printing progress information
    #[arg(short = 'q', long)]
    pub quiet: bool,
}

#[derive(Debug, Args)]
pub struct ExecArgs {
    /// Detached mode: Run command in the background
    #[arg(short = 'd', long = "detach")]
    pub detach: bool,
    /// Set environment variables
    #[arg(short = 'e', long = "env")]
    pub env: Vec<String>,
    /// Index of the container if service has multiple replicas
    #[arg(long = "index")]
    pub index: Option<u32>,
    /// Disable pseudo-TTY allocation. By default 'docker compose exec' allocates a TTY.
    #[arg(short = 'T', long = "no-tty")]
    pub no_tty: bool,
    /// Give extended privileges to the process
    #[arg(long = "privileged")]
    pub privileged: bool,
    /// Run the command as this user
    #[arg(short = 'u', long = "user")]
    pub user: Option<String>,
    /// Path to workdir directory for this command
    #[arg(short = 'w', long = "workdir")]
    pub workdir: Option<String>,
    pub service: String,
    /// The command and its arguments
    #[arg(required = true, trailing_var_arg = true, allow_hyphen_values = true)]
    pub command: Vec<String>,
}

#[derive(Debug, Args)]
pub struct RunArgs {
    /// Build image before starting container
    #[arg(long)]
    pub build: bool,
    /// Pull image before running ("always"|"missing"|"never") (default "policy")
    #[arg(long)]
    pub pull: Option<String>,
    /// Don't print anything to STDOUT
    #[arg(short = 'q', long)]
    pub quiet: bool,
    /// Pull without printing progress information
    #[arg(long = "quiet-pull")]
    pub quiet_pull: bool,
    /// Suppress progress output from the build process
    #[arg(long = "quiet-build")]
    pub quiet_build: bool,
    /// Set environment variables from file
    #[arg(long = "env-from-file", value_name = "FILE")]
    pub env_from_file: Vec<std::path::PathBuf>,
    /// Allocate a pseudo-TTY (the default on a terminal; an error when standard input is none)
    #[arg(short = 't', long = "tty", hide = true)]
    pub tty: bool,
    /// Add Linux capabilities
    #[arg(long = "cap-add")]
    pub cap_add: Vec<String>,
    /// Drop Linux capabilities
    #[arg(long = "cap-drop")]
    pub cap_drop: Vec<String>,
    /// Run container in background and print container ID
    #[arg(short = 'd', long = "detach")]
    pub detach: bool,
    /// Override the entrypoint of the image
    #[arg(long = "entrypoint")]
    pub entrypoint: Option<String>,
    /// Set environment variables
    #[arg(short = 'e', long = "env")]
    pub env: Vec<String>,
    /// Keep STDIN open even if not attached
    #[arg(short = 'i', long = "interactive", default_value_t = true, action = clap::ArgAction::Set, num_args = 0..=1, default_missing_value = "true")]
    pub interactive: bool,
    /// Add or override a label
    #[arg(short = 'l', long = "label")]
    pub label: Vec<String>,
    /// Assign a name to the container
    #[arg(long = "name")]
    pub name: Option<String>,
    /// Disable pseudo-TTY allocation (default: auto-detected)
    #[arg(short = 'T', long = "no-TTY")]
    pub no_tty: bool,
    /// Don't start linked services
    #[arg(long = "no-deps")]
    pub no_deps: bool,
    /// Publish a container's port(s) to the host
    #[arg(short = 'p', long = "publish")]
    pub publish: Vec<String>,
    /// Remove orphaned containers
    #[arg(long = "remove-orphans")]
    pub remove_orphans: bool,
    /// Automatically remove the container when it exits
    #[arg(long = "rm")]
    pub rm: bool,
    /// Run command with all service's ports enabled and mapped to the host
    #[arg(short = 'P', long = "service-ports")]
    pub service_ports: bool,
    /// Use the service's network aliases in the network(s) the container connects to
    #[arg(long = "use-aliases")]
    pub use_aliases: bool,
    /// Run as specified username or uid
    #[arg(short = 'u', long = "user")]
    pub user: Option<String>,
    /// Bind mount a volume
    // `--volumes` too: the reference takes it (its e2e suite spells it so), without listing it.
    #[arg(short = 'v', long = "volume", alias = "volumes")]
    pub volume: Vec<String>,
    /// Working directory inside the container
    #[arg(short = 'w', long = "workdir")]
    pub workdir: Option<String>,
    pub service: String,
    /// The command and its arguments (default: the service's command)
    #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
    pub command: Vec<String>,
}

#[derive(Debug, Args)]
pub struct PortArgs {
    /// The service
    pub service: String,
    /// The container port
    pub private_port: String,
    /// Index of the container if service has multiple replicas
    #[arg(long, default_value_t = 1)]
    pub index: u32,
    /// tcp or udp
    #[arg(long, default_value = "tcp")]
    pub protocol: String,
}

#[derive(Debug, Args)]
pub struct ImagesArgs {
    /// Services (default: all)
    pub services: Vec<String>,
    /// Format the output. Values: [table | json]
    #[arg(long, default_value = "table")]
    pub format: String,
    /// Only display IDs
    #[arg(short = 'q', long)]
    pub quiet: bool,
}

#[derive(Debug, Args)]
pub struct LsArgs {
    /// Show all stopped Compose projects
    #[arg(short = 'a', long)]
    pub all: bool,
    /// Filter output based on conditions provided (name=NAME)
    #[arg(long)]
    pub filter: Vec<String>,
    /// Format the output. Values: [table | json]
    #[arg(long, default_value = "table")]
    pub format: String,
    /// Only display project names
    #[arg(short = 'q', long)]
    pub quiet: bool,
}

#[derive(Debug, Args)]
pub struct WaitArgs {
    /// Services (default: all)
    pub services: Vec<String>,
    /// Drops project when the first container stops
    #[arg(long = "down-project")]
    pub down_project: bool,
}

#[derive(Debug, Args)]
pub struct LogsArgs {
    /// Services (default: all)
    pub services: Vec<String>,
    /// Follow log output
    #[arg(short = 'f', long)]
    pub follow: bool,
    /// index of the container if service has multiple replicas
    #[arg(long)]
    pub index: Option<u32>,
    /// Produce monochrome output
    #[arg(long = "no-color")]
    pub no_color: bool,
    /// Don't print prefix in logs
    #[arg(long = "no-log-prefix")]
    pub no_log_prefix: bool,
    /// Show logs since timestamp (e.g. 2013-01-02T13:23:37Z) or relative (e.g. 42m for 42 minutes)
    #[arg(long)]
    pub since: Option<String>,
    /// Number of lines to show from the end of the logs for each container
    #[arg(short = 'n', long, default_value = "all")]
    pub tail: String,
    /// Show timestamps
    #[arg(short = 't', long)]
    pub timestamps: bool,
    /// Show logs before a timestamp (e.g. 2013-01-02T13:23:37Z) or relative (e.g. 42m for 42 minutes)
    #[arg(long)]
    pub until: Option<String>,
}

#[derive(Debug, Args)]
pub struct ServicesArgs {
    /// Services (default: all)
    pub services: Vec<String>,
}

#[derive(Debug, Args)]
pub struct StopArgs {
    /// Services to stop (default: all)
    pub services: Vec<String>,
    /// Specify a shutdown timeout in seconds
    #[arg(short = 't', long)]
    pub timeout: Option<i32>,
}

#[derive(Debug, Args)]
pub struct RestartArgs {
    /// Services to restart (default: all)
    pub services: Vec<String>,
    /// Don't restart dependent services
    #[arg(long = "no-deps")]
    pub no_deps: bool,
    /// Specify a shutdown timeout in seconds
    #[arg(short = 't', long)]
    pub timeout: Option<i32>,
}

#[derive(Debug, Args)]
pub struct KillArgs {
    /// Services to kill (default: all)
    pub services: Vec<String>,
    /// SIGNAL to send to the container
    #[arg(short = 's', long, default_value = "SIGKILL")]
    pub signal: String,
    /// Remove containers for services not defined in the Compose file
    #[arg(long = "remove-orphans")]
    pub remove_orphans: bool,
}

#[derive(Debug, Args)]
pub struct RmArgs {
    /// Services to remove (default: all)
    pub services: Vec<String>,
    /// Don't ask to confirm removal
    #[arg(short = 'f', long)]
    pub force: bool,
    /// Stop the containers, if required, before removing
    #[arg(short = 's', long)]
    pub stop: bool,
    /// Remove any anonymous volumes attached to containers
    #[arg(short = 'v', long)]
    pub volumes: bool,
}

#[derive(Debug, Args)]
pub struct CreateArgs {
    /// Services to create (with their dependencies)
    pub services: Vec<String>,
    /// Build images before starting containers
    #[arg(long)]
    pub build: bool,
    /// Don't build an image, even if it's policy
    #[arg(long = "no-build")]
    pub no_build: bool,
    /// Pull image before running ("always"|"missing"|"never"|"build")
    #[arg(long)]
    pub pull: Option<String>,
    /// Recreate containers even if their configuration and image haven't changed
    #[arg(long = "force-recreate")]
    pub force_recreate: bool,
    /// If containers already exist, don't recreate them. Incompatible with --force-recreate.
    #[arg(long = "no-recreate")]
    pub no_recreate: bool,
    /// Remove containers for services not defined in the Compose file
    #[arg(long = "remove-orphans")]
    pub remove_orphans: bool,
    /// Scale SERVICE to NUM instances. Overrides the `scale` setting in the Compose file if present.
    #[arg(long, value_name = "SERVICE=NUM")]
    pub scale: Vec<String>,
    /// Assume "yes" as answer to all prompts and run non-interactively
    #[arg(short = 'y', long)]
    pub yes: bool,
    /// Pull without printing progress information
    #[arg(long = "quiet-pull")]
    pub quiet_pull: bool,
}

impl CreateArgs {
    /// `create` is `up --no-start`.
    pub fn into_up(self) -> UpArgs {
        UpArgs {
            services: self.services,
            build: self.build,
            no_build: self.no_build,
            pull: self.pull,
            detach: true,
            wait: false,
            wait_timeout: None,
            force_recreate: self.force_recreate,
            no_recreate: self.no_recreate,
            no_start: true,
            no_deps: false,
            remove_orphans: self.remove_orphans,
            scale: self.scale,
            timeout: None,
            abort_on_container_exit: false,
            abort_on_container_failure: false,
            exit_code_from: None,
            attach: Vec::new(),
            no_attach: Vec::new(),
            no_color: false,
            no_log_prefix: false,
            timestamps: false,
            yes: self.yes,
            quiet_pull: self.quiet_pull,
            ..UpArgs::default()
        }
    }
}

#[derive(Debug, Default, Args)]
pub struct UpArgs {
    /// Services to start (with their dependencies)
    pub services: Vec<String>,
    /// Build images before starting containers
    #[arg(long)]
    pub build: bool,
    /// Don't build an image, even if it's policy
    #[arg(long = "no-build")]
    pub no_build: bool,
    /// Pull image before running ("always"|"missing"|"never"|"build")
    #[arg(long)]
    pub pull: Option<String>,
    /// Detached mode: Run containers in the background
    #[arg(short = 'd', long)]
    pub detach: bool,
    /// Wait for services to be running|healthy. Implies detached mode.
    #[arg(long)]
    pub wait: bool,
    /// Maximum duration in seconds to wait for the project to be running|healthy
    #[arg(long = "wait-timeout")]
    pub wait_timeout: Option<u64>,
    /// Recreate containers even if their configuration and image haven't changed
    #[arg(long = "force-recreate")]
    pub force_recreate: bool,
    /// If containers already exist, don't recreate them. Incompatible with --force-recreate.
    #[arg(long = "no-recreate")]
    pub no_recreate: bool,
    /// Don't start the services after creating them
    #[arg(long = "no-start")]
    pub no_start: bool,
    /// Don't start linked services
    #[arg(long = "no-deps")]
    pub no_deps: bool,
    /// Remove containers for services not defined in the Compose file
    #[arg(long = "remove-orphans")]
    pub remove_orphans: bool,
    /// Scale SERVICE to NUM instances. Overrides the `scale` setting in the Compose file if present.
    #[arg(long, value_name = "SERVICE=NUM")]
    pub scale: Vec<String>,
    /// Use this timeout in seconds for container shutdown when attached or when containers are already running
    #[arg(short = 't', long)]
    pub timeout: Option<i32>,
    /// Stops all containers if any container was stopped. Incompatible with -d
    #[arg(long = "abort-on-container-exit")]
    pub abort_on_container_exit: bool,
    /// Stops all containers if any container exited with failure. Incompatible with -d
    #[arg(long = "abort-on-container-failure")]
    pub abort_on_container_failure: bool,
    /// Return the exit code of the selected service container. Implies --abort-on-container-exit
    #[arg(long = "exit-code-from")]
    pub exit_code_from: Option<String>,
    /// Restrict attaching to the specified services
    #[arg(long)]
    pub attach: Vec<String>,
    /// Do not attach (stream logs) to the specified services
    #[arg(long = "no-attach")]
    pub no_attach: Vec<String>,
    /// Produce monochrome output
    #[arg(long = "no-color")]
    pub no_color: bool,
    /// Don't print prefix in logs
    #[arg(long = "no-log-prefix")]
    pub no_log_prefix: bool,
    /// Show timestamps
    #[arg(long)]
    pub timestamps: bool,
    /// Automatically attach to log output of dependent services
    #[arg(long = "attach-dependencies")]
    pub attach_dependencies: bool,
    /// Recreate dependent containers. Incompatible with --no-recreate.
    #[arg(long = "always-recreate-deps")]
    pub always_recreate_deps: bool,
    /// Recreate anonymous volumes instead of retrieving data from the previous containers
    #[arg(short = 'V', long = "renew-anon-volumes")]
    pub renew_anon_volumes: bool,
    /// Pull without printing progress information
    #[arg(long = "quiet-pull")]
    pub quiet_pull: bool,
    /// Suppress the build output
    #[arg(long = "quiet-build")]
    pub quiet_build: bool,
    /// Watch source code and rebuild/refresh containers when files are updated
    #[arg(short = 'w', long)]
    pub watch: bool,
    /// Enable interactive shortcuts when running attached. Incompatible with --detach. Can
    /// also be enable/disable by setting COMPOSE_MENU environment var.
    #[arg(long, num_args = 0..=1, default_missing_value = "true", action = clap::ArgAction::Set)]
    pub menu: Option<bool>,
    /// Assume "yes" as answer to all prompts and run non-interactively
    #[arg(short = 'y', long)]
    pub yes: bool,
}

#[derive(Debug, Args)]
pub struct DownArgs {
    /// Services to stop and remove (default: all)
    pub services: Vec<String>,
    /// Remove named volumes declared in the "volumes" section of the Compose file and anonymous volumes attached to containers
    #[arg(short = 'v', long)]
    pub volumes: bool,
    /// Remove containers for services not defined in the Compose file
    #[arg(long = "remove-orphans")]
    pub remove_orphans: bool,
    /// Specify a shutdown timeout in seconds
    #[arg(short = 't', long)]
    pub timeout: Option<i32>,
    /// Remove images used by services. "local" remove only images that don't have a custom tag ("local"|"all")
    #[arg(long)]
    pub rmi: Option<String>,
}

#[derive(Debug, Args)]
pub struct PsArgs {
    /// Services to list (default: all)
    pub services: Vec<String>,
    /// Show all stopped containers (including those created by the run command)
    #[arg(short = 'a', long)]
    pub all: bool,
    /// Only display IDs
    #[arg(short = 'q', long)]
    pub quiet: bool,
    /// Display services
    #[arg(long = "services")]
    pub list_services: bool,
    /// Format output using a custom template: 'table' (default), 'table TEMPLATE' (a table of
    /// the given Go template's columns), 'json', or 'TEMPLATE' (a Go template, e.g.
    /// '{{.Name}}')
    #[arg(long, default_value = "table")]
    pub format: String,
    /// Filter services by status. Values: [paused | restarting | removing | running | dead | created | exited]
    #[arg(long)]
    pub status: Vec<String>,
    /// Filter services by a property (supported filters: status)
    #[arg(long)]
    pub filter: Option<String>,
    /// Don't truncate output
    #[arg(long = "no-trunc")]
    pub no_trunc: bool,
    /// Include orphaned services (not declared by project)
    #[arg(long, default_value_t = true, num_args = 0..=1, default_missing_value = "true",
          action = clap::ArgAction::Set)]
    pub orphans: bool,
}

#[derive(Debug, Args)]
pub struct ConfigArgs {
    /// Services to include (with their dependencies)
    pub services: Vec<String>,
    /// Format the output. Values: [yaml | json]
    #[arg(long)]
    pub format: Option<String>,
    /// Print the service names, one per line
    #[arg(long = "services")]
    pub list_services: bool,
    /// Print the volume names, one per line
    #[arg(long)]
    pub volumes: bool,
    /// Print the network names, one per line
    #[arg(long)]
    pub networks: bool,
    /// Print the image names, one per line
    #[arg(long)]
    pub images: bool,
    /// Print the profile names, one per line
    #[arg(long)]
    pub profiles: bool,
    /// Print the model names, one per line
    #[arg(long)]
    pub models: bool,
    /// Print the service config hash, one per line ("*" for all services, or a comma-separated list)
    #[arg(long)]
    pub hash: Option<String>,
    /// Print model variables and default values
    #[arg(long)]
    pub variables: bool,
    /// Print environment used for interpolation
    #[arg(long)]
    pub environment: bool,
    /// Don't interpolate environment variables
    #[arg(long = "no-interpolate")]
    pub no_interpolate: bool,
    /// Don't normalize compose model
    #[arg(long = "no-normalize")]
    pub no_normalize: bool,
    /// Don't resolve file paths
    #[arg(long = "no-path-resolution")]
    pub no_path_resolution: bool,
    /// Don't check model consistency - warning: may produce invalid Compose output
    #[arg(long = "no-consistency")]
    pub no_consistency: bool,
    /// Don't resolve service env files
    #[arg(long = "no-env-resolution")]
    pub no_env_resolution: bool,
    /// Only validate the configuration, don't print anything
    #[arg(short, long)]
    pub quiet: bool,
    /// Save to file (default to stdout)
    #[arg(short, long)]
    pub output: Option<PathBuf>,
    /// Pin image tags to digests (needs a registry; not supported offline)
    #[arg(long = "resolve-image-digests")]
    pub resolve_image_digests: bool,
    /// Produces an override file with image digests (needs a registry; not supported offline)
    #[arg(long = "lock-image-digests")]
    pub lock_image_digests: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rewrite(args: &[&str]) -> Vec<String> {
        let command = overriding(<Cli as clap::CommandFactory>::command());
        go_bools(&command, args.iter().map(std::ffi::OsString::from))
            .into_iter()
            .map(|a| a.to_string_lossy().into_owned())
            .collect()
    }

    /// Regression: `--no-TTY=false`, `--detach=true` and `up -d --detach` were refused,
    /// which the Docker CLI's flag parser (and so the reference's e2e suite) accepts.
    #[test]
    fn boolean_flags_take_go_style_values() {
        assert_eq!(
            rewrite(&["berth", "up", "--detach=true", "--build=false", "web"]),
            ["berth", "up", "--detach", "web"]
        );
        assert_eq!(
            rewrite(&["berth", "run", "--no-TTY=false", "web"]),
            ["berth", "run", "--tty", "web"]
        );
        // A flag that takes a value keeps it, even one that looks like a boolean flag.
        assert_eq!(
            rewrite(&["berth", "--env-file", "--x=false", "--dry-run=1", "ps"]),
            ["berth", "--env-file", "--x=false", "--dry-run", "ps"]
        );
        // What follows `run SERVICE` is the container's command, left as written.
        assert_eq!(
            rewrite(&["berth", "run", "--rm=true", "web", "echo", "--rm=false"]),
            ["berth", "run", "--rm", "web", "echo", "--rm=false"]
        );
        let command = overriding(<Cli as clap::CommandFactory>::command());
        let twice = go_bools(
            &command,
            ["berth", "up", "-d", "--detach=true"].map(std::ffi::OsString::from),
        );
        assert!(command.try_get_matches_from(twice).is_ok());
        // A flag that gathers values keeps each of them.
        let command = overriding(<Cli as clap::CommandFactory>::command());
        let mut m = command
            .try_get_matches_from(["berth", "-f", "a.yaml", "-f", "b.yaml", "config"])
            .expect("parses");
        let cli = <Cli as clap::FromArgMatches>::from_arg_matches_mut(&mut m).expect("cli");
        assert_eq!(cli.global.file.len(), 2);
    }
}
