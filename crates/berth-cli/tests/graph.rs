//! `berth graph` and `berth docs` on every bundled example: snapshots of each view in Mermaid
//! and DOT and of the Markdown document, the DOT read back by Graphviz's `dot` (`.ci/run`
//! installs it), and the facts the seeds' hand-written documents show.

mod common;

use std::process::Command;

use common::{berth_in, examples, pipe, snapshot, stdout};

/// Each example as `graph` is run on it: a name, its folder and the `-f` files (discovery when
/// none).
const EXAMPLES: [(&str, &str, &[&str]); 7] = [
    (
        "fog-before",
        "fog-compute-before",
        &["docker-compose.yml", "docker-compose.betanet.yml"],
    ),
    ("fog-after", "fog-compute-after", &[]),
    ("taylordash", "taylordash", &[]),
    ("hw-server", "hw-server", &[]),
    ("basic-stack", "docker-examples/basic-stack", &[]),
    ("cluster-example", "docker-examples/cluster-example", &[]),
    ("swarm-stack", "docker-examples/swarm-stack", &[]),
];

const VIEWS: [&str; 5] = ["services", "networks", "dependencies", "ports", "volumes"];

fn graph(dir: &str, files: &[&str], extra: &[&str]) -> String {
    let mut args: Vec<&str> = Vec::new();
    for f in files {
        args.extend(["-f", f]);
    }
    args.push("graph");
    args.extend_from_slice(extra);
    let out = berth_in(&examples().join(dir), &args);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{dir} {extra:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    stdout(&out)
}

/// The SVG Berth draws parses as XML, is an `<svg>` of a positive size, and has a box per
/// node (Python's XML parser reads it; the tests already need python3 for the reference).
fn well_formed_svg(what: &str, svg: &str) {
    let check = r#"
import sys, xml.etree.ElementTree as E
root = E.fromstring(sys.stdin.read())
assert root.tag == "{http://www.w3.org/2000/svg}svg", root.tag
assert float(root.get("width")) > 0 and float(root.get("height")) > 0
print(len(root.findall("{http://www.w3.org/2000/svg}g")))
"#;
    let done = pipe("python3", &["-c", check], svg.as_bytes(), "python3");
    assert!(
        done.status.success(),
        "{what}: {}",
        String::from_utf8_lossy(&done.stderr)
    );
    let boxes: usize = String::from_utf8_lossy(&done.stdout)
        .trim()
        .parse()
        .unwrap_or(0);
    assert_eq!(boxes, svg.matches("<g id=").count(), "{what}");
}

#[test]
fn every_view_of_every_example_matches_its_snapshot_and_graphviz_reads_the_dot() {
    let graphviz = berth_conformance::requires(
        "Graphviz's dot (the DOT read back)",
        common::has_program("dot", "-V"),
        "apt-get install graphviz",
    )
    .inspect_err(|skip| eprintln!("{skip}"))
    .is_ok();
    for (name, dir, files) in EXAMPLES {
        for view in VIEWS {
            let mermaid = graph(dir, files, &["--view", view]);
            snapshot(&format!("graph/{name}-{view}.mmd"), &mermaid);
            let svg = graph(dir, files, &["--view", view, "--format", "svg"]);
            snapshot(&format!("graph/{name}-{view}.svg"), &svg);
            well_formed_svg(&format!("{name} {view}"), &svg);
            let dot = graph(dir, files, &["--view", view, "--format", "dot"]);
            snapshot(&format!("graph/{name}-{view}.dot"), &dot);
            if !graphviz {
                continue;
            }
            let done = pipe(
                "dot",
                &["-Tsvg"],
                dot.as_bytes(),
                "apt-get install graphviz",
            );
            assert!(
                done.status.success() && done.stdout.starts_with(b"<?xml"),
                "{name} {view}: {}\n{dot}",
                String::from_utf8_lossy(&done.stderr)
            );
        }
    }
}

#[test]
fn the_seeds_diagram_facts_appear() {
    // hw-server's "Traefik Routing Configuration": each host to its service.
    let hw = graph("hw-server", &[], &[]);
    for edge in [
        "s_traefik -->|\"api.localhost\"| s_hw_server",
        "s_traefik -->|\"keycloak.localhost\"| s_hw_keycloak",
        "s_traefik -->|\"prometheus.localhost\"| s_prometheus",
        "s_traefik -->|\"grafana.localhost\"| s_grafana",
        "s_prometheus -.->|\"scrapes\"| s_hw_server",
        "s_hw_keycloak ==>|\"healthy\"| s_hw_db",
    ] {
        assert!(hw.contains(edge), "{edge} not in\n{hw}");
    }
    // Its external ports: Keycloak 9999 to 9000, and the rest host to the same port.
    let ports = graph("hw-server", &[], &["--view", "ports"]);
    for edge in [
        "p_9999_tcp -->|\"9000\"| s_hw_keycloak",
        "p_80_tcp -->|\"80\"| s_traefik",
        "p_443_tcp -->|\"443\"| s_traefik",
        "p_8080_tcp -->|\"8080\"| s_traefik",
        "p_5432_tcp -->|\"5432\"| s_hw_db",
        "p_6379_tcp -->|\"6379\"| s_hw_redis",
        "p_9090_tcp -->|\"9090\"| s_prometheus",
        "p_3000_tcp -->|\"3000\"| s_grafana",
    ] {
        assert!(ports.contains(edge), "{edge} not in\n{ports}");
    }
    // fog-compute after: the backend bridges internal, public and monitoring; internal is
    // internal; the betanet subnet is shown.
    let nets = graph(
        "fog-compute-after",
        &["docker-compose.yml", "docker-compose.betanet.yml"],
        &["--view", "networks"],
    );
    for fact in [
        "n_internal{{\"internal<br/>internal\"}}",
        "n_betanet{{\"betanet<br/>172.30.0.0/16\"}}",
        "s_backend --- n_monitoring",
        "class n_internal internal",
    ] {
        assert!(nets.contains(fact), "{fact} not in\n{nets}");
    }
    assert!(
        nets.contains("class ") && nets.contains("s_backend"),
        "{nets}"
    );
    // The mixnodes start one after another, health-gated: the critical path.
    let deps = graph(
        "fog-compute-after",
        &["docker-compose.yml", "docker-compose.betanet.yml"],
        &["--view", "dependencies"],
    );
    assert!(deps.contains("s_betanet_mixnode_1 ==>|\"healthy\"| s_betanet_mixnode_2"));
    assert!(deps.contains("linkStyle "), "{deps}");
    // The cluster example's three Python replicas.
    let cluster = graph("docker-examples/cluster-example", &[], &[]);
    assert!(cluster.contains("× 3 replicas"), "{cluster}");
    // --only: a service and its neighbours; an unknown one is an error.
    let only = graph("hw-server", &[], &["--only", "hw-db"]);
    assert!(
        only.contains("s_hw_keycloak") && !only.contains("s_grafana"),
        "{only}"
    );
    let out = berth_in(&examples().join("hw-server"), &["graph", "--only", "nope"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no such service: nope"));
    let out = berth_in(&examples().join("hw-server"), &["graph", "--view", "flows"]);
    assert_eq!(out.status.code(), Some(1));
}

#[test]
fn large_projects_stay_readable_grouped_by_network_or_profile_with_copies_collapsed() {
    let fog = ["docker-compose.yml", "docker-compose.betanet.yml"];
    // The three numbered mixnodes (same build) drawn as one node; the chain among them gone;
    // each Prometheus scrapes the one node once.
    let collapsed = graph("fog-compute-before", &fog, &["--collapse"]);
    assert!(
        collapsed
            .contains("s_betanet_mixnode_1[\"betanet-mixnode-1…3<br/>(built)<br/>× 3 services\"]"),
        "{collapsed}"
    );
    assert!(!collapsed.contains("s_betanet_mixnode_2"), "{collapsed}");
    assert_eq!(
        collapsed
            .matches("s_prometheus -.->|\"scrapes\"| s_betanet_mixnode_1")
            .count(),
        1
    );
    // Without the copies' chain the critical path is found again: postgres, backend, frontend.
    let deps = graph(
        "fog-compute-before",
        &fog,
        &["--view", "dependencies", "--collapse"],
    );
    assert!(
        deps.contains("s_postgres ==>|\"healthy\"| s_backend"),
        "{deps}"
    );
    assert!(deps.contains("linkStyle 0,2 "), "{deps}");
    // By network: one box per set of networks, services on two networks in a box of both.
    let by_net = graph("fog-compute-after", &fog, &["--group-by", "network"]);
    for fact in [
        "[\"betanet + monitoring\"]",
        "[\"internal\"]",
        "[\"internal + public + monitoring\"]",
    ] {
        assert!(by_net.contains(fact), "{fact} not in\n{by_net}");
    }
    let dot = graph(
        "fog-compute-after",
        &fog,
        &["--group-by", "network", "--format", "dot"],
    );
    assert!(dot.contains("label=\"betanet + monitoring\";"), "{dot}");
    // Copies told apart by their image: after's mixnodes run one image, and collapse.
    let both = graph(
        "fog-compute-after",
        &fog,
        &["--group-by", "network", "--collapse"],
    );
    assert!(
        both.contains("betanet-mixnode-1…3<br/>fog-compute/betanet-node:1.0.0<br/>× 3 services"),
        "{both}"
    );
    let svg = graph(
        "fog-compute-after",
        &fog,
        &["--group-by", "network", "--format", "svg"],
    );
    assert_eq!(
        svg.matches("class=\"group\"").count(),
        by_net.matches("  subgraph ").count()
    );
    well_formed_svg("fog-after by network", &svg);
    // By profile: the optional TimescaleDB in a box of its own when its profile is on.
    let by_profile = berth_in(
        &examples().join("taylordash"),
        &["--profile", "timescale", "graph", "--group-by", "profile"],
    );
    let by_profile = stdout(&by_profile);
    assert!(
        by_profile.contains("[\"profile timescale\"]"),
        "{by_profile}"
    );
    assert!(
        by_profile.contains("[\"no profile (always started)\"]"),
        "{by_profile}"
    );
    // No boxes at all, host ports included.
    let flat = graph("hw-server", &[], &["--view", "ports", "--group-by", "none"]);
    assert!(!flat.contains("subgraph"), "{flat}");
    let out = berth_in(
        &examples().join("hw-server"),
        &["graph", "--group-by", "tier"],
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&out.stderr)
            .contains("invalid --group-by value \"tier\": expected role, network, profile or none"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn docs(dir: &str, files: &[&str]) -> String {
    let mut args: Vec<&str> = Vec::new();
    for f in files {
        args.extend(["-f", f]);
    }
    args.push("docs");
    let out = berth_in(&examples().join(dir), &args);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{dir}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    stdout(&out)
}

#[test]
fn the_document_of_every_example_matches_its_snapshot() {
    for (name, dir, files) in EXAMPLES {
        snapshot(&format!("docs/{name}.md"), &docs(dir, files));
    }
}

#[test]
fn the_seeds_documents_facts_appear_in_the_generated_ones() {
    // hw-server ("Docker Services Architecture"): its external port table, its routes and its
    // internal ports.
    let hw = docs("hw-server", &[]);
    for row in [
        "| `traefik` | 0.0.0.0 | 80 | 80 | tcp | docker-compose.yml:",
        "| `traefik` | 0.0.0.0 | 443 | 443 | tcp |",
        "| `traefik` | 0.0.0.0 | 8080 | 8080 | tcp |",
        "| `hw-db` | 0.0.0.0 | 5432 | 5432 | tcp |",
        "| `hw-redis` | 0.0.0.0 | 6379 | 6379 | tcp |",
        "| `hw-keycloak` | 0.0.0.0 | 9999 | 9000 | tcp |",
        "| `prometheus` | 0.0.0.0 | 9090 | 9090 | tcp |",
        "| `grafana` | 0.0.0.0 | 3000 | 3000 | tcp |",
        "| `fastapi` | `` Host(`api.localhost`) `` | web | `hw-server` | 8000 |",
        "| `keycloak` | `` Host(`keycloak.localhost`) `` | web | `hw-keycloak` | 8080 |",
        "| `prometheus` | `` Host(`prometheus.localhost`) `` | web | `prometheus` | 9090 |",
        "| `grafana` | `` Host(`grafana.localhost`) `` | web | `grafana` | 3000 |",
        "| `hw-server` | http://api.localhost/ | Traefik router `fastapi` |",
        "| `hw-keycloak` | 8080 | Traefik service `keycloak` |",
        "| `hw-network` | bridge | no |",
    ] {
        assert!(
            hw.contains(row),
            "{row:?} not in the hw-server document:\n{hw}"
        );
    }
    // TaylorDash ("Docker Compose Infrastructure Documentation"): its external ports, the
    // optional TimescaleDB profile, and credentials hidden in the environment table.
    let td = docs("taylordash", &[]);
    for row in [
        "| `traefik` | 0.0.0.0 | 80 | 80 | tcp |",
        "| `traefik` | 0.0.0.0 | 443 | 443 | tcp |",
        "| `traefik` | 0.0.0.0 | 8080 | 8080 | tcp |",
        "| `postgres` | 0.0.0.0 | 5432 | 5432 | tcp |",
        "| `mosquitto` | 0.0.0.0 | 1883 | 1883 | tcp |",
        "| `mosquitto` | 0.0.0.0 | 8883 | 8883 | tcp |",
        "| `mosquitto` | 0.0.0.0 | 9001 | 9001 | tcp |",
        "| `timescale` | `timescaledb` (off by default) |",
        "| `backend` | `MQTT_PASSWORD` | (hidden) |",
        "| `backend` | `MQTT_HOST` | `mosquitto` |",
        "| `victoriametrics` | `` wget --quiet --tries=1 --spider http://0.0.0.0:8428/health `` |",
    ] {
        let row = row
            .replace("`` wget", "`wget")
            .replace("/health ``", "/health`");
        assert!(
            td.contains(&row),
            "{row:?} not in the TaylorDash document:\n{td}"
        );
    }
    // Docker Compose Examples: health checks of 30s/10s/3/40s, the cluster's three replicas
    // behind Nginx on 80 and 443, the swarm's overlay network, the basic stack's volumes.
    let cluster = docs("docker-examples/cluster-example", &[]);
    for row in [
        "| `nginx` | 0.0.0.0 | 80 | 80 | tcp |",
        "| `nginx` | 0.0.0.0 | 443 | 443 | tcp |",
        "| `python` | application | built from ../python | cluster-network | 3 |",
        "| `nginx` | bind | ../nginx/nginx.conf | /etc/nginx/nginx.conf | yes |",
        "| 30s | 10s | 3 | 40s |",
    ] {
        assert!(
            cluster.contains(row),
            "{row:?} not in the cluster document:\n{cluster}"
        );
    }
    let swarm = docs("docker-examples/swarm-stack", &[]);
    assert!(
        swarm.contains("| `swarm-overlay` | overlay | no |"),
        "{swarm}"
    );
    let basic = docs("docker-examples/basic-stack", &[]);
    assert!(
        basic.contains("| `postgres` | volume | db_data | /var/lib/postgresql/data | no |"),
        "{basic}"
    );
    // fog-compute after: no finding; before: the audit's errors listed.
    let after = docs("fog-compute-after", &[]);
    assert!(
        after.contains("`berth audit`: 0 errors, 0 warnings, 0 info."),
        "{after}"
    );
    let before = docs(
        "fog-compute-before",
        &["docker-compose.yml", "docker-compose.betanet.yml"],
    );
    assert!(before.contains("| error | B201 | host port 9090/tcp is published by both `prometheus` and `prometheus-betanet` |"), "{before}");
}

#[test]
fn the_readme_shows_the_diagram_berth_draws_today() {
    let readme = std::fs::read_to_string(examples().join("../README.md")).expect("README");
    let start = readme
        .find("  ```mermaid\n")
        .expect("a Mermaid block in the README")
        + 13;
    let end = start + readme[start..].find("  ```\n").expect("its end");
    let shown: String = readme[start..end]
        .lines()
        .map(|l| l.strip_prefix("  ").unwrap_or(l))
        .map(|l| format!("{l}\n"))
        .collect();
    assert_eq!(shown, graph("hw-server", &[], &[]));
}

#[test]
fn the_html_document_is_self_contained_and_matches_its_snapshot() {
    for (name, dir, files) in EXAMPLES {
        let mut args: Vec<&str> = Vec::new();
        for f in files {
            args.extend(["-f", f]);
        }
        args.extend(["docs", "--format", "html"]);
        let out = berth_in(&examples().join(dir), &args);
        assert_eq!(out.status.code(), Some(0), "{name}");
        let html = stdout(&out);
        snapshot(&format!("docs/{name}.html"), &html);
        // Nothing to fetch: no external scripts, styles, images or fonts.
        for needle in ["<script", "<link", "src=\"http", "url(http", "@import"] {
            assert!(!html.contains(needle), "{name}: {needle}");
        }
        // The diagrams inline (services, networks, startup order, and volumes when there
        // are mounts), and the tables.
        let volumes = usize::from(html.contains("<h2>Volumes and mounts</h2>"));
        assert_eq!(html.matches("<svg ").count(), 3 + volumes, "{name}");
        assert!(html.contains("<h2>Port mappings</h2>"), "{name}");
        assert!(html.contains("<table>"), "{name}");
    }
}

#[test]
fn the_html_document_opens_in_headless_chromium_with_its_content_drawn() {
    // Debian's chromium, installed by .ci/run: the file opened offline, a screenshot taken,
    // the screenshot decoded and checked to hold drawn content (not a blank page).
    if let Err(skip) = berth_conformance::requires(
        "chromium",
        common::has_program("chromium", "--version"),
        "apt-get install chromium",
    ) {
        eprintln!("{skip}");
        return;
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let out = berth_in(&examples().join("hw-server"), &["docs", "--format", "html"]);
    assert_eq!(out.status.code(), Some(0));
    let page = dir.path().join("hw-server.html");
    std::fs::write(&page, &out.stdout).expect("write page");
    let shot = dir.path().join("shot.png");
    let run = Command::new("chromium")
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--hide-scrollbars",
            "--window-size=1280,1600",
        ])
        .arg(format!(
            "--user-data-dir={}",
            dir.path().join("profile").display()
        ))
        .arg(format!("--screenshot={}", shot.display()))
        .arg(format!("file://{}", page.display()))
        .output()
        .expect("chromium (apt-get install chromium)");
    assert!(
        shot.is_file(),
        "no screenshot: {}",
        String::from_utf8_lossy(&run.stderr)
    );
    let decoder = png::Decoder::new(std::io::BufReader::new(
        std::fs::File::open(&shot).expect("open screenshot"),
    ));
    let mut reader = decoder.read_info().expect("a PNG");
    let mut buf = vec![0; reader.output_buffer_size()];
    let info = reader.next_frame(&mut buf).expect("decode");
    assert_eq!((info.width, info.height), (1280, 1600));
    let channels = info.color_type.samples();
    let pixels = &buf[..info.buffer_size()];
    let total = pixels.len() / channels;
    let inked = pixels
        .chunks(channels)
        .filter(|px| px.iter().take(3).any(|&c| c < 200))
        .count();
    // Text, tables and diagrams: a real page inks a few percent of its pixels; a blank or
    // error page nearly none.
    assert!(
        inked * 100 > total * 2,
        "only {inked} of {total} pixels drawn"
    );
}

#[test]
fn png_output_decodes_at_the_size_of_the_svg() {
    let dir = tempfile::tempdir().expect("temp dir");
    for (name, example, files) in EXAMPLES {
        let svg = graph(example, files, &["--format", "svg"]);
        // The SVG's own size, from its width and height attributes.
        let attr = |key: &str| -> u32 {
            let at = svg.find(&format!(" {key}=\"")).expect(key) + key.len() + 3;
            svg[at..at + svg[at..].find('"').expect("end")]
                .parse()
                .expect("a whole number")
        };
        let (w, h) = (attr("width"), attr("height"));
        let out_path = dir.path().join(format!("{name}.png"));
        let out = out_path.to_string_lossy().into_owned();
        graph(example, files, &["--format", "png", "-o", &out]);
        let decoder = png::Decoder::new(std::io::BufReader::new(
            std::fs::File::open(&out_path).expect("png"),
        ));
        let mut reader = decoder.read_info().expect("a PNG");
        let mut buf = vec![0; reader.output_buffer_size()];
        let info = reader.next_frame(&mut buf).expect("decode");
        assert_eq!((info.width, info.height), (w, h), "{name}");
        // Something is drawn: dark pixels (outlines, edges, labels). Without a font the
        // PNG is refused, so labels cannot go missing silently.
        let channels = info.color_type.samples();
        let dark = buf[..info.buffer_size()]
            .chunks(channels)
            .filter(|px| px.iter().take(3).all(|&c| c < 80) && px.get(3).is_none_or(|&a| a > 128))
            .count();
        assert!(dark > 500, "{name}: {dark} dark pixels");
    }
    // A format Berth does not draw is refused.
    let out = berth_in(&examples().join("hw-server"), &["graph", "--format", "gif"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("expected mermaid, dot, svg or png"));
}

/// Issue 17, item 6: `image: "busybox\e[31mRED"` made the SVG of three views not well-formed
/// XML (and the PNG fail); control characters are written as `\x1b`.
#[test]
fn control_characters_keep_the_svg_well_formed() {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(
        dir.path().join("compose.yaml"),
        "services:\n  web:\n    image: \"busybox\\e[31mRED\"\n    ports: [\"80\"]\n  db:\n    image: x\n    depends_on: [web]\n",
    )
    .expect("compose file");
    for view in VIEWS {
        let out = berth_in(dir.path(), &["graph", "--view", view, "--format", "svg"]);
        assert_eq!(out.status.code(), Some(0), "{view}");
        let svg = stdout(&out);
        assert!(!svg.contains('\u{1b}'), "{view}: a raw ESC");
        well_formed_svg(view, &svg);
    }
    let out = berth_in(dir.path(), &["graph", "--format", "png"]);
    assert_eq!(out.status.code(), Some(0), "png");
    // Mermaid, DOT and the Markdown document show it as `\x1b` too.
    for args in [
        &["graph", "--format", "mermaid"][..],
        &["graph", "--format", "dot"],
        &["docs"],
    ] {
        let text = stdout(&berth_in(dir.path(), args));
        assert!(!text.contains('\u{1b}'), "{args:?}: a raw ESC");
        assert!(text.contains("x1b[31mRED"), "{args:?}:\n{text}");
    }
}

/// Issue 17, item 5: an image name holding a newline and three backticks closed the Mermaid
/// fence of `berth docs` (a renderer then showed injected headings and links), `<script>` in
/// a column ran in the rendered Markdown, and a `\r` in a value split a table row.
#[test]
fn hostile_values_stay_inside_the_markdown_document() {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(
        dir.path().join("compose.yaml"),
        concat!(
            "services:\n",
            "  web:\n",
            "    image: \"nginx\\n```\\n# Injected heading\\n<script>alert(1)</script>\"\n",
            "    environment:\n",
            "      NOTE: \"a\\rinjected-row | x\"\n",
            "    labels:\n",
            "      traefik.http.routers.web.entrypoints: \"<script>alert(2)</script>\"\n",
            "  db:\n",
            "    image: postgres\n",
            "    depends_on: [web]\n",
        ),
    )
    .expect("compose file");
    let out = berth_in(dir.path(), &["docs"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let md = stdout(&out);
    assert!(!md.contains("<script>"), "raw HTML:\n{md}");
    assert!(!md.contains('\r'), "a carriage return");
    assert!(
        !md.lines().any(|l| l.starts_with("# Injected")),
        "an injected heading:\n{md}"
    );
    assert!(
        !md.lines().any(|l| l.starts_with("injected-row")),
        "a split row:\n{md}"
    );
    // Every fence that opens is closed by a fence of the document's own.
    let opens = md.lines().filter(|l| l.starts_with("```mermaid")).count();
    let closes = md.lines().filter(|l| *l == "```").count();
    assert_eq!(opens, closes, "fences:\n{md}");
}

/// Issue 17, item 3: `berth docs` printed credentials (a URL's password, a value interpolated
/// from the environment, a GitHub token, a bearer token, an AWS key, a `Password=` inside a
/// connection string from an env file, mysqladmin's `-pPASSWORD` in a healthcheck), and the
/// audit quoted the lines it flagged with their passwords. None reaches docs (Markdown and
/// HTML), graphs or the audit's outputs; the place that sets each one is still named.
#[test]
fn docs_printed_credentials() {
    let dir = tempfile::tempdir().expect("temp dir");
    let write = |name: &str, text: &str| {
        std::fs::write(dir.path().join(name), text).expect("write a fixture file");
    };
    write(
        "compose.yaml",
        concat!(
            "services:\n",
            "  api:\n",
            "    image: example/api:1.2\n",
            "    environment:\n",
            "      DATABASE_URL: postgres://app:UrlPw-1@db:5432/app\n",
            "      DSN: ${DB_DSN}\n",
            "      GITHUB_PAT: ghp_abcdefghijklmnopqrstuvwxyz0123456789\n",
            "      AUTH_HEADER: \"Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl\"\n",
            "      AWS_ACCESS_KEY_ID: AKIAIOSFODNN7EXAMPLE\n",
            "      LOG_LEVEL: info\n",
            "    env_file: app.env\n",
            "    command: [\"serve\", \"--db\", \"postgres://u:CmdPw-5@db/app\"]\n",
            "    depends_on: [db]\n",
            "  db:\n",
            "    image: \"mysql:8\"\n",
            "    environment:\n",
            "      MYSQL_ROOT_PASSWORD: RootPw-2\n",
            "    healthcheck:\n",
            "      test: [\"CMD-SHELL\", \"mysqladmin ping -uroot -pHealthPw-6\"]\n",
        ),
    );
    write(
        "app.env",
        "CONN=Server=db;User Id=sa;Password=EnvFilePw-3;Database=app\n",
    );
    write(".env", "DB_DSN=postgres://x:ShellPw-4@db/x\n");
    let secrets = [
        "UrlPw-1",
        "RootPw-2",
        "EnvFilePw-3",
        "ShellPw-4",
        "CmdPw-5",
        "HealthPw-6",
        "ghp_",
        "eyJ",
        "AKIA",
    ];
    let mut outputs = vec![
        vec!["docs"],
        vec!["docs", "--format", "html"],
        vec!["audit"],
        vec!["audit", "--format", "json"],
        vec!["audit", "--format", "sarif"],
    ];
    for view in VIEWS {
        for format in ["mermaid", "dot", "svg"] {
            outputs.push(vec!["graph", "--view", view, "--format", format]);
        }
    }
    for args in outputs {
        let out = berth_in(dir.path(), &args);
        let text = format!("{}{}", stdout(&out), String::from_utf8_lossy(&out.stderr));
        for secret in secrets {
            assert!(!text.contains(secret), "{args:?} shows {secret}:\n{text}");
        }
    }
    let md = stdout(&berth_in(dir.path(), &["docs"]));
    for row in [
        "| `api` | `DATABASE_URL` | `postgres://app:****@db:5432/app` | compose.yaml:5 |",
        "| `api` | `DSN` | `postgres://x:****@db/x` | compose.yaml:6 |",
        "| `api` | `GITHUB_PAT` | (hidden) | compose.yaml:7 |",
        "| `api` | `AWS_ACCESS_KEY_ID` | (hidden) | compose.yaml:9 |",
        "| `api` | `LOG_LEVEL` | `info` | compose.yaml:10 |",
        "| `api` | `CONN` | `Server=db;User Id=sa;Password=****;Database=app` | compose.yaml:11 |",
        "| `db` | `mysqladmin ping -uroot -p****` |  |  |  |  | compose.yaml:19 |",
    ] {
        assert!(md.contains(row), "no row {row}:\n{md}");
    }
    // The audit still points at each line, with the password masked under the caret.
    let audit = stdout(&berth_in(dir.path(), &["audit"]));
    assert!(
        audit.contains("17 |       MYSQL_ROOT_PASSWORD: ****\n   |                            ^^^^ written in the file"),
        "{audit}"
    );
}

/// Issue 17, item 9: the SVG layout of 160 services that each depend on all earlier ones took
/// 3 s and 324 MB (300 of them more than 15 s and 0.8 GB): its 12,720 edges bend 670,000
/// times. A drawing that dense is refused at once, saying why; the HTML document leaves the
/// diagram out with that note, and DOT is still written for other tools.
#[test]
fn dense_graphs_say_they_are_unreadable_instead_of_drawing() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut compose = String::from("services:\n");
    for i in 0..160 {
        compose.push_str(&format!("  s{i}:\n    image: img{i}\n"));
        if i > 0 {
            let deps: Vec<String> = (0..i).map(|j| format!("s{j}")).collect();
            compose.push_str(&format!("    depends_on: [{}]\n", deps.join(", ")));
        }
    }
    std::fs::write(dir.path().join("compose.yaml"), compose).expect("compose file");
    for format in ["svg", "png"] {
        let out = berth_in(
            dir.path(),
            &["graph", "--view", "dependencies", "--format", format],
        );
        assert_eq!(out.status.code(), Some(1), "{format}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            stderr.contains("160 boxes and 12720 edges") && stderr.contains("unreadable"),
            "{format}: {stderr}"
        );
    }
    let out = berth_in(
        dir.path(),
        &["graph", "--view", "dependencies", "--format", "dot"],
    );
    assert_eq!(out.status.code(), Some(0));
    let out = berth_in(dir.path(), &["docs", "--format", "html"]);
    assert_eq!(out.status.code(), Some(0));
    assert!(stdout(&out).contains("<p class=\"note\">Diagram left out: a drawing of 160 boxes"));
    // Its Mermaid text is past what Mermaid renders: the Markdown says so in its place.
    let md = stdout(&berth_in(dir.path(), &["docs"]));
    assert!(
        md.contains("Diagram left out: its Mermaid text takes"),
        "{}",
        &md[..md.len().min(3000)]
    );
}
