#!/usr/bin/env bash
# Built-in test generation on real pure-Python code: standard-library modules copied into a
# temporary project (package `stdbench`), one `aqe generate` per module so coverage and wall
# time are per module. Prints a markdown table, the median and the worst five.
#   usage: bench/generate.sh [AQE_BIN] [PYTHON]   (defaults: build/debug/aqe, /usr/bin/python3)
#   COMPARE=1 [RUNS=3] MODULES="..." bench/generate.sh ...: serial against --parallel instead.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
AQE=${1:-$ROOT/build/debug/aqe}
PY=${2:-/usr/bin/python3}
BUDGET=${BUDGET:-10}
MODULES=${MODULES:-"textwrap colorsys fractions shlex ipaddress calendar string difflib base64 statistics"}
STDLIB=$("$PY" -c 'import sysconfig; print(sysconfig.get_paths()["stdlib"])')
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
mkdir -p "$WORK/stdbench"
: > "$WORK/stdbench/__init__.py"
for m in $MODULES; do cp "$STDLIB/$m.py" "$WORK/stdbench/$m.py"; done

echo "aqe: $AQE ($("$AQE" --version)); python: $("$PY" --version 2>&1); budget ${BUDGET}s per module; $(nproc) cores"

if [ -n "${COMPARE:-}" ]; then
  # Serial against --parallel: the MODULES in one `aqe generate stdbench/`, RUNS times each from
  # no generated tests, in one project per mode (its state DB kept between runs: from the second
  # run --parallel starts the modules the last run timed longest first). Prints every run's wall
  # seconds, the medians and parallel/serial.
  RUNS=${RUNS:-3}
  declare -A med
  for mode in serial parallel; do
    proj="$WORK/$mode"
    mkdir -p "$proj"
    cp -r "$WORK/stdbench" "$proj/"
    flag=$([ "$mode" = parallel ] && echo --parallel || true)
    walls=()
    for _ in $(seq "$RUNS"); do
      rm -rf "$proj/tests"
      start=$(date +%s.%N)
      (cd "$proj" && "$AQE" generate stdbench/ --json --quiet --time-budget "$BUDGET" --python "$PY" $flag > "$proj/out.json") || true
      end=$(date +%s.%N)
      walls+=("$(echo "$end - $start" | bc)")
    done
    med[$mode]=$(printf '%s\n' "${walls[@]}" | "$PY" -c 'import statistics, sys; print("%.2f" % statistics.median(float(l) for l in sys.stdin))')
    given_up=$("$PY" -c 'import json, sys; print(len(json.load(open(sys.argv[1]))["data"].get("given_up", [])))' "$proj/out.json")
    echo "$mode: runs ${walls[*]} s; median ${med[$mode]} s; functions given up in the last run: $given_up"
  done
  echo "parallel / serial (medians): $(echo "scale=3; ${med[parallel]} / ${med[serial]}" | bc)"
  exit 0
fi
echo
echo "| module | lines | line % | branch % | line+branch % | tests kept | discarded | wall s |"
echo "|---|---|---|---|---|---|---|---|"
results=()
for m in $MODULES; do
  start=$(date +%s.%N)
  out=$(cd "$WORK" && "$AQE" generate "stdbench/$m.py" --json --quiet --time-budget "$BUDGET" --python "$PY" || true)
  end=$(date +%s.%N)
  row=$(printf '%s' "$out" | "$PY" -c '
import json, sys
d = json.load(sys.stdin)["data"]; c = d["coverage"]
lt, bt = c["lines_total"], c.get("branches_total", 0)
both = 100.0 * (c["lines_covered"] + c.get("branches_covered", 0)) / max(1, lt + bt)
print("%d %.1f %.1f %.1f %d %d" % (lt, 100 * (c["line_rate"] or 0), 100 * (c["branch_rate"] or 0), both,
                                    d["tests_generated"], d["tests_discarded"]))')
  read -r lines lr br both kept disc <<< "$row"
  wall=$(echo "$end - $start" | bc)
  printf '| %s | %s | %s | %s | %s | %s | %s | %.1f |\n' "$m" "$lines" "$lr" "$br" "$both" "$kept" "$disc" "$wall"
  results+=("$both $m")
done
echo
printf '%s\n' "${results[@]}" | sort -n | "$PY" -c '
import statistics, sys
rows = [l.split() for l in sys.stdin if l.strip()]
vals = [float(r[0]) for r in rows]
print("median line+branch coverage: %.1f%% over %d modules" % (statistics.median(vals), len(vals)))
print("worst five: " + ", ".join("%s %.1f%%" % (r[1], float(r[0])) for r in rows[:5]))'
