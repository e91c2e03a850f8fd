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
/// When true, `up`, `run` and `down` remove orphan containers as with `--remove-orphans`
/// (read from the project's environment: the shell or `.env`).
pub const COMPOSE_REMOVE_ORPHANS: &str = "COMPOSE_REMOVE_ORPHANS";
/// When true, `up` and `run` neither warn about orphan containers nor remove them.
pub const COMPOSE_IGNORE_ORPHANS: &str = "COMPOSE_IGNORE_ORPHANS";
/// When true, progress lines go to standard output instead of standard error.
pub const COMPOSE_STATUS_STDOUT: &str = "COMPOSE_STATUS_STDOUT";
/// `--ansi` when the flag is not given (`never`, `always`, `auto`).
pub const COMPOSE_ANSI: &str = "COMPOSE_ANSI";
/// When true, the same as `--compatibility` (container names joined with `_`).
pub const COMPOSE_COMPATIBILITY: &str = "COMPOSE_COMPATIBILITY";
/// `--menu` of attached `up` when the flag is not given (the navigation menu is on by default
/// on a terminal).
pub const COMPOSE_MENU: &str = "COMPOSE_MENU";
/// `--progress` when the flag is not given.
pub const COMPOSE_PROGRESS: &str = "COMPOSE_PROGRESS";
/// The Docker CLI context whose endpoint Berth connects to (when `DOCKER_HOST` is unset).
pub const DOCKER_CONTEXT: &str = "DOCKER_CONTEXT";
/// Where the Docker CLI keeps its configuration and contexts (default `~/.docker`).
pub const DOCKER_CONFIG: &str = "DOCKER_CONFIG";
/// Used to expand `~` in paths.
pub const HOME: &str = "HOME";
/// Set to the working directory when unset, as Docker Compose does.
pub const PWD: &str = "PWD";
/// The Docker Engine to talk to (`unix:///var/run/docker.sock` when unset).
pub const DOCKER_HOST: &str = "DOCKER_HOST";
/// How many containers `up` starts (or stops) at once; unlimited when unset.
pub const COMPOSE_PARALLEL_LIMIT: &str = "COMPOSE_PARALLEL_LIMIT";
/// `0` (or `false`) builds with the engine's classic builder instead of BuildKit.
pub const DOCKER_BUILDKIT: &str = "DOCKER_BUILDKIT";
/// The SSH agent `build.ssh: [default]` forwards to builds.
pub const SSH_AUTH_SOCK: &str = "SSH_AUTH_SOCK";
/// Extra certificate authorities (a PEM file) trusted when talking HTTPS to registries.
pub const SSL_CERT_FILE: &str = "SSL_CERT_FILE";
/// Where provider plugins (`provider.type`) are looked for after the Docker CLI's plugin
/// folders.
pub const PATH: &str = "PATH";
/// The reference Docker Compose binary the differential tests compare Berth with (tests and
/// scripts only; found through `pip`'s `compose` package when unset).
pub const BERTH_REFERENCE: &str = "BERTH_REFERENCE";
/// How many mutated documents the fast YAML parser's own test compares (tests only).
pub const BERTH_FAST_MUTATIONS: &str = "BERTH_FAST_MUTATIONS";

/// Go's `strconv.ParseBool`, as Docker Compose reads its boolean variables (`1`, `t`, `true`,
/// `TRUE`, `True`; anything else is false).
#[must_use]
pub fn truthy(value: Option<&str>) -> bool {
    matches!(value, Some("1" | "t" | "T" | "true" | "TRUE" | "True"))
}
/// The token every request to `berth dashboard` must carry, when `--token` is not given.
pub const BERTH_DASHBOARD_TOKEN: &str = "BERTH_DASHBOARD_TOKEN";
/// The browser `berth dashboard --open` starts (`xdg-open` when unset).
pub const BROWSER: &str = "BROWSER";
