//! Berth's command line covers the reference's: every command `docker compose --help` lists
//! and every flag of each command's `--help` (and of the top level) is accepted by Berth,
//! except the few left out on purpose below. What each flag does is tested by the scenarios
//! of `compose_e2e`; this test keeps the list from drifting when the reference grows.

use std::collections::BTreeSet;
use std::process::Command;

/// Commands of the reference that Berth leaves out, and why.
const LEFT_OUT: &[(&str, &str)] = &[(
    "bridge",
    "runs transformation images from Docker Hub (docker/compose-bridge-*), which no machine of \
     this project can pull; Berth's conversion to Kubernetes is its own, separate work",
)];

fn help(bin: &std::path::Path, args: &[&str]) -> String {
    let out = Command::new(bin)
        .args(args)
        .arg("--help")
        .output()
        .expect("run --help");
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// The long flags on the option lines of a help text.
fn flags(text: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for line in text.lines() {
        let t = line.trim_start();
        if !t.starts_with('-') {
            continue;
        }
        for word in t.split([' ', ',', '=']) {
            if let Some(name) = word.strip_prefix("--") {
                let name: String = name
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '-')
                    .collect();
                if !name.is_empty() {
                    out.insert(name);
                }
            }
        }
    }
    out.remove("help");
    out
}

/// The commands a `docker compose --help` lists.
fn commands(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut on = false;
    for line in text.lines() {
        if line.starts_with("Commands:") || line.starts_with("Management Commands:") {
            on = true;
            continue;
        }
        if on {
            match line
                .strip_prefix("  ")
                .and_then(|l| l.split_whitespace().next())
            {
                Some(c) if !line.starts_with("   ") => out.push(c.to_string()),
                _ if line.trim().is_empty() => on = false,
                _ => {}
            }
        }
    }
    out
}

#[test]
fn every_command_and_flag_of_the_reference_is_accepted() {
    let reference = match berth_conformance::reference_binary() {
        Ok(r) => r,
        Err(e) => {
            if let Err(skip) =
                berth_conformance::requires("the reference Docker Compose", false, &e)
            {
                eprintln!("{skip}");
            }
            return;
        }
    };
    let berth = std::path::PathBuf::from(env!("CARGO_BIN_EXE_berth"));
    let top = help(&reference, &[]);
    let mut missing = Vec::new();
    for f in flags(&top).difference(&flags(&help(&berth, &[]))) {
        missing.push(format!("global --{f}"));
    }
    let cmds = commands(&top);
    assert!(cmds.len() > 30, "no command list in:\n{top}");
    for c in &cmds {
        if LEFT_OUT.iter().any(|(l, _)| l == c) {
            continue;
        }
        let ours = help(&berth, &[c]);
        if !ours.contains(&format!("Usage: berth {c}")) {
            missing.push(format!("command {c}"));
            continue;
        }
        for f in flags(&help(&reference, &[c])).difference(&flags(&ours)) {
            missing.push(format!("{c} --{f}"));
        }
    }
    assert!(
        missing.is_empty(),
        "the reference has these and Berth does not:\n{}",
        missing.join("\n")
    );
}
