#!/usr/bin/env bash
# clang-tidy with the checks in .clang-tidy over aqe's own sources (not tests), using the
# compile database of build/debug (GCC flags clang does not know, e.g. -Wno-restrict, are ignored).
# Any warning fails.
set -euo pipefail
cd "$(dirname "$0")/.."
mapfile -t files < <(git ls-files -co --exclude-standard 'src/*.cc' | sort -u)
printf '%s\n' "${files[@]}" | xargs -P 2 -n 4 clang-tidy -p build/debug --quiet --extra-arg=-Wno-unknown-warning-option --warnings-as-errors='*' 2>/dev/null
echo "tidy: ${#files[@]} files clean"
