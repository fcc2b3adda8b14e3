#!/usr/bin/python3
"""familiarity-deciles.py [-y YARA] FOLD_DIR CORPUS

Where the held-out errors are, by malml.familiarity: for every fold that
`malml train -F FOLD_DIR` wrote, scans the files that fold held out
(FOLD_DIR/fold-N.txt) with that fold's model through `yara -x malml=...
--output-format=json` (each fold model has its own training counts and
`familiar` cut, from the files it was fitted on), then prints Markdown:

- per decile of familiarity over the held-out files: the benign files and
  those flagged at `medium` (false positives), the malware and those
  missed at `medium`;
- the FPR at `medium` under the fold's `familiar` cut and above it, and
  their ratio; the same for misses;
- per benign kind (the ecosystem of the labels' source, and .NET or not):
  the share of its held-out files under the cut and their FPR.

Files are read from CORPUS/malware/<sha256> and CORPUS/benign/<sha256>;
labels from CORPUS/labels.tsv.
"""
import glob
import json
import os
import subprocess
import sys
import tempfile

RULE = 'import "malml"\nrule pe { condition: malml.is_pe == 1 }\n'


def scan(yara, fold_txt, corpus, rules):
    """(sha256, label, familiarity, flagged at medium, under cut, is .NET)
    for the PE files fold_txt lists, scored by its fold's model."""
    model = fold_txt[:-4] + ".malml"
    labels = {}
    with tempfile.NamedTemporaryFile("w", suffix=".list", delete=False) as f:
        for line in open(fold_txt):
            sha, label = line.split()[:2]
            labels[sha] = int(label)
            kind = "malware" if label == "1" else "benign"
            f.write(os.path.join(corpus, kind, sha) + "\n")
    out = subprocess.run(
        [yara, "-x", "malml=" + model, "--output-format=json", "--scan-list",
         "-p", "2", rules, f.name], stdout=subprocess.PIPE, text=True)
    os.unlink(f.name)
    rows = []
    for line in out.stdout.splitlines():
        o = json.loads(line)
        m = o.get("malml", {})
        if not m.get("is_pe") or "familiarity" not in m:
            continue
        rows.append((o["sha256"], labels[o["sha256"]], m["familiarity"],
                     m["level"] in ("high", "medium"),
                     m.get("unlike_training_data", False),
                     "dotnet_score" in m["scores"]))
    return rows


def rate(part, label, want):
    files = [r for r in part if r[1] == label]
    hits = sum(1 for r in files if r[3] == want)
    return hits, len(files), (hits / len(files) if files else float("nan"))


def main(argv):
    yara = "yara"
    if len(argv) > 1 and argv[1] == "-y":
        yara = argv[2]
        argv = argv[:1] + argv[3:]
    if len(argv) != 3:
        sys.exit(__doc__.split("\n\n")[0])
    fold_dir, corpus = argv[1], argv[2]
    source = {}
    for line in open(os.path.join(corpus, "labels.tsv")):
        f = line.rstrip("\n").split("\t")
        if f[0] != "sha256":
            source[f[0]] = f[4].split(":")[0]
    with tempfile.NamedTemporaryFile("w", suffix=".yar", delete=False) as r:
        r.write(RULE)
    rows = []
    for txt in sorted(glob.glob(os.path.join(fold_dir, "fold-*.txt"))):
        rows += scan(yara, txt, corpus, r.name)
    os.unlink(r.name)
    if not rows:
        sys.exit("familiarity-deciles: no held-out file has a familiarity "
                 "(fold models without training counts?)")
    rows.sort(key=lambda r: r[2])
    n = len(rows)
    print("## Held-out errors by familiarity (%d files, %d fold models)\n"
          % (n, len(glob.glob(os.path.join(fold_dir, "fold-*.txt")))))
    print("| decile | familiarity | benign | flagged at medium | FPR |"
          " malware | missed at medium | miss rate |")
    print("|---|---|---:|---:|---:|---:|---:|---:|")
    for d in range(10):
        part = rows[d * n // 10:(d + 1) * n // 10]
        fp, nb, fpr = rate(part, 0, True)
        miss, nm, mr = rate(part, 1, False)
        print("| %d | %.3f-%.3f | %d | %d | %.2f%% | %d | %d | %.1f%% |"
              % (d + 1, part[0][2], part[-1][2], nb, fp, 100 * fpr, nm, miss,
                 100 * mr))
    print("\n| files | benign | FPR at medium | malware | miss rate at medium |")
    print("|---|---:|---:|---:|---:|")
    for name, under in (("under `familiar`", True), ("above", False)):
        part = [r for r in rows if r[4] == under]
        fp, nb, fpr = rate(part, 0, True)
        miss, nm, mr = rate(part, 1, False)
        print("| %s | %d | %.2f%% (%d) | %d | %.1f%% (%d) |"
              % (name, nb, 100 * fpr, fp, nm, 100 * mr, miss))
    print("\n| benign kind | held out | under `familiar` | FPR under | FPR above |")
    print("|---|---:|---:|---:|---:|")
    kinds = {}
    for r in rows:
        if r[1] == 0:
            kinds.setdefault(source.get(r[0], "?"), []).append(r)
            kinds.setdefault(".NET" if r[5] else "native", []).append(r)
    for kind, part in sorted(kinds.items()):
        under = [r for r in part if r[4]]
        above = [r for r in part if not r[4]]
        print("| %s | %d | %.1f%% | %s | %s |" % (
            kind, len(part), 100 * len(under) / len(part),
            "%.2f%%" % (100 * rate(under, 0, True)[2]) if under else "-",
            "%.2f%%" % (100 * rate(above, 0, True)[2]) if above else "-"))


if __name__ == "__main__":
    main(sys.argv)
