#!/bin/sh
# bench-yara.sh [-n REPS] [-f "YARA FLAGS"] [-D "-d VAR=VALUE ..."] [-b BUILD_DIR] [RULES... DIR]
#
# CPU of our yara against Debian's /usr/bin/yara on the same rules (which
# must not import malml) and the same directory, in the same run, the rules
# taken two ways: from source (each program compiles them, then scans) and
# compiled (Debian's yarac once, then both with -C).  One warm-up each (so
# all read from the page cache), then REPS rounds that run the four one
# after the other (so all see the same machine load).  Prints each round,
# then a table: median CPU seconds (user + sys, GNU time) and wall seconds
# of each, and ours/Debian's median CPU from source and compiled (1.00 = the
# same cost; the target is 1.05 at most).  Not a test.
#
# -D: external variables for rules that need them (signature-base: -D "-d
# filename=x -d filepath=x -d extension=x -d filetype=x -d owner=x"), given
# to both programs and to yarac.  Rule sets whose heap after compiling is
# large (thousands of rules) show what the from-source case measures: the
# workers forked after compilation (issue 25).
#
# Defaults: 5 rounds, flags "-r", the rule sets of tests/yara-diff
# (strings, hex and regexps, pe/math/hash/dotnet), ../corpus next to the
# source tree.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
src=$(dirname "$here")
reps=5
flags="-r"
defs=""
build=${MALML_BUILD:-.}
while getopts n:f:D:b: o; do
  case $o in
  n) reps=$OPTARG ;;
  f) flags=$OPTARG ;;
  D) defs=$OPTARG ;;
  b) build=$OPTARG ;;
  *) sed -n '2,22p' "$0"; exit 2 ;;
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
upc=${YARAC_UPSTREAM:-/usr/bin/yarac}
gtime=${GNU_TIME:-/usr/bin/time}
for f in "$ours" "$up" "$upc" "$gtime"; do
  [ -x "$f" ] || { echo "bench-yara: no $f (build first, or -b BUILD_DIR)" >&2; exit 2; }
done
[ -d "$dir" ] || { echo "bench-yara: no directory $dir" >&2; exit 2; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# shellcheck disable=SC2086
"$upc" -w $defs $rules "$tmp/rules.yarc" || {
  echo "bench-yara: Debian's yarac cannot compile the rules" >&2
  exit 2
}
files=$(find -L "$dir" -type f | wc -l)
bytes=$(find -L "$dir" -type f -printf '%s\n' | awk '{s += $1} END {printf "%d", s}')
echo "bench-yara: $files files, $((bytes / 1048576)) MB in $dir"
echo "bench-yara: $(echo "$rules" | wc -w) rule files, $("$up" -S -C "$tmp/rules.yarc" /dev/null | sed -n 's/^number of rules *: //p') rules${defs:+, $defs}"
echo "bench-yara: flags: $flags -w; $reps rounds; $(nproc) CPUs"

names="debian-src ours-src debian-C ours-C"
# measure NAME FILE: appends "wall cpu" of one scan to FILE.
measure() {
  case $1 in debian-*) p=$up ;; *) p=$ours ;; esac
  case $1 in
  *-src) r="$defs $rules" ;;
  *) r="-C $tmp/rules.yarc" ;;
  esac
  # shellcheck disable=SC2086
  "$gtime" -f '%e %U %S' -o "$tmp/t" "$p" -w $flags $r "$dir" > /dev/null 2>&1 || true
  tail -1 "$tmp/t" | awk '{ printf "%s %.3f\n", $1, $2 + $3 }' >> "$2"
}

for n in $names; do measure "$n" "$tmp/warm"; done
i=1
while [ "$i" -le "$reps" ]; do
  line="round $i:"
  for n in $names; do
    measure "$n" "$tmp/$n"
    line="$line $n $(tail -1 "$tmp/$n" | cut -d' ' -f2)s"
  done
  echo "$line (CPU)"
  i=$((i + 1))
done

median() { cut -d' ' -f"$2" "$1" | sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }
printf '%-11s %9s %9s %9s\n' scan "CPU s" "wall s" "MB/CPU-s"
for n in $names; do
  awk -v n="$n" -v c="$(median "$tmp/$n" 2)" -v w="$(median "$tmp/$n" 1)" -v by="$bytes" \
    'BEGIN { printf "%-11s %9.2f %9.2f %9.1f\n", n, c, w, (c > 0 ? by / 1048576 / c : 0) }'
done
for m in src C; do
  awk -v m="$m" -v o="$(median "$tmp/ours-$m" 2)" -v d="$(median "$tmp/debian-$m" 2)" \
    'BEGIN { if (d > 0) printf "CPU ratio ours/debian, %-6s %.3f\n", m ":", o / d;
             else printf "CPU ratio ours/debian, %-6s n/a (too short to time)\n", m ":" }'
done
echo "(target: 1.05 at most, from source as compiled)"
