#!/usr/bin/env bash
# Quality-gate evaluation on a 10,000-file coverage.py JSON report (bench/make_coverage.py),
# timed with hyperfine, next to the floor of reading the same file (`cat`) and of parsing it
# with the peer tool's language (`python3 -c 'json.load(...)'`, what a Python gate pays first).
# The bar (issue 7): gate evaluation on 10,000 files under 100 ms.
# Usage: bench/gate.sh [path/to/aqe] [files]   (default build/h-gate-rel/aqe, 10000)
set -euo pipefail
cd "$(dirname "$0")/.."
AQE="$(realpath "${1:-build/h-gate-rel/aqe}")"
FILES="${2:-10000}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
/usr/bin/python3 bench/make_coverage.py "$work/coverage.json" --files "$FILES"
/usr/bin/python3 bench/make_coverage.py "$work/coverage7.json" --files "$FILES" --coverage7
ls -l "$work"/coverage*.json | awk '{print $5, $9}'
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg), cores: $(nproc)"
cd "$work"
hyperfine --warmup 3 --runs 10 -N --export-markdown "$work/gate.md" \
  "cat coverage.json" \
  "/usr/bin/python3 -c 'import json; json.load(open(\"coverage.json\"))'" \
  "$AQE quality-gate --coverage coverage.json --threshold 0" \
  "$AQE quality-gate --coverage coverage7.json --threshold 0" >/dev/null
sed -e "s#$AQE#aqe#g" "$work/gate.md"
