#!/bin/sh
# bench/large-file.sh [-n ROUNDS] [-b BUILD_DIR] [PE_FILE]
#
# Does malml cost the same per byte on a huge file as on a small one, with
# flat memory?  Makes (in $TMPDIR) a 1 MiB and a 1 GiB file: PE_FILE
# (default: the built fixture netclient-x86_64.exe) followed by an overlay
# of 1 MiB blocks, half random bytes, a quarter text with URLs and paths,
# a quarter UTF-16 text; the small file 1024 times in a directory, so both
# cases are 1 GiB.  Then, alternating in each round, `yara -p 1 -r` with
# bench/pe-only.yar and with bench/malml-features.yar on each; prints the
# medians of CPU seconds (user + sys) and peak RSS, and malml's own cost
# (features minus pe-only) in ns per byte.  Needs GNU time and ~2 GiB of
# space in $TMPDIR.  Numbers, not a test.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
rounds=3
build=.
while getopts n:b: o; do
  case $o in
  n) rounds=$OPTARG ;;
  b) build=$OPTARG ;;
  *) sed -n '2,13p' "$0"; exit 2 ;;
  esac
done
shift $((OPTIND - 1))
pe=${1:-$build/tests/built-fixtures/pe/netclient-x86_64.exe}
yara=$build/yara
gtime=${GNU_TIME:-/usr/bin/time}
for f in "$yara" "$gtime" "$pe"; do
  [ -e "$f" ] || { echo "large-file: no $f" >&2; exit 2; }
done
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# One 1 MiB block of filler, then the two files.
head -c 524288 /dev/urandom > "$tmp/block"
awk 'BEGIN { for (i = 0; i < 12000; i++)
  printf "http://host%d.example.invalid/a.exe C:\\Windows\\System32\\cmd.exe %d\n", i, i }' |
  head -c 262144 >> "$tmp/block"
awk 'BEGIN { for (i = 0; i < 20000; i++) printf "S\0o\0f\0t\0w\0a\0r\0e\0%c\0", 65 + i % 26 }' |
  head -c 262144 >> "$tmp/block"
mkdir "$tmp/1MiB"
cat "$pe" "$tmp/block" > "$tmp/1MiB/0.exe"
i=1
while [ $i -lt 1024 ]; do cp "$tmp/1MiB/0.exe" "$tmp/1MiB/$i.exe"; i=$((i + 1)); done
cp "$pe" "$tmp/1GiB.exe"
i=0
while [ $i -lt 1024 ]; do cat "$tmp/block"; i=$((i + 1)); done >> "$tmp/1GiB.exe"

# measure FILE RULES OUT: appends "cpu_s maxrss_kb".
measure() {
  "$gtime" -f '%U %S %M' -o "$tmp/t" "$yara" -p 1 -r "$2" "$1" > /dev/null 2>&1 || true
  awk '{ printf "%.3f %s\n", $1 + $2, $3 }' "$tmp/t" >> "$3"
}
cat "$tmp/1GiB.exe" "$tmp"/1MiB/* > /dev/null
r=1
while [ $r -le "$rounds" ]; do
  for f in 1MiB 1GiB.exe; do
    measure "$tmp/$f" "$here/pe-only.yar" "$tmp/$f.pe"
    measure "$tmp/$f" "$here/malml-features.yar" "$tmp/$f.feat"
  done
  r=$((r + 1))
done
median() { cut -d' ' -f"$2" "$1" | sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }
echo "yara -p 1, $rounds rounds, medians; malml = features-only minus pe-only"
printf '%-14s %12s %10s %11s %11s %10s %12s\n' scanned bytes "pe CPU s" "feat CPU s" "malml ns/B" "pe RSS MB" "feat RSS MB"
for f in 1MiB 1GiB.exe; do
  size=$(du -b -s "$tmp/$f" | cut -f1)
  awk -v f="$f" -v n="$size" -v p="$(median "$tmp/$f.pe" 1)" -v q="$(median "$tmp/$f.feat" 1)" \
    -v rp="$(median "$tmp/$f.pe" 2)" -v rq="$(median "$tmp/$f.feat" 2)" \
    'BEGIN { printf "%-14s %12d %10.3f %11.3f %11.2f %10.1f %12.1f\n", (f == "1MiB" ? "1024 x 1 MiB" : "1 x 1 GiB"), n, p, q, (q - p) * 1e9 / n, rp / 1024, rq / 1024 }'
done
echo "(peak RSS counts the pages of the mapped file yara is scanning)"
