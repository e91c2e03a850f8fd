//! `stats`: one sample of a container's resource use, computed as the Docker CLI computes it
//! (CPU as a share of the host over the engine's two readings, memory less the page cache,
//! network and block I/O summed), and the units it prints them in (which `images` uses too).

use futures_util::StreamExt;

use crate::client::Engine;
use crate::EngineError;

/// What `stats` shows of one container.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Sample {
    pub cpu_percent: f64,
    pub memory: u64,
    pub memory_limit: u64,
    pub memory_percent: f64,
    pub net_rx: u64,
    pub net_tx: u64,
    pub block_read: u64,
    pub block_write: u64,
    pub pids: u64,
}

/// One reading of the container (the engine waits for its second sample, so CPU use is
/// measured over it), or `None` when the engine has none (a stopped container).
///
/// # Errors
/// Engine errors.
pub async fn sample(engine: &Engine, id: &str) -> Result<Option<Sample>, EngineError> {
    let mut stream = engine.docker.stats(
        id,
        Some(bollard::query_parameters::StatsOptions {
            stream: false,
            one_shot: false,
        }),
    );
    let Some(s) = stream.next().await.transpose()? else {
        return Ok(None);
    };
    Ok(Some(from_response(&s)))
}

/// The engine's stats stream of a running container: a reading about every second, until it
/// stops. The first reading's CPU use is 0 (it has nothing to measure against yet).
pub fn stream(
    engine: &Engine,
    id: &str,
) -> impl futures_util::Stream<Item = Result<Sample, EngineError>> + Send + 'static {
    engine
        .docker
        .stats(
            id,
            Some(bollard::query_parameters::StatsOptions {
                stream: true,
                one_shot: false,
            }),
        )
        .map(|s| s.map(|s| from_response(&s)).map_err(EngineError::from))
}

fn from_response(s: &bollard::models::ContainerStatsResponse) -> Sample {
    let cpu = s.cpu_stats.clone().unwrap_or_default();
    let pre = s.precpu_stats.clone().unwrap_or_default();
    let total = |c: &bollard::models::ContainerCpuStats| {
        c.cpu_usage
            .as_ref()
            .and_then(|u| u.total_usage)
            .unwrap_or(0)
    };
    let cpu_delta = total(&cpu).saturating_sub(total(&pre)) as f64;
    let system_delta = cpu
        .system_cpu_usage
        .unwrap_or(0)
        .saturating_sub(pre.system_cpu_usage.unwrap_or(0)) as f64;
    let online = cpu.online_cpus.map_or_else(
        || {
            cpu.cpu_usage
                .as_ref()
                .and_then(|u| u.percpu_usage.as_ref())
                .map_or(0, Vec::len) as f64
        },
        f64::from,
    );
    let cpu_percent = if system_delta > 0.0 && cpu_delta > 0.0 {
        cpu_delta / system_delta * online * 100.0
    } else {
        0.0
    };
    let mem = s.memory_stats.clone().unwrap_or_default();
    let usage = mem.usage.unwrap_or(0);
    // The page cache is not the container's: cgroup v1 reports it as total_inactive_file,
    // v2 as inactive_file.
    let stats = mem.stats.unwrap_or_default();
    let cache = stats
        .get("total_inactive_file")
        .or_else(|| stats.get("inactive_file"))
        .copied()
        .filter(|c| *c < usage)
        .unwrap_or(0);
    let memory = usage - cache;
    let memory_limit = mem.limit.unwrap_or(0);
    let memory_percent = if memory_limit == 0 {
        0.0
    } else {
        memory as f64 / memory_limit as f64 * 100.0
    };
    let (mut net_rx, mut net_tx) = (0, 0);
    for n in s.networks.iter().flat_map(|m| m.values()) {
        net_rx += n.rx_bytes.unwrap_or(0);
        net_tx += n.tx_bytes.unwrap_or(0);
    }
    let (mut block_read, mut block_write) = (0, 0);
    for e in s
        .blkio_stats
        .as_ref()
        .and_then(|b| b.io_service_bytes_recursive.as_ref())
        .into_iter()
        .flatten()
    {
        match e.op.as_deref().map(str::to_ascii_lowercase).as_deref() {
            Some("read") => block_read += e.value.unwrap_or(0),
            Some("write") => block_write += e.value.unwrap_or(0),
            _ => {}
        }
    }
    Sample {
        cpu_percent,
        memory,
        memory_limit,
        memory_percent,
        net_rx,
        net_tx,
        block_read,
        block_write,
        pids: s.pids_stats.as_ref().and_then(|p| p.current).unwrap_or(0),
    }
}

