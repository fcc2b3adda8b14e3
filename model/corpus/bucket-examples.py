#!/usr/bin/python3
"""Writes cli/malml/bucket_examples.c: for each hashed bag of the feature
schema, the names most often seen in a labelled corpus, so that `malml
score` can say what an ABSENT bucket stands for ("e.g. kernel32!VirtualAllocEx,
user32!DispatchMessageA") where the file itself has no name there.

Only names leave the corpus: import (dll!function), dll, export, section,
Rich-entry (prodid:build) and .NET assembly-reference, moduleref and
resource names, as docs/features.md tokenises them.  A name is kept only if
at least MIN_FILES files of at least MIN_GROUPS labelled groups (packages,
malware collections) have it, so nothing peculiar to one sample or one
package is written; user strings are never read.  The C program hashes each
name itself with the module's rule, so a name is shown under the bucket it
really maps to whatever this script gets wrong.

    /usr/bin/python3 model/corpus/bucket-examples.py /work/train/labels.tsv \\
        /work/train > cli/malml/bucket_examples.c

Needs Debian's python3-yara (YARA 4.2.3's pe and dotnet modules); reads
the files, never runs them.  --counts FILE keeps the per-name counts of a
run, so a second run only re-picks.
"""
import argparse
import collections
import hashlib
import multiprocessing
import os
import sys

import yara

PER_BUCKET = 4   # names kept per bucket
MIN_FILES = 5    # a name must be this common ...
MIN_GROUPS = 3   # ... and in this many labelled groups
# Ranked by how many origins (a malware collection, a benign ecosystem:
# pypi, npm, deb, ...) have the name, then by files: the benign corpus is
# mostly PyPI, and by files alone python3!PyLong_Type would stand for
# buckets that kernel32!Sleep shares.

# bag -> buckets, as modules/malml/features/schema.h
BAGS = {
    "import": 1024, "dll": 128, "export": 128, "section": 64, "rich": 64,
    "assembly_ref": 64, "moduleref": 32, "resource_name": 32,
}
TOKEN_MAX = 256

RULES = None


def dll_token(dll):
    cut = dll.rfind(b".")
    name = dll[:cut] if cut >= 0 else dll
    return name[:TOKEN_MAX].lower()


def import_tokens(pe, out):
    for key in ("import_details", "delay_import_details",
                "delayed_import_details"):
        for imp in pe.get(key) or []:
            dll = imp.get("dll_name") or imp.get("library_name")
            if not dll:
                continue
            out.add(("dll", dll_token(dll)))
            for fn in imp.get("functions") or []:
                # pe names ordinal imports too ("ord123"); malml's token
                # keeps the ordinal (modules/malml/features/pe_view.c).
                if fn.get("ordinal") is not None:
                    rest = b"#%d" % fn["ordinal"]
                elif fn.get("name"):
                    rest = fn["name"][:TOKEN_MAX]
                else:
                    continue
                out.add(("import", dll_token(dll) + b"!" + rest))


def pe_tokens(pe, out):
    import_tokens(pe, out)
    for e in pe.get("export_details") or []:
        if e.get("name"):
            out.add(("export", e["name"][:TOKEN_MAX]))
    for s in pe.get("sections") or []:
        name = s.get("name") or b""
        out.add(("section", name[:8].split(b"\0")[0]))
    clear = (pe.get("rich_signature") or {}).get("clear_data") or b""
    for off in range(16, len(clear) - 7, 8):
        build = int.from_bytes(clear[off:off + 2], "little")
        prodid = int.from_bytes(clear[off + 2:off + 4], "little")
        out.add(("rich", b"%d:%d" % (prodid, build)))


def dotnet_tokens(dn, out):
    for a in dn.get("assembly_refs") or []:
        if a.get("name"):
            out.add(("assembly_ref", a["name"][:TOKEN_MAX].lower()))
    for m in dn.get("modulerefs") or []:
        out.add(("moduleref", dll_token(m)))
    for r in dn.get("resources") or []:
        if r.get("name"):
            out.add(("resource_name", r["name"][:TOKEN_MAX]))


