//! `events`: the project's container events as they happen, in Docker Compose's two forms.

use std::io::Write;

use berth_engine::client::ContainerEvent;
use berth_engine::logs::{parse_time, utc_time, TimeStyle};
use berth_engine::EngineError;
use futures_util::StreamExt;

use crate::cli::{EventsArgs, GlobalArgs};
use crate::commands::engine::{connect, exit_status, runtime};
use crate::commands::lifecycle::project_spec;
use crate::interrupt::Interrupts;
use crate::printer::Printer;
use crate::table::json_str;

/// `{"action":…,"attributes":{…},"id":…,"service":…,"time":…,"type":"container"}`.
fn json_line(e: &ContainerEvent) -> String {
    let attributes: Vec<String> = e
        .attributes
        .iter()
        .map(|(k, v)| format!("{}:{}", json_str(k), json_str(v)))
        .collect();
    format!(
        "{{\"action\":{},\"attributes\":{{{}}},\"id\":{},\"service\":{},\"time\":{},\"type\":\"container\"}}",
        json_str(&e.action),
        attributes.join(","),
        json_str(&e.id),
        json_str(&e.service),
        json_str(&utc_time(e.secs, e.nanos, TimeStyle::Trimmed)),
    )
}

/// `2026-11-22 19:55:01.664644 container create ID (image=…, name=…)`, then an empty line.
fn text_line(e: &ContainerEvent) -> String {
    let attributes: Vec<String> = e
        .attributes
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect();
    format!(
        "{} container {} {} ({})\n",
        utc_time(e.secs, e.nanos, TimeStyle::Plain),
        e.action,
        e.id,
        attributes.join(", ")
    )
}

pub fn run(global: &GlobalArgs, args: &EventsArgs, printer: &mut Printer) -> anyhow::Result<u8> {
    let Some((spec, _)) = project_spec(global, &args.services, printer)? else {
        return Ok(1);
    };
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(0));
    let mut times = [None, None];
    for (slot, value) in times.iter_mut().zip([&args.since, &args.until]) {
        if let Some(v) = value {
            match parse_time(v, now) {
                Ok(t) => *slot = Some(t),
                Err(e) => {
                    printer.error(&e);
                    return Ok(1);
                }
            }
        }
    }
    let rt = runtime()?;
    let result: Result<u8, EngineError> = rt.block_on(async {
        let mut interrupts =
            Interrupts::install().map_err(|e| EngineError::Other(format!("signals: {e}")))?;
        let engine = connect().await?;
        let stream = engine.events(&spec.name, times[0], times[1]);
        tokio::pin!(stream);
        let mut out = crate::printer::stdout();
        loop {
            tokio::select! {
                item = stream.next() => {
                    let Some(item) = item else { return Ok(0) };
                    let e = item?;
                    if !args.services.is_empty() && !args.services.contains(&e.service) {
                        continue;
                    }
                    let line = if args.json { json_line(&e) } else { text_line(&e) };
                    if writeln!(out, "{line}").and_then(|()| out.flush()).is_err() {
                        return Ok(0);
                    }
                }
                _ = interrupts.next() => return Ok(130),
            }
        }
    });
    Ok(exit_status(result, printer))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_forms_match_docker_compose() {
        let mut e = ContainerEvent {
            secs: 1_795_377_289,
            nanos: 152_013_060,
            action: "kill".into(),
            id: "5d6b".into(),
            service: "db".into(),
            ..Default::default()
        };
        e.attributes
            .insert("image".into(), "berth-test/busybox".into());
        e.attributes.insert("name".into(), "runt-db-1".into());
        e.attributes.insert("signal".into(), "15".into());
        assert_eq!(
            json_line(&e),
            r#"{"action":"kill","attributes":{"image":"berth-test/busybox","name":"runt-db-1","signal":"15"},"id":"5d6b","service":"db","time":"2026-11-22T19:54:49.15201306Z","type":"container"}"#
        );
        assert_eq!(
            text_line(&e),
            "2026-11-22 19:54:49.152013 container kill 5d6b (image=berth-test/busybox, name=runt-db-1, signal=15)\n"
        );
    }
}
