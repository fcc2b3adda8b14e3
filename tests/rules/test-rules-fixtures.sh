#!/bin/sh
# Rule-level tests of rules/malml.yar on the PE fixtures the suite builds
# (tests/fixtures/make-fixtures.sh) and on files derived from them here.  Each check
# names a rule, a file and whether the rule must match; the first group uses
# the rules as shipped, the second a copy with the model cuts set to 0 so
# that the conditions around the scores (imports, entropy, packing) are
# tested on their own.
set -u
: "${srcdir:=.}"
rules=$srcdir/rules/malml.yar
yara=${MALML_YARA:-$(dirname "${MALML_BIN:?MALML_BIN not set}")/yara}
fx=${MALML_FIXTURES:?MALML_FIXTURES not set}
[ -x "$yara" ] || { echo "FAIL: no yara binary at $yara" >&2; exit 1; }
[ -d "$fx/pe" ] || { echo "FAIL: no fixtures in $fx (make check builds them)" >&2; exit 1; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failures=0

# expect RULESFILE RULE FILE yes|no
expect()
{
  out=$("$yara" -i "$2" "$1" "$3" 2>"$tmp/err")
  rc=$?
  if [ $rc -ne 0 ]; then
    echo "FAIL: yara exited $rc on $3: $(cat "$tmp/err")"
    failures=$((failures + 1))
    return
  fi
  if [ -n "$out" ]; then got=yes; else got=no; fi
  if [ "$got" = "$4" ]; then
    echo "ok: $2 on $(basename "$3"): matched=$got"
  else
    echo "FAIL: $2 on $(basename "$3"): matched=$got, expected $4"
    failures=$((failures + 1))
  fi
}

all_rules="malml_high_confidence malml_suspicious malml_count malml_packed_suspicious malml_injection_imports"

# Not PE: malml leaves every score undefined, so no rule can match.
for f in "$fx"/notpe/*; do
  for r in $all_rules; do
    expect "$rules" "$r" "$f" no
  done
done

# A plain MinGW GUI program that does nothing is not high-confidence
# malware, and has nothing packed about it.
for f in "$fx"/pe/gui-i686.exe "$fx"/pe/gui-x86_64.exe; do
  expect "$rules" malml_high_confidence "$f" no
  expect "$rules" malml_packed_suspicious "$f" no
done

# The same rules with every model cut at 0: what is left is the rule logic.
sed -e 's/malml\.threshold\.[a-z_]*/0.0/g' "$rules" > "$tmp/open.yar"
grep -q 'threshold\.' "$tmp/open.yar" && { echo "FAIL: sed left a threshold"; exit 1; }

# netclient imports VirtualAlloc and GetProcAddress.  The x86_64 gui imports
# none of the second list.  (The i686 MinGW runtime itself imports
# VirtualProtect and GetProcAddress, so every i686 MinGW program passes the
# API part: that is why the rule also needs the imports score.)
expect "$tmp/open.yar" malml_injection_imports "$fx/pe/netclient-i686.exe" yes
expect "$tmp/open.yar" malml_injection_imports "$fx/pe/netclient-x86_64.exe" yes
expect "$tmp/open.yar" malml_injection_imports "$fx/pe/gui-x86_64.exe" no
expect "$tmp/open.yar" malml_injection_imports "$fx/pe/gui-i686.exe" yes

# rwx has a writable and executable section but low entropy: not packed.
# Appending 256 KiB of AES-CTR keystream (deterministic, entropy ~8 bits a
# byte) makes the file's entropy that of packed code: now it is.
expect "$tmp/open.yar" malml_packed_suspicious "$fx/pe/rwx-i686.exe" no
cp "$fx/pe/rwx-i686.exe" "$tmp/rwx-noise.exe"
head -c 262144 /dev/zero |
  openssl enc -aes-128-ctr -nosalt -K 000102030405060708090a0b0c0d0e0f \
    -iv 00000000000000000000000000000000 >> "$tmp/rwx-noise.exe"
expect "$tmp/open.yar" malml_packed_suspicious "$tmp/rwx-noise.exe" yes
# The same noise after a file without a W+X section and without UPX: no.
cp "$fx/pe/gui-i686.exe" "$tmp/gui-noise.exe"
head -c 262144 /dev/zero |
  openssl enc -aes-128-ctr -nosalt -K 000102030405060708090a0b0c0d0e0f \
    -iv 00000000000000000000000000000000 >> "$tmp/gui-noise.exe"
expect "$tmp/open.yar" malml_packed_suspicious "$tmp/gui-noise.exe" no

# With the cuts at 0 the score tiers match every PE (scores are >= 0) and
# still no non-PE file.
expect "$tmp/open.yar" malml_count "$fx/pe/gui-i686.exe" yes
expect "$tmp/open.yar" malml_count "$fx/notpe/text.txt" no

echo "$failures failure(s)"
[ "$failures" -eq 0 ]
