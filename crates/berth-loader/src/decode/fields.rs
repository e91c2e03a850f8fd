//! The field tables of the model: each struct's attributes in Go struct field order, with
//! their types.

use super::custom::{
    condition, container_name, develop_watch, dropped_map, dropped_string, extra_hosts, file_mode,
    gpus, healthcheck_test, non_negative, oom_score_adj, ports, provider, published, pull_policy,
    reservation_devices, schema_bool, ssh, storage_opt, string_or_list, tmpfs_size, ulimits,
    unique_str_nums, unique_strings, volume_mounts, watch_action,
};
use super::T;

pub const SERVICE: &[(&str, T)] = &[
    ("profiles", T::StrList),
    ("annotations", T::StrMap),
    ("attach", T::BoolPtr),
    ("build", T::Struct(BUILD)),
    ("develop", T::Nullable(&T::Struct(DEVELOP))),
    ("blkio_config", T::Struct(BLKIO)),
    ("cap_add", T::StrList),
    ("cap_drop", T::StrList),
    ("cgroup_parent", T::Str),
    ("cgroup", T::Str),
    ("cpu_count", T::Int),
    ("cpu_percent", T::Float),
    ("cpu_period", T::Int),
    ("cpu_quota", T::Int),
    ("cpu_rt_period", T::Int),
    ("cpu_rt_runtime", T::Int),
    ("cpus", T::Float),
    ("cpuset", T::Str),
    ("cpu_shares", T::Int),
    ("command", T::Nullable(&T::Command)),
    ("configs", T::List(FILE_REF)),
    ("container_name", T::Custom(container_name)),
    ("credential_spec", T::Struct(CREDENTIAL_SPEC)),
    ("depends_on", T::DictOf(DEPENDS_ON)),
    ("deploy", T::Nullable(&T::Struct(DEPLOY))),
    ("device_cgroup_rules", T::Custom(unique_strings)),
    ("devices", T::List(DEVICE)),
    ("dns", T::StrList),
    ("dns_opt", T::StrList),
    ("dns_search", T::StrList),
    ("domainname", T::Str),
    ("entrypoint", T::Nullable(&T::Command)),
    ("provider", T::Custom(provider)),
    ("environment", T::EnvMap),
    ("env_file", T::List(ENV_FILE)),
    ("expose", T::StrNumList),
    ("extends", T::Any),
    ("external_links", T::Custom(unique_strings)),
    ("extra_hosts", T::Custom(extra_hosts)),
    ("group_add", T::Custom(unique_str_nums)),
    ("gpus", T::Custom(gpus)),
    ("hostname", T::Str),
    ("healthcheck", T::Struct(HEALTHCHECK)),
    ("image", T::Str),
    ("init", T::BoolPtr),
    ("ipc", T::Str),
    ("isolation", T::Str),
    ("labels", T::StrMap),
    ("label_file", T::StrList),
    ("links", T::StrList),
    ("logging", T::Struct(LOGGING)),
    ("mem_limit", T::Bytes),
    ("mem_reservation", T::Bytes),
    ("memswap_limit", T::Bytes),
    ("mem_swappiness", T::Bytes),
    ("mac_address", T::Str),
    ("models", T::Any),
    ("network_mode", T::Str),
    ("networks", T::DictOf(SERVICE_NETWORK)),
    ("oom_kill_disable", T::Bool),
    ("oom_score_adj", T::Custom(oom_score_adj)),
    ("pid", T::Nullable(&T::Str)),
    ("pids_limit", T::Int),
    ("platform", T::Str),
    ("ports", T::Custom(ports)),
    ("privileged", T::Bool),
    ("pull_policy", T::Custom(pull_policy)),
    // Accepted by the 2.40.3 schema but not part of its model: validated, then dropped.
    ("pull_refresh_after", T::Custom(dropped_string)),
    ("read_only", T::Bool),
    ("restart", T::Str),
    ("runtime", T::Str),
    ("scale", T::Custom(non_negative)),
    ("secrets", T::List(FILE_REF)),
    ("security_opt", T::Custom(unique_strings)),
    ("shm_size", T::Bytes),
    ("stdin_open", T::Bool),
    ("stop_grace_period", T::Duration),
    ("stop_signal", T::Str),
    ("storage_opt", T::Custom(storage_opt)),
    ("sysctls", T::StrMap),
    ("tmpfs", T::StrList),
    ("tty", T::Bool),
    ("ulimits", T::Custom(ulimits)),
    ("use_api_socket", T::Bool),
    ("user", T::Str),
    ("userns_mode", T::Str),
    ("uts", T::Str),
    ("volumes", T::Custom(volume_mounts)),
    ("volumes_from", T::Custom(unique_strings)),
    ("working_dir", T::Str),
    ("post_start", T::List(HOOK)),
    ("pre_stop", T::List(HOOK)),
];

