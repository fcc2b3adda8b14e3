"""Train a malml model on a Dask cluster: when the features outgrow one machine.

    python3 -m malml.dask_train --scheduler tcp://HOST:8786 -l labels.tsv \\
        -o model.malml [-w DIR] [malml train options] SHARD.jsonl...
    python3 -m malml.dask_train --local 2 -l labels.tsv -o model.malml SHARD...

The shards are `malml features` output (JSON lines, any number of files),
read as a Dask bag, so no single machine holds every vector; every worker
must read them at the same paths (a shared mount).  The work is split so
that each step exists once:

1. `malml train --plan DIR` (C) gets the sha256s of the shards' PE files and
   the labels, and writes the split (one malware collection held out at a
   time, the benign packages dealt over the folds: train_split.c), each
   sub-model's columns (its group's, minus -X masks: train_run.c) and the
   XGBoost parameters of `malml train` with the options given.
2. Here, for each sub-model, `xgboost.dask.train` fits one model per fold on
   the other folds, with the held-out AUC every `check_every` rounds; the
   round count with the best mean AUC over the folds is kept (the fewest on
   a tie), each fold's model cut there scores its fold (out-of-fold
   scores), and the sub-model is refitted on every file for that many
   rounds: the recipe of model/train/train_cv.c.  DIR gets NAME.json per
   sub-model, oof.tsv and fit.json.
3. `malml train --from-xgboost DIR` (C) chooses every threshold on the
   pooled held-out scores, writes the validation tables and the model file
   (model_build), exactly as a local `malml train` does.

Not available here, since they need the vectors in one process: -W/-B
sample weights, -K, -F and the group-fold second view.  Results are not
byte-identical to `malml train`'s: XGBoost's distributed `hist` sketches
its quantiles per worker.
"""

import argparse
import json
import logging
import math
import os
import subprocess
import sys
import tempfile

# malml train's options that the plan and the model file must agree on:
# passed through unchanged to both C steps.
_PASSED = (("-s", "seed"), ("-v", "split"), ("-k", "folds"),
           ("-r", "rounds"), ("-d", "depth"), ("-e", "eta"),
           ("-M", "min_child_weight"), ("-c", "colsample"))


class TrainError(RuntimeError):
    """A shard, the plan or a fit is not usable; the message says which."""


# ---- reading the shards (on the workers) ------------------------------

def _parse_part(lines, groups, width):
    """A pandas frame (sha256, f0..f{width-1}) of one bag partition's PE
    lines: each group's vector lands at the plan's column range, so the
    column order is malml's own, not a copy of it."""
    import numpy as np
    import pandas as pd
    shas, rows = [], []
    for line, path in lines:
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except ValueError as e:
            raise TrainError("%s: not a `malml features` line: %s"
                             % (path, e)) from None
        if not obj.get("is_pe"):
            continue
        row = np.full(width, np.nan, dtype=np.float32)
        vectors = obj.get("vectors") or {}
        for g in groups:
            v = vectors.get(g["name"])
            if v is None or len(v) != g["end"] - g["begin"]:
                raise TrainError("%s: %s: the %s vector is missing or has the "
                                 "wrong length" % (path, obj.get("sha256"),
                                                   g["name"]))
            row[g["begin"]:g["end"]] = [math.nan if x is None else x
                                        for x in v]
        shas.append(obj["sha256"])
        rows.append(row)
    x = np.vstack(rows) if rows else np.zeros((0, width), dtype=np.float32)
    frame = pd.DataFrame(x, columns=["f%d" % c for c in range(width)])
    frame.insert(0, "sha256", pd.Series(shas, dtype=object))
    return frame


def _keep_rows(frame, keep):
    """The rows of frame whose sha256 this partition keeps (each file once,
    in the first partition it appears in), joined with label and fold."""
    out = frame.merge(keep, on="sha256", how="inner")
    return out.drop_duplicates(subset="sha256")


def _mask(frame, columns, width):
    """Columns a sub-model may not see set to missing, at full width: the
    C trainer's xgb_matrix, so split indices stay global."""
    import numpy as np
    x = frame[["f%d" % c for c in range(width)]].to_numpy(dtype=np.float32,
                                                         copy=True)
    hide = np.ones(width, dtype=bool)
    hide[columns] = False
    x[:, hide] = np.nan
    return x


