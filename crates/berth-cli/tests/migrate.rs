//! `berth migrate OLD NEW --dry-run`: the plan for the bundled fog-compute consolidation, in
//! each format, and the errors of a bad `--source`.

mod common;

use common::{berth_in, examples, stdout};

fn plan(args: &[&str]) -> std::process::Output {
    let before = examples().join("fog-compute-before");
    let after = examples().join("fog-compute-after");
    let mut all = vec![
        "migrate",
        before.to_str().unwrap_or(""),
        after.to_str().unwrap_or(""),
    ];
    all.extend_from_slice(args);
    berth_in(&examples(), &all)
}

#[test]
fn the_fog_compute_plan_names_its_renames_and_the_merged_monitoring() {
    let out = plan(&["--dry-run"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = stdout(&out);
    let row = |action: &str, from: &str, to: &str, why: &str| {
        assert!(
            text.lines().any(|l| {
                let cols: Vec<&str> = l.split_whitespace().collect();
                cols.first() == Some(&action)
                    && l.contains(&format!("fog-compute-before_{from} "))
                    && l.contains(&format!("fog-compute_{to} "))
                    && l.contains(why)
            }),
            "{action} {from} -> {to} ({why}) not in\n{text}"
        );
    };
    row(
        "copy",
        "redis-data",
        "redis_data",
        "renamed (redis at /data)",
    );
    row("copy", "loki-data", "loki_data", "renamed (loki at /loki)");
    row(
        "copy",
        "betanet-node1-data",
        "betanet_node1_data",
        "renamed",
    );
    row("copy", "betanetNode3Data", "betanet_node3_data", "renamed");
    row(
        "copy",
        "betanet_node2_data",
        "betanet_node2_data",
        "project renamed",
    );
    row("copy", "postgres_data", "postgres_data", "project renamed");
    // The betanet's own Prometheus and Grafana were merged into the shared ones: two sources
    // each, for the user to choose between.
    row(
        "choose",
        "betanet-prometheus-data",
        "prometheus_data",
        "--source prometheus_data=betanet-prometheus-data",
    );
    row(
        "choose",
        "prometheus_data",
        "prometheus_data",
        "--source prometheus_data=prometheus_data",
    );
    row(
        "choose",
        "betanet_grafana_data",
        "grafana_data",
        "service merged (grafana-betanet",
    );
    assert!(text.contains("2 volumes have several sources"), "{text}");

    // A choice settles one; the betanet's volume is then dropped, kept on the engine.
    let out = plan(&[
        "--dry-run",
        "--source",
        "prometheus_data=prometheus_data",
        "--format",
        "json",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let doc: serde_json::Value = serde_json::from_str(&stdout(&out)).expect("JSON");
    assert_eq!(doc["undecided"], serde_json::json!(["grafana_data"]));
    let dropped = doc["dropped"].as_array().expect("dropped");
    assert!(
        dropped.iter().any(|d| d["key"] == "betanet-prometheus-data"
            && d["why"]
                .as_str()
                .is_some_and(|w| w.contains("not chosen for prometheus_data"))),
        "{doc}"
    );
    let md = stdout(&plan(&["--dry-run", "--format", "markdown"]));
    assert!(
        md.starts_with("| Action | fog-compute-before | fog-compute | Why | Size |"),
        "{md}"
    );
}

#[test]
fn a_bad_source_is_named() {
    for (source, says) in [
        (
            "prometheus_data=nosuch",
            "the old project has no volume nosuch",
        ),
        ("nosuch=redis-data", "the new project has no volume nosuch"),
        (
            "prometheus_data=redis-data",
            "redis-data is not a source of prometheus_data",
        ),
        ("prometheus_data", "expected NEW_VOLUME=OLD_VOLUME"),
    ] {
        let out = plan(&["--dry-run", "--source", source]);
        assert_eq!(out.status.code(), Some(1), "{source}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(says), "{source}: {err}");
    }
    // Without --dry-run it says that only the plan exists so far, and fails.
    let out = plan(&[]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--dry-run"));
}
