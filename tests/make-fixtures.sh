#!/bin/sh
# make-fixtures.sh OUTDIR — builds the PE files the tests scan, with Debian's
# mingw-w64 cross compilers, plus a few non-PE and broken inputs.  Nothing
# here is ever run; nothing from the labelled corpus is used.
#
#   OUTDIR/pe/       PE32 and PE32+ programs and DLLs (i686, x86_64)
#   OUTDIR/notpe/    an ELF, an empty file, a 2-byte "MZ", a text file
#   OUTDIR/broken/   a PE truncated inside its section table, one cut after
#                    the headers
set -eu
out=${1:?usage: make-fixtures.sh OUTDIR}
src=$(cd "$(dirname "$0")/fixture-src" && pwd)
mkdir -p "$out/pe" "$out/notpe" "$out/broken"

for arch in i686 x86_64; do
  cc=$arch-w64-mingw32-gcc
  command -v "$cc" >/dev/null || { echo "make-fixtures: $cc missing (apt-get install mingw-w64)" >&2; exit 2; }
  # -s: no symbols, so the files are small and stable; -O1 for realism.
  "$cc" -O1 -s -o "$out/pe/netclient-$arch.exe" "$src/netclient.c"
  "$cc" -O1 -s -mwindows -o "$out/pe/gui-$arch.exe" "$src/gui.c"
  tmp=$(mktemp -d)
  # i686 stdcall names carry @bytes; -k drops them from the DLL-side name.
  if [ "$arch" = i686 ]; then
    sed 's/^WSAStartup /WSAStartup@8 /; s/^WSACleanup /WSACleanup@0 /' \
      "$src/ws2ord.def" > "$tmp/ws2ord.def"
  else
    cp "$src/ws2ord.def" "$tmp/ws2ord.def"
  fi
  "$arch-w64-mingw32-dlltool" -k -d "$tmp/ws2ord.def" -l "$tmp/libws2ord.a"
  "$cc" -O1 -s -shared -o "$out/pe/plugin-$arch.dll" "$src/plugin.c" "$tmp/libws2ord.a"
  rm -rf "$tmp"
  "$cc" -O1 -s -o "$out/pe/rwx-$arch.exe" "$src/rwx.c"
done
# An overlay: data appended after the last section, as installers do.
cat "$out/pe/gui-x86_64.exe" > "$out/pe/overlay-x86_64.exe"
head -c 3000 /dev/zero | tr '\0' 'A' >> "$out/pe/overlay-x86_64.exe"

# Not PE.
cp /bin/true "$out/notpe/elf"
: > "$out/notpe/empty"
printf 'MZ' > "$out/notpe/mz2"
printf 'just some text, not a program\n' > "$out/notpe/text.txt"

# Broken PEs, cut from a real one at offsets read from its own headers.
pe="$out/pe/netclient-i686.exe"
lfanew=$(od -An -tu4 -j60 -N4 "$pe" | tr -d ' ')
optsize=$(od -An -tu2 -j$((lfanew + 20)) -N2 "$pe" | tr -d ' ')
sections=$((lfanew + 24 + optsize))
head -c $((sections + 40 + 20)) "$pe" > "$out/broken/truncated-section-table.exe"
head -c $((sections + 40 * 2)) "$pe" > "$out/broken/headers-only.exe"
echo "make-fixtures: $(ls "$out/pe" | wc -l) PE, $(ls "$out/notpe" | wc -l) non-PE, $(ls "$out/broken" | wc -l) broken files in $out"
