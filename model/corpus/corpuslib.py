"""Shared code of the benign-corpus builder and its discovery mode.

Stdlib only.  Nothing here installs or runs what it downloads: artifacts are
fetched with each ecosystem's ordinary client, opened as archives (zip, tar,
or a .deb's data tarball read through `dpkg-deb --fsys-tarfile`), and PE
files are recognised and described by reading their headers.

Manifest rows (one TSV per ecosystem, header MANIFEST_COLS):
  ecosystem package version file path sha256 size machine kind is_dotnet
  toolchain signed
`file` is the registry artifact (wheel, npm tarball, .deb, jar, .crate, Go
module zip); `path` is the member inside it.
"""
import glob
import hashlib
import io
import json
import os
import re
import shutil
import struct
import subprocess
import sys
import tarfile
import tempfile
import threading
import zipfile

MANIFEST_COLS = ["ecosystem", "package", "version", "file", "path", "sha256",
                 "size", "machine", "kind", "is_dotnet", "toolchain", "signed"]
ECOSYSTEMS = ["pypi", "npm", "deb", "maven", "crates", "go"]
MAX_SIZE = 2 * 1024 * 1024          # the malware collections' size cap
MAX_PER_PACKAGE = 30                 # files per package, all versions together
HERE = os.path.dirname(os.path.abspath(__file__))
SHARED = os.environ.get("MALML_SHARED_CORPUS",
                        os.path.join(HERE, "..", "..", "..", "shared", "corpus"))
EXISTING_LABELS = os.environ.get("MALML_EXISTING_LABELS",
                                 os.path.join(HERE, "..", "..", "..", "corpus",
                                              "labels.tsv"))


def log(*a):
    print(*a, file=sys.stderr, flush=True)


# ---------------------------------------------------------------- reserved --

def package_key(eco, name):
    return "%s:%s" % (eco, name.lower())


def pypi_name(spec):
    """The project name of a PEP 508 requirement (`cmake<4.2`, `Foo_Bar[x]>=1`),
    normalised as PEP 503 does: lower case, runs of -_. as one '-'."""
    m = re.match(r"\s*([A-Za-z0-9._-]+)", spec)
    if not m:
        raise ValueError("no project name in %r" % spec)
    return re.sub(r"[-_.]+", "-", m.group(1)).lower()


def package_hash(eco, name):
    return hashlib.sha256(package_key(eco, name).encode()).hexdigest()


def _read_hashes(path):
    out = set()
    if os.path.exists(path):
        with open(path) as f:
            for line in f:
                w = line.split()
                if w:
                    out.add(w[0].lower())
    return out


def _source_package(src):
    """deb:NAME[:ARCH]=VER or npm:NAME@VER (benign.tsv's source) -> key."""
    eco, rest = src.split(":", 1)
    if eco == "deb":
        name = rest.split("=", 1)[0].split(":", 1)[0]
    else:
        name = rest[:rest.rindex("@")] if rest.rfind("@") > 0 else rest
    return package_key(eco, name)


# Packages left out by judgement, not by the hold-out rules: their PE files
# are test material of unknown provenance (a benign label must be sure).
EXCLUDED = {
    "go:github.com/saferwall/pe": "a PE parser's test files, provenance unknown",
}


class Reserved:
    """The evaluation hold-out rules of ../shared/corpus/README.md, plus the
    files of the existing corpus (duplicates teach nothing)."""

    def __init__(self, shared=SHARED, existing=EXISTING_LABELS):
        need = ["benign.tsv", "reserved-packages.sha256", "reserved-files.sha256"]
        for n in need:
            if not os.path.exists(os.path.join(shared, n)):
                raise SystemExit("reserved lists missing: %s (set MALML_SHARED_CORPUS)"
                                 % os.path.join(shared, n))
        self.packages = _read_hashes(os.path.join(shared, "reserved-packages.sha256"))
        self.files = _read_hashes(os.path.join(shared, "reserved-files.sha256"))
        self.repos = _read_hashes(os.path.join(shared, "reserved-repos.sha256"))
        self.known = set()
        with open(os.path.join(shared, "benign.tsv")) as f:
            next(f)
            for line in f:
                cols = line.rstrip("\n").split("\t")
                if len(cols) > 2 and ":" in cols[2]:
                    self.known.add(_source_package(cols[2]))
        self.existing = set()
        if existing and os.path.exists(existing):
            with open(existing) as f:
                for line in f:
                    self.existing.add(line.split("\t", 1)[0])

    def package_refusal(self, eco, name):
        """None when the package may be used, else the reason."""
        if eco not in ECOSYSTEMS:
            return "unknown ecosystem %s" % eco
        if package_key(eco, name) in EXCLUDED:
            return "excluded: " + EXCLUDED[package_key(eco, name)]
        h = package_hash(eco, name)
        if h in self.packages:
            return "reserved package"
        parts = name.lower().split("/")
        if eco == "go" and len(parts) >= 3 and parts[0] == "github.com" and \
                hashlib.sha256(("%s/%s" % (parts[1], parts[2])).encode()).hexdigest() in self.repos:
            return "reserved repository"
        if package_key(eco, name) not in self.known and h[0] in "01":
            return "reserved bucket (sha256 %s...)" % h[:4]
        return None

    def file_refusal(self, sha):
        if sha in self.files:
            return "reserved file"
        if sha in self.existing:
            return "already in the existing corpus"
        return None


