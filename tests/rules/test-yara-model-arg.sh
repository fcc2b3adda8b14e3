#!/bin/sh
# yara -x malml=FILE: an empty, truncated or foreign file is an error that
# names it, before any scan (exit 1); the shipped model loads (exit 0);
# -x for a module that does not exist is named.
set -u
: "${srcdir:=.}"
yara=${MALML_YARA:-$(dirname "${MALML_BIN:?MALML_BIN not set}")/yara}
fx=${MALML_FIXTURES:?MALML_FIXTURES not set}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0 fail=0
: > "$tmp/empty.malml"
head -c 1000 "$srcdir/model/default.malml" > "$tmp/trunc.malml"
printf 'not a model at all' > "$tmp/text.malml"
for m in empty trunc text; do
  "$yara" -x malml="$tmp/$m.malml" "$srcdir/rules/malml.yar" "$fx/pe/gui-i686.exe" > /dev/null 2> "$tmp/err"
  rc=$?
  if [ $rc = 1 ] && grep -q "error: malml model \"$tmp/$m.malml\": " "$tmp/err"; then
    pass=$((pass + 1))
  else
    echo "FAIL: $m model: exit $rc, stderr: $(cat "$tmp/err")"; fail=$((fail + 1))
  fi
done
if "$yara" -x malml="$srcdir/model/default.malml" "$srcdir/rules/malml.yar" "$fx/pe/gui-i686.exe" > /dev/null; then
  pass=$((pass + 1))
else
  echo "FAIL: the shipped model was refused"; fail=$((fail + 1))
fi
# A misspelt module name is named on stderr (YARA ignores it silently);
# the scan itself goes on as YARA's would.
"$yara" -x mlaml="$srcdir/model/default.malml" "$srcdir/rules/malml.yar" "$fx/pe/gui-i686.exe" \
  > /dev/null 2> "$tmp/err"
rc=$?
if [ $rc = 0 ] && grep -q 'warning: -x mlaml=...: no module "mlaml"' "$tmp/err"; then
  pass=$((pass + 1))
else
  echo "FAIL: -x mlaml=: exit $rc, stderr: $(cat "$tmp/err")"; fail=$((fail + 1))
fi
echo "$pass passed, $fail failed"
[ $fail = 0 ]
