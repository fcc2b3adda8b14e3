/*
 * What a model file records about its training (its `meta` JSON): the
 * recipe, the data, each sub-model's rounds and held-out figures, the
 * thresholds and the validation headline, so a model can be judged and
 * rebuilt without the corpus.  No dates or paths: two runs with one seed
 * write identical files.
 */
#ifndef MALML_TRAIN_META_H
#define MALML_TRAIN_META_H

#include <jansson.h>

#include "model/train/dataset.h"
#include "model/train/report.h"
#include "model/train/train_cv.h"

typedef struct
{
  const xgb_params* xgb;
  const char* const* masks;
  int nmasks;
  const char* weighting;  /* in words */
  const char* validation; /* in words */
  int folds;              /* group folds of the second view */
  const dataset* d;
  const cv_result* models; /* MALML_MODEL_COUNT */
  int nmodels;
  const report_threshold* thresholds;
  int nthresholds;
  /* The held-out scores each threshold cuts (d->n each), or NULL: the
   * malware's are kept, sorted, for `malml recut` to say what a new cut
   * keeps of the detection. */
  const double* const* threshold_scores;
  json_t* held_out;     /* validation_json(); taken over (may be NULL) */
  const double* groups; /* second view: AUC, det. at 1%, 0.1% (or NaN) */
  const char* trainer;  /* NULL: "malml train VERSION" */
} train_meta;

/* The compact JSON text (caller frees), or NULL when out of memory. */
char* train_meta_json(const train_meta* m);

#endif
