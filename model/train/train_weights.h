/*
 * toolchain-balanced sample weights for `malml train -B`.
 *
 * The corpus classes differ in toolchain (benign rich in .NET and MinGW,
 * malware in MSVC, Delphi and VB; corpus README), so "MinGW means benign"
 * is a shortcut a model takes and the field punishes.  Weighting every
 * (toolchain, class) cell so that both classes weigh the same inside each
 * toolchain makes the toolchain alone worthless for telling them apart:
 * the model has to find what differs within a toolchain.
 */
#ifndef MALML_TRAIN_WEIGHTS_H
#define MALML_TRAIN_WEIGHTS_H

#include <stdio.h>

#include "model/train/dataset.h"

/* How `malml train -W` weighs files. */
typedef enum
{
  TRAIN_WEIGHT_CLASS,      /* none: classes balanced by scale_pos_weight */
  TRAIN_WEIGHT_GROUPS,     /* each group sqrt(size), classes balanced */
  TRAIN_WEIGHT_TOOLCHAINS, /* classes balanced within each toolchain */
} train_weighting;

/* "class", "groups" or "toolchains"; -1 for anything else. */
int train_weighting_parse(const char* text);

/* Fills w[d->n] for weighting `how` (not TRAIN_WEIGHT_CLASS), with the
 * mean weight 1, and prints a summary to log. */
void train_weights(const dataset* d, train_weighting how, float* w, FILE* log);

/* The toolchain stratum of row i (index into train_strata_names). */
int train_stratum(const dataset* d, size_t i);

extern const char* const train_strata_names[];
extern const int train_strata_count;

/*
 * Fills w[d->n]: in a stratum with both classes, each class's files share
 * half the stratum's size (so the stratum keeps its weight in the corpus),
 * each weight clipped to [1/max_ratio, max_ratio]; a stratum with one class
 * keeps weight 1.  Prints the table of strata to log.
 */
void train_toolchain_weights(
    const dataset* d,
    double max_ratio,
    float* w,
    FILE* log);

#endif
