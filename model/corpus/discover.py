#!/usr/bin/env python3
"""Discovery: find the Windows PE files in candidate packages and pin them.

    discover.py [--manifests DIR] [--cache DIR] [--from-dir DIR] [--jobs N]
                CANDIDATES...            (files, or '-' for stdin)

A candidate line is `ECOSYSTEM SPEC`:
  pypi REQUIREMENT          wheels for win_amd64, win32 and win_arm64 (NAME, NAME==V,
                            NAME<V: any PEP 508 requirement pip accepts)
  npm NAME[@VERSION]        the npm pack tarball
  deb NAME[:ARCH][=VERSION] apt-get download (i386/arm64 via a private apt state)
  maven G:A:V[:EXT[:CLASSIFIER]]
  crates NAME[@VERSION]     the .crate, through cargo fetch
  go MODULE[@VERSION]       the module zip, through go mod download
With --from-dir the candidates are artifact files in DIR instead (offline):
  `ECOSYSTEM PACKAGE VERSION FILE`.

Each artifact is opened (never installed, never run); members that start
with MZ and a PE header, at most 2 MiB, not reserved, not in the existing
corpus and not yet pinned, are described (machine, kind, .NET, toolchain,
signed) and appended to DIR/ECOSYSTEM.tsv, at most 30 per package (chosen
for variety of kind, machine and toolchain).  Packages refused by the
reserved rules are never downloaded.  DIR/discovered.txt records every
candidate tried, so that a rerun skips them.
"""
import argparse
import collections
import concurrent.futures
import glob
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import corpuslib as cl  # noqa: E402

LOCK = threading.Lock()
PY_VERSIONS = os.environ.get("MALML_PY_VERSIONS", "3.12 3.9").split()  # older: "3.8 3.7 3.6"
PYPI_PLATFORMS = os.environ.get("MALML_PYPI_PLATFORMS", "win_amd64 win32 win_arm64").split()


def parse_candidate(line):
    w = line.split()
    eco, spec = w[0], w[1]
    if eco == "maven":
        parts = spec.split(":")
        return eco, parts[0] + ":" + parts[1], spec
    if eco == "pypi":  # the whole requirement goes to pip; a space may separate its parts
        spec = line.split(None, 1)[1].strip()
        return eco, cl.pypi_name(spec), spec
    if eco in ("npm", "crates", "go"):
        i = spec.rfind("@")
        return eco, spec[:i] if i > 0 else spec, spec
    if eco == "deb":
        return eco, re.split(r"[:=]", spec)[0], spec
    raise ValueError("unknown ecosystem in %r" % line)


def artifacts_pypi(name, spec, tmp):
    """(version, file path) of each distinct wheel pip picks per platform:
    win_amd64 first (Python 3.12, else 3.9: PY_VERSIONS); the other platforms only with
    the Python version that worked, and not at all for a pure wheel."""
    out = {}

    def get(plat, pyv):
        d = tempfile.mkdtemp(dir=tmp)
        try:
            cl.run([sys.executable, "-m", "pip", "download", "--no-deps", "--quiet",
                    "--only-binary=:all:", "--disable-pip-version-check", "--platform", plat,
                    "--python-version", pyv, "-d", d, spec], timeout=600)
        except cl.Unavailable:
            return None
        for f in glob.glob(os.path.join(d, "*.whl")):
            m = cl.WHEEL.match(os.path.basename(f))
            if m and os.path.basename(f) not in out:
                out[os.path.basename(f)] = (m.group("ver"), f)
            return m.group("plat") if m else None
        return None

    for pyv in PY_VERSIONS:
        plat = get(PYPI_PLATFORMS[0], pyv)
        if plat is not None:
            break
    if plat is None or plat == "any":
        return [(v, f) for v, f in out.values()]
    for other in PYPI_PLATFORMS[1:]:
        get(other, pyv)
    return [(v, f) for v, f in out.values()]


