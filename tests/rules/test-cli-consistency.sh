#!/bin/sh
# The programs agree (issue 12, item 9): -p 0 is refused with a reason by
# yara (exit 1, YARA's usage status) and by malml (exit 2); an -n out of
# range says why; every --help names the version option and the default
# thread count (the number of cores).
set -u
bin=$(dirname "${MALML_BIN:?MALML_BIN not set}")
yara=${MALML_YARA:-$bin/yara}
malml=$MALML_BIN
fx=${MALML_FIXTURES:?MALML_FIXTURES not set}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0 fail=0
ok() { pass=$((pass + 1)); }
no() { echo "FAIL: $*"; fail=$((fail + 1)); }
# expect STATUS PATTERN COMMAND...: exit status and a stderr line
expect() {
  want=$1 pattern=$2
  shift 2
  "$@" > /dev/null 2> "$tmp/err"
  rc=$?
  if [ $rc = "$want" ] && grep -q -- "$pattern" "$tmp/err"; then
    ok
  else
    no "$*: exit $rc (want $want), stderr: $(head -3 "$tmp/err")"
  fi
}
printf 'rule r { condition: true }\n' > "$tmp/r.yar"

expect 1 "-p takes 1 to 32" "$yara" -p 0 -r "$tmp/r.yar" "$fx"
expect 2 "-p takes a number" "$malml" score -p 0 "$fx"
expect 2 "-p takes a number" "$malml" features -p 0 "$fx"
expect 2 "-n takes 0 to 32" "$malml" score -n 40 "$fx"
expect 2 "-a takes a number" "$malml" score -a 0 "$fx"

if "$yara" --help | grep -q -- "--version" &&
  "$yara" --help | grep -q "default: number of cores" &&
  "$malml" --help | grep -q -- "--version" &&
  "$malml" score -h | grep -q "default: number of cores" &&
  "$malml" features -h | grep -q "default: number of cores"; then
  ok
else
  no "--help: version option or thread default missing"
fi
# --worker-memory=MIB (issue 20): the same flag and default (2048) in yara
# and in every malml command that scans; a bad value says why (exit 2).
for cmd in features score eval train; do
  expect 2 "--worker-memory takes a number of MiB" "$malml" $cmd --worker-memory=x "$fx"
  "$malml" $cmd --help 2>&1 | grep -A1 -- "--worker-memory=MIB" | grep -q "default 2048" ||
    no "malml $cmd --help: no --worker-memory=MIB with default 2048"
done
"$yara" --help | grep -A1 -- "--worker-memory=MIB" | grep -q "default=2048" ||
  no "yara --help: no --worker-memory=MIB with default=2048"
if [ "$("$malml" features -p 1 --worker-memory=0 "$fx/pe" | wc -l)" -gt 5 ]; then ok; else
  no "malml features --worker-memory=0 (no limit)"; fi
# The default is really used: a directory scan without -p still works.
if [ "$("$yara" -r "$tmp/r.yar" "$fx" | wc -l)" -gt 10 ]; then ok; else no "yara without -p"; fi
# malml -V, -v and --version agree and name the compiled-in model, as
# `malml model` does.
want=$("$malml" model | awk '$1 == "version" { print $2 }')
for v in -V -v --version; do
  if "$malml" $v | grep -q "compiled-in model $want)"; then ok; else no "malml $v: $("$malml" $v 2>&1)"; fi
done
# malml model's sub-model table says what its two AUC columns are, and why
# .NET's differ (0.98 pooled beside 0.62 per fold), with the meta's counts:
# 457 of the 4058 held-out malware are .NET, over 6 folds.
"$malml" model > "$tmp/model.txt"
for want in "held-out AUC (and det.): the out-of-fold scores of all folds pooled" \
  "mean fold AUC: the mean of each fold's own AUC" \
  "dotnet: .NET files only (457 of the 4058 held-out malware) over 6 folds"; do
  if grep -qF "$want" "$tmp/model.txt"; then ok; else no "malml model: no \"$want\""; fi
done
echo "$pass passed, $fail failed"
[ $fail = 0 ]
