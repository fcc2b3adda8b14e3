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
   * seed's count rule: the sum of the five group scores). */
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

/* Headline metrics, sub-score AUCs and confusion matrices to out. */
void report_print(FILE* out, const report_input* r);

/* Writes dir/report.md, dir/roc.svg and dir/histogram.svg (dir is created
 * if needed).  Returns 0, or -1 with a message on stderr. */
int report_write(const report_input* r, const char* dir);

#endif
