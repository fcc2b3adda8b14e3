"""Training on Dask (python -m malml.dask_train) on a LocalCluster of two
worker processes on loopback, over feature shards of the built fixtures
labelled as two malware collections and benign packages:

- the model file loads (`malml model -j`) with every sub-model of the plan,
  the thresholds every model has, the name given and the Dask trainer in its
  meta;
- `malml score` with it gives, for every fixture, the scores XGBoost's own
  boosters (the JSON models the fits left) predict on the same vectors,
  within 1e-5;
- `malml train --from-xgboost` refuses, naming the file, a directory that
  lacks a sub-model and a model of the wrong feature count.

usage: check_dask_train.py MALML_BIN FIXTURES_DIR
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile

import numpy as np
import xgboost

# Fixture name -> label, group, collection: two malware collections (so two
# folds) and two benign packages, both classes in every fold.
LABELS = {
    "netclient-i686.exe": (1, "fam-net", "coll-a"),
    "netclient-x86_64.exe": (1, "fam-net", "coll-a"),
    "rwx-i686.exe": (1, "fam-rwx", "coll-a"),
    "rwx-x86_64.exe": (1, "fam-rwx64", "coll-b"),
    "overlay-x86_64.exe": (1, "fam-overlay", "coll-b"),
    "gui-i686.exe": (0, "deb:gui", "debian"),
    "gui-x86_64.exe": (0, "deb:gui", "debian"),
    "plugin-i686.dll": (0, "deb:plugin", "debian"),
    "plugin-x86_64.dll": (0, "deb:plugin", "debian"),
    "dotnet-anycpu.exe": (0, "deb:mono-fixture", "debian"),
}
TOLERANCE = 1e-5


def fail(why):
    print("check_dask_train: " + why, file=sys.stderr)
    sys.exit(1)


def run(cmd, **kw):
    return subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          text=True, **kw)


def make_inputs(malml, fixtures, tmp):
    """Three shards of `malml features` lines and a labels file."""
    r = run([malml, "features", "-p", "1", fixtures])
    lines = [l for l in r.stdout.splitlines() if l.strip()]
    rows = [json.loads(l) for l in lines]
    named = {os.path.basename(o["path"]): o for o in rows}
    missing = sorted(set(LABELS) - set(named))
    if missing:
        fail("fixtures missing: %s" % missing)
    shards = []
    for s in range(3):
        path = os.path.join(tmp, "shard-%d.jsonl" % s)
        with open(path, "w") as f:
            f.writelines(l + "\n" for l in lines[s::3])
        shards.append(path)
    labels = os.path.join(tmp, "labels.tsv")
    with open(labels, "w") as f:
        f.write("sha256\tlabel\tgroup\tfamily\tsource\n")
        for name, (y, group, source) in sorted(LABELS.items()):
            f.write("%s\t%d\t%s\t%s\t%s\n" % (named[name]["sha256"], y, group,
                                              group, source))
    return shards, labels, named


def check_model_file(malml, model, plan):
    d = json.loads(run([malml, "model", "-j", model]).stdout or "{}")
    shipped = json.loads(run([malml, "model", "-j"]).stdout)
    names = [m["name"] for m in plan["models"]]
    if sorted(d.get("trees", {})) != sorted(names) or \
            min(d["trees"].values()) < 1:
        fail("sub-models in the model file: %s, the plan's %s"
             % (d.get("trees"), names))
    # Fits made elsewhere come without the vectors, so without training
    # counts and the familiar cut that needs them (docs/training.md).
    want = sorted(t["name"] for t in shipped["thresholds"]
                  if t["name"] != "familiar")
    if sorted(t["name"] for t in d["thresholds"]) != want:
        fail("thresholds %s, every model has %s" % (d["thresholds"], want))
    if d["version"] != "dask-test" or \
            not d["meta"]["trainer"].startswith("xgboost.dask"):
        fail("version %s, trainer %s" % (d["version"], d["meta"]["trainer"]))
    return len(names)


def vector(obj, plan):
    """The full-width vector of a features line, by the plan's layout."""
    v = np.full(plan["feature_count"], np.nan, dtype=np.float32)
    for g in plan["groups"]:
        v[g["begin"]:g["end"]] = [np.nan if x is None else x
                                  for x in obj["vectors"][g["name"]]]
    return v


