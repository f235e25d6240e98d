#!/usr/bin/env bash
# aqe execute against pytest and pytest-xdist on the generated suites, in one run with hyperfine.
# Usage: bench/execute.sh [path/to/aqe] [suite ...]   (default build/release/aqe; all suites)
# Prints one table per suite: median wall time and the ratio to `pytest -q -n 2`.
set -euo pipefail
cd "$(dirname "$0")/.."
AQE="$(realpath "${1:-build/release/aqe}")"
shift || true
SUITES=("${@:-uniform skewed fixture_heavy}")
PY=/usr/bin/python3
RUNS="${RUNS:-5}"
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT

$PY bench/make_suites.py --out "$out/suites" >/dev/null
for suite in ${SUITES[*]}; do
  dir="$out/suites/$suite"
  # Durations known: one warm-up run records them in $dir/.aqe/aqe.db before timing.
  "$AQE" --project-dir "$dir" execute . --workers 2 --python "$PY" >/dev/null 2>&1 || true
  hyperfine --runs "$RUNS" --warmup 1 -N --export-json "$out/$suite.json" \
    --command-name "pytest -q" "$PY -m pytest -q -p no:cacheprovider $dir" \
    --command-name "pytest -q -n 2" "$PY -m pytest -q -p no:cacheprovider -n 2 $dir" \
    --command-name "pytest -q -n 2 --cov" "$PY -m pytest -q -p no:cacheprovider -n 2 --cov=$dir --cov-branch $dir" \
    --command-name "aqe execute --workers 2" "$AQE --project-dir $dir execute . --workers 2 --python $PY" \
    --command-name "aqe execute --workers 2 --coverage" "$AQE --project-dir $dir execute . --workers 2 --coverage --python $PY" \
    --command-name "aqe execute --parallel" "$AQE --project-dir $dir execute . --parallel --python $PY" \
    >/dev/null
  $PY - "$out/$suite.json" "$suite" <<'PY'
import json, sys
res = {r["command"]: r for r in json.load(open(sys.argv[1]))["results"]}
ref = res["pytest -q -n 2"]["median"]
cov_ref = res["pytest -q -n 2 --cov"]["median"]
print(f"\n### {sys.argv[2]}\n")
print("| command | median s | min s | max s | vs `pytest -q -n 2` | vs `-n 2 --cov` |")
print("|---|---|---|---|---|---|")
for name, r in res.items():
    print(f"| `{name}` | {r['median']:.2f} | {r['min']:.2f} | {r['max']:.2f} | "
          f"{r['median']/ref:.2f} | {r['median']/cov_ref:.2f} |")
PY
done
echo
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
