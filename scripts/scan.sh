#!/bin/sh
# scripts/scan.sh [DIR]: installs what malml needs (Debian packages), builds
# it, and scans DIR recursively with the shipped rules on the embedded
# default model.  Without DIR it scans the PE fixtures the build makes, so a
# first run shows real output.
set -eu
cd "$(dirname "$0")/.."
. scripts/deps.sh
deps_install build
command -v x86_64-w64-mingw32-gcc >/dev/null || [ $# -gt 0 ] || deps_install test
build_tree
target=${1:-}
if [ -z "$target" ]; then
  (cd build && make tests/built-fixtures.stamp >/dev/null)
  target=build/tests/built-fixtures
  echo "scan.sh: no directory given; scanning the PE fixtures in $target" >&2
fi
build/yara --version >&2
# -s shows nothing for malml rules (they have no strings); -m shows why a
# rule fired (its metadata: tier, FPR, model version).
exec build/yara -r -m rules/malml.yar "$target"
