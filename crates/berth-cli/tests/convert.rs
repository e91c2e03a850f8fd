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
/// `--format json` a List; a namespace that is no DNS label is refused.
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

    let bad = berth_in(&fixture(), &["convert", "kubernetes", "-n", "Not_A_Label"]);
    assert_eq!(bad.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("invalid namespace"));
}
