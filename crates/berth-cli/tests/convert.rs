//! `berth convert kubernetes`: the manifests of every bundled example (each deployment
//! pattern) and every awesome-compose project are checked offline against the official
//! schemas, strictly, for the oldest and the newest Kubernetes version `kubernetes-validate`
//! ships that Berth supports; the conversion of a fixture that uses every mapping is a
//! snapshot. (`convert swarm` is tested against a real swarm, in tests/stack/.)

use std::path::{Path, PathBuf};
use std::process::Command;

mod common;

use common::{berth_in, repo_root, snapshot, stdout};

/// The Kubernetes versions the manifests are checked against.
const VERSIONS: [&str; 2] = ["1.25.0", "1.37.0"];

fn fixture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/kubernetes")
}

/// Every project to convert: the bundled examples, with their overlays and profiles, and the
/// corpus. Each is a folder and the global arguments before `convert`.
fn projects() -> Vec<(PathBuf, Vec<String>)> {
    let examples = repo_root().join("examples");
    let files = |list: &[&str]| -> Vec<String> {
        list.iter()
            .flat_map(|f| ["-f".to_string(), (*f).to_string()])
            .collect()
    };
    let mut out = vec![
        (
            examples.join("fog-compute-before"),
            files(&["docker-compose.yml", "docker-compose.dev.yml"]),
        ),
        (
            examples.join("fog-compute-before"),
            files(&["docker-compose.yml", "docker-compose.betanet.yml"]),
        ),
        (
            examples.join("fog-compute-after"),
            files(&["docker-compose.yml", "docker-compose.override.yml"]),
        ),
        (
            examples.join("fog-compute-after"),
            files(&["docker-compose.yml", "docker-compose.prod.yml"]),
        ),
        (
            examples.join("fog-compute-after"),
            files(&[
                "docker-compose.yml",
                "docker-compose.prod.yml",
                "docker-compose.betanet.yml",
            ]),
        ),
        (examples.join("taylordash"), Vec::new()),
        (
            examples.join("taylordash"),
            vec!["--profile".into(), "timescale".into()],
        ),
        (examples.join("hw-server"), Vec::new()),
        (examples.join("docker-examples/basic-stack"), Vec::new()),
        (examples.join("docker-examples/cluster-example"), Vec::new()),
        (examples.join("docker-examples/swarm-stack"), Vec::new()),
        (examples.join("swarm-local"), Vec::new()),
        (fixture(), Vec::new()),
    ];
    let corpus = repo_root().join("../shared/corpus/awesome-compose");
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(&corpus)
        .map(|d| {
            d.filter_map(|e| Some(e.ok()?.path()))
                .filter(|p| p.is_dir())
                .collect()
        })
        .unwrap_or_default();
    dirs.sort();
    out.extend(dirs.into_iter().map(|d| (d, Vec::new())));
    out
}