def tokens_of(path):
    found = set()

    def seen(data):
        if data.get("module") == "pe" and data.get("is_pe"):
            pe_tokens(data, found)
        elif data.get("module") == "dotnet" and data.get("is_dotnet"):
            dotnet_tokens(data, found)
        return yara.CALLBACK_CONTINUE

    try:
        RULES.match(path, modules_callback=seen, timeout=60)
    except yara.Error:
        pass
    return found


def init():
    global RULES
    RULES = yara.compile(source='import "pe"\nimport "dotnet"\n'
                         'rule never { condition: false }')


def work(item):
    path, group, origin = item
    return group, origin, tokens_of(path)


def origin_of(label, group, source):
    """A malware file's collection, a benign file's ecosystem."""
    if label == "1":
        return source or group.split("/")[0]
    return group.split(":")[0]


def count(labels, root, procs):
    items = []
    with open(labels) as f:
        next(f)
        for line in f:
            cols = line.rstrip("\n").split("\t") + [""] * 5
            sha, label, group, source = cols[0], cols[1], cols[2], cols[4]
            path = os.path.join(root, "malware" if label == "1" else "benign", sha)
            if os.path.exists(path):
                items.append((path, group, origin_of(label, group, source)))
    files = collections.Counter()
    groups = collections.defaultdict(set)
    origins = collections.defaultdict(set)
    with multiprocessing.Pool(procs, initializer=init) as pool:
        for done, (group, origin, toks) in enumerate(
                pool.imap_unordered(work, items, chunksize=16), 1):
            for t in toks:
                files[t] += 1
                groups[t].add(group)
                origins[t].add(origin)
            if done % 2000 == 0:
                print("%d of %d files" % (done, len(items)), file=sys.stderr)
    return {t: (files[t], len(groups[t]), len(origins[t])) for t in files}


def bucket(token, n):
    return int.from_bytes(hashlib.md5(token).digest()[:4], "little") % n


def c_string(b):
    out = []
    for c in b:
        ch = chr(c)
        if ch in '"\\?':  # '?' too: no trigraphs
            out.append("\\" + ch)
        elif 0x20 <= c < 0x7F:
            out.append(ch)
        else:
            out.append("\\%03o" % c)
    return '"' + "".join(out) + '"'


def emit(counts, out):
    """cli/malml/bucket_examples.tsv: bag<TAB>name (C string escapes), for
    each bucket its PER_BUCKET names seen in the most origins; the build
    makes the C arrays of it (build-aux/gen-bucket-examples)."""
    best = collections.defaultdict(list)
    for (bag, tok), (nfiles, ngroups, norigins) in counts.items():
        if nfiles >= MIN_FILES and ngroups >= MIN_GROUPS and tok:
            best[(bag, bucket(tok, BAGS[bag]))].append((-norigins, -nfiles, tok))
    out.write(
        "# bag\tname (C string escapes): for each bucket the %d names seen in\n"
        "# the most origins of the training corpus (a malware collection, a\n"
        "# benign ecosystem), each in at least %d files of %d labelled groups;\n"
        "# written by model/corpus/bucket-examples.py, compiled in by\n"
        "# build-aux/gen-bucket-examples.  Names only.\n"
        % (PER_BUCKET, MIN_FILES, MIN_GROUPS))
    for bag in BAGS:
        for b in range(BAGS[bag]):
            for _, _, t in sorted(best[(bag, b)])[:PER_BUCKET]:
                out.write("%s\t%s\n" % (bag, c_string(t)[1:-1]))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("labels")
    ap.add_argument("root", help="holds malware/SHA256 and benign/SHA256")
    ap.add_argument("--counts", help="cache of the per-name counts (TSV)")
    ap.add_argument("-p", type=int, default=2)
    a = ap.parse_args()
    if a.counts and os.path.exists(a.counts):
        counts = {}
        with open(a.counts, "rb") as f:
            for line in f:
                bag, nf, ng, no, tok = line.rstrip(b"\n").split(b"\t", 4)
                counts[(bag.decode(), bytes.fromhex(tok.decode()))] = (
                    int(nf), int(ng), int(no))
    else:
        counts = count(a.labels, a.root, a.p)
        if a.counts:
            with open(a.counts, "w") as f:
                for (bag, tok), (nf, ng, no) in counts.items():
                    f.write("%s\t%d\t%d\t%d\t%s\n" % (bag, nf, ng, no, tok.hex()))
    emit(counts, sys.stdout)


if __name__ == "__main__":
    main()
