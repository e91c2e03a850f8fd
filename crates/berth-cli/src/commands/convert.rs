//! `berth convert swarm`: the project as a stack file for `docker stack deploy -c -` (see
//! `berth_cluster::stackfile`); `berth convert kubernetes`: the project as Kubernetes
//! manifests (see `berth_cluster::kube`). What a target leaves out is reported on stderr.

use crate::cli::{ConvertArgs, ConvertKubernetesArgs, ConvertTarget, GlobalArgs};
use crate::printer::Printer;

pub fn run(global: &GlobalArgs, args: &ConvertArgs, printer: &mut Printer) -> anyhow::Result<u8> {
    let swarm = match &args.target {
        ConvertTarget::Swarm(swarm) => swarm,
        ConvertTarget::Kubernetes(k) => return kubernetes(global, k, printer),
    };
    let opts = super::load_options(global)?;
    let Some(project) = super::load_project(&opts, printer) else {
        return Ok(1);
    };
    let (file, losses) = berth_cluster::stackfile::stack_file(&project, &project.name);
    super::report_losses(printer, &project, &losses, false, "Docker Swarm");
    let text = berth_emit::escape_dollars(&berth_emit::yaml::to_yaml(&file));
    match &swarm.output {
        Some(path) => {
            if let Err(e) = std::fs::write(path, text) {
                printer.error(&format!("cannot write {}: {e}", path.display()));
                return Ok(1);
            }
        }
        None => printer.out(&text)?,
    }
    Ok(0)
}

fn kubernetes(
    global: &GlobalArgs,
    args: &ConvertKubernetesArgs,
    printer: &mut Printer,
) -> anyhow::Result<u8> {
    use berth_cluster::kube;
    let opts = super::load_options(global)?;
    let Some(project) = super::load_project(&opts, printer) else {
        return Ok(1);
    };
    let packaged = matches!(args.format.as_str(), "kustomize" | "helm");
    if packaged && args.output.is_none() {
        printer.error(&format!(
            "--format {} writes a folder: give it with --output DIR",
            args.format
        ));
        return Ok(1);
    }
    if let Some(ns) = &args.namespace {
        if !kube::names::is_label(ns) {
            printer.error(&format!(
                "invalid namespace {ns:?}: a namespace is a DNS label (lowercase letters, digits and '-', starting with a letter)"
            ));
            return Ok(1);
        }
    }
    let options = kube::Options {
        namespace: args.namespace.clone(),
        expose: match args.expose.as_str() {
            "nodeport" => kube::Expose::NodePort,
            "loadbalancer" => kube::Expose::LoadBalancer,
            _ => kube::Expose::None,
        },
        wait_image: args.wait_image.clone(),
        kubectl_image: args.kubectl_image.clone(),
        volume_size: args.volume_size.clone(),
        storage_class: args.storage_class.clone(),
        allow_hostpath: args.allow_hostpath,
        external_secrets: args.external_secrets,
    };
    let manifests = match kube::convert(&project, &options) {
        Ok(m) => m,
        Err(e) => {
            printer.error(&e);
            return Ok(1);
        }
    };
    for note in &manifests.renamed {
        printer.diag(&note.render(&project.sources));
    }
    if super::report_losses(
        printer,
        &project,
        &manifests.losses,
        args.strict,
        "Kubernetes",
    ) {
        return Ok(1);
    }
    let Some(dir) = &args.output else {
        let text = if args.format == "json" {
            kube::to_json(&manifests.objects)
        } else {
            kube::to_yaml(&manifests.objects)
        };
        printer.out(&text)?;
        // The process ends here: its memory goes back at once, without freeing each object
        // (a tenth of the time of a large conversion).
        std::mem::forget(manifests);
        return Ok(0);
    };
    let files: Vec<(String, String)> = match args.format.as_str() {
        "kustomize" => kube::package::kustomize(&manifests.objects, args.namespace.as_deref()),
        "helm" => kube::package::helm(&kube::names::label(&project.name), &manifests.objects),
        "json" => manifests
            .objects
            .iter()
            .map(|o| {
                let mut t = serde_json::to_string_pretty(o).unwrap_or_default();
                t.push('\n');
                (kube::file_name(o).replace(".yaml", ".json"), t)
            })
            .collect(),
        _ => manifests
            .objects
            .iter()
            .map(|o| (kube::file_name(o), kube::to_yaml(std::slice::from_ref(o))))
            .collect(),
    };
    for (name, text) in files {
        let path = dir.join(name);
        let made = path
            .parent()
            .map_or(Ok(()), std::fs::create_dir_all)
            .and_then(|()| std::fs::write(&path, text));
        if let Err(e) = made {
            printer.error(&format!("cannot write {}: {e}", path.display()));
            return Ok(1);
        }
    }
    Ok(0)
}