# ------------------------------------------------------------------ PE facts --

MACHINES = {0x14C: "i386", 0x8664: "amd64", 0xAA64: "arm64", 0x1C4: "armnt",
            0x1C0: "arm", 0x200: "ia64", 0xA641: "arm64ec"}
MS_STRINGS = ["Microsoft Corporation".encode("utf-16-le"), b"Microsoft Corporation"]


def pe_header(data):
    """(e_lfanew) when data starts a PE image (MZ, then PE\\0\\0), else None."""
    if len(data) < 0x40 or data[:2] != b"MZ":
        return None
    off = struct.unpack_from("<I", data, 0x3C)[0]
    if off < 4 or off + 24 > len(data) or data[off:off + 4] != b"PE\0\0":
        return None
    return off


def _sections(data, off, nsec, optsize):
    start = off + 24 + optsize
    out = []
    for i in range(min(nsec, 96)):
        s = start + 40 * i
        if s + 40 > len(data):
            break
        out.append(data[s:s + 8].rstrip(b"\0"))
    return out


def pe_info(data):
    """Describes a PE file from its headers and a few byte markers, or None.

    toolchain is a heuristic, first match wins: go (build info / build id),
    rust (rustc's panic paths), delphi (Borland section names or strings),
    dotnet-ms / mono for CLR images, msvc (Rich header), mingw (GNU ld's
    linker version 2.x without Rich header), else unknown."""
    off = pe_header(data)
    if off is None:
        return None
    machine, nsec = struct.unpack_from("<HH", data, off + 4)
    optsize, chars = struct.unpack_from("<HH", data, off + 20)
    opt = off + 24
    if opt + 70 > len(data):
        return None
    magic, lmaj, lmin = struct.unpack_from("<HBB", data, opt)
    subsystem = struct.unpack_from("<H", data, opt + 68)[0]
    ddir = opt + (96 if magic == 0x10B else 112)
    dirs = {}
    ndirs = struct.unpack_from("<I", data, ddir - 4)[0] if ddir <= len(data) else 0
    for i in range(min(ndirs, 16)):
        p = ddir + 8 * i
        if p + 8 <= len(data):
            dirs[i] = struct.unpack_from("<II", data, p)
    signed = 1 if dirs.get(4, (0, 0))[0] and dirs.get(4, (0, 0))[1] else 0
    dotnet = 1 if dirs.get(14, (0, 0))[0] and dirs.get(14, (0, 0))[1] else 0
    secs = _sections(data, off, nsec, optsize)
    rich = b"Rich" in data[0x40:off]
    if subsystem in (10, 11, 12, 13):
        kind = "efi"
    elif subsystem == 1:
        kind = "driver"
    elif chars & 0x2000:
        kind = "dll"
    else:
        kind = "exe"
    return {
        "machine": MACHINES.get(machine, "0x%x" % machine),
        "kind": kind,
        "is_dotnet": dotnet,
        "toolchain": _toolchain(data, secs, rich, dotnet, signed, lmaj, lmin),
        "signed": signed,
    }