def artifacts_npm(name, spec, tmp):
    out = cl.run(["npm", "pack", spec, "--json", "--silent", "--cache",
                  os.path.join(tmp, ".npm-cache")], cwd=tmp)
    info = json.loads(out)[0]
    f = glob.glob(os.path.join(tmp, "*.tgz"))
    return [(info["version"], f[0])] if f else []


def artifacts_deb(name, spec, tmp):
    arch = re.match(r"[^:=]+(?::([^=]+))?", spec).group(1)
    cl.run(["apt-get"] + cl.apt_opts(arch) + ["-qq", "download", spec], cwd=tmp)
    out = []
    for f in glob.glob(os.path.join(tmp, "*.deb")):
        ver = subprocess.run(["dpkg-deb", "-f", f, "Version"], stdout=subprocess.PIPE,
                             text=True).stdout.strip()
        out.append((ver, f))
    return out


def artifacts_maven(name, spec, tmp):
    parts = spec.split(":")
    cl.run(["mvn", "-q", "-B", "dependency:copy", "-Dartifact=" + spec, "-DoutputDirectory=" + tmp,
            "-Dmdep.useBaseVersion=true"], cwd=tmp)
    return [(parts[2], f) for f in glob.glob(os.path.join(tmp, "*.*"))
            if os.path.isfile(f) and not os.path.basename(f).startswith(".")]


def artifacts_crates(name, spec, tmp):
    ver = spec.split("@")[1] if "@" in spec else None
    if ver is None:
        p = os.path.join(tmp, "p")
        os.makedirs(os.path.join(p, "src"))
        with open(os.path.join(p, "Cargo.toml"), "w") as f:
            f.write('[package]\nname = "malml-probe"\nversion = "0.0.0"\n'
                    '[dependencies]\n%s = "*"\n' % name)
        open(os.path.join(p, "src", "lib.rs"), "w").close()
        cl.run(["cargo", "generate-lockfile", "--quiet"], cwd=p)
        lock = open(os.path.join(p, "Cargo.lock")).read()
        m = re.search(r'name = "%s"\nversion = "([^"]+)"' % re.escape(name), lock)
        if not m:
            raise cl.Unavailable("crates:%s not resolved" % name)
        ver = m.group(1)
    file = "%s-%s.crate" % (name, ver)
    got = cl._fetch_crates(name, ver, file, tempfile.mkdtemp(dir=tmp))
    return [(ver, got)] if got else []


def artifacts_go(name, spec, tmp):
    ver = spec.split("@")[1] if "@" in spec else "latest"
    env = dict(os.environ, GOFLAGS="-mod=mod")
    info = json.loads(cl.run(["go", "mod", "download", "-json", "%s@%s" % (name, ver)],
                             cwd=tmp, env=env))
    if not info.get("Zip"):
        raise cl.Unavailable(info.get("Error", "no zip"))
    f = os.path.join(tmp, cl.go_file(name, info["Version"]))
    shutil.copy(info["Zip"], f)
    return [(info["Version"], f)]


ARTIFACTS = {"pypi": artifacts_pypi, "npm": artifacts_npm, "deb": artifacts_deb,
             "maven": artifacts_maven, "crates": artifacts_crates, "go": artifacts_go}


def scan_artifact(path, reserved, known):
    """PE members of one artifact: list of (row fields without package info)."""
    found, seen = [], set()
    for mpath, size, read in cl.members(path):
        if not cl.could_be_pe(mpath, size):
            continue
        data = read()
        if data is None or len(data) > cl.MAX_SIZE:
            continue
        info = cl.pe_info(data)
        if info is None or info["machine"] not in cl.MACHINES.values():
            continue  # not PE, or not a Windows machine (e.g. Linux ReadyToRun 0xfd1d)
        sha = cl.sha256(data)
        if sha in seen or sha in known or reserved.file_refusal(sha):
            continue
        seen.add(sha)
        found.append(dict(info, path=mpath, sha256=sha, size=len(data)))
    return found


