#!/usr/bin/env python3
"""Writes model/corpus/README.md: what the pinned benign corpus is, how to
rebuild it, and its mix counted from the manifests (never typed by hand).

    mix.py [--manifests DIR] [--out README.md] [--dest DIR] [--features FILE]

--dest also counts the files present in a built corpus (DIR/benign), so
that a rebuild can be compared with the pinned numbers.  --features reads
`malml features` output for the built files and counts the installers,
self-extractors and packers the module recognises (its filetype tokens),
which the manifests do not record.
"""
import argparse
import collections
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import corpuslib as cl  # noqa: E402

HEAD = """\
# The pinned benign corpus (model/corpus)

Benign Windows PE files from public package registries, pinned by package,
version, registry artifact, path inside it and sha256, so that anyone can
rebuild the same files. Nothing is installed and nothing is run: artifacts
are downloaded with each ecosystem's own client (`pip download`, `npm pack`,
`apt-get download`, `mvn dependency:copy`, `cargo fetch`, `go mod download`)
and opened as archives; PE files are recognised by their MZ and PE headers.

    model/corpus/build-benign.py ../corpus-benign        # rebuild: DEST/benign/<sha256>, DEST/labels.tsv
    model/corpus/build-benign.py ../corpus-benign --only pypi,maven --cache /tmp/artifacts
    model/corpus/discover.py candidates.txt              # pin more: appends to the manifests
    build/malml features -p 2 ../corpus-benign/benign > /tmp/benign.jsonl
    model/corpus/mix.py --features /tmp/benign.jsonl     # regenerate this README

- `ECOSYSTEM.tsv`: ecosystem, package, version, file (the registry
  artifact), path (inside it), sha256, size, machine, kind (dll, exe, driver,
  efi), is_dotnet, toolchain, signed (an Authenticode security directory is
  present; not verified).
- `toolchain` is a heuristic read from the file (corpuslib.pe_info): go
  (build info), rust (rustc's paths), delphi (Borland sections/strings),
  dotnet-ms (a CLR image from Roslyn, C++/CLI, or signed or named as
  Microsoft's), mono (other CLR images), msvc (Rich header), mingw (GNU ld
  linker version without Rich header), unknown (e.g. lld-built files).
- `labels.tsv` of a build has the layout of `../corpus/labels.tsv`: label
  0, group `ECOSYSTEM:PACKAGE` (split by it), source
  `ECOSYSTEM:PACKAGE@VERSION`.
- Every file is at most 2 MiB; at most 30 files per package (all its
  versions together), chosen for variety of kind, machine and toolchain.
  Only Windows machines are pinned (discover.py skips e.g. the Linux
  ReadyToRun images, machine 0xfd1d, in .NET bundles built for Linux; their
  IL-only assemblies are ordinary i386 PE files and are kept).
- Wheels are looked for with Python 3.12, else 3.9;
  `MALML_PY_VERSIONS="3.8 3.7"` finds packages that stopped at older
  Pythons (nimbusml was pinned so).
- Reserved for evaluation, enforced in code by both scripts: packages in
  `../shared/corpus/reserved-packages.sha256`; packages not already in
  `../shared/corpus/benign.tsv` whose `sha256("ECOSYSTEM:NAME")` begins with
  0 or 1; files in `../shared/corpus/reserved-files.sha256`. Files already in
  `../corpus` are left out too (no duplicates with the existing corpus).
- `discovered.txt` records every candidate discovery tried and what came of
  it (pinned, no PE, refused by the reserved rules, not served).
- A version a registry no longer serves is reported by name and skipped.
- The reserved lists are read from `../shared/corpus` beside the checkout
  (`MALML_SHARED_CORPUS` to point elsewhere; both scripts refuse to run
  without them) and the existing corpus from `../corpus/labels.tsv`
  (`MALML_EXISTING_LABELS`).
- Caveats: `group` is the registry package, so platform packages of one
  project (npm `@x/y-win32-x64-msvc`, `-arm64-msvc`, ...) and the 100-odd
  `winrt-*` PyPI bindings are separate groups of near-kin; the .NET
  runtime assemblies bundled by several `aspose-*` wheels land in whichever
  package was pinned first (files are never repeated). `unknown` toolchain
  is mostly lld-linked code (no Rich header, linker 14.x), e.g. Wine's arm64
  DLLs and WebView2Loader.dll. `mono` is any CLR image without a Roslyn
  linker version (48.0), Rich header, signature or Microsoft name, so it
  also takes some pre-Roslyn csc output (linker 8.0/11.0); `dotnet-ms`
  counts Roslyn output whoever ran it (Aspose, IronSoftware, ...).
"""


