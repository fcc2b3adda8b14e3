# Sourced by scripts/scan.sh and scripts/test.sh: installs Debian packages.
# deps_install build|test|deb

deps_build="build-essential autoconf automake libtool pkg-config
  libyara-dev libssl-dev libjansson-dev libmagic-dev libxgboost-dev"
# Tests: Criterion; mingw-w64 and mono-mcs (.NET) to build the PE fixtures;
# Debian's yara as the oracle of the differential test; python3 to check JSON; p7zip-full and npm
# for ../shared/corpus/unpack (the labelled corpus, when present). clang and
# libFuzzer's runtime (libclang-rt-dev) for make fuzz / fuzz-short, valgrind
# for make check-valgrind (issue 10).  Debian's python3-yara, Go and go-yara
# for the pipelines test (libyara.so.9 with malml, issue 11), Dask
# (python3-distributed) for its scale-out check, with python3-xgboost and
# python3-pandas for training on it; GNU time for make bench; python3-venv
# for PyPI's yara-python (test-pypi-yara-python.sh; python3-dev to build
# its source) and yara-x (make bench) in virtual environments.
deps_test="libcriterion-dev mingw-w64 mono-mcs yara python3 p7zip-full npm
  clang libclang-rt-dev valgrind
  python3-yara golang-go golang-github-hillu-go-yara-dev python3-distributed
  python3-xgboost python3-pandas time python3-venv python3-dev"

# Debian packages: debhelper builds them, lintian checks them.
deps_deb="debhelper lintian fakeroot git"

deps_install()
{
  pkgs=$deps_build
  [ "$1" = test ] && pkgs="$pkgs $deps_test"
  [ "$1" = deb ] && pkgs="$pkgs $deps_deb"
  missing=""
  for p in $pkgs; do
    # npm may come with a Node.js installed outside Debian's packages.
    [ "$p" = npm ] && command -v npm > /dev/null && continue
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" ||
      missing="$missing $p"
  done
  [ -z "$missing" ] && return 0
  sudo=""
  [ "$(id -u)" -ne 0 ] && sudo=sudo
  echo "deps: installing$missing"
  $sudo apt-get update -q >/dev/null &&
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q $missing >/dev/null
}

# build_tree [DIR [CONFIGURE-ARG]...]: configures (once) and builds in DIR,
# ./build by default, out of the source tree.
build_tree()
{
  dir=${1:-build}
  [ $# -gt 0 ] && shift
  [ -x ./configure ] || ./bootstrap >/dev/null 2>&1 || ./bootstrap
  mkdir -p "$dir"
  (cd "$dir" && { [ -f Makefile ] || ../configure --quiet "$@"; } && make -j"$(nproc)" >/dev/null) ||
    { echo "build failed ($dir)" >&2; return 1; }
}
