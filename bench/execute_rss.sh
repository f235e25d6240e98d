#!/usr/bin/env bash
# aqe's own peak RSS (not its pytest workers') running the 10,000-test `large` suite: first run
# (no stored durations) and second run (durations known), with and without coverage.
# Usage: bench/execute_rss.sh [path/to/aqe]   (default build/release/aqe)
set -euo pipefail
cd "$(dirname "$0")/.."
AQE="$(realpath "${1:-build/release/aqe}")"
PY=/usr/bin/python3
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT

$PY bench/make_suites.py --out "$out/suites" >/dev/null
dir="$out/suites/large"
echo "| run | aqe peak RSS |"
echo "|---|---|"
echo "| first run, --workers 2 | $($PY bench/peak_rss.py "$AQE" --project-dir "$dir" execute . --workers 2 --python $PY) |"
echo "| second run, --workers 2 | $($PY bench/peak_rss.py "$AQE" --project-dir "$dir" execute . --workers 2 --python $PY) |"
echo "| second run, --workers 2 --coverage | $($PY bench/peak_rss.py "$AQE" --project-dir "$dir" execute . --workers 2 --coverage --python $PY) |"
echo "| --json, --workers 2 | $($PY bench/peak_rss.py "$AQE" --json --project-dir "$dir" execute . --workers 2 --python $PY) |"
