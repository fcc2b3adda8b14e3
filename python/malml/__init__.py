"""malml for Python pipelines, on yara-python (Debian's python3-yara, or
PyPI's yara-python in a virtual environment).

malml is a YARA module; yara-python reaches it through the malml-enabled
libyara this project builds (libyara.so.9 on libyara 4.2, libyara.so.10 on
4.3 and later; installed in /usr/lib/<triplet>/malml, never over the system
library).  This package loads that library before
``yara`` is imported, so a pipeline needs no wrapper::

    import malml
    scanner = malml.Scanner()                      # shipped rules, default model
    for result in scanner.scan_path("/srv/share"):
        print(result["path"], result["malml"]["level"], result["matches"])

Each result is a dict in the shape every malml front end writes
(docs/results.md; see ``Scanner.scan_file``).  Explanations (which
features moved each score) come from the ``malml score`` command, on request.
"""

import ctypes
import glob
import hashlib
import importlib.metadata
import importlib.util
import json
import os
import re
import shutil
import subprocess
import sysconfig
import time

__all__ = ["Scanner", "load_library", "LibraryError", "LEVELS"]

def _default_libdirs():
    """Where the build trees beside this package (python/../build/libyara,
    python/../build-yara45/libyara),
    `make install` (/usr/local/lib/malml) and the Debian packages
    (/usr/lib/<triplet>/malml: libyara9-malml, or libyara10-malml for
    libyara 4.3+) put the library."""
    here = os.path.dirname(os.path.abspath(__file__))
    top = os.path.join(here, "..", "..")
    # build/ (the README's build, on the system libyara) and build-yara45/
    # (the test command's build on libyara 4.5): each holds its soname.
    dirs = [os.path.normpath(os.path.join(top, tree, "libyara"))
            for tree in ("build", "build-yara45")] + ["/usr/local/lib/malml"]
    multiarch = sysconfig.get_config_var("MULTIARCH")
    if multiarch:
        dirs.append("/usr/lib/%s/malml" % multiarch)
    dirs += sorted(glob.glob("/usr/lib/*-linux-gnu*/malml")) + ["/usr/lib/malml"]
    return list(dict.fromkeys(dirs))

LEVELS = ("high", "medium", "low")  # strictest first; below all: "none"

# dotnet_score is defined for .NET files only (absent from the dict
# otherwise, as undefined in rules).
_SCORE_FIELDS = ("score", "header_score", "imports_score", "sections_score",
                 "filetype_score", "strings_score", "dotnet_score")

_loaded = None


class LibraryError(RuntimeError):
    """The malml-enabled libyara could not be loaded, or yara lacks malml."""


# libyara's soname by release: 4.3 bumped it (ABI change) from 9 to 10.
_SONAMES = ("libyara.so.10", "libyara.so.9")


def _yara_module_file():
    """The path of the ``yara`` extension that ``import yara`` would load
    (found without importing it: importing binds it), or None."""
    spec = importlib.util.find_spec("yara")
    return spec.origin if spec is not None and spec.origin else None


def _needed_soname(module_file):
    """The libyara soname ``module_file`` links to, or None when it has
    libyara built in (PyPI's wheels, pip's default source build).  A
    dynamic build names the library in its dynamic string table, which is
    all this reads: no ELF parser, no binutils."""
    try:
        with open(module_file, "rb") as f:
            m = re.search(rb"\0(libyara\.so\.[0-9]+)\0", f.read())
    except OSError:
        return None
    return m.group(1).decode() if m else None


def _wanted_sonames():
    """The sonames of a malml library this yara-python can use, best first:
    the one it links to; for a yara-python with libyara built in, the one
    of its own version (its libyara functions then bind to the malml
    library loaded first, which must be the same libyara version); both
    when neither can be told."""
    module_file = _yara_module_file()
    needed = _needed_soname(module_file) if module_file else None
    if needed:
        return (needed,)
    try:
        version = importlib.metadata.version("yara-python")
        major, minor = (int(x) for x in version.split(".")[:2])
    except (importlib.metadata.PackageNotFoundError, ValueError):
        return _SONAMES
    return ("libyara.so.10",) if (major, minor) >= (4, 3) else ("libyara.so.9",)


def _candidates(path, sonames):
    if path:
        yield path
        return
    dirs = []
    if os.environ.get("MALML_LIBDIR"):
        dirs.append(os.environ["MALML_LIBDIR"])
    for d in dirs + _default_libdirs():
        for soname in sonames:
            yield os.path.join(d, soname)


