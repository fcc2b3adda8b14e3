/*
 * Metrics shared by `malml train` and `malml eval` (model/train/metrics.c), on
 * inputs small enough to check by hand.
 */
#include <criterion/criterion.h>
#include <criterion/new/assert.h>
#include <math.h>

#include "model/train/metrics.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* Positives 0.9, 0.5, 0.5; negatives 0.5, 0.1.  Of the 6 pairs, 0.9 beats
 * both negatives (2), each positive 0.5 ties one negative and beats the
 * other (2 x 1.5): AUC = 5/6. */
static const double tie_score[] = {0.9, 0.5, 0.5, 0.5, 0.1};
static const int tie_label[] = {1, 1, 1, 0, 0};

Test(metrics, auc_counts_ties_as_half)
{
  cr_assert(
      epsilon_eq(dbl, metrics_auc(tie_score, tie_label, 5), 5.0 / 6.0, 1e-12));
}

Test(metrics, auc_extremes)
{
  const double s[] = {0.1, 0.2, 0.8, 0.9};
  const int up[] = {0, 0, 1, 1}, down[] = {1, 1, 0, 0},
            one_class[] = {1, 1, 1, 1};
  const double flat[] = {0.3, 0.3, 0.3, 0.3};
  cr_assert(epsilon_eq(dbl, metrics_auc(s, up, 4), 1.0, 1e-12));
  cr_assert(epsilon_eq(dbl, metrics_auc(s, down, 4), 0.0, 1e-12));
  cr_assert(epsilon_eq(dbl, metrics_auc(flat, up, 4), 0.5, 1e-12));
  cr_assert(isnan(metrics_auc(s, one_class, 4)));
}

Test(metrics, auc_does_not_depend_on_order)
{
  const double s[] = {0.1, 0.5, 0.5, 0.9, 0.5};
  const int y[] = {0, 0, 1, 1, 1};
  cr_assert(epsilon_eq(dbl, metrics_auc(s, y, 5), 5.0 / 6.0, 1e-12));
}

/* Negatives 0.1 .. 1.0, positives 0.95 and 0.85. */
static double ladder_score[12];
static int ladder_label[12];

static void ladder(void)
{
  for (int i = 0; i < 10; i++)
  {
    ladder_score[i] = (i + 1) / 10.0;
    ladder_label[i] = 0;
  }
  ladder_score[10] = 0.95;
  ladder_score[11] = 0.85;
  ladder_label[10] = ladder_label[11] = 1;
}

Test(metrics, threshold_keeps_fpr_at_target, .init = ladder)
{
  /* One benign file (1.0) may be flagged; 0.9 must not be: the cut is the
   * smallest observed score above 0.9. */
  double t = metrics_threshold_at_fpr(ladder_score, ladder_label, 12, 0.1);
  cr_assert(epsilon_eq(dbl, t, 0.95, 1e-12));
  metrics_confusion c = metrics_confuse(ladder_score, ladder_label, 12, t);
  cr_assert_eq(c.tp, 1);
  cr_assert_eq(c.fp, 1);
  cr_assert_eq(c.tn, 9);
  cr_assert_eq(c.fn, 1);
  cr_assert(epsilon_eq(dbl, metrics_fpr(c), 0.1, 1e-12));
  cr_assert(epsilon_eq(
      dbl,
      metrics_detection_at_fpr(ladder_score, ladder_label, 12, 0.1),
      0.5,
      1e-12));
}

Test(metrics, threshold_at_zero_fpr_flags_no_benign, .init = ladder)
{
  double t = metrics_threshold_at_fpr(ladder_score, ladder_label, 12, 0.0);
  cr_assert_gt(t, 1.0);
  cr_assert_eq(metrics_confuse(ladder_score, ladder_label, 12, t).fp, 0);
  cr_assert(
      metrics_threshold_at_fpr(ladder_score, ladder_label, 12, 1.0) ==
      -INFINITY);
}

Test(metrics, threshold_never_splits_a_tie)
{
  /* Half the benign files may be flagged, but both score 0.5 like the
   * malware: flagging any flags both, so none is. */
  const double s[] = {0.5, 0.5, 0.5};
  const int y[] = {0, 0, 1};
  double t = metrics_threshold_at_fpr(s, y, 3, 0.5);
  metrics_confusion c = metrics_confuse(s, y, 3, t);
  cr_assert_eq(c.fp, 0);
  cr_assert_eq(c.tp, 0);
}

Test(metrics, threshold_count_survives_rounding)
{
  /* 0.29 * 100 is 28.999999999999996 in doubles: 29 benign files may be
   * flagged, not 28. */
  double s[100];
  int y[100];
  for (int i = 0; i < 100; i++)
  {
    s[i] = i;
    y[i] = 0;
  }
  double t = metrics_threshold_at_fpr(s, y, 100, 0.29);
  cr_assert_eq(metrics_confuse(s, y, 100, t).fp, 29);
}

Test(metrics, roc_has_one_point_per_distinct_score)
{
  double fpr[6], tpr[6];
  size_t n = metrics_roc(tie_score, tie_label, 5, fpr, tpr);
  const double want_fpr[] = {0, 0, 0.5, 1}, want_tpr[] = {0, 1.0 / 3, 1, 1};
  cr_assert_eq(n, 4);
  for (size_t i = 0; i < n; i++)
  {
    cr_assert(epsilon_eq(dbl, fpr[i], want_fpr[i], 1e-12), "point %zu", i);
    cr_assert(epsilon_eq(dbl, tpr[i], want_tpr[i], 1e-12), "point %zu", i);
  }
}

