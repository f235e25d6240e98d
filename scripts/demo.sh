#!/usr/bin/env bash
# `make demo`: runs aqe's main job on the bundled example project examples/demo/.
# The example gets a .venv that sees Debian's pytest/coverage (--system-site-packages), which
# aqe finds by itself (.venv detection), whatever `python3` on PATH is.
set -euo pipefail
cd "$(dirname "$0")/.."
AQE="$(realpath "${1:-build/release/aqe}")"
DEMO=examples/demo

if [[ ! -x "$DEMO/.venv/bin/python" ]]; then
  echo "demo: creating $DEMO/.venv (--system-site-packages, from /usr/bin/python3)"
  /usr/bin/python3 -m venv --system-site-packages "$DEMO/.venv"
fi

cd "$DEMO"
run() {
  echo
  echo "\$ aqe $*"
  "$AQE" "$@"
}
run --version
run config validate
