#!/bin/sh
# make check-valgrind: the hostile suite and the fixture rules test with the
# built yara and malml under valgrind.  Wrappers named yara and malml in
# WORKDIR/bin run the real programs (MALML_REAL_BIN) under memcheck, worker
# processes included, each process logging to its own file; any log with an
# error fails the run, as does a test that fails.  Limits are raised:
# memcheck is 20-50 times slower.
set -u
work=${1:?usage: check-valgrind.sh WORKDIR}
real=${MALML_REAL_BIN:?}
: "${srcdir:?}" "${MALML_FIXTURES:?}"
command -v valgrind > /dev/null || { echo "FAIL: no valgrind (scripts/deps.sh)"; exit 1; }
rm -rf "$work"
mkdir -p "$work/bin" "$work/logs"
for p in yara malml; do
  cat > "$work/bin/$p" << EOF
#!/bin/sh
exec valgrind --error-exitcode=99 --trace-children=yes \\
  --suppressions='$(cd "$srcdir" && pwd)/tests/hostile/valgrind.supp' \\
  --leak-check=full --errors-for-leak-kinds=definite \\
  --log-file='$work/logs/$p.%p.log' '$real/$p' "\$@"
EOF
  chmod +x "$work/bin/$p"
done

export MALML_BIN="$work/bin/malml" MALML_YARA="$work/bin/yara"
export HOSTILE_LIMIT=${HOSTILE_LIMIT:-40} HOSTILE_SLACK=${HOSTILE_SLACK:-40}
export HOSTILE_DIR="$work/hostile"
status=0
for t in tests/rules/test-rules-fixtures.sh tests/hostile/test-hostile.sh; do
  start=$(date +%s)
  sh "$srcdir/$t" > "$work/$(basename "$t").log" 2>&1 || status=1
  echo "$t: $(tail -n 1 "$work/$(basename "$t").log") ($(($(date +%s) - start)) s)"
done
# Every process that ends logs its error count; one killed for overrunning
# its limit (SIGKILL) logs none, but the errors it met are in its log
# already, and valgrind-errors.sh finds them there too.
bad=$(sh "$srcdir/tests/hostile/valgrind-errors.sh" "$work"/logs/*.log)
[ -n "$(ls "$work/logs")" ] || { echo "FAIL: valgrind wrote no log"; status=1; }
for log in $bad; do
  echo "valgrind error in $(basename "$log"):"
  head -n 30 "$log"
  status=1
done
[ $status -eq 0 ] && echo "check-valgrind: no valgrind error, tests passed"
exit $status
