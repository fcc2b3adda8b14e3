#include "model/train/metrics.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

typedef struct
{
  double score;
  int label;
} scored;

/* Descending by score; equal scores in a stable-enough order (qsort is not
 * stable, but nothing below depends on the order within a tie). */
static int by_score_desc(const void* a, const void* b)
{
  double x = ((const scored*) a)->score, y = ((const scored*) b)->score;
  return (x < y) - (x > y);
}

/* Copy of the (score, label) pairs sorted by descending score; caller frees. */
static scored* sorted_pairs(const double* score, const int* label, size_t n)
{
  scored* s = malloc((n ? n : 1) * sizeof(*s));
  if (s == NULL)
    return NULL;
  for (size_t i = 0; i < n; i++)
  {
    s[i].score = score[i];
    s[i].label = label[i] != 0;
  }
  qsort(s, n, sizeof(*s), by_score_desc);
  return s;
}

double metrics_auc(const double* score, const int* label, size_t n)
{
  scored* s = sorted_pairs(score, label, n);
  if (s == NULL)
    return NAN;
  /* Walk tie blocks from the top: each positive beats every negative below
   * its block and half of the negatives inside it. */
  double pos = 0, neg = 0, wins = 0;
  for (size_t i = 0; i < n;)
  {
    size_t j = i;
    if (isnan(s[i].score)) /* compares unequal to itself: never a block */
    {
      free(s);
      return NAN;
    }
    double p = 0, q = 0;
    while (j < n && s[j].score == s[i].score)
    {
      if (s[j].label)
        p++;
      else
        q++;
      j++;
    }
    wins += p * (0.5 * q); /* ties inside the block */
    wins += q * pos;       /* positives above beat these negatives */
    pos += p;
    neg += q;
    i = j;
  }
  free(s);
  if (pos == 0 || neg == 0)
    return NAN;
  return wins / (pos * neg);
}

double metrics_threshold_at_fpr(
    const double* score,
    const int* label,
    size_t n,
    double fpr)
{
  scored* s = sorted_pairs(score, label, n);
  if (s == NULL)
    return NAN;
  size_t negatives = 0;
  for (size_t i = 0; i < n; i++) negatives += !s[i].label;
  /* The small epsilon keeps e.g. 0.01 * 1300 from flooring to 12. */
  size_t allowed = (size_t) floor(fpr * (double) negatives + 1e-9);
  double t = NAN;
  if (negatives > 0 && allowed >= negatives)
    t = -INFINITY;
  else if (negatives > 0)
  {
    /* Find the (allowed + 1)-th highest benign score: it must stay below. */
    size_t seen = 0, k = 0;
    for (; k < n; k++)
      if (!s[k].label && seen++ == allowed)
        break;
    double below = s[k].score;
    t = nextafter(below, INFINITY);
    for (size_t i = 0; i < k && s[i].score > below; i++)
      t = s[i].score; /* descending: the last one above is the smallest */
  }
  free(s);
  return t;
}

double metrics_threshold_every_stratum(
    const double* score,
    const int* label,
    const int* stratum,
    size_t n,
    double fpr,
    size_t min_negatives,
    int* worst)
{
  double t = metrics_threshold_at_fpr(score, label, n, fpr);
  int nstrata = 0;
  *worst = -1;
  for (size_t i = 0; i < n; i++)
    nstrata = stratum[i] >= nstrata ? stratum[i] + 1 : nstrata;
  double* s = malloc((n ? n : 1) * sizeof(double));
  int* y = malloc((n ? n : 1) * sizeof(int));
  for (int k = 0; s && y && !isnan(t) && k < nstrata; k++)
  {
    size_t m = 0; /* the stratum's benign rows; malware does not move a cut */
    for (size_t i = 0; i < n; i++)
      if (!label[i] && stratum[i] == k)
      {
        s[m] = score[i];
        y[m++] = 0;
      }
    double tk = m >= min_negatives ? metrics_threshold_at_fpr(s, y, m, fpr) : NAN;
    if (!isnan(tk) && tk > t)
    {
      t = tk;
      *worst = k;
    }
  }
  if (s == NULL || y == NULL)
    t = NAN;
  free(s);
  free(y);
  return t;
}

metrics_confusion metrics_confuse(
    const double* score,
    const int* label,
    size_t n,
    double threshold)
{
  metrics_confusion c = {0, 0, 0, 0};
  for (size_t i = 0; i < n; i++)
  {
    int flagged = score[i] >= threshold;
    if (label[i])
      flagged ? c.tp++ : c.fn++;
    else
      flagged ? c.fp++ : c.tn++;
  }
  return c;
}

double metrics_tpr(metrics_confusion c)
{
  return c.tp + c.fn ? (double) c.tp / (double) (c.tp + c.fn) : NAN;
}

double metrics_fpr(metrics_confusion c)
{
  return c.fp + c.tn ? (double) c.fp / (double) (c.fp + c.tn) : NAN;
}

