#!/bin/sh
# File names that are not UTF-8 in JSON output (issue 20, part 4): malml
# features, malml score -j and yara --output-format=json print one line for
# every file, exit 0, and each line parses as JSON with "path" the name with
# U+FFFD for each invalid byte and, for those names only, "path_bytes" the
# exact bytes in lower-case hex.  Two names that differ only in invalid
# bytes share "path" but not "path_bytes".  (They printed nothing and
# exited 0 for such a name, and yara wrote YARA's \377 escapes.)
set -u
bin=$(dirname "${MALML_BIN:?MALML_BIN not set}")
: "${srcdir:=.}"
yara=${MALML_YARA:-$bin/yara}
malml=$MALML_BIN
fx=${MALML_FIXTURES:?MALML_FIXTURES not set}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0 fail=0
no() { echo "FAIL: $*"; fail=$((fail + 1)); }

pe=$fx/pe/gui-x86_64.exe
[ -f "$pe" ] || { echo "FAIL: no fixture $pe"; exit 1; }
d=$tmp/names
mkdir "$d"
# \377 and \376 are never UTF-8; \355\240\200 is a UTF-16 surrogate's form
# (invalid in UTF-8); caf\351 is Latin-1; the last two are UTF-8.
cp "$pe" "$d/a$(printf '\377')b.exe"
cp "$pe" "$d/a$(printf '\376')b.exe"
cp "$pe" "$d/$(printf '\355\240\200')x.exe"
printf 'MZ not a PE\n' > "$d/caf$(printf '\351').txt"
cp "$pe" "$d/ok-$(printf '\303\251').exe"
printf 'plain\n' > "$d/plain.txt"
printf 'import "malml"\nrule scored { condition: malml.score >= 0 }\n' > "$tmp/malml.yar"
printf 'rule every { condition: true }\n' > "$tmp/any.yar"

# check NAME OUTFILE ERRFILE RC EXPECTED-PATH...: a line per expected file.
check() {
  what=$1 out=$2 err=$3 rc=$4
  shift 4
  if [ "$rc" -ne 0 ] || [ -s "$err" ]; then
    no "$what: exit $rc, stderr: $(head -n 3 "$err")"
    return
  fi
  if msg=$(python3 - "$out" "$@" 2>&1 << 'EOF'
import json, os, re, sys
out, want = sys.argv[1], [os.fsencode(p) for p in sys.argv[2:]]
got, pair = [], []
for n, line in enumerate(open(out, "rb"), 1):
    try:
        obj = json.loads(line.decode("utf-8"))
    except ValueError as e:
        sys.exit("line %d is not JSON: %s" % (n, e))
    path = obj["path"]
    path.encode("utf-8")  # no lone surrogate
    if "path_bytes" in obj:
        hexed = obj["path_bytes"]
        raw = bytes.fromhex(hexed)
        if hexed != raw.hex():
            sys.exit("line %d: path_bytes %r is not lower-case hex" % (n, hexed))
        try:
            raw.decode("utf-8")
            sys.exit("line %d: path_bytes for a UTF-8 name %r" % (n, path))
        except UnicodeDecodeError:
            pass
        # surrogateescape: one lone surrogate per byte that is not UTF-8
        shown = re.sub("[\udc80-\udcff]", "\ufffd",
                       raw.decode("utf-8", "surrogateescape"))
        if path != shown:
            sys.exit("line %d: path %r is not %r" % (n, path, shown))
    else:
        raw = path.encode("utf-8")
    got.append(raw)
    if raw.endswith((b"a\xffb.exe", b"a\xfeb.exe")):
        pair.append((obj["path"], obj.get("path_bytes")))
if sorted(got) != sorted(want):
    sys.exit("names differ: missing %r, extra %r" % (
        sorted(set(want) - set(got)), sorted(set(got) - set(want))))
if len(pair) > 1 and (pair[0][0] != pair[1][0] or pair[0][1] == pair[1][1]):
    sys.exit("a\\377b and a\\376b: not one path and two path_bytes: %r" % pair)
print("%d lines, %d with path_bytes" % (len(got), sum(
    1 for r in got if r != r.decode("utf-8", "replace").encode("utf-8"))))
EOF
  ); then
    pass=$((pass + 1))
    echo "ok: $what: $msg"
  else
    no "$what: $msg"
  fi
}

all=$(find "$d" -type f)
# shellcheck disable=SC2086 # the names have no spaces; $all is a list
set -- $all
"$malml" features -p 1 "$d" > "$tmp/out" 2> "$tmp/err"
check "malml features DIR" "$tmp/out" "$tmp/err" $? "$@"
"$malml" score -j -p 1 "$d" > "$tmp/out" 2> "$tmp/err"
check "malml score -j DIR" "$tmp/out" "$tmp/err" $? "$@"
"$yara" --output-format=json -r -p 1 "$tmp/malml.yar" "$d" > "$tmp/out" 2> "$tmp/err"
check "yara --output-format=json DIR (malml)" "$tmp/out" "$tmp/err" $? "$@"
"$yara" --output-format=json -r "$tmp/any.yar" "$d" > "$tmp/out" 2> "$tmp/err"
check "yara --output-format=json DIR (no malml)" "$tmp/out" "$tmp/err" $? "$@"
# One file named on the command line, not found by a walk.
one=$d/a$(printf '\377')b.exe
"$malml" score -j "$one" > "$tmp/out" 2> "$tmp/err"
check "malml score -j FILE" "$tmp/out" "$tmp/err" $? "$one"
"$yara" --output-format=json "$tmp/malml.yar" "$one" > "$tmp/out" 2> "$tmp/err"
check "yara --output-format=json FILE" "$tmp/out" "$tmp/err" $? "$one"
# Text output still prints the name's own bytes.
"$malml" score -p 1 "$one" 2> /dev/null | head -n 1 > "$tmp/first"
printf '%s\n' "$one" > "$tmp/want"
if cmp -s "$tmp/first" "$tmp/want"; then pass=$((pass + 1)); else
  no "malml score FILE: first line is not the name's bytes"; fi
