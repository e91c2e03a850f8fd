//! The connection to the Docker Engine and what Berth reads from it: the project's containers,
//! networks and volumes, found by their `com.docker.compose.*` labels.

use std::collections::HashMap;

use bollard::query_parameters::{ListContainersOptions, ListNetworksOptions};
use bollard::Docker;

/// A published or exposed port of a container, as the engine lists it.
pub use bollard::models::Port;
/// A volume, as the engine lists it.
pub use bollard::models::Volume;

use crate::labels;
use crate::EngineError;

/// The default socket, as the Docker CLI uses it when `DOCKER_HOST` is unset.
pub const DEFAULT_HOST: &str = "unix:///var/run/docker.sock";

/// A connected engine, with the API version negotiated.
#[derive(Clone)]
pub struct Engine {
    pub docker: Docker,
    /// Where it was reached (for messages).
    pub host: String,
    /// `--dry-run`: what would change the engine (creating, starting, stopping, removing,
    /// building, copying, running a command) is left out and reported as done, as Docker
    /// Compose's dry-run client does; what only reads still asks the engine. A container
    /// "created" so has its name as its ID.
    pub dry_run: bool,
    /// The Docker CLI's configuration folder, where `docker login` keeps the credentials
    /// that pulls, pushes and builds send to registries; `None` sends none.
    pub docker_config: Option<std::path::PathBuf>,
}

impl Engine {
    /// The stored credentials for the registry of `image`, if any.
    #[must_use]
    pub fn credentials_for(&self, image: &str) -> Option<bollard::auth::DockerCredentials> {
        let dir = self.docker_config.as_deref()?;
        let reference = crate::registry::Reference::parse(image).ok()?;
        crate::registry::stored_credentials(dir, &reference.domain)
            .map(|c| c.for_engine(&reference.domain))
    }

    /// Every stored credential, by registry host, for a build (whose base images may come
    /// from any of them).
    #[must_use]
    pub fn all_credentials(&self) -> HashMap<String, bollard::auth::DockerCredentials> {
        let Some(dir) = self.docker_config.as_deref() else {
            return HashMap::new();
        };
        crate::registry::all_stored_credentials(dir)
            .into_iter()
            .map(|(host, c)| {
                let engine = c.for_engine(&host);
                (host, engine)
            })
            .collect()
    }

    /// Connects to `DOCKER_HOST` (or the default socket), checks that the engine answers and
    /// negotiates the API version (the engine on this project's machines speaks 1.41).
    ///
    /// # Errors
    /// One clear error naming the socket when no engine answers.
    pub async fn connect(docker_host: Option<&str>) -> Result<Engine, EngineError> {
        let host = docker_host
            .filter(|h| !h.is_empty())
            .unwrap_or(DEFAULT_HOST)
            .to_string();
        let unreachable = |e: &dyn std::fmt::Display| EngineError::Unreachable {
            host: host.clone(),
            reason: e.to_string(),
        };
        let docker = if let Some(path) = host.strip_prefix("unix://") {
            Docker::connect_with_unix(path, 120, bollard::API_DEFAULT_VERSION)
        } else if host.starts_with("tcp://") || host.starts_with("http://") {
            Docker::connect_with_http(&host, 120, bollard::API_DEFAULT_VERSION)
        } else {
            return Err(EngineError::Unreachable {
                host: host.clone(),
                reason: "unsupported DOCKER_HOST scheme (use unix:// or tcp://)".into(),
            });
        }
        .map_err(|e| unreachable(&e))?;
        docker.ping().await.map_err(|e| unreachable(&e))?;
        let docker = docker
            .negotiate_version()
            .await
            .map_err(|e| unreachable(&e))?;
        Ok(Engine {
            docker,
            host,
            dry_run: false,
            docker_config: None,
        })
    }

    /// This engine, with the calls that change it left out (`--dry-run`).
    #[must_use]
    pub fn simulated(mut self, dry_run: bool) -> Engine {
        self.dry_run = dry_run;
        self
    }

