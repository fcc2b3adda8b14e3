/*
 * binary-classifier metrics shared by `malml train` and
 * `malml eval`, so both report the same numbers the same way.
 *
 * Everywhere a file counts as detected when score >= threshold; labels are
 * 1 (malware) or 0 (benign).
 */
#ifndef MALML_METRICS_H
#define MALML_METRICS_H

#include <stddef.h>
#include <stdint.h>

typedef struct
{
  size_t tp, fp, tn, fn;
} metrics_confusion;

/* Area under the ROC curve (Mann-Whitney U; tied scores count one half).
 * NaN when one class is absent.  Allocates a scratch array: returns NaN
 * also when out of memory. */
double metrics_auc(const double* score, const int* label, size_t n);

/* The lowest threshold at which at most floor(fpr * negatives) benign files
 * score >= threshold.  The threshold is an observed score (the smallest one
 * above the first benign score that must stay below it), as ROC curves use,
 * or nextafter() of that benign score when nothing scores higher.  Returns
 * -INFINITY when every negative may be flagged, NaN without negatives. */
double metrics_threshold_at_fpr(
    const double* score,
    const int* label,
    size_t n,
    double fpr);

/*
 * The cut a site can stand behind on each kind of benign software: the
 * largest of metrics_threshold_at_fpr() over all rows and over the rows of
 * each stratum (stratum[i] >= 0 for a benign row: its ecosystem; malware
 * rows -1) that has at least min_negatives benign rows, so that no such
 * stratum's held-out FPR exceeds fpr.  *worst receives the stratum that
 * set the cut (-1: the pooled rows).  NaN without negatives or memory.
 */
double metrics_threshold_every_stratum(
    const double* score,
    const int* label,
    const int* stratum,
    size_t n,
    double fpr,
    size_t min_negatives,
    int* worst);

metrics_confusion metrics_confuse(
    const double* score,
    const int* label,
    size_t n,
    double threshold);

/* tp / (tp + fn) and fp / (fp + tn); NaN when the class is absent. */
double metrics_tpr(metrics_confusion c);
double metrics_fpr(metrics_confusion c);

/*
 * How well `benign` files measure a target false-positive rate: one
 * false positive is 1/benign, so under 1/FPR files even one exceeds the
 * target, and under 10/FPR (ten false positives at the target) the rate
 * is rough.  The one rule behind train's, recut's and eval's warnings.
 */
typedef enum
{
  METRICS_FPR_NONE,   /* no benign file: nothing measured */
  METRICS_FPR_BELOW,  /* under 1/FPR: one false positive is above target */
  METRICS_FPR_ROUGH,  /* 1/FPR to 10/FPR: measured, roughly */
  METRICS_FPR_SOUND   /* at least 10/FPR */
} metrics_fpr_support;

#define METRICS_FILES_PER_FP 10 /* the "10" of 10/FPR */

metrics_fpr_support metrics_fpr_supported(
    size_t benign,
    double target_fpr,
    int files_per_fp);

/* Detection rate at the threshold metrics_threshold_at_fpr() chooses. */
double metrics_detection_at_fpr(
    const double* score,
    const int* label,
    size_t n,
    double fpr);

/* ROC curve: fills fpr[] and tpr[] (room for n + 1 points each) with one
 * point per distinct score, from (0,0) to (1,1).  Returns the number of
 * points, 0 when a class is absent or out of memory. */
size_t metrics_roc(
    const double* score,
    const int* label,
    size_t n,
    double* fpr,
    double* tpr);

/* A statistic of (score, label) rows, such as metrics_auc. */
typedef double (*metrics_statistic)(
    const double* score,
    const int* label,
    size_t n,
    void* ctx);

/*
 * Group bootstrap: `reps` times, draws as many groups as there are, with
 * replacement (a seeded splitmix64 stream), takes every row of each drawn
 * group, and computes `stat` on them; writes the 2.5th and 97.5th
 * percentiles of the replicates (a 95% interval) into ci[0], ci[1].
 * Resampling whole groups (families, packages), not files, because files of
 * one group are not independent.  group[i] < ngroups.  Returns 0, or -1
 * when out of memory.
 */
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
    double ci[2]);

#endif
