#!/usr/bin/env python3
"""Times `berth config` against the reference Docker Compose on generated projects, and `berth audit`.

usage: scripts/bench_config.py [--runs N] [--berth PATH] [--reference PATH] [--sizes 500,1000,2000]

Projects come from ../shared/bench/gen_stack.py (4 files: base with anchors and interpolation,
override, prod, add-on). Whole processes are timed (wall clock), in the same run, and the medians,
the ratio and Berth's peak memory are printed. The reference is run only where it finishes
(DEPS=0): with DEPS=2 its cycle check walks every path and does not finish in 20 minutes.
`berth audit` (the four files merged, every rule), `berth audit --patterns` (each of the
project's deployment patterns loaded and audited), `berth graph` (the services view of the
four files, as Mermaid and as the SVG Berth lays out and draws) and `berth docs` (the Markdown
document, and the HTML one with its SVG diagrams) have no reference; their medians are printed.
"""
import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
GEN = os.path.join(ROOT, "..", "shared", "bench", "gen_stack.py")
FILES = ["-f", "compose.yaml", "-f", "compose.override.yaml", "-f", "compose.prod.yaml", "-f", "compose.addon.yaml"]


def reference_default():
    out = subprocess.run([sys.executable, "-c", "import compose,os;print(os.path.join(os.path.dirname(compose.__file__),'docker-compose'))"],
                         capture_output=True, text=True)
    return out.stdout.strip() if out.returncode == 0 else None


def run_once(cmd, cwd):
    """Returns (seconds, peak RSS in MiB, stdout)."""
    env = {"PATH": os.environ.get("PATH", ""), "HOME": os.environ.get("HOME", "/")}
    start = time.perf_counter()
    p = subprocess.Popen(cmd, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env)
    out = p.stdout.read()
    _, status, usage = os.wait4(p.pid, 0)
    elapsed = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{' '.join(cmd)} failed in {cwd}")
    return elapsed, usage.ru_maxrss / 1024.0, out


def measure(cmd, cwd, runs):
    times, rss, out = [], [], None
    run_once(cmd, cwd)  # warm the page cache
    for _ in range(runs):
        t, m, out = run_once(cmd, cwd)
        times.append(t)
        rss.append(m)
    return statistics.median(times), max(rss), out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=15)
    ap.add_argument("--reference-runs", type=int, default=5)
    ap.add_argument("--berth", default=os.path.join(os.environ.get("CARGO_TARGET_DIR", os.path.join(ROOT, "target")), "release", "berth"))
    ap.add_argument("--reference", default=reference_default())
    ap.add_argument("--sizes", default="500,1000,2000")
    args = ap.parse_args()
    if not os.path.exists(args.berth):
        raise SystemExit(f"{args.berth} not found: run `cargo build --release -p berth-cli` first")
    sizes = [int(s) for s in args.sizes.split(",")]
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for n in sizes:
            for deps in (0, 2):
                d = os.path.join(tmp, f"n{n}d{deps}")
                subprocess.run([sys.executable, GEN, d, str(n), str(deps)], check=True)
                b_med, b_rss, b_out = measure([args.berth] + FILES + ["config"], d, args.runs)
                r_med = ratio = None
                same = ""
                if deps == 0 and n == 500 and args.reference:
                    r_med, _, r_out = measure([args.reference] + FILES + ["config"], d, args.reference_runs)
                    ratio = r_med / b_med
                    same = "identical" if r_out == b_out else "DIFFERENT OUTPUT"
                a_med, _, _ = measure([args.berth] + FILES + ["audit", "--fail-on", "never"], d, args.runs)
                p_med, _, _ = measure([args.berth, "audit", "--patterns", "--fail-on", "never"], d, args.runs)
                g_med, _, _ = measure([args.berth] + FILES + ["graph"], d, args.runs)
                d_med, _, _ = measure([args.berth] + FILES + ["docs"], d, args.runs)
                gs_med, _, _ = measure([args.berth] + FILES + ["graph", "--format", "svg"], d, args.runs)
                dh_med, _, _ = measure([args.berth] + FILES + ["docs", "--format", "html"], d, args.runs)
                rows.append((n, deps, b_med, b_rss, r_med, ratio, same, a_med, p_med, g_med, gs_med, d_med, dh_med))
    print(f"{'services':>8} {'deps':>4} {'berth median':>13} {'berth peak':>11} {'reference median':>17} {'ratio':>7} {'audit':>10} {'audit --patterns':>17} {'graph':>10} {'graph svg':>10} {'docs':>10} {'docs html':>10}  output")
    for n, deps, b, rss, r, ratio, same, a, pa, gm, gs, dm, dh in rows:
        rs = f"{r * 1000:14.0f} ms" if r is not None else f"{'-':>17}"
        ra = f"{ratio:6.1f}x" if ratio is not None else f"{'-':>7}"
        print(f"{n:>8} {deps:>4} {b * 1000:10.1f} ms {rss:8.1f} MB {rs} {ra} {a * 1000:7.1f} ms {pa * 1000:14.1f} ms {gm * 1000:7.1f} ms {gs * 1000:7.1f} ms {dm * 1000:7.1f} ms {dh * 1000:7.1f} ms  {same}")


if __name__ == "__main__":
    main()