double metrics_detection_at_fpr(
    const double* score,
    const int* label,
    size_t n,
    double fpr)
{
  double t = metrics_threshold_at_fpr(score, label, n, fpr);
  if (isnan(t))
    return NAN;
  return metrics_tpr(metrics_confuse(score, label, n, t));
}

size_t metrics_roc(
    const double* score,
    const int* label,
    size_t n,
    double* fpr,
    double* tpr)
{
  scored* s = sorted_pairs(score, label, n);
  if (s == NULL)
    return 0;
  double pos = 0, neg = 0;
  for (size_t i = 0; i < n; i++) s[i].label ? pos++ : neg++;
  size_t points = 0;
  if (pos > 0 && neg > 0)
  {
    double tp = 0, fp = 0;
    fpr[points] = 0;
    tpr[points++] = 0;
    for (size_t i = 0; i < n;)
    {
      size_t j = i;
      do /* at least one step: a NaN score equals nothing, itself included */
        s[j].label ? tp++ : fp++;
      while (++j < n && s[j].score == s[i].score);
      fpr[points] = fp / neg;
      tpr[points++] = tp / pos;
      i = j;
    }
  }
  free(s);
  return points;
}

static uint64_t splitmix(uint64_t* state)
{
  uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

static int by_double(const void* a, const void* b)
{
  double x = *(const double*) a, y = *(const double*) b;
  return (x > y) - (x < y);
}

/* Rows of each group, as offsets into one array (counting sort). */
typedef struct
{
  size_t* start; /* ngroups + 1 */
  size_t* rows;  /* n */
} group_index;

static int index_groups(const int* group, size_t n, size_t ng, group_index* g)
{
  g->start = calloc(ng + 1, sizeof(size_t));
  g->rows = malloc((n ? n : 1) * sizeof(size_t));
  size_t* fill = calloc(ng + 1, sizeof(size_t));
  if (g->start == NULL || g->rows == NULL || fill == NULL)
  {
    free(fill);
    return -1;
  }
  for (size_t i = 0; i < n; i++) g->start[group[i] + 1]++;
  for (size_t k = 0; k < ng; k++) g->start[k + 1] += g->start[k];
  for (size_t i = 0; i < n; i++)
    g->rows[g->start[group[i]] + fill[group[i]]++] = i;
  free(fill);
  return 0;
}

int metrics_group_bootstrap(
    const double* score,
    const int* label,
    const int* group,
    size_t n,
    size_t ngroups,
    int reps,
    uint64_t seed,
    metrics_statistic stat,
    void* ctx,
    double ci[2])
{
  group_index g = {NULL, NULL};
  /* A replicate can draw the largest group every time: room for that. */
  size_t largest = 0, cap;
  double* rep = malloc((reps > 0 ? reps : 1) * sizeof(double));
  int rc =
      (rep != NULL && ngroups > 0) ? index_groups(group, n, ngroups, &g) : -1;
  for (size_t k = 0; rc == 0 && k < ngroups; k++)
    if (g.start[k + 1] - g.start[k] > largest)
      largest = g.start[k + 1] - g.start[k];
  cap = largest * ngroups;
  double* s = rc == 0 ? malloc((cap ? cap : 1) * sizeof(double)) : NULL;
  int* y = rc == 0 ? malloc((cap ? cap : 1) * sizeof(int)) : NULL;
  rc = (rc == 0 && s && y) ? 0 : -1;
  uint64_t state = seed;
  for (int r = 0; rc == 0 && r < reps; r++)
  {
    size_t m = 0;
    for (size_t draw = 0; draw < ngroups; draw++)
    {
      size_t k = splitmix(&state) % ngroups;
      for (size_t j = g.start[k]; j < g.start[k + 1]; j++, m++)
      {
        s[m] = score[g.rows[j]];
        y[m] = label[g.rows[j]];
      }
    }
    rep[r] = stat(s, y, m, ctx);
  }
  if (rc == 0)
  {
    qsort(rep, reps, sizeof(double), by_double);
    ci[0] = rep[(size_t) floor(0.025 * (reps - 1))];
    ci[1] = rep[(size_t) ceil(0.975 * (reps - 1))];
  }
  free(rep);
  free(s);
  free(y);
  free(g.start);
  free(g.rows);
  return rc;
}

metrics_fpr_support metrics_fpr_supported(
    size_t benign,
    double target_fpr,
    int files_per_fp)
{
  /* The 1e-9: 1/0.001 is 999.9999... in binary floating point. */
  if (benign == 0)
    return METRICS_FPR_NONE;
  if ((double) benign * target_fpr < 1.0 - 1e-9)
    return METRICS_FPR_BELOW;
  if ((double) benign * target_fpr < files_per_fp - 1e-9)
    return METRICS_FPR_ROUGH;
  return METRICS_FPR_SOUND;
}
