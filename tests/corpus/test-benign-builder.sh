#!/bin/sh
# The benign-corpus builder and its discovery mode (model/corpus/), with no
# network: make-benign-packages.py makes a wheel, an npm tarball and reserved
# packages holding small PE files made by struct.pack, and both scripts read
# them with --from-dir.  Asserts what discovery pins (PE facts, the 2 MiB
# cap, the 30-per-package cap, the reserved rules, duplicates), then the
# build: layout and labels, idempotence, a version no longer served, a sha256
# mismatch, a member over 2 MiB, reserved rows in a manifest.
set -u
: "${srcdir:=.}"
here=$srcdir/model/corpus
t=$(mktemp -d)
trap 'rm -rf "$t"' EXIT
fails=0
pass=0
ok() { pass=$((pass + 1)); }
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
check() { if eval "$2"; then ok; else fail "$1"; fi; }

python3 "$srcdir/tests/corpus/make-benign-packages.py" "$t/pk" || { echo "FAIL: fixture maker"; exit 1; }
MALML_SHARED_CORPUS=$t/pk/shared; export MALML_SHARED_CORPUS
MALML_EXISTING_LABELS=$t/pk/existing.tsv; export MALML_EXISTING_LABELS
m=$t/manifests
mkdir -p "$m"

# ---- discovery -----------------------------------------------------------------
python3 "$here/discover.py" --manifests "$m" --cache "$t/cache" --from-dir "$t/pk/src" \
  "$t/pk/candidates.txt" 2> "$t/disc.log" || fail "discover.py exited $?"
rows() { tail -n +2 "$m/$1.tsv" | wc -l; }
check "pypi.tsv has 6 goodpkg + 30 manypkg + 1 range-pkg rows ($(rows pypi))" '[ "$(rows pypi)" -eq 37 ]'
check "a PEP 508 candidate (Range_Pkg<2) is pinned under its PEP 503 name" \
  "[ \"\$(awk -F'\t' '\$5 == \"range_pkg/r.pyd\" {print \$2}' '$m/pypi.tsv')\" = range-pkg ]"
check "the reserved rules see the name, not the requirement (rsvpkg>=0.9)" \
  "grep -q 'rsvpkg>=0.9 1.0 .*: refused (reserved package)' '$t/disc.log'"
check "npm.tsv has 2 rows" '[ "$(rows npm)" -eq 2 ]'
check "manypkg capped at 30" '[ "$(grep -c "	manypkg	" "$m/pypi.tsv")" -eq 30 ]'
while IFS="$(printf '\t')" read -r path sha mach kind net tool signed; do
  line=$(awk -F'\t' -v p="$path" '$5 == p' "$m"/pypi.tsv "$m"/npm.tsv)
  got=$(printf '%s\n' "$line" | cut -f6,8-12)
  check "$path pinned as $sha $mach $kind $net $tool $signed (got: $got)" \
    "[ \"\$got\" = \"$sha	$mach	$kind	$net	$tool	$signed\" ]"
done < "$t/pk/expect.tsv"
for p in big.dll fake.dll reserved.dll existing.dll copy-of-a.pyd __init__.py; do
  check "goodpkg/$p not pinned" "! grep -q 'goodpkg/$p' '$m/pypi.tsv'"
done
check "rsvpkg refused as reserved" "grep -q 'rsvpkg 1.0 .*: refused (reserved package)' '$t/disc.log'"
check "bucket3 refused by the bucket rule" "grep -q 'bucket3 1.0 .*: refused (reserved bucket' '$t/disc.log'"
check "a Go module of a reserved repository is refused" \
  "grep -q 'github.com/owner/evil v1.0.0 .*: refused (reserved repository)' '$t/disc.log' && [ ! -e '$m/go.tsv' ]"
check "no reserved package pinned" "! grep -qE '	(rsvpkg|bucket3)	' '$m/pypi.tsv'"
cp "$m/pypi.tsv" "$t/pypi.before"
python3 "$here/discover.py" --manifests "$m" --cache "$t/cache" --from-dir "$t/pk/src" \
  "$t/pk/candidates.txt" 2> "$t/disc2.log"
check "a second discovery appends nothing" 'cmp -s "$m/pypi.tsv" "$t/pypi.before"'