def _column(frames, sizes, c):
    """Feature c of every row, in the frames' order (a sub-model's
    "applies_if": its held-out score counts only where this is 1, and the
    others are written NaN for malml train --from-xgboost)."""
    import dask
    import numpy as np
    parts = dask.compute(*[dask.delayed(
        lambda fr: fr["f%d" % c].to_numpy(dtype=np.float32))(fr)
        for fr, n in zip(frames, sizes) if n])
    return np.concatenate(parts) if parts else np.zeros(0, np.float32)


# ---- the fits ----------------------------------------------------------

def _params(plan, spw):
    p = dict(plan["xgboost"])
    for k in ("max_rounds", "check_every", "nthread", "eval_metric"):
        p.pop(k)  # a Dask worker uses its own threads; AUC is measured here
    p["scale_pos_weight"] = spw
    p["verbosity"] = 0
    return p


def _balance(labels):
    """negatives / positives (model/train/train_cv.c's balance())."""
    pos = int(labels.sum())
    return (len(labels) - pos) / pos if pos else 1.0


def _auc(score, label):
    """ROC AUC with ties counted half (the Mann-Whitney statistic, as
    model/train/metrics.c computes it); NaN without both classes."""
    from scipy.stats import rankdata
    pos = label == 1
    npos, nneg = int(pos.sum()), int((~pos).sum())
    if npos == 0 or nneg == 0:
        return math.nan
    ranks = rankdata(score)
    return (ranks[pos].sum() - npos * (npos + 1) / 2) / (npos * nneg)


