#!/bin/sh
# bench/rules-vs-pe.sh [-n ROUNDS] [-b BUILD_DIR] [-o OLD_BUILD_DIR] [DIR]
#
# What malml costs a scan, measured against Debian's yara on a pe-only rule:
# for the same files, in the same run, each round runs four whole `yara -r`
# processes and one YARA-X process one after the other (so all see the same
# machine load):
#
#   debian-pe    /usr/bin/yara   bench/pe-only.yar         (the baseline)
#   ours-pe      BUILD/yara      bench/pe-only.yar
#   ours-feat    BUILD/yara      bench/malml-features.yar  (features only)
#   ours-malml   BUILD/yara      rules/malml.yar           (features + scores)
#   yarax-pe     YARA-X          bench/pe-only.yar         (YARA-X's pe module)
#
# yarax-pe is PyPI's yara-x (YARAX_VERSION, default 1.23.0) through its
# Python API, bench/yarax-scan.py: one process, Debian's python3 start-up,
# `import yara_x` and the rules' compile included (the line after the
# table gives that fixed cost, the same script on an empty directory),
# then every file scanned in turn in one thread; YARA_FLAGS do not apply.
# The venv is made once in YARAX_VENV (default ~/.cache/malml/yara-x-VERSION,
# outside the build tree) with Debian's python3-venv and pip; when that
# fails, the row says why and the rest is measured.
#
# (and with -o, old-malml: OLD_BUILD/yara with rules/malml.yar, to compare
# two builds in the same run) and prints the median CPU seconds (user + sys, children included) and wall
# time of each, the three ratios of CPU to debian-pe, and the peak RSS of
# each: over the rounds, and once more with -p 1 (the memory one scanning
# thread needs).  DIR defaults to the built fixtures (make check builds
# them).  YARA_FLAGS adds flags to every run (e.g. "-p 2").  Needs GNU time
# (/usr/bin/time).  Numbers, not a test.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
src=$(dirname "$here")
rounds=5
build=.
old=""
while getopts n:b:o: o; do
  case $o in
  n) rounds=$OPTARG ;;
  b) build=$OPTARG ;;
  o) old=$OPTARG ;;
  *) sed -n '2,30p' "$0"; exit 2 ;;
  esac
done
shift $((OPTIND - 1))
dir=${1:-$build/tests/built-fixtures}
ours=$build/yara
up=${YARA_UPSTREAM:-/usr/bin/yara}
gtime=${GNU_TIME:-/usr/bin/time}
for f in "$ours" "$up" "$gtime"; do
  [ -x "$f" ] || { echo "rules-vs-pe: no $f (build first, or -b BUILD_DIR)" >&2; exit 2; }
done
[ -d "$dir" ] || { echo "rules-vs-pe: no directory $dir" >&2; exit 2; }

# The venv with yara-x==$yarax_version, made once; when it cannot be made
# (no network, no python3-venv), $yarax_why says why and yarax-pe is left out.
yarax_version=${YARAX_VERSION:-1.23.0}
yarax=${YARAX_VENV:-${XDG_CACHE_HOME:-$HOME/.cache}/malml/yara-x-$yarax_version}
yarax_why=""
if ! "$yarax/bin/python" -c 'import yara_x' 2> /dev/null; then
  echo "rules-vs-pe: installing yara-x==$yarax_version from PyPI into $yarax (once)"
  rm -rf "$yarax"
  mkdir -p "$(dirname "$yarax")"
  if ! { /usr/bin/python3 -m venv "$yarax" &&
    "$yarax/bin/pip" install -q "yara-x==$yarax_version"; } > "$yarax.log" 2>&1; then
    yarax_why="no yara-x: $(tail -n 1 "$yarax.log") (PyPI unreachable, or apt-get install python3-venv)"
    rm -rf "$yarax"
  fi
fi

names="debian-pe ours-pe ours-feat ours-malml${old:+ old-malml}"
[ -z "$yarax_why" ] && names="$names yarax-pe"
# prog NAME / rules NAME: what each configuration runs.
prog() { case $1 in debian-pe) echo "$up" ;; old-*) echo "$old/yara" ;; *) echo "$ours" ;; esac; }
rules() {
  case $1 in
  *-pe) echo "$here/pe-only.yar" ;;
  ours-feat) echo "$here/malml-features.yar" ;;
  *-malml) echo "$src/rules/malml.yar" ;;
  esac
}

files=$(find -L "$dir" -type f | wc -l)
bytes=$(find -L "$dir" -type f -printf '%s\n' | awk '{s += $1} END {printf "%d", s}')
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
echo "dir: $dir ($files files, $((bytes / 1048576)) MB); $rounds rounds; $(nproc) CPUs; flags: ${YARA_FLAGS:-(none)}"
echo "ours: $ours; upstream: $up ($("$up" --version))"
if [ -z "$yarax_why" ]; then
  echo "yarax-pe: yara-x $("$yarax/bin/python" -c 'import importlib.metadata as m; print(m.version("yara-x"))') (PyPI, Python API, $("$yarax/bin/python" -V)): interpreter start-up, import and compile included, one thread"