def _static_hint(module_file):
    """Why a yara-python with libyara built in did not take malml's."""
    return (
        "; %s has libyara built in and its calls bound inside it (pip's "
        "source build under a Python linked with -Bsymbolic-functions, as "
        "Debian's), so no library loaded first can serve it: reinstall it "
        "linked to libyara, e.g. printf '[build_ext]\\ndynamic_linking = 1\\n' "
        "> dyn.cfg && DIST_EXTRA_CONFIG=$PWD/dyn.cfg pip install --force-reinstall "
        "--no-cache-dir --no-binary yara-python yara-python==VERSION (README: yara-python "
        "from PyPI)" % module_file)


def _build_hint(sonames):
    """How to build the library this yara-python needs, when the README's
    build (on Debian 12's libyara 4.2) is not it."""
    if "libyara.so.9" in sonames:
        return ""
    return ("; this yara-python needs a malml library built against libyara "
            "4.3 or later: `sh scripts/test.sh` builds one in build-yara45/ "
            "(libyara 4.5.4; README: \"Manual build\", --with-yara), "
            "or install yara-python 4.2 to use the build/ of Debian 12's "
            "libyara 4.2 (README: \"yara-python from PyPI\")")


def load_library(path=None):
    """Loads the malml-enabled libyara and returns the ``yara`` module.

    Must run before anything imports ``yara``: the dynamic loader then binds
    yara-python to this library instead of the system's: by soname when
    yara-python links libyara (Debian's python3-yara, a --dynamic-linking
    build), by symbol when it has libyara built in (PyPI's wheels), which
    works when its libyara is the same version as the malml library.  The
    soname is the one yara-python links to, else the one of its version
    (libyara.so.9 for 4.2, libyara.so.10 for 4.3 and later).  Looks at
    ``path``, then $MALML_LIBDIR, the build trees beside this package
    (python/../build/libyara, python/../build-yara45/libyara),
    /usr/local/lib/malml,
    /usr/lib/<triplet>/malml (the Debian package) and /usr/lib/malml.
    Raises LibraryError when no library loads or when the loaded ``yara``
    cannot compile ``import "malml"``.
    """
    global _loaded
    if _loaded is None:
        sonames = _wanted_sonames()
        tried = []
        for candidate in _candidates(path, sonames):
            if os.path.isfile(candidate):
                ctypes.CDLL(candidate, mode=ctypes.RTLD_GLOBAL)
                _loaded = candidate
                break
            tried.append(candidate)
        if _loaded is None:
            raise LibraryError(
                "no malml-enabled %s in: %s; set MALML_LIBDIR to the "
                "directory that holds it (the build tree's libyara/, or "
                "where the libyara*-malml package installed it), or pass "
                "library=PATH%s" % (" or ".join(sonames), ", ".join(tried),
                                    _build_hint(sonames)))
    import yara
    try:
        yara.compile(source='import "malml"')
    except yara.SyntaxError as e:
        why = "yara was bound to a libyara without malml"
        module_file = getattr(yara, "__file__", None)
        if module_file and not _needed_soname(module_file):
            why += _static_hint(module_file)
        else:
            why += " (was yara imported before malml?)"
        raise LibraryError("%s (%s loaded): %s" % (why, _loaded, e))
    return yara


def _text(v):
    return v.decode("utf-8", "replace") if isinstance(v, bytes) else v


def _level(field, score, thresholds):
    """The strictest of a score's own three cuts it reaches (malml.score:
    high/medium/low; header_score: header_high/...), as the C programs
    decide it (malml_level_of); "none" below them all."""
    prefix = "" if field == "score" else field[:-len("score")]
    for name in LEVELS:
        cut = thresholds.get(prefix + name)
        if cut is not None and score >= cut:
            return name
    return "none"