def table(title, counter, total, keyname):
    out = ["", "### %s" % title, "", "| %s | files | share |" % keyname, "| --- | ---: | ---: |"]
    for k, v in sorted(counter.items(), key=lambda kv: (-kv[1], kv[0])):
        out.append("| %s | %d | %.1f%% |" % (k, v, 100.0 * v / max(total, 1)))
    return out


def cross(title, rows, a, b):
    keys_b = sorted({r[b] for r in rows})
    c = collections.Counter((r[a], r[b]) for r in rows)
    out = ["", "### %s" % title, "", "| %s \\ %s | %s |" % (a, b, " | ".join(keys_b)),
           "| --- |" + " ---: |" * len(keys_b)]
    for ka in sorted({r[a] for r in rows}):
        out.append("| %s | %s |" % (ka, " | ".join(str(c[(ka, kb)]) for kb in keys_b)))
    return out


INSTALLER_TOKENS = ["nsis", "inno", "sfx_archive", "upx", "overlay"]


def installer_table(path, rows):
    """Files of the manifests with each installer/packer token set, from
    `malml features` JSON lines (the module's own filetype tokens)."""
    pinned = {r["sha256"] for r in rows}
    count, seen = collections.Counter(), 0
    with open(path) as f:
        for line in f:
            d = json.loads(line)
            if d.get("sha256") not in pinned or not d.get("is_pe"):
                continue
            seen += 1
            feats = d.get("features", {})
            for t in INSTALLER_TOKENS:
                count[t] += feats.get("filetype." + t, 0) == 1
    out = ["", "### Installers, self-extractors and packers", "",
           "The module's filetype tokens (`malml features`) on the %d pinned files "
           "read from %s (`overlay`: data after the last section, as installers "
           "and signed files carry)." % (seen, os.path.basename(path)), "",
           "| token | files |", "| --- | ---: |"]
    out += ["| %s | %d |" % (t, count[t]) for t in INSTALLER_TOKENS]
    return out


def main():
    ap = argparse.ArgumentParser()
    here = os.path.dirname(os.path.abspath(__file__))
    ap.add_argument("--manifests", default=here)
    ap.add_argument("--out", default=os.path.join(here, "README.md"))
    ap.add_argument("--dest", default=None)
    ap.add_argument("--features", default=None)
    a = ap.parse_args()
    rows, seen = [], set()
    for p in cl.manifest_paths(a.manifests):
        for r in cl.read_manifest(p):
            if r["sha256"] not in seen:
                seen.add(r["sha256"])
                r["dotnet"] = "yes" if r["is_dotnet"] == "1" else "no"
                r["signed"] = "yes" if r["signed"] == "1" else "no"
                rows.append(r)
    n = len(rows)
    pk = {(r["ecosystem"], r["package"].lower()) for r in rows}
    per_eco_pk = collections.Counter(e for e, _ in pk)
    out = [HEAD, "## Mix (counted from the manifests by mix.py)", "",
           "**%d files from %d packages in %d ecosystems.**" % (n, len(pk), len(per_eco_pk)), "",
           "| ecosystem | packages | files |", "| --- | ---: | ---: |"]
    per_eco = collections.Counter(r["ecosystem"] for r in rows)
    for e in sorted(per_eco):
        out.append("| %s | %d | %d |" % (e, per_eco_pk[e], per_eco[e]))
    for key, title in (("kind", "Kind"), ("machine", "Machine"), ("toolchain", "Toolchain"),
                       ("dotnet", ".NET"), ("signed", "Signed")):
        out += table(title, collections.Counter(r[key] for r in rows), n, key)
    out += cross("Ecosystem by toolchain", rows, "ecosystem", "toolchain")
    out += cross("Ecosystem by kind", rows, "ecosystem", "kind")
    out += cross("Toolchain by machine", rows, "toolchain", "machine")
    if a.features:
        out += installer_table(a.features, rows)
    if a.dest:
        have = sum(os.path.exists(os.path.join(a.dest, "benign", r["sha256"])) for r in rows)
        out += ["", "Built in %s: %d of %d files present." % (a.dest, have, n)]
    with open(a.out, "w") as f:
        f.write("\n".join(out) + "\n")
    print("%d files, %d packages, %d ecosystems" % (n, len(pk), len(per_eco_pk)))


if __name__ == "__main__":
    main()