pub const BUILD: &[(&str, T)] = &[
    ("context", T::Str),
    ("dockerfile", T::Str),
    ("dockerfile_inline", T::Str),
    ("entitlements", T::StrList),
    ("args", T::EnvMap),
    ("provenance", T::StrNum),
    ("sbom", T::StrNum),
    ("ssh", T::Custom(ssh)),
    ("labels", T::StrMap),
    ("cache_from", T::StrList),
    ("cache_to", T::StrList),
    ("no_cache", T::Bool),
    ("additional_contexts", T::StrMap),
    ("pull", T::Bool),
    ("extra_hosts", T::Custom(extra_hosts)),
    ("isolation", T::Str),
    ("network", T::Str),
    ("target", T::Str),
    ("secrets", T::List(FILE_REF)),
    ("shm_size", T::Bytes),
    ("tags", T::StrList),
    ("ulimits", T::Custom(ulimits)),
    ("platforms", T::StrList),
    ("privileged", T::Bool),
];

pub(super) const CREDENTIAL_SPEC: &[(&str, T)] =
    &[("config", T::Str), ("file", T::Str), ("registry", T::Str)];

pub(super) const DEPENDS_ON: &[(&str, T)] = &[
    ("condition", T::Custom(condition)),
    ("restart", T::Bool),
    ("required", T::Custom(schema_bool)),
];

pub(super) const UPDATE_CONFIG: &[(&str, T)] = &[
    ("parallelism", T::IntPtr),
    ("delay", T::Duration),
    ("failure_action", T::Str),
    ("monitor", T::Duration),
    ("max_failure_ratio", T::Float),
    ("order", T::Str),
];

pub(super) const RESOURCE: &[(&str, T)] = &[
    ("cpus", T::Float),
    ("memory", T::Bytes),
    ("pids", T::Int),
    ("devices", T::Custom(reservation_devices)),
    ("generic_resources", T::Any),
];

pub(super) const RESOURCES: &[(&str, T)] = &[
    ("limits", T::Struct(RESOURCE)),
    ("reservations", T::Struct(RESOURCE)),
];

pub(super) const RESTART_POLICY: &[(&str, T)] = &[
    ("condition", T::Str),
    ("delay", T::Duration),
    ("max_attempts", T::IntPtr),
    ("window", T::Duration),
];

pub(super) const PLACEMENT: &[(&str, T)] = &[
    ("constraints", T::StrList),
    ("preferences", T::Any),
    ("max_replicas_per_node", T::Int),
];

pub const DEPLOY: &[(&str, T)] = &[
    ("mode", T::Str),
    ("replicas", T::Custom(non_negative)),
    ("labels", T::StrMap),
    ("update_config", T::Struct(UPDATE_CONFIG)),
    ("rollback_config", T::Struct(UPDATE_CONFIG)),
    ("resources", T::Struct(RESOURCES)),
    ("restart_policy", T::Struct(RESTART_POLICY)),
    ("placement", T::Struct(PLACEMENT)),
    ("endpoint_mode", T::Str),
];

pub(super) const DEVICE: &[(&str, T)] = &[
    ("source", T::Str),
    ("target", T::Str),
    ("permissions", T::Str),
];

pub(super) const ENV_FILE: &[(&str, T)] = &[
    ("path", T::Str),
    ("required", T::BoolPtr),
    ("format", T::Str),
];

pub(super) const HEALTHCHECK: &[(&str, T)] = &[
    ("test", T::Custom(healthcheck_test)),
    ("timeout", T::Duration),
    ("interval", T::Duration),
    ("retries", T::Custom(non_negative)),
    ("start_period", T::Duration),
    ("start_interval", T::Duration),
    ("disable", T::Bool),
];

pub(super) const LOGGING: &[(&str, T)] = &[("driver", T::Str), ("options", T::StrMap)];

pub(super) const SERVICE_NETWORK: &[(&str, T)] = &[
    ("aliases", T::StrList),
    ("driver_opts", T::StrMap),
    ("gw_priority", T::Int),
    ("interface_name", T::Str),
    ("ipv4_address", T::Str),
    ("ipv6_address", T::Str),
    ("link_local_ips", T::StrList),
    ("mac_address", T::Str),
    ("priority", T::Int),
];

pub(super) const PORT: &[(&str, T)] = &[
    ("name", T::Str),
    ("mode", T::Str),
    ("host_ip", T::Str),
    ("target", T::Int),
    ("published", T::Custom(published)),
    ("protocol", T::Str),
    ("app_protocol", T::Str),
];

