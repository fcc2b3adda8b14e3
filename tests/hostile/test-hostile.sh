#!/bin/sh
# The hostile-input suite (issue 10): builds every file with make-hostile.py
# into the build tree, then asserts, for each one, that
#   (a) yara -a LIMIT with a rule reading every malml field finishes within
#       LIMIT + SLACK seconds, and a file that overruns is reported by name;
#   (b) every rule-visible malml integer equals pe's/math's value on the
#       same file (exact.yar, one rule per equality), pe's parse equals
#       Debian's yara's (-D), and malml.number_of_imports equals the
#       functions Debian's pe lists;
#   (c) malml features/score on the whole directory print every file that
#       is not slow, name the slow ones on stderr and exit 1, and
#       MALML_PASS=bytes (the byte loop) gives the same vectors;
#   (d) yara -r over a tree (hostile files, a FIFO, symlink loops and a
#       normal fixture) prints the fixture, names the slow file, exits 1;
#   and that a FIFO, /dev/null and a symlink loop given as targets are
#   reported with exit 1, never a hang.
# Every command runs under timeout(1), so a hang fails instead of stalling.
# HOSTILE_LIMIT (seconds, default 5) and HOSTILE_SLACK (default 10) are
# raised for slow builds (ASan, valgrind).
set -u
: "${srcdir:=.}"
here=$srcdir/tests/hostile
malml=${MALML_BIN:?MALML_BIN not set}
yara=${MALML_YARA:-$(dirname "$malml")/yara}
oracle=${MALML_ORACLE_YARA:-/usr/bin/yara} # Debian's yara 4.2.3
# Upstream's yara on the shared library, and that library's soname (on a
# --with-yara tree: its bin/yara-shared and libyara.so.10; make check).
onlib=${MALML_YARA_ON_SHARED:-/usr/bin/yara}
soname=${MALML_YARA_SONAME:-libyara.so.9}
fx=${MALML_FIXTURES:?MALML_FIXTURES not set}
limit=${HOSTILE_LIMIT:-5}
slack=${HOSTILE_SLACK:-10}
work=${HOSTILE_DIR:-$PWD/tests/hostile-built}
[ -x "$yara" ] || { echo "FAIL: no yara at $yara"; exit 1; }
[ -x "$oracle" ] || { echo "FAIL: no Debian yara at $oracle (scripts/deps.sh)"; exit 1; }
[ -d "$fx/pe" ] || { echo "FAIL: no fixtures in $fx"; exit 1; }

rm -rf "$work"
python3 "$here/make-hostile.py" "$work" || { echo "FAIL: generator"; exit 1; }
files=$work/files
tmp=$work/tmp
mkdir "$tmp"
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

# "crash" files make libyara 4.2.3's pe fault, "hang" files make it run for
# ever; where the oracle, upstream's yara on the same libyara, scans them
# within the limit (4.5's pe: the version bomb's empty leaves are not
# parsed), they are held to "ok".  (On 4.2 the hang files are not timed:
# a fast machine could finish 4.2.3's version bomb within the limit.)
echo 'import "pe" rule dump { condition: true }' > "$tmp/pe-only.yar"
kinds='$2 == "crash"'
case ${MALML_YARA_VERSION:-4.2} in 4.2*) ;; *) kinds='$2 == "crash" || $2 == "hang"' ;; esac
for n in $(awk -F '\t' "$kinds { print \$1 }" "$work/MANIFEST"); do
  if timeout "$limit" "$oracle" "$tmp/pe-only.yar" "$files/$n" > /dev/null 2>&1; then
    echo "note: $n: $("$oracle" -v)'s yara scans it: expected ok here"
    awk -F '\t' -v OFS='\t' -v n="$n" '$1 == n { $2 = "ok" } 1' "$work/MANIFEST" > "$tmp/m" &&
      mv "$tmp/m" "$work/MANIFEST"
  fi
done

# expectation FILE: ok, slow or hang from the MANIFEST (fixtures: ok).
expectation()
{
  e=$(awk -F '\t' -v n="$(basename "$1")" '$1 == n { print $2 }' "$work/MANIFEST")
  echo "${e:-ok}"
}

