//! Any bytes as a compose file on standard input: loading, printing (YAML, JSON) and hashing
//! must never panic, whatever the input.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let mut env = indexmap::IndexMap::new();
    env.insert("SET".to_string(), "value".to_string());
    env.insert("EMPTY".to_string(), String::new());
    let mut opts = berth_loader::load::Options::new("/nonexistent-berth-fuzz".into(), env);
    opts.files = vec!["-".into()];
    opts.stdin = Some(text.to_string());
    if let Ok(project) = berth_loader::load::load(&opts) {
        let _ = berth_emit::config_yaml(&project);
        let _ = berth_emit::config_json(&project);
        for s in project.services() {
            let _ = berth_emit::service_hash(s.value);
        }
    } else if let Err(e) = berth_loader::load::load(&opts) {
        let _ = e.render();
    }
});
