#!/usr/bin/env python3
"""Takes the README's screenshot of `berth dashboard` (issue 21) on a bundled example.

usage: scripts/dashboard_screenshot.py [--berth PATH] [--example DIR] [--out PNG]

The example (fog-compute-after by default) is copied to a temporary folder and run on the
test image (scripts/test-image.sh): an extra compose file gives every service the image
berth-test/busybox running `sleep`, and its healthchecks a probe that passes, so that its
shape (services, dependencies, networks, ports, volumes) is the example's own. One service is
stopped so that the page shows a stopped one too. Secret files kept out of the repository
get a placeholder in the copy. The page is captured by headless chromium.
"""
import argparse
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
NAME = "fog-compute"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--berth", default=os.path.join(ROOT, "target/debug/berth"))
    ap.add_argument("--example", default=os.path.join(ROOT, "examples/fog-compute-after"))
    ap.add_argument("--out", default=os.path.join(ROOT, "docs/dashboard.png"))
    ap.add_argument("--stop", default="pgadmin", help="a service to show stopped")
    args = ap.parse_args()
    work = tempfile.mkdtemp()
    project = os.path.join(work, os.path.basename(args.example))
    shutil.copytree(args.example, project)
    files = [f for f in ("docker-compose.yml", "docker-compose.override.yml")
             if os.path.exists(os.path.join(project, f))]
    berth = [args.berth, "-p", NAME] + sum((["-f", f] for f in files), [])
    loaded = json.loads(subprocess.run(berth + ["config", "--format", "json"], cwd=project,
                                       check=True, capture_output=True, text=True).stdout)
    # Secrets kept out of the repository: a placeholder in the copy.
    for secret in loaded.get("secrets", {}).values():
        path = secret.get("file")
        if path and not os.path.exists(path):
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path, "w") as f:
                f.write("placeholder\n")
    lines = ["services:"]
    for name, svc in loaded["services"].items():
        lines += [f"  {name}:", "    image: berth-test/busybox",
                  "    entrypoint: [sleep, \"3600\"]", "    command: !reset []",
                  "    user: !reset null", "    stop_grace_period: 1s"]
        if "healthcheck" in svc and not svc["healthcheck"].get("disable"):
            lines += ["    healthcheck:", "      test: [CMD, \"true\"]", "      interval: 2s",
                      "      start_period: 0s"]
    with open(os.path.join(project, "compose.screenshot.yaml"), "w") as f:
        f.write("\n".join(lines) + "\n")
    berth += ["-f", "compose.screenshot.yaml"]
    dashboard = None
    try:
        subprocess.run(berth + ["up", "-d", "--no-build", "--wait"], cwd=project, check=True,
                       timeout=300)
        if args.stop:
            subprocess.run(berth + ["stop", args.stop], cwd=project, check=True, timeout=60)
        port = free_port()
        dashboard = subprocess.Popen(berth + ["dashboard", "--listen", f"127.0.0.1:{port}"],
                                     cwd=project, stdout=subprocess.PIPE, text=True)
        dashboard.stdout.readline()
        url = f"http://127.0.0.1:{port}/"
        # The first status starts following the containers' stats; the page then has them.
        urllib.request.urlopen(url + "api/status", timeout=30).read()
        time.sleep(3)
        os.makedirs(os.path.dirname(args.out), exist_ok=True)
        subprocess.run(["chromium", "--headless=new", "--no-sandbox", "--disable-gpu",
                        "--hide-scrollbars", "--window-size=1400,1500",
                        f"--screenshot={args.out}", url],
                       check=True, timeout=120, capture_output=True)
        print(f"wrote {args.out}")
    finally:
        if dashboard:
            dashboard.kill()
            dashboard.wait()
        subprocess.run(berth + ["down", "-v", "-t", "0"], cwd=project, timeout=300,
                       capture_output=True)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
