#include "model/train/kind_view.h"

#include <stdlib.h>

#include "model/train/train_cv.h"
#include "model/train/train_split.h"
#include "model/train/train_weights.h"

/* Fold 0 is held out: the benign files of stratum s and the malware of
 * one group fold; every other row trains (fold 1). */
static void hold_out(
    const dataset* d,
    int s,
    const int* malware_fold,
    int* fold,
    size_t* benign,
    size_t* malware)
{
  *benign = *malware = 0;
  for (size_t i = 0; i < d->n; i++)
  {
    int out = d->y[i] ? malware_fold[i] == s % 5 : train_stratum(d, i) == s;
    fold[i] = out ? 0 : 1;
    *benign += out && !d->y[i];
    *malware += out && d->y[i];
  }
}

static void measure(
    const dataset* d,
    const int* fold,
    const double* score,
    const double cut[2],
    kind_row* r)
{
  for (int c = 0; c < 2; c++)
  {
    size_t fp = 0, tp = 0;
    for (size_t i = 0; i < d->n; i++)
      if (fold[i] == 0 && score[i] >= cut[c])
        d->y[i] ? tp++ : fp++;
    r->fpr[c] = r->benign ? (double) fp / r->benign : 0;
    r->detection[c] = r->malware ? (double) tp / r->malware : 0;
  }
}

int kind_view(
    const dataset* d,
    const unsigned char* keep,
    const float* weight,
    const xgb_params* p,
    int rounds,
    const double cut[2],
    size_t min_benign,
    kind_row* rows,
    int cap,
    int* n)
{
  /* One checkpoint at `rounds`: nothing is chosen on the held-out files. */
  xgb_params fixed = *p;
  fixed.max_rounds = fixed.check_every = rounds;
  int* fold = malloc((d->n ? d->n : 1) * sizeof(int));
  int* malware_fold = malloc((d->n ? d->n : 1) * sizeof(int));
  int rc = (fold && malware_fold) ? 0 : -1;
  if (rc == 0)
    rc = split_group_kfold(
        d->group, d->y, d->n, d->ngroups, 5, p->seed, malware_fold);
  *n = 0;
  for (int s = 0; rc == 0 && s < train_strata_count && *n < cap; s++)
  {
    kind_row* r = &rows[*n];
    r->kind = train_strata_names[s];
    hold_out(d, s, malware_fold, fold, &r->benign, &r->malware);
    if (r->benign < min_benign)
      continue;
    cv_result cv;
    rc = train_cv_model(
        d, fold, 1, keep, weight, &fixed, r->kind, CV_NO_FINAL, stderr, &cv);
    if (rc == 0)
    {
      measure(d, fold, cv.oof, cut, r);
      (*n)++;
    }
    cv_result_free(&cv);
  }
  free(fold);
  free(malware_fold);
  return rc;
}

void kind_view_print(FILE* out, const kind_row* rows, int n)
{
  fprintf(
      out,
      "## Benign kind held out\n\n"
      "All benign files of one toolchain held out with a fifth of the "
      "malware groups; trained on the rest; measured at the cuts chosen "
      "above.\n\n"
      "| benign kind held out | benign | FPR at the 1%% cut | at the 0.1%% "
      "cut | malware held out | detected at the 1%% cut |\n"
      "|---|---:|---:|---:|---:|---:|\n");
  for (int i = 0; i < n; i++)
    fprintf(
        out,
        "| %s | %zu | %.2f%% | %.2f%% | %zu | %.1f%% |\n",
        rows[i].kind,
        rows[i].benign,
        100 * rows[i].fpr[0],
        100 * rows[i].fpr[1],
        rows[i].malware,
        100 * rows[i].detection[0]);
  fprintf(out, "\n");
}
