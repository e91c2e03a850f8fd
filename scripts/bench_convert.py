#!/usr/bin/env python3
"""Times `berth convert kubernetes` on a generated project (issue 20: under 150 ms for N=500).

usage: scripts/bench_convert.py [--runs N] [--berth PATH] [--size N]

The project comes from ../shared/bench/gen_stack.py (4 files: base with anchors and
interpolation, override, prod, add-on), loaded as `config` loads it. The whole process is timed
(wall clock, output to a pipe), after one warm-up run; the median, the spread and the number of
objects written are printed, beside the median of `config` on the same project (what
loading costs). Conversion is pure: no engine is needed.
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


def run_once(cmd, cwd):
    env = {"PATH": os.environ.get("PATH", ""), "HOME": os.environ.get("HOME", "/")}
    start = time.perf_counter()
    p = subprocess.run(cmd, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env)
    elapsed = time.perf_counter() - start
    if p.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed in {cwd}")
    return elapsed, p.stdout


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=15)
    ap.add_argument("--size", type=int, default=500)
    ap.add_argument("--berth", default=os.path.join(ROOT, "target", "release", "berth"))
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as d:
        subprocess.run([sys.executable, GEN, d, str(args.size)], check=True, stdout=subprocess.DEVNULL)
        cmd = [args.berth] + FILES + ["convert", "kubernetes"]
        _, out = run_once(cmd, d)
        objects = out.count(b"\nkind: ") + (1 if out.startswith(b"kind: ") else 0)
        config = [args.berth] + FILES + ["config"]
        run_once(config, d)
        # Interleaved, so that a slow moment of the machine weighs on both alike.
        times, loads = [], []
        for _ in range(args.runs):
            times.append(run_once(cmd, d)[0])
            loads.append(run_once(config, d)[0])
        med = statistics.median(times)
        print(f"convert kubernetes, N={args.size}: median {med * 1000:.1f} ms "
              f"(min {min(times) * 1000:.1f}, max {max(times) * 1000:.1f}, {args.runs} runs), "
              f"{objects} objects, {len(out) // 1024} KiB")
        print(f"config of the same project (loading and printing it): median "
              f"{statistics.median(loads) * 1000:.1f} ms")
        print(f"goal: under 150 ms: {'met' if med < 0.150 else 'NOT met'}")


if __name__ == "__main__":
    main()