# timed_out FILE ERRFILE: the error names the file and says it timed out.
timed_out() { grep -F "$1" "$2" | grep -q "timed out"; }
# crashed FILE ERRFILE: the error names the file and says the scan crashed.
crashed() { grep -F "$1" "$2" | grep -q "the scan crashed: .*(signal [0-9]*)"; }

eq_rules=$(sed -n 's/^rule \(eq_[a-z_]*\).*/\1/p' "$here/exact.yar")
[ -n "$eq_rules" ] || { echo "FAIL: no eq_ rules in exact.yar"; exit 1; }

# (b) the rule-visible values, from the matches of exact.yar.
check_exact()
{
  f=$1
  grep -qx reads_all "$tmp/matched" || fail "$f: reads_all did not match"
  if grep -qx is_pe_file "$tmp/matched"; then
    for r in $eq_rules; do
      grep -qx "$r" "$tmp/matched" || fail "$f: $r: malml differs from pe/math"
    done
  else
    grep -qx not_pe "$tmp/matched" || fail "$f: not a PE, but malml set fields"
  fi
}

# (b) pe's parse equals Debian's, and malml counts the functions pe lists.
pe_rule=$tmp/pe.yar
echo 'import "pe" import "malml" rule dump { condition: true }' > "$pe_rule"
echo 'import "pe" rule dump { condition: true }' > "$tmp/pe-only.yar"
check_oracle()
{
  f=$1
  timeout $((limit + slack)) "$oracle" -D "$tmp/pe-only.yar" "$f" > "$tmp/debian" 2>&1 ||
    { fail "$f: Debian's yara failed: $(tail -n 1 "$tmp/debian")"; return; }
  timeout $((limit + slack)) "$yara" -D "$pe_rule" "$f" > "$tmp/ours" 2>&1 ||
    { fail "$f: yara -D failed"; return; }
  sed -n '/^pe$/,/^[a-oq-z]/p' "$tmp/ours" | sed '$d' > "$tmp/ours-pe"
  sed '$d' "$tmp/debian" | cmp -s - "$tmp/ours-pe" ||
    fail "$f: pe's values differ from Debian's yara"
  listed=$(awk '/^\t(delayed_)?import_details$/ { on = 1; next }
                /^\t[a-z]/ { on = 0 }
                on && /^\t\t\t\t\[[0-9]+\]$/ { n++ }
                END { print n + 0 }' "$tmp/debian")
  ours=$(sed -n '/^malml$/,$s/^\tnumber_of_imports = //p' "$tmp/ours")
  if grep -q '^	is_pe = 1' "$tmp/debian" && [ "$ours" != "$listed" ]; then
    fail "$f: malml.number_of_imports $ours, Debian's pe lists $listed"
  fi
}

# (a) and (b), one file at a time.
for f in "$files"/* "$fx"/pe/* "$fx"/notpe/*; do
  expect=$(expectation "$f")
  start=$(date +%s)
  timeout $((limit + slack)) "$yara" -a "$limit" "$here/exact.yar" "$f" \
    > "$tmp/out" 2> "$tmp/err"
  rc=$?
  took=$(($(date +%s) - start))
  awk '{ print $1 }' "$tmp/out" > "$tmp/matched"
  if [ $rc -eq 124 ]; then
    fail "$f: yara -a $limit still running after $((limit + slack)) s"
  elif [ "$expect" = crash ]; then
    if [ $rc -eq 1 ] && crashed "$f" "$tmp/err"; then
      echo "ok: $(basename "$f") (crash): $(grep -F "$f" "$tmp/err" | head -n 1)"
    else
      fail "$f: exit $rc without 'the scan crashed' naming it: $(head -n 2 "$tmp/err")"
    fi
  elif [ $rc -ne 0 ]; then
    if [ "$expect" = ok ]; then
      fail "$f: yara exited $rc: $(head -n 2 "$tmp/err")"
    elif ! timed_out "$f" "$tmp/err"; then
      fail "$f: exit $rc without a 'timed out' naming it: $(head -n 2 "$tmp/err")"
    else
      echo "ok: $(basename "$f") ($expect): reported as timed out after ${took} s"
    fi
  elif [ "$expect" = hang ]; then
    fail "$f: expected a timeout, yara exited 0"
  else
    [ -s "$tmp/err" ] && fail "$f: stderr: $(head -n 2 "$tmp/err")"
    check_exact "$f"
    [ "$expect" = ok ] && check_oracle "$f"
    echo "ok: $(basename "$f") ($expect): scanned in ${took} s"
  fi
done

# Files each whole-directory run must print, and those it must name.
must_print=$(awk -F '\t' '$2 == "ok" { print $1 }' "$work/MANIFEST")
must_name=$(awk -F '\t' '$2 == "hang" { print $1 }' "$work/MANIFEST")
must_crash=$(awk -F '\t' '$2 == "crash" { print $1 }' "$work/MANIFEST")
nslow=$(awk -F '\t' '$2 == "slow" || $2 == "hang"' "$work/MANIFEST" | wc -l)
dir_limit=$((nslow * limit + 60 + slack))

# check_dir WHAT RC OUTFILE ERRFILE PATTERN: PATTERN (with %s for the name)
# finds a file's result in OUTFILE.
check_dir()
{
  what=$1 rc=$2 out=$3 err=$4 before=$failures
  [ "$rc" -eq 124 ] && { fail "$what: still running after $dir_limit s"; return; }
  [ "$rc" -eq 1 ] || fail "$what: exit $rc, expected 1 (a file timed out)"
  for n in $must_print; do
    grep -qF "$files/$n" "$out" || fail "$what: no result for $n"
  done
  for n in $must_name; do
    timed_out "$files/$n" "$err" || fail "$what: $n not reported as timed out"
  done
  for n in $must_crash; do
    crashed "$files/$n" "$err" || fail "$what: $n not reported as a crash"
  done
  for n in $(awk -F '\t' '$2 == "slow" { print $1 }' "$work/MANIFEST"); do
    grep -qF "$files/$n" "$out" || timed_out "$files/$n" "$err" ||
      fail "$what: $n neither printed nor reported"
  done
  [ $failures -eq "$before" ] && echo "ok: $what: $(wc -l < "$out") results, exit $rc"
}

# (c) malml features and score on the whole directory.
timeout "$dir_limit" "$malml" features -a "$limit" "$files" > "$tmp/feat" 2> "$tmp/feat.err"
check_dir "malml features DIR" $? "$tmp/feat" "$tmp/feat.err"
python3 -c 'import json, sys
for line in open(sys.argv[1]): json.loads(line)' "$tmp/feat" ||
  fail "malml features DIR: output is not JSON lines"
timeout "$dir_limit" "$malml" score -j -a "$limit" "$files" > "$tmp/score" 2> "$tmp/score.err"
check_dir "malml score DIR" $? "$tmp/score" "$tmp/score.err"
# The byte loop (the reference of every faster level) gives the same vector
# for every file that finishes at both levels, and both finish the "ok" ones.
timeout "$dir_limit" env MALML_PASS=bytes "$malml" features -a "$limit" "$files" \
  > "$tmp/feat-bytes" 2> /dev/null
if msg=$(python3 - "$tmp/feat" "$tmp/feat-bytes" $must_print <<'EOF'
import json, os, sys
def load(path):
    return {r["path"]: r for r in map(json.loads, open(path))}
best, ref = load(sys.argv[1]), load(sys.argv[2])
both = best.keys() & ref.keys()
for name in sys.argv[3:]:
    if not any(os.path.basename(p) == name for p in both):
        sys.exit("%s: missing at one level" % name)
differ = [p for p in both if best[p] != ref[p]]
if differ:
    sys.exit("%d vectors differ from the byte loop's, first %s"
             % (len(differ), differ[0]))
print(len(both))
EOF
); then echo "ok: malml features DIR: $msg vectors as the byte loop's"
else fail "malml features DIR at MALML_PASS=bytes: $msg"; fi

# (d) a tree: the hostile files, the special ones and a normal fixture.
cp "$fx/pe/gui-x86_64.exe" "$files/normal-fixture.exe"
echo 'import "malml" rule scored { condition: malml.score >= 0 }' > "$tmp/scored.yar"
timeout "$dir_limit" "$yara" -r -a "$limit" "$tmp/scored.yar" "$work" \
  > "$tmp/tree" 2> "$tmp/tree.err"
rc=$?
grep -qxF "scored $files/normal-fixture.exe" "$tmp/tree" ||
  fail "yara -r: no result for the normal fixture"
must_print=$(echo "$must_print" | grep -v -e '^tiny' -e '^lfanew-')  # not PE
check_dir "yara -r TREE" $rc "$tmp/tree" "$tmp/tree.err"

# malml's commands name a FIFO met inside a tree (yara skips it, as YARA).
timeout "$dir_limit" "$malml" features -a "$limit" "$work/special" > "$tmp/out" 2> "$tmp/err"
rc=$?
if [ $rc -ne 1 ] || ! grep -qF "$work/special/fifo: not a regular file" "$tmp/err"; then
  fail "malml features on a tree with a FIFO: exit $rc, stderr '$(head -n 2 "$tmp/err")'"
else echo "ok: malml features TREE: $(grep -F fifo "$tmp/err")"; fi

# Special targets: reported by name, exit 1, never a hang.
for t in "$work/special/fifo" "$work/special/self-loop" /dev/null; do
  for cmd in "$malml features" "$malml score"; do
    timeout $((limit + slack)) $cmd -a "$limit" "$t" > "$tmp/out" 2> "$tmp/err"
    rc=$?
    name=$(basename "$(echo "$cmd" | cut -d ' ' -f 2)")
    if [ $rc -eq 124 ]; then fail "$name $t: hung"
    elif [ $rc -ne 1 ] || ! grep -qF "$t" "$tmp/err"; then
      fail "$name $t: exit $rc, stderr '$(head -n 1 "$tmp/err")'"
    else echo "ok: $name $t: $(head -n 1 "$tmp/err")"; fi
  done
  timeout $((limit + slack)) "$yara" -a "$limit" "$tmp/scored.yar" "$t" > "$tmp/out" 2> "$tmp/err"
  rc=$?
  if [ $rc -eq 124 ]; then fail "yara $t: hung"
  elif [ "$t" = /dev/null ]; then echo "ok: yara /dev/null: exit $rc (scanned as empty, as YARA)"
  elif [ $rc -ne 1 ] || ! grep -qF "$t" "$tmp/err"; then
    fail "yara $t: exit $rc, stderr '$(head -n 1 "$tmp/err")'"
  else echo "ok: yara $t: $(head -n 1 "$tmp/err")"; fi
done

# (e) Programs built on the system libyara (Debian's yara, python3-yara) have
# no worker to kill: malml, which loads pe for them, must refuse a resource
# tree pe would walk for days (or seconds: loop-1024) as a timeout at once,
# name the file, and leave the scan of the next file in the same process as
# it was alone.  Refused files print nothing, so the list's output is the
# fixture's alone.
bindir=${MALML_REAL_BIN:-$(dirname "$malml")} # check-valgrind wraps $malml
refused=$(awk -F '\t' '$1 ~ /^resource-/ && $2 != "ok" { print $1 }' "$work/MANIFEST")
[ -n "$refused" ] || fail "no resource bombs in the MANIFEST"
normal=$fx/pe/gui-x86_64.exe
echo 'import "malml" rule scored { condition: malml.score >= 0 }' > "$tmp/lib.yar"
: > "$tmp/list"
for n in $refused; do echo "$files/$n" >> "$tmp/list"; done
echo "$normal" >> "$tmp/list"
# In the ASan tree the library needs its sanitizer runtimes loaded first;
# these programs are not ours, so their leaks are not checked.
san=$(ldd "$bindir/libyara/$soname" | awk '/lib(a|ub)san/ { printf "%s ", $3 }')
foreign() { env LD_PRELOAD="$san${LD_PRELOAD:-}" \
  ASAN_OPTIONS="${ASAN_OPTIONS:-}:detect_leaks=0" MALML_LIBDIR="$bindir/libyara" "$@"; }
debian() { foreign timeout $((limit + slack)) \
  "$bindir/malml-env" "$onlib" -p 1 -D "$tmp/lib.yar" "$@"; }
debian "$normal" > "$tmp/alone" 2> "$tmp/alone.err" ||
  fail "Debian's yara on our library: $normal: $(head -n 1 "$tmp/alone.err")"
for n in $refused; do
  start=$(date +%s)
  debian -a 1 "$files/$n" > /dev/null 2> "$tmp/err"
  rc=$? took=$(($(date +%s) - start))
  if [ $rc -eq 124 ]; then fail "Debian's yara -a 1 on our library: $n: still running after $((limit + slack)) s"
  elif ! timed_out "$files/$n" "$tmp/err"; then
    fail "Debian's yara -a 1 on our library: $n: exit $rc, '$(head -n 1 "$tmp/err")'"
  else echo "ok: Debian's yara -a 1 on our library: $n: timed out in ${took} s"; fi
done
# A scan list, one process (YARA 4.2's -a limits the whole list there, in
# whole seconds, so -a 1 could skip the fixture without a word).
debian -a "$limit" --scan-list "$tmp/list" > "$tmp/list.out" 2> "$tmp/list.err"
rc=$? before=$failures
[ $rc -eq 124 ] && fail "Debian's yara --scan-list on our library: still running after $((limit + slack)) s"
for n in $refused; do
  timed_out "$files/$n" "$tmp/list.err" ||
    fail "Debian's yara --scan-list on our library: $n not reported as timed out"
done
grep -qx "scored $normal" "$tmp/list.out" && cmp -s "$tmp/alone" "$tmp/list.out" ||
  fail "Debian's yara --scan-list on our library: $normal after the bombs differs from alone"
[ $failures -eq "$before" ] &&
  echo "ok: Debian's yara --scan-list on our library: $(echo $refused | wc -w) bombs timed out, then the fixture as alone"
# Python: the bombs, two large trees under the budget, then the fixture.
start=$(date +%s)
if [ "$soname" != libyara.so.9 ]; then
  echo "SKIP: python Scanner(timeout=2) on our library: Debian's python3-yara links libyara.so.9, this tree's library is $soname"
elif msg=$(foreign timeout $((limit + slack)) env PYTHONPATH="$srcdir/python" \
  /usr/bin/python3 - "$normal" "$files" \
  $refused resource-wide.exe resource-loop-101.exe 2>&1 <<'EOF'
import os, sys
import malml
normal, files, names = sys.argv[1], sys.argv[2], sys.argv[3:]
scanner = malml.Scanner(timeout=2)
alone = scanner.scan_file(normal)
if alone.get("error") or "scores" not in alone.get("malml", {}):
    sys.exit("%s alone: %r" % (normal, alone))
paths = [os.path.join(files, n) for n in names] + [normal]
results = [r for p in paths for r in scanner.scan_path(p)]
for path, r in zip(paths, results):
    bomb = os.path.basename(path) in names[:-2]
    if r["path"] != path:
        sys.exit("%s: result names %s" % (path, r["path"]))
    if not bomb and (r.get("error") or "scores" not in r.get("malml", {})):
        sys.exit("%s: not scanned: %r" % (path, r.get("error")))
    err = r.get("error", "")
    if bomb and ("timed out" not in err or "malml refused" not in err):
        sys.exit("%s: not named as refused by malml: %r" % (path, r))
if len(results) != len(paths) or results[-1] != alone:
    sys.exit("%s after the bombs: %r, alone: %r" % (normal, results[-1], alone))
print(len(paths))
EOF
); then echo "ok: python Scanner(timeout=2) on our library: $msg files, bombs refused, in $(($(date +%s) - start)) s"
else fail "python Scanner(timeout=2) on our library: ${msg:-no output (still running after $((limit + slack)) s?)}"; fi

# (f) .NET metadata bombs (issue 20).  Debian's dotnet really blows up on
# the amplifying kinds: past 256 MB of RSS (its address space capped at
# 512 MB, which it survives: dotnet ignores a failed allocation), or 1 s of
# CPU for the names.  malml's
# gate refuses every kind: our yara and Debian's yara on our libyara.so.9
# finish under 256 MB with malml.dotnet_refused == 1 and a reason, and the
# .NET fixture is not refused.  Under valgrind (a wrapper script) RSS is
# not asserted; under ASan or valgrind Debian's yara is not run on our
# library (an ASan library cannot be loaded into it).
rss_max=262144 # KB
echo 'import "dotnet" rule is_dotnet { condition: dotnet.is_dotnet == 1 }' > "$tmp/dotnet-only.yar"
{
  echo 'import "malml"'
  echo 'rule refused { condition: malml.dotnet_refused == 1 and malml.dotnet_refused_reason != "" }'
  echo 'rule accepted { condition: malml.dotnet_refused == 0 }'
} > "$tmp/refused.yar"
wrapped=0 instrumented=0
if [ "$(head -c 2 "$yara")" = "#!" ]; then
  wrapped=1 instrumented=1
  echo "note: $yara is a wrapper: peak RSS and Debian's yara on our library not checked"
elif nm "$yara" 2> /dev/null | grep -q ' __asan_init'; then
  instrumented=1
  echo "note: $yara has ASan: Debian's yara on our library not checked"
fi
# peak_rss OUTFILE COMMAND...: COMMAND's peak RSS in KB, or "failed RC".
peak_rss()
{
  o=$1
  shift
  timeout $((limit + slack)) /usr/bin/time -f %M -o "$tmp/rss" "$@" > "$o" 2>&1
  rc=$?
  if [ $rc -eq 0 ]; then tail -n 1 "$tmp/rss"; else echo "failed $rc"; fi
}
# check_refused WHAT FILE RSS OUTFILE
check_refused()
{
  case $3 in failed*) fail "$1 $2: $3: $(head -n 2 "$4")"; return ;; esac
  grep -qxF "refused $2" "$4" || fail "$1 $2: malml.dotnet_refused is not 1"
  [ $wrapped -eq 1 ] || [ "$3" -lt $rss_max ] || fail "$1 $2: peak RSS $3 KB"
}
for f in "$files"/dotnet-*.dll; do
  n=$(basename "$f")
  debian=-
  case $n in dotnet-constants.dll | dotnet-assemblyrefs.dll | dotnet-user-strings.dll)
    debian=$(ulimit -v 524288 && peak_rss "$tmp/out" "$oracle" "$tmp/dotnet-only.yar" "$f")
    case $debian in
      failed*) fail "$n: Debian's yara with dotnet: $debian" ;;
      *) [ "$debian" -gt $rss_max ] ||
        fail "$n: not a bomb: Debian's yara with dotnet peaks at $debian KB"
        debian="$debian KB peak RSS" ;;
    esac ;;
  dotnet-names.dll) # a bomb of time: at least 1 s of CPU (1.8 s here)
    rm -f "$tmp/cpu"
    timeout $((limit + slack)) /usr/bin/time -f '%U %S' -o "$tmp/cpu" \
      "$oracle" "$tmp/dotnet-only.yar" "$f" > "$tmp/out" 2>&1
    rc=$?
    cpu=$(tail -n 1 "$tmp/cpu" 2> /dev/null | awk '{ print $1 + $2 }')
    if [ $rc -eq 124 ]; then
      debian="over $((limit + slack)) s"
    elif [ $rc -ne 0 ] || [ -z "$cpu" ]; then
      fail "$n: Debian's yara with dotnet: exit $rc"
    else
      debian="$cpu s of CPU"
      awk -v t="$cpu" 'BEGIN { exit !(t >= 1) }' ||
        fail "$n: not a bomb: Debian's yara with dotnet took $debian"
    fi ;;
  esac
  ours=$(peak_rss "$tmp/out" "$yara" "$srcdir/rules/malml.yar" "$tmp/refused.yar" "$f")
  check_refused yara "$f" "$ours" "$tmp/out"
  lib=-
  if [ $instrumented -eq 0 ]; then
    lib=$(MALML_LIBDIR=$(dirname "$yara")/libyara peak_rss "$tmp/out" \
      "$(dirname "$yara")/malml-env" "$onlib" "$srcdir/rules/malml.yar" \
      "$tmp/refused.yar" "$f")
    check_refused "Debian's yara on our library" "$f" "$lib" "$tmp/out"
  fi
  echo "ok: $n: Debian's dotnet: $debian; peak RSS (KB) ours $ours, Debian's on ours $lib"
done
"$yara" "$tmp/refused.yar" "$fx/pe/dotnet-anycpu.exe" > "$tmp/out" 2>&1
grep -qxF "accepted $fx/pe/dotnet-anycpu.exe" "$tmp/out" ||
  fail "dotnet-anycpu.exe: the .NET fixture was refused: $(head -n 2 "$tmp/out")"

echo "$failures failure(s)"
[ "$failures" -eq 0 ] && rm -rf "$work"
[ "$failures" -eq 0 ]
