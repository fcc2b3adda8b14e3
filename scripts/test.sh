#!/bin/sh
# scripts/test.sh: installs what the tests need (Debian packages), builds,
# lays out the labelled corpus when ../shared/corpus is there (first time
# ~7 minutes), and runs `make check`.  .ci/run calls this.
set -eu
cd "$(dirname "$0")/.."
. scripts/deps.sh
deps_install test
build_tree

corpus=../corpus
if [ -f ../shared/corpus/unpack ] && [ ! -f "$corpus/labels.tsv" ]; then
  echo "test.sh: laying out the labelled corpus in $corpus (first time: minutes)"
  ../shared/corpus/unpack "$corpus" | tail -n 1 ||
    echo "test.sh: CORPUS UNPACK FAILED: corpus tests will say they skip"
fi
[ -f "$corpus/labels.tsv" ] || echo "test.sh: NO CORPUS at $corpus: corpus-based tests skip (loudly)"

cd build
status=0
make -j"$(nproc)" check || status=$?
# One plain closing line for CI, from automake's own summary.
pass=$(sed -n 's/^# PASS: *//p' test-suite.log | head -n 1)
fail=$(sed -n 's/^# FAIL: *//p' test-suite.log | head -n 1)
error=$(sed -n 's/^# ERROR: *//p' test-suite.log | head -n 1)
skip=$(sed -n 's/^# SKIP: *//p' test-suite.log | head -n 1)
if [ "$status" -ne 0 ]; then
  echo "---- failing test logs ----"
  for log in $(grep -l -E '^(FAIL|ERROR)' tests/*.trs 2>/dev/null | sed 's/\.trs$/.log/'); do
    echo "== $log"; tail -n 60 "$log"
  done
fi
echo "${pass:-0} passed, $(( ${fail:-0} + ${error:-0} )) failed, ${skip:-0} skipped"
exit "$status"