def _toolchain(data, secs, rich, dotnet, signed, lmaj, lmin):
    if b"\xff Go buildinf:" in data or b"Go build ID: \"" in data:
        return "go"
    if re.search(rb"[/\\]rustc[/\\][0-9a-f]{40}[/\\]", data) or b"library/std/src/" in data \
            or b"library\\std\\src\\" in data:
        return "rust"
    if {b"CODE", b"DATA"} <= set(secs) or b".itext" in secs or b"Embarcadero" in data \
            or b"Borland" in data[:4096]:
        return "delphi"
    if dotnet:
        ms = any(s in data for s in MS_STRINGS)
        if rich or lmaj == 48 or ms or signed:
            # C++/CLI (Rich), Roslyn (linker 48.0), or Microsoft's name/signature
            return "dotnet-ms"
        return "mono"
    if rich:
        return "msvc"
    if lmaj == 2 and lmin >= 20:
        return "mingw"
    return "unknown"


# ----------------------------------------------------------------- archives --

def members(path):
    """Yields (member path, size, read()) for each regular file of an
    artifact, without writing anything to disk and without running it."""
    low = path.lower()
    if low.endswith(".deb"):
        yield from _deb_members(path)
    elif low.endswith((".whl", ".zip", ".jar", ".nupkg", ".egg", ".aar")):
        with zipfile.ZipFile(path) as z:
            for zi in z.infolist():
                if zi.is_dir():
                    continue
                yield zi.filename, zi.file_size, (lambda zi=zi: z.read(zi))
    elif low.endswith((".tgz", ".tar.gz", ".crate", ".tar", ".tar.xz", ".tar.bz2")):
        with tarfile.open(path, "r:*") as t:
            for ti in t:
                if ti.isfile():
                    yield _norm(ti.name), ti.size, (lambda ti=ti: t.extractfile(ti).read())
    elif low.endswith((".dll", ".exe")):
        size = os.path.getsize(path)
        yield os.path.basename(path), size, (lambda: open(path, "rb").read())
    else:
        raise ValueError("unknown artifact type: %s" % path)


def _norm(name):
    while name.startswith("./"):
        name = name[2:]
    return name


def _deb_members(path):
    p = subprocess.Popen(["dpkg-deb", "--fsys-tarfile", path], stdout=subprocess.PIPE)
    try:
        with tarfile.open(fileobj=p.stdout, mode="r|") as t:
            for ti in t:
                if ti.isfile():
                    data = t.extractfile(ti).read() if ti.size <= MAX_SIZE else None
                    yield _norm(ti.name), ti.size, (lambda d=data: d)
    finally:
        p.stdout.close()
        p.wait()


def could_be_pe(path, size):
    """Cheap filter before reading a member: the size cap; and skip types
    that are never PE (sources, text, images) to keep discovery fast."""
    if size > MAX_SIZE or size < 0x100:
        return False
    low = path.lower()
    return not low.endswith((".py", ".pyi", ".js", ".ts", ".map", ".json", ".md",
                             ".txt", ".h", ".hpp", ".c", ".cc", ".cpp", ".html",
                             ".css", ".png", ".svg", ".class", ".java", ".rs",
                             ".go", ".a", ".lib", ".so", ".dylib", ".pyc",
                             ".mo", ".po", ".gz", ".xml", ".yml", ".yaml"))


def sha256(data):
    return hashlib.sha256(data).hexdigest()


# ---------------------------------------------------------------- manifests --

def read_manifest(path):
    rows = []
    if not os.path.exists(path):
        return rows
    with open(path) as f:
        head = f.readline().rstrip("\n").split("\t")
        if head != MANIFEST_COLS:
            raise SystemExit("%s: unexpected header %r" % (path, head))
        for n, line in enumerate(f, 2):
            cols = line.rstrip("\n").split("\t")
            if len(cols) != len(MANIFEST_COLS) or not line.endswith("\n"):
                if line.strip():
                    log("%s:%d: malformed row skipped" % (path, n))
                continue
            rows.append(dict(zip(MANIFEST_COLS, cols)))
    return rows


def append_manifest(path, rows):
    new = not os.path.exists(path)
    with open(path, "a") as f:
        if new:
            f.write("\t".join(MANIFEST_COLS) + "\n")
        for r in rows:
            f.write("\t".join(str(r[c]) for c in MANIFEST_COLS) + "\n")


def manifest_paths(mdir):
    """The benign manifests, ECOSYSTEM.tsv: the folder also holds the
    malware harvest's malware-*.tsv, which have other columns."""
    paths = (os.path.join(mdir, e + ".tsv") for e in ECOSYSTEMS)
    return sorted(p for p in paths if os.path.exists(p))


