#!/bin/sh
# malml eval on a handful of fixtures (issue 23, item 13): each tier whose
# FPR rests on fewer than 10/FPR benign files is named on stderr, and the
# console report prints no family heading when no family has files enough.
# Environment: MALML_BIN, MALML_FIXTURES.
set -u
malml=${MALML_BIN:?MALML_BIN not set}
fx=${MALML_FIXTURES:?MALML_FIXTURES not set}/pe
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
check() { # check WHAT COMMAND...
  what=$1
  shift
  if "$@"; then echo "ok: $what"; else echo "FAIL: $what"; fail=$((fail + 1)); fi
}
# Two "malware" (one family of two files: under the five a heading needs)
# and the other PE fixtures benign.
printf 'sha256\tlabel\tgroup\tfamily\tsource\n' > "$tmp/labels.tsv"
n=0
for f in "$fx"/*; do
  sha=$(sha256sum "$f" | cut -d' ' -f1)
  n=$((n + 1))
  if [ $n -le 2 ]; then
    printf '%s\t1\tfam\tfam\tzoo\n' "$sha" >> "$tmp/labels.tsv"
  else
    printf '%s\t0\tpkg%s\t\tdeb:pkg%s=1\n' "$sha" "$n" "$n" >> "$tmp/labels.tsv"
  fi
done
benign=$((n - 2))
"$malml" eval -l "$tmp/labels.tsv" "$fx" > "$tmp/out" 2> "$tmp/err"
rc=$?
check "eval exits 0 ($rc) and reports" test "$rc" -eq 0 -a -s "$tmp/out"
check "tier high named with its $benign benign files" \
  grep -q "warning: tier high (0.1% FPR) rests on $benign benign files, fewer than the 10000 (10/FPR)" "$tmp/err"
check "every tier named (22)" test "$(grep -c 'warning: tier ' "$tmp/err")" -eq 22
check "no empty family heading" sh -c "! grep -q 'detection per family' '$tmp/out'"
echo "$fail failure(s)"
[ "$fail" = 0 ]
