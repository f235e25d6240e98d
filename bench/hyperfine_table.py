#!/usr/bin/env python3
"""Prints a hyperfine --export-json file as a Markdown table of medians and ratios.

    python3 bench/hyperfine_table.py RESULT.json TITLE

Ratios are to `pytest -q -n 2` (xdist) and `pytest -q -n 2 --cov` (xdist + pytest-cov), the peers
issue 4 names, and to the better of serial pytest and xdist (what aqe's automatic worker count must
not lose to); a ratio below 1 means aqe was faster.
"""
import json
import sys

res = {r["command"]: r for r in json.load(open(sys.argv[1]))["results"]}
ref = res["pytest -q -n 2"]["median"]
cov_ref = res["pytest -q -n 2 --cov"]["median"]
best = min(ref, res["pytest -q"]["median"])
print(f"\n### {sys.argv[2]}\n")
print("| command | median s | min s | max s | vs `pytest -q -n 2` | vs `-n 2 --cov` "
      "| vs better of `pytest -q` and `-n 2` |")
print("|---|---|---|---|---|---|---|")
for name, r in res.items():
    print(f"| `{name}` | {r['median']:.2f} | {r['min']:.2f} | {r['max']:.2f} | "
          f"{r['median']/ref:.2f} | {r['median']/cov_ref:.2f} | {r['median']/best:.2f} |")
