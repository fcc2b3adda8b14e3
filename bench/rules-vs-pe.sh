#!/bin/sh
# bench/rules-vs-pe.sh DIR [ROUNDS] [RULES...]
#
# End-to-end cost of malml with the yara built here: `yara -r` over DIR with
# a pe-only rule and with each RULES file (default: bench/malml-features.yar
# and rules/malml.yar), alternating within each round so all see the same
# machine load.  Prints median wall time, files/s and MB/s of each, and the
# ratio to the pe-only run.  Threads as yara's default; set YARA_FLAGS to
# change (e.g. YARA_FLAGS="-p 1").  Numbers, not a test.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
dir=${1:?usage: rules-vs-pe.sh DIR [ROUNDS] [RULES...]}
rounds=${2:-5}
[ $# -ge 2 ] && shift 2 || shift $#
yara=${YARA:-$here/../build/yara}
[ -x "$yara" ] || { echo "no yara at $yara (build first, or set YARA)" >&2; exit 2; }
set -- "$here/pe-only.yar" "${@:-$here/malml-features.yar}"
[ $# -gt 2 ] || [ ! -f "$here/../rules/malml.yar" ] || set -- "$@" "$here/../rules/malml.yar"

files=$(find -L "$dir" -type f | wc -l)
mb=$(du -L -s -m "$dir" | cut -f1)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
echo "dir: $dir ($files files, $mb MB), rounds: $rounds, yara: $yara ${YARA_FLAGS:-}"
cat $(find -L "$dir" -type f) > /dev/null 2>&1 || true   # warm the page cache
r=1
while [ $r -le "$rounds" ]; do
  i=0
  for rules in "$@"; do
    start=$(date +%s.%N)
    "$yara" ${YARA_FLAGS:-} -r "$rules" "$dir" > /dev/null 2>&1 || true
    end=$(date +%s.%N)
    awk -v s="$start" -v e="$end" 'BEGIN { print e - s }' >> "$tmp/$i"
    i=$((i + 1))
  done
  r=$((r + 1))
done
median() { sort -n "$1" | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }
base=$(median "$tmp/0")
i=0
for rules in "$@"; do
  m=$(median "$tmp/$i")
  awk -v n="$(basename "$rules")" -v m="$m" -v b="$base" -v f="$files" -v s="$mb" \
    'BEGIN { printf "%-22s median %7.3f s  %8.1f files/s  %7.1f MB/s  x%.3f of pe-only (%+.1f%%)\n", n, m, f / m, s / m, m / b, 100 * (m / b - 1) }'
  i=$((i + 1))
done
