#!/bin/sh
# scripts/build-libyara45.sh [PREFIX]: builds libyara 4.5.4 and its yara and
# yarac from the libyara sources PyPI's yara-python 4.5.4 sdist carries
# (pinned by sha256 below), into PREFIX laid out as an install:
#
#   include/yara.h include/yara/*.h   the public headers (upstream's list)
#   lib/libyara.a                     what `configure --with-yara=PREFIX` links
#   lib/libyara.so.10                 upstream's own shared build of the same
#                                     objects: the malml-enabled libyara.so.10
#                                     exports exactly its symbols
#   lib/pkgconfig/yara.pc
#   bin/yara bin/yarac                libyara linked in statically, as
#                                     upstream's `make install` does: the
#                                     oracle of tests/yara-diff on 4.5
#   bin/yara-shared                   yara linked to lib/libyara.so.10, as a
#                                     distribution ships it (tests/pipelines)
#
# The sdist has no build system for libyara (setup.py compiles it into the
# Python extension), so this compiles what upstream's Makefile.am lists, with
# upstream's flags (-O3 -fvisibility=hidden, TLSH's BUCKETS_128 and
# CHECKSUM_1B) and the modules Debian's libyara enables (cuckoo, magic,
# dotnet, macho, dex; hash and pe's signatures with OpenSSL), plus `string`,
# which 4.3+ always builds.  PREFIX defaults to ../cache/libyara-4.5.4
# (beside the clone, like ../corpus) or $MALML_YARA45_PREFIX; a PREFIX whose
# stamp matches this script's pin is reused, so CI builds it once.
# Prints PREFIX on its last line.
set -eu
version=4.5.4
sdist=yara_python-$version.tar.gz
url=https://files.pythonhosted.org/packages/51/38/347d1fcde4edabd338d5872ca5759ccfb95ff1cf5207dafded981fd08c4f/$sdist
sha256=4c682170f3d5cb3a73aa1bd0dc9ab1c0957437b937b7a83ff6d7ffd366415b9c
# Changing how it is built changes the stamp, so a stale cache is rebuilt.
stamp_text="libyara $version $sha256 build 1"

here=$(cd "$(dirname "$0")/.." && pwd)
prefix=${1:-${MALML_YARA45_PREFIX:-$(dirname "$here")/cache/libyara-$version}}
if [ -f "$prefix/.malml-stamp" ] && [ "$(cat "$prefix/.malml-stamp")" = "$stamp_text" ]; then
  echo "build-libyara45: reusing $prefix"
  echo "$prefix"
  exit 0
fi

cache=$(dirname "$prefix")
mkdir -p "$cache"
if [ ! -f "$cache/$sdist" ] ||
   [ "$(sha256sum "$cache/$sdist" | cut -d' ' -f1)" != "$sha256" ]; then
  echo "build-libyara45: downloading $sdist from PyPI"
  rm -f "$cache/$sdist.part"
  if command -v curl > /dev/null; then
    curl -fsSL --retry 3 -o "$cache/$sdist.part" "$url"
  else
    python3 -c 'import sys, urllib.request; urllib.request.urlretrieve(sys.argv[1], sys.argv[2])' \
      "$url" "$cache/$sdist.part"
  fi
  got=$(sha256sum "$cache/$sdist.part" | cut -d' ' -f1)
  if [ "$got" != "$sha256" ]; then
    echo "build-libyara45: $sdist has sha256 $got, not the pinned $sha256" >&2
    exit 1
  fi
  mv "$cache/$sdist.part" "$cache/$sdist"
fi

work=$prefix.work
rm -rf "$work" "$prefix"
mkdir -p "$work/obj" "$prefix/include/yara" "$prefix/lib/pkgconfig" "$prefix/bin"
tar -xzf "$cache/$sdist" -C "$work"
src=$work/yara_python-$version/yara
[ -f "$src/libyara/include/yara/libyara.h" ] && [ -f "$src/cli/yara.c" ] ||
  { echo "build-libyara45: $sdist lacks yara/libyara or yara/cli" >&2; exit 1; }

cc=${CC:-cc}
# Upstream's configure on Debian 12 defines these; glibc 2.36 has no strlcpy.
cflags="-O3 -fPIC -fvisibility=hidden -pthread -Wall -Wno-deprecated-declarations
  -D_GNU_SOURCE -DUSE_LINUX_PROC -DHAVE_SCAN_PROC_IMPL=1
  -DHAVE_MEMMEM=1 -DHAVE_TIMEGM=1 -DHAVE_CLOCK_GETTIME=1 -DHAVE_STDBOOL_H=1
  -DHAVE_LIBCRYPTO=1 -DHASH_MODULE -DCUCKOO_MODULE -DMAGIC_MODULE
  -DDOTNET_MODULE -DMACHO_MODULE -DDEX_MODULE
  -DBUCKETS_128=1 -DCHECKSUM_1B=1
  -I$src/libyara/include -I$src/libyara"
