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
  int ecosystem_cuts; /* --ecosystem-cuts: each cut holds per ecosystem */
  int folds;         /* group folds: with -v groups, and the second view */
  int threads;
  long long worker_memory; /* scanning: --worker-memory (extract.h) */
  xgb_params xgb;
  const char* trainer;    /* the meta's "trainer" (NULL: malml train) */
  const char* plan_dir;   /* --plan: what to fit elsewhere goes here */
  const char* import_dir; /* --from-xgboost: the fits made elsewhere */
} train_options;

/* The validation split: per-row fold, the number of folds, and what each
 * fold holds out. */
typedef struct
{
  int* fold;
  int k;
  const char* names[256];
  char group_names[64][32];
} train_split;

/* The split of o (-v, -k, -s) over d's rows; sp->fold is malloc'd.
 * Returns 0, or -1 after a message on stderr. */
int train_make_split(const train_options* o, const dataset* d, train_split* sp);

/* keep[c] for sub-model g (MALML_GROUP_COUNT: all groups) minus o's -X
 * masks: the columns a sub-model may split on.  Returns how many were
 * masked. */
int train_make_keep(const train_options* o, int g, unsigned char* keep);

/* Runs it all on d; r[MALML_MODEL_COUNT] receives the sub-models (free
 * with cv_result_free); dir holds XGBoost's JSON models.  Returns 0, or -1
 * after a message on stderr. */
int train_run(
    const train_options* o,
    const dataset* d,
    const char* dir,
    cv_result* r);

/*
 * What follows the fits: every threshold chosen on r's pooled held-out
 * scores, the validation tables, the model file from the six XGBoost JSON
 * models at paths, -O, -F and -R.  A dataset without vectors (d->x NULL:
 * models fitted elsewhere) skips the views that refit.  weight: the
 * recipe's sample weights or NULL.  Returns 0, or -1 after a message.
 */
int train_finish(
    const train_options* o,
    const dataset* d,
    const train_split* sp,
    const float* weight,
    const cv_result* r,
    const char* const paths[MALML_MODEL_COUNT]);

#endif
