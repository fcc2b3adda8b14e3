/*
 * The leave-one-collection-out view of a training run's held-out scores:
 * per held-out collection and pooled, with group-bootstrap intervals, and
 * how far each threshold's false-positive rate strays from fold to fold.
 * `malml train` prints it and stores its headline in the model file.
 */
#ifndef MALML_VALIDATION_H
#define MALML_VALIDATION_H

#include <jansson.h>
#include <stdio.h>

#include "model/train/dataset.h"
#include "model/train/report.h"

typedef struct
{
  const dataset* d;
  const int* fold; /* d->n entries in [0, k) */
  int k;
  const char* const* fold_names; /* the collection each fold holds out */
  const double* score;           /* held-out malml.score of each row */
  const report_threshold* thresholds;
  const double* const* threshold_score; /* per threshold: the score it cuts */
  int nthresholds;
  int reps; /* bootstrap replicates */
  uint64_t seed;
} validation_input;

typedef struct
{
  double value, ci[2]; /* pooled value and its 95% group-bootstrap interval */
} validation_stat;

typedef struct
{
  validation_stat auc, det_1pct, det_01pct;
} validation_pooled;

/* Pooled AUC and detection at 1% and 0.1% FPR (cuts chosen on the pooled
 * held-out benign scores), with intervals.  Returns 0, or -1 when out of
 * memory. */
int validation_pooled_stats(const validation_input* v, validation_pooled* p);

/* Writes the Markdown tables (pooled; per collection; thresholds' FPR per
 * fold) to out. */
void validation_print(
    FILE* out,
    const validation_input* v,
    const validation_pooled* p);

/* The same as a JSON object, for the model file's meta; NULL when out of
 * memory. */
json_t* validation_json(const validation_input* v, const validation_pooled* p);

#endif
