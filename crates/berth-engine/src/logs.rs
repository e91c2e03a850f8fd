//! Container output: `logs` and attached `up`. Each container's stream is split into lines
//! and sent, tagged with the container, to one consumer that prints them; a line without its
//! final newline is sent when the stream ends, so nothing is lost.

use bollard::container::LogOutput;
use bollard::query_parameters::LogsOptions;
use futures_util::StreamExt;
use tokio::sync::mpsc;

use crate::client::Engine;

/// What the followers report.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LogEvent {
    /// One line of output, without its newline.
    Line {
        container: String,
        stderr: bool,
        text: String,
    },
    /// The container's stream ended (it stopped, or the logs were all read).
    Ended { container: String },
}

/// Options of the logs API.
#[derive(Clone, Debug, Default)]
pub struct LogOptions {
    pub follow: bool,
    pub timestamps: bool,
    /// Lines from the end, or all when `None`.
    pub tail: Option<u64>,
    /// Unix seconds.
    pub since: Option<i64>,
    /// Only lines written at or after this engine time (RFC 3339 with nanoseconds, as the
    /// engine reports `StartedAt`): finer than `since`, which the API takes in seconds.
    pub after: Option<String>,
    pub until: Option<i64>,
}

/// Streams the logs of container `name` (a name or an ID) into `tx`.
pub async fn follow(
    engine: Engine,
    name: String,
    opts: LogOptions,
    tx: mpsc::UnboundedSender<LogEvent>,
) {
    let api = LogsOptions {
        follow: opts.follow,
        stdout: true,
        stderr: true,
        since: opts
            .since
            .map_or(0, |s| i32::try_from(s).unwrap_or(i32::MAX)),
        until: opts
            .until
            .map_or(0, |s| i32::try_from(s).unwrap_or(i32::MAX)),
        timestamps: opts.timestamps || opts.after.is_some(),
        tail: opts
            .tail
            .map_or_else(|| "all".to_string(), |n| n.to_string()),
    };
    let stream = engine.docker.logs(&name, Some(api));
    pump(stream, name, opts.timestamps, opts.after.as_deref(), &tx).await;
}

/// Attaches to container `name`'s output from now on (before it starts, to miss nothing),
/// then streams it into `tx` from a task of its own until the container stops.
///
/// # Errors
/// The engine's refusal to attach.
pub async fn attach(
    engine: &Engine,
    name: String,
    timestamps: bool,
    tx: mpsc::UnboundedSender<LogEvent>,
) -> Result<(), crate::EngineError> {
    let output = crate::oneoff::attach(engine, &name, false).await?.output;
    // The attach stream carries no timestamps: stamp lines as they arrive.
    let stamped = output.map(move |item| item.map(|o| if timestamps { stamp(o) } else { o }));
    tokio::spawn(async move { pump(Box::pin(stamped), name, false, None, &tx).await });
    Ok(())
}

/// Prefixes a chunk of output with the current time, as the engine stamps log lines.
fn stamp(o: LogOutput) -> LogOutput {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    let secs = i64::try_from(now.as_secs()).unwrap_or(0);
    let head = format!("{} ", utc_time(secs, now.subsec_nanos(), TimeStyle::Fixed));
    let with = |message: bytes::Bytes| {
        let mut v = head.clone().into_bytes();
        v.extend_from_slice(&message);
        bytes::Bytes::from(v)
    };
    match o {
        LogOutput::StdOut { message } => LogOutput::StdOut {
            message: with(message),
        },
        LogOutput::StdErr { message } => LogOutput::StdErr {
            message: with(message),
        },
        LogOutput::Console { message } => LogOutput::Console {
            message: with(message),
        },
        other @ LogOutput::StdIn { .. } => other,
    }
}

/// How [`utc_time`] writes the fraction of a second.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TimeStyle {
    /// `2026-11-22T19:54:49.152013060Z`: nine digits, as the engine stamps log lines.
    Fixed,
    /// `2026-11-22T19:54:49.15201306Z`: trailing zeros dropped (Go's RFC 3339 with nanoseconds).
    Trimmed,
    /// `2026-11-22 19:54:49.152013`: microseconds, a space, no zone (Docker Compose's events).
    Plain,
    /// `2026-11-22 19:54:49 +0000 UTC`: Go's `time.Time` printed (`ps`'s `CreatedAt`).
    Go,
}

