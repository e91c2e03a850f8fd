//! One module per rule; the registry lists them.

pub mod build_with_registry_image;
pub mod credential_default;
pub mod dangerous_capability;
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
pub mod host_device;
pub mod host_namespace;
pub mod host_port_conflict;
pub mod image_without_digest;
pub mod inconsistent_naming;
pub mod logging_disabled;
pub mod missing_cap_drop;
pub mod missing_healthcheck;
pub mod missing_no_new_privileges;
pub mod missing_project_name;
pub mod missing_resource_limits;
pub mod no_shared_network;
pub mod privileged;
pub mod production_published_port;
pub mod published_internal_only;
pub mod redis_without_auth;
pub mod runs_as_root;
pub mod sensitive_host_mount;
pub mod source_bind_mount;
pub mod unconfined_profile;
pub mod unpinned_image;
pub mod unused_suppression;
pub mod writable_root_filesystem;

use berth_model::Project;

/// The file name (not the whole path) of the file that set the value at `span`.
fn file_name(project: &Project, span: berth_model::Span) -> String {
    project
        .sources
        .path(span.file)
        .and_then(|p| p.file_name())
        .map_or_else(|| "?".into(), |n| n.to_string_lossy().into_owned())
}