/// Go's `%.{prec}g` for the magnitudes sizes have: `prec` significant digits, trailing zeros
/// dropped.
fn go_g(x: f64, prec: i32) -> String {
    if x == 0.0 {
        return "0".into();
    }
    let exp = x.abs().log10().floor() as i32;
    let decimals = usize::try_from((prec - 1 - exp).max(0)).unwrap_or(0);
    let s = format!("{x:.decimals$}");
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    }
}

fn scaled(bytes: u64, base: f64, units: &[&str], prec: i32) -> String {
    let mut v = bytes as f64;
    let mut i = 0;
    while v >= base && i + 1 < units.len() {
        v /= base;
        i += 1;
    }
    format!("{}{}", go_g(v, prec), units[i])
}

/// go-units' `BytesSize` (binary: `320KiB`, `23.54GiB`), the memory columns.
#[must_use]
pub fn binary_size(bytes: u64) -> String {
    scaled(
        bytes,
        1024.0,
        &["B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"],
        4,
    )
}

/// go-units' `HumanSizeWithPrecision(n, 3)` (decimal: `2.31kB`), the I/O columns.
#[must_use]
pub fn decimal_size(bytes: u64) -> String {
    scaled(bytes, 1000.0, &["B", "kB", "MB", "GB", "TB", "PB", "EB"], 3)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_print_as_the_docker_cli_prints_them() {
        assert_eq!(binary_size(327_680), "320KiB");
        assert_eq!(binary_size(25_275_600_000), "23.54GiB");
        assert_eq!(binary_size(0), "0B");
        assert_eq!(decimal_size(2310), "2.31kB");
        assert_eq!(decimal_size(0), "0B");
        assert_eq!(decimal_size(1_180), "1.18kB");
        assert_eq!(decimal_size(999), "999B");
        // `images` prints its sizes the same way.
        assert_eq!(decimal_size(1_984_172), "1.98MB");
        assert_eq!(decimal_size(2_000_000), "2MB");
        assert_eq!(decimal_size(123_456), "123kB");
        assert_eq!(decimal_size(12_345), "12.3kB");
    }

    #[test]
    fn cpu_is_the_share_of_the_host_and_memory_leaves_out_the_cache() {
        let mut s = bollard::models::ContainerStatsResponse::default();
        let cpu = |total, system| bollard::models::ContainerCpuStats {
            cpu_usage: Some(bollard::models::ContainerCpuUsage {
                total_usage: Some(total),
                ..Default::default()
            }),
            system_cpu_usage: Some(system),
            online_cpus: Some(2),
            ..Default::default()
        };
        s.cpu_stats = Some(cpu(150, 1000));
        s.precpu_stats = Some(cpu(100, 500));
        s.memory_stats = Some(bollard::models::ContainerMemoryStats {
            usage: Some(1000),
            limit: Some(4000),
            stats: Some([("inactive_file".to_string(), 200)].into()),
            ..Default::default()
        });
        let got = from_response(&s);
        assert!((got.cpu_percent - 20.0).abs() < 1e-9);
        assert_eq!(got.memory, 800);
        assert!((got.memory_percent - 20.0).abs() < 1e-9);
    }
}