    /// Whether the negotiated API version is `major.minor` or later.
    #[must_use]
    pub fn api_at_least(&self, major: usize, minor: usize) -> bool {
        let v = self.docker.client_version();
        (v.major_version, v.minor_version) >= (major, minor)
    }

    /// The project's service containers (not one-off), running or not.
    ///
    /// # Errors
    /// Engine API errors.
    pub async fn project_containers(
        &self,
        project: &str,
        all: bool,
    ) -> Result<Vec<Observed>, EngineError> {
        self.of_project(project, false, all).await
    }

    /// The project's one-off containers (`run`), running or not.
    ///
    /// # Errors
    /// Engine API errors.
    pub async fn one_off_containers(
        &self,
        project: &str,
        all: bool,
    ) -> Result<Vec<Observed>, EngineError> {
        self.of_project(project, true, all).await
    }

    async fn of_project(
        &self,
        project: &str,
        one_off: bool,
        all: bool,
    ) -> Result<Vec<Observed>, EngineError> {
        let one_off = if one_off { "True" } else { "False" };
        self.containers_labelled(
            vec![
                format!("{}={project}", labels::PROJECT),
                labels::CONFIG_HASH.to_string(),
                format!("{}={one_off}", labels::ONEOFF),
            ],
            all,
        )
        .await
    }

    /// Every Compose-labelled service container on the engine, of any project (for `ls`).
    ///
    /// # Errors
    /// Engine API errors.
    pub async fn compose_containers(&self, all: bool) -> Result<Vec<Observed>, EngineError> {
        self.containers_labelled(
            vec![
                labels::PROJECT.to_string(),
                format!("{}=False", labels::ONEOFF),
            ],
            all,
        )
        .await
    }

