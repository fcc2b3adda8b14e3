#!/bin/sh
# The fast pass over the bytes gives the byte loop's vectors on every corpus
# file: `malml features` with MALML_PASS capped at each level below the
# CPU's best (bytes = the reference loop; the best level itself is what
# test-vectors-unchanged.sh checks) must match tests/corpus/vector-digests.txt
# digest for digest.  SKIP (77) without ../corpus.
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
for level in ${MALML_PASS_LEVELS:-bytes sse2 avx2 avx512}; do
  MALML_PASS=$level "$malml" features -p 2 "$corpus/malware" "$corpus/benign" |
    python3 "$srcdir/tests/corpus/vector-digests.py" > "$got" || {
    echo "FAIL: malml features (MALML_PASS=$level) or the digest script failed"; exit 1; }
  changed=$(diff "$want" "$got" | grep -c '^>')
  if [ "$changed" -ne 0 ] || [ "$(wc -l < "$got")" -ne "$(wc -l < "$want")" ]; then
    echo "FAIL: MALML_PASS=$level: $changed vectors differ from $want:"
    diff "$want" "$got" | head -10
    exit 1
  fi
  echo "MALML_PASS=$level: $(wc -l < "$got") vectors as recorded"
done
echo "PASS: every level gives the recorded vectors"
