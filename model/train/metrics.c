#include "model/train/metrics.h"

#include <math.h>
#include <stdlib.h>

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
      for (; j < n && s[j].score == s[i].score; j++) s[j].label ? tp++ : fp++;
      fpr[points] = fp / neg;
      tpr[points++] = tp / pos;
      i = j;
    }
  }
  free(s);
  return points;
}