    /// The engine's container events for the project, from now (or `since`) until `until`
    /// (Unix seconds), as they happen.
    pub fn events(
        &self,
        project: &str,
        since: Option<i64>,
        until: Option<i64>,
    ) -> impl futures_util::Stream<Item = Result<ContainerEvent, EngineError>> + '_ {
        self.events_labelled(&format!("{}={project}", labels::PROJECT), since, until)
    }

    /// The engine's events of the containers carrying `label` (`KEY=VALUE`), from now (or
    /// `since`) until `until`, as they happen.
    pub fn events_labelled(
        &self,
        label: &str,
        since: Option<i64>,
        until: Option<i64>,
    ) -> impl futures_util::Stream<Item = Result<ContainerEvent, EngineError>> + '_ {
        use futures_util::StreamExt;
        let mut filters = HashMap::new();
        filters.insert("type".to_string(), vec!["container".to_string()]);
        filters.insert("label".to_string(), vec![label.to_string()]);
        self.docker
            .events(Some(bollard::query_parameters::EventsOptions {
                since: since.map(|s| s.to_string()),
                until: until.map(|s| s.to_string()),
                filters: Some(filters),
            }))
            .map(|item| {
                let ev = item?;
                let actor = ev.actor.unwrap_or_default();
                let attributes = actor.attributes.unwrap_or_default();
                let nanos = ev
                    .time_nano
                    .unwrap_or_else(|| ev.time.unwrap_or(0) * 1_000_000_000);
                Ok(ContainerEvent {
                    secs: nanos.div_euclid(1_000_000_000),
                    nanos: u32::try_from(nanos.rem_euclid(1_000_000_000)).unwrap_or(0),
                    action: ev.action.unwrap_or_default(),
                    id: actor.id.unwrap_or_default(),
                    service: attributes.get(labels::SERVICE).cloned().unwrap_or_default(),
                    // Docker Compose leaves its own labels out.
                    attributes: attributes
                        .into_iter()
                        .filter(|(k, _)| !k.starts_with("com.docker.compose."))
                        .collect(),
                })
            })
    }

    /// Containers carrying all of `label_filters` (`KEY` or `KEY=VALUE`), stopped ones too
    /// when `all`.
    ///
    /// # Errors
    /// Engine API errors.
    pub async fn containers_labelled(
        &self,
        label_filters: Vec<String>,
        all: bool,
    ) -> Result<Vec<Observed>, EngineError> {
        let mut filters = HashMap::new();
        filters.insert("label".to_string(), label_filters);
        let list = self
            .docker
            .list_containers(Some(ListContainersOptions {
                all,
                filters: Some(filters),
                ..Default::default()
            }))
            .await?;
        Ok(list.into_iter().map(Observed::from_summary).collect())
    }

    /// The size in bytes of every volume on the engine, by name (`None` where the engine has
    /// not measured it).
    ///
    /// # Errors
    /// Engine API errors.
    pub async fn volume_sizes(&self) -> Result<HashMap<String, Option<u64>>, EngineError> {
        // The engine measures one disk usage at a time, and refuses a second meanwhile.
        let mut tries = 0;
        let usage = loop {
            match self
                .docker
                .df(None::<bollard::query_parameters::DataUsageOptions>)
                .await
            {
                Err(e) if tries < 20 && e.to_string().contains("already running") => {
                    tries += 1;
                    tokio::time::sleep(std::time::Duration::from_millis(250)).await;
                }
                other => break other?,
            }
        };
        Ok(usage
            .volumes
            .unwrap_or_default()
            .into_iter()
            .map(|v| {
                (
                    v.name,
                    v.usage_data.and_then(|u| u64::try_from(u.size).ok()),
                )
            })
            .collect())
    }

    /// Every running container on the engine, of any project or none (for `audit --running`).
    ///
    /// # Errors
    /// Engine API errors.
    pub async fn running_containers(&self) -> Result<Vec<Observed>, EngineError> {
        self.containers_labelled(Vec::new(), false).await
    }

    /// The processes of a running container: column titles and rows, as `ps` gives them.
    ///
    /// # Errors
    /// Engine API errors.
    pub async fn top(&self, id: &str) -> Result<(Vec<String>, Vec<Vec<String>>), EngineError> {
        let r = self
            .docker
            .top_processes(id, None::<bollard::query_parameters::TopOptions>)
            .await?;
        Ok((
            r.titles.unwrap_or_default(),
            r.processes.unwrap_or_default(),
        ))
    }

    /// What `images` shows of an image: (ID, repository tags, platform, size in bytes,
    /// created, last tag time).
    ///
    /// # Errors
    /// Engine API errors.
    pub async fn image_info(&self, reference: &str) -> Result<ImageInfo, EngineError> {
        let i = self.docker.inspect_image(reference).await?;
        Ok(ImageInfo {
            id: i.id.unwrap_or_default(),
            repo_tags: i.repo_tags.unwrap_or_default(),
            platform: format!(
                "{}/{}",
                i.os.unwrap_or_default(),
                i.architecture.unwrap_or_default()
            ),
            size: i.size.unwrap_or(0),
            created: i
                .created
                .map(|t| rfc3339(&t.to_rfc3339()))
                .unwrap_or_default(),
            last_tag_time: i
                .metadata
                .and_then(|m| m.last_tag_time)
                .map(|t| rfc3339(&t.to_rfc3339()))
                .unwrap_or_default(),
        })
    }

    /// Waits for a container to stop; its exit code.
    ///
    /// # Errors
    /// Engine API errors.
    pub async fn wait_exit_code(&self, id: &str) -> Result<i64, EngineError> {
        use futures_util::StreamExt;
        let mut s = self
            .docker
            .wait_container(id, None::<bollard::query_parameters::WaitContainerOptions>);
        let mut code = 0;
        while let Some(r) = s.next().await {
            match r {
                Ok(w) => code = w.status_code,
                // A non-zero exit comes back as this error.
                Err(bollard::errors::Error::DockerContainerWaitError { code: c, .. }) => code = c,
                Err(e) => return Err(e.into()),
            }
        }
        Ok(code)
    }

    /// Whether the network `name` exists and was made for network `key` of `project` (by
    /// either tool: the labels say so).
    ///
    /// # Errors
    /// Engine API errors.
    pub async fn project_network_exists(
        &self,
        name: &str,
        project: &str,
        key: &str,
    ) -> Result<bool, EngineError> {
        let mut filters = HashMap::new();
        filters.insert("name".to_string(), vec![name.to_string()]);
        filters.insert(
            "label".to_string(),
            vec![
                format!("{}={project}", crate::labels::PROJECT),
                format!("{}={key}", crate::labels::NETWORK),
            ],
        );
        let list = self
            .docker
            .list_networks(Some(ListNetworksOptions {
                filters: Some(filters),
            }))
            .await?;
        // The name filter matches substrings: keep exact matches only.
        Ok(list.iter().any(|n| n.name.as_deref() == Some(name)))
    }

    /// A project known only by name, read off the engine: its service containers (running or
    /// not), and the networks and volumes labelled with it.
    ///
    /// # Errors
    /// Engine API errors.
    pub async fn named_project(
        &self,
        project: &str,
    ) -> Result<crate::spec::ProjectSpec, EngineError> {
        let label = format!("{}={project}", labels::PROJECT);
        let filters = |l: &str| {
            let mut f = HashMap::new();
            f.insert("label".to_string(), vec![l.to_string()]);
            f
        };
        let (containers, networks, volumes) = tokio::try_join!(
            self.project_containers(project, true),
            async {
                Ok::<_, EngineError>(
                    self.docker
                        .list_networks(Some(ListNetworksOptions {
                            filters: Some(filters(&label)),
                        }))
                        .await?,
                )
            },
            self.project_volumes(project),
        )?;
        let resource =
            |name: Option<String>, labels_map: Option<&HashMap<String, String>>, key: &str| {
                let name = name?;
                let key = labels_map
                    .and_then(|l| l.get(key).cloned())
                    .unwrap_or_else(|| name.clone());
                Some(crate::observed::ObservedResource { name, key })
            };
        let mut networks: Vec<_> = networks
            .into_iter()
            .filter_map(|n| resource(n.name, n.labels.as_ref(), labels::NETWORK))
            .collect();
        networks.sort_by(|a, b| a.name.cmp(&b.name));
        let mut volumes: Vec<_> = volumes
            .into_iter()
            .filter_map(|v| resource(Some(v.name), Some(&v.labels), labels::VOLUME))
            .collect();
        volumes.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(crate::observed::from_observed(
            project,
            &containers,
            &networks,
            &volumes,
        ))
    }

    /// The volumes labelled with the project, sorted by name.
    ///
    /// # Errors
    /// Engine API errors.
    pub async fn project_volumes(
        &self,
        project: &str,
    ) -> Result<Vec<bollard::models::Volume>, EngineError> {
        let mut filters = HashMap::new();
        filters.insert(
            "label".to_string(),
            vec![format!("{}={project}", labels::PROJECT)],
        );
        let mut volumes = self
            .docker
            .list_volumes(Some(bollard::query_parameters::ListVolumesOptions {
                filters: Some(filters),
            }))
            .await?
            .volumes
            .unwrap_or_default();
        volumes.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(volumes)
    }

    /// The labels of the volume of this exact name, or `None` when there is no such volume.
    ///
    /// # Errors
    /// Engine API errors other than "not found".
    pub async fn volume_labels(
        &self,
        name: &str,
    ) -> Result<Option<HashMap<String, String>>, EngineError> {
        match self.docker.inspect_volume(name).await {
            Ok(v) if v.name == name => Ok(Some(v.labels)),
            Ok(_)
            | Err(bollard::errors::Error::DockerResponseServerError {
                status_code: 404, ..
            }) => Ok(None),
            Err(e) => Err(e.into()),
        }
    }

    /// Removes the volume of this name.
    ///
    /// # Errors
    /// Engine API errors (a volume still in use, for one).
    pub async fn remove_volume(&self, name: &str) -> Result<(), EngineError> {
        if self.dry_run {
            return Ok(());
        }
        self.docker
            .remove_volume(name, None::<bollard::query_parameters::RemoveVolumeOptions>)
            .await?;
        Ok(())
    }

    /// The local image ID of a reference, if present.
    ///
    /// # Errors
    /// Engine API errors other than "not found".
    pub async fn image_id(&self, reference: &str) -> Result<Option<String>, EngineError> {
        match self.docker.inspect_image(reference).await {
            Ok(i) => Ok(i.id),
            Err(bollard::errors::Error::DockerResponseServerError {
                status_code: 404, ..
            }) => Ok(None),
            Err(e) => Err(e.into()),
        }
    }

    /// The digest the registry gives an image's manifest (the engine asks the registry).
    ///
    /// # Errors
    /// The engine's or the registry's error, worded as the Docker CLI words it.
    pub async fn distribution_digest(&self, image: &str) -> Result<String, EngineError> {
        let d = self
            .docker
            .inspect_registry_image(image, None)
            .await
            .map_err(|e| EngineError::Other(crate::daemon_message(&e)))?;
        d.descriptor
            .digest
            .ok_or_else(|| EngineError::Other(format!("no digest for {image}")))
    }

    /// Waits until a container is no longer running (or is gone).
    pub async fn wait_stopped(&self, name: &str) {
        use futures_util::StreamExt;
        let mut s = self.docker.wait_container(
            name,
            None::<bollard::query_parameters::WaitContainerOptions>,
        );
        while s.next().await.is_some() {}
    }

    /// The engine's whole record of a container, by ID or name.
    ///
    /// # Errors
    /// The engine's (404 when there is no such container).
    pub async fn inspect(
        &self,
        container: &str,
    ) -> Result<bollard::models::ContainerInspectResponse, bollard::errors::Error> {
        self.docker
            .inspect_container(
                container,
                None::<bollard::query_parameters::InspectContainerOptions>,
            )
            .await
    }

    /// Whether the container runs now (false when it is gone, or the engine cannot tell).
    pub async fn is_running(&self, name: &str) -> bool {
        self.inspect(name)
            .await
            .ok()
            .and_then(|i| i.state)
            .and_then(|s| s.running)
            .unwrap_or(false)
    }

    /// When the container last stopped, as the engine reports it (RFC 3339, nanoseconds);
    /// `None` if it never has. Output written after it belongs to later runs.
    pub async fn finished_at(&self, name: &str) -> Option<String> {
        let info = self.inspect(name).await.ok()?;
        info.state?.finished_at.filter(|t| !t.starts_with("0001-"))
    }

    /// A stopped container's exit code, and whether it is running again or its restart
    /// policy brings it back.
    pub async fn exit_state(&self, name: &str) -> (i64, bool) {
        let Ok(info) = self.inspect(name).await else {
            return (0, false);
        };
        let state = info.state.unwrap_or_default();
        let code = state.exit_code.unwrap_or(0);
        if state.running.unwrap_or(false) || state.restarting.unwrap_or(false) {
            return (code, true);
        }
        let policy = info
            .host_config
            .and_then(|h| h.restart_policy)
            .and_then(|p| p.name)
            .map(|n| n.to_string())
            .unwrap_or_default();
        let restarts = match policy.as_str() {
            "always" | "unless-stopped" => true,
            "on-failure" => code != 0,
            _ => false,
        };
        (code, restarts)
    }

    /// Local IDs of the given image references (each looked up once, concurrently); references
    /// the engine does not have are left out.
    ///
    /// # Errors
    /// Engine API errors other than "no such image".
    pub async fn image_ids<'a>(
        &self,
        references: impl IntoIterator<Item = &'a str>,
    ) -> Result<HashMap<String, String>, EngineError> {
        let unique: std::collections::BTreeSet<&str> = references.into_iter().collect();
        let found = futures_util::future::try_join_all(
            unique
                .into_iter()
                .map(|r| async move { Ok::<_, EngineError>((r, self.image_id(r).await?)) }),
        )
        .await?;
        Ok(found
            .into_iter()
            .filter_map(|(r, id)| id.map(|id| (r.to_string(), id)))
            .collect())
    }
}

