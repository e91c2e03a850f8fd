#!/usr/bin/env python3
"""Times `berth stack deploy` and `berth stack rm` against the Docker CLI on the same swarm.

usage: scripts/bench_stack.py [--runs N] [--berth PATH] [--init]

Scenarios (issue 19):
  ten     10 independent services, 1 replica each: from the command to a converged stack,
          `berth stack deploy` against `docker stack deploy --detach=false`
  rm      that stack removed: `berth stack rm` (it returns when nothing is left) against
          `docker stack rm` plus the wait until its services, containers and networks are gone
  chain   three services gated on service_healthy (healthcheck interval 1s), Berth only (the
          Docker CLI has no order): from the command to converged

With --init every service runs with `init: true`, so its process ends on SIGTERM; without,
busybox's sleep ignores SIGTERM (it is PID 1) and every removal waits the 10 s grace period.

Runs alternate between the two tools so both see the same machine; every deploy starts from an
empty stack. Prints medians and the ratio Berth/Docker CLI. Turns Swarm mode on when the engine
is not in a swarm, and leaves it again at the end. Needs the test image (scripts/test-image.sh).
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
STACK = "berthbenchstack"

def ten_services(init):
    extra = "    init: true\n" if init else ""
    return "services:\n" + "".join(
        f"  s{i}:\n    image: {IMAGE}\n    command: [\"sleep\", \"3600\"]\n{extra}" for i in range(10)
    )

CHAIN = f"""
x-node: &node
  image: {IMAGE}
  command: ["sleep", "3600"]
  healthcheck:
    test: ["CMD", "true"]
    interval: 1s
services:
  node1:
    <<: *node
  node2:
    <<: *node
    depends_on:
      node1: {{condition: service_healthy}}
  node3:
    <<: *node
    depends_on:
      node2: {{condition: service_healthy}}
"""


def sh(args, cwd=None, check=True):
    r = subprocess.run(args, cwd=cwd, capture_output=True, text=True, timeout=600)
    if check and r.returncode != 0:
        sys.exit(f"{' '.join(args)} failed:\n{r.stdout}{r.stderr}")
    return r


def timed(args, cwd):
    start = time.monotonic()
    sh(args, cwd)
    return time.monotonic() - start


def leftovers():
    label = f"label=com.docker.stack.namespace={STACK}"
    found = []
    for what in (["service", "ls", "-q"], ["network", "ls", "-q"], ["ps", "-aq"]):
        found += sh(["docker", *what, "--filter", label]).stdout.split()
    return found


def wait_gone():
    while leftovers():
        time.sleep(0.1)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--berth", default=os.path.join(ROOT, "target/release/berth"))
    ap.add_argument("--init", action="store_true", help="services run with init: true")
    opts = ap.parse_args()
    state = sh(["docker", "info", "--format", "{{.Swarm.LocalNodeState}}"]).stdout.strip()
    joined = state != "active"
    had_bridge = sh(["docker", "network", "inspect", "docker_gwbridge"], check=False).returncode == 0
    if joined:
        sh(["docker", "swarm", "init", "--advertise-addr", "127.0.0.1"])
    try:
        run(opts)
    finally:
        if joined:
            sh(["docker", "swarm", "leave", "--force"], check=False)
            # `swarm init` made docker_gwbridge, and leaving keeps it.
            for _ in range(50):
                gone = sh(["docker", "network", "inspect", "docker_gwbridge"], check=False).returncode != 0
                if had_bridge or gone or sh(["docker", "network", "rm", "docker_gwbridge"], check=False).returncode == 0:
                    break
                time.sleep(0.1)


def run(opts):
    berth = opts.berth
    times = {"ten-berth": [], "ten-docker": [], "rm-berth": [], "rm-docker": [], "chain": []}
    with tempfile.TemporaryDirectory() as ten, tempfile.TemporaryDirectory() as chain:
        with open(os.path.join(ten, "compose.yaml"), "w") as f:
            f.write(ten_services(opts.init))
        with open(os.path.join(chain, "compose.yaml"), "w") as f:
            f.write(CHAIN)
        sh([berth, "-p", STACK, "stack", "rm"], ten, check=False)
        wait_gone()
        for i in range(opts.runs):
            for tool in (("berth", "docker") if i % 2 == 0 else ("docker", "berth")):
                if tool == "berth":
                    times["ten-berth"].append(
                        timed([berth, "--progress", "quiet", "-p", STACK, "stack", "deploy"], ten))
                    times["rm-berth"].append(
                        timed([berth, "--progress", "quiet", "-p", STACK, "stack", "rm"], ten))
                else:
                    times["ten-docker"].append(timed(
                        ["docker", "stack", "deploy", "--detach=false", "-c", "compose.yaml", STACK],
                        ten))
                    start = time.monotonic()
                    sh(["docker", "stack", "rm", STACK])
                    wait_gone()
                    times["rm-docker"].append(time.monotonic() - start)
                wait_gone()
            times["chain"].append(
                timed([berth, "--progress", "quiet", "-p", STACK, "stack", "deploy"], chain))
            sh([berth, "--progress", "quiet", "-p", STACK, "stack", "rm"], chain)
    med = {k: statistics.median(v) for k, v in times.items()}
    print(f"runs: {opts.runs} (alternating), init: {opts.init}")
    for k, v in times.items():
        print(f"{k:11s} median {med[k]:6.2f} s   runs {' '.join(f'{x:.2f}' for x in v)}")
    print(f"deploy ratio berth/docker: {med['ten-berth'] / med['ten-docker']:.3f} (goal <= 0.3)")
    print(f"rm ratio berth/docker:     {med['rm-berth'] / med['rm-docker']:.3f} (goal <= 0.5)")


if __name__ == "__main__":
    main()
