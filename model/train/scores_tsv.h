/*
 * per-file scores as TSV, written by `malml train -O`
 * (out-of-fold scores) and `malml eval -O`, read back by `malml eval -S` to
 * report on scores computed elsewhere (e.g. out of fold) without a model.
 *
 * Columns: sha256, label, group, family, source, [fold,] then one score per
 * sub-model named as the groups (header, imports, sections, filetype,
 * strings) and "all".
 */
#ifndef MALML_SCORES_TSV_H
#define MALML_SCORES_TSV_H

#include "model/train/dataset.h"

#define SCORES_MODELS (MALML_GROUP_COUNT + 1)

/* fold may be NULL (no fold column).  Returns 0, or -1 with a message. */
int scores_tsv_write(
    const char* path,
    const dataset* d,
    double* const* score,
    const int* fold);

/* Fills score[g][i] for every row of d from the file at path, matching rows
 * by sha256.  score[g] must hold d->n doubles.  Returns 0, or -1 with a
 * message when the file cannot be read, lacks a column or a row of d. */
int scores_tsv_read(const char* path, const dataset* d, double** score);

#endif
