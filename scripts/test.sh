#!/usr/bin/env bash
# Runs every test against the sanitizer build (build/asan, ASan+UBSan at -O0): clang-tidy, the
# unit tests (GoogleTest via CTest) and the e2e suite (pytest driving the binary). One build
# keeps CI short; build/debug stays for quick local work (AQE_BUILD=build/debug to test it).
set -euo pipefail
cd "$(dirname "$0")/.."

export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0:strict_string_checks=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
build="${AQE_BUILD:-build/asan}"

t0=$SECONDS
bash scripts/tidy.sh "$build"
t_tidy=$((SECONDS - t0))

echo "=== unit tests ($build)"
t0=$SECONDS
ctest --test-dir "$build" --output-on-failure -j 2 --timeout 300
t_unit=$((SECONDS - t0))
echo "=== e2e tests ($build)"
t0=$SECONDS
rc=0
AQE_BIN="$PWD/$build/aqe" /usr/bin/python3 -m pytest tests/e2e -q -p no:cacheprovider \
  -n 2 --dist loadfile || rc=$?
echo "=== times: tidy ${t_tidy}s, unit ${t_unit}s, e2e $((SECONDS - t0))s"
exit "$rc"
