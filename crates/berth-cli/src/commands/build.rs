//! `build` and `pull`: a project's images.

use berth_engine::build::{self, BuildOptions};
use berth_engine::progress::{Phase, Progress, Resource, Status};

use crate::cli::{BuildArgs, GlobalArgs, PullArgs, PushArgs};
use crate::commands::engine::{connect, exit_status, runtime};
use crate::commands::{load_options, load_project};
use crate::printer::{Printer, StderrProgress};

/// The project's spec limited to `services` (and, with `deps`, what they depend on).
fn services_of(
    global: &GlobalArgs,
    services: &[String],
    deps: bool,
    printer: &mut Printer,
) -> anyhow::Result<Option<(berth_model::Project, berth_engine::spec::ProjectSpec)>> {
    let mut opts = load_options(global)?;
    // Named services are enabled whatever their profiles, as in Docker Compose.
    opts.enable = services.to_vec();
    let Some(project) = load_project(&opts, printer) else {
        return Ok(None);
    };
    let mut spec = berth_engine::spec::project_spec(&project);
    if let Err(e) = spec.select(services, !deps) {
        printer.error(&e);
        return Ok(None);
    }
    Ok(Some((project, spec)))
}

pub fn build(global: &GlobalArgs, args: &BuildArgs, printer: &mut Printer) -> anyhow::Result<u8> {
    let Some((project, spec)) =
        services_of(global, &args.services, args.with_dependencies, printer)?
    else {
        return Ok(1);
    };
    let mut build_args = Vec::new();
    for a in &args.build_arg {
        match a.split_once('=') {
            Some((k, v)) => build_args.push((k.to_string(), v.to_string())),
            // `--build-arg KEY` takes the value from the environment, when set.
            None => {
                if let Ok(v) = std::env::var(a) {
                    build_args.push((a.clone(), v));
                }
            }
        }
    }
    let memory = match args
        .memory
        .as_deref()
        .map(berth_loader::units::ram_in_bytes)
    {
        None => None,
        Some(Some(n)) if i32::try_from(n).is_ok() => i32::try_from(n).ok(),
        Some(_) => {
            printer.error(&format!(
                "invalid --memory {:?}: expected bytes or a size under 2g, such as 512m",
                args.memory.as_deref().unwrap_or_default()
            ));
            return Ok(1);
        }
    };
    if args.print {
        let names: Vec<String> = spec.services.iter().map(|s| s.name.clone()).collect();
        let bake = berth_engine::bake::BakeOptions {
            args: build_args,
            no_cache: args.no_cache,
            pull: args.pull,
            push: args.push,
            check: args.check,
            ssh: args.ssh.clone().into_iter().collect(),
        };
        printer.out(&format!(
            "{}\n",
            berth_engine::bake::definition(&project, &args.services, &names, &bake)
        ))?;
        return Ok(0);
    }
    if let Some(e) = buildkit_only(args) {
        printer.error(&e);
        return Ok(1);
    }
    if args.check {
        return Ok(check(&spec, printer));
    }
    let opts = BuildOptions {
        args: build_args,
        no_cache: args.no_cache,
        pull: args.pull,
        quiet: args.quiet,
        memory,
        ssh: args.ssh.iter().map(|s| build::ssh_flag(s)).collect(),
    };
    let rt = runtime()?;
    let result = rt.block_on(async {
        let mut interrupts = crate::interrupt::Interrupts::install()
            .map_err(|e| berth_engine::EngineError::Other(e.to_string()))?;
        let engine = connect().await?;
        let builds = async {
            for s in &spec.services {
                let Some(b) = &s.build else { continue };
                StderrProgress.event(Resource::Service, &s.name, &Status::Building);
                build::build_image(&engine, &spec.name, s, b, &opts, &StderrProgress).await?;
                StderrProgress.event(Resource::Service, &s.name, &Status::Built);
            }
            Ok::<(), berth_engine::EngineError>(())
        };
        // Ctrl-C gives the builds up (the engine stops them when their requests go), and the
        // view says which steps were canceled; the exit status is the signal's, as the
        // reference's.
        let built = tokio::select! {
            r = builds => r,
            _ = interrupts.next() => {
                crate::progress::cancel_builds();
                return Ok(130);
            }
        };
        StderrProgress.builds_done();
        built?;
        if args.push {
            push_services(&engine, &spec, false, false).await?;
        }
        Ok(0)
    });
    Ok(exit_status(result, printer))
}

