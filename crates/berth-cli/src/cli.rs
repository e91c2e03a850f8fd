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

#[derive(Debug, Args)]
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
    /// Execute command in dry run mode
    #[arg(long = "dry-run")]
    pub dry_run: bool,
    /// Include all resources, even those not used by services
    #[arg(long = "all-resources")]
    pub all_resources: bool,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Parse, resolve and render compose file in canonical format
    Config(ConfigArgs),
}

#[derive(Debug, Args)]
#[allow(clippy::struct_excessive_bools)]
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
