//! Lifecycle hooks: `post_start` commands run in a service's container once it has started
//! (by `up`, `start` and `restart`), `pre_stop` commands before it is stopped (by `stop`,
//! `restart`, `down` and a scale-down), as Docker Compose runs them (`runHook` of docker/compose
//! `hook.go`): an exec with the hook's `user`, `privileged`, `working_dir` and `environment`,
//! waited on, its output shown by attached `up` as `web-1 ->  | line`, and a non-zero exit
//! failing the command with `web hook exited with status N`.

use futures_util::StreamExt;

use crate::client::Engine;
use crate::progress::Progress;
use crate::EngineError;

pub use berth_model::lifecycle::Hook;

/// Runs `hooks` in container `id` (named `container`) of `service`, one after the other, and
/// stops at the first that fails. Their output goes to [`Progress::hook_output`].
///
/// # Errors
/// `SERVICE hook exited with status N`, or the engine's error (a container that is not
/// running refuses the exec with a conflict).
pub async fn run(
    engine: &Engine,
    id: &str,
    container: &str,
    service: &str,
    tty: bool,
    hooks: &[Hook],
    progress: &dyn Progress,
) -> Result<(), EngineError> {
    // A dry run runs no command in a container.
    if engine.dry_run {
        return Ok(());
    }
    for hook in hooks {
        run_one(engine, id, container, service, tty, hook, progress).await?;
    }
    Ok(())
}

/// What a `pre_stop` hook's failure means before a stop: a container already stopped or gone
/// has nothing to run it in, which is no error (Docker Compose ignores not-found and conflict
/// there).
///
/// # Errors
/// Any other failure, as it was.
pub fn unless_stopped(r: Result<(), EngineError>) -> Result<(), EngineError> {
    match r {
        Err(EngineError::Api(bollard::errors::Error::DockerResponseServerError {
            status_code: 404 | 409,
            ..
        })) => Ok(()),
        other => other,
    }
}

async fn run_one(
    engine: &Engine,
    id: &str,
    container: &str,
    service: &str,
    tty: bool,
    hook: &Hook,
    progress: &dyn Progress,
) -> Result<(), EngineError> {
    let exec = engine
        .docker
        .create_exec(
            id,
            bollard::exec::CreateExecOptions {
                cmd: Some(hook.command.clone()),
                user: hook.user.clone(),
                privileged: Some(hook.privileged),
                working_dir: hook.working_dir.clone(),
                env: (!hook.environment.is_empty()).then(|| hook.environment.clone()),
                attach_stdout: Some(true),
                attach_stderr: Some(true),
                tty: Some(tty),
                ..Default::default()
            },
        )
        .await?;
    if let bollard::exec::StartExecResults::Attached { mut output, .. } =
        engine.docker.start_exec(&exec.id, None).await?
    {
        let mut pending = String::new();
        while let Some(chunk) = output.next().await {
            let Ok(chunk) = chunk else { break };
            pending.push_str(&String::from_utf8_lossy(&chunk.into_bytes()));
            while let Some(end) = pending.find('\n') {
                let line: String = pending.drain(..=end).collect();
                progress.hook_output(container, line.trim_end_matches(['\n', '\r']));
            }
        }
        if !pending.is_empty() {
            progress.hook_output(container, pending.trim_end_matches('\r'));
        }
    }
    let info = engine.docker.inspect_exec(&exec.id).await?;
    match info.exit_code.unwrap_or(0) {
        0 => Ok(()),
        code => Err(EngineError::Other(format!(
            "{service} hook exited with status {code}"
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hooks(yaml: &str) -> Vec<Hook> {
        let project = crate::spec::tests::load(yaml, &[]);
        let svc = project.service("a").expect("service a");
        svc.settings().post_start
    }

    #[test]
    fn hooks_read_every_field_in_order() {
        let got = hooks(
            "services:\n  a:\n    image: x\n    post_start:\n      - command: sh -c 'echo hi'\n        user: \"1000\"\n        privileged: true\n        working_dir: /tmp\n        environment:\n          FOO: bar\n      - command: [\"true\"]\n",
        );
        assert_eq!(
            got,
            vec![
                Hook {
                    command: vec!["sh".into(), "-c".into(), "echo hi".into()],
                    user: Some("1000".into()),
                    privileged: true,
                    working_dir: Some("/tmp".into()),
                    environment: vec!["FOO=bar".into()],
                },
                Hook {
                    command: vec!["true".into()],
                    ..Hook::default()
                },
            ]
        );
    }
}
