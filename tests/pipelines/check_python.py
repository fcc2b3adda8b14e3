"""yara-python (Debian's python3-yara, or PyPI's in a virtual environment:
tests/pipelines/test-pypi-yara-python.sh) with the malml-enabled libyara,
two ways: bare yara-python's modules callback, and the project's malml
package.

usage: check_python.py MALML_BIN RULES FILE...   (prints which yara-python
and library it used, then one line per file: "path score level" from the
package, after checking every score against `malml score` and against the
JSON of the yara beside MALML_BIN)
Exits 1 on the first disagreement, saying what disagreed.
"""
import json
import os
import subprocess
import sys

import malml  # before yara: it loads the malml-enabled library

malml_bin, rules_path, files = sys.argv[1], sys.argv[2], sys.argv[3:]


def fail(why):
    print("check_python: " + why, file=sys.stderr)
    sys.exit(1)


yara = malml.load_library()
yara_bin = os.path.join(os.path.dirname(malml_bin), "yara")
print("yara-python %s (%s) on %s" % (yara.__version__, yara.__file__, malml._loaded))
# Bare yara-python: the rules compile and the module's data arrives in the
# modules callback, as any yara-python pipeline would read it.
rules = yara.compile(filepath=rules_path)
scanner = malml.Scanner(rules=rules_path)
for path in files:
    seen = {}

    def on_module(data):
        if data.get("module") == "malml":
            seen.update(data)
        return yara.CALLBACK_CONTINUE

    rules.match(path, modules_callback=on_module)
    result = scanner.scan_file(path)
    cli = json.loads(subprocess.run(
        [malml_bin, "score", "--json", "-p", "1", path], check=True,
        capture_output=True, text=True).stdout)
    if result.get("error"):
        fail("%s: %s" % (path, result["error"]))
    got_m, cli_m = result["malml"], dict(cli["malml"])
    cli_m.pop("explanations", None)
    # One shape (docs/results.md): the same members, in the same order.
    if list(got_m) != list(cli_m):
        fail("%s: malml members %s (package) vs %s (malml score -j)"
             % (path, list(got_m), list(cli_m)))
    if got_m["is_pe"] != cli_m["is_pe"] or bool(seen.get("is_pe")) != cli_m["is_pe"]:
        fail("%s: is_pe differs" % path)
    if not cli_m["is_pe"]:
        print(path, "not-pe")
        continue
    ours = json.loads(subprocess.run(
        [yara_bin, "--output-format=json", rules_path, path], check=True,
        capture_output=True, text=True).stdout.splitlines()[0])["malml"]
    if ours != cli_m:
        fail("%s: our yara's malml %r differs from malml score's %r"
             % (path, ours, cli_m))
    for name, want in cli_m["scores"].items():
        got = got_m["scores"][name]
        if abs(got - want) > 1e-7 or abs(seen[name] - want) > 1e-7:
            fail("%s: %s %r (package) %r (callback) vs %r (malml score)"
                 % (path, name, got, seen[name], want))
    for key in ("level", "levels", "model", "unlike_training_data"):
        if got_m.get(key) != cli_m.get(key):
            fail("%s: %s %s vs %s" % (path, key, got_m.get(key), cli_m.get(key)))
    print(path, "%.6f" % got_m["scores"]["score"], got_m["level"])

# A bad model file is refused when the Scanner is made, with the file and
# the reason, not reported as "internal error: 57" on every file later.
tmp = os.environ.get("TMPDIR", "/tmp")
not_model = os.path.join(tmp, "check_python-not-a-model.malml")
truncated = os.path.join(tmp, "check_python-truncated.malml")
with open(not_model, "w") as f:
    f.write("hostname\n")
shipped = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "model",
                       "default.malml")
with open(shipped, "rb") as f, open(truncated, "wb") as g:
    g.write(f.read()[:4096])
for bad, want in ((not_model, "not a malml model file"), (truncated, "refused this model file")):
    try:
        malml.Scanner(rules=rules_path, model=bad)
        fail("%s: a Scanner was made with it" % bad)
    except ValueError as e:
        if bad not in str(e) or want not in str(e):
            fail("%s: unclear refusal: %s" % (bad, e))
    os.unlink(bad)
print("bad model files refused with their reason")

# explain() runs malml score: the program on PATH, else the build tree's;
# with none on PATH here it must find a build tree's, and give that
# program's explanations.
os.environ["PATH"] = os.pathsep.join(
    d for d in os.environ.get("PATH", "").split(os.pathsep)
    if not os.access(os.path.join(d, "malml"), os.X_OK))
prog = malml._malml_program()
if not os.path.isabs(prog):
    fail("explain(): no malml found beside the package (%s)" % prog)
pe = next(p for p in files if p.endswith(".exe"))
why = malml.explain(pe)["malml"]["explanations"]
cli = json.loads(subprocess.run(
    [prog, "score", "--json", "-p", "1", "-n", "5", pe], check=True,
    capture_output=True, text=True).stdout)["malml"]["explanations"]
if why != cli:
    fail("explain(%s) differs from %s score -j" % (pe, prog))
print("explain() found %s and agrees with it" % prog)