/// A container event of the project.
#[derive(Clone, Debug, Default)]
pub struct ContainerEvent {
    pub secs: i64,
    pub nanos: u32,
    pub action: String,
    pub id: String,
    pub service: String,
    /// The actor's attributes (image, name, exitCode, signal...), sorted.
    pub attributes: std::collections::BTreeMap<String, String>,
}

/// An image as `images` shows it.
#[derive(Clone, Debug, Default)]
pub struct ImageInfo {
    pub id: String,
    pub repo_tags: Vec<String>,
    pub platform: String,
    pub size: i64,
    /// RFC 3339.
    pub created: String,
    pub last_tag_time: String,
}

/// A container of the project as the engine reports it.
#[derive(Clone, Debug, PartialEq)]
pub struct Observed {
    pub id: String,
    /// Name without the leading `/`.
    pub name: String,
    pub service: String,
    pub number: u32,
    pub hash: String,
    /// The `com.docker.compose.image` label (image ID at creation).
    pub image_id: Option<String>,
    /// Engine state: `created`, `running`, `exited`, `paused`, ...
    pub state: String,
    /// Human status (`Up 3 seconds (healthy)`).
    pub status: String,
    pub image: String,
    pub command: String,
    pub created: i64,
    pub labels: HashMap<String, String>,
    pub ports: Vec<bollard::models::Port>,
    /// Names of the networks it is attached to.
    pub networks: Vec<String>,
    /// Names of the named volumes it mounts.
    pub volumes: Vec<String>,
    /// Those of them it mounts read-only.
    pub read_only_volumes: Vec<String>,
}

