#!/usr/bin/env bash
# Start-up cost of aqe against the floor a Python tool pays before doing anything
# (`python3 -c pass`), and aqe's peak RSS for the same commands.
# Usage: bench/startup.sh [path/to/aqe]   (default build/release/aqe)
set -euo pipefail
cd "$(dirname "$0")/.."
AQE="$(realpath "${1:-build/release/aqe}")"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
(cd "$work" && "$AQE" init >/dev/null)

hyperfine --warmup 5 --runs 50 -N --export-json "$work/startup.json" \
  "python3 -c pass" \
  "/usr/bin/python3 -c pass" \
  "$AQE --version" \
  "$AQE --project-dir $work config show" >/dev/null

/usr/bin/python3 - "$work/startup.json" "$AQE" "$work" <<'PY'
import json, resource, subprocess, sys
data = json.load(open(sys.argv[1]))["results"]
aqe, work = sys.argv[2], sys.argv[3]
ref = next(r for r in data if r["command"] == "/usr/bin/python3 -c pass")
print("| command | median ms | mean ms | ratio to `/usr/bin/python3 -c pass` | peak RSS MB |")
print("|---|---|---|---|---|")
def rss(cmd):
    # Peak RSS of one fresh run, from the kernel's accounting of this (only) child.
    out = subprocess.run([sys.executable, "-c",
        "import resource,subprocess,sys;subprocess.run(sys.argv[1:],stdout=subprocess.DEVNULL);"
        "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)", *cmd],
        capture_output=True, text=True, check=True)
    return int(out.stdout) / 1024
for r in data:
    cmd = r["command"].split()
    label = r["command"].replace(aqe, "aqe").replace(work, "DIR")
    print(f"| `{label}` | {r['median']*1000:.2f} | {r['mean']*1000:.2f} | "
          f"{r['median']/ref['median']:.3f} | {rss(cmd):.1f} |")
PY