cflags=$(echo $cflags)
libs="-lcrypto -lmagic -ljansson -lm -pthread"

# Upstream's libyara_la_SOURCES and MODULES for these options.
sources=$(cd "$src" && ls libyara/*.c libyara/tlshc/*.c \
  libyara/modules/pe/authenticode-parser/*.c)
sources="$sources libyara/proc/linux.c"
for m in tests/tests elf/elf math/math time/time pe/pe pe/pe_utils \
         console/console string/string cuckoo/cuckoo magic/magic hash/hash \
         dotnet/dotnet macho/macho dex/dex; do
  sources="$sources libyara/modules/$m.c"
done

# Object names are the archive's member names: unique (libyara/hash.c and
# the hash module would clash), and modules.c must stay modules.o, the
# member malml's build replaces.
echo "build-libyara45: compiling libyara $version ($(echo $sources | wc -w) files)"
objs=""
for s in $sources; do
  o=$(basename "$s" .c).o
  case " $objs " in *" $o "*) o=$(basename "$(dirname "$s")")-$o ;; esac
  objs="$objs $o"
  echo "$s $o"
done > "$work/objects.txt"
# Two compilers at a time (the machines are shared); upstream's code warns
# under -Wall, so the compilers' output goes to a log shown on failure.
# shellcheck disable=SC2086
(cd "$src" && xargs -P 2 -n 2 sh -c "$cc $cflags -c \"\$0\" -o \"$work/obj/\$1\"" \
  < "$work/objects.txt") > "$work/compile.log" 2>&1 ||
  { tail -n 40 "$work/compile.log" >&2; echo "build-libyara45: compiling failed" >&2; exit 1; }

(cd "$work/obj" && ar rcs "$prefix/lib/libyara.a" $objs)
# shellcheck disable=SC2086
(cd "$work/obj" && $cc -shared -Wl,-soname,libyara.so.10 -Wl,-z,defs \
  -o "$prefix/lib/libyara.so.10.0.0" $objs $libs)
ln -s libyara.so.10.0.0 "$prefix/lib/libyara.so.10"
ln -s libyara.so.10 "$prefix/lib/libyara.so"

# The headers upstream's make install puts in include/ and include/yara/.
cp "$src/libyara/include/yara.h" "$prefix/include/"
for h in ahocorasick arena atoms base64 bitmask compiler error exec exefiles \
         filemap hash integers libyara limits mem modules notebook object \
         parser proc re rules scan scanner simple_str sizedstr stack \
         stopwatch stream strutils threading types unaligned utils; do
  cp "$src/libyara/include/yara/$h.h" "$prefix/include/yara/"
done

cat > "$prefix/lib/pkgconfig/yara.pc" <<EOF
prefix=$prefix
exec_prefix=\${prefix}
includedir=\${prefix}/include
libdir=\${prefix}/lib

Name: yara
Description: YARA library (built by malml's scripts/build-libyara45.sh)
URL: https://virustotal.github.io/yara/
Version: $version
Requires.private: jansson libcrypto
Cflags: -I\${includedir}
Libs: -L\${libdir} -lyara
Libs.private: -lm -lmagic -pthread
EOF

# yara and yarac, upstream's cli/ with the same flags.
cli="$src/cli/args.c $src/cli/common.c"
# shellcheck disable=SC2086
$cc $cflags -I"$src/cli" -o "$prefix/bin/yara" $cli "$src/cli/threading.c" \
  "$src/cli/yara.c" "$prefix/lib/libyara.a" $libs
# shellcheck disable=SC2086
$cc $cflags -I"$src/cli" -o "$prefix/bin/yarac" $cli "$src/cli/yarac.c" \
  "$prefix/lib/libyara.a" $libs
# shellcheck disable=SC2086
$cc $cflags -I"$src/cli" -o "$prefix/bin/yara-shared" $cli "$src/cli/threading.c" \
  "$src/cli/yara.c" -L"$prefix/lib" -l:libyara.so.10 -pthread

got=$("$prefix/bin/yara" -v)
[ "$got" = "$version" ] ||
  { echo "build-libyara45: the built yara says $got, not $version" >&2; exit 1; }
rm -rf "$work"
echo "$stamp_text" > "$prefix/.malml-stamp"
echo "build-libyara45: libyara $version in $prefix"
echo "$prefix"
