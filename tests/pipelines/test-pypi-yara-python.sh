#!/bin/sh
# PyPI's yara-python, in a fresh virtual environment, runs `import "malml"`
# through the malml-enabled libyara of this build (libyara.so.9 on libyara
# 4.2, libyara.so.10 on 4.3+), giving the scores our yara prints:
#   - the yara-python release of the build's libyara major.minor (4.2.* on
#     Debian 12's 4.2.3, 4.5.* on a 4.5 build), installed two ways:
#       wheel:   plain `pip install yara-python==X.Y.*` when PyPI has a
#                wheel for it (libyara built in; its calls bind to the
#                library malml loads first).  4.2 has none: said, not passed.
#       dynamic: the source built linked to libyara (--dynamic-linking
#                through setuptools' DIST_EXTRA_CONFIG), against the
#                headers the build was configured with; its soname must be
#                the build's;
#     each checked by tests/pipelines/check_python.py (the Debian
#     python3-yara check of test-pipelines.sh): every score from the
#     modules callback and from python/malml equals `malml score`'s and
#     our yara's JSON;
#   - the README's three-line script ("yara-python from PyPI"), taken from
#     the README itself, prints the score our yara --print-scores prints;
#   - python/malml, away from any build tree and with MALML_LIBDIR empty,
#     says where it looked and names MALML_LIBDIR; on pip's default source
#     build (libyara inside, bound to itself by Debian's python's
#     -Bsymbolic-functions) it says so and how to reinstall.
# The interpreter is Debian's /usr/bin/python3 (python3-venv: pip 23.0.1,
# setuptools 66.1.1), whatever python3 is first on PATH.  PyPI must be
# reachable: without it this test fails, saying so.
# Environment: MALML_BIN (the built malml; yara and libyara/ are beside
# it), MALML_FIXTURES.
set -u
srcdir=${srcdir:-$(dirname "$0")/../..}
srcdir=$(cd "$srcdir" && pwd)
bindir=$(cd "$(dirname "${MALML_BIN:-./malml}")" && pwd)
fixtures=${MALML_FIXTURES:?MALML_FIXTURES is not set}
py=/usr/bin/python3
work=$(mktemp -d "${TMPDIR:-/tmp}/pypi-yara.XXXXXX")
trap 'rm -rf "$work"' EXIT INT TERM
failed=0
passed=0
fail() { failed=$((failed + 1)); echo "FAIL: $*"; }
pass() { passed=$((passed + 1)); }

# The library this build made, and the libyara version it was built on.
lib=$(ls "$bindir"/libyara/libyara.so.[0-9]* 2> /dev/null | head -n 1)
[ -n "$lib" ] || { echo "FAIL: no libyara/libyara.so.N in $bindir (build first)"; exit 1; }
soname=$(basename "$lib")
version=$("$bindir/yara" --version | cut -d' ' -f1)
mm=$(echo "$version" | cut -d. -f1-2)
echo "## pypi: build on libyara $version ($soname); yara-python==$mm.* from PyPI under $py"
MALML_LIBDIR=$bindir/libyara
export MALML_LIBDIR

# A source build of yara-python compiles against the headers configure
# found (YARA_CFLAGS: empty for the system's libyara-dev) and links
# against this build's library itself (-lyara finds libyara.so here).
yara_cflags=$(sed -n 's/^YARA_CFLAGS = //p' "$bindir/Makefile" | head -n 1)
mkdir "$work/link" && ln -s "$lib" "$work/link/libyara.so"
yara_ldflags=-L$work/link

venv() { # venv DIR: a fresh virtual environment of $py, or FAIL
  "$py" -m venv "$1" > "$work/venv.log" 2>&1 && return 0
  fail "$py -m venv: $(tail -n 2 "$work/venv.log") (Debian: apt-get install python3-venv)"
  return 1
}

