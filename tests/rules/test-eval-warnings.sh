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
check "one warning for the 22 tiers, not one per tier" \
  test "$(grep -c 'warning: ' "$tmp/err")" -eq 1 -a "$(grep -c 'warning: 22 tiers rest on fewer benign files than the 10/FPR' "$tmp/err")" -eq 1
check "tiers grouped by the $benign benign files they rest on" \
  grep -q "^  on $benign benign files, one false positive is already above the target: high (0.1%), medium (1.0%), low (5.0%), count (1.0%), header_high" "$tmp/err"
check "every tier named once (22)" \
  test "$(grep '^  on ' "$tmp/err" | grep -o '[a-z_]* ([0-9.]*%)' | sort -u | wc -l)" -eq 22
# Only the .NET fixture benign among the .NET files: "1 benign file".
printf 'sha256\tlabel\tgroup\tfamily\tsource\n' > "$tmp/one.tsv"
for f in "$fx"/*; do
  case $f in */netclient*) l=1 ;; *) l=0 ;; esac
  printf '%s\t%s\tg\t\tsrc\n' "$(sha256sum "$f" | cut -d' ' -f1)" "$l" >> "$tmp/one.tsv"
done
"$malml" eval -l "$tmp/one.tsv" "$fx" > /dev/null 2> "$tmp/one.err"
check "one benign file is \"1 benign file\"" \
  grep -q "^  on 1 benign file, one false positive is already above the target: dotnet_high (0.1%), dotnet_medium (1.0%), dotnet_low (5.0%)$" "$tmp/one.err"
check "no \"1 benign files\"" sh -c "! grep -q ' 1 benign files' '$tmp/one.err'"
check "no empty family heading" sh -c "! grep -q 'detection per family' '$tmp/out'"
echo "$fail failure(s)"
[ "$fail" = 0 ]