/// What the flags that belong to BuildKit say on an engine builder without it (the
/// reference's own messages on such an engine).
fn buildkit_only(args: &BuildArgs) -> Option<String> {
    if args.provenance.is_some() || args.sbom.is_some() {
        return Some("Attestation is not supported for the docker driver.\nSwitch to a different driver, or turn on the containerd image store, and try again.\nLearn more at https://docs.docker.com/go/attestations/".into());
    }
    if let Some(b) = args.builder.as_deref().filter(|b| *b != "default") {
        let known = crate::context::buildx_builder_exists(b);
        if !known {
            return Some(format!("no builder {b:?} found"));
        }
    }
    if let Some(ssh) = &args.ssh {
        let socket = std::env::var(berth_loader::env_vars::SSH_AUTH_SOCK).unwrap_or_default();
        if ssh == "default" && socket.is_empty() {
            return Some("invalid empty ssh agent socket: make sure SSH_AUTH_SOCK is set".into());
        }
    }
    None
}

/// `build --check`: each build's context and Dockerfile are there, and the Dockerfile starts
/// a stage (`FROM`); nothing is built.
fn check(spec: &berth_engine::spec::ProjectSpec, printer: &mut Printer) -> u8 {
    let mut status = 0;
    for s in &spec.services {
        let Some(b) = &s.build else { continue };
        let text = if let Some(inline) = &b.dockerfile_inline {
            Ok(inline.clone())
        } else if b.context.contains("://") || b.context.starts_with("git@") {
            StderrProgress.detail(&s.name, "Checked", "(remote context)", Phase::Done);
            continue;
        } else {
            let dockerfile = b.dockerfile.as_deref().unwrap_or("Dockerfile");
            let path = std::path::Path::new(&b.context).join(dockerfile);
            std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))
        };
        let problem = match text {
            Err(e) => Some(e),
            Ok(t) => (!t.lines().any(|l| {
                l.trim_start()
                    .get(..5)
                    .is_some_and(|w| w.eq_ignore_ascii_case("from "))
            }))
            .then(|| "the Dockerfile has no FROM instruction".to_string()),
        };
        match problem {
            Some(p) => {
                printer.error(&format!("service {:?}: {p}", s.name));
                status = 1;
            }
            None => StderrProgress.detail(&s.name, "Checked", "", Phase::Done),
        }
    }
    status
}

/// Pushes the images of the services that are built (their `image` and `build.tags`), as
/// Docker Compose does; the others are reported `Skipped`.
pub(crate) async fn push_services(
    engine: &berth_engine::Engine,
    spec: &berth_engine::spec::ProjectSpec,
    ignore_failures: bool,
    quiet: bool,
) -> Result<(), berth_engine::EngineError> {
    for s in &spec.services {
        // Only built images the project names are pushed, as in Docker Compose.
        let Some(b) = s.build.as_ref().filter(|_| s.image_named) else {
            if !quiet {
                StderrProgress.detail(&s.name, "Skipped", "", Phase::Done);
            }
            continue;
        };
        for image in std::iter::once(&s.image).chain(&b.tags) {
            let say = |status: &str, progress: &str| {
                if !quiet {
                    // A layer is done once pushed or found there; the rest is under way.
                    let done = status.starts_with("Pushed")
                        || status.starts_with("Mounted")
                        || status == "Layer already exists";
                    StderrProgress.detail(
                        "Pushing",
                        &format!("{image}:"),
                        &format!("{status} {progress}"),
                        if done { Phase::Done } else { Phase::Working },
                    );
                }
            };
            // The credentials of `docker login`, as the Docker CLI sends them.
            let credentials = berth_engine::registry::Reference::parse(image)
                .ok()
                .and_then(|r| crate::context::credentials(&r.domain));
            match build::push_image(engine, image, credentials, &say).await {
                Ok(()) => {}
                Err(e) if ignore_failures => {
                    StderrProgress.warning(&format!("failed to push {image}: {e}"));
                }
                Err(e) => {
                    return Err(berth_engine::EngineError::Other(format!(
                        "failed to push {image}: {e}"
                    )))
                }
            }
        }
    }
    Ok(())
}

