#!/usr/bin/env bash
# clang-tidy with the checks in .clang-tidy over aqe's own sources (not tests), using the
# compile database of BUILD_DIR (default build/asan; GCC flags clang does not know, e.g.
# -Wno-restrict, are ignored). The precompiled header is left out, so a file that does not
# include what it uses fails here even though the build compiles it. Any warning fails.
set -euo pipefail
cd "$(dirname "$0")/.."
build="${1:-build/asan}"
db="build/tidy"
mkdir -p "$db"
/usr/bin/python3 - "$build/compile_commands.json" "$db/compile_commands.json" <<'PY'
import json, shlex, sys
entries = json.load(open(sys.argv[1]))
for e in entries:
    args = shlex.split(e.pop("command")) if "command" in e else e["arguments"]
    out = []
    for a in args:
        if a.endswith("cmake_pch.hxx") and out and out[-1] == "-include":
            out.pop()
        elif a != "-Winvalid-pch":
            out.append(a)
    e["arguments"] = out
json.dump(entries, open(sys.argv[2], "w"), indent=1)
PY
mapfile -t files < <(git ls-files -co --exclude-standard 'src/*.cc' | sort -u)
printf '%s\n' "${files[@]}" | xargs -P 2 -n 4 clang-tidy -p "$db" --quiet --extra-arg=-Wno-unknown-warning-option --warnings-as-errors='*' 2>/dev/null
echo "tidy: ${#files[@]} files clean"
