#!/bin/sh
# scripts/scan.sh [DIR]: installs what malml needs (Debian packages), builds
# it, and scans DIR recursively with the shipped rules on the embedded
# default model.  Without DIR it scans the PE fixtures the build makes, so a
# first run shows real output.
set -eu
cd "$(dirname "$0")/.."
. scripts/deps.sh
deps_install build
command -v x86_64-w64-mingw32-gcc >/dev/null || [ $# -gt 0 ] || deps_install test
build_tree
target=${1:-}
given=$target
if [ -z "$target" ]; then
  (cd build && make tests/built-fixtures.stamp >/dev/null)
  target=build/tests/built-fixtures
  echo "scan.sh: no directory given; scanning the PE fixtures in $target" >&2
fi
build/yara --version >&2
if [ -z "$given" ]; then
  # A first run shows what malml makes of each file, not only rule hits
  # (few fixtures match a rule, and a silent run says nothing).
  echo "== every PE file's level and malml.score (yara --print-scores)"
  printf 'import "malml"\nrule pe_file { condition: malml.is_pe == 1 }\n' > build/first-run.yar
  # Highest level first, then by score; files that are not PE counted.
  build/yara -r --print-scores build/first-run.yar "$target" |
    awk '/^malml: score=/ { split($2, s, "="); split($3, l, "="); f = $0;
                            sub(/^malml: [^ ]+ [^ ]+ [^ ]+ /, "", f);
                            rank = index("high medium low  none", l[2]);
                            printf "%02d %-7s %s  %s\n", rank, l[2], s[2], f }
         /^malml: not a PE file/ { other++ }
         END { if (other) printf "99 (%d files that are not PE: no score)\n", other }' |
    sort -k1,1n -k3,3r | cut -c4-
  echo "== rules/malml.yar (yara -r -m: the rules that fired and their meta)"
fi
# -s shows nothing for malml rules (they have no strings); -m shows why a
# rule fired (its metadata: tier, FPR, model version).
out=build/scan-matches.txt
status=0
build/yara -r -m rules/malml.yar "$target" > "$out" || status=$?
cat "$out"
hits=$(wc -l < "$out")
files=$(awk '{ print $NF }' "$out" | sort -u | wc -l)
plural() { [ "$1" -eq 1 ] && echo "$1 $2" || echo "$1 $3"; }
echo "scan.sh: $(plural "$hits" "rule match" "rule matches") on $(plural "$files" file files) under $target (exit $status)" >&2
if [ -z "$given" ]; then
  echo "scan.sh: scan your own files with: sh scripts/scan.sh DIR; explain one file's scores: build/malml score FILE" >&2
elif [ "$hits" -eq 0 ]; then
  echo "scan.sh: no rule fired; each file's scores: build/malml score $target" >&2
fi
exit "$status"