# check NAME VENV: check_python.py on the fixtures, with that venv's python.
check() {
  if PYTHONPATH=$srcdir/python "$2/bin/python" "$srcdir/tests/pipelines/check_python.py" \
    "$bindir/malml" "$srcdir/rules/malml.yar" "$fixtures"/pe/* "$fixtures"/notpe/* \
    > "$work/$1.out" 2>&1; then
    pass
    echo "## pypi $1: $(head -n 1 "$work/$1.out"); $(grep -c ' \(high\|medium\|low\|none\)$' "$work/$1.out") PE files scored as malml score scores them"
  else
    fail "yara-python from PyPI ($1): $(tail -n 3 "$work/$1.out")"
  fi
}

# 0. PyPI reachable, and a yara-python of this major.minor on it.
venv "$work/probe" || exit 1
if ! "$work/probe/bin/pip" download -q --no-deps --no-binary :all: -d "$work/sdist" \
  "yara-python==$mm.*" > "$work/probe.log" 2>&1; then
  echo "FAIL: could not fetch yara-python==$mm.* from PyPI (unreachable, or no such release): $(tail -n 2 "$work/probe.log")"
  exit 1
fi
echo "## pypi: PyPI has $(ls "$work/sdist")"

# 1. The wheel, as plain pip gives it.
wheel=""
if venv "$work/wheel"; then
  if "$work/wheel/bin/pip" install -q --only-binary yara-python "yara-python==$mm.*" \
    > "$work/wheel.log" 2>&1; then
    wheel=$work/wheel
    check wheel "$wheel"
  elif grep -q "No matching distribution" "$work/wheel.log"; then
    echo "## pypi wheel: NOT TESTED: PyPI has no yara-python $mm.* wheel for $($py -V) (only the source; libyara 4.3+ releases have wheels)"
  else
    fail "pip install yara-python==$mm.* (wheel): $(tail -n 2 "$work/wheel.log")"
  fi
fi

# 2. The source, linked to libyara; it must link to this build's soname.
dynamic=""
printf '[build_ext]\ndynamic_linking = 1\n' > "$work/dyn.cfg"
if venv "$work/dynamic"; then
  # shellcheck disable=SC2086
  if DIST_EXTRA_CONFIG=$work/dyn.cfg CFLAGS="$yara_cflags" LDFLAGS="$yara_ldflags" \
    "$work/dynamic/bin/pip" install -q --no-cache-dir --no-binary yara-python \
    "yara-python==$mm.*" > "$work/dynamic.log" 2>&1; then
    ext=$(ls "$work"/dynamic/lib/python3*/site-packages/yara*.so)
    needed=$(readelf -d "$ext" | sed -n 's/.*Shared library: \[\(libyara\.so\.[0-9]*\)\].*/\1/p')
    if [ "$needed" = "$soname" ]; then
      pass
      dynamic=$work/dynamic
      check dynamic "$dynamic"
    else
      fail "yara-python built with dynamic linking needs '${needed:-no libyara}', not $soname"
    fi
  else
    fail "pip install --no-binary yara-python yara-python==$mm.* (dynamic linking): $(tail -n 3 "$work/dynamic.log")"
  fi
fi

# 3. The README's script, run as the README says, in each venv that passed.
awk '/^### yara-python from PyPI/ {s = 1} s && /^```python/ {p = 1; next}
  p && /^```/ {exit} p' "$srcdir/README.md" > "$work/score.py"
if [ "$(wc -l < "$work/score.py")" -ne 3 ]; then
  fail "README: no three-line python script under \"yara-python from PyPI\""
fi
pe=$fixtures/pe/gui-x86_64.exe
want=$("$bindir/yara" --print-scores "$srcdir/rules/malml.yar" "$pe" |
  sed -n 's/^malml: score=\([0-9.]*\) .*/\1/p')
for v in $wheel $dynamic; do
  (cd "$srcdir" && PYTHONPATH=python "$v/bin/python" "$work/score.py" "$pe") > "$work/readme.out" 2>&1
  got=$(PYTHONPATH= "$py" -c 'import ast, sys
r = ast.literal_eval(open(sys.argv[1]).read())
print("%.6f" % r["malml"]["scores"]["score"] if [m["rule"] for m in r["matches"]] == ["pe_scored"] else "no match")' \
    "$work/readme.out" 2> /dev/null)
  if [ -n "$want" ] && [ "$got" = "$want" ]; then pass; else
    fail "README's script in $(basename "$v"): '${got:-$(tail -n 2 "$work/readme.out")}', our yara: $want"
  fi
done

# 4. No library where it looks: the error says where it looked and how to
#    point it elsewhere (a copy of the package, away from any build tree).
mkdir -p "$work/pkg" && cp -r "$srcdir/python/malml" "$work/pkg/"
v=${wheel:-$dynamic}
if [ -n "$v" ]; then
  MALML_LIBDIR=$work/none PYTHONPATH=$work/pkg "$v/bin/python" -c 'import malml
try:
    malml.load_library()
    print("loaded", malml._loaded)
except malml.LibraryError as e:
    print(e)' > "$work/err" 2>&1
  if grep -q "MALML_LIBDIR" "$work/err" && grep -q "$work/none/$soname" "$work/err"; then pass
  elif grep -q '^loaded /usr/' "$work/err"; then
    pass; echo "## pypi: a malml library is installed: $(cat "$work/err")"
  else fail "the error without a library: $(cat "$work/err")"; fi
fi

# 5. pip's default source build under Debian's python has libyara inside,
#    bound to itself (-Bsymbolic-functions): malml cannot serve it, and
#    must say so and how to reinstall it, not just "unknown module".
if venv "$work/static"; then
  if "$work/static/bin/pip" install -q --no-cache-dir --no-binary yara-python \
    "yara-python==$mm.*" > "$work/static.log" 2>&1; then
    PYTHONPATH=$srcdir/python "$work/static/bin/python" -c 'import malml
try:
    malml.load_library()
    print("loaded", malml._loaded)
except malml.LibraryError as e:
    print(e)' > "$work/err" 2>&1
    if grep -q "has libyara built in" "$work/err" && grep -q "dynamic_linking = 1" "$work/err"; then pass
    else fail "a static source build of yara-python: $(cat "$work/err")"; fi
  else
    fail "pip install --no-binary yara-python yara-python==$mm.*: $(tail -n 3 "$work/static.log")"
  fi
fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