def choose(cands, room):
    """Up to room files, round-robin over (kind, machine, .NET, toolchain)
    so that one kind of file does not fill a package's share."""
    groups = collections.OrderedDict()
    order = {"driver": 0, "efi": 1, "exe": 2, "dll": 3}
    for c in sorted(cands, key=lambda c: (order.get(c["kind"], 4), c["path"])):
        groups.setdefault((c["kind"], c["machine"], c["is_dotnet"], c["toolchain"]), []).append(c)
    out = []
    while len(out) < room and any(groups.values()):
        for g in list(groups.values()):
            if g and len(out) < room:
                out.append(g.pop(0))
    return out


class State:
    def __init__(self, mdir, reserved, retry=False):
        self.mdir = mdir
        self.reserved = reserved
        self.known = set()
        self.per_pkg = collections.Counter()
        for p in cl.manifest_paths(mdir):
            for r in cl.read_manifest(p):
                self.known.add(r["sha256"])
                self.per_pkg[(r["ecosystem"], r["package"].lower())] += 1
        self.logpath = os.path.join(mdir, "discovered.txt")
        self.done = set()
        if os.path.exists(self.logpath):
            with open(self.logpath) as f:
                self.done = {"\t".join(line.split("\t")[:2]) for line in f
                             if not (retry and line.split("\t")[2].startswith("unavailable"))}

    def note(self, eco, spec, result):
        with LOCK:
            with open(self.logpath, "a") as f:
                f.write("%s\t%s\t%s\n" % (eco, spec, result))


