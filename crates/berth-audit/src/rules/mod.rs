//! One module per rule; the registry lists them.

pub mod credential_default;
pub mod debug_logging;
pub mod depends_on_monitoring;
pub mod dev_build;
pub mod dev_server_flag;
pub mod dev_tool_without_profile;
pub mod docker_socket;
pub mod duplicate_definition;
pub mod duplicate_role;
pub mod exposed_backing_service;
pub mod hardcoded_credential;
pub mod healthy_without_healthcheck;
pub mod host_port_conflict;
pub mod inconsistent_naming;
pub mod missing_healthcheck;
pub mod missing_resource_limits;
pub mod no_shared_network;
pub mod privileged;
pub mod production_published_port;
pub mod published_internal_only;
pub mod redis_without_auth;
pub mod runs_as_root;
pub mod source_bind_mount;
pub mod unpinned_image;

use berth_model::Project;

/// The file name (not the whole path) of the file that set the value at `span`.
fn file_name(project: &Project, span: berth_model::Span) -> String {
    project
        .sources
        .path(span.file)
        .and_then(|p| p.file_name())
        .map_or_else(|| "?".into(), |n| n.to_string_lossy().into_owned())
}
