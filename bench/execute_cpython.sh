#!/usr/bin/env bash
# aqe execute vs pytest and pytest-xdist on a real suite that needs no download: files of CPython's
# own test suite (Debian package libpython3.11-testsuite, installed by this script if missing),
# copied into a temporary project. The files are ones that pass whole under pytest; see FILES.
# Usage: bench/execute_cpython.sh [path/to/aqe]   (default build/release/aqe)
set -euo pipefail
cd "$(dirname "$0")/.."
AQE="$(realpath "${1:-build/release/aqe}")"
PY=/usr/bin/python3
RUNS="${RUNS:-5}"
SRC=/usr/lib/python3.11/test
# Checked one by one with `pytest -q` on Debian 12 (pytest 7.2.1): these pass whole (1,076 tests).
# Left out because some of their tests fail or error under pytest (they are written for regrtest):
# abc bisect contextlib enum functools heapq itertools math random set statistics.
FILES=(${CPYTHON_FILES:-base64 calendar collections dataclasses dict difflib fractions ipaddress list
       operator shlex string textwrap})

if [ ! -d "$SRC" ] || [ ! -f "$SRC/test_textwrap.py" ]; then
  if [ "$(id -u)" = 0 ]; then apt-get install -y libpython3.11-testsuite >/dev/null
  else sudo apt-get install -y libpython3.11-testsuite >/dev/null; fi
fi

out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
# pytest-cov writes its data file to the working directory; keep it out of the checkout.
export COVERAGE_FILE="$out/.coverage"
dir="$out/cpython"
mkdir -p "$dir"
for f in "${FILES[@]}"; do cp "$SRC/test_$f.py" "$dir/"; done
tests=$($PY -m pytest -q -p no:cacheprovider --collect-only "$dir" 2>/dev/null | grep -c '::' || true)
echo "suite: ${#FILES[@]} files of $SRC ($tests tests): ${FILES[*]}"

"$AQE" --project-dir "$dir" execute . --workers 2 --python "$PY" >/dev/null 2>&1 || true
hyperfine --runs "$RUNS" --warmup 1 -N -i --export-json "$out/cpython.json" \
  --command-name "pytest -q" "$PY -m pytest -q -p no:cacheprovider $dir" \
  --command-name "pytest -q -n 2" "$PY -m pytest -q -p no:cacheprovider -n 2 $dir" \
  --command-name "pytest -q -n 2 --cov" "$PY -m pytest -q -p no:cacheprovider -n 2 --cov=$dir --cov-branch $dir" \
  --command-name "aqe execute --workers 2" "$AQE --project-dir $dir execute . --workers 2 --python $PY" \
  --command-name "aqe execute --parallel" "$AQE --project-dir $dir execute . --parallel --python $PY" \
  --command-name "aqe execute --parallel --coverage" "$AQE --project-dir $dir execute . --parallel --coverage --python $PY" \
  >/dev/null
$PY bench/hyperfine_table.py "$out/cpython.json" cpython
echo
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
