#!/usr/bin/env bash
# aqe execute --parallel against serial pytest and pytest -n 2, on an idle machine and with a
# CPU hog pinned to core 0 beside it (issue 18's bar: --parallel no slower than the better of
# the two, idle and loaded). Suites: a CPU-bound one (40 tests of 80 ms CPU each, written
# here) and Debian's python3-toolz tests (installed when missing), copied to a scratch dir.
# Usage: bench/execute_load.sh [path/to/aqe ...]   (default build/release/aqe)
# Each binary keeps its own state dir; its history carries over from the idle to the loaded
# phase, as on a CI machine whose load changes.
set -euo pipefail
cd "$(dirname "$0")/.."
BINS=("$@")
[[ ${#BINS[@]} -gt 0 ]] || BINS=(build/release/aqe)
PY=/usr/bin/python3
RUNS="${RUNS:-7}"
for p in python3-toolz hyperfine; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    SUDO=""
    [[ $(id -u) -eq 0 ]] || SUDO="sudo"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "$p" >/dev/null
  fi
done
out="$(mktemp -d)"
hog=""
trap '[[ -n $hog ]] && kill $hog 2>/dev/null; rm -rf "$out"' EXIT

mkdir -p "$out/cpu/tests"
for f in 0 1 2 3; do
  {
    printf 'import time\n\n'
    for t in $(seq 0 9); do
      printf 'def test_%s():\n    end = time.process_time() + 0.08\n    while time.process_time() < end:\n        pass\n\n' "$t"
    done
  } >"$out/cpu/tests/test_c$f.py"
done
mkdir -p "$out/toolz"
cp -r /usr/lib/python3/dist-packages/toolz "$out/toolz/"
find "$out/toolz" -name __pycache__ -prune -exec rm -rf {} +

bench() {  # suite dir, test path, phase
  local dir=$1 tests=$2 phase=$3
  local cmds=(
    --command-name "pytest -q" "$PY -m pytest -q -p no:cacheprovider $tests"
    --command-name "pytest -q -n 2" "$PY -m pytest -q -p no:cacheprovider -n 2 $tests"
  )
  local i=0
  for bin in "${BINS[@]}"; do
    i=$((i + 1))
    cmds+=(--command-name "aqe#$i execute --parallel"
      "env QE_STATE_DIR=$dir/.aqe-$i $(realpath "$bin") execute $tests --parallel --python $PY --quiet")
  done
  (cd "$dir" && hyperfine --runs "$RUNS" --warmup 2 -N --export-json "$out/r.json" "${cmds[@]}" >/dev/null)
  $PY - "$out/r.json" "$(basename "$dir") ($phase, load $(cut -d' ' -f1 /proc/loadavg))" "${#BINS[@]}" "$dir" <<'PY'
import json, sqlite3, sys
res = {r["command"]: r for r in json.load(open(sys.argv[1]))["results"]}
best = min(res["pytest -q"]["median"], res["pytest -q -n 2"]["median"])
print(f"\n### {sys.argv[2]}\n")
print("| command | median s | min s | max s | vs better of `pytest -q` and `-n 2` | workers (last 5 runs) |")
print("|---|---|---|---|---|---|")
for name, r in res.items():
    workers = ""
    if name.startswith("aqe#"):
        db = sqlite3.connect(f"{sys.argv[4]}/.aqe-{name[4:name.index(' ')]}/aqe.db")
        rows = db.execute("SELECT json_extract(summary_json, '$.workers') FROM runs "
                          "WHERE command = 'execute' ORDER BY id DESC LIMIT 5").fetchall()
        workers = ",".join(str(w) for (w,) in reversed(rows))
    print(f"| `{name}` | {r['median']:.2f} | {r['min']:.2f} | {r['max']:.2f} | {r['median']/best:.2f} | {workers} |")
PY
}

for phase in idle loaded; do
  if [[ $phase == loaded ]]; then
    taskset -c 0 $PY -c 'while True: pass' &
    hog=$!
    sleep 1
  fi
  bench "$out/cpu" tests "$phase"
  bench "$out/toolz" toolz/tests "$phase"
done
i=0
for bin in "${BINS[@]}"; do i=$((i + 1)); echo "aqe#$i = $bin"; done