pub fn push(global: &GlobalArgs, args: &PushArgs, printer: &mut Printer) -> anyhow::Result<u8> {
    let Some((_, spec)) = services_of(global, &args.services, args.include_deps, printer)? else {
        return Ok(1);
    };
    let result = runtime()?.block_on(async {
        let engine = connect().await?;
        push_services(&engine, &spec, args.ignore_push_failures, args.quiet).await?;
        Ok(0)
    });
    Ok(exit_status(result, printer))
}

pub fn pull(global: &GlobalArgs, args: &PullArgs, printer: &mut Printer) -> anyhow::Result<u8> {
    if let Some(p) = args.policy.as_deref() {
        if !matches!(p, "missing" | "always") {
            printer.error(&format!("invalid --policy option {p:?}"));
            return Ok(1);
        }
    }
    let Some((_, spec)) = services_of(global, &args.services, args.include_deps, printer)? else {
        return Ok(1);
    };
    let quiet = args.quiet;
    let say = move |id: &str, text: &str, details: &str, phase: Phase| {
        if !quiet {
            StderrProgress.detail(id, text, details, phase);
        }
    };
    let rt = runtime()?;
    let result = rt.block_on(async {
        let engine = connect().await?;
        let mut todo = Vec::new();
        // Which service pulls each image, so that an image is pulled once.
        let mut pulling: std::collections::HashMap<&str, &str> = std::collections::HashMap::new();
        for s in &spec.services {
            // Docker Compose's order of reasons (`pull.go`): no image named, a policy that
            // never pulls, present already (a `latest` tag is pulled whatever the policy),
            // buildable and asked to be left, pulled by another service.
            if !s.image_named {
                say(&s.name, "Skipped", "- No image to be pulled", Phase::Done);
                continue;
            }
            let policy = args.policy.as_deref().or(s.pull_policy.as_deref());
            if matches!(policy, Some("never" | "build")) {
                continue;
            }
            let latest = berth_engine::registry::Reference::parse(&s.image)
                .is_ok_and(|r| r.reference == "latest");
            if matches!(policy, Some("missing" | "if_not_present"))
                && !latest
                && engine.image_id(&s.image).await?.is_some()
            {
                say(
                    &s.name,
                    "Skipped",
                    "- Image is already present locally",
                    Phase::Done,
                );
                continue;
            }
            if args.ignore_buildable && s.build.is_some() {
                continue;
            }
            if let Some(other) = pulling.get(s.image.as_str()) {
                say(
                    &s.name,
                    "Skipped",
                    &format!("- Image is already being pulled by {other}"),
                    Phase::Done,
                );
                continue;
            }
            pulling.insert(&s.image, &s.name);
            todo.push((s.name.clone(), s.image.clone(), s.build.is_some()));
        }
        // All at once, as Docker Compose pulls; the first image that can be neither pulled nor
        // built stops the others.
        let mut pulls = tokio::task::JoinSet::new();
        let mut pending = std::collections::BTreeSet::new();
        for (name, image, buildable) in todo {
            say(&name, "Pulling", "", Phase::Working);
            pending.insert(name.clone());
            let engine = engine.clone();
            pulls.spawn(async move {
                let r = build::pull_image(&engine, &image, &|_| {}).await;
                (name, buildable, r)
            });
        }
        let mut must_build = Vec::new();
        let mut errors = Vec::new();
        while let Some(joined) = pulls.join_next().await {
            let (name, buildable, r) = joined
                .map_err(|e| berth_engine::EngineError::Other(format!("pull failed: {e}")))?;
            pending.remove(&name);
            match r {
                Ok(()) => say(&name, "Pulled", "", Phase::Done),
                Err(e) if args.ignore_pull_failures => say(&name, "Error", &e.bare(), Phase::Failed),
                Err(e) if buildable => {
                    say(&name, "Warning", &e.bare(), Phase::Done);
                    must_build.push(name);
                    errors.push(e.to_string());
                }
                Err(e) => {
                    say(&name, "Error", &e.bare(), Phase::Failed);
                    pulls.abort_all();
                    for other in &pending {
                        say(other, "", "Interrupted", Phase::Failed);
                    }
                    return Err(e);
                }
            }
        }
        if !must_build.is_empty() {
            crate::progress::line(&format!(
                "WARNING: Some service image(s) must be built from source by running:\n    berth build {}",
                must_build.join(" ")
            ));
        }
        if errors.is_empty() || args.ignore_pull_failures {
            Ok(0)
        } else {
            Err(berth_engine::EngineError::Other(errors.join("\n")))
        }
    });
    Ok(exit_status(result, printer))
}
