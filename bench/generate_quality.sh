#!/usr/bin/env bash
# Quality of `aqe generate` on real modules of Debian's pure-Python packages (issue 17): coverage
# of the generated tests alone (coverage.py, branch on) and their mutation score (bench/mutate.py)
# beside the projects' own tests where the package ships them. Prints markdown tables and medians;
# all figures go to bench/out/gen_quality-<time>.json (compare two runs with
# `bench/gen_quality.py --diff OLD.json NEW.json`).
#   usage: bench/generate_quality.sh [AQE_BIN] [PYTHON] [gen_quality.py flags...]
#   defaults: build/release/aqe if it exists, else build/asan/aqe; /usr/bin/python3
#   env: MODULES="toolz/itertoolz.py ..." (subset; no held-out set then unless HELDOUT is set),
#        HELDOUT, BUDGET (aqe --time-budget; default: aqe's), MUTANTS (40), SEED (17), JOBS (1|2)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
AQE=""; PY=/usr/bin/python3
if [ $# -gt 0 ] && [ "${1#-}" = "$1" ]; then AQE=$1; shift; fi
if [ $# -gt 0 ] && [ "${1#-}" = "$1" ]; then PY=$1; shift; fi
if [ -z "$AQE" ]; then
  if [ -x "$ROOT/build/release/aqe" ]; then AQE=$ROOT/build/release/aqe; else AQE=$ROOT/build/asan/aqe; fi
fi
AQE=$(realpath "$AQE")   # the benchmark cd's into temp projects
[ -x "$AQE" ] || { echo "no aqe binary at $AQE" >&2; exit 2; }

# Pure-Python Debian packages the modules come from (held-out ones last), and the tools.
PKGS="python3-dateutil python3-click python3-pyparsing python3-idna python3-itsdangerous
python3-attr python3-six python3-toolz python3-more-itertools python3-packaging python3-markupsafe
python3-pytest python3-coverage"
missing=""
for p in $PKGS; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing="$missing $p"
done
if [ -n "$missing" ]; then
  echo "installing:$missing" >&2
  if [ "$(id -u)" = 0 ]; then apt-get install -y $missing >&2; else sudo apt-get install -y $missing >&2; fi
fi

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=0}
exec /usr/bin/python3 "$ROOT/bench/gen_quality.py" --aqe "$AQE" --python "$PY" "$@"