/// Every bundled example and corpus project converts, and every object validates, strictly,
/// against the oldest and the newest supported Kubernetes version.
#[test]
fn every_example_and_corpus_project_validates_against_kubernetes_schemas() {
    if !common::needs(
        "kubernetes-validate",
        common::on_path("kubernetes-validate"),
        "python3 -m pip install kubernetes-validate",
    ) {
        return;
    }
    let out_dir = tempfile::tempdir().expect("temp dir");
    let mut files = Vec::new();
    let mut objects = 0;
    for (i, (dir, global)) in projects().iter().enumerate() {
        let mut args: Vec<&str> = global.iter().map(String::as_str).collect();
        args.extend(["convert", "kubernetes"]);
        let out = berth_in(dir, &args);
        assert!(
            out.status.success(),
            "{} {args:?}: {}",
            dir.display(),
            String::from_utf8_lossy(&out.stderr)
        );
        let text = stdout(&out);
        objects += text.lines().filter(|l| l.starts_with("kind: ")).count();
        let file = out_dir.path().join(format!("{i:02}.yaml"));
        std::fs::write(&file, text).expect("write manifests");
        files.push(file);
    }
    assert!(
        files.len() > 40,
        "the corpus is missing: {} projects",
        files.len()
    );
    for version in VERSIONS {
        let out = Command::new("kubernetes-validate")
            .args(["--strict", "--quiet", "-k", version])
            .args(&files)
            .output()
            .expect("kubernetes-validate");
        assert!(
            out.status.success(),
            "Kubernetes {version}:\n{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
    eprintln!(
        "{} projects, {objects} objects: valid for Kubernetes {}",
        files.len(),
        VERSIONS.join(" and ")
    );
}

/// The fixture's manifests and what the conversion reports, as a snapshot.
#[test]
fn the_fixture_converts_as_its_snapshot() {
    let out = berth_in(&fixture(), &["convert", "kubernetes"]);
    assert!(out.status.success());
    let dir = fixture().display().to_string();
    let report = String::from_utf8_lossy(&out.stderr).replace(&dir, "FIXTURE");
    snapshot(
        "convert-kubernetes.txt",
        &format!("{}=== stderr ===\n{report}", stdout(&out)),
    );
}

/// `--strict` refuses a conversion that loses settings; `-o DIR` writes a file per object;
/// `--format json` a List; the waiting init containers take the images given; a namespace
/// that is no DNS label is refused.
#[test]
fn strict_output_folder_json_and_namespace() {
    let strict = berth_in(&fixture(), &["convert", "kubernetes", "--strict"]);
    assert_eq!(strict.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&strict.stderr).contains("cannot be kept by Kubernetes (--strict)")
    );
    assert!(strict.stdout.is_empty());

    let dir = tempfile::tempdir().expect("temp dir");
    let target = dir.path().join("out");
    let out = berth_in(
        &fixture(),
        &[
            "convert",
            "kubernetes",
            "-o",
            target.to_str().unwrap_or_default(),
            "-n",
            "shop",
        ],
    );
    assert!(out.status.success());
    let mut names: Vec<String> = std::fs::read_dir(&target)
        .expect("the folder")
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .collect();
    names.sort();
    assert!(
        names.contains(&"db-statefulset.yaml".to_string()),
        "{names:?}"
    );
    assert!(
        names.contains(&"api-deployment.yaml".to_string()),
        "{names:?}"
    );
    let db = std::fs::read_to_string(target.join("db-statefulset.yaml")).expect("read");
    assert!(db.contains("namespace: shop"), "{db}");

    let json = berth_in(&fixture(), &["convert", "kubernetes", "--format", "json"]);
    let list: serde_json::Value = serde_json::from_slice(&json.stdout).expect("JSON");
    assert_eq!(list["kind"], "List");
    assert!(list["items"].as_array().is_some_and(|i| i.len() > 5));

    let images = berth_in(
        &fixture(),
        &[
            "convert",
            "kubernetes",
            "--wait-image",
            "registry.local/tools/busybox:1",
            "--kubectl-image",
            "registry.local/tools/kubectl:1",
        ],
    );
    assert!(images.status.success());
    let text = stdout(&images);
    assert!(
        text.contains("image: registry.local/tools/busybox:1\n"),
        "{text}"
    );
    assert!(
        text.contains("image: registry.local/tools/kubectl:1\n"),
        "{text}"
    );
    assert!(
        !text.contains("busybox:1.36") && !text.contains("bitnami/kubectl"),
        "{text}"
    );

    let bad = berth_in(&fixture(), &["convert", "kubernetes", "-n", "Not_A_Label"]);
    assert_eq!(bad.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("invalid namespace"));
}

/// Renders a Helm chart's templates with its default values, as `helm template` would for
/// the expressions Berth writes (`{{ index .Values "a" "b" }}`, with `| quote`): Helm cannot
/// be installed on these machines (neither Debian nor PyPI has it), so the test renders with
/// PyYAML (which kubernetes-validate brings) and validates the result.
const RENDER: &str = r#"
import json, os, re, sys, yaml
chart, out = sys.argv[1], sys.argv[2]
values = yaml.safe_load(open(os.path.join(chart, "values.yaml")))
expr = re.compile(r'\{\{ index \.Values((?: "[^"]*")+)( \| quote)? \}\}')
def value(m):
    v = values
    for key in re.findall(r'"([^"]*)"', m.group(1)):
        v = v[key]
    return json.dumps(str(v)) if m.group(2) else str(v)
docs = []
for name in sorted(os.listdir(os.path.join(chart, "templates"))):
    text = open(os.path.join(chart, "templates", name)).read()
    rendered = expr.sub(value, text)
    assert "{{" not in rendered, (name, rendered)
    docs.append(rendered)
open(out, "w").write("---\n".join(docs))
json.dump([yaml.safe_load(d) for d in docs], open(out + ".json", "w"))
"#;

/// `--format kustomize` writes a base whose kustomization lists every object file;
/// `--format helm` a chart whose values carry each service's image, replicas and resources,
/// and whose templates, rendered with those values, validate and equal the plain manifests.
#[test]
fn kustomize_base_and_helm_chart() {
    if !common::needs(
        "kubernetes-validate",
        common::on_path("kubernetes-validate"),
        "python3 -m pip install kubernetes-validate",
    ) {
        return;
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let base = dir.path().join("base");
    let out = berth_in(
        &fixture(),
        &[
            "convert",
            "kubernetes",
            "--format",
            "kustomize",
            "-o",
            base.to_str().unwrap_or_default(),
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let k = std::fs::read_to_string(base.join("kustomization.yaml")).expect("kustomization");
    assert!(
        k.starts_with("apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\n"),
        "{k}"
    );
    let listed: Vec<&str> = k.lines().filter_map(|l| l.strip_prefix("  - ")).collect();
    let mut files: Vec<String> = std::fs::read_dir(&base)
        .expect("base")
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter(|n| n != "kustomization.yaml")
        .collect();
    files.sort();
    let mut listed_sorted: Vec<String> = listed.iter().map(|s| (*s).to_string()).collect();
    listed_sorted.sort();
    assert_eq!(listed_sorted, files);

    let chart = dir.path().join("chart");
    let out = berth_in(
        &fixture(),
        &[
            "convert",
            "kubernetes",
            "--format",
            "helm",
            "-o",
            chart.to_str().unwrap_or_default(),
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let values = std::fs::read_to_string(chart.join("values.yaml")).expect("values");
    assert!(values.contains("image: shop/api:1"), "{values}");
    assert!(values.contains("replicas: 3"), "{values}");
    assert!(values.contains("cpu: 500m"), "{values}");
    let rendered = dir.path().join("rendered.yaml");
    let r = Command::new("python3")
        .args(["-c", RENDER])
        .arg(&chart)
        .arg(&rendered)
        .output()
        .expect("python3");
    assert!(r.status.success(), "{}", String::from_utf8_lossy(&r.stderr));
    for version in VERSIONS {
        let v = Command::new("kubernetes-validate")
            .args(["--strict", "--quiet", "-k", version])
            .arg(&rendered)
            .output()
            .expect("kubernetes-validate");
        assert!(
            v.status.success(),
            "{}{}",
            String::from_utf8_lossy(&v.stdout),
            String::from_utf8_lossy(&v.stderr)
        );
    }
    // Rendered with its defaults, the chart is the plain manifests.
    let plain = berth_in(&fixture(), &["convert", "kubernetes", "--format", "json"]);
    let plain: serde_json::Value = serde_json::from_slice(&plain.stdout).expect("JSON");
    let by_name = |items: Vec<serde_json::Value>| {
        let mut items = items;
        items.sort_by_key(|o| (o["kind"].to_string(), o["metadata"]["name"].to_string()));
        items
    };
    let from_chart: Vec<serde_json::Value> = serde_json::from_str(
        &std::fs::read_to_string(dir.path().join("rendered.yaml.json")).expect("rendered"),
    )
    .expect("rendered JSON");
    assert_eq!(
        by_name(from_chart),
        by_name(plain["items"].as_array().cloned().unwrap_or_default())
    );

    let refused = berth_in(&fixture(), &["convert", "kubernetes", "--format", "helm"]);
    assert_eq!(refused.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&refused.stderr).contains("--output DIR"));
}
