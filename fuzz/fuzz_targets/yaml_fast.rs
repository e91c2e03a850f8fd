//! Any text through both YAML parsers: where the fast parser accepts a text, the general parser
//! must accept it too and build the same tree, spans included.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let Err(e) = berth_loader::yaml::compare_with_general(text) {
        panic!("{e}\n{text}");
    }
});
