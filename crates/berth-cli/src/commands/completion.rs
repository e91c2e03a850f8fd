//! `berth completion bash|zsh|fish` and the hidden `berth __complete WORDS...` the scripts
//! call: subcommands, their flags, and the service names of the project the words so far name
//! (its `-f`, `-p`, `--project-directory`, `--profile` and `--env-file` are honoured), read by
//! the loader as every other command reads the project.

use clap::CommandFactory;

use crate::cli::{Cli, CompleteArgs, CompletionArgs};
use crate::printer::Printer;

const BASH: &str = r#"# berth completion for bash: source it, or put it in /etc/bash_completion.d/berth
_berth() {
    local IFS=$'\n'
    COMPREPLY=($(berth __complete "${COMP_WORDS[@]:1:COMP_CWORD}" 2>/dev/null))
}
complete -o default -F _berth berth
"#;

const ZSH: &str = r#"#compdef berth
# berth completion for zsh: put it in a folder of $fpath as _berth, or source it
_berth() {
    local -a candidates
    candidates=("${(@f)$(berth __complete "${(@)words[2,CURRENT]}" 2>/dev/null)}")
    compadd -- $candidates
}
compdef _berth berth
"#;

const FISH: &str = r"# berth completion for fish: put it in ~/.config/fish/completions/berth.fish
complete -c berth -f -a '(berth __complete (commandline -opc)[2..-1] (commandline -ct) 2>/dev/null)'
";

pub fn script(args: &CompletionArgs, printer: &mut Printer) -> anyhow::Result<u8> {
    let text = match args.shell.as_str() {
        "bash" => BASH,
        "zsh" => ZSH,
        "fish" => FISH,
        other => {
            printer.error(&format!(
                "unsupported shell {other:?}: expected bash, zsh or fish"
            ));
            return Ok(1);
        }
    };
    printer.out(text)?;
    Ok(0)
}

/// Flags of the root command that take a value (their value is not a subcommand).
fn takes_value(cmd: &clap::Command, word: &str) -> bool {
    cmd.get_arguments().any(|a| {
        a.get_action().takes_values()
            && (a.get_long().is_some_and(|l| word == format!("--{l}"))
                || a.get_short().is_some_and(|s| word == format!("-{s}")))
    })
}

fn flags(cmd: &clap::Command) -> Vec<String> {
    let mut out = Vec::new();
    for a in cmd.get_arguments().filter(|a| !a.is_hide_set()) {
        if let Some(l) = a.get_long() {
            out.push(format!("--{l}"));
        }
        if let Some(s) = a.get_short() {
            out.push(format!("-{s}"));
        }
    }
    out
}

/// The service names of the project the global words name; none when it does not load.
fn services(globals: &[String]) -> Vec<String> {
    let mut argv = vec!["berth".to_string()];
    argv.extend(globals.iter().cloned());
    argv.push("config".into());
    let Ok(cli) = <Cli as clap::Parser>::try_parse_from(&argv) else {
        return Vec::new();
    };
    let Ok(mut opts) = super::load_options(&cli.global) else {
        return Vec::new();
    };
    opts.resolve_env_files = false;
    opts.consistency = false;
    match berth_loader::load::load(&opts) {
        Ok(p) => {
            let mut names: Vec<String> = p
                .services()
                .map(|s| s.name.to_string())
                .chain(p.disabled_services.keys().cloned())
                .collect();
            names.sort();
            names
        }
        Err(_) => Vec::new(),
    }
}

pub fn complete(args: &CompleteArgs, printer: &mut Printer) -> anyhow::Result<u8> {
    let root = Cli::command();
    let (current, before) = match args.words.split_last() {
        Some((c, b)) => (c.clone(), b.to_vec()),
        None => (String::new(), Vec::new()),
    };
    // The subcommand: the first word that is neither a flag nor a flag's value.
    let mut globals = Vec::new();
    let mut sub = None;
    let mut i = 0;
    while i < before.len() {
        let w = &before[i];
        if w.starts_with('-') {
            globals.push(w.clone());
            if !w.contains('=') && takes_value(&root, w) {
                if let Some(v) = before.get(i + 1) {
                    globals.push(v.clone());
                }
                i += 1;
            }
        } else {
            sub = root.find_subcommand(w).cloned();
            break;
        }
        i += 1;
    }
    let candidates: Vec<String> = match (&sub, current.starts_with('-')) {
        (None, true) => flags(&root),
        (None, false) => root
            .get_subcommands()
            .filter(|c| !c.is_hide_set())
            .map(|c| c.get_name().to_string())
            .collect(),
        (Some(c), true) => flags(c),
        (Some(c), false) => {
            // A flag's value (a file, a number) is the shell's to complete.
            if before
                .last()
                .is_some_and(|w| takes_value(c, w) || takes_value(&root, w))
            {
                Vec::new()
            } else if c.get_positionals().next().is_some() {
                services(&globals)
            } else {
                Vec::new()
            }
        }
    };
    let mut out = String::new();
    for cand in candidates
        .iter()
        .filter(|c| c.starts_with(current.as_str()))
    {
        out.push_str(cand);
        out.push('\n');
    }
    printer.out(&out)?;
    Ok(0)
}
