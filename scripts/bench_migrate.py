#!/usr/bin/env python3
"""Benchmark of `berth migrate --yes` (issue 22): the downtime (the old services stopped to the
new ones healthy) and the copy rate for a volume of SIZE megabytes.

usage: scripts/bench_migrate.py [--berth PATH] [--size-mb 200] [--runs 3]

Needs the engine with the test image (scripts/test-image.sh). A `before` project writes SIZE MB
of random data into its volume `db-data`; an `after` project mounts it as `db_data` with a
healthcheck that passes once the data is there. Each run migrates with --yes and reads the
figures Berth reports; the projects and volumes are removed after each run.
"""
import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

BEFORE = """name: bench-mig-old
services:
  db:
    image: berth-test/busybox
    command: ["sh", "-c", "[ -e /data/done ] || {{ head -c {size} /dev/urandom > /data/blob && touch /data/done; }}; sleep 3600"]
    stop_grace_period: 1s
    volumes: [db-data:/data]
volumes:
  db-data: {{}}
"""
AFTER = """name: bench-mig-new
services:
  db:
    image: berth-test/busybox
    command: [sleep, "3600"]
    stop_grace_period: 1s
    volumes: [db_data:/data]
    healthcheck: {{test: ["CMD", "test", "-e", "/data/done"], interval: 1s}}
volumes:
  db_data: {{}}
"""


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--berth", default=os.path.join(ROOT, "target", "release", "berth"))
    ap.add_argument("--size-mb", type=int, default=200)
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()
    downtimes, rates, totals = [], [], []
    for run in range(args.runs):
        with tempfile.TemporaryDirectory() as d:
            os.makedirs(os.path.join(d, "before"))
            os.makedirs(os.path.join(d, "after"))
            open(os.path.join(d, "before", "compose.yaml"), "w").write(
                BEFORE.format(size=args.size_mb * 1_000_000))
            open(os.path.join(d, "after", "compose.yaml"), "w").write(AFTER.format())

            def berth(*a, check=True):
                return subprocess.run([args.berth] + list(a), cwd=d, capture_output=True,
                                      text=True, timeout=1800, check=check)
            try:
                berth("-f", "before/compose.yaml", "up", "-d")
                while subprocess.run(["docker", "exec", "bench-mig-old-db-1", "test", "-e", "/data/done"],
                                     capture_output=True).returncode != 0:
                    pass
                out = berth("migrate", "before", "after", "--yes", "--backup-dir", "backups").stdout
                m = re.search(r"copied and checked at ([0-9.]+)(\w+)/s; downtime ([0-9.]+) s; ([0-9.]+) s in all", out)
                if not m:
                    sys.exit(f"no figures in: {out}")
                unit = {"B": 1, "kB": 1e3, "MB": 1e6, "GB": 1e9}[m.group(2)]
                rates.append(float(m.group(1)) * unit / 1e6)
                downtimes.append(float(m.group(3)))
                totals.append(float(m.group(4)))
                print(f"run {run + 1}: downtime {downtimes[-1]:.1f} s, copy {rates[-1]:.1f} MB/s, "
                      f"{totals[-1]:.1f} s in all", flush=True)
            finally:
                berth("-f", "before/compose.yaml", "down", "-v", "-t", "0", check=False)
                berth("-f", "after/compose.yaml", "down", "-v", "-t", "0", check=False)
    print(f"{args.size_mb} MB volume, {args.runs} runs: downtime median {statistics.median(downtimes):.1f} s "
          f"(min {min(downtimes):.1f}, max {max(downtimes):.1f}); copy rate median "
          f"{statistics.median(rates):.1f} MB/s (backup, copy and both checks); "
          f"migration in all median {statistics.median(totals):.1f} s")


if __name__ == "__main__":
    main()
