#!/usr/bin/env bash
# security-scan speed: aqe vs the `cat` read floor (and bandit / secretlint when installed) on
# the same files, warm cache, one run each. Prints seconds, MB/s, peak RSS and ratios.
# Usage: bench/scan.sh [AQE_BIN] [SOURCE_DIR]   (defaults: build/release/aqe, /usr/lib/python3.11)
set -euo pipefail

AQE=${1:-build/release/aqe}
SRC=${2:-/usr/lib/python3.11}
CORPUS=${AQE_BENCH_CORPUS:-${TMPDIR:-/tmp}/aqe-scan-corpus}

# The corpus: the Python sources of SRC, copied once so every tool reads exactly the same files.
if [[ ! -f $CORPUS/.complete ]]; then
  rm -rf "$CORPUS"
  mkdir -p "$CORPUS"
  (cd "$SRC" && find . -name '*.py' -type f -print0 | xargs -0 cp --parents -t "$CORPUS")
  touch "$CORPUS/.complete"
fi
files=$(find "$CORPUS" -name '*.py' -type f | wc -l)
bytes=$(find "$CORPUS" -name '*.py' -type f -printf '%s\n' | awk '{s+=$1} END {print s}')
mb=$(awk -v b="$bytes" 'BEGIN {printf "%.1f", b/1048576}')
echo "corpus: $CORPUS ($files Python files, $mb MB from $SRC)"

# Runs a command once, prints "seconds peak_rss_kb".
measure() {
  local t
  t=$(mktemp)
  /usr/bin/time -o "$t" -f '%e %M' "$@" >/dev/null 2>&1 || true
  tail -1 "$t"
  rm -f "$t"
}

find "$CORPUS" -name '*.py' -type f -print0 | xargs -0 cat >/dev/null  # warm the page cache

read -r cat_s cat_kb < <(measure sh -c "find '$CORPUS' -name '*.py' -type f -print0 | xargs -0 cat")
read -r sec_s sec_kb < <(measure "$AQE" security-scan --secrets-only --json "$CORPUS")
read -r all_s all_kb < <(measure "$AQE" security-scan --json "$CORPUS")

row() { awk -v n="$1" -v s="$2" -v kb="$3" -v mb="$mb" -v floor="$cat_s" \
  'BEGIN {t = s < 0.001 ? 0.001 : s; printf "%-34s %8.3f s %9.1f MB/s %8.1f MB RSS %8.2fx cat\n", n, s, mb/t, kb/1024, s/(floor<0.001?0.001:floor)}'; }
echo
row "cat (read floor)" "$cat_s" "$cat_kb"
row "aqe security-scan --secrets-only" "$sec_s" "$sec_kb"
row "aqe security-scan (secrets+code)" "$all_s" "$all_kb"

if command -v bandit >/dev/null 2>&1; then
  read -r b_s b_kb < <(measure bandit -q -r "$CORPUS" -f json)
  row "bandit -r" "$b_s" "$b_kb"
  awk -v a="$all_s" -v b="$b_s" 'BEGIN {printf "aqe (secrets+code) is %.0fx faster than bandit\n", b/(a<0.001?0.001:a)}'
else
  echo "bandit: not installed (apt-get install bandit) - skipped"
fi
if command -v secretlint >/dev/null 2>&1; then
  read -r s_s s_kb < <(measure sh -c "cd '$CORPUS' && secretlint '**/*'")
  row "secretlint" "$s_s" "$s_kb"
  awk -v a="$all_s" -v b="$s_s" 'BEGIN {printf "aqe (secrets+code) is %.0fx faster than secretlint\n", b/(a<0.001?0.001:a)}'
else
  echo "secretlint: not installed (npm i -g secretlint @secretlint/secretlint-rule-preset-recommend) - skipped"
fi