/* Rows of a statistic's sample, to see what the bootstrap drew. */
static double count_rows(const double* s, const int* y, size_t n, void* ctx)
{
  return (double) n;
}

Test(metrics, group_bootstrap_draws_whole_groups)
{
  /* Group 0 has 3 rows, group 1 has 5: every replicate draws two groups,
   * so it holds 6, 8 or 10 rows, never a count that splits a group. */
  const double s[] = {0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8};
  const int y[] = {0, 0, 0, 1, 1, 1, 1, 1};
  const int g[] = {0, 0, 0, 1, 1, 1, 1, 1};
  double ci[2];
  cr_assert_eq(
      metrics_group_bootstrap(s, y, g, 8, 2, 400, 7, count_rows, NULL, ci), 0);
  cr_assert(ci[0] == 6 && ci[1] == 10, "interval %g..%g", ci[0], ci[1]);
}

static double auc_stat(const double* s, const int* y, size_t n, void* ctx)
{
  return metrics_auc(s, y, n);
}

Test(metrics, group_bootstrap_interval_brackets_the_estimate_and_repeats)
{
  /* 20 groups of 3 rows; malware (groups 10..19) mostly scores higher. */
  double s[60];
  int y[60], g[60];
  for (int i = 0; i < 60; i++)
  {
    g[i] = i / 3;
    y[i] = g[i] >= 10;
    s[i] = 0.05 * (i % 7) + (y[i] ? 0.3 : 0.0);
  }
  double a[2], b[2], c[2], auc = metrics_auc(s, y, 60);
  cr_assert_eq(
      metrics_group_bootstrap(s, y, g, 60, 20, 500, 1, auc_stat, NULL, a), 0);
  cr_assert_eq(
      metrics_group_bootstrap(s, y, g, 60, 20, 500, 1, auc_stat, NULL, b), 0);
  cr_assert_eq(
      metrics_group_bootstrap(s, y, g, 60, 20, 500, 2, auc_stat, NULL, c), 0);
  cr_assert(a[0] <= auc && auc <= a[1], "%g not in %g..%g", auc, a[0], a[1]);
  cr_assert(a[0] < a[1], "a real spread, not one value");
  cr_assert(a[0] == b[0] && a[1] == b[1], "same seed, same interval");
  cr_assert(a[0] != c[0] || a[1] != c[1], "another seed, other draws");
}

/* 200 benign in two ecosystems: A's 100 score 0.00..0.99 (step 0.01), B's
 * 100 score 0.005..0.975 and its top 2 0.999; two malware at 1.  At 1% FPR
 * the pooled cut may flag 2 of 200 (B's two 0.999s), but B alone may flag
 * only 1 of its 100, and the two are tied: the cut rises above both. */
Test(metrics, every_stratum_cut_holds_in_each_stratum)
{
  enum { NB = 200, N = NB + 2 };
  double s[N];
  int y[N], st[N];
  for (int i = 0; i < 100; i++)
  {
    s[i] = i / 100.0, y[i] = 0, st[i] = 0;
    s[100 + i] = i >= 98 ? 0.999 : 0.005 + i / 100.0, y[100 + i] = 0, st[100 + i] = 1;
  }
  s[NB] = s[NB + 1] = 1.0, y[NB] = y[NB + 1] = 1, st[NB] = st[NB + 1] = -1;
  int worst = -2;
  double pooled = metrics_threshold_at_fpr(s, y, N, 0.01);
  double cut = metrics_threshold_every_stratum(s, y, st, N, 0.01, 100, &worst);
  cr_assert_eq(worst, 1, "the cut was set by stratum %d", worst);
  cr_assert(cut > 0.999 && cut <= 1.0, "cut %g", cut);
  cr_assert(pooled <= 0.999, "pooled cut %g flags neither 0.999", pooled);
  /* B is too small for the stratum rule at 200 files: pooled cut only. */
  double relaxed = metrics_threshold_every_stratum(s, y, st, N, 0.01, 101, &worst);
  cr_assert_eq(worst, -1);
  cr_assert_float_eq(relaxed, pooled, 0);
}

/* The boundaries of 1/FPR and 10/FPR at each tier's target, where
   1/0.001 and 10/0.001 are not exact in binary floating point. */
Test(metrics, fpr_support_boundaries)
{
  const double target[] = {0.001, 0.01, 0.05};
  for (int i = 0; i < 3; i++)
  {
    size_t one = (size_t) (1 / target[i] + 0.5), ten = 10 * one;
    cr_assert_eq(metrics_fpr_supported(0, target[i], 10), METRICS_FPR_NONE);
    cr_assert_eq(
        metrics_fpr_supported(one - 1, target[i], 10), METRICS_FPR_BELOW);
    cr_assert_eq(metrics_fpr_supported(one, target[i], 10), METRICS_FPR_ROUGH);
    cr_assert_eq(
        metrics_fpr_supported(ten - 1, target[i], 10), METRICS_FPR_ROUGH);
    cr_assert_eq(metrics_fpr_supported(ten, target[i], 10), METRICS_FPR_SOUND);
  }
}