"$yara" -r "$tmp/malml.yar" "$d" > "$tmp/out" 2> /dev/null
if grep -qF "scored $one" "$tmp/out"; then pass=$((pass + 1)); else
  no "yara text: no line with the name's bytes"; fi

# The Python package's dicts (python/malml on Debian's python3-yara, with
# the built libyara.so.9): the same two fields, and malml.explain works on
# such a name.  Their "path" written as JSON lines goes through check too.
if [ "${MALML_YARA_SONAME:-libyara.so.9}" != libyara.so.9 ]; then
  echo "SKIP: python/malml: Debian's python3-yara links libyara.so.9, this tree's library is $MALML_YARA_SONAME"
elif MALML_LIBDIR=$bin/libyara PYTHONPATH=$srcdir/python /usr/bin/python3 - \
  "$d" "$malml" "$one" > "$tmp/out" 2> "$tmp/err" << 'EOF'
import json, os, sys
import malml
scanner = malml.Scanner(source='import "malml" rule r { condition: true }')
for r in scanner.scan_path(sys.argv[1]):
    print(json.dumps({k: r[k] for k in ("path", "path_bytes") if k in r}))
e = malml.explain(sys.argv[3], malml=sys.argv[2])
assert bytes.fromhex(e["path_bytes"]) == os.fsencode(sys.argv[3]), e["path"]
EOF
then
  # shellcheck disable=SC2086
  set -- $all
  check "python/malml Scanner.scan_path" "$tmp/out" "$tmp/err" 0 "$@"
else
  no "python/malml: $(tail -n 3 "$tmp/err")"
fi

# A file that cannot be read or scanned has a line too, {"path",
# ["path_bytes"], "error"}, exactly once, from malml score -j and malml
# features, beside its stderr message and exit status 1: a missing file,
# a missing one whose name is not UTF-8, and (on libyara 4.2.3, whose pe
# faults on them) the files that crash a worker.
python3 "$srcdir/tests/hostile/make-hostile.py" "$tmp/h" > /dev/null ||
  no "make-hostile.py"
crash=$(awk -F '\t' -v d="$tmp/h/files" '$2 == "crash" { print d "/" $1 }' "$tmp/h/MANIFEST")
case ${MALML_YARA_VERSION:-4.2} in 4.2*) ;; *) crash= ;; esac
bad=$tmp/gone-$(printf '\377').exe # named, never made
for cmd in "score -j" features; do
  # shellcheck disable=SC2086
  "$malml" $cmd -p 2 "$tmp/nonexistent" "$bad" $crash "$pe" > "$tmp/err.jsonl" 2> "$tmp/err.err"
  rc=$?
  if python3 - "$tmp/err.jsonl" "$tmp/nonexistent" "$bad" "$pe" $crash <<'PY'
import json, os, sys
lines = [json.loads(l) for l in open(sys.argv[1])]
missing, bad, good, crash = sys.argv[2], os.fsencode(sys.argv[3]), sys.argv[4], sys.argv[5:]
by = {}
for d in lines:
    key = bytes.fromhex(d["path_bytes"]) if "path_bytes" in d else os.fsencode(d["path"])
    by.setdefault(key, []).append(d)
assert len(lines) == 3 + len(crash), [d["path"] for d in lines]
assert all(set(d) <= {"path", "path_bytes", "error"} for d in lines if "error" in d)
assert all(len(v) == 1 for v in by.values()), [k for k, v in by.items() if len(v) != 1]
e = by[os.fsencode(missing)][0]
assert e == {"path": missing, "error": "No such file or directory"}, e
e = by[bad][0]
assert set(e) == {"path", "path_bytes", "error"} and e["error"] == "No such file or directory", e
for c in crash:
    e = by[os.fsencode(c)][0]
    assert set(e) == {"path", "error"} and "crashed" in e["error"], e
assert "error" not in by[os.fsencode(good)][0]
print("%d lines, %d with \"error\" (%d crashes)" % (len(lines), 2 + len(crash), len(crash)))
PY
  then pass=$((pass + 1)); else no "malml $cmd: error lines"; fi
  [ "$rc" -eq 1 ] && pass=$((pass + 1)) || no "malml $cmd: exit $rc, not 1, with failed files"
  grep -q "nonexistent: No such file or directory" "$tmp/err.err" && pass=$((pass + 1)) ||
    no "malml $cmd: no stderr message for the missing file"
done

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