# ---- build ---------------------------------------------------------------------
# The folder also holds the malware harvest's manifests, with other columns.
printf 'sha256\tsize\tsource_path\tfamily\tmachine\tis_dll\tis_dotnet\n' > "$m/malware-x.tsv"
d=$t/dest
python3 "$here/build-benign.py" "$d" --manifests "$m" --from-dir "$t/pk/src" > "$t/b1.out" 2> "$t/b1.err" \
  || fail "build exited $?"
check "39 files built ($(ls "$d/benign" | wc -l))" '[ "$(ls "$d/benign" | wc -l)" -eq 39 ]'
bad=0
for f in "$d"/benign/*; do
  [ "$(sha256sum < "$f" | cut -c1-64)" = "$(basename "$f")" ] || bad=$((bad + 1))
  [ "$(stat -c %a "$f")" = 644 ] || bad=$((bad + 1))
done
check "every file named by its sha256, mode 0644" '[ "$bad" -eq 0 ]'
check "labels.tsv header" '[ "$(head -1 "$d/labels.tsv")" = "sha256	label	group	family	source" ]'
check "labels.tsv has 39 rows" '[ "$(tail -n +2 "$d/labels.tsv" | wc -l)" -eq 39 ]'
a=$(awk -F'\t' '$5 == "goodpkg/a.pyd" {print $6}' "$m/pypi.tsv")
check "label row of a.pyd" "grep -qx '$a	0	pypi:goodpkg		pypi:goodpkg@1.0' '$d/labels.tsv'"
n=$(awk -F'\t' '$5 == "package/bin/tool.exe" {print $6}' "$m/npm.tsv")
check "label row of the npm tool.exe" "grep -qx '$n	0	npm:goodnpm		npm:goodnpm@2.0.0' '$d/labels.tsv'"

# idempotent: nothing fetched when all is present (an empty source dir suffices)
mkdir "$t/empty"
python3 "$here/build-benign.py" "$d" --manifests "$m" --from-dir "$t/empty" --strict > "$t/b2.out" 2>&1 \
  || fail "second build (all present) exited $?"
check "second build adds nothing, fetches nothing" \
  "grep -q 'done: 0 added, 39 already present, 0 unavailable artifacts, 0 bad files' '$t/b2.out'"

# a version the registry no longer serves, a sha256 mismatch, a lying size column,
# rows of reserved packages/files: reported by name, never fatal
cp "$m/pypi.tsv" "$t/pypi.good"
big_sha=$(cut -f2 "$t/pk/big.tsv")
rsv=$(sha256sum "$t/pk/shared/reserved-files.sha256" >/dev/null; head -1 "$t/pk/shared/reserved-files.sha256")
{
  printf 'pypi\tgone\t9.9\tgone-9.9-py3-none-win_amd64.whl\tgone/x.dll\t%s\t1536\tamd64\tdll\t0\tmsvc\t0\n' \
    "$(printf 'x' | sha256sum | cut -c1-64)"
  printf 'pypi\tgoodpkg\t1.0\tgoodpkg-1.0-cp312-cp312-win_amd64.whl\tgoodpkg/fake.dll\t%s\t1536\tamd64\tdll\t0\tmsvc\t0\n' \
    "$(printf 'y' | sha256sum | cut -c1-64)"
  printf 'pypi\tgoodpkg\t1.0\tgoodpkg-1.0-cp312-cp312-win_amd64.whl\tgoodpkg/big.dll\t%s\t1000\tamd64\tdll\t0\tmsvc\t0\n' "$big_sha"
  printf 'pypi\trsvpkg\t1.0\trsvpkg-1.0-py3-none-win_amd64.whl\trsvpkg/r.dll\t%s\t1536\tamd64\tdll\t0\tunknown\t0\n' \
    "$(printf 'z' | sha256sum | cut -c1-64)"
  printf 'pypi\tgoodpkg\t1.0\tgoodpkg-1.0-cp312-cp312-win_amd64.whl\tgoodpkg/reserved.dll\t%s\t1536\tamd64\tdll\t0\tunknown\t0\n' "$rsv"
} >> "$m/pypi.tsv"
python3 "$here/build-benign.py" "$d" --manifests "$m" --from-dir "$t/pk/src" > "$t/b3.out" 2> "$t/b3.err"
rc=$?
check "a missing version is not fatal (exit $rc)" '[ "$rc" -eq 0 ]'
check "the missing version is reported by name" "grep -q '^unavailable: pypi:gone@9.9' '$t/b3.out'"
check "the sha256 mismatch is reported" "grep -q '^bad: pypi:goodpkg@1.0 .*goodpkg/fake.dll: sha256 mismatch' '$t/b3.out'"
check "the member over 2 MiB is reported" "grep -q '^bad: pypi:goodpkg@1.0 .*goodpkg/big.dll: over 2 MiB' '$t/b3.out'"
check "the reserved package's row is refused" "grep -q '^refused: pypi:rsvpkg rsvpkg/r.dll: reserved package' '$t/b3.out'"
check "the reserved file's row is refused" "grep -q '^refused: pypi:goodpkg goodpkg/reserved.dll: reserved file' '$t/b3.out'"
check "nothing bad was written" "[ ! -e '$d/benign/$big_sha' ] && [ \$(ls '$d/benign' | wc -l) -eq 39 ]"
check "no partial file left" "! ls -a '$d/benign' | grep -q part"
python3 "$here/build-benign.py" "$d" --manifests "$m" --from-dir "$t/pk/src" --strict > /dev/null 2>&1
check "--strict fails when listed files are missing" '[ $? -eq 1 ]'

# resumable: a deleted file comes back, and only its artifact is read
rm "$d/benign/$n"
cp "$t/pypi.good" "$m/pypi.tsv"
mkdir "$t/npmonly" && cp "$t/pk/src/goodnpm-2.0.0.tgz" "$t/npmonly/"
python3 "$here/build-benign.py" "$d" --manifests "$m" --from-dir "$t/npmonly" --strict > "$t/b4.out" 2>&1 \
  || fail "resume build exited $?"
check "a deleted file is fetched again from its artifact alone" \
  "grep -q 'done: 1 added, 38 already present, 0 unavailable' '$t/b4.out' && [ -f '$d/benign/$n' ]"

# tidy repairs rows pinned under a requirement (`cmake<4.2`, the old parse_candidate):
# the PEP 503 name, the reserved rules applied to it, the cap kept with both names merged
cp "$t/pypi.good" "$m/pypi.tsv"
r=$(awk -F'\t' '$5 == "range_pkg/r.pyd"' "$m/pypi.tsv")
grep -v '	range-pkg	' "$t/pypi.good" > "$m/pypi.tsv"
printf '%s\n' "$r" | awk -F'\t' -v OFS='\t' '{$2 = "Range_Pkg<2"; print}' >> "$m/pypi.tsv"
printf 'pypi\trsvpkg<2\t1.0\trsvpkg-1.0-py3-none-win_amd64.whl\trsvpkg/r.dll\t%s\t1536\tamd64\tdll\t0\tunknown\t0\n' \
  "$(printf 'w' | sha256sum | cut -c1-64)" >> "$m/pypi.tsv"
for i in 1 2 3; do
  printf 'pypi\tmanypkg<3\t2.0\tmanypkg-2.0-py3-none-win_amd64.whl\tmanypkg/o%d.exe\t%s\t1536\ti386\texe\t0\tmsvc\t0\n' \
    "$i" "$(printf 'o%d' "$i" | sha256sum | cut -c1-64)" >> "$m/pypi.tsv"
done
python3 "$here/discover.py" --manifests "$m" --tidy 2> "$t/tidy.log" || fail "tidy exited $?"
check "tidy renames Range_Pkg<2 to range-pkg" "grep -q '^pypi	range-pkg	1.5	.*range_pkg/r.pyd' '$m/pypi.tsv'"
check "tidy leaves no requirement as a package name" "! cut -f2 '$m/pypi.tsv' | grep -q '[<>=]'"
check "tidy drops the row that is reserved under its real name (rsvpkg<2)" "! grep -q 'rsvpkg' '$m/pypi.tsv'"
check "tidy keeps manypkg at the cap, the merged exes among them" \
  "[ \$(grep -c '	manypkg	' '$m/pypi.tsv') -eq 30 ] && grep -q 'manypkg/o1.exe' '$m/pypi.tsv'"
check "tidy reports 37 kept, 4 dropped" "grep -q 'pypi.tsv: 37 rows kept, 4 dropped' '$t/tidy.log'"

echo "$pass passed, $fails failed"
[ "$fails" -eq 0 ]
