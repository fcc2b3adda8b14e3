#!/bin/sh
# `malml features` names pe's integers exactly (issue 23, item 3) on the
# fixtures and the hostile files (make-hostile.py: headers with 64-bit
# fields at 2^63 - 1 and -2^63, sizes past 2^53): each of the 27 pe fields
# behind a header feature is, in "features", the JSON integer Debian's
# yara's pe gives (or not an integer where pe leaves it undefined), and the
# "vectors" keep its float32, the value a model sees.  Every named feature
# but the 15 real-valued ones (entropies, ratios, means) is a JSON integer
# (or null) in every file, equal to its vector value's float32; and a PE of
# 17,062,977 bytes (float32: 17062976) has header.file_size 17062977.
# Environment: MALML_BIN, MALML_FIXTURES.
set -u
: "${srcdir:=.}"
malml=${MALML_BIN:?MALML_BIN not set}
fx=${MALML_FIXTURES:?MALML_FIXTURES not set}
yara=${MALML_ORACLE_YARA:-/usr/bin/yara} # the libyara under test's own yara
[ -x "$yara" ] || { echo "SKIP: no oracle yara at $yara"; exit 77; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
python3 "$srcdir/tests/hostile/make-hostile.py" "$tmp/h" > /dev/null ||
  { echo "FAIL: make-hostile.py"; exit 1; }
# The pe fields of cli/malml/pe_exact.c, one rule each: an undefined field
# logs nothing.
fields="size_of_code size_of_initialized_data size_of_uninitialized_data
size_of_image size_of_headers size_of_stack_reserve size_of_stack_commit
size_of_heap_reserve size_of_heap_commit number_of_sections machine
characteristics dll_characteristics subsystem timestamp image_base
section_alignment file_alignment linker_version.major linker_version.minor
os_version.major subsystem_version.major checksum size_of_optional_header
number_of_rva_and_sizes number_of_resources number_of_signatures"
{
  echo 'import "pe"'
  echo 'import "console"'
  n=0
  for f in $fields; do
    n=$((n + 1))
    printf 'rule f%d { condition: console.log("%s=", pe.%s) }\n' "$n" "$f" "$f"
  done
} > "$tmp/pe.yar"
rm -f "$tmp/h/files/sparse-4g.exe" # 4 GiB to read twice, nothing new here
find "$fx/pe" "$tmp/h/files" -type f | sort > "$tmp/list"
while read -r f; do
  timeout 60 "$yara" -a 30 "$tmp/pe.yar" "$f" 2>/dev/null | grep '=' | sed "s|^|$f |"
done < "$tmp/list" > "$tmp/pe.txt"
# shellcheck disable=SC2046
"$malml" features -p 2 -a 30 $(cat "$tmp/list") > "$tmp/features.jsonl" 2> "$tmp/features.err"
python3 - "$tmp/features.jsonl" "$tmp/pe.txt" "$fields" <<'PY'
import json, struct, sys
pe = {}
for line in open(sys.argv[2]):
    path, kv = line.rstrip("\n").rsplit(" ", 1)
    k, v = kv.split("=", 1)
    pe.setdefault(path, {})[k] = int(v)
names = {"linker_version.major": "linker_version_major",
         "linker_version.minor": "linker_version_minor",
         "os_version.major": "os_version_major",
         "subsystem_version.major": "subsystem_version_major"}
fields = sys.argv[3].split()
f32 = lambda x: struct.unpack("f", struct.pack("f", x))[0]
files = exact = undefined = huge = 0
for line in open(sys.argv[1]):
    d = json.loads(line)
    if "error" in d or not d["is_pe"] or d["path"] not in pe:
        continue  # not PE, or yara gave nothing (its time limit)
    files += 1
    header = [k for k in d["features"] if k.startswith("header.")]
    for field in fields:
        key = "header." + names.get(field, field)
        got = d["features"][key]
        vec = d["vectors"]["header"][header.index(key)]
        want = pe.get(d["path"], {}).get(field)
        if want is None:
            assert type(got) is not int, (d["path"], key, got)
            undefined += 1
            continue
        assert type(got) is int and got == want, (d["path"], key, got, want)
        assert vec == float("%.9g" % f32(want)), (d["path"], key, vec, want)
        exact += 1
        huge += abs(want) > 2 ** 53
assert files >= 40, files
assert huge >= 3, huge
print("%d PE files: %d integers exactly as pe gives them (%d past 2^53), "
      "%d undefined in pe and not shown as integers" % (files, exact, huge, undefined))
PY
[ $? -eq 0 ] || exit 1
# Integer kinds: one type per feature, every file; the file size exact.
big=$tmp/big-17062977.exe
cp "$fx/pe/gui-x86_64.exe" "$big"
truncate -s 17062977 "$big"
"$malml" features -p 1 "$big" > "$tmp/big.jsonl" 2> "$tmp/big.err"
python3 - "$tmp/features.jsonl" "$tmp/big.jsonl" <<'PY'
import json, struct, sys
real = {"header.file_entropy", "header.overlay_ratio", "header.entry_point_ratio",
        "header.overlay_entropy", "header.max_certificate_validity_days",
        "sections.max_entropy", "sections.min_entropy", "sections.mean_entropy",
        "sections.max_virtual_raw_ratio", "sections.raw_coverage",
        "sections.entry_section_entropy", "sections.header_entropy",
        "strings.mean_string_length", "strings.printable_ratio",
        "dotnet.resources_ratio"}
f32 = lambda x: struct.unpack("f", struct.pack("f", x))[0]
files = ints = 0
for line in open(sys.argv[1]):
    d = json.loads(line)
    if not d.get("is_pe"):
        continue
    files += 1
    assert len(d["features"]) == 191, len(d["features"])
    flat = [x for g in d["vectors"].values() for x in g]  # named come first per group
    for group, vec in d["vectors"].items():
        names = [k for k in d["features"] if k.startswith(group + ".")]
        for i, k in enumerate(names):
            v = d["features"][k]
            if v is None:
                assert vec[i] is None, (d["path"], k, vec[i])
            elif k in real:
                assert type(v) is float, (d["path"], k, v)
            else:
                assert type(v) is int, (d["path"], k, v)
                assert float("%.9g" % f32(v)) == vec[i], (d["path"], k, v, vec[i])
                ints += 1
big = json.loads(open(sys.argv[2]).readline())
assert big["features"]["header.file_size"] == 17062977, big["features"]["header.file_size"]
assert big["vectors"]["header"][0] == 17062976.0, big["vectors"]["header"][0]
assert files >= 40, files
print("%d PE files: %d integer-kind values as JSON integers, their vectors' "
      "float32; file_size 17062977 exact (vector 17062976)" % (files, ints))
PY