/// A UTC time, `secs` since the epoch plus `nanos`.
#[must_use]
pub fn utc_time(secs: i64, nanos: u32, style: TimeStyle) -> String {
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    let (y, m, d) = civil_from_days(days);
    let (hh, mm, ss) = (rem / 3600, rem % 3600 / 60, rem % 60);
    match style {
        TimeStyle::Fixed => format!("{y:04}-{m:02}-{d:02}T{hh:02}:{mm:02}:{ss:02}.{nanos:09}Z"),
        TimeStyle::Trimmed => {
            let frac = format!("{nanos:09}");
            let frac = frac.trim_end_matches('0');
            let dot = if frac.is_empty() { "" } else { "." };
            format!("{y:04}-{m:02}-{d:02}T{hh:02}:{mm:02}:{ss:02}{dot}{frac}Z")
        }
        TimeStyle::Plain => format!(
            "{y:04}-{m:02}-{d:02} {hh:02}:{mm:02}:{ss:02}.{:06}",
            nanos / 1000
        ),
        TimeStyle::Go => format!("{y:04}-{m:02}-{d:02} {hh:02}:{mm:02}:{ss:02} +0000 UTC"),
    }
}

/// The date of a day number since 1970-01-01 (the inverse of [`days_from_civil`]).
fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (
        if m <= 2 {
            yoe + era * 400 + 1
        } else {
            yoe + era * 400
        },
        m,
        d,
    )
}

/// Splits a container's output stream into lines and sends them, then `Ended`.
async fn pump<S>(
    mut stream: S,
    name: String,
    timestamps: bool,
    after: Option<&str>,
    tx: &mpsc::UnboundedSender<LogEvent>,
) where
    S: futures_util::Stream<Item = Result<LogOutput, bollard::errors::Error>> + Unpin,
{
    let mut pending: [Vec<u8>; 2] = [Vec::new(), Vec::new()];
    let after = after.and_then(parse_instant);
    let send = |stderr: bool, bytes: &[u8]| {
        let mut text =
            String::from_utf8_lossy(bytes.strip_suffix(b"\r").unwrap_or(bytes)).into_owned();
        if let Some(after) = after {
            let (stamp, rest) = text.split_once(' ').unwrap_or((text.as_str(), ""));
            if parse_instant(stamp).is_some_and(|t| t < after) {
                return;
            }
            if !timestamps {
                text = rest.to_string();
            }
        }
        let _ = tx.send(LogEvent::Line {
            container: name.clone(),
            stderr,
            text,
        });
    };
    while let Some(item) = stream.next().await {
        let (stderr, message) = match item {
            Ok(LogOutput::StdErr { message }) => (true, message),
            Ok(LogOutput::StdOut { message } | LogOutput::Console { message }) => (false, message),
            Ok(LogOutput::StdIn { .. }) => continue,
            Err(_) => break,
        };
        let buf = &mut pending[usize::from(stderr)];
        buf.extend_from_slice(&message);
        while let Some(pos) = buf.iter().position(|&b| b == b'\n') {
            let line: Vec<u8> = buf.drain(..=pos).collect();
            send(stderr, &line[..line.len() - 1]);
        }
    }
    for (i, rest) in pending.iter().enumerate() {
        if !rest.is_empty() {
            send(i == 1, rest);
        }
    }
    let _ = tx.send(LogEvent::Ended { container: name });
}

/// Names of the project's service containers as the engine starts them (the `start` events).
#[must_use]
pub fn starts(engine: &Engine, project: &str) -> mpsc::UnboundedReceiver<String> {
    let (tx, rx) = mpsc::unbounded_channel();
    let mut filters = std::collections::HashMap::new();
    filters.insert("type".to_string(), vec!["container".to_string()]);
    filters.insert("event".to_string(), vec!["start".to_string()]);
    filters.insert(
        "label".to_string(),
        vec![
            format!("{}={project}", crate::labels::PROJECT),
            format!("{}=False", crate::labels::ONEOFF),
        ],
    );
    let mut stream = engine
        .docker
        .events(Some(bollard::query_parameters::EventsOptions {
            filters: Some(filters),
            ..Default::default()
        }));
    tokio::spawn(async move {
        while let Some(Ok(ev)) = stream.next().await {
            let name = ev
                .actor
                .and_then(|a| a.attributes)
                .and_then(|mut a| a.remove("name"));
            if let Some(name) = name {
                if tx.send(name).is_err() {
                    break;
                }
            }
        }
    });
    rx
}

/// Parses `--since`/`--until`: Unix seconds, an RFC 3339 time (`2013-01-02T13:23:37Z`, a
/// date alone, or with an offset), or a duration before `now` (`42m`, `1h30m`, `10s`).
///
/// # Errors
/// A message naming the value and the accepted forms.
pub fn parse_time(value: &str, now: i64) -> Result<i64, String> {
    let v = value.trim();
    let bad = || {
        format!(
            "invalid time {value:?}: expected a timestamp (2013-01-02T13:23:37Z), Unix seconds, or a duration such as 42m"
        )
    };
    if let Ok(n) = v.parse::<f64>() {
        return Ok(n as i64);
    }
    // A Go duration (`1h30m`, `42m`, `10s`), in whole seconds.
    if let Some(d) =
        berth_loader::units::parse_duration(v).and_then(|ns| i64::try_from(ns / 1_000_000_000).ok())
    {
        return Ok(now - d);
    }
    parse_rfc3339(v).ok_or_else(bad)
}

