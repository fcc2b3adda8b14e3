#!/bin/sh
# Rule-level tests of rules/malml.yar on the labelled corpus (../corpus next
# to the source tree, or $MALML_CORPUS): every rule must fire on malware and
# stay quiet on most benign files.  The shipped model was trained on this
# corpus, so these are in-sample numbers: the bounds check that the rules
# and thresholds are wired right, not how well they generalise (that is the
# held-out report, model/README.md).  Skips (exit 77) without the corpus.
set -u
: "${srcdir:=.}"
rules=$srcdir/rules/malml.yar
yara=${MALML_YARA:-$(dirname "${MALML_BIN:?MALML_BIN not set}")/yara}
corpus=${MALML_CORPUS:-$srcdir/../corpus}
if [ ! -d "$corpus/malware" ] || [ ! -d "$corpus/benign" ]; then
  echo "SKIP: corpus not found at $corpus (set MALML_CORPUS): rule tests on real files NOT run" >&2
  exit 77
fi
[ -x "$yara" ] || { echo "FAIL: no yara binary at $yara" >&2; exit 1; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for cls in malware benign; do
  if ! "$yara" -r -p 2 "$rules" "$corpus/$cls" > "$tmp/$cls" 2> "$tmp/$cls.err"; then
    echo "FAIL: yara on $corpus/$cls: $(head -3 "$tmp/$cls.err")"
    exit 1
  fi
done
nmal=$(find "$corpus/malware" -type f | wc -l)
nben=$(find "$corpus/benign" -type f | wc -l)
failures=0

# check RULE MIN_DETECTION_PERMILLE MAX_FPR_PERMILLE
check()
{
  m=$(grep -c "^$1 " "$tmp/malware")
  b=$(grep -c "^$1 " "$tmp/benign")
  verdict=ok
  [ "$m" -gt 0 ] || verdict=FAIL                        # fires on malware
  [ $((m * 1000)) -ge $(($2 * nmal)) ] || verdict=FAIL  # often enough
  [ $((b * 1000)) -le $(($3 * nben)) ] || verdict=FAIL  # rarely on benign
  [ "$b" -lt "$nben" ] || verdict=FAIL                  # not on everything
  echo "$verdict: $1: $m of $nmal malware, $b of $nben benign" \
       "(want >= $2 and <= $3 per mille)"
  [ "$verdict" = ok ] || failures=$((failures + 1))
}

# Lower bounds: a little under each rule's held-out detection in its meta
# (model 0.4: high 65.3%, count 87.4%, packed 32.6%, imports 22.6%;
# leave-collections-out, model/README.md): on its own training files the
# refitted model must do at least as well as on collections it never saw.
# The suspicious tier (medium, not high) shrinks in-sample as more files
# reach high, so it is checked with high together (held out: 91.5%).
# Upper bounds: the rule's target FPR.
check malml_high_confidence 600 1
check malml_suspicious 50 10
check malml_count 850 10
check malml_packed_suspicious 150 10
check malml_injection_imports 200 10
medium_m=$(grep -h '^malml_high_confidence \|^malml_suspicious ' "$tmp/malware" | awk '{print $2}' | sort -u | wc -l)
if [ $((medium_m * 1000)) -ge $((880 * nmal)) ]; then
  echo "ok: malml.score >= medium (high or suspicious): $medium_m of $nmal malware (want >= 880 per mille)"
else
  echo "FAIL: malml.score >= medium (high or suspicious): $medium_m of $nmal malware (want >= 880 per mille)"
  failures=$((failures + 1))
fi

# A rule that names APIs matches only files that import them: checked by
# a rule of pe.imports() alone (hashed import buckets once let 136 of the
# imports rule's 582 corpus hits import none of the allocation APIs).
cat > "$tmp/named.yar" <<'YAR'
import "pe"
rule imports_named_apis
{
  condition:
    (pe.imports("kernel32.dll", "VirtualAlloc") or
     pe.imports("kernel32.dll", "VirtualAllocEx") or
     pe.imports("kernel32.dll", "VirtualProtect")) and
    (pe.imports("kernel32.dll", "WriteProcessMemory") or
     pe.imports("kernel32.dll", "CreateRemoteThread") or
     pe.imports("kernel32.dll", "GetProcAddress"))
}
YAR
grep -h '^malml_injection_imports ' "$tmp/malware" "$tmp/benign" | awk '{print $2}' |
  sort > "$tmp/imports-hits"
"$yara" --scan-list "$tmp/named.yar" "$tmp/imports-hits" | awk '{print $2}' |
  sort > "$tmp/imports-named"
if [ ! -s "$tmp/imports-hits" ] || ! cmp -s "$tmp/imports-hits" "$tmp/imports-named"; then
  echo "FAIL: malml_injection_imports: $(comm -23 "$tmp/imports-hits" "$tmp/imports-named" | wc -l) of $(wc -l < "$tmp/imports-hits") hits import none of the APIs it names"
  failures=$((failures + 1))
else
  echo "ok: all $(wc -l < "$tmp/imports-hits") malml_injection_imports hits import the APIs it names"
fi

# The tiers nest: nothing is both high-confidence and merely suspicious.
both=$(awk '{print $2}' "$tmp/malware" "$tmp/benign" | sort | uniq -c |
       awk '$1 > 1' | wc -l)
grep -h '^malml_high_confidence \|^malml_suspicious ' "$tmp/malware" "$tmp/benign" |
  awk '{print $2}' | sort | uniq -d > "$tmp/overlap"
if [ -s "$tmp/overlap" ]; then
  echo "FAIL: $(wc -l < "$tmp/overlap") files match both malml_high_confidence and malml_suspicious"
  failures=$((failures + 1))
else
  echo "ok: the high and suspicious tiers do not overlap ($both files match several rules)"
fi

echo "$failures failure(s)"
[ "$failures" -eq 0 ]
