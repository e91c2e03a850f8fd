#!/usr/bin/env python3
"""Runs `berth audit` over a folder of Compose projects (by default the awesome-compose corpus)
and prints, per rule, how many findings it made and in which projects.

    scripts/audit_corpus.py [CORPUS] [--berth PATH] [--details CODE...]

Each project is audited with every deployment pattern its file names give (`--patterns`). A
project that does not load is listed apart, and makes the exit status 1. Findings of error rules
are for review: the corpus is real, working projects, so each must be a true finding (the test
`the_awesome_compose_corpus_gets_no_false_errors` holds the reviewed list).
"""
import argparse
import collections
import json
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("corpus", nargs="?", default=os.path.join(ROOT, "..", "shared", "corpus", "awesome-compose"))
    ap.add_argument("--berth", default=os.path.join(ROOT, "target", "release", "berth"))
    ap.add_argument("--details", nargs="*", default=[], help="print every finding of these rules")
    args = ap.parse_args()
    args.berth = os.path.abspath(args.berth)

    rules = {}
    listing = subprocess.run([args.berth, "audit", "--list-rules"], capture_output=True, text=True, check=True)
    for line in listing.stdout.splitlines():
        code, severity, name = line.split()[:3]
        rules[code] = (severity, name)

    per_rule = collections.defaultdict(list)
    failed = []
    projects = sorted(d for d in os.listdir(args.corpus) if os.path.isdir(os.path.join(args.corpus, d)))
    for project in projects:
        path = os.path.join(args.corpus, project)
        out = subprocess.run([args.berth, "audit", "--patterns", "--format", "json", "--fail-on", "never"],
                             cwd=path, capture_output=True, text=True)
        if out.returncode != 0 or not out.stdout.strip():
            failed.append((project, out.stderr.strip().splitlines()[:3]))
            continue
        for f in json.loads(out.stdout)["findings"]:
            per_rule[f["code"]].append((project, f))

    print(f"{len(projects)} projects, {len(failed)} not loaded")
    for project, err in failed:
        print(f"  not loaded: {project}: {' / '.join(err)}")
    for code, (severity, name) in rules.items():
        found = per_rule.get(code, [])
        where = collections.Counter(p for p, _ in found)
        summary = ", ".join(f"{p} {n}" if n > 1 else p for p, n in sorted(where.items()))
        print(f"{code} {name:<28} {severity:<8} {len(found):>3}  {summary}")
        if code in args.details:
            for p, f in found:
                loc = f["locations"][0] if f["locations"] else {}
                print(f"      {p}/{loc.get('file', '?')}:{loc.get('line', '?')}: {f['message']}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
