#!/bin/sh
# recut-evidence.sh [-y YARA] [-b MALML] MODEL CORPUS ECOSYSTEM [RECUT-OPTION]...
#
# Does `malml recut` hold its target FPR on software it did not see?  Takes
# the benign files of one ecosystem of CORPUS/labels.tsv (those whose
# source starts with "ECOSYSTEM:", e.g. npm, deb, nuget), deals their
# packages (the labels' group) into two halves of about equal size,
# recuts MODEL on half A, and scans half B through `yara -x malml=...`
# with the shipped and the re-cut model: per tier, the share of half B's
# files the tier's rule flags (its FPR; dotnet_* among .NET files).
# Prints a Markdown table: shipped cut FPR vs recut FPR vs the target, and
# whether each is within 1.5x of it (target/1.5 to 1.5 x target).  Extra arguments go to malml recut
# (e.g. --force).  Files are read from CORPUS/benign/<sha256>.
set -eu
yara=yara malml=malml
while [ $# -gt 0 ]; do
  case $1 in
    -y) yara=$2; shift 2 ;;
    -b) malml=$2; shift 2 ;;
    *) break ;;
  esac
done
[ $# -ge 3 ] || { echo "usage: recut-evidence.sh [-y YARA] [-b MALML] MODEL CORPUS ECOSYSTEM [RECUT-OPTION]..." >&2; exit 2; }
model=$1 corpus=$2 eco=$3
shift 3
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# Half A and half B: the packages (the labels' group) dealt largest first
# to the half with fewer files, so the halves are about the same size.
awk -F'\t' -v eco="$eco" -v c="$corpus" 'NR > 1 && $2 == 0 && index($5, eco ":") == 1 {
  print $3 "\t" c "/benign/" $1 }' "$corpus/labels.tsv" > "$tmp/files"
cut -f1 "$tmp/files" | sort | uniq -c | sort -k1,1nr -k2 |
  awk '{ h = n["a"] <= n["b"] ? "a" : "b"; n[h] += $1; k[h]++; print $2 "\t" h }
       END { printf "%d %d\n", k["a"], k["b"] > "/dev/stderr" }' \
  > "$tmp/halves" 2> "$tmp/packages"
awk -F'\t' -v t="$tmp" 'NR == FNR { half[$1] = $2; next }
  { print $2 > (t "/" half[$1] ".list") }' "$tmp/halves" "$tmp/files"
[ -s "$tmp/a.list" ] && [ -s "$tmp/b.list" ] ||
  { echo "recut-evidence: fewer than two packages of $eco in $corpus/labels.tsv" >&2; exit 1; }

"$malml" recut -m "$model" -o "$tmp/recut.malml" -l "$corpus/labels.tsv" \
  -i "$tmp/a.list" "$@" > "$tmp/recut.out" 2> "$tmp/recut.err" ||
  { cat "$tmp/recut.err" >&2; exit 1; }

# One rule per tier (and one that counts the .NET files); yara prints
# "RULE PATH" per match.
{
  echo 'import "malml"'
  echo 'rule n_pe { condition: malml.is_pe == 1 }'
  echo 'rule n_dotnet { condition: malml.dotnet_score >= 0 }'
  echo 'rule t_count { condition: malml.header_score + malml.imports_score + malml.sections_score + malml.filetype_score + malml.strings_score >= malml.threshold.count }'
  for g in "" header_ imports_ sections_ filetype_ strings_ dotnet_; do
    for tier in high medium low; do
      echo "rule t_$g$tier { condition: malml.${g}score >= malml.threshold.$g$tier }"
    done
  done
} > "$tmp/tiers.yar"
for m in shipped recut; do
  file=$model
  [ $m = recut ] && file=$tmp/recut.malml
  "$yara" -x malml="$file" --scan-list -p 2 "$tmp/tiers.yar" "$tmp/b.list" |
    awk '{ print $1 }' | sort | uniq -c > "$tmp/$m.counts"
done

set -- $(cat "$tmp/packages")
echo "Recut on half A of $eco ($(wc -l < "$tmp/a.list") files, $1 packages), measured on half B ($(wc -l < "$tmp/b.list") files, $2 packages)"
echo
echo "| tier | target FPR | half-B files | shipped cut FPR | recut FPR | shipped within 1.5x | recut within 1.5x | recut status |"
echo "|---|---:|---:|---:|---:|---|---|---|"
awk -v shipped="$tmp/shipped.counts" -v recut="$tmp/recut.counts" -v out="$tmp/recut.out" '
  function load(file, into,   line, f) {
    while ((getline line < file) > 0) { split(line, f, " "); into[f[2]] = f[1] }
  }
  BEGIN {
    load(shipped, s); load(recut, r)
    while ((getline line < out) > 0) {
      n = split(line, f, " ")
      if (f[2] ~ /%$/ && n >= 11) status[f[1]] = line ~ /KEPT|kept/ ? "kept" : (line ~ /FORCED/ ? "forced" : "recut")
    }
    split("high medium low", tiers, " "); split("0.001 0.01 0.05", target, " ")
    split(" header_ imports_ sections_ filetype_ strings_ dotnet_", groups, " ")
    groups[0] = ""
    for (g = 0; g <= 6; g++) for (k = 1; k <= 3; k++) {
      name = groups[g] tiers[k]
      row(name, target[k], name ~ /^dotnet_/ ? s["n_dotnet"] : s["n_pe"])
      if (g == 0 && k == 3) row("count", 0.01, s["n_pe"])
    }
  }
  function row(name, t, n,   a, b) {
    a = n ? s["t_" name] / n : 0; b = n ? r["t_" name] / n : 0
    printf "| %s | %.1f%% | %d | %.2f%% | %.2f%% | %s | %s | %s |\n", name, 100 * t, n, 100 * a, 100 * b,
      within(a, t, n), within(b, t, n), status[name]
  }
  function within(x, t, n) {
    if (n * t < 10)
      return "- (fewer than 10/FPR files)"
    return x <= 1.5 * t && x >= t / 1.5 ? "yes" : (x > t ? "no (over)" : "no (under)")
  }
'
