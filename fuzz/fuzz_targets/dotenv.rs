//! Any bytes as a dotenv file and as an interpolation template: never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let lookup = |k: &str| (k == "SET").then(|| "v".to_string());
    let _ = berth_loader::dotenv::parse(berth_model::FileId(0), text, &lookup);
    let _ = berth_loader::template::substitute(text, &lookup);
    let _ = berth_loader::template::extract_variables(text);
    let _ = berth_loader::units::parse_duration(text);
    let _ = berth_loader::units::ram_in_bytes(text);
    let _ = berth_loader::units::shell_split(text);
});
