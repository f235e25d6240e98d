#!/usr/bin/env bash
# The whole `aqe report generate` (state DB -> model -> page) for a real recorded run of 10,000
# tests with coverage of 2,000 source files, next to `coverage html` on the same run's coverage
# data. Unlike report_html.sh (the renderer alone on a synthetic document), every number here
# comes from `aqe execute --coverage` having run the suite. The bar (issue 13): the HTML report
# under 1 s and under 10 MB, at least 10x faster than `coverage html`.
# Usage: bench/report_e2e.sh [AQE_BINARY]   (default build/release/aqe)
# Env: RUNS (5), PEER_RUNS (2), FILES (2000), TESTS (10000).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
AQE=$(realpath "${1:-$ROOT/build/release/aqe}")
RUNS=${RUNS:-5}
PEER_RUNS=${PEER_RUNS:-2}
TESTS=${TESTS:-10000}
PY=/usr/bin/python3
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

proj="$work/proj"
$PY "$ROOT/bench/make_report_project.py" project "$proj" --files "${FILES:-2000}"
mkdir -p "$proj/tests"
cat > "$proj/tests/test_all.py" <<EOF
import runpy
import pytest

def test_cover():
    runpy.run_path("run_all.py")

@pytest.mark.parametrize("i", range($((TESTS - 1))))
def test_n(i):
    assert i % 500 != 7  # 20 failures with tracebacks
EOF
cd "$proj"
"$AQE" --json execute tests/ --coverage --python "$PY" > "$work/execute.json" || [[ $? -eq 1 ]]
$PY - "$work/execute.json" <<'PYEOF'
import json, sys
d = json.load(open(sys.argv[1]))["data"]
print(f"recorded run: {d['tests_run']} tests, {d['failed']} failed, {d['workers']} workers, "
      f"line coverage {d['coverage']['line_rate']}% of {d['coverage']['lines_total']} lines")
PYEOF
data_file=$(ls -d "$proj"/.aqe/runs/*/.coverage | head -1)
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg), cores: $(nproc)"

hyperfine -N --warmup 1 --runs "$RUNS" --export-json "$work/aqe.json" \
  -n "aqe report generate --format html" "$AQE report generate --format html --output $work/report.html" >/dev/null
hyperfine --runs "$PEER_RUNS" --prepare "rm -rf $work/htmlcov" --export-json "$work/peer.json" \
  -n "coverage html" "$PY -m coverage html -q --data-file=$data_file -d $work/htmlcov" >/dev/null
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
rows = (("aqe report generate --format html (DB, model, sources, page)", aqe, f"1 file, {size / 1e6:.1f} MB"),
        ("coverage html", peer, f"{peer_files} files, {peer_size / 1e6:.1f} MB"))
for name, r, out in rows:
    cpu = r["user"] + r["system"]
    print(f"| {name} | {r['median']:.3f} | {r['min']:.3f} | {r['max']:.3f} | {cpu:.3f} | {out} | "
          f"{peer['median'] / r['median']:.0f}x |")
PYEOF
