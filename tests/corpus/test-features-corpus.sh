#!/bin/sh
# On every file of the labelled corpus (../corpus, when laid out): malml's
# entropy equals math.entropy(0, filesize), its section count equals
# pe.number_of_sections, its section entropies equal math.entropy over each
# section's raw data, and malml.is_pe equals pe.is_pe.  Counted by positive
# matches, so an undefined value cannot pass for agreement.
set -u
corpus=${MALML_CORPUS:-../corpus}
yara=${MALML_YARA:-$(dirname "${MALML_BIN:?MALML_BIN not set}")/yara}
if [ ! -d "$corpus/malware" ]; then
  echo "SKIP: NO CORPUS at $corpus (lay it out with ../shared/corpus/unpack ../corpus)"
  exit 77
fi
rules=$(mktemp)
trap 'rm -f "$rules"' EXIT
cat > "$rules" <<'RULES'
import "malml"
import "pe"
import "math"
rule is_pe { condition: pe.is_pe == 1 }
rule agrees
{
  condition:
    malml.is_pe == 1 and
    malml.entropy == math.entropy(0, filesize) and
    malml.number_of_sections == pe.number_of_sections and
    for all i in (0..pe.number_of_sections - 1): (
      pe.sections[i].raw_data_size == 0 or
      pe.sections[i].raw_data_offset + pe.sections[i].raw_data_size > filesize or
      malml.sections[i].entropy ==
        math.entropy(pe.sections[i].raw_data_offset, pe.sections[i].raw_data_size))
}
rule malml_not_pe { condition: malml.is_pe == 0 }
rule pe_not_pe { condition: not pe.is_pe }
RULES
out=$("$yara" -r "$rules" "$corpus")
rc=$?
pe=$(printf '%s\n' "$out" | grep -c '^is_pe ')
agree=$(printf '%s\n' "$out" | grep -c '^agrees ')
notpe_m=$(printf '%s\n' "$out" | grep -c '^malml_not_pe ')
notpe_p=$(printf '%s\n' "$out" | grep -c '^pe_not_pe ')
echo "corpus: $pe PE files; malml agrees with pe and math on $agree; not PE: malml $notpe_m, pe $notpe_p"
[ $rc -eq 0 ] && [ "$pe" -gt 1000 ] && [ "$agree" -eq "$pe" ] && [ "$notpe_m" -eq "$notpe_p" ] && {
  echo "1 passed, 0 failed"; exit 0; }
printf '%s\n' "$out" | grep '^is_pe ' | sed 's/^is_pe //' | sort > "$rules.pe"
printf '%s\n' "$out" | grep '^agrees ' | sed 's/^agrees //' | sort > "$rules.ok"
echo "disagreeing files:"; comm -23 "$rules.pe" "$rules.ok" | head -20
rm -f "$rules.pe" "$rules.ok"
echo "0 passed, 1 failed"
exit 1
