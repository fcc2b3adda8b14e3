#include "model/train/kind_view.h"

#include <stdlib.h>
#include <string.h>

#include "model/train/train_cv.h"
#include "model/train/train_split.h"
#include "model/train/train_weights.h"

#define MAX_STRATA 32

/* Row i's stratum among the benign kinds, or -1 for malware.  Toolchains
 * come first (train_stratum); then ecosystems, named by the benign
 * group's prefix before ':' (labels.tsv: `pypi:numpy`). */
typedef struct
{
  char name[40];
  int* of; /* per row */
} strata;

static int add_name(char names[][40], int* n, const char* name)
{
  for (int s = 0; s < *n; s++)
    if (strcmp(names[s], name) == 0)
      return s;
  if (*n == MAX_STRATA)
    return -1;
  snprintf(names[*n], 40, "%s", name);
  return (*n)++;
}

/* Each row's stratum in `by_toolchain` and `by_ecosystem` (-1 malware). */
static void assign(
    const dataset* d,
    char names[][40],
    int* nnames,
    int* by_toolchain,
    int* by_ecosystem)
{
  for (int s = 0; s < train_strata_count; s++)
  {
    char name[40];
    snprintf(name, sizeof(name), "toolchain %s", train_strata_names[s]);
    add_name(names, nnames, name);
  }
  for (size_t i = 0; i < d->n; i++)
  {
    char eco[16], name[40];
    by_toolchain[i] = d->y[i] ? -1 : train_stratum(d, i);
    dataset_ecosystem(d, i, eco);
    snprintf(name, sizeof(name), "ecosystem %s", eco);
    by_ecosystem[i] = d->y[i] ? -1 : add_name(names, nnames, name);
  }
}

/* Fold 0 is held out: the benign files of stratum s and the malware of
 * one group fold; every other row trains (fold 1). */
static void hold_out(
    const dataset* d,
    const int* of,
    int s,
    const int* malware_fold,
    int* fold,
    kind_row* r)
{
  r->benign = r->malware = r->packages = 0;
  unsigned char* seen = calloc(d->ngroups ? d->ngroups : 1, 1);
  for (size_t i = 0; i < d->n; i++)
  {
    int out = d->y[i] ? malware_fold[i] == s % 5 : of[i] == s;
    fold[i] = out ? 0 : 1;
    r->benign += out && !d->y[i];
    r->malware += out && d->y[i];
    if (out && !d->y[i] && seen && !seen[d->group[i]])
    {
      seen[d->group[i]] = 1;
      r->packages++;
    }
  }
  free(seen);
}

static void measure(
    const dataset* d,
    const int* fold,
    const double* score,
    const double cut[2],
    kind_row* r)
{
  unsigned char* seen = calloc(d->ngroups ? d->ngroups : 1, 2);
  for (int c = 0; c < 2; c++)
  {
    size_t fp = 0, tp = 0, pk = 0;
    for (size_t i = 0; i < d->n; i++)
    {
      if (fold[i] != 0 || score[i] < cut[c])
        continue;
      d->y[i] ? tp++ : fp++;
      if (!d->y[i] && seen && !seen[2 * d->group[i] + c]++)
        pk++;
    }
    r->fpr[c] = r->benign ? (double) fp / r->benign : 0;
    r->packages_flagged[c] = pk;
    r->detection[c] = r->malware ? (double) tp / r->malware : 0;
  }
  free(seen);
}

/* One held-out stratum: fit on the rest, measure at the cuts. */
static int one_stratum(
    const dataset* d,
    const int* of,
    int s,
    const char* name,
    const int* malware_fold,
    int* fold,
    const unsigned char* keep,
    const float* weight,
    const xgb_params* fixed,
    const double cut[2],
    kind_row* r)
{
  snprintf(r->kind, sizeof(r->kind), "%.39s", name);
  hold_out(d, of, s, malware_fold, fold, r);
  cv_result cv;
  int rc = train_cv_model(
      d, fold, 1, keep, weight, fixed, r->kind, CV_NO_FINAL, stderr, &cv);
  if (rc == 0)
    measure(d, fold, cv.oof, cut, r);
  cv_result_free(&cv);
  return rc;
}

static size_t count_in(const dataset* d, const int* of, int s)
{
  size_t n = 0;
  for (size_t i = 0; i < d->n; i++) n += of[i] == s;
  return n;
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
  size_t sz = (d->n ? d->n : 1) * sizeof(int);
  int *fold = malloc(sz), *malware_fold = malloc(sz);
  int *by_toolchain = malloc(sz), *by_ecosystem = malloc(sz);
  char names[MAX_STRATA][40];
  int nnames = 0;
  int rc = (fold && malware_fold && by_toolchain && by_ecosystem) ? 0 : -1;
  if (rc == 0)
    rc = split_group_kfold(
        d->group, d->y, d->n, d->ngroups, 5, p->seed, malware_fold);
  if (rc == 0)
    assign(d, names, &nnames, by_toolchain, by_ecosystem);
  *n = 0;
  for (int s = 0; rc == 0 && s < nnames && *n < cap; s++)
  {
    const int* of = s < train_strata_count ? by_toolchain : by_ecosystem;
    if (count_in(d, of, s) < min_benign)
      continue;
    rc = one_stratum(
        d, of, s, names[s], malware_fold, fold, keep, weight, &fixed, cut,
        &rows[*n]);
    *n += rc == 0;
  }
  free(fold);
  free(malware_fold);
  free(by_toolchain);
  free(by_ecosystem);
  return rc;
}

void kind_view_print(FILE* out, const kind_row* rows, int n)
{
  fprintf(
      out,
      "## Benign kind or ecosystem held out\n\n"
      "All benign files of one toolchain, or of one ecosystem, held out "
      "with a fifth of the malware groups; trained on the rest; measured "
      "at the cuts chosen above.  Packages: how many of the held-out "
      "packages have a file flagged.\n\n"
      "| benign files held out | benign | packages | FPR at the 1%% cut "
      "(packages) | at the 0.1%% cut (packages) | malware held out | "
      "detected at the 1%% cut |\n"
      "|---|---:|---:|---:|---:|---:|---:|\n");
  for (int i = 0; i < n; i++)
    fprintf(
        out,
        "| %s | %zu | %zu | %.2f%% (%zu) | %.2f%% (%zu) | %zu | %.1f%% |\n",
        rows[i].kind,
        rows[i].benign,
        rows[i].packages,
        100 * rows[i].fpr[0],
        rows[i].packages_flagged[0],
        100 * rows[i].fpr[1],
        rows[i].packages_flagged[1],
        rows[i].malware,
        100 * rows[i].detection[0]);
  fprintf(out, "\n");
}