impl Observed {
    fn from_summary(c: bollard::models::ContainerSummary) -> Observed {
        let labels_map = c.labels.unwrap_or_default();
        let mounts: Vec<_> = c
            .mounts
            .unwrap_or_default()
            .into_iter()
            .filter(|m| m.typ == Some(bollard::models::MountPointTypeEnum::VOLUME))
            .collect();
        let get = |k: &str| labels_map.get(k).cloned().unwrap_or_default();
        Observed {
            id: c.id.unwrap_or_default(),
            name: c
                .names
                .and_then(|n| n.into_iter().next())
                .map(|n| n.trim_start_matches('/').to_string())
                .unwrap_or_default(),
            service: get(labels::SERVICE),
            number: get(labels::CONTAINER_NUMBER).parse().unwrap_or(0),
            hash: get(labels::CONFIG_HASH),
            image_id: labels_map.get(labels::IMAGE).cloned(),
            state: c.state.map(|s| s.to_string()).unwrap_or_default(),
            status: c.status.unwrap_or_default(),
            image: c.image.unwrap_or_default(),
            command: c.command.unwrap_or_default(),
            created: c.created.unwrap_or(0),
            ports: c.ports.unwrap_or_default(),
            labels: labels_map,
            networks: c
                .network_settings
                .and_then(|n| n.networks)
                .map(|n| n.into_keys().collect())
                .unwrap_or_default(),
            volumes: mounts.iter().filter_map(|m| m.name.clone()).collect(),
            read_only_volumes: mounts
                .iter()
                .filter(|m| m.rw == Some(false))
                .filter_map(|m| m.name.clone())
                .collect(),
        }
    }
}

/// A UTC time as the engine writes it (`…Z`, not `…+00:00`).
fn rfc3339(t: &str) -> String {
    t.strip_suffix("+00:00")
        .map_or_else(|| t.to_string(), |rest| format!("{rest}Z"))
}