/// An engine timestamp as (Unix seconds, nanoseconds), for ordering.
fn parse_instant(v: &str) -> Option<(i64, u32)> {
    let secs = parse_rfc3339(v)?;
    let nanos = v.split_once('.').map_or(0, |(_, f)| {
        let digits: String = f.chars().take_while(char::is_ascii_digit).take(9).collect();
        format!("{digits:0<9}").parse::<u32>().unwrap_or(0)
    });
    Some((secs, nanos))
}

/// `YYYY-MM-DD[THH:MM[:SS[.frac]]][Z|±HH:MM]` in Unix seconds (UTC when no zone is given).
fn parse_rfc3339(v: &str) -> Option<i64> {
    let num = |s: &str| -> Option<i64> {
        if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        s.parse().ok()
    };
    let (date, time) = match v.find(['T', 't', ' ']) {
        Some(i) => (&v[..i], &v[i + 1..]),
        None => (v, ""),
    };
    let mut d = date.split('-');
    let (y, m, day) = (num(d.next()?)?, num(d.next()?)?, num(d.next()?)?);
    if d.next().is_some() || !(1..=12).contains(&m) || !(1..=31).contains(&day) {
        return None;
    }
    let (clock, offset) = if let Some(c) = time.strip_suffix(['Z', 'z']) {
        (c, 0)
    } else if let Some(i) = time.rfind(['+', '-']) {
        let (c, z) = time.split_at(i);
        let sign = if z.starts_with('-') { -1 } else { 1 };
        let (zh, zm) = z[1..].split_once(':')?;
        (c, sign * (num(zh)? * 3600 + num(zm)? * 60))
    } else {
        (time, 0)
    };
    let mut secs = 0;
    if !clock.is_empty() {
        let clock = clock.split('.').next()?;
        let mut parts = clock.split(':');
        let h = num(parts.next()?)?;
        let mi = num(parts.next()?)?;
        let s = parts.next().map_or(Some(0), num)?;
        if parts.next().is_some() || h > 23 || mi > 59 || s > 60 {
            return None;
        }
        secs = h * 3600 + mi * 60 + s;
    }
    Some(days_from_civil(y, m, day) * 86_400 + secs - offset)
}

/// Days since 1970-01-01 of a proleptic Gregorian date.
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_print_in_each_style() {
        let t = 1_795_377_289; // 2026-11-22T19:54:49Z
        assert_eq!(
            utc_time(t, 152_013_060, TimeStyle::Fixed),
            "2026-11-22T19:54:49.152013060Z"
        );
        assert_eq!(
            utc_time(t, 152_013_060, TimeStyle::Trimmed),
            "2026-11-22T19:54:49.15201306Z"
        );
        assert_eq!(utc_time(t, 0, TimeStyle::Trimmed), "2026-11-22T19:54:49Z");
        assert_eq!(
            utc_time(t, 152_013_060, TimeStyle::Plain),
            "2026-11-22 19:54:49.152013"
        );
    }

    #[test]
    fn times_parse_in_each_form() {
        assert_eq!(parse_time("2013-01-02T13:23:37Z", 0), Ok(1_357_133_017));
        assert_eq!(
            parse_time("2013-01-02T14:23:37+01:00", 0),
            Ok(1_357_133_017)
        );
        assert_eq!(parse_time("2013-01-02T13:23:37.5Z", 0), Ok(1_357_133_017));
        assert_eq!(parse_time("2013-01-02", 0), Ok(1_357_084_800));
        assert_eq!(parse_time("1357133017", 0), Ok(1_357_133_017));
        assert_eq!(parse_time("42m", 10_000), Ok(10_000 - 2520));
        assert_eq!(parse_time("1h30m", 10_000), Ok(10_000 - 5400));
        assert!(parse_time("yesterday", 0).is_err());
        assert!(parse_time("2013-13-02", 0).is_err());
        assert!(parse_time("", 0).is_err());
        assert!(parse_time("5x", 0).is_err());
        assert_eq!(
            parse_instant("2026-11-22T18:33:26.395677438Z"),
            Some((1_795_372_406, 395_677_438))
        );
        for days in [-1000, 0, 59, 365, 20_000, 20_779] {
            let (y, m, d) = civil_from_days(days);
            assert_eq!(days_from_civil(y, m, d), days);
        }
        assert_eq!(civil_from_days(20_779), (2026, 11, 22));
        assert_eq!(
            parse_instant("2026-11-22T18:33:26.3956Z"),
            Some((1_795_372_406, 395_600_000))
        );
    }
}
