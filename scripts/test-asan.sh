#!/bin/sh
# scripts/test-asan.sh: a second tree, build-asan/, compiled with ASan and
# UBSan, in which `make check` runs the fixture rules test and the hostile
# suite (scripts/test.sh calls it after the plain tree).  UBSan is fatal;
# the programs are checked for ASan's runtime, so a build that lost the
# flags fails instead of passing silently.
set -eu
cd "$(dirname "$0")/.."
san="-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined"
mkdir -p build-asan
cd build-asan
# LIBS: libyara/libyara.so.9 is linked with -z defs and without LDFLAGS,
# so the sanitizers' runtimes must come in through LIBS.
[ -f Makefile ] || ../configure --quiet CFLAGS="-g -O1 $san" LDFLAGS="$san" \
  LIBS="-lasan -lubsan"
make -j"$(nproc)" > /dev/null
for p in yara malml; do
  nm "$p" | grep -q ' __asan_init' || { echo "test-asan: $p has no ASan" >&2; exit 1; }
done
export ASAN_OPTIONS=abort_on_error=1:detect_leaks=1:strict_string_checks=1:check_initialization_order=1
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
# ASan makes each scan 2-4 times slower: a longer per-file limit.
export HOSTILE_LIMIT=10
# check_PROGRAMS= : the unit tests run in the plain tree; not rebuilt here.
make -j"$(nproc)" check check_PROGRAMS= \
  TESTS="tests/rules/test-rules-fixtures.sh tests/hostile/test-hostile.sh"
