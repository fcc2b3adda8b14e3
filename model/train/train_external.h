/*
 * Training whose fits run elsewhere (python/malml/dask_train.py on a Dask
 * cluster), with everything else done here, once: the C side says what to
 * fit (`malml train --plan`: the split, the columns of each sub-model, the
 * XGBoost parameters) and turns the fitted models and their held-out
 * scores into a model file (`malml train --from-xgboost`: thresholds,
 * validation, model_build).
 *
 * The exchange directory holds:
 *   plan.json   written by --plan: schema hash, feature count, groups'
 *               column ranges, each sub-model's columns, XGBoost
 *               parameters, the folds (what each holds out)
 *   folds.tsv   written by --plan: sha256, label, fold of every row
 *   NAME.json   one XGBoost JSON model per sub-model (header, imports,
 *               sections, filetype, strings, all), fitted on every row
 *   oof.tsv     held-out scores: sha256, fold, then one column per
 *               sub-model (the scores TSV's names)
 *   fit.json    {"models": {NAME: {"rounds": N, "cv_auc": X}}}
 */
#ifndef MALML_TRAIN_EXTERNAL_H
#define MALML_TRAIN_EXTERNAL_H

#include "model/train/dataset.h"
#include "model/train/train_cv.h"
#include "model/train/train_run.h"

/* Writes dir/plan.json and dir/folds.tsv for d split as sp.  Returns 0, or
 * -1 after a message on stderr. */
int external_plan_write(
    const train_options* o,
    const dataset* d,
    const train_split* sp,
    const char* dir);

/*
 * Reads what the fits left in dir for the rows of d split as sp: checks
 * that every sub-model's JSON is there with this schema's feature count and
 * that folds.tsv agrees with sp (the same -s, -v and -k as the plan); fills
 * r[g].oof, .rounds and .cv_auc and paths[g] (4096 bytes each).  Returns 0,
 * or -1 after a message naming the file and the reason.
 */
int external_import(
    const dataset* d,
    const train_split* sp,
    const char* dir,
    cv_result r[MALML_MODEL_COUNT],
    char paths[MALML_MODEL_COUNT][4096]);

#endif