def discover_one(st, eco, name, spec, cache, from_dir):
    why = st.reserved.package_refusal(eco, name)
    if why:
        st.note(eco, spec, "refused: " + why)
        return "refused (%s)" % why
    with LOCK:
        room = cl.MAX_PER_PACKAGE - st.per_pkg[(eco, name.lower())]
    if room <= 0:
        return "package full"
    tmp = tempfile.mkdtemp(dir=cache, prefix=".disc-")
    try:
        if from_dir:
            ver, file = spec.split()[1:3]
            arts = [(ver, os.path.join(from_dir, file))]
            if not os.path.exists(arts[0][1]):
                raise cl.Unavailable("%s not in %s" % (file, from_dir))
        else:
            arts = ARTIFACTS[eco](name, spec, tmp)
        if not arts:
            raise cl.Unavailable("nothing served")
        cands = []
        for ver, path in arts:
            try:
                for c in scan_artifact(path, st.reserved, st.known):
                    cands.append(dict(c, version=ver, file=os.path.basename(path), _path=path))
            except Exception as e:  # a corrupt or odd archive: report, go on
                cl.log("  %s:%s: cannot read %s: %s" % (eco, name, os.path.basename(path), e))
        with LOCK:
            room = cl.MAX_PER_PACKAGE - st.per_pkg[(eco, name.lower())]
            uniq = {}
            for c in cands:
                if c["sha256"] not in st.known:
                    uniq.setdefault(c["sha256"], c)
            picked = choose(list(uniq.values()), room)
            for c in picked:
                st.known.add(c["sha256"])
            st.per_pkg[(eco, name.lower())] += len(picked)
            rows = [dict(c, ecosystem=eco, package=name) for c in picked]
            cl.append_manifest(os.path.join(st.mdir, eco + ".tsv"), rows)
        used = {c["_path"] for c in picked}
        if not from_dir:
            for ver, path in arts:  # keep what the builder will want again
                if path in used:
                    os.replace(path, os.path.join(cache, os.path.basename(path)))
        st.note(eco, spec, "%d pinned of %d PE" % (len(picked), len(uniq)))
        return "%d pinned of %d PE files" % (len(picked), len(uniq))
    except cl.Unavailable as e:
        st.note(eco, spec, "unavailable: %s" % str(e)[:200])
        return "unavailable: %s" % str(e)[:200]
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def tidy(mdir, reserved):
    """Rewrites the manifests (run when no discovery is running): repairs
    PyPI package names to their PEP 503 form, drops malformed rows, rows of
    non-Windows machines, rows the reserved rules or the exclusions now
    refuse and repeated files (the first row wins); a package past its cap
    (two names merged by the repair) keeps the cap's worth chosen for
    variety as discovery does.  Sorts the rest."""
    seen = set()
    for p in cl.manifest_paths(mdir):
        by_pkg, dropped = collections.OrderedDict(), 0
        with open(p) as f:
            f.readline()
            raw = [line.rstrip("\n").split("\t") for line in f if line.strip()]
        for cols in raw:
            r = dict(zip(cl.MANIFEST_COLS, cols))
            if r.get("ecosystem") == "pypi" and r.get("package"):
                # rows pinned before parse_candidate read PEP 508 names said `cmake<4.2`
                r["package"] = cl.pypi_name(r["package"])
            ok = len(cols) == len(cl.MANIFEST_COLS) and re.fullmatch(r"[0-9a-f]{64}", r["sha256"])
            key = (r.get("ecosystem"), r.get("package", "").lower())
            if not ok or r["sha256"] in seen \
                    or r["machine"] not in cl.MACHINES.values() \
                    or reserved.package_refusal(*key) or reserved.file_refusal(r["sha256"]):
                dropped += 1
                continue
            seen.add(r["sha256"])
            by_pkg.setdefault(key, []).append(r)
        kept = []
        for rows in by_pkg.values():
            if len(rows) > cl.MAX_PER_PACKAGE:
                dropped += len(rows) - cl.MAX_PER_PACKAGE
                rows = choose(rows, cl.MAX_PER_PACKAGE)
            kept += rows
        kept.sort(key=lambda r: (r["package"].lower(), r["version"], r["file"], r["path"]))
        os.replace(p, p + ".bak")
        cl.append_manifest(p, kept)
        os.remove(p + ".bak")
        cl.log("%s: %d rows kept, %d dropped" % (os.path.basename(p), len(kept), dropped))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[1])
    ap.add_argument("candidates", nargs="*")
    ap.add_argument("--tidy", action="store_true", help="clean and sort the manifests, then stop")
    ap.add_argument("--manifests", default=os.path.dirname(os.path.abspath(__file__)))
    ap.add_argument("--cache", default=os.path.join(tempfile.gettempdir(), "malml-benign-cache"))
    ap.add_argument("--from-dir", default=None)
    ap.add_argument("--jobs", type=int, default=3)
    ap.add_argument("--retry", action="store_true", help="try again what was not served")
    a = ap.parse_args()
    if a.tidy:
        tidy(a.manifests, cl.Reserved())
        return
    os.makedirs(a.cache, exist_ok=True)
    st = State(a.manifests, cl.Reserved(), a.retry)
    lines = []
    for c in a.candidates:
        f = sys.stdin if c == "-" else open(c)
        lines += [l.strip() for l in f if l.strip() and not l.startswith("#")]
    todo = []
    for line in lines:
        eco, name, spec = parse_candidate(line)
        spec = line.split(None, 1)[1] if a.from_dir else spec
        if "%s\t%s" % (eco, spec) in st.done:
            continue
        todo.append((eco, name, spec))
    cl.log("discover: %d candidates (%d already tried)" % (len(todo), len(lines) - len(todo)))
    with concurrent.futures.ThreadPoolExecutor(a.jobs) as ex:
        futs = {ex.submit(discover_one, st, e, n, s, a.cache, a.from_dir): (e, s)
                for e, n, s in todo}
        for fu in concurrent.futures.as_completed(futs):
            e, s = futs[fu]
            try:
                cl.log("%s %s: %s" % (e, s, fu.result()))
            except Exception as ex_:
                cl.log("%s %s: error %r" % (e, s, ex_))
                st.note(e, s, "error: %r" % ex_)


if __name__ == "__main__":
    main()
