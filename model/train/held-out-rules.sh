#!/bin/sh
# held-out-rules.sh [-y YARA] [-l LABELS] FOLD_DIR CORPUS RULES
#
# How often each rule of RULES fires on files the model never saw, end to
# end through yara: for every fold that `malml train -F FOLD_DIR` wrote,
# scans the files that fold held out (FOLD_DIR/fold-N.txt: sha256, label)
# with that fold's model (yara -x malml=FOLD_DIR/fold-N.malml), then adds
# up, per rule, the malware detected and the benign files flagged.  Files
# are read from CORPUS/malware/<sha256> and CORPUS/benign/<sha256>.
# Prints Markdown tables: rule, detection, FPR (with counts), the same
# among .NET files (a rule on malml.dotnet_score is measured there), and
# with -l LABELS (labels.tsv: sha256, label, group, ...) the benign files
# and packages each rule flags per ecosystem (the group's prefix before
# ':', e.g. pypi:numpy -> pypi), the .NET files alone for rules whose name
# contains "dotnet".
set -eu
yara=yara labels=
while [ $# -gt 3 ]; do
  case $1 in
    -y) yara=$2; shift 2 ;;
    -l) labels=$2; shift 2 ;;
    *) break ;;
  esac
done
[ $# -eq 3 ] || { echo "usage: held-out-rules.sh [-y YARA] [-l LABELS] FOLD_DIR CORPUS RULES" >&2; exit 2; }
dir=$1 corpus=$2 rules=$3
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
: > "$tmp/hits"
: > "$tmp/labels"
# A marker rule tells the .NET files apart in the same scan.
{ cat "$rules"; printf '\nrule held_out_is_dotnet { condition: malml.filetype("dotnet") == 1 }\n'; } > "$tmp/rules.yar"
n=0
for list in "$dir"/fold-*.txt; do
  [ -f "$list" ] || { echo "held-out-rules: no fold-N.txt in $dir (malml train -F)" >&2; exit 1; }
  model=${list%.txt}.malml
  awk -v c="$corpus" '{ print c "/" ($2 == 1 ? "malware" : "benign") "/" $1 }' \
    "$list" > "$tmp/scan"
  awk '{ print $1, $2 }' "$list" >> "$tmp/labels"
  # yara prints "RULE PATH" per match; keep RULE and the file's sha256.
  "$yara" -x malml="$model" --scan-list -p 2 "$tmp/rules.yar" "$tmp/scan" |
    awk '{ n = split($2, p, "/"); print $1, p[n] }' >> "$tmp/hits" ||
    { echo "held-out-rules: yara failed on $list" >&2; exit 1; }
  n=$((n + 1))
done
# Every rule of the file, also those that never fired.
sed -n 's/^[[:space:]]*\(global \)*rule[[:space:]]\{1,\}\([A-Za-z0-9_]*\).*/\2/p' "$rules" |
  sort > "$tmp/names"
if [ -n "$labels" ]; then
  awk -F'\t' 'NR > 1 { print $1, $3 }' "$labels" > "$tmp/groups"
else
  : > "$tmp/groups"
fi
awk -v folds="$n" -f - "$tmp/names" "$tmp/labels" "$tmp/groups" "$tmp/hits" <<'AWK'
function eco(g,   i) { i = index(g, ":"); return i > 1 ? substr(g, 1, i - 1) : "other" }
FILENAME ~ /names$/ { rules[++nr] = $1; next }
FILENAME ~ /labels$/ { label[$1] = $2; total[$2]++; next }
# The architectures of one Debian package are one package (as in malml train).
FILENAME ~ /groups$/ { g = $2; if (g ~ /^deb:[^:]*:/) sub(/:[^:]*$/, "", g); group[$1] = g; next }
$1 == "held_out_is_dotnet" { net[$2] = 1; next }
{ hits[++nh] = $1 SUBSEP $2 }
END {
  for (f in label) {
    if (label[f] != 0) { if (f in net) netm++; continue }
    e = (f in group) ? eco(group[f]) : "all"
    if (!(e in files)) { es[++ne] = e }
    files[e]++; if (!((e, group[f]) in pk)) { pk[e, group[f]] = 1; pkgs[e]++ }
    if (f in net) { netb++; nfiles[e]++; if (!((e, group[f]) in npk)) { npk[e, group[f]] = 1; npkgs[e]++ } }
  }
  for (h = 1; h <= nh; h++) {
    split(hits[h], a, SUBSEP); r = a[1]; f = a[2]
    if (!(f in label)) continue
    hit[r, label[f]]++
    if (f in net) nhit[r, label[f]]++
    if (label[f] == 0) {
      e = (f in group) ? eco(group[f]) : "all"
      ef[r, e]++; if (!((r, group[f]) in fp)) { fp[r, group[f]] = 1; ep[r, e]++ }
      if (f in net) { nef[r, e]++; if (!((r, group[f]) in nfp)) { nfp[r, group[f]] = 1; nep[r, e]++ } }
    }
  }
  printf "Held out: %d malware, %d benign files over %d folds (.NET: %d malware, %d benign).\n\n", total[1], total[0], folds, netm, netb
  print "| rule | detection | FPR | detection on .NET | FPR on .NET |"
  print "|---|---:|---:|---:|---:|"
  for (i = 1; i <= nr; i++) {
    r = rules[i]
    printf "| `%s` | %.1f%% (%d) | %.2f%% (%d) | %.1f%% (%d) | %.2f%% (%d) |\n", r,
      100 * hit[r, 1] / total[1], hit[r, 1], 100 * hit[r, 0] / total[0], hit[r, 0],
      netm ? 100 * nhit[r, 1] / netm : 0, nhit[r, 1], netb ? 100 * nhit[r, 0] / netb : 0, nhit[r, 0]
  }
  if (ne == 0 || (ne == 1 && es[1] == "all")) exit
  printf "\nBenign files flagged per ecosystem: share of its files (count) · packages flagged; rules named *dotnet* among its .NET files.\n\n| rule |"
  for (j = 1; j <= ne; j++) printf " %s: %d files (%d .NET), %d pkgs |", es[j], files[es[j]], nfiles[es[j]], pkgs[es[j]]
  printf "\n|---|"; for (j = 1; j <= ne; j++) printf "---:|"; printf "\n"
  for (i = 1; i <= nr; i++) {
    r = rules[i]; printf "| `%s` |", r
    for (j = 1; j <= ne; j++) {
      e = es[j]
      if (r ~ /dotnet/) { d = nfiles[e]; c = nef[r, e]; p = nep[r, e] } else { d = files[e]; c = ef[r, e]; p = ep[r, e] }
      if (d == 0) printf " — |"; else printf " %.2f%% (%d) · %d |", 100 * c / d, c, p
    }
    printf "\n"
  }
}
AWK
