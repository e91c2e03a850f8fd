//! Provenance: every value of the loaded project knows the file, line and column that set it,
//! and in a multi-file project that is the file that set it last.

use std::path::{Path, PathBuf};

use berth_loader::load::{load, Options};
use berth_model::{Project, Value};

fn example() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/fog-compute-before")
}

fn load_files(files: &[&str]) -> Project {
    let mut opts = Options::new(example(), indexmap::IndexMap::new());
    opts.files = files.iter().map(PathBuf::from).collect();
    load(&opts).unwrap_or_else(|e| panic!("{}", e.render()))
}

fn origin(p: &Project, v: &Value) -> String {
    let loc = p.sources.location(v.span).expect("a source location");
    loc.rsplit('/').next().unwrap_or_default().to_string()
}

#[test]
fn merged_values_cite_the_file_that_set_them_last() {
    let p = load_files(&["docker-compose.yml", "docker-compose.dev.yml"]);
    let env = p
        .service("postgres")
        .and_then(|s| s.get("environment"))
        .expect("postgres environment");
    // Overridden by the development file...
    assert_eq!(
        origin(&p, env.get("POSTGRES_DB").unwrap()),
        "docker-compose.dev.yml:8:20"
    );
    // ...while the other keys still come from the base file.
    assert_eq!(
        origin(&p, env.get("POSTGRES_USER").unwrap()),
        "docker-compose.yml:19:22"
    );
    let backend = p.service("backend").unwrap();
    assert_eq!(
        origin(&p, backend.get("command").unwrap()),
        "docker-compose.dev.yml:17:14"
    );
    // A port entry keeps the span of the short-syntax string it came from.
    let port = p.service("redis").unwrap().ports().next().unwrap();
    let loc = p.sources.location(port.span).expect("a source location");
    assert!(loc.ends_with("/docker-compose.yml:111:9"), "{loc}");
}

#[test]
fn services_from_an_add_on_file_cite_it() {
    let p = load_files(&["docker-compose.yml", "docker-compose.betanet.yml"]);
    let node = p.service("betanet-mixnode-2").unwrap();
    let dep = node
        .get("depends_on")
        .and_then(|d| d.get("betanet-mixnode-1"))
        .unwrap();
    let cond = dep.get("condition").unwrap();
    assert_eq!(cond.as_str(), Some("service_healthy"));
    assert!(origin(&p, cond).starts_with("docker-compose.betanet.yml:"));
}
