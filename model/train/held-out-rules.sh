#!/bin/sh
# held-out-rules.sh [-y YARA] FOLD_DIR CORPUS RULES
#
# How often each rule of RULES fires on files the model never saw, end to
# end through yara: for every fold that `malml train -F FOLD_DIR` wrote,
# scans the files that fold held out (FOLD_DIR/fold-N.txt: sha256, label)
# with that fold's model (yara -x malml=FOLD_DIR/fold-N.malml), then adds
# up, per rule, the malware detected and the benign files flagged.  Files
# are read from CORPUS/malware/<sha256> and CORPUS/benign/<sha256>.
# Prints a Markdown table: rule, detection, FPR (with counts).
set -eu
yara=yara
if [ "${1:-}" = -y ]; then yara=$2; shift 2; fi
[ $# -eq 3 ] || { echo "usage: held-out-rules.sh [-y YARA] FOLD_DIR CORPUS RULES" >&2; exit 2; }
dir=$1 corpus=$2 rules=$3
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
: > "$tmp/hits"
: > "$tmp/labels"
n=0
for list in "$dir"/fold-*.txt; do
  [ -f "$list" ] || { echo "held-out-rules: no fold-N.txt in $dir (malml train -F)" >&2; exit 1; }
  model=${list%.txt}.malml
  awk -v c="$corpus" '{ print c "/" ($2 == 1 ? "malware" : "benign") "/" $1 }' \
    "$list" > "$tmp/scan"
  awk '{ print $1, $2 }' "$list" >> "$tmp/labels"
  # yara prints "RULE PATH" per match; keep RULE and the file's sha256.
  "$yara" -x malml="$model" --scan-list -p 2 "$rules" "$tmp/scan" |
    awk '{ n = split($2, p, "/"); print $1, p[n] }' >> "$tmp/hits" ||
    { echo "held-out-rules: yara failed on $list" >&2; exit 1; }
  n=$((n + 1))
done
# Every rule of the file, also those that never fired.
sed -n 's/^[[:space:]]*\(private \|global \)*rule[[:space:]]\{1,\}\([A-Za-z0-9_]*\).*/\2/p' "$rules" |
  sort > "$tmp/names"
awk -v folds="$n" '
  FILENAME ~ /names$/ { rules[++nr] = $1; next }
  FILENAME ~ /labels$/ { label[$1] = $2; total[$2]++; next }
  { hit[$1, label[$2]]++ }
  END {
    printf "Held out: %d malware, %d benign files over %d folds.\n\n", total[1], total[0], folds
    print "| rule | detection | FPR |"
    print "|---|---:|---:|"
    for (i = 1; i <= nr; i++) {
      r = rules[i]
      printf "| `%s` | %.1f%% (%d) | %.2f%% (%d) |\n", r,
        100 * hit[r, 1] / total[1], hit[r, 1], 100 * hit[r, 0] / total[0], hit[r, 0]
    }
  }' "$tmp/names" "$tmp/labels" "$tmp/hits"
