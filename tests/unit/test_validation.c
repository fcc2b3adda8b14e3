/*
 * The leave-one-collection-out tables (model/train/validation.c) on a
 * corpus small enough to work out by hand.
 */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model/train/metrics.h"
#include "model/train/validation.h"

#define N 8

/* Fold 0 holds out collection "alpha" (rows 0-1) with benign rows 4-5;
 * fold 1 holds out "beta" (rows 2-3) with benign rows 6-7.  alpha's
 * malware outscores every benign file; beta's sits among them. */
static int y[N] = {1, 1, 1, 1, 0, 0, 0, 0};
static int group[N] = {0, 1, 2, 3, 4, 5, 6, 7};
static int fold[N] = {0, 0, 1, 1, 0, 0, 1, 1};
static double score[N] = {0.95, 0.9, 0.5, 0.2, 0.1, 0.3, 0.4, 0.6};
static const char* names[2] = {"alpha", "beta"};

static validation_input
input(dataset* d, report_threshold* t, const double** ts)
{
  memset(d, 0, sizeof(*d));
  d->n = N;
  d->y = y;
  d->group = group;
  d->ngroups = N;
  /* One threshold at 0.55: benign 7 (fold 1) is above it, none of fold 0. */
  *t = (report_threshold){"medium", 0.55, 0.01, MALML_MODEL_ALL};
  ts[0] = score;
  return (validation_input){d, fold, 2, names, score, t, ts, 1, 200, 1};
}

Test(validation, pooled_auc_is_the_plain_auc_with_an_interval_around_it)
{
  dataset d;
  report_threshold t;
  const double* ts[1];
  validation_input v = input(&d, &t, ts);
  validation_pooled p;
  cr_assert_eq(validation_pooled_stats(&v, &p), 0);
  cr_assert_float_eq(p.auc.value, metrics_auc(score, y, N), 1e-12);
  cr_assert(p.auc.ci[0] <= p.auc.value && p.auc.value <= p.auc.ci[1]);
}

Test(validation, per_collection_rows_and_fold_fpr)
{
  dataset d;
  report_threshold t;
  const double* ts[1];
  validation_input v = input(&d, &t, ts);
  validation_pooled p;
  cr_assert_eq(validation_pooled_stats(&v, &p), 0);
  char* text = NULL;
  size_t len = 0;
  FILE* out = open_memstream(&text, &len);
  validation_print(out, &v, &p);
  fclose(out);
  /* alpha against all four benign files: AUC 1; its benign share (0.1,
   * 0.3) stays under 0.55.  beta: 0.5 beats 0.1, 0.3, 0.4 (3 of 4) and
   * 0.2 beats 0.1 (1 of 4): AUC 0.5; benign 0.6 of its share is above
   * 0.55, so FPR 50% at medium. */
  cr_assert_not_null(strstr(text, "| alpha | 2 | 2 | 1.0000 |"), "%s", text);
  cr_assert_not_null(strstr(text, "| beta | 2 | 2 | 0.5000 |"), "%s", text);
  cr_assert_not_null(strstr(text, "| 50.00% | "), "%s", text);
  /* Fold spread of `medium`: 0% (alpha's share) to 50% (beta's). */
  cr_assert_not_null(strstr(text, "0.00% / 25.00% / 50.00%"), "%s", text);
  free(text);
}
