/*
 * evaluation reports shared by `malml eval` (scores of a
 * model file) and `malml train` (out-of-fold scores): a summary on the
 * console and a Markdown report with SVG plots.
 */
#ifndef MALML_REPORT_H
#define MALML_REPORT_H

#include <stdio.h>

#include "model/train/dataset.h"

typedef struct
{
  const char* name;
  double value;
  double target_fpr;
  /* The sub-model whose score it cuts, or MALML_THRESHOLD_ON_SUM (the
   * seed's count rule: the sum of the MALML_COUNT_GROUPS group scores). */
  int model;
} report_threshold;

typedef struct
{
  const dataset* d;
  /* n scores per sub-model (malml_group order), then the all-features one. */
  const double* score[MALML_GROUP_COUNT + 1];
  const report_threshold* thresholds;
  int nthresholds;
  const char* title; /* e.g. "Out-of-fold validation (5 group folds)" */
  const char* model; /* model version, for the record */
  const char* note;  /* a paragraph saying where the scores come from */
} report_input;

/* Whether row i of d counts for sub-model `model`'s scores s
 * (malml_model_applies: the dotnet sub-model's are the .NET files;
 * MALML_THRESHOLD_ON_SUM: every row).  A dataset without vectors (fits made
 * elsewhere, --from-xgboost) marks the rows a score skips with NaN. */
int report_row_applies(const dataset* d, int model, const double* s, size_t i);

/* The rows of d that count for sub-model `model` (report_row_applies),
 * their scores s[i] copied to s_out and labels to y_out (each d->n long);
 * returns how many.  Thresholds are chosen, and metrics reported, on these
 * rows. */
size_t report_applicable_rows(
    const dataset* d,
    int model,
    const double* s,
    double* s_out,
    int* y_out);

/* Sub-model `model`'s scores s on the rows they count for: AUC and
 * detection at 1% and 0.1% FPR into m[0..2] (NaN when out of memory). */
void report_model_metrics(
    const dataset* d,
    int model,
    const double* s,
    double m[3]);

/* The scores threshold t cuts, one per row of r->d: its sub-model's, or
 * the sum of the MALML_COUNT_GROUPS sub-scores.  Caller frees; NULL when
 * out of memory. */
double* report_threshold_scores(const report_input* r, const report_threshold* t);

/* The threshold named `name`, or NULL. */
const report_threshold* report_find_threshold(
    const report_input* r,
    const char* name);

/* Headline metrics, sub-score AUCs and confusion matrices to out. */
void report_print(FILE* out, const report_input* r);

/* Writes dir/report.md, dir/roc.svg and dir/histogram.svg (dir is created
 * if needed).  Returns 0, or -1 with a message on stderr. */
int report_write(const report_input* r, const char* dir);

#endif
