/*
 * The benign-kind-held-out view of a recipe: what happens when a whole
 * kind of benign software is missing from training.  For each toolchain
 * stratum (train_weights.h: .NET, MinGW, MSVC via the Rich header, ...)
 * and each ecosystem (the benign group's prefix: pypi, npm, deb, maven,
 * crates, go) with enough benign files, all its benign files are held out
 * together with a fifth of the malware groups; the all-features model is
 * trained on the rest for a fixed number of rounds (no choice made on the
 * held-out files) and the held-out benign files' false-positive rate is
 * measured at the cuts the main validation chose.
 */
#ifndef MALML_KIND_VIEW_H
#define MALML_KIND_VIEW_H

#include <stdio.h>

#include "model/train/dataset.h"
#include "model/train/train_xgb.h"

typedef struct
{
  char kind[40];                /* "toolchain dotnet", "ecosystem pypi" */
  size_t benign, malware;       /* held out */
  size_t packages;              /* benign groups held out */
  size_t packages_flagged[2];   /* with a file at or above each cut */
  double fpr[2];                /* at the 1% and 0.1% cuts */
  double detection[2];    /* of the held-out malware, same cuts */
} kind_row;

/*
 * Fills rows[0..*n) (room for `cap`) for the kinds with at least
 * min_benign benign files.  keep: the all-features model's columns;
 * weight: the recipe's sample weights (NULL: class balance); rounds: the
 * recipe's round count; cut[0], cut[1]: the 1% and 0.1% cuts.  Returns 0,
 * or -1 after a message on stderr.
 */
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
    int* n);

/* The rows as a Markdown table. */
void kind_view_print(FILE* out, const kind_row* rows, int n);

#endif
