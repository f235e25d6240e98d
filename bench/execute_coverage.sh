#!/usr/bin/env bash
# aqe execute --coverage against a plain serial `coverage run --branch -m pytest` (and the same
# followed by `coverage json`, what gives a figure) and `pytest -n 2 --cov` on real packages
# whose tests Debian ships inside the package (python3-toolz, python3-bs4; installed when
# missing), copied to a scratch project so that the package under test is the copy.
# Usage: bench/execute_coverage.sh [path/to/aqe ...]   (default build/release/aqe)
# Several binaries (e.g. before and after a change) are timed side by side in one hyperfine run.
set -euo pipefail
cd "$(dirname "$0")/.."
BINS=("$@")
[[ ${#BINS[@]} -gt 0 ]] || BINS=(build/release/aqe)
PY=/usr/bin/python3
RUNS="${RUNS:-10}"
missing=()
for p in python3-toolz python3-bs4 hyperfine; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  SUDO=""
  [[ $(id -u) -eq 0 ]] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT

for pkg in toolz bs4; do
  dir="$out/$pkg"
  mkdir -p "$dir"
  cp -r "/usr/lib/python3/dist-packages/$pkg" "$dir/"
  find "$dir" -name __pycache__ -prune -exec rm -rf {} +
  cmds=(
    --command-name "coverage run --branch" "env COVERAGE_FILE=$out/c $PY -m coverage run --branch --source=$pkg -m pytest -q -p no:cacheprovider $pkg/tests"
    --command-name "coverage run --branch + coverage json" "bash -c 'COVERAGE_FILE=$out/c $PY -m coverage run --branch --source=$pkg -m pytest -q -p no:cacheprovider $pkg/tests >/dev/null && COVERAGE_FILE=$out/c $PY -m coverage json -q -o $out/c.json'"
    --command-name "pytest -n 2 --cov" "env COVERAGE_FILE=$out/x $PY -m pytest -q -p no:cacheprovider -n 2 --cov=$pkg --cov-branch $pkg/tests"
  )
  i=0
  for bin in "${BINS[@]}"; do
    bin="$(realpath "$bin")"
    i=$((i + 1))
    # Durations known: one warm-up run records them before timing (the second-run case).
    (cd "$dir" && "$bin" execute "$pkg/tests" --coverage --python "$PY" >/dev/null 2>&1) || true
    cmds+=(--command-name "aqe#$i execute --coverage" "$bin --project-dir $dir execute $pkg/tests --coverage --python $PY --quiet")
    cmds+=(--command-name "aqe#$i execute --coverage --workers 1" "$bin --project-dir $dir execute $pkg/tests --coverage --workers 1 --python $PY --quiet")
  done
  (cd "$dir" && hyperfine --runs "$RUNS" --warmup 1 -N --export-json "$out/$pkg.json" "${cmds[@]}" >/dev/null)
  $PY - "$out/$pkg.json" "$pkg" <<'PY'
import json, sys
res = {r["command"]: r for r in json.load(open(sys.argv[1]))["results"]}
run = res["coverage run --branch"]["median"]
cov = res["pytest -n 2 --cov"]["median"]
print(f"\n### {sys.argv[2]}\n")
print("| command | median s | min s | max s | vs `coverage run --branch` | vs `pytest -n 2 --cov` |")
print("|---|---|---|---|---|---|")
for name, r in res.items():
    print(f"| `{name}` | {r['median']:.2f} | {r['min']:.2f} | {r['max']:.2f} | {r['median']/run:.2f} | {r['median']/cov:.2f} |")
PY
done
i=0
for bin in "${BINS[@]}"; do i=$((i + 1)); echo "aqe#$i = $bin"; done
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
