//! `cargo bench -p berth-cli`: the hot stages of `config` on the N=500 project of
//! ../shared/bench/gen_stack.py (YAML parsing, the whole load, YAML and JSON output, hashing).

use std::path::{Path, PathBuf};
use std::process::Command;

use criterion::{criterion_group, criterion_main, Criterion};

fn generate(n: usize, deps: usize) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("berth-bench-{n}-{deps}"));
    let gen = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/bench/gen_stack.py");
    let status = Command::new("python3")
        .arg(&gen)
        .arg(&dir)
        .arg(n.to_string())
        .arg(deps.to_string())
        .status()
        .expect("python3 runs gen_stack.py");
    assert!(status.success(), "gen_stack.py failed");
    dir
}

fn options(dir: &Path) -> berth_loader::load::Options {
    let env: indexmap::IndexMap<String, String> = std::env::vars()
        .filter(|(k, _)| k == "PATH" || k == "HOME")
        .collect();
    let mut opts = berth_loader::load::Options::new(dir.to_path_buf(), env);
    opts.files = [
        "compose.yaml",
        "compose.override.yaml",
        "compose.prod.yaml",
        "compose.addon.yaml",
    ]
    .iter()
    .map(PathBuf::from)
    .collect();
    opts
}

fn stages(c: &mut Criterion) {
    for deps in [0, 2] {
        let dir = generate(500, deps);
        let opts = options(&dir);
        let base = std::fs::read_to_string(dir.join("compose.yaml")).expect("base file");
        c.bench_function(&format!("parse base file (N=500, deps={deps})"), |b| {
            b.iter(|| berth_loader::yaml::parse(berth_model::FileId(0), &base).expect("parses"));
        });
        c.bench_function(&format!("load 4 files (N=500, deps={deps})"), |b| {
            b.iter(|| berth_loader::load::load(&opts).expect("loads"));
        });
        let project = berth_loader::load::load(&opts).expect("loads");
        c.bench_function(&format!("emit yaml (N=500, deps={deps})"), |b| {
            b.iter(|| berth_emit::config_yaml(&project));
        });
        c.bench_function(&format!("emit json (N=500, deps={deps})"), |b| {
            b.iter(|| berth_emit::config_json(&project));
        });
        c.bench_function(&format!("hash all services (N=500, deps={deps})"), |b| {
            b.iter(|| {
                let hashes: Vec<String> = project
                    .services()
                    .map(|s| berth_emit::service_hash(s.value))
                    .collect();
                hashes
            });
        });
    }
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(20);
    targets = stages
}
criterion_main!(benches);
