#!/usr/bin/env bash
# The HTML report on a 2,000-file project with a 10,000-test run, next to `coverage html` on the
# same coverage data. The project and its coverage are real (bench/make_report_project.py writes
# the sources, `coverage run --branch` measures them); the document's tests section is synthetic.
# aqe's side is report::read_sources + render_html + the atomic write (bench/report_html_bench.cc,
# built here at -O3 from this checkout). The bar (issue 13): under 1 s, under 10 MB, and at least
# 10x faster than `coverage html`.
# Usage: bench/report_html.sh [BUILD_DIR]   (default build/debug: its generated resources are used)
# Env: RUNS (5), PEER_RUNS (2), FILES (2000), TESTS (10000).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=$(realpath "${1:-$ROOT/build/debug}")
RUNS=${RUNS:-5}
PEER_RUNS=${PEER_RUNS:-2}
PY=/usr/bin/python3
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

resources="$BUILD/generated/aqe/resources_data.cc"
[[ -f $resources ]] || { echo "report_html.sh: $resources missing: build $BUILD first" >&2; exit 3; }
g++ -std=c++20 -O3 -DNDEBUG -I"$ROOT/src" -o "$work/report_html_bench" "$ROOT/bench/report_html_bench.cc" \
  "$ROOT/src/aqe/report/html.cc" "$ROOT/src/aqe/util/resources.cc" "$ROOT/src/aqe/util/fs.cc" "$resources" -lz -lcrypto

proj="$work/proj"
$PY "$ROOT/bench/make_report_project.py" project "$proj" --files "${FILES:-2000}"
(cd "$proj" && $PY -m coverage run --branch run_all.py && $PY -m coverage json -q -o coverage.json)
$PY "$ROOT/bench/make_report_project.py" document "$proj/coverage.json" "$proj/report.json" --tests "${TESTS:-10000}"
echo "project: $(find "$proj/src" -name '*.py' | wc -l) files, $(cat "$proj"/src/*/*.py | wc -l) lines," \
  "$(cat "$proj"/src/*/*.py | wc -c) bytes; report.json $(stat -c %s "$proj/report.json") bytes"
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg), cores: $(nproc)"

cd "$proj"
hyperfine -N --warmup 1 --runs "$RUNS" --export-json "$work/aqe.json" \
  -n "aqe render_html" "$work/report_html_bench report.json . $work/report.html" >/dev/null
hyperfine --runs "$PEER_RUNS" --prepare "rm -rf $work/htmlcov" --export-json "$work/peer.json" \
  -n "coverage html" "$PY -m coverage html -q -d $work/htmlcov" >/dev/null
"$work/report_html_bench" report.json . "$work/report.html"
# The page in the browser (when Chromium is installed): drawing, opening a file, sorting.
if command -v chromium >/dev/null 2>&1; then
  $PY "$ROOT/bench/report_html_page.py" "$work/report.html" 3
fi
$PY - "$work" <<'PYEOF'
import json, os, sys
work = sys.argv[1]
aqe = json.load(open(f"{work}/aqe.json"))["results"][0]
peer = json.load(open(f"{work}/peer.json"))["results"][0]
size = os.path.getsize(f"{work}/report.html")
peer_size = sum(os.path.getsize(os.path.join(d, f)) for d, _, fs in os.walk(f"{work}/htmlcov") for f in fs)
peer_files = sum(len(fs) for _, _, fs in os.walk(f"{work}/htmlcov"))
print("| tool | median s | min s | max s | CPU s (user+sys) | output | coverage html time / this |")
print("|---|---|---|---|---|---|---|")
rows = (("aqe render_html (read sources, render, write)", aqe, f"1 file, {size / 1e6:.1f} MB"),
        ("coverage html", peer, f"{peer_files} files, {peer_size / 1e6:.1f} MB"))
for name, r, out in rows:
    cpu = r["user"] + r["system"]
    ratio = peer["median"] / r["median"]
    print(f"| {name} | {r['median']:.3f} | {r['min']:.3f} | {r['max']:.3f} | {cpu:.3f} | {out} | {ratio:.0f}x |")
PYEOF