def check_scores(malml, model, workdir, plan, named):
    paths = [named[n]["path"] for n in sorted(LABELS)]
    scored = [json.loads(l) for l in
              run([malml, "score", "--json", "-m", model] + paths)
              .stdout.splitlines()]
    if len(scored) != len(paths):
        fail("malml score gave %d lines for %d files" % (len(scored),
                                                          len(paths)))
    x = np.vstack([vector(named[os.path.basename(s["path"])], plan)
                   for s in scored])
    worst, spread = 0.0, set()
    for m in plan["models"]:
        booster = xgboost.Booster(
            model_file=os.path.join(workdir, m["name"] + ".json"))
        want = booster.predict(xgboost.DMatrix(x, missing=np.nan))
        field = "score" if m["name"] == "all" else m["name"] + "_score"
        for s, w, row in zip(scored, want, x):
            # A score that applies to some files only (dotnet_score: .NET
            # files) is absent elsewhere, as it is undefined in rules.
            applies = m["applies_if"] is None or row[m["applies_if"]] == 1
            scores = s["malml"]["scores"]
            if (field in scores) != applies:
                fail("%s of %s: present %s, applies %s" % (
                    field, s["path"], field in scores, applies))
            if not applies:
                continue
            got = scores[field]
            spread.add(round(got, 6))
            worst = max(worst, abs(got - float(w)))
            if abs(got - float(w)) > TOLERANCE:
                fail("%s of %s: malml %.9f, XGBoost %.9f"
                     % (field, s["path"], got, w))
    if len(spread) < 3:
        fail("the scores hardly vary (%s): the comparison proves little"
             % sorted(spread))
    return worst


def check_refusals(malml, workdir, labels, tmp):
    broken = os.path.join(tmp, "broken")
    shutil.copytree(workdir, broken)
    os.remove(os.path.join(broken, "strings.json"))
    cmd = [malml, "train", "--from-xgboost", broken, "-l", labels,
           "-o", os.path.join(tmp, "x.malml")] + ARGS
    r = run(cmd)
    if r.returncode == 0 or "strings.json" not in r.stderr:
        fail("a missing sub-model: exit %d, %s" % (r.returncode, r.stderr))
    shutil.copy(os.path.join(workdir, "strings.json"), broken)
    path = os.path.join(broken, "header.json")
    with open(path) as f:
        j = json.load(f)
    j["learner"]["learner_model_param"]["num_feature"] = "12"
    with open(path, "w") as f:
        json.dump(j, f)
    r = run(cmd)
    if r.returncode == 0 or "header.json" not in r.stderr or \
            "features" not in r.stderr:
        fail("a model of 12 features: exit %d, %s" % (r.returncode, r.stderr))


# Tiny fits: 20 rounds of depth 3; min_child_weight low enough that seven
# training files can split at all.
ARGS = ["-r", "20", "-d", "3", "-M", "0.01"]


def main(malml, fixtures):
    tmp = tempfile.mkdtemp(prefix="check-dask-train-")
    try:
        shards, labels, named = make_inputs(malml, fixtures, tmp)
        workdir = os.path.join(tmp, "work")
        model = os.path.join(tmp, "dask.malml")
        env = dict(os.environ, MALML_BIN=malml)
        r = run([sys.executable, "-m", "malml.dask_train", "--local", "2",
                 "-l", labels, "-o", model, "-w", workdir, "-V", "dask-test"]
                + ARGS + shards, env=env, timeout=600)
        if r.returncode != 0:
            fail("dask_train exited %d:\n%s" % (r.returncode,
                                                r.stderr[-3000:]))
        with open(os.path.join(workdir, "plan.json")) as f:
            plan = json.load(f)
        if len(plan["folds"]) != 2:
            fail("%d folds, expected one per collection (2)"
                 % len(plan["folds"]))
        n = check_model_file(malml, model, plan)
        worst = check_scores(malml, model, workdir, plan, named)
        check_refusals(malml, workdir, labels, tmp)
        print("dask-train: %d sub-models fitted on 2 Dask workers over %d "
              "shards; malml score = XGBoost within %.1e on %d files"
              % (n, len(shards), worst, len(LABELS)))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
