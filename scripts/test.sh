#!/usr/bin/env bash
# Runs every test against both builds: unit tests (GoogleTest via CTest) and the e2e suite
# (pytest driving the binary), for build/debug and build/asan (ASan+UBSan).
set -euo pipefail
cd "$(dirname "$0")/.."

export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0:strict_string_checks=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"

bash scripts/tidy.sh

for build in debug asan; do
  echo "=== unit tests ($build)"
  ctest --test-dir "build/$build" --output-on-failure -j 2 --timeout 300
  echo "=== e2e tests ($build)"
  AQE_BIN="$PWD/build/$build/aqe" /usr/bin/python3 -m pytest tests/e2e -q -p no:cacheprovider \
    -n 2 --dist loadfile
done
