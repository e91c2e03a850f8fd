//! The image a service runs, as `docker stack deploy` names it to the swarm: the compose
//! file's image with its tag made explicit (`app` is `app:latest`), pinned to the digest its
//! registry serves (`app:latest@sha256:…`) with the platforms that image is made for, so that
//! every node runs the same image and a new image pushed under the same tag is a change of the
//! service. An image no registry serves (one built or loaded on this node only) keeps its tag,
//! and each node uses what it has under that name.

use std::time::Duration;

use berth_engine::Engine;
use bollard::models::{Platform, ServiceSpec};

/// How long the registry may take to say which digest a tag points at.
const RESOLVE_DEADLINE: Duration = Duration::from_secs(20);

/// `image` as the Docker CLI sends it: with `:latest` when it names neither a tag nor a
/// digest, and without the `docker.io/` or `docker.io/library/` the user may have written.
#[must_use]
pub fn with_tag(image: &str) -> String {
    let familiar = image
        .strip_prefix("docker.io/library/")
        .or_else(|| image.strip_prefix("docker.io/"))
        .unwrap_or(image);
    let last = familiar.rsplit('/').next().unwrap_or(familiar);
    if familiar.contains('@') || last.contains(':') {
        familiar.to_string()
    } else {
        format!("{familiar}:latest")
    }
}

/// The image without its digest (`app:1@sha256:…` is `app:1`).
#[must_use]
pub fn without_digest(image: &str) -> &str {
    image.split_once('@').map_or(image, |(name, _)| name)
}

/// What the registry says of an image: its reference pinned to a digest, and the platforms it
/// is made for (`arm` without its architecture, as the Docker CLI leaves it, because nodes
/// report `armv7l` and the like).
#[derive(Clone, Debug, PartialEq)]
pub struct Pinned {
    pub image: String,
    pub platforms: Vec<Platform>,
}

/// Asks the engine which digest `image` has on its registry (with `credentials` when the
/// registry wants a login). `None` when no registry answers for it.
pub async fn resolve(
    engine: &Engine,
    image: &str,
    credentials: Option<bollard::auth::DockerCredentials>,
) -> Option<Pinned> {
    if image.contains('@') {
        return None;
    }
    let answer = tokio::time::timeout(
        RESOLVE_DEADLINE,
        engine.docker.inspect_registry_image(image, credentials),
    )
    .await
    .ok()?
    .ok()?;
    let digest = answer.descriptor.digest?;
    let platforms = answer
        .platforms
        .into_iter()
        .map(|p| Platform {
            architecture: p.architecture.filter(|a| !a.eq_ignore_ascii_case("arm")),
            os: p.os,
        })
        .collect();
    Some(Pinned {
        image: format!("{image}@{digest}"),
        platforms,
    })
}

/// Sets the image of `spec` to `pinned`, with its platforms as the placement's.
pub fn pin(spec: &mut ServiceSpec, pinned: Pinned) {
    let Some(t) = spec.task_template.as_mut() else {
        return;
    };
    if let Some(c) = t.container_spec.as_mut() {
        c.image = Some(pinned.image);
    }
    if !pinned.platforms.is_empty() {
        t.placement.get_or_insert_with(Default::default).platforms = Some(pinned.platforms);
    }
}

/// What the Docker CLI says of an image it could not pin.
#[must_use]
pub fn unpinned_warning(image: &str) -> String {
    format!(
        "image {image} could not be accessed on a registry to record its digest. Each node will access {image} independently, possibly leading to different nodes running different versions of the image."
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn with_tag_makes_latest_explicit_as_the_docker_cli() {
        assert_eq!(with_tag("busybox"), "busybox:latest");
        assert_eq!(with_tag("docker.io/library/busybox"), "busybox:latest");
        assert_eq!(with_tag("docker.io/me/app:2"), "me/app:2");
        assert_eq!(with_tag("127.0.0.1:5000/app"), "127.0.0.1:5000/app:latest");
        assert_eq!(with_tag("127.0.0.1:5000/app:v1"), "127.0.0.1:5000/app:v1");
        assert_eq!(with_tag("app@sha256:abc"), "app@sha256:abc");
        assert_eq!(without_digest("app:1@sha256:abc"), "app:1");
        assert_eq!(without_digest("app:1"), "app:1");
    }
}
