#!/usr/bin/env python3
"""Writes a coverage.py JSON report (the layout of `coverage json`, coverage.py 6.5 with
branch coverage; `--coverage7` adds coverage.py 7's per-function and per-class sections,
which repeat every line list) for a synthetic project of N files, for bench/gate.sh.

Standard library only, fixed seed: the same arguments give byte-identical output.
Usage: make_coverage.py OUT.json [--files 10000] [--seed 1] [--coverage7]
"""
import argparse
import json
import random


def file_entry(rng, coverage7):
    statements = rng.randint(20, 300)
    # Statement lines are spread over a file with blank lines and comments in between.
    lines, n = [], 0
    for _ in range(statements):
        n += rng.randint(1, 3)
        lines.append(n)
    hit_ratio = rng.random()
    executed, missing = [], []
    for ln in lines:
        (executed if rng.random() < hit_ratio else missing).append(ln)
    branch_lines = rng.sample(lines, k=min(len(lines), statements // 5))
    executed_branches, missing_branches = [], []
    for ln in sorted(branch_lines):
        for target in (ln + 1, ln + 2):
            (executed_branches if rng.random() < hit_ratio else missing_branches).append([ln, target])
    num_branches = len(executed_branches) + len(missing_branches)
    covered = len(executed) + len(executed_branches)
    total = statements + num_branches
    entry = {
        "executed_lines": executed,
        "summary": {
            "covered_lines": len(executed),
            "num_statements": statements,
            "percent_covered": 100.0 * covered / total,
            "percent_covered_display": str(int(100.0 * covered / total)),
            "missing_lines": len(missing),
            "excluded_lines": 0,
            "num_branches": num_branches,
            "num_partial_branches": len(missing_branches) // 2,
            "covered_branches": len(executed_branches),
            "missing_branches": len(missing_branches),
        },
        "missing_lines": missing,
        "excluded_lines": [],
        "executed_branches": executed_branches,
        "missing_branches": missing_branches,
    }
    if coverage7:
        section = {k: entry[k] for k in ("executed_lines", "summary", "missing_lines", "excluded_lines",
                                         "executed_branches", "missing_branches")}
        entry["functions"] = {"": section}
        entry["classes"] = {"": section}
    return entry


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--files", type=int, default=10000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--coverage7", action="store_true")
    args = ap.parse_args()
    rng = random.Random(args.seed)
    files = {}
    totals = {"covered_lines": 0, "num_statements": 0, "num_branches": 0, "covered_branches": 0}
    for i in range(args.files):
        name = f"src/pkg{i // 100:03d}/mod{i % 100:03d}.py"
        e = file_entry(rng, args.coverage7)
        files[name] = e
        for k in totals:
            totals[k] += e["summary"][k]
    doc = {
        "meta": {"version": "7.4.0" if args.coverage7 else "6.5.0", "timestamp": "2026-01-01T00:00:00",
                 "branch_coverage": True, "show_contexts": False},
        "files": files,
        "totals": totals,
    }
    with open(args.out, "w", encoding="utf-8") as f:
        json.dump(doc, f)
    lines = 100.0 * totals["covered_lines"] / totals["num_statements"]
    print(f"{args.out}: {args.files} files, {totals['num_statements']} statements, "
          f"line coverage {lines:.2f} %")


if __name__ == "__main__":
    main()