def _checkpoints(booster, block, every, top):
    """Probabilities of a block of rows after every `every`-th round: one
    column per checkpoint."""
    import numpy as np
    import xgboost
    if block.shape[0] == 0:
        return np.zeros((0, top // every))
    m = xgboost.DMatrix(block, missing=np.nan)
    return np.stack([booster.predict(m, iteration_range=(0, r))
                     for r in range(every, top + 1, every)], axis=1)


def _held_out(client, booster, x, every, top):
    """_checkpoints over the blocks of dask array x, on the workers; the
    curve is measured here rather than by XGBoost's distributed AUC, which
    hangs when a worker holds none of the validation rows (1.7.4)."""
    import dask
    import numpy as np
    b = dask.delayed(booster, traverse=False)
    parts = [dask.delayed(_checkpoints)(b, blk, every, top)
             for blk in x.to_delayed().ravel()]
    return np.concatenate(dask.compute(*parts), axis=0)


def _fit(client, plan, x, y, fold, model, log):
    """One sub-model, as model/train/train_cv.c fits it: per fold, a model
    on the other folds for max_rounds with the held-out AUC every
    check_every rounds; the round count with the best mean AUC (the
    earliest on a tie; a fold without both classes counts 0.5); each
    fold's model cut there scores its fold; the final model is refitted
    on every row for that many rounds.  x, y: dask arrays with known
    chunks; fold, model["y"]: numpy, one entry per row."""
    import numpy as np
    from xgboost import dask as dxgb
    p = plan["xgboost"]
    every, top = p["check_every"], p["max_rounds"]
    yl = model["y"]
    k = len(plan["folds"])
    curves, preds = [], []
    for f in range(k):
        train, val = fold != f, fold == f
        dtrain = dxgb.DaskDMatrix(client, x[train], y[train])
        booster = dxgb.train(client, _params(plan, _balance(yl[train])),
                             dtrain, num_boost_round=top,
                             verbose_eval=False)["booster"]
        pred = _held_out(client, booster, x[val], every, top)
        curve = [_auc(pred[:, c], yl[val]) for c in range(pred.shape[1])]
        curve = [0.5 if math.isnan(a) else a for a in curve]
        curves.append(curve)
        preds.append(pred)
        log("  %-8s fold %d/%d: %d validation files, best AUC %.4f at %d "
            "rounds" % (model["name"], f + 1, k, int(val.sum()),
                        max(curve), every * (1 + curve.index(max(curve)))))
    mean = np.mean(np.array(curves), axis=0)
    best, best_auc = 0, -1.0
    for c, m in enumerate(mean):
        if m > best_auc + 1e-12:
            best, best_auc = c, m
    rounds = (best + 1) * every
    oof = np.full(len(yl), np.nan)
    for f in range(k):
        oof[fold == f] = preds[f][:, best]
    dall = dxgb.DaskDMatrix(client, x, y)
    final = dxgb.train(client, _params(plan, _balance(yl)), dall,
                       num_boost_round=rounds, verbose_eval=False)["booster"]
    log("  %-8s %d rounds, mean held-out AUC %.4f" % (model["name"], rounds,
                                                     best_auc))
    return final, oof, rounds, best_auc


# ---- the driver --------------------------------------------------------

def _run_malml(malml, args, log):
    log("$ " + " ".join([malml] + args))
    r = subprocess.run([malml] + args, stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, text=True)
    sys.stderr.write(r.stderr)
    if r.returncode != 0:
        raise TrainError("%s %s failed (exit %d)" % (malml, args[1],
                                                     r.returncode))
    return r.stdout


def _passed_options(a):
    out = []
    for flag, name in _PASSED:
        v = getattr(a, name)
        if v is not None:
            out += [flag, str(v)]
    for prefix in a.mask or ():
        out += ["-X", prefix]
    return out


def train(client, shards, labels, workdir, malml="malml", options=(),
          blocksize="64MiB", log=None):
    """Steps 1 and 2 of the module docstring: plan, then fit every
    sub-model into workdir.  Returns the plan (a dict)."""
    import dask
    import dask.array as da
    import dask.bag as db
    import numpy as np
    import pandas as pd
    log = log or (lambda s: print(s, file=sys.stderr, flush=True))
    parts = db.read_text(shards, blocksize=blocksize,
                         include_path=True).to_delayed()
    # A first pass for the hashes only: the plan needs the rows, and only
    # the hashes come back here, never the vectors.
    shas = dask.compute(*[dask.delayed(_pe_hashes)(p) for p in parts])
    hashes_path = os.path.join(workdir, "hashes")
    with open(hashes_path, "w") as f:
        for part in shas:
            for sha, _ in part:
                f.write(sha + "\n")
    _run_malml(malml, ["train", "--plan", workdir, "-l", labels]
               + list(options) + [hashes_path], log)
    with open(os.path.join(workdir, "plan.json")) as f:
        plan = json.load(f)
    seen = {h for part in shas for _, h in part}
    if seen - {plan["schema_hash"]}:
        raise TrainError("the shards' schema_hash %s differs from this "
                         "malml's %s: re-extract them with this malml"
                         % (sorted(seen - {plan["schema_hash"]})[0],
                            plan["schema_hash"]))
    folds = pd.read_csv(os.path.join(workdir, "folds.tsv"), sep="\t",
                        dtype={"sha256": str, "label": np.int32,
                               "fold": np.int32})
    # Each file once: in the first partition that holds it.
    first = {}
    for i, part in enumerate(shas):
        for sha, _ in part:
            first.setdefault(sha, i)
    width = plan["feature_count"]
    by_part = dict(tuple(folds.groupby(folds.sha256.map(first))))
    frames = []
    for i, p in enumerate(parts):
        mine = by_part.get(i, folds.iloc[:0])
        frames.append(dask.delayed(_keep_rows)(
            dask.delayed(_parse_part)(p, plan["groups"], width), mine))
    frames = dask.persist(*frames)
    # Row order of the fits: the frames' order, fixed once.
    order = pd.concat(dask.compute(*[dask.delayed(
        lambda fr: fr[["sha256", "label", "fold"]])(fr) for fr in frames]))
    sizes = [int(n) for n in dask.compute(*[dask.delayed(len)(fr)
                                            for fr in frames])]
    log("%d labelled PE files in %d partitions, %d folds"
        % (len(order), len(frames), len(plan["folds"])))
    y = da.concatenate([da.from_delayed(dask.delayed(
        lambda fr: fr.label.to_numpy(dtype=np.float32))(fr), (n,),
        dtype=np.float32) for fr, n in zip(frames, sizes) if n])
    fold = order.fold.to_numpy()
    ylab = order.label.to_numpy()
    fit = {"models": {}}
    scores = {}
    for model in plan["models"]:
        log("training the %s model (%d columns)" % (model["name"],
                                                   len(model["columns"])))
        x = da.concatenate([da.from_delayed(dask.delayed(_mask)(
            fr, model["columns"], width), (n, width), dtype=np.float32)
            for fr, n in zip(frames, sizes) if n])
        m = dict(model, fold=fold, y=ylab)
        final, oof, rounds, auc = _fit(client, plan, x, y, fold, m, log)
        if model.get("applies_if") is not None:
            oof[_column(frames, sizes, model["applies_if"]) != 1] = np.nan
        final.save_model(os.path.join(workdir, model["name"] + ".json"))
        fit["models"][model["name"]] = {"rounds": rounds, "cv_auc": auc}
        scores[model["name"]] = oof
    _write_oof(os.path.join(workdir, "oof.tsv"), order, plan, scores)
    with open(os.path.join(workdir, "fit.json"), "w") as f:
        json.dump(fit, f, indent=1)
    return plan


def _pe_hashes(lines):
    """(sha256, schema_hash) of each PE line of a partition."""
    out = []
    for line, path in lines:
        if line.strip():
            try:
                obj = json.loads(line)
            except ValueError as e:
                raise TrainError("%s: not a `malml features` line: %s"
                                 % (path, e)) from None
            if obj.get("is_pe"):
                out.append((obj["sha256"], obj.get("schema_hash")))
    return out


def _write_oof(path, order, plan, scores):
    """oof.tsv: sha256, fold and a column per sub-model, named as the
    scores TSV names them (scores_tsv.c reads it by those names)."""
    names = [m["name"] for m in plan["models"]]
    with open(path, "w") as f:
        f.write("\t".join(["sha256", "fold"] + names) + "\n")
        for i, (sha, fold) in enumerate(zip(order.sha256, order.fold)):
            f.write("\t".join([sha, str(fold)] + ["%.9g" % scores[n][i]
                                                  for n in names]) + "\n")


def main(argv=None):
    ap = argparse.ArgumentParser(prog="python3 -m malml.dask_train",
                                 description=__doc__.split("\n\n")[0])
    where = ap.add_mutually_exclusive_group(required=True)
    where.add_argument("--scheduler", help="address of a Dask scheduler")
    where.add_argument("--local", type=int, metavar="N",
                       help="start a LocalCluster of N worker processes")
    ap.add_argument("-l", dest="labels", required=True,
                    help="labels TSV (sha256, label, group, family, source)")
    ap.add_argument("-o", dest="out", required=True, help="model file")
    ap.add_argument("-w", dest="workdir",
                    help="exchange directory (default: a new /tmp dir)")
    ap.add_argument("-V", "--name", dest="name", help="the model's name")
    ap.add_argument("-O", dest="oof", help="write the held-out scores TSV")
    ap.add_argument("-R", dest="report", help="write the report into DIR")
    ap.add_argument("--malml", default=os.environ.get("MALML_BIN", "malml"),
                    help="the malml program (default: $MALML_BIN or malml)")
    ap.add_argument("--blocksize", default="64MiB",
                    help="bytes of shard per task (default 64MiB)")
    ap.add_argument("-s", dest="seed", type=int)
    ap.add_argument("-v", dest="split", choices=("collections", "groups"))
    ap.add_argument("-k", dest="folds", type=int)
    ap.add_argument("-r", dest="rounds", type=int)
    ap.add_argument("-d", dest="depth", type=int)
    ap.add_argument("-e", dest="eta", type=float)
    ap.add_argument("-M", dest="min_child_weight", type=float)
    ap.add_argument("-c", dest="colsample", type=float)
    ap.add_argument("-X", dest="mask", action="append",
                    help="feature name prefix to hide (repeatable)")
    ap.add_argument("shards", nargs="+", help="`malml features` JSON lines")
    a = ap.parse_args(argv)
    from distributed import Client, LocalCluster
    workdir = a.workdir or tempfile.mkdtemp(prefix="malml-dask-train-")
    os.makedirs(workdir, exist_ok=True)
    cluster = None
    if a.local:
        logging.getLogger("distributed").setLevel(logging.WARNING)
        cluster = LocalCluster(n_workers=a.local, threads_per_worker=1,
                               processes=True, host="127.0.0.1",
                               dashboard_address=None, death_timeout=120)
    client = Client(cluster if cluster is not None else a.scheduler)
    options = _passed_options(a)
    try:
        train(client, [os.path.abspath(s) for s in a.shards], a.labels,
              workdir, a.malml, options, a.blocksize)
    except TrainError as e:
        print("malml.dask_train: %s" % e, file=sys.stderr)
        return 1
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
    finish = ["train", "--from-xgboost", workdir, "-l", a.labels,
              "-o", a.out] + options
    for flag, v in (("-V", a.name), ("-O", a.oof), ("-R", a.report)):
        if v:
            finish += [flag, v]
    try:
        sys.stdout.write(_run_malml(a.malml, finish,
                                    lambda s: print(s, file=sys.stderr)))
    except TrainError as e:
        print("malml.dask_train: %s" % e, file=sys.stderr)
        return 1
    print("XGBoost models, held-out scores and plan in %s" % workdir,
          file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
