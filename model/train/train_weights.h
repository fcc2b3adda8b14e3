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
  TRAIN_WEIGHT_KINDS,      /* both classes given the same mix of kinds */
} train_weighting;

/* "class", "groups", "toolchains" or "kinds"; -1 for anything else. */
int train_weighting_parse(const char* text);

/* Fills w[d->n] for weighting `how` (not TRAIN_WEIGHT_CLASS), with the
 * mean weight 1, and prints a summary to log. */
void train_weights(const dataset* d, train_weighting how, float* w, FILE* log);

/* The toolchain stratum of row i (index into train_strata_names). */
int train_stratum(const dataset* d, size_t i);

/* The kind cell of row i: DLL or not, 64-bit (amd64/arm64) or not, .NET
 * or not, as 4 * dll + 2 * wide + dotnet (0..7). */
int train_kind_cell(const dataset* d, size_t i);

/*
 * Fills w[d->n] for -W kinds: each class's files are reweighted so that
 * the share of each kind cell in the class becomes the mean of its shares
 * in the two classes (each weight clipped to [1/max_ratio, max_ratio]),
 * then the malware weights are scaled so that both classes weigh the
 * same.  The corpus's benign files are mostly DLLs and 64-bit, its
 * malware mostly i386 EXEs; without this a model learns "DLL or 64-bit
 * means benign" and misses malware DLLs and 64-bit malware.  Prints the
 * cells to log.
 */
void train_kind_weights(
    const dataset* d,
    double max_ratio,
    float* w,
    FILE* log);

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
