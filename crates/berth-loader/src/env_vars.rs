//! Every environment variable Berth reads, declared once.

/// Compose files to load when no `-f` is given, separated by `COMPOSE_PATH_SEPARATOR`.
pub const COMPOSE_FILE: &str = "COMPOSE_FILE";
/// Separator for `COMPOSE_FILE` (default `:`).
pub const COMPOSE_PATH_SEPARATOR: &str = "COMPOSE_PATH_SEPARATOR";
/// Project name when no `-p` is given.
pub const COMPOSE_PROJECT_NAME: &str = "COMPOSE_PROJECT_NAME";
/// Comma-separated active profiles when no `--profile` is given.
pub const COMPOSE_PROFILES: &str = "COMPOSE_PROFILES";
/// Comma-separated env files when no `--env-file` is given.
pub const COMPOSE_ENV_FILES: &str = "COMPOSE_ENV_FILES";
/// When true, the default `.env` file is not read (from the OS environment only).
pub const COMPOSE_DISABLE_ENV_FILE: &str = "COMPOSE_DISABLE_ENV_FILE";
/// Used to expand `~` in paths.
pub const HOME: &str = "HOME";
/// Set to the working directory when unset, as Docker Compose does.
pub const PWD: &str = "PWD";
/// The Docker Engine to talk to (`unix:///var/run/docker.sock` when unset).
pub const DOCKER_HOST: &str = "DOCKER_HOST";
