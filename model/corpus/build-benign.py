#!/usr/bin/env python3
"""Builds the benign corpus from the pinned manifests.

    build-benign.py DEST [--manifests DIR] [--cache DIR] [--from-dir DIR]
                    [--only ECO,ECO] [--jobs N] [--strict]

For every artifact named in DIR/*.tsv (default: the folder of this script)
it downloads the artifact with the ecosystem's ordinary client (pip
download, npm pack, apt-get download, mvn dependency:copy, cargo fetch, go
mod download), opens it without installing or running anything, takes the
listed members, checks each one's sha256 and size (at most 2 MiB) and
writes it as DEST/benign/<sha256> (mode 0644).  DEST/labels.tsv lists every
file present: sha256, label 0, group ECOSYSTEM:PACKAGE, family (empty),
source ECOSYSTEM:PACKAGE@VERSION -- the layout of ../corpus.

Idempotent and resumable: files present are not fetched again, and an
artifact whose files are all present is not downloaded.  An artifact the
registry no longer serves is reported by name and skipped; a member whose
sha256 or size is wrong is reported and not kept.  Packages and files the
reserved rules exclude (../shared/corpus) are refused even when a manifest
lists them, and so are files of the existing corpus.

--cache DIR keeps downloaded artifacts there (and reuses them); --from-dir
DIR reads artifacts only from DIR, never from a registry (the tests use it).
Exit status 0; with --strict, 1 when any listed file is not in DEST.
"""
import argparse
import collections
import concurrent.futures
import os
import shutil
import sys
import tempfile
import threading

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import corpuslib as cl  # noqa: E402

LOCK = threading.Lock()


def load_rows(mdir, only, reserved, report):
    """Manifest rows to build, after the reserved rules, the per-package cap
    and de-duplication by sha256 (the first row of a file wins)."""
    rows, seen, per_pkg = [], set(), collections.Counter()
    for p in cl.manifest_paths(mdir):
        for r in cl.read_manifest(p):
            if only and r["ecosystem"] not in only:
                continue
            why = reserved.package_refusal(r["ecosystem"], r["package"]) \
                or reserved.file_refusal(r["sha256"])
            if why:
                report["refused"].append("%s:%s %s: %s" % (r["ecosystem"], r["package"],
                                                           r["path"], why))
                continue
            if int(r["size"]) > cl.MAX_SIZE:
                report["refused"].append("%s:%s %s: over 2 MiB" % (r["ecosystem"], r["package"],
                                                                   r["path"]))
                continue
            key = (r["ecosystem"], r["package"].lower())
            if r["sha256"] in seen or per_pkg[key] >= cl.MAX_PER_PACKAGE:
                continue
            seen.add(r["sha256"])
            per_pkg[key] += 1
            rows.append(r)
    return rows


def put(dest, sha, data):
    tmp = os.path.join(dest, ".%s.part" % sha)
    with open(tmp, "wb") as f:
        f.write(data)
    os.chmod(tmp, 0o644)
    os.replace(tmp, os.path.join(dest, sha))


def build_artifact(key, rows, bdir, work, from_dir, keep, report):
    eco, pkg, ver, file = key
    name = "%s:%s@%s (%s)" % (eco, pkg, ver, file)
    try:
        path = cl.fetch(eco, pkg, ver, file, work, from_dir)
    except cl.Unavailable as e:
        with LOCK:
            report["unavailable"].append("%s: %s" % (name, e))
        return
    want = collections.defaultdict(list)
    for r in rows:
        want[r["path"]].append(r)
    added = 0
    try:
        for mpath, size, read in cl.members(path):
            if mpath not in want:
                continue
            for r in want.pop(mpath):
                if size > cl.MAX_SIZE:
                    report["bad"].append("%s %s: over 2 MiB" % (name, mpath))
                    continue
                data = read()
                got = cl.sha256(data) if data is not None else None
                if got != r["sha256"]:
                    with LOCK:
                        report["bad"].append("%s %s: sha256 mismatch" % (name, mpath))
                    continue
                put(bdir, got, data)
                added += 1
    except Exception as e:  # a damaged archive must not stop the others
        with LOCK:
            report["bad"].append("%s: cannot read: %s" % (name, e))
    with LOCK:
        for mpath in want:
            report["bad"].append("%s %s: not in the artifact" % (name, mpath))
        report["added"] += added
    if not keep and from_dir is None and os.path.dirname(path) == work:
        os.remove(path)
    cl.log("  %s: +%d" % (name, added))


def write_labels(dest, rows):
    seen = set()
    tmp = os.path.join(dest, ".labels.tsv.part")
    with open(tmp, "w") as f:
        f.write("sha256\tlabel\tgroup\tfamily\tsource\n")
        for r in rows:
            if r["sha256"] in seen or not os.path.exists(os.path.join(dest, "benign", r["sha256"])):
                continue
            seen.add(r["sha256"])
            f.write("%s\t0\t%s:%s\t\t%s:%s@%s\n" % (r["sha256"], r["ecosystem"], r["package"],
                                                   r["ecosystem"], r["package"], r["version"]))
    os.replace(tmp, os.path.join(dest, "labels.tsv"))
    return len(seen)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[1])
    ap.add_argument("dest")
    ap.add_argument("--manifests", default=os.path.dirname(os.path.abspath(__file__)))
    ap.add_argument("--cache", default=None)
    ap.add_argument("--from-dir", default=None)
    ap.add_argument("--only", default="")
    ap.add_argument("--jobs", type=int, default=3)
    ap.add_argument("--strict", action="store_true")
    a = ap.parse_args()
    bdir = os.path.join(a.dest, "benign")
    os.makedirs(bdir, exist_ok=True)
    work = a.cache or os.path.join(a.dest, ".work")
    os.makedirs(work, exist_ok=True)
    report = {"refused": [], "unavailable": [], "bad": [], "added": 0}
    rows = load_rows(a.manifests, set(filter(None, a.only.split(","))), cl.Reserved(), report)
    arts = collections.OrderedDict()
    present = 0
    for r in rows:
        if os.path.exists(os.path.join(bdir, r["sha256"])):
            present += 1
            continue
        arts.setdefault((r["ecosystem"], r["package"], r["version"], r["file"]), []).append(r)
    cl.log("build: %d files listed, %d present, %d artifacts to fetch" % (len(rows), present, len(arts)))
    with concurrent.futures.ThreadPoolExecutor(max(1, a.jobs)) as ex:
        for fu in [ex.submit(build_artifact, k, v, bdir, work, a.from_dir, a.cache is not None, report)
                   for k, v in arts.items()]:
            fu.result()
    have = write_labels(a.dest, rows)
    if a.cache is None:
        shutil.rmtree(work, ignore_errors=True)
    for kind in ("refused", "unavailable", "bad"):
        for line in report[kind]:
            print("%s: %s" % (kind, line))
    print("done: %d added, %d already present, %d unavailable artifacts, %d bad files, "
          "%d refused rows; %d of %d listed files in %s"
          % (report["added"], present, len(report["unavailable"]), len(report["bad"]),
             len(report["refused"]), have, len(rows), bdir))
    return 1 if a.strict and have < len(rows) else 0


if __name__ == "__main__":
    sys.exit(main())
