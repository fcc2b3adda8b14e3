#!/bin/sh
# scripts/test.sh: installs what the tests need (Debian packages), builds,
# lays out the labelled corpus when ../shared/corpus is there (first time
# ~7 minutes), runs `make check` on the system libyara and on libyara 4.5
# (scripts/build-libyara45.sh), then the ASan+UBSan tree
# (scripts/test-asan.sh), a short fuzz run of each target, and the Debian
# packages (scripts/test-deb.sh).  .ci/run calls this.
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

# The suite runs twice: on Debian 12's libyara 4.2.3 (./build) and on a
# libyara 4.5.4 built from PyPI's yara-python sdist (./build-yara45,
# configure --with-yara; scripts/build-libyara45.sh, cached in ../cache).
# One closing line per libyara, from automake's own summary.
status=0
check_tree()
{
  tree=$1 label=$2
  tree_status=0
  (cd "$tree" && make -j"$(nproc)" check) || tree_status=$?
  log=$tree/test-suite.log
  pass=$(sed -n 's/^# PASS: *//p' "$log" | head -n 1)
  fail=$(sed -n 's/^# FAIL: *//p' "$log" | head -n 1)
  error=$(sed -n 's/^# ERROR: *//p' "$log" | head -n 1)
  skip=$(sed -n 's/^# SKIP: *//p' "$log" | head -n 1)
  if [ "$tree_status" -ne 0 ]; then
    status=1
    echo "---- failing test logs ($label) ----"
    for trs in $(grep -l -r -E '^:test-result: (FAIL|ERROR)' "$tree/tests" --include='*.trs' 2>/dev/null); do
      echo "== ${trs%.trs}.log"; tail -n 60 "${trs%.trs}.log"
    done
  fi
  summary="$summary
$label: ${pass:-0} passed, $(( ${fail:-0} + ${error:-0} )) failed, ${skip:-0} skipped"
  # Checks a test skipped inside itself (a part that does not apply to this
  # libyara, with the reason), so that no skip passes unseen.
  grep -rh --include='*.log' '^SKIP' "$tree/tests" 2>/dev/null | sort -u |
    sed "s|^|$label: |" > "$tree/skipped-checks.txt" || :
}
summary=""
check_tree build "libyara $(sed -n 's/^YARA_VERSION = //p' build/Makefile) (system)"

start=$(date +%s)
yara45=""
if sh scripts/build-libyara45.sh > build/libyara45.log 2>&1 &&
   build_tree build-yara45 --with-yara="$(tail -n 1 build/libyara45.log)"; then
  yara45=$(tail -n 1 build/libyara45.log)
else
  status=1; echo "test.sh: BUILDING AGAINST LIBYARA 4.5 FAILED"; tail -n 40 build/libyara45.log
fi
if [ -n "$yara45" ]; then
  check_tree build-yara45 "libyara $(sed -n 's/^YARA_VERSION = //p' build-yara45/Makefile) ($yara45)"
  echo "libyara 4.5: built and checked in $(($(date +%s) - start)) s"
else
  summary="$summary
libyara 4.5: NOT TESTED (its build failed, above)"
fi
cat build/skipped-checks.txt build-yara45/skipped-checks.txt 2>/dev/null || :
echo "$summary" | sed '/^$/d'

# Sanitizers and fuzzing (issue 10): the fixture and hostile tests again in
# an ASan+UBSan tree (a few minutes), then a short run of each libFuzzer
# target on the hostile seeds (on the system libyara).
start=$(date +%s)
if sh scripts/test-asan.sh > build/asan.log 2>&1; then
  echo "asan: passed ($(($(date +%s) - start)) s)"
else
  status=1
  echo "asan: FAILED ($(($(date +%s) - start)) s)"; tail -n 80 build/asan.log
  for log in $(grep -l -E '^(FAIL|ERROR)' build-asan/tests/*/*.trs 2>/dev/null | sed 's/\.trs$/.log/'); do
    echo "== $log"; tail -n 60 "$log"
  done
fi
if make -C build fuzz-short FUZZ_SECONDS=60 > build/fuzz.log 2>&1; then
  echo "fuzz: passed"; grep -E '^(fuzz_|stat::number_of_executed)' build/fuzz.log
else
  status=1; echo "fuzz: FAILED"; tail -n 60 build/fuzz.log
fi
# The Debian packages (issue 11): built from a clean clone, lintian, installed
# beside Debian's yara, the main job run from the installed paths, removed.
# It installs packages for a while: MALML_TEST_DEB=0 skips it, loudly.
if [ "${MALML_TEST_DEB:-1}" = 0 ]; then
  echo "deb: SKIPPED (MALML_TEST_DEB=0)"
else
  start=$(date +%s)
  if sh scripts/test-deb.sh > build/deb.log 2>&1; then
    echo "deb: passed ($(($(date +%s) - start)) s)"; tail -n 1 build/deb.log
  else
    status=1; echo "deb: FAILED"; tail -n 40 build/deb.log
  fi
fi
exit "$status"