# ------------------------------------------------------------------ fetching --

class Unavailable(Exception):
    """The registry (or the local directory) does not serve this artifact."""


def fetch(eco, package, version, file, outdir, from_dir=None):
    """Returns the path of `file` (the artifact), fetched into outdir with
    the ecosystem's client unless it is there already.  from_dir: read only
    from that directory (offline), never a registry."""
    os.makedirs(outdir, exist_ok=True)
    dest = os.path.join(outdir, file)
    if os.path.exists(dest):
        return dest
    if from_dir is not None:
        src = os.path.join(from_dir, file)
        if not os.path.exists(src):
            raise Unavailable("%s not in %s" % (file, from_dir))
        return src
    tmp = tempfile.mkdtemp(dir=outdir, prefix=".fetch-")
    try:
        got = FETCHERS[eco](package, version, file, tmp)
        if got is None or not os.path.exists(got):
            raise Unavailable("%s:%s@%s: %s not served" % (eco, package, version, file))
        os.replace(got, dest)
        return dest
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def run(cmd, cwd=None, env=None, timeout=900):
    try:
        p = subprocess.run(cmd, cwd=cwd, env=env, stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, timeout=timeout)
    except subprocess.TimeoutExpired:
        raise Unavailable("timed out: %s" % " ".join(cmd))
    if p.returncode != 0:
        err = (p.stderr or b"").decode("utf-8", "replace").strip().splitlines()
        raise Unavailable("%s: %s" % (" ".join(cmd[:3]), err[-1] if err else "failed"))
    return p.stdout.decode("utf-8", "replace")


WHEEL = re.compile(r"^(?P<name>[^-]+)-(?P<ver>[^-]+)(-\d[^-]*)?-(?P<py>[^-]+)-(?P<abi>[^-]+)-(?P<plat>[^-]+)\.whl$")


PREFERRED_PY = ["3.12", "3.11", "3.10", "3.9", "3.13", "3"]


def pip_args_for_wheel(file):
    """pip download options that select exactly this wheel file."""
    m = WHEEL.match(file)
    if not m:
        raise Unavailable("not a wheel file name: %s" % file)
    args = []
    for plat in m.group("plat").split("."):
        args += ["--platform", plat]
    tags = m.group("py").split(".")
    vers = {t: t[2:3] + ("." + t[3:] if len(t) > 3 else "") for t in tags
            if t[:2] in ("cp", "pp", "py") and t[2:].isdigit()}
    pick = [t for p in PREFERRED_PY for t in vers if vers[t] == p] or list(vers)
    if pick:
        args += ["--python-version", vers[pick[0]]]
        if pick[0][:2] != "py":
            args += ["--implementation", pick[0][:2]]
    for abi in m.group("abi").split("."):
        args += ["--abi", abi]
    return args


def _fetch_pypi(package, version, file, tmp):
    run([sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:",
         "--no-cache-dir", "--quiet", "--disable-pip-version-check", "-d", tmp]
        + pip_args_for_wheel(file) + ["%s==%s" % (package, version)])
    p = os.path.join(tmp, file)
    return p if os.path.exists(p) else None


def _fetch_npm(package, version, file, tmp):
    out = run(["npm", "pack", "%s@%s" % (package, version), "--json", "--silent",
               "--cache", os.path.join(tmp, ".npm-cache")], cwd=tmp)
    got = json.loads(out)[0]["filename"].replace("@", "").replace("/", "-")
    p = os.path.join(tmp, got)
    if not os.path.exists(p):
        cand = glob.glob(os.path.join(tmp, "*.tgz"))
        p = cand[0] if cand else None
    return p


APT_FOREIGN = None
APT_LOCK = threading.Lock()


def _apt_state():
    with APT_LOCK:
        return _apt_state_locked()


