#!/bin/sh
# What an analyst sees of malml in a yara scan (issue 12):
#  - --output-format=json over a directory: one object per file; with rules
#    that import malml each carries "sha256" (the file's) and "malml" with
#    the scores and level `malml score -j` gives, equal to the last digit;
#    with rules that do not, neither key (YARA's output stays YARA's);
#  - -D --output-format=json parses and holds pe's and malml's objects;
#  - docs/features.md names every field -D prints for malml;
#  - --print-scores prints "malml: score=... level=... model=... PATH" once
#    per file, after its rule lines and also when no rule matched, and
#    nothing for rules that do not import malml.
set -u
: "${srcdir:=.}"
bin=$(dirname "${MALML_BIN:?MALML_BIN not set}")
yara=${MALML_YARA:-$bin/yara}
malml=$MALML_BIN
fx=${MALML_FIXTURES:?MALML_FIXTURES not set}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0 fail=0
ok() { pass=$((pass + 1)); }
no() { echo "FAIL: $*"; fail=$((fail + 1)); }

printf 'import "malml"\nrule any_score { condition: malml.score >= 0 }\n' > "$tmp/m.yar"
printf 'rule always { condition: true }\n' > "$tmp/plain.yar"

"$yara" -r --output-format=json "$tmp/m.yar" "$fx" > "$tmp/y.jsonl" 2> "$tmp/err"
"$malml" score -j -n 0 "$fx" > "$tmp/s.jsonl" 2>> "$tmp/err"
if python3 - "$tmp/y.jsonl" "$tmp/s.jsonl" <<'PY'
import hashlib, json, sys
scored = {}
for line in open(sys.argv[2]):
    d = json.loads(line)
    scored[d["path"]] = d
n = pe = 0
for line in open(sys.argv[1]):
    d = json.loads(line)
    n += 1
    want = hashlib.sha256(open(d["path"], "rb").read()).hexdigest()
    assert d["sha256"] == want, (d["path"], d["sha256"], want)
    s = dict(scored[d["path"]]["malml"])
    s.pop("explanations", None)
    m = d["malml"]
    # One shape (docs/results.md): yara's "malml" member is malml score's,
    # less the explanations, member for member and in the same order.
    assert list(m) == list(s), (d["path"], list(m), list(s))
    assert m == s, (d["path"], m, s)
    if m["is_pe"]:
        pe += 1
        assert set(m["levels"]) == set(m["scores"]), d["path"]
    else:
        assert "scores" not in m and "level" not in m, d["path"]
assert n == len(scored) and pe > 3, (n, len(scored), pe)
PY
then ok; else no "yara JSON vs malml score -j ($(cat "$tmp/err"))"; fi

"$yara" -r --output-format=json "$tmp/plain.yar" "$fx" > "$tmp/p.jsonl"
if [ -s "$tmp/p.jsonl" ] && ! grep -q -e '"sha256"' -e '"malml"' "$tmp/p.jsonl"; then
  ok
else
  no "a scan without malml carries sha256 or malml"
fi

if "$yara" -D --output-format=json "$tmp/m.yar" "$fx/pe/gui-i686.exe" > "$tmp/d.json" &&
  python3 - "$tmp/d.json" <<'PY'
import json, sys
d = json.loads(open(sys.argv[1]).read())
mods = d["modules"]
assert mods["pe"]["number_of_sections"] > 0, mods["pe"].keys()
assert mods["malml"]["is_pe"] == 1
assert 0 <= mods["malml"]["score"] <= 1
assert mods["malml"]["threshold"]["high"] > mods["malml"]["threshold"]["low"]
assert mods["malml"]["model"]["version"] == d["malml"]["model"]["version"]
PY
then ok; else no "-D --output-format=json: $(head -c 300 "$tmp/d.json")"; fi

# The reference documents every rule-visible name -D prints.
if python3 - "$tmp/d.json" "$srcdir/docs/features.md" <<'PY'
import json, sys
d = json.loads(open(sys.argv[1]).read())["modules"]["malml"]
doc = open(sys.argv[2]).read()
doc = doc[doc.index("## Rule-visible fields"):]
names = set()
def walk(v, path):
    if isinstance(v, dict):
        for k, x in v.items():
            walk(x, path + "." + k)
    elif isinstance(v, list):
        for x in v:
            walk(x, path + "[i]")
    else:
        names.add(path)
walk(d, "malml")
missing = sorted(n for n in names if "`%s`" % n not in doc)
assert not missing, missing
assert d["number_of_imported_functions"] == d["number_of_imports"]
assert len(names) > 60, len(names)
PY
then ok; else no "docs/features.md lacks names yara -D prints"; fi

# Two rules that match: their lines, then one score line ending with the
# path; a rule that matches nothing still gets the file's score line.
printf '%s\nrule also { condition: malml.is_pe == 1 }\n' "$(cat "$tmp/m.yar")" > "$tmp/m2.yar"
"$yara" --print-scores "$tmp/m2.yar" "$fx/pe/gui-i686.exe" > "$tmp/t.txt"
if [ "$(wc -l < "$tmp/t.txt")" -eq 3 ] &&
  [ "$(grep -c '^malml: ' "$tmp/t.txt")" -eq 1 ] &&
  sed -n 3p "$tmp/t.txt" | grep -Eq "^malml: score=[01]\.[0-9]{6} level=(high|medium|low|none) model=[^ ]+ $fx/pe/gui-i686.exe\$"; then
  ok
else
  no "--print-scores: $(cat "$tmp/t.txt")"
fi
printf 'import "malml"\nrule never { condition: malml.score < 0 }\n' > "$tmp/never.yar"
if "$yara" --print-scores "$tmp/never.yar" "$fx/pe/gui-i686.exe" |
  grep -Eq "^malml: score=[01]\.[0-9]{6} level=[a-z]+ model=[^ ]+ $fx/pe/gui-i686.exe\$"; then
  ok
else
  no "--print-scores printed nothing for a file no rule matched"
fi
# With -c: the count, then the score line.
"$yara" -c --print-scores "$tmp/m2.yar" "$fx/pe/gui-i686.exe" > "$tmp/c.txt"
if [ "$(sed -n 1p "$tmp/c.txt")" = 2 ] && [ "$(wc -l < "$tmp/c.txt")" -eq 2 ] &&
  sed -n 2p "$tmp/c.txt" | grep -Eq "^malml: score=[01]\.[0-9]{6} level=[a-z]+ model=[^ ]+ $fx/pe/gui-i686.exe\$"; then
  ok
else
  no "-c --print-scores: $(cat "$tmp/c.txt")"
fi
if [ "$("$yara" --print-scores "$tmp/plain.yar" "$fx/pe/gui-i686.exe")" = "always $fx/pe/gui-i686.exe" ]; then
  ok
else
  no "--print-scores printed a score for rules without malml"
fi
echo "$pass passed, $fail failed"
[ $fail = 0 ]
