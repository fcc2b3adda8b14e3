#!/bin/sh
# Programs built on the shared libyara get malml from the malml-enabled
# libyara.so.N (libyara/ in the build) without being rebuilt:
#   - it exports exactly the symbols of the library it replaces;
#   - an unmodified yara on that library (Debian's /usr/bin/yara; on a
#     --with-yara tree its bin/yara-shared), through malml-env, prints what our
#     yara prints for malml rules (-D: every field of malml and pe), on the
#     fixtures and, when present, 300 corpus files;
#   - Debian's python3-yara compiles `import "malml"`, matches, and reads
#     the scores through its modules callback; the project's Python package
#     (python/malml) gives the scores `malml score` gives;
#   - a go-yara program built against Debian's go-yara with no special flag
#     prints, through malml-env, what our yara prints;
#   - python/malml/dask_scan.py on a Dask LocalCluster loses no file and
#     counts none twice when a worker is killed, and reports a file that
#     loops inside pe as timed out (after its one retry).
# Python and Go are Debian's, built on libyara.so.9: on another libyara
# (MALML_YARA_SONAME) their checks say SKIP with the reason, and count as
# neither passed nor failed.
# Environment: MALML_BIN (the built malml; yara, malml-env and libyara/ are
# beside it), MALML_FIXTURES, MALML_CORPUS; from make check: MALML_YARA_SONAME,
# MALML_YARA_SHARED (the library replaced), MALML_YARA_ON_SHARED (the yara).
set -u
srcdir=${srcdir:-$(dirname "$0")/../..}
srcdir=$(cd "$srcdir" && pwd)
bindir=$(cd "$(dirname "${MALML_BIN:-./malml}")" && pwd)
ours=$bindir/yara
env=$bindir/malml-env
MALML_LIBDIR=$bindir/libyara
export MALML_LIBDIR
fixtures=${MALML_FIXTURES:?MALML_FIXTURES is not set}
work=$(mktemp -d "${TMPDIR:-/tmp}/pipelines.XXXXXX")
trap 'rm -rf "$work"' EXIT INT TERM
soname=${MALML_YARA_SONAME:-libyara.so.9}
system_so=${MALML_YARA_SHARED:-/usr/lib/x86_64-linux-gnu/libyara.so.9}
system_yara=${MALML_YARA_ON_SHARED:-/usr/bin/yara}
# The yara as its users run it: with its own library found (a no-op for
# Debian's, whose library is on the default path).
plain() { LD_LIBRARY_PATH=$(dirname "$system_so") "$@"; }
failed=0
passed=0
skipped=0
fail() { failed=$((failed + 1)); echo "FAIL: $*"; }
pass() { passed=$((passed + 1)); }
skip() { skipped=$((skipped + 1)); echo "SKIP: $*"; }
# Debian's python3-yara and go-yara link libyara.so.9.
debian_bindings=yes
[ "$soname" = libyara.so.9 ] || debian_bindings=no
no_bindings="Debian's python3-yara and go-yara link libyara.so.9, this tree's library is $soname"

# 1. The same symbols as the system library, no more, no fewer.
nm -D --defined-only "$MALML_LIBDIR/$soname" | awk '{print $3}' | sort > "$work/ours.sym"
nm -D --defined-only "$system_so" | awk '{print $3}' | sort > "$work/system.sym"
if [ -s "$work/ours.sym" ] && cmp -s "$work/ours.sym" "$work/system.sym"; then pass; else
  fail "exported symbols differ from $system_so:"
  diff "$work/system.sym" "$work/ours.sym" | head -n 5
fi

# 2. The system's yara: first without the library (it must not know malml,
#    or this test proves nothing), then with it.
printf 'import "malml"\nimport "pe"\nrule pe_file { condition: malml.is_pe == 1 and pe.number_of_sections >= 0 }\n' > "$work/dump.yar"
plain "$system_yara" "$work/dump.yar" "$fixtures/pe/gui-i686.exe" > "$work/plain" 2>&1
if [ $? -ne 1 ] || ! grep -q 'malml' "$work/plain"; then
  fail "$system_yara without malml-env: not YARA's unknown-module error: the comparison is void"
  head -n 3 "$work/plain"