def _apt_state_locked():
    """A private apt state that knows the i386 and arm64 indexes too, so that
    foreign packages can be downloaded without changing the system's dpkg
    architectures (as ../shared/corpus/fetch-benign does)."""
    global APT_FOREIGN
    if APT_FOREIGN is None:
        base = os.path.join(tempfile.gettempdir(), "malml-apt-%d" % os.getuid())
        os.makedirs(os.path.join(base, "lists", "partial"), exist_ok=True)
        os.makedirs(os.path.join(base, "cache", "archives", "partial"), exist_ok=True)
        opts = ["-o", "Dir::State::Lists=%s/lists" % base, "-o", "Dir::Cache=%s/cache" % base,
                "-o", "APT::Architectures::=amd64", "-o", "APT::Architectures::=i386",
                "-o", "APT::Architectures::=arm64", "-o", "APT::Sandbox::User=root",
                "-o", "Acquire::Retries=3"]
        if not glob.glob(os.path.join(base, "lists", "*Packages*")):
            subprocess.run(["apt-get"] + opts + ["-qq", "update"], stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL)
        APT_FOREIGN = opts
    return APT_FOREIGN


def deb_arch(file):
    return file[:-4].rsplit("_", 1)[1]


def apt_opts(arch):
    """The system's package lists for native (amd64) and arch-all packages,
    as fetch-benign does; the private i386/arm64 state for the others."""
    if arch in ("amd64", "all", None):
        return ["-o", "APT::Sandbox::User=root", "-o", "Acquire::Retries=3"]
    return _apt_state()


def _fetch_deb(package, version, file, tmp):
    arch = deb_arch(file)
    spec = "%s:%s=%s" % (package, arch, version) if arch != "all" else "%s=%s" % (package, version)
    run(["apt-get"] + apt_opts(arch) + ["-qq", "download", spec], cwd=tmp)
    debs = glob.glob(os.path.join(tmp, "*.deb"))
    return debs[0] if debs else None


def maven_coords(package, version, file):
    """group:artifact + A-V[-classifier].ext -> G:A:V:ext[:classifier]."""
    group, art = package.split(":")
    stem = "%s-%s" % (art, version)
    if not file.startswith(stem):
        raise Unavailable("maven file %s does not start with %s" % (file, stem))
    rest = file[len(stem):]
    ext = rest.rsplit(".", 1)[1]
    classifier = rest[1:].rsplit(".", 1)[0] if rest.startswith("-") else ""
    coords = "%s:%s:%s:%s" % (group, art, version, ext)
    return coords + (":" + classifier if classifier else "")


def _fetch_maven(package, version, file, tmp):
    run(["mvn", "-q", "-B", "dependency:copy", "-Dartifact=" + maven_coords(package, version, file),
         "-DoutputDirectory=" + tmp, "-Dmdep.useBaseVersion=true"], cwd=tmp)
    p = os.path.join(tmp, file)
    return p if os.path.exists(p) else None


def _fetch_crates(package, version, file, tmp):
    """cargo fetch in a throw-away manifest that depends on NAME =VERSION;
    the .crate then lies in cargo's registry cache."""
    os.makedirs(os.path.join(tmp, "p", "src"))
    with open(os.path.join(tmp, "p", "Cargo.toml"), "w") as f:
        f.write('[package]\nname = "malml-fetch"\nversion = "0.0.0"\nedition = "2021"\n'
                '[dependencies]\n%s = "=%s"\n' % (package, version))
    open(os.path.join(tmp, "p", "src", "lib.rs"), "w").close()
    run(["cargo", "generate-lockfile", "--quiet"], cwd=os.path.join(tmp, "p"))
    run(["cargo", "fetch", "--quiet"], cwd=os.path.join(tmp, "p"))
    home = os.environ.get("CARGO_HOME", os.path.expanduser("~/.cargo"))
    cand = glob.glob(os.path.join(home, "registry", "cache", "*", file))
    if not cand:
        return None
    shutil.copy(cand[0], os.path.join(tmp, file))
    return os.path.join(tmp, file)


def _fetch_go(package, version, file, tmp):
    env = dict(os.environ, GOFLAGS="-mod=mod", GO111MODULE="on")
    out = run(["go", "mod", "download", "-json", "%s@%s" % (package, version)], cwd=tmp, env=env)
    info = json.loads(out)
    if not info.get("Zip"):
        return None
    shutil.copy(info["Zip"], os.path.join(tmp, file))
    return os.path.join(tmp, file)


FETCHERS = {"pypi": _fetch_pypi, "npm": _fetch_npm, "deb": _fetch_deb,
            "maven": _fetch_maven, "crates": _fetch_crates, "go": _fetch_go}


def go_file(module, version):
    """The artifact name recorded for a Go module zip."""
    return "%s@%s.zip" % (module.replace("/", "!"), version)
