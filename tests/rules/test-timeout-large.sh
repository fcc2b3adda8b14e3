#!/bin/sh
# A huge file cannot outrun `yara -a`: a fixture PE followed by a hole up to
# 3 GiB (a sparse file made here; the page cache fills only as far as the
# scan reads), scanned with rules/malml.yar and -a 2, must end with
# "scanning timed out" within a few seconds, not after the whole file.
# YARA's own pass over the bytes checks the same clock, so this is the
# guarantee a user sees; tests/unit/test_bytescan checks that malml's pass
# stops by itself (a_huge_input_stops_in_time).
set -u
: "${srcdir:=.}"
yara=${MALML_YARA:-$(dirname "${MALML_BIN:?MALML_BIN not set}")/yara}
pe=${MALML_FIXTURES:?MALML_FIXTURES not set}/pe/netclient-x86_64.exe
[ -x "$yara" ] || { echo "FAIL: no yara binary at $yara"; exit 1; }
[ -f "$pe" ] || { echo "FAIL: no fixture $pe"; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cp "$pe" "$tmp/big.exe" && truncate -s 3G "$tmp/big.exe" || {
  echo "SKIP: cannot make a 3 GiB sparse file in $tmp"; exit 77; }

start=$(date +%s.%N)
"$yara" -a 2 "$srcdir/rules/malml.yar" "$tmp/big.exe" > "$tmp/out" 2> "$tmp/err"
end=$(date +%s.%N)
took=$(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.1f", b - a }')
if ! grep -q "scanning timed out" "$tmp/err"; then
  echo "FAIL: no timeout reported after ${took}s: $(head -3 "$tmp/err")"
  exit 1
fi
# 2 s of scanning, then the process ends; 10 s allows for a loaded machine.
if awk -v t="$took" 'BEGIN { exit !(t > 10) }'; then
  echo "FAIL: -a 2 on a 3 GiB file took ${took}s"
  exit 1
fi
echo "PASS: -a 2 stopped the 3 GiB file after ${took}s: $(head -1 "$tmp/err")"