else pass; fi
for f in "$fixtures"/pe/* "$fixtures"/broken/* "$fixtures"/notpe/*; do
  "$ours" -D "$work/dump.yar" "$f" > "$work/a" 2>&1
  "$env" "$system_yara" -D "$work/dump.yar" "$f" > "$work/b" 2>&1
  if cmp -s "$work/a" "$work/b" && grep -q 'malml' "$work/a"; then pass; else
    fail "yara -D on $f differs between ours and $system_yara under malml-env"
    diff "$work/a" "$work/b" | head -n 6
  fi
done
list=$work/list
find "$fixtures" -type f > "$list"
corpus=${MALML_CORPUS:-}
if [ -n "$corpus" ] && [ -d "$corpus" ]; then
  find "$corpus" -type f ! -name labels.tsv | sort | awk 'NR % 16 == 0' | head -n 300 >> "$list"
else
  echo "## pipelines: no corpus: $system_yara compared on the fixtures only"
fi
"$ours" -p 2 --scan-list "$srcdir/rules/malml.yar" "$list" | sort > "$work/a"
"$env" "$system_yara" -p 2 --scan-list "$srcdir/rules/malml.yar" "$list" | sort > "$work/b"
if cmp -s "$work/a" "$work/b"; then pass; else
  fail "rules/malml.yar over $(wc -l < "$list") files: $system_yara differs"
  diff "$work/a" "$work/b" | head -n 6
fi
echo "## pipelines: rules/malml.yar matched $(wc -l < "$work/a") times over $(wc -l < "$list") files in both"

# 3. Python: Debian's interpreter (python3-yara is built for it).
py=/usr/bin/python3
if [ "$debian_bindings" = no ]; then
  skip "python3-yara: $no_bindings"
elif PYTHONPATH=$srcdir/python "$py" "$srcdir/tests/pipelines/check_python.py" \
  "$bindir/malml" "$work/dump.yar" "$fixtures"/pe/* "$fixtures"/notpe/* > "$work/py" 2>&1; then
  pass
else
  fail "python3-yara: $(tail -n 3 "$work/py")"
fi

# 4. Go, in GOPATH mode against Debian's source package (its documented use),
# with Debian's Go (golang-go: /usr/bin/go), which that package is built
# for; a newer `go` may come first on PATH.
# Two rules match every PE: a program that stops at the first match
# (go-yara reads RuleMatching's true as abort) prints one line, yara two.
printf 'import "malml"\nimport "console"\nrule scored { condition: malml.is_pe == 1 and console.log("malml.score=", malml.score) }\nrule scored_again { condition: malml.is_pe == 1 }\n' > "$work/score.yar"
mkdir -p "$work/go/src/scan"
cp "$srcdir/tests/pipelines/scan.go" "$work/go/src/scan/"
if [ "$debian_bindings" = no ]; then
  skip "go-yara: $no_bindings"
elif (cd "$work/go/src/scan" && HOME=$work GOCACHE=$work/gocache GO111MODULE=off \
      GOPATH=$work/go:/usr/share/gocode GOFLAGS= /usr/bin/go build -o "$work/scan-go" . ) > "$work/gobuild" 2>&1; then
  "$env" "$work/scan-go" "$work/score.yar" "$fixtures"/pe/* > "$work/b" 2>&1
  for f in "$fixtures"/pe/*; do "$ours" "$work/score.yar" "$f"; done > "$work/a" 2>&1
  if cmp -s "$work/a" "$work/b" && grep -q '^malml.score=' "$work/b" &&
     grep -q '^scored_again ' "$work/b"; then pass; else
    fail "go-yara program differs from our yara"
    diff "$work/a" "$work/b" | head -n 6
  fi
else
  fail "go-yara program did not build: $(tail -n 3 "$work/gobuild")"
fi

# 6. Scale-out on Dask (python3-distributed): two worker processes on
#    loopback, one killed mid-run, a file that loops in pe among the rest.
if [ "$debian_bindings" = no ]; then
  skip "dask (python/malml on python3-yara): $no_bindings"
elif PYTHONPATH=$srcdir/python "$py" "$srcdir/tests/pipelines/check_dask.py" \
  "$bindir/malml" "$srcdir/tests/hostile/make-hostile.py" \
  "$fixtures"/pe/* "$fixtures"/notpe/* > "$work/dask" 2>&1; then
  pass
  grep '^dask:' "$work/dask"
else
  fail "dask: $(grep -v '^ ' "$work/dask" | tail -n 5)"
fi

# 5. malml-env says where it looked when the library is not there.
if MALML_LIBDIR=$work/none "$env" true 2> "$work/err"; then
  fail "malml-env ran without a library"
elif grep -q "$soname is missing" "$work/err"; then pass; else
  fail "malml-env's message: $(cat "$work/err")"
fi

echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
