#!/usr/bin/env bash
# Installs what a fresh Debian 12 machine lacks to build, test and demo aqe.
# Only packages not already installed are requested; apt-get update runs at most once.
set -euo pipefail

DEB_PACKAGES=(
  build-essential cmake ninja-build pkg-config git
  libcli11-dev nlohmann-json3-dev libcurl4-openssl-dev libsqlite3-dev sqlite3
  libspdlog-dev libfmt-dev libhyperscan-dev libtree-sitter-dev libpugixml-dev libtomlplusplus-dev
  libzstd-dev zlib1g-dev libxxhash-dev libssl-dev libgtest-dev libgmock-dev libbenchmark-dev
  python3 python3-venv python3-pytest python3-coverage python3-pytest-xdist
  python3-pytest-cov python3-hypothesis python3-botocore
  clang-format clang-tidy hyperfine ccache nodejs npm
  chromium  # headless, renders the HTML report in tests/e2e/test_report_html.py
  prometheus prometheus-pushgateway  # promtool and a Pushgateway: tests/e2e/test_report_formats.py
)

missing=()
for p in "${DEB_PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

# nodejs/npm may come from outside Debian on some images; a working `npm` is enough.
if command -v npm >/dev/null 2>&1; then
  filtered=()
  for p in "${missing[@]}"; do
    [[ "$p" == nodejs || "$p" == npm ]] || filtered+=("$p")
  done
  missing=("${filtered[@]}")
fi

if ((${#missing[@]})); then
  echo "install-deps: installing ${missing[*]}" >&2
  SUDO=""
  [[ $(id -u) -eq 0 ]] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
else
  echo "install-deps: all Debian packages present" >&2
fi

# The tree-sitter Python grammar comes from npm (Debian has none); compiled at build time.
bash "$(dirname "$0")/fetch-tree-sitter-python.sh"

# s3rver (npm) is the S3 emulator the store tests run against (tests/unit/store); pinned, and
# installed under build/deps/npm only when missing. Nothing is vendored.
S3RVER_VERSION=3.7.1
REPO=$(cd "$(dirname "$0")/.." && pwd)
if [[ ! -f $REPO/build/deps/npm/node_modules/s3rver/package.json ]] ||
   ! grep -q "\"version\": \"$S3RVER_VERSION\"" "$REPO/build/deps/npm/node_modules/s3rver/package.json"; then
  command -v npm >/dev/null 2>&1 || { echo "install-deps: npm not found (needed for s3rver)" >&2; exit 1; }
  echo "install-deps: installing s3rver@$S3RVER_VERSION into build/deps/npm" >&2
  npm install --silent --save-exact --no-audit --no-fund --prefix "$REPO/build/deps/npm" "s3rver@$S3RVER_VERSION" >/dev/null
fi

# The SARIF Multitool (npm; Microsoft's validator of SARIF 2.1.0) checks report --format sarif
# in tests/e2e/test_report_formats.py and
# security-scan --format sarif in tests/e2e/test_scan_code_rules.py; pinned, under build/deps/npm only when missing.
SARIF_MULTITOOL_VERSION=5.7.0
if [[ ! -f $REPO/build/deps/npm/node_modules/@microsoft/sarif-multitool/package.json ]] ||
   ! grep -q "\"version\": \"$SARIF_MULTITOOL_VERSION\"" \
     "$REPO/build/deps/npm/node_modules/@microsoft/sarif-multitool/package.json"; then
  echo "install-deps: installing @microsoft/sarif-multitool@$SARIF_MULTITOOL_VERSION into build/deps/npm" >&2
  npm install --silent --save-exact --no-audit --no-fund --prefix "$REPO/build/deps/npm" \
    "@microsoft/sarif-multitool@$SARIF_MULTITOOL_VERSION" >/dev/null
  chmod u+x "$REPO"/build/deps/npm/node_modules/@microsoft/sarif-multitool-linux/Sarif.Multitool 2>/dev/null || true
fi
