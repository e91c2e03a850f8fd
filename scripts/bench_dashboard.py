#!/usr/bin/env python3
"""Benchmarks of `berth dashboard` (issue 21): how long an engine event takes to reach the
page's DOM, and the dashboard's CPU while idle with clients connected.

usage: scripts/bench_dashboard.py [--berth PATH] [--runs N] [--idle-seconds S]

Needs the engine with the test image (scripts/test-image.sh), chromium and chromedriver.
A three-service project runs on the test image; the page is opened in headless chromium
through chromedriver's WebDriver API. For each run a container is killed: a MutationObserver
on the page records when its row says `exited`, and the latency is that time less the
engine's own time of the `die` event (both clocks are this machine's). Then 10 event-stream
clients stay connected for S seconds while nothing happens, and the dashboard's CPU time over
that span is read from /proc. Goals: median latency under 300 ms; idle CPU under 1% of a core.
"""
import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PROJECT = """services:
  web:
    image: berth-test/busybox
    command: ["sh", "-c", "sleep 3600"]
    stop_grace_period: 1s
    healthcheck: {test: ["CMD", "true"], interval: 1s}
  worker:
    image: berth-test/busybox
    command: ["sh", "-c", "sleep 3600"]
    stop_grace_period: 1s
    depends_on: {web: {condition: service_healthy}}
  cache:
    image: berth-test/busybox
    command: ["sh", "-c", "sleep 3600"]
    stop_grace_period: 1s
"""
NAME = "berth-bench-dashboard"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Driver:
    def __init__(self):
        self.port = free_port()
        self.proc = subprocess.Popen(["chromedriver", f"--port={self.port}"],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", self.port), 0.2).close()
                break
            except OSError:
                time.sleep(0.1)
        caps = {"capabilities": {"alwaysMatch": {"browserName": "chrome", "goog:chromeOptions": {
            "binary": "/usr/bin/chromium",
            "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"]}}}}
        self.session = self.call("POST", "/session", caps)["value"]["sessionId"]

    def call(self, method, path, body=None):
        data = json.dumps(body or {}).encode() if method != "GET" else None
        req = urllib.request.Request(f"http://127.0.0.1:{self.port}{path}", data=data, method=method,
                                     headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=60) as r:
            return json.loads(r.read())

    def run(self, script):
        return self.call("POST", f"/session/{self.session}/execute/sync",
                         {"script": script, "args": []})["value"]

    def close(self):
        try:
            self.call("DELETE", f"/session/{self.session}")
        finally:
            self.proc.kill()


def berth(args, cwd, binary):
    return subprocess.run([binary, "-p", NAME] + args, cwd=cwd, capture_output=True, text=True, timeout=120)


def die_time(container_id, since):
    """The engine's time of the container's last `die` event, in seconds."""
    out = subprocess.run(["docker", "events", "--since", str(since), "--until", str(int(time.time()) + 1),
                          "--filter", f"container={container_id}", "--filter", "event=die",
                          "--format", "{{.TimeNano}}"], capture_output=True, text=True, timeout=30).stdout
    stamps = [int(x) for x in out.split()]
    return stamps[-1] / 1e9 if stamps else None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--berth", default=os.path.join(ROOT, "target", "release", "berth"))
    ap.add_argument("--runs", type=int, default=15)
    ap.add_argument("--idle-seconds", type=int, default=30)
    args = ap.parse_args()
    args.berth = os.path.abspath(args.berth)
    with tempfile.TemporaryDirectory() as d:
        open(os.path.join(d, "compose.yaml"), "w").write(PROJECT)
        berth(["down", "-v", "-t", "0"], d, args.berth)
        up = berth(["up", "-d", "--wait"], d, args.berth)
        if up.returncode != 0:
            sys.exit(f"up failed: {up.stderr}")
        port = free_port()
        dash = subprocess.Popen([args.berth, "-p", NAME, "dashboard", "--listen", f"127.0.0.1:{port}"],
                                cwd=d, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        dash.stdout.readline()
        driver = Driver()
        latencies = []
        try:
            driver.call("POST", f"/session/{driver.session}/url", {"url": f"http://127.0.0.1:{port}/"})
            while driver.run("return window.berthEvents.readyState;") != 1:
                time.sleep(0.05)
            for _ in range(args.runs):
                driver.run("""window.berthSeen=null;
var cell=document.querySelector('tr[data-service="cache"]').children[1];
new MutationObserver(function(m,o){if(cell.textContent==='exited'&&window.berthSeen===null){window.berthSeen=Date.now();o.disconnect();}})
  .observe(cell,{childList:true,characterData:true,subtree:true});return null;""")
                cid = subprocess.run(["docker", "ps", "-q", "--filter", f"name={NAME}-cache-1"],
                                     capture_output=True, text=True).stdout.strip()
                since = int(time.time()) - 1
                subprocess.run(["docker", "kill", cid], capture_output=True, timeout=30)
                seen = None
                for _ in range(200):
                    seen = driver.run("return window.berthSeen;")
                    if seen:
                        break
                    time.sleep(0.025)
                event = die_time(cid, since)
                if seen and event:
                    latencies.append(seen / 1000 - event)
                berth(["start", "cache"], d, args.berth)
                while driver.run("return document.querySelector('tr[data-service=\"cache\"]').children[1].textContent;") == "exited":
                    time.sleep(0.05)
        finally:
            driver.close()
        # Idle: 10 event-stream clients, nothing happening.
        clients = []
        for _ in range(10):
            s = socket.create_connection(("127.0.0.1", port))
            s.sendall(b"GET /api/events HTTP/1.1\r\nHost: localhost\r\n\r\n")
            clients.append(s)
        time.sleep(2)

        def cpu():
            fields = open(f"/proc/{dash.pid}/stat").read().rsplit(")", 1)[1].split()
            return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        before, start = cpu(), time.time()
        time.sleep(args.idle_seconds)
        idle = (cpu() - before) / (time.time() - start)
        for s in clients:
            s.close()
        dash.terminate()
        dash.wait()
        berth(["down", "-v", "-t", "0"], d, args.berth)
    if not latencies:
        sys.exit("no latency measured")
    med = statistics.median(latencies)
    print(f"event to DOM: median {med * 1000:.1f} ms (min {min(latencies) * 1000:.1f}, "
          f"max {max(latencies) * 1000:.1f}, {len(latencies)} runs); goal under 300 ms: "
          f"{'met' if med < 0.3 else 'NOT met'}")
    print(f"idle with 10 clients for {args.idle_seconds} s: {idle * 100:.2f}% of a core; goal under 1%: "
          f"{'met' if idle < 0.01 else 'NOT met'}")


if __name__ == "__main__":
    main()