def _malml(data):
    """The "malml" object of a result: the shape every front end writes
    (docs/results.md)."""
    m = {"is_pe": bool(data.get("is_pe"))}
    thresholds = data.get("threshold", {})
    if m["is_pe"] and "score" in data:
        scores = {k: data[k] for k in _SCORE_FIELDS if k in data}
        m["level"] = _level("score", data["score"], thresholds)
        m["scores"] = scores
        m["levels"] = {k: _level(k, v, thresholds) for k, v in scores.items()}
        # malml.familiarity: absent with a model without training counts
        # (format 1.0); under threshold.familiar the file is unlike the
        # training data, as `malml score` says.
        if "familiarity" in data:
            m["familiarity"] = data["familiarity"]
            cut = thresholds.get("familiar")
            if cut is not None:
                m["unlike_training_data"] = data["familiarity"] < cut
    model = data.get("model", {})
    m["model"] = {k: _text(model[k]) for k in ("version", "sha256")
                  if k in model}
    return m


MODEL_MAGIC = b"MALMLMDL"


def _read_model(path):
    """The bytes of a malml model file; ValueError naming the file when it
    is not one (docs/model-format.md: the file starts with MALMLMDL)."""
    with open(path, "rb") as f:
        data = f.read()
    if not data.startswith(MODEL_MAGIC):
        raise ValueError("%s: not a malml model file (it does not start with "
                         "%s; docs/model-format.md)" % (path, MODEL_MAGIC.decode()))
    return data


def _scan_error(text):
    """yara-python's error text, or what it means for bytes in memory."""
    # The bytes are already read, so libyara's "could not map file" can only
    # come from its SIGSEGV/SIGBUS handler: a parser crashed on this file.
    # The library drops what that scan left behind before the next one
    # (modules/module_table.c), so later files are unaffected.
    if text.startswith("could not map file"):
        return ("the scan crashed: a parser faulted on this file and "
                "libyara stopped its scan (%s)" % text)
    return text


def _path_fields(path):
    """The "path" the malml and yara commands write in JSON: the name
    as text, each byte that is not UTF-8 replaced by U+FFFD; and then only,
    "path_bytes": the exact bytes in lower-case hex (bytes.fromhex gives
    them back).  ``path`` is a str (os.fsdecode's) or bytes."""
    raw = os.fsencode(path)
    try:
        return {"path": raw.decode("utf-8")}
    except UnicodeDecodeError:
        # surrogateescape: one lone surrogate per byte that is not UTF-8
        text = raw.decode("utf-8", "surrogateescape")
        return {"path": "".join("\ufffd" if "\udc80" <= c <= "\udcff" else c
                                for c in text),
                "path_bytes": raw.hex()}


def _result(path, sha256, matches, data, error=None):
    """path (and path_bytes), sha256, matches, malml (when the module
    ran), error (when the file could not be scanned)."""
    r = dict(_path_fields(path))
    r.update({"sha256": sha256,
         "matches": [{"rule": m.rule, "namespace": m.namespace,
                      "tags": list(m.tags), "meta": dict(m.meta)}
                     for m in matches]})
    if data:
        r["malml"] = _malml(data)
    if error is not None:
        r["error"] = error
    return r


def _timeout_text(e, elapsed, timeout):
    # libyara's own timeout, and malml's during its pass over the bytes,
    # fire only past the limit; a timeout before it is malml refusing to
    # load pe for a resource directory pe would walk for days (the reason
    # is not exported by the library, so it is told here).
    if timeout and elapsed >= timeout:
        return str(e)
    return ("%s: malml refused to load pe: its resource directory would "
            "take more than 1048576 entries to walk (a loop or a bomb)" % e)