else
  echo "yarax-pe: NOT MEASURED: $yarax_why"
fi

# measure NAME FILE [FLAGS [OUT [DIR]]]: appends "wall cpu maxrss_kb" of one
# scan to FILE; FLAGS (default YARA_FLAGS) go to yara; OUT (default
# /dev/null) receives the scan's output; DIR (yarax-pe only) replaces the
# scanned directory.  GNU time's last line is the numbers (a line before
# says when the scan exited nonzero).
measure() {
  flags=${3-${YARA_FLAGS:-}}
  if [ "$1" = yarax-pe ]; then
    set -- "$2" "${4:-/dev/null}" "$yarax/bin/python" "$here/yarax-scan.py" "$here/pe-only.yar" "${5:-$dir}"
  else
    # shellcheck disable=SC2086
    set -- "$2" "${4:-/dev/null}" "$(prog "$1")" $flags -r "$(rules "$1")" "$dir"
  fi
  out=$2
  res=$1
  shift 2
  "$gtime" -f '%e %U %S %M' -o "$tmp/t" "$@" > "$out" 2>&1 || true
  tail -1 "$tmp/t" | awk '{ printf "%s %.3f %s\n", $1, $2 + $3, $4 }' >> "$res"
}

# Warm-up (page cache, model pages), keeping the matches: the pe-only
# scans must match the same files, or their times are not comparable.
for n in $names; do measure "$n" "$tmp/warm" "${YARA_FLAGS:-}" "$tmp/$n.matches"; done
matched=""
for n in $names; do
  case $n in *-pe) matched="$matched $n $(grep -c '^pe_only ' "$tmp/$n.matches" || true)" ;; esac
done
echo "files matched by pe-only.yar:$matched"
mkdir "$tmp/empty"
r=1
while [ "$r" -le "$rounds" ]; do
  line="round $r:"
  for n in $names; do
    measure "$n" "$tmp/$n"
    line="$line $n $(tail -1 "$tmp/$n" | cut -d' ' -f2)s"
  done
  case " $names " in *" yarax-pe "*)
    measure yarax-pe "$tmp/yarax-empty" "" /dev/null "$tmp/empty" ;;
  esac
  echo "$line (CPU)"
  r=$((r + 1))
done
for n in $names; do measure "$n" "$tmp/$n.p1" "-p 1"; done

median() { cut -d' ' -f"$2" "$1" | sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }
base=$(median "$tmp/debian-pe" 2)
printf '%-11s %9s %9s %9s %10s %12s %12s\n' scan "CPU s" "wall s" "MB/CPU-s" "CPU ratio" "peak RSS MB" "-p 1 RSS MB"
for n in $names; do
  cpu=$(median "$tmp/$n" 2)
  wall=$(median "$tmp/$n" 1)
  rss=$(cut -d' ' -f3 "$tmp/$n" | sort -n | tail -1)
  rss1=$(cut -d' ' -f3 "$tmp/$n.p1")
  awk -v n="$n" -v c="$cpu" -v w="$wall" -v b="$base" -v by="$bytes" -v r="$rss" -v r1="$rss1" \
    'BEGIN { printf "%-11s %9.2f %9.2f %9.1f %10.3f %12.1f %12.1f\n", n, c, w, by / 1048576 / c, c / b, r / 1024, r1 / 1024 }'
done
[ -n "$yarax_why" ] && printf '%-11s %s\n' yarax-pe "NOT MEASURED: $yarax_why"
echo "CPU ratios are medians over debian-pe's median; targets: ours-pe <= 1.05, ours-malml <= 1.25 (goal 1.15)"
if [ -z "$yarax_why" ]; then
  echo "yarax-pe's fixed cost (python3, import yara_x, compile; the same script on an empty directory): $(median "$tmp/yarax-empty" 2) s CPU, $(median "$tmp/yarax-empty" 1) s wall (medians)"
fi

# round_ratio A B: the median over rounds of A's CPU / B's in the same round
# (runs next to each other see the same machine load).  A round whose B
# read 0.00 s (GNU time's resolution, tiny directories) is left out.
round_ratio() {
  paste -d' ' "$tmp/$1" "$tmp/$2" | awk '$5 > 0 { print $2 / $5 }' | sort -n |
    awk '{a[NR]=$1} END {if (NR == 0) {printf "n/a (no round long enough)"; exit}
      printf "%.3f (rounds %.3f-%.3f)", (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2, a[1], a[NR]}'
}
# Our pe-only scan differs from Debian's in ways that are not malml (static
# link, worker processes): malml's own cost is ours-malml over ours-pe.
echo "per round: ours-malml/debian-pe $(round_ratio ours-malml debian-pe); malml's own cost, ours-malml/ours-pe $(round_ratio ours-malml ours-pe)"
if [ -z "$yarax_why" ]; then
  echo "per round: yarax-pe/debian-pe $(round_ratio yarax-pe debian-pe); ours-malml/yarax-pe $(round_ratio ours-malml yarax-pe)"
fi
if [ -x "$build/bench/model-load" ]; then "$build/bench/model-load" "$src/model/default.malml"; fi
