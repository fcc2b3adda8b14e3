#!/bin/sh
# bench-yara.sh [-n REPS] [-f "YARA FLAGS"] [-b BUILD_DIR] [RULES... DIR]
#
# Scan speed of our yara against Debian's /usr/bin/yara on the same rules
# (which must not import malml) and the same directory, in the same run:
# one warm-up each (so both read from the page cache), then REPS rounds that
# alternate the two programs.  Prints each round, then the median files/s and
# MB/s of each and the ratio ours/upstream (1.00 = as fast).  Not a test.
#
# Defaults: 5 rounds, flags "-r", the rule sets of tests/yara-diff
# (strings, hex and regexps, pe/math/hash/dotnet), ../corpus next to the
# source tree.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
src=$(dirname "$here")
reps=5
flags="-r"
build=${MALML_BUILD:-.}
while getopts n:f:b: o; do
  case $o in
  n) reps=$OPTARG ;;
  f) flags=$OPTARG ;;
  b) build=$OPTARG ;;
  *) sed -n '2,13p' "$0"; exit 2 ;;
  esac
done
shift $((OPTIND - 1))
if [ $# -ge 2 ]; then
  eval "dir=\${$#}"
  rules=""
  while [ $# -gt 1 ]; do rules="$rules $1"; shift; done
else
  dir=${1:-$src/../corpus}
  rules="$src/tests/yara-diff/strings.yar $src/tests/yara-diff/hex_regex.yar $src/tests/yara-diff/modules.yar"
fi
ours=$build/yara
up=${YARA_UPSTREAM:-/usr/bin/yara}
[ -x "$ours" ] || { echo "bench-yara: no $ours (use -b BUILD_DIR)" >&2; exit 2; }
[ -d "$dir" ] || { echo "bench-yara: no directory $dir" >&2; exit 2; }

files=$(find "$dir" -type f | wc -l)
bytes=$(find "$dir" -type f -printf '%s\n' | awk '{s += $1} END {printf "%d", s}')
echo "bench-yara: $files files, $((bytes / 1048576)) MB in $dir"
echo "bench-yara: rules:$rules"
echo "bench-yara: flags: $flags -w; $reps rounds; $(nproc) CPUs"

now() { date +%s.%N; }
# run PROGRAM: seconds for one scan, output discarded.
run() {
  t0=$(now)
  # shellcheck disable=SC2086
  "$1" -w $flags $rules "$dir" > /dev/null 2>&1 || true
  t1=$(now)
  awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f\n", b - a }'
}

run "$up" > /dev/null
run "$ours" > /dev/null
: > "${TMPDIR:-/tmp}/bench-yara.$$"
i=1
while [ "$i" -le "$reps" ]; do
  a=$(run "$up")
  b=$(run "$ours")
  printf 'round %d: upstream %.2fs, ours %.2fs\n' "$i" "$a" "$b"
  echo "$a $b" >> "${TMPDIR:-/tmp}/bench-yara.$$"
  i=$((i + 1))
done
awk -v files="$files" -v bytes="$bytes" '
  function median(v, n,   i, j, t) {
    for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++)
      if (v[j] < v[i]) { t = v[i]; v[i] = v[j]; v[j] = t }
    return n % 2 ? v[(n + 1) / 2] : (v[n / 2] + v[n / 2 + 1]) / 2
  }
  { up[NR] = $1; ours[NR] = $2 }
  END {
    mu = median(up, NR); mo = median(ours, NR)
    printf "upstream: median %.2fs  %.1f files/s  %.1f MB/s\n", mu, files / mu, bytes / 1048576 / mu
    printf "ours:     median %.2fs  %.1f files/s  %.1f MB/s\n", mo, files / mo, bytes / 1048576 / mo
    printf "ratio ours/upstream (throughput): %.3f\n", mu / mo
  }' "${TMPDIR:-/tmp}/bench-yara.$$"
rm -f "${TMPDIR:-/tmp}/bench-yara.$$"
