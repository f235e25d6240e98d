#!/usr/bin/env bash
# aqe execute against pytest and pytest-xdist on the generated suites, in one run with hyperfine.
# Usage: bench/execute.sh [path/to/aqe] [suite ...]   (default build/release/aqe; all suites)
# Prints one table per suite: median wall time and the ratio to `pytest -q -n 2`. Every aqe command
# but the `(first run)` one runs with the durations of earlier runs stored (the second-run case).
set -euo pipefail
cd "$(dirname "$0")/.."
AQE="$(realpath "${1:-build/release/aqe}")"
shift || true
SUITES=("${@:-small uniform skewed fixture_heavy}")
PY=/usr/bin/python3
RUNS="${RUNS:-5}"
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
# pytest-cov writes its data file to the working directory; keep it out of the checkout.
export COVERAGE_FILE="$out/.coverage"

$PY bench/make_suites.py --out "$out/suites" >/dev/null
for suite in ${SUITES[*]}; do
  dir="$out/suites/$suite"
  # Durations known: one warm-up run records them in $dir/.aqe/aqe.db before timing.
  "$AQE" --project-dir "$dir" execute . --workers 2 --python "$PY" >/dev/null 2>&1 || true
  hyperfine --runs "$RUNS" --warmup 1 -N --export-json "$out/$suite.json" \
    --command-name "pytest -q" "$PY -m pytest -q -p no:cacheprovider $dir" \
    --command-name "pytest -q -n 2" "$PY -m pytest -q -p no:cacheprovider -n 2 $dir" \
    --command-name "pytest -q -n 2 --cov" "$PY -m pytest -q -p no:cacheprovider -n 2 --cov=$dir --cov-branch $dir" \
    --command-name "aqe execute --workers 2 (first run)" \
      "bash -c 'rm -rf $out/first && QE_STATE_DIR=$out/first $AQE --project-dir $dir execute . --workers 2 --python $PY'" \
    --command-name "aqe execute --workers 2" "$AQE --project-dir $dir execute . --workers 2 --python $PY" \
    --command-name "aqe execute --workers 2 --coverage" "$AQE --project-dir $dir execute . --workers 2 --coverage --python $PY" \
    --command-name "aqe execute --parallel" "$AQE --project-dir $dir execute . --parallel --python $PY" \
    >/dev/null
  $PY bench/hyperfine_table.py "$out/$suite.json" "$suite"
done
echo
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
