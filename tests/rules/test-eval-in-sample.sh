#!/bin/sh
# malml eval says when the files it evaluates were in the model's training
# data (issue 23, item 13).  A model trained here on 7 of the 10 PE fixtures
# gets MODEL.training.sha256 beside it from malml train; eval on all 10
# warns "7 of 10 files (4 malware, 3 benign)" on stderr and in report.md,
# eval on the other 3 does not (its report says none was); a model without
# its list, or with another model's, says the overlap is not checked; and
# the shipped model's list (model/default.malml.training.sha256) names the
# model compiled in.
# Environment: MALML_BIN, MALML_FIXTURES.  SKIPs (77) without training.
set -u
: "${srcdir:=.}"
malml=${MALML_BIN:?MALML_BIN not set}
fx=${MALML_FIXTURES:?MALML_FIXTURES not set}/pe
if ! "$malml" train --help 2>&1 | grep -q -- '-F DIR'; then
  echo "SKIP: malml was built without training (no XGBoost)"
  exit 77
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
check() { # check WHAT COMMAND...: the command must succeed
  what=$1
  shift
  if "$@"; then echo "ok: $what"; else echo "FAIL: $what"; fail=$((fail + 1)); fi
}

# name label group source train(1)/held out(0)
cat > "$tmp/names" <<EOF2
netclient-i686.exe 1 fam-net coll-a 1
netclient-x86_64.exe 1 fam-net coll-a 1
rwx-i686.exe 1 fam-rwx coll-a 1
overlay-x86_64.exe 1 fam-overlay coll-b 1
gui-i686.exe 0 deb:gui debian 1
plugin-i686.dll 0 deb:plugin debian 1
dotnet-anycpu.exe 0 deb:mono debian 1
rwx-x86_64.exe 1 fam-rwx64 coll-b 0
gui-x86_64.exe 0 deb:gui64 debian 0
plugin-x86_64.dll 0 deb:plugin64 debian 0
EOF2
mkdir "$tmp/train" "$tmp/held" "$tmp/all"
printf 'sha256\tlabel\tgroup\tfamily\tsource\n' > "$tmp/labels.tsv"
while read -r name label group source train; do
  sha=$(sha256sum "$fx/$name" | cut -c1-64)
  printf '%s\t%s\t%s\t\t%s\n' "$sha" "$label" "$group" "$source" >> "$tmp/labels.tsv"
  ln -s "$fx/$name" "$tmp/all/$name"
  if [ "$train" = 1 ]; then ln -s "$fx/$name" "$tmp/train/$name"; else ln -s "$fx/$name" "$tmp/held/$name"; fi
done < "$tmp/names"
if ! "$malml" train -l "$tmp/labels.tsv" -o "$tmp/m.malml" -r 10 -k 0 -p 1 \
  "$tmp/train" > "$tmp/train.out" 2> "$tmp/train.err"; then
  echo "FAIL: malml train: $(tail -3 "$tmp/train.err")"
  exit 1
fi
list=$tmp/m.malml.training.sha256
check "train wrote the training list beside the model" test -s "$list"
check "the list names the model's sha256" \
  grep -qx "# model-sha256 $(sha256sum "$tmp/m.malml" | cut -c1-64)" "$list"
check "the list counts 7 files (4 malware, 3 benign)" \
  grep -qx "# files 7 (4 malware, 3 benign)" "$list"
# shellcheck disable=SC2046
check "the list holds the 7 training files' prefixes, sorted, nothing else" \
  test "$(grep -v '^#' "$list")" = "$(sha256sum "$tmp"/train/* | cut -c1-16 | LC_ALL=C sort)"

# Overlap: all 10 files, 7 of them trained on.
"$malml" eval -p 1 -l "$tmp/labels.tsv" -m "$tmp/m.malml" -R "$tmp/r-all" \
  "$tmp/all" > "$tmp/all.out" 2> "$tmp/all.err"
check "eval on an overlapping set exits 0" test $? -eq 0
check "stderr: 7 of 10 files (4 malware, 3 benign) were in the training data" \
  grep -q "warning: 7 of 10 files (4 malware, 3 benign) were in this model's training data: these figures are in-sample" "$tmp/all.err"
check "stdout's first line says the figures are in-sample, with the counts" \
  sh -c "head -1 '$tmp/all.out' | grep -q \"^WARNING: In-sample: 7 of 10 files (4 malware, 3 benign) were in this model's training data\""
check "report.md says the figures are in-sample, with the counts" \
  grep -q "In-sample: 7 of 10 files (4 malware, 3 benign) were in this model's training data" "$tmp/r-all/report.md"

# Disjoint: the 3 held-out files.
"$malml" eval -p 1 -l "$tmp/labels.tsv" -m "$tmp/m.malml" -R "$tmp/r-held" \
  "$tmp/held" > "$tmp/held.out" 2> "$tmp/held.err"
check "eval on a disjoint set exits 0" test $? -eq 0
check "no in-sample warning for a disjoint set" \
  sh -c "! grep -q 'training data' '$tmp/held.err'"
check "no in-sample mark on stdout for a disjoint set" \
  sh -c "! grep -q 'In-sample' '$tmp/held.out'"
check "its report.md says none was in the training data" \
  grep -q "None of these files was in the model's training data" "$tmp/r-held/report.md"

# No list, and another model's list: not checked, and said so.
cp "$tmp/m.malml" "$tmp/bare.malml"
"$malml" eval -p 1 -l "$tmp/labels.tsv" -m "$tmp/bare.malml" "$tmp/all" \
  > "$tmp/bare.out" 2> "$tmp/bare.err"
check "without a list: says the overlap is not checked" \
  grep -q "bare.malml.training.sha256: No such file or directory: whether these files were in the model's training data is not checked" "$tmp/bare.err"
check "without a list: no count" sh -c "! grep -q 'of 10 files' '$tmp/bare.err'"
check "without a list: stdout says the overlap is not known" \
  sh -c "head -1 '$tmp/bare.out' | grep -q '^Note: Whether the model was trained on any of these files is not known'"
"$malml" eval -p 1 -l "$tmp/labels.tsv" --training-list "$srcdir/model/default.malml.training.sha256" \
  -m "$tmp/m.malml" "$tmp/all" > /dev/null 2> "$tmp/other.err"
check "another model's list is refused" \
  grep -q "lists the training files of model sha256 703bdcb5" "$tmp/other.err"

# The shipped list belongs to the model compiled in, and no fixture is on
# it; malml has it compiled in, so eval needs no file for it.
"$malml" eval -p 1 -l "$tmp/labels.tsv" --training-list "$srcdir/model/default.malml.training.sha256" \
  "$tmp/all" > /dev/null 2> "$tmp/shipped.err"
check "the shipped list is the compiled-in model's" \
  sh -c "! grep -q 'not checked' '$tmp/shipped.err'"
"$malml" eval -p 1 -l "$tmp/labels.tsv" -R "$tmp/r-default" "$tmp/all" \
  > /dev/null 2> "$tmp/default.err"
check "the compiled-in model's list is compiled in" \
  sh -c "! grep -q 'not checked' '$tmp/default.err'"
check "no fixture is in the shipped model's training data" \
  grep -q "None of these files was in the model's training data" "$tmp/r-default/report.md"
echo "$fail failure(s)"
[ "$fail" = 0 ]
