#!/usr/bin/env bash
# clang-format over the C++ sources: --check fails on any difference, --fix rewrites.
set -euo pipefail
cd "$(dirname "$0")/.."
mode="${1:---check}"
mapfile -t files < <(git ls-files -co --exclude-standard 'src/*.cc' 'src/*.h' 'tests/unit/*.cc' 'tests/unit/*.h' 'tools/*.cc' 'bench/*.cc' | sort -u)
if [[ "$mode" == "--fix" ]]; then
  clang-format -i "${files[@]}"
else
  clang-format --dry-run --Werror "${files[@]}"
  echo "format: ${#files[@]} files clean"
fi
