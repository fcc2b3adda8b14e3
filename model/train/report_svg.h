/*
 * the two plots of an evaluation report, written as plain
 * SVG 1.1 text (no library): ROC curves with a logarithmic FPR axis, where
 * the operating points of a malware detector live, and score histograms
 * per class.
 */
#ifndef MALML_REPORT_SVG_H
#define MALML_REPORT_SVG_H

#include <stddef.h>

typedef struct
{
  const char* label;
  const double* fpr; /* n points, as metrics_roc() gives them */
  const double* tpr;
  size_t n;
} svg_curve;

typedef struct
{
  const char* label;
  double value;
} svg_marker;

/* ROC curves, FPR from 1e-4 to 1 on a log axis (0 is drawn at 1e-4).
 * Returns 0, or -1 when path cannot be written. */
int svg_roc(const char* path, const char* title, const svg_curve* c, int nc);

/* Histograms of score[] in [lo, hi] for label 0 and label 1 (as a share of
 * each class, square-root y axis so that small tails stay visible), with
 * a vertical line per marker.  Returns 0 or -1. */
int svg_histogram(
    const char* path,
    const char* title,
    const double* score,
    const int* label,
    size_t n,
    double lo,
    double hi,
    const svg_marker* m,
    int nm);

/* The same for probabilities on a log-odds x axis (log(p / (1 - p)) from
 * -10 to +10, ticks labelled in probability), so the tail near 1 where
 * thresholds sit is spread out; scores beyond the axis fall in the end
 * bins. */
int svg_histogram_logit(
    const char* path,
    const char* title,
    const double* score,
    const int* label,
    size_t n,
    const svg_marker* m,
    int nm);

#endif