class Scanner:
    """Scans files or bytes with rules that import malml.

    rules: a rule file's path, or None for the shipped rules/malml.yar when
        found next to the package (else a one-line ``import "malml"`` rule).
    source: rule text instead of a file.
    model: a model file for ``-x malml=MODEL`` (None: the compiled-in model).
    timeout: seconds per file (YARA's own timeout: string matching and
        conditions; a parser that loops is only stopped by the ``yara``
        command's worker processes, or by running this in a Dask worker).
    library: path of the malml-enabled libyara.so.N (see load_library).
    """

    def __init__(self, rules=None, source=None, model=None, timeout=60,
                 library=None):
        self._yara = load_library(library)
        if source is None and rules is None:
            rules = _shipped_rules()
        if source is None and rules is None:
            source = 'import "malml"\n'
        self._rules = (self._yara.compile(source=source) if source is not None
                       else self._yara.compile(filepath=rules))
        self._modules_data = None
        self.timeout = timeout
        if model is not None:
            self._modules_data = {"malml": _read_model(model)}
            self._check_model(model)

    def _check_model(self, model):
        """Refuses a model file the module refuses, once, with the reason,
        rather than an "internal error: 57" on every file scanned."""
        try:
            self._match(data=b"MZ")
        except self._yara.Error as e:
            if "57" not in str(e):  # ERROR_INVALID_MODULE_DATA
                raise
            raise ValueError(
                "%s: the malml module refused this model file (corrupt, "
                "truncated, or of a format version it does not read); "
                "`malml model %s` says why" % (model, model)) from None

    def _match(self, **target):
        data = {}

        def on_module(d):
            if d.get("module") == "malml":
                data.update(d)
            return self._yara.CALLBACK_CONTINUE

        kw = {"modules_callback": on_module, "timeout": self.timeout}
        if self._modules_data is not None:
            kw["modules_data"] = self._modules_data
        return self._rules.match(**target, **kw), data

    def scan_bytes(self, buf, name="<bytes>"):
        """The result dict for ``buf`` (bytes), reported under ``name``."""
        sha = hashlib.sha256(buf).hexdigest()
        start = time.monotonic()
        try:
            matches, data = self._match(data=buf)
        except self._yara.TimeoutError as e:
            return _result(name, sha, [], {}, error=_timeout_text(
                e, time.monotonic() - start, self.timeout))
        except self._yara.Error as e:
            return _result(name, sha, [], {}, error=_scan_error(str(e)))
        except MemoryError:
            return _result(name, sha, [], {},
                           error="out of memory while scanning it")
        return _result(name, sha, matches, data)

    def scan_file(self, path):
        """The result dict of one file, in the shape `yara
        --output-format=json` and `malml score -j` write (docs/results.md):
        path (and path_bytes for a name that is not UTF-8), sha256, matches
        (rule, namespace, tags, meta), and "malml": is_pe and, for a PE,
        level ("high", "medium", "low" or "none"), scores (0-1 each, the
        sub-scores that apply), levels (each score's own level),
        familiarity (0-1) and unlike_training_data (bool) when the model
        has training counts, and model (version, sha256); "error" (text)
        when it could not be scanned.
        """
        try:
            with open(path, "rb") as f:
                buf = f.read()
        except OSError as e:
            return _result(path, None, [], {}, error=e.strerror or str(e))
        return self.scan_bytes(buf, name=path)

    def scan_path(self, path):
        """Yields the result of every regular file under ``path`` (walked
        recursively, symlinked directories not followed)."""
        if not os.path.isdir(path):
            yield self.scan_file(path)
            return
        for root, dirs, files in os.walk(path):
            dirs.sort()
            for name in sorted(files):
                full = os.path.join(root, name)
                if os.path.isfile(full):
                    yield self.scan_file(full)


def _malml_program():
    """The malml on PATH, else the build tree's beside this package."""
    found = shutil.which("malml")
    if found:
        return found
    top = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
    for tree in ("build", "build-yara45"):
        candidate = os.path.normpath(os.path.join(top, tree, "malml"))
        if os.access(candidate, os.X_OK):
            return candidate
    return "malml"


def explain(path, top=5, model=None, malml=None):
    """What moved each score of one file, from ``malml score --json``: its
    result (docs/results.md) with "explanations" per score in ``["malml"]``
    (bias, margin and the top contributions in log-odds).  ``malml`` is the
    program: by default the one on PATH, else the build tree's.  Raises
    RuntimeError with malml's message when it fails."""
    malml = malml or _malml_program()
    cmd = [malml, "score", "--json", "-p", "1", "-n", str(top)]
    if model is not None:
        cmd += ["-m", model]
    try:
        p = subprocess.run(cmd + [path], capture_output=True, text=True)
    except FileNotFoundError:
        raise RuntimeError(
            "explain() runs the malml program, and %r was not found: install "
            "the malml package, add its directory to PATH, or pass "
            "malml=PATH (e.g. the build tree's malml)" % malml) from None
    if p.returncode != 0 or not p.stdout.strip():
        raise RuntimeError(p.stderr.strip() or "malml score failed")
    return json.loads(p.stdout.splitlines()[0])


def _shipped_rules():
    here = os.path.dirname(os.path.abspath(__file__))
    for candidate in (os.path.join(here, "..", "..", "rules", "malml.yar"),
                      "/usr/local/share/malml/rules/malml.yar",
                      "/usr/share/malml/rules/malml.yar"):
        if os.path.isfile(candidate):
            return os.path.normpath(candidate)
    return None
