#!/usr/bin/env python3
"""Runs `berth audit` and compose-lint (PyPI: `pip install compose-lint`) side by side on the
container-hardening test file and on the awesome-compose corpus, and prints Markdown tables:
rules fired and findings per problem category, and the time each tool takes.

    scripts/compare_linters.py [--berth PATH] [--corpus DIR] [--runs N]

Berth runs twice: as it is by default (`--patterns`), and with every rule on
(`--extend-select B8 --production`, the hardening rules that are off by default and the
production-only ones). compose-lint runs with its defaults.
"""
import argparse
import collections
import json
import os
import shutil
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
HARDENING = os.path.join(ROOT, "crates", "berth-cli", "tests", "fixtures", "audit-hardening")

# Problem categories both tools look for: Berth's codes and compose-lint's rule ids.
CATEGORIES = [
    ("privileged", ["B706"], ["CL-0002"]),
    ("host namespaces (network, pid, ipc)", ["B801"], ["CL-0008", "CL-0010"]),
    ("dangerous capabilities", ["B802"], ["CL-0011", "CL-0024", "CL-0027"]),
    ("no cap_drop: [ALL]", ["B803"], ["CL-0006"]),
    ("seccomp / AppArmor unconfined", ["B804"], ["CL-0009"]),
    ("host devices", ["B805"], ["CL-0016"]),
    ("host system folders mounted", ["B806"], ["CL-0013", "CL-0025"]),
    ("Docker socket mounted", ["B707"], ["CL-0001"]),
    ("logging off", ["B807"], ["CL-0014"]),
    ("no no-new-privileges", ["B808"], ["CL-0003"]),
    ("writable root file system", ["B809"], ["CL-0007"]),
    ("tag without digest", ["B810"], ["CL-0019"]),
    ("no tag or latest", ["B705"], ["CL-0004"]),
    ("no resource limits", ["B704"], ["CL-0026"]),
    ("credentials in the file", ["B501", "B502"], ["CL-0020", "CL-0021"]),
    ("ports on every interface", ["B202", "B203"], ["CL-0005"]),
    ("runs as root", ["B708"], []),
    ("build named after a registry", ["B811"], []),
    ("no project name", ["B602"], []),
    ("architecture (duplicates, conflicts, reachability, dev settings, naming, health)",
     ["B101", "B102", "B201", "B204", "B301", "B302", "B401", "B402", "B403", "B404", "B405",
      "B601", "B701", "B702", "B703"], []),
]


def berth_codes(berth, cwd, extra):
    out = subprocess.run([berth, "audit", "--format", "json", "--fail-on", "never", *extra],
                         cwd=cwd, capture_output=True, text=True)
    if out.returncode != 0:
        return None
    return [f["code"] for f in json.loads(out.stdout)["findings"]]


def lint_codes(cwd, files=()):
    out = subprocess.run(["compose-lint", "check", "--format", "json", "--fail-on", "critical", *files],
                         cwd=cwd, capture_output=True, text=True)
    try:
        doc = json.loads(out.stdout)
    except json.JSONDecodeError:
        return None
    return [f["rule_id"] for f in doc["findings"] if not f.get("suppressed")]


def timed(fn, runs):
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def table(rows, header):
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(c) for c in r) + " |" for r in rows]
    return "\n".join(lines)


def per_category(berth, lint):
    rows = []
    for name, bcodes, lcodes in CATEGORIES:
        b = sum(berth.get(c, 0) for c in bcodes)
        l = sum(lint.get(c, 0) for c in lcodes)
        rows.append((name, ", ".join(bcodes), b, ", ".join(lcodes) or "none", l if lcodes else "-"))
    return rows


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--berth", default=os.path.join(ROOT, "target", "release", "berth"))
    ap.add_argument("--corpus", default=os.path.join(ROOT, "..", "shared", "corpus", "awesome-compose"))
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()
    berth = os.path.abspath(args.berth)
    if not shutil.which("compose-lint"):
        sys.exit("compose-lint is not installed: python3 -m pip install compose-lint")
    version = subprocess.run(["compose-lint", "--version"], capture_output=True, text=True).stdout.strip()
    every = ["--extend-select", "B8", "--production"]

    print(f"## The hardening test file ({os.path.relpath(HARDENING, ROOT)}/compose.yaml)\n")
    b_default = berth_codes(berth, HARDENING, [])
    b_all = berth_codes(berth, HARDENING, every)
    lint = lint_codes(HARDENING, ["compose.yaml"])
    rows = [
        ("berth audit (default)", len(set(b_default)), len(b_default)),
        ("berth audit --extend-select B8 --production", len(set(b_all)), len(b_all)),
        (version, len(set(lint)), len(lint)),
    ]
    print(table(rows, ["tool", "rules fired", "findings"]))
    print()
    print(table(per_category(collections.Counter(b_all), collections.Counter(lint)),
                ["category", "Berth rules", "Berth findings", "compose-lint rules", "compose-lint findings"]))

    projects = sorted(d for d in os.listdir(args.corpus)
                      if os.path.isdir(os.path.join(args.corpus, d)) and not d.startswith("."))
    b_def, b_every, l_all = collections.Counter(), collections.Counter(), collections.Counter()
    failed = []
    bt, lt = [], []
    for p in projects:
        cwd = os.path.join(args.corpus, p)
        d = berth_codes(berth, cwd, ["--patterns"])
        e = berth_codes(berth, cwd, ["--patterns", *every])
        l = lint_codes(cwd)
        if d is None or e is None or l is None:
            failed.append(p)
            continue
        b_def.update(d)
        b_every.update(e)
        l_all.update(l)
        bt.append(timed(lambda: berth_codes(berth, cwd, ["--patterns"]), args.runs))
        lt.append(timed(lambda: lint_codes(cwd), args.runs))
    print(f"\n## The awesome-compose corpus ({len(projects) - len(failed)} of {len(projects)} projects)\n")
    if failed:
        print("not audited: " + ", ".join(failed) + "\n")
    rows = []
    for name, bcodes, lcodes in CATEGORIES:
        rows.append((name,
                     sum(b_def.get(c, 0) for c in bcodes),
                     sum(b_every.get(c, 0) for c in bcodes),
                     sum(l_all.get(c, 0) for c in lcodes) if lcodes else "-"))
    rows.append(("total", sum(b_def.values()), sum(b_every.values()), sum(l_all.values())))
    print(table(rows, ["category", "berth (default)", "berth (every rule)", version]))
    print()
    print(table([
        ("berth audit --patterns", f"{statistics.median(bt) * 1000:.1f} ms"),
        (version, f"{statistics.median(lt) * 1000:.1f} ms"),
    ], ["tool", "median time per project"]))
    print(f"\nratio: compose-lint takes {statistics.median(lt) / statistics.median(bt):.1f}x Berth's time")


if __name__ == "__main__":
    main()
