#!/usr/bin/env bash
# Fetches the Python grammar for tree-sitter (npm package tree-sitter-python) and unpacks it,
# so that cmake/feature-scan.cmake can compile its src/parser.c and src/scanner.c.
# Debian ships libtree-sitter but no Python grammar; 0.23.6 is ABI 14, which Debian 12's
# libtree-sitter 0.20.7 loads. Idempotent: does nothing when the grammar is already unpacked.
# Usage: scripts/fetch-tree-sitter-python.sh [DEST_DIR]   (default: <repo>/build/deps)
set -euo pipefail

VERSION=0.23.6
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
DEST=${1:-$REPO/build/deps}
TARGET=$DEST/tree-sitter-python-$VERSION

if [[ -f $TARGET/src/parser.c && -f $TARGET/src/scanner.c ]]; then
  exit 0
fi
command -v npm >/dev/null 2>&1 || { echo "fetch-tree-sitter-python: npm not found" >&2; exit 1; }

mkdir -p "$DEST"
work=$(mktemp -d "$DEST/.fetch-XXXXXX")
trap 'rm -rf "$work"' EXIT
(cd "$work" && npm pack --silent "tree-sitter-python@$VERSION" >/dev/null)
tar -xzf "$work/tree-sitter-python-$VERSION.tgz" -C "$work"
[[ -f $work/package/src/parser.c ]] || { echo "fetch-tree-sitter-python: parser.c missing in package" >&2; exit 1; }
rm -rf "$TARGET"
mv "$work/package" "$TARGET"
echo "fetch-tree-sitter-python: grammar in $TARGET" >&2
