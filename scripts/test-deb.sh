#!/bin/sh
# scripts/test-deb.sh: builds the Debian packages from a clean clone of HEAD
# (dpkg-buildpackage -us -uc -b), checks them with lintian (no errors),
# installs them beside Debian's yara with apt-get, runs the main job from
# the installed paths, and removes them again.  Needs root (or sudo) and
# changes the system while it runs (scripts/test.sh runs it last, unless
# MALML_TEST_DEB=0).
set -eu
cd "$(dirname "$0")/.."
. scripts/deps.sh
deps_install deb
sudo=""
[ "$(id -u)" -ne 0 ] && sudo=sudo
work=$(mktemp -d "${TMPDIR:-/tmp}/malml-deb.XXXXXX")
trap 'rm -rf "$work"' EXIT INT TERM
git clone -q . "$work/malml"
(cd "$work/malml" && dpkg-buildpackage -us -uc -b > "$work/build.log" 2>&1) || {
  tail -n 40 "$work/build.log"; echo "test-deb: dpkg-buildpackage FAILED"; exit 1; }
debs=$(ls "$work"/*.deb)
echo "test-deb: built $(echo $debs | wc -w) packages"
# Errors fail; warnings are printed for the record.
lintian --no-tag-display-limit $debs > "$work/lintian" 2>&1 || true
grep '^W:' "$work/lintian" || true
if grep -q '^E:' "$work/lintian"; then
  grep '^E:' "$work/lintian"; echo "test-deb: lintian ERRORS"; exit 1
fi
$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -q $debs yara > "$work/install.log" 2>&1 || {
  tail -n 20 "$work/install.log"; echo "test-deb: apt-get install FAILED"; exit 1; }
status=0
# The main job from the installed paths, on PE files built here.
sh tests/fixtures/make-fixtures.sh "$work/fixtures" > /dev/null 2>&1
malml-yara -r /usr/share/malml/rules/malml.yar "$work/fixtures" > "$work/a" || status=1
malml-env yara -r /usr/share/malml/rules/malml.yar "$work/fixtures" > "$work/b" || status=1
sort "$work/a" > "$work/a.s"; sort "$work/b" > "$work/b.s"
cmp -s "$work/a.s" "$work/b.s" || { echo "test-deb: malml-yara and malml-env yara differ"; status=1; }
printf 'import "malml"\nrule scored { condition: malml.is_pe == 1 and malml.score >= 0 }\n' > "$work/s.yar"
n=$(malml-yara -r "$work/s.yar" "$work/fixtures" | wc -l)
[ "$n" -ge 5 ] || { echo "test-deb: malml-yara scored $n PE fixtures"; status=1; }
# Debian's yara is still Debian's, and knows no malml without malml-env.
[ "$(readlink -f "$(command -v yara)")" = /usr/bin/yara ] || { echo "test-deb: yara is not Debian's"; status=1; }
if yara "$work/s.yar" "$work/fixtures" > /dev/null 2>&1; then
  echo "test-deb: Debian's yara knows malml without malml-env"; status=1
fi
malml score "$work/fixtures/pe/gui-i686.exe" | grep -q '^  score ' || { echo "test-deb: malml score"; status=1; }
[ -f /usr/share/man/man1/malml-yara.1.gz ] && [ -f /usr/share/man/man1/malml.1.gz ] || { echo "test-deb: manuals missing"; status=1; }
pkg-config --exists yara-malml || { echo "test-deb: yara-malml.pc missing"; status=1; }
$sudo apt-get remove -y -q malml libyara9-malml libyara-malml-dev > /dev/null 2>&1 || true
[ "$status" -eq 0 ] && echo "test-deb: packages built, lintian clean of errors, installed beside Debian's yara, main job ran"
exit "$status"
