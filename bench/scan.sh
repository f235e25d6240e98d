#!/usr/bin/env bash
# security-scan speed: aqe vs the `cat` read floor, `bandit -r` and `secretlint "**/*"` on the same
# files, warm page cache. Times are medians of RUNS runs (hyperfine; PEER_RUNS for the slow peers),
# peak RSS and finding counts come from one more run under /usr/bin/time. Prints a Markdown table.
# Installs the peers when missing: bandit from Debian (apt-get), secretlint with its recommended
# preset from npm into PEERS_DIR (default build/bench-peers, not committed).
# Usage: bench/scan.sh [AQE_BIN] [SOURCE_DIR]   (defaults: build/release/aqe, /usr/lib/python3.11)
# Env: RUNS (5), PEER_RUNS (1), TOOLS ("aqe bandit secretlint"), PEERS_DIR, AQE_BENCH_CORPUS.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
AQE=$(realpath "${1:-$ROOT/build/release/aqe}")
SRC=${2:-/usr/lib/python3.11}
CORPUS=${AQE_BENCH_CORPUS:-${TMPDIR:-/tmp}/aqe-scan-corpus}
RUNS=${RUNS:-5}
PEER_RUNS=${PEER_RUNS:-1}
PEERS_DIR=${PEERS_DIR:-$ROOT/build/bench-peers}
# aqe keeps its compiled Hyperscan databases here; the warm-up run fills it.
export QE_CACHE_DIR=${QE_CACHE_DIR:-${TMPDIR:-/tmp}/aqe-bench-cache}
PY=/usr/bin/python3
TOOLS=${TOOLS:-aqe bandit secretlint}  # which tools to run besides cat

install_peers() {
  if ! command -v bandit >/dev/null 2>&1; then
    local sudo=""
    [[ $(id -u) -eq 0 ]] || sudo="sudo"
    $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y bandit >/dev/null 2>&1 ||
      echo "bandit: apt-get install failed - skipped" >&2
  fi
  if [[ ! -x $PEERS_DIR/node_modules/.bin/secretlint ]] && command -v npm >/dev/null 2>&1; then
    npm install --prefix "$PEERS_DIR" --no-audit --no-fund \
      secretlint @secretlint/secretlint-rule-preset-recommend >/dev/null 2>&1 ||
      echo "secretlint: npm install failed - skipped" >&2
  fi
}

# The corpus: the Python sources of SRC, copied once so every tool reads exactly the same files.
make_corpus() {
  if [[ ! -f $CORPUS/.complete ]]; then
    rm -rf "$CORPUS"
    mkdir -p "$CORPUS"
    (cd "$SRC" && find . -name '*.py' -type f -print0 | xargs -0 cp --parents -t "$CORPUS")
    touch "$CORPUS/.complete"
  fi
}

# median_s RUNS CMD... -> "median-wall-seconds mean-cpu-seconds" (hyperfine, or repeated
# /usr/bin/time without it). CPU seconds (user+sys) matter on a shared machine: wall time there
# depends on what else runs, CPU time much less.
median_s() {
  local runs=$1
  shift
  local cmd
  cmd=$(printf '%q ' "$@")
  if command -v hyperfine >/dev/null 2>&1; then
    local j
    j=$(mktemp)
    hyperfine --style none --ignore-failure --warmup 1 --runs "$runs" --export-json "$j" -- "$cmd" >/dev/null 2>&1
    $PY -c 'import json,sys; r = json.load(open(sys.argv[1]))["results"][0]; print("%.4f %.4f" % (r["median"], r["user"] + r["system"]))' "$j"
    rm -f "$j"
  else
    local t
    t=$(mktemp)
    for _ in $(seq "$runs"); do /usr/bin/time -a -o "$t" -f '%e %U %S' "$@" >/dev/null 2>&1 || true; done
    sort -n "$t" | awk '{a[NR]=$1; c+=$2+$3} END {print a[int((NR+1)/2)], c/NR}'
    rm -f "$t"
  fi
}

# peak_kb OUTFILE CMD... -> "peak-RSS-KB CPU%" of one run; the command's stdout goes to OUTFILE.
# CPU% near 200 on 2 cores means both were kept busy.
peak_kb() {
  local out=$1 t
  shift
  t=$(mktemp)
  /usr/bin/time -o "$t" -f '%M %P' "$@" >"$out" 2>/dev/null || true
  tail -1 "$t"
  rm -f "$t"
}

count_json() {  # FILE KIND -> number of findings in a tool's JSON output
  $PY - "$1" "$2" <<'EOF'
import json, sys
path, kind = sys.argv[1], sys.argv[2]
try:
    doc = json.load(open(path))
    if kind == "aqe":
        print(len(doc.get("data", doc)["findings"]))
    elif kind == "bandit":
        print(len(doc["results"]))
    else:
        print(sum(len(f.get("messages", [])) for f in doc))
except Exception:
    print("?")
EOF
}

