/*
 * The training pipeline behind `malml train`, once the labelled data is
 * loaded: split for validation (one malware collection held out at a time,
 * or group folds), weigh the files, fit and validate each sub-model, choose
 * every threshold on the pooled held-out scores, refit on everything, and
 * write the model file, its reports, the fold models and the views that
 * judge a recipe (group folds, benign kinds held out).
 */
#ifndef MALML_TRAIN_RUN_H
#define MALML_TRAIN_RUN_H

#include "model/train/dataset.h"
#include "model/train/train_cv.h"
#include "model/train/train_weights.h"

#define TRAIN_MAX_MASKS 64

typedef struct
{
  const char* labels;
  const char* out;
  const char* work_dir;
  const char* report_dir;
  const char* oof_path;
  const char* fold_dir;
  const char* version;
  const char* masks[TRAIN_MAX_MASKS];
  int nmasks;
  train_weighting weighting;
  int by_collection; /* leave-one-collection-out folds (the default) */
  int kind_view;     /* -K: the benign-kind-held-out view */
  int folds;         /* group folds: with -v groups, and the second view */
  int threads;
  xgb_params xgb;
} train_options;

/* Runs it all on d; r[MALML_MODEL_COUNT] receives the sub-models (free
 * with cv_result_free); dir holds XGBoost's JSON models.  Returns 0, or -1
 * after a message on stderr. */
int train_run(
    const train_options* o,
    const dataset* d,
    const char* dir,
    cv_result* r);

#endif
