//! Scenarios of Docker Compose v2.40.3's own end-to-end suite (`pkg/e2e` of docker/compose),
//! ported onto the local busybox image (nothing can be pulled here). Each test is named after
//! the Go test it ports and asserts what that test asserts, once with Berth and once with the
//! reference binary, so every assertion is known to hold for Docker Compose too (where the Go
//! file changed between versions, the reference binary decides). Each command has its own
//! deadline: a hang fails the test with the command's name instead of stalling the suite.
//!
//! One module per Go file, named after it.

mod attach_stats;
mod build;
mod cascade;
mod compose;
mod compose_down;
mod compose_environment;
mod compose_run;
mod compose_run_build_once;
mod compose_up;
mod configs;
mod container_name;
mod convergence;
mod cp;
mod dependencies;
mod dry_run;
mod env_file;
mod env_precedence;
mod environment;
mod events;
mod exec;
mod export_commit;
mod expose;
mod flags;
mod harness;
mod healthcheck;
mod hooks;
mod images;
mod live_view;
mod login;
mod logs;
mod menu;
mod networking;
mod networks;
mod no_deps;
mod orphans;
mod pause;
mod profiles;
mod providers;
mod ps;
mod publish;
mod pull;
mod push;
mod recreate_no_deps;
mod restart;
mod scale;
mod secrets;
mod start_fail;
mod start_stop;
mod up;
mod up_flags;
mod volumes;
mod wait;
mod watch;