install_peers
make_corpus
files=$(find "$CORPUS" -name '*.py' -type f | wc -l)
bytes=$(find "$CORPUS" -name '*.py' -type f -printf '%s\n' | awk '{s+=$1} END {print s}')
mb=$(awk -v b="$bytes" 'BEGIN {printf "%.1f", b/1048576}')
echo "corpus: $CORPUS ($files Python files, $mb MB from $SRC); runs: $RUNS (peers $PEER_RUNS); $(nproc) cores"
echo "aqe: $AQE"
find "$CORPUS" -name '*.py' -type f -print0 | xargs -0 cat >/dev/null  # warm the page cache

out=$(mktemp)
declare -A secs cpus rss cpu found
measure() {  # NAME KIND RUNS CMD...
  local name=$1 kind=$2 runs=$3
  shift 3
  if [[ $runs -le 1 ]]; then  # slow peers: one run gives time, RSS and findings
    local t
    t=$(mktemp)
    /usr/bin/time -o "$t" -f '%e %M %P %U %S' "$@" >"$out" 2>/dev/null || true
    read -r "secs[$name]" "rss[$name]" "cpu[$name]" u sy < <(tail -1 "$t")
    cpus[$name]=$(awk -v u="$u" -v s="$sy" 'BEGIN {print u + s}')
    rm -f "$t"
  else
    read -r "secs[$name]" "cpus[$name]" < <(median_s "$runs" "$@")
    read -r "rss[$name]" "cpu[$name]" < <(peak_kb "$out" "$@")
  fi
  found[$name]=$([[ $kind == none ]] && echo "-" || count_json "$out" "$kind")
}
wanted() { [[ " $TOOLS " == *" $1 "* ]]; }

measure cat none "$RUNS" sh -c "find '$CORPUS' -name '*.py' -type f -print0 | xargs -0 cat"
if wanted aqe; then
  measure aqe_secrets aqe "$RUNS" "$AQE" security-scan --secrets-only --json "$CORPUS"
  measure aqe_full aqe "$RUNS" "$AQE" security-scan --json "$CORPUS"
fi
if wanted bandit && command -v bandit >/dev/null 2>&1; then
  measure bandit bandit "$PEER_RUNS" bandit -q -r "$CORPUS" -f json
fi
SECRETLINT=$PEERS_DIR/node_modules/.bin/secretlint
if wanted secretlint && [[ -x $SECRETLINT ]]; then
  # secretlint globs relative to the working directory.
  measure secretlint secretlint "$PEER_RUNS" sh -c "cd '$CORPUS' && '$SECRETLINT' --format json \
    --secretlintrcJSON '{\"rules\":[{\"id\":\"@secretlint/secretlint-rule-preset-recommend\"}]}' '**/*'"
fi
rm -f "$out"

echo
echo "| tool | median wall | MB/s (wall) | CPU s (user+sys) | MB per CPU-s | peak RSS | CPU use | vs cat (wall) | findings |"
echo "|---|---|---|---|---|---|---|---|---|"
row() {
  local key=$1 label=$2
  [[ -n ${secs[$key]:-} ]] || { echo "| $label | not run | | | | | | | |"; return; }
  awk -v n="$label" -v s="${secs[$key]}" -v kb="${rss[$key]}" -v mb="$mb" -v floor="${secs[cat]}" -v f="${found[$key]}" \
    -v cpu="${cpu[$key]}" -v c="${cpus[$key]}" \
    'BEGIN {t = s < 0.001 ? 0.001 : s; ct = c < 0.001 ? 0.001 : c;
      printf "| %s | %.3f s | %.1f | %.3f | %.1f | %.1f MB | %s | %.2fx | %s |\n", n, s, mb/t, c, mb/ct, kb/1024, cpu, s/floor, f}'
}
row cat '`cat` (read floor)'
row aqe_secrets 'aqe security-scan --secrets-only'
row aqe_full 'aqe security-scan (secrets + code rules)'
row bandit 'bandit -r'
row secretlint 'secretlint "**/*" (recommended preset)'
echo
ratio() {  # PEER AQE_KEY LABEL
  [[ -n ${secs[$1]:-} && -n ${secs[$2]:-} ]] || return 0
  awk -v p="${secs[$1]}" -v a="${secs[$2]}" -v pc="${cpus[$1]}" -v ac="${cpus[$2]}" -v l="$3" -v peer="$1" \
    'BEGIN {printf "%s: %.0fx the throughput of %s by wall time, %.0fx by CPU time\n", l, p/a, peer, pc/ac}'
}
ratio bandit aqe_full "aqe (secrets + code rules)"
ratio secretlint aqe_full "aqe (secrets + code rules)"
ratio secretlint aqe_secrets "aqe --secrets-only"