pub(super) const FILE_REF: &[(&str, T)] = &[
    ("source", T::Str),
    ("target", T::Str),
    ("uid", T::Str),
    ("gid", T::Str),
    ("mode", T::Custom(file_mode)),
];

pub(super) const VOLUME_BIND: &[(&str, T)] = &[
    ("selinux", T::Str),
    ("propagation", T::Str),
    ("create_host_path", T::Bool),
    ("recursive", T::Str),
];

pub(super) const VOLUME_VOLUME: &[(&str, T)] = &[
    ("labels", T::StrMap),
    ("nocopy", T::Bool),
    ("subpath", T::Str),
];

pub(super) const VOLUME_TMPFS: &[(&str, T)] = &[("size", T::Custom(tmpfs_size)), ("mode", T::Int)];

pub(super) const VOLUME_IMAGE: &[(&str, T)] = &[("subpath", T::Str)];

pub(super) const VOLUME_MOUNT: &[(&str, T)] = &[
    ("type", T::Str),
    ("source", T::Str),
    ("target", T::Str),
    ("read_only", T::Bool),
    ("consistency", T::Str),
    ("bind", T::Struct(VOLUME_BIND)),
    ("volume", T::Struct(VOLUME_VOLUME)),
    ("tmpfs", T::Struct(VOLUME_TMPFS)),
    ("image", T::Struct(VOLUME_IMAGE)),
];

pub(super) const HOOK: &[(&str, T)] = &[
    ("command", T::Command),
    ("user", T::Str),
    ("privileged", T::Bool),
    ("working_dir", T::Str),
    ("environment", T::EnvMap),
];

pub(super) const IPAM_CONFIG: &[(&str, T)] = &[
    ("subnet", T::Str),
    ("gateway", T::Str),
    ("ip_range", T::Str),
    ("aux_addresses", T::StrMap),
];

pub(super) const IPAM: &[(&str, T)] = &[
    ("driver", T::Str),
    ("config", T::List(IPAM_CONFIG)),
    // Accepted by the schema, not kept by the 2.40.3 model.
    ("options", T::Custom(dropped_map)),
];

pub const NETWORK: &[(&str, T)] = &[
    ("name", T::Str),
    ("driver", T::Str),
    ("driver_opts", T::StrMap),
    ("ipam", T::Struct(IPAM)),
    ("external", T::Bool),
    ("internal", T::Bool),
    ("attachable", T::Bool),
    ("labels", T::StrMap),
    ("enable_ipv4", T::BoolPtr),
    ("enable_ipv6", T::BoolPtr),
];

pub const VOLUME: &[(&str, T)] = &[
    ("name", T::Str),
    ("driver", T::Str),
    ("driver_opts", T::StrMap),
    ("external", T::Bool),
    ("labels", T::StrMap),
];

pub const SECRET_CONFIG: &[(&str, T)] = &[
    ("name", T::Str),
    ("file", T::Str),
    ("environment", T::Str),
    ("content", T::Str),
    ("external", T::Bool),
    ("labels", T::StrMap),
    ("driver", T::Str),
    ("driver_opts", T::StrMap),
    ("template_driver", T::Str),
];

pub(super) const DEVICE_REQUEST: &[(&str, T)] = &[
    ("capabilities", T::StrList),
    ("driver", T::Str),
    ("count", T::Any),
    ("device_ids", T::StrList),
    ("options", T::StrMap),
];

pub(super) const DEVELOP_WATCH: &[(&str, T)] = &[
    ("path", T::Str),
    ("action", T::Custom(watch_action)),
    ("target", T::Str),
    ("exec", T::Struct(HOOK)),
    ("ignore", T::Custom(string_or_list)),
    ("include", T::Custom(string_or_list)),
    ("initial_sync", T::Bool),
];

pub(super) const DEVELOP: &[(&str, T)] = &[("watch", T::Custom(develop_watch))];

pub(super) const BLKIO_LIMIT: &[(&str, T)] = &[("path", T::Str), ("rate", T::Bytes)];

pub(super) const BLKIO_WEIGHT: &[(&str, T)] = &[("path", T::Str), ("weight", T::Int)];

pub(super) const BLKIO: &[(&str, T)] = &[
    ("weight", T::Int),
    ("weight_device", T::List(BLKIO_WEIGHT)),
    ("device_read_bps", T::List(BLKIO_LIMIT)),
    ("device_read_iops", T::List(BLKIO_LIMIT)),
    ("device_write_bps", T::List(BLKIO_LIMIT)),
    ("device_write_iops", T::List(BLKIO_LIMIT)),
];

/// Top-level `models` entries.
pub const MODEL: &[(&str, T)] = &[
    ("name", T::Str),
    ("model", T::Str),
    ("context_size", T::Int),
    ("runtime_flags", T::StrList),
];
