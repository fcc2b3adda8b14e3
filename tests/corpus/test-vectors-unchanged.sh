#!/bin/sh
# `malml features` over the labelled corpus gives the same vector, value for
# value, as the one recorded in tests/corpus/vector-digests.txt (one line per
# file: sha256 prefix, digest of its feature JSON).  Moving or refactoring
# code must not change a vector; a deliberate feature change (new schema, a
# fixed extractor) regenerates the file and says why in its commit:
#   build/malml features ../corpus/malware ../corpus/benign |
#     python3 tests/corpus/vector-digests.py > tests/corpus/vector-digests.txt
# and, on libyara 4.5 (scripts/build-libyara45.sh, ./build-yara45), the
# same with build-yara45/malml into tests/corpus/vector-digests-4.5.txt.
set -u
: "${srcdir:=.}"
corpus=${MALML_CORPUS:-../corpus}
malml=${MALML_BIN:?MALML_BIN not set}
want=$srcdir/tests/corpus/vector-digests.txt
# pe and dotnet parse some files differently after libyara 4.2 (4.3 lists
# delayed imports, 4.5 reads .NET resources and signatures anew), and malml
# reads their parse: each libyara MAJOR.MINOR has its own recording.
case ${MALML_YARA_VERSION:-4.2} in
  4.2*) ;;
  *) want=$srcdir/tests/corpus/vector-digests-$(echo "$MALML_YARA_VERSION" | cut -d. -f1,2).txt ;;
esac
[ -f "$want" ] || { echo "FAIL: no $want for libyara $MALML_YARA_VERSION (record it as below)"; exit 1; }
if [ ! -d "$corpus/malware" ]; then
  echo "SKIP: NO CORPUS at $corpus (lay it out with ../shared/corpus/unpack ../corpus)"
  exit 77
fi
got=$(mktemp)
trap 'rm -f "$got"' EXIT
"$malml" features -p 2 "$corpus/malware" "$corpus/benign" |
  python3 "$srcdir/tests/corpus/vector-digests.py" > "$got" || {
  echo "FAIL: malml features or the digest script failed"; exit 1; }
files=$(wc -l < "$got")
if [ "$files" -ne "$(ls "$corpus/malware" "$corpus/benign" | grep -c '^[0-9a-f]\{64\}$')" ]; then
  echo "FAIL: $files vectors for the corpus's files"; exit 1
fi
changed=$(diff "$want" "$got" | grep -c '^>')
if [ "$changed" -ne 0 ]; then
  echo "FAIL: $changed of $files files' vectors differ from $want (or the corpus changed):"
  diff "$want" "$got" | head -20
  exit 1
fi
echo "PASS: $files corpus files, every vector as recorded"
