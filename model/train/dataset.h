/*
 * a labelled feature matrix for `malml train` and `malml
 * eval`, read from `malml features` JSON lines or by scanning directories,
 * joined by sha256 with a labels file (TSV: sha256, label, group, family,
 * source; a header line is skipped).
 */
#ifndef MALML_DATASET_H
#define MALML_DATASET_H

#include <stddef.h>

#include "modules/malml/malml.h"

typedef struct
{
  size_t n;
  float* x;   /* n rows of MALML_FEATURE_COUNT; NaN = missing */
  int* y;     /* 1 malware, 0 benign */
  int* group; /* index into group_names */
  char** sha256;
  char** family; /* "" when the labels file names none */
  char** source;
  char** group_names;
  size_t ngroups;
  /* Files read but left out: not in the labels file, not PE, duplicates. */
  size_t unlabelled, not_pe, duplicates;
  size_t cap, groups_cap;
} dataset;

/*
 * Loads every target into d (zeroed by the caller): a path ending in
 * ".jsonl" (or "-" for stdin) is read as `malml features` output, anything
 * else is scanned (directories recursively) with `threads` threads, each
 * allowed `worker_memory` (extract_each_options.worker_memory).  Rows
 * are sorted by sha256, so the order does not depend on the walk.  Returns
 * 0, or -1 with a message on stderr.  Free with dataset_free().
 */
int dataset_load(
    dataset* d,
    const char* const* targets,
    int ntargets,
    const char* labels_path,
    int threads,
    long long worker_memory);

/*
 * The rows without their vectors (d->x NULL): the files of list_path (a
 * sha256 at the start of each line) joined with the labels as
 * dataset_load does, for a run whose models were fitted elsewhere
 * (`malml train --plan`, `--from-xgboost`).  Returns 0, or -1 with a
 * message on stderr.
 */
int dataset_load_hashes(
    dataset* d,
    const char* list_path,
    const char* labels_path);

void dataset_free(dataset* d);

/* Number of rows with label y. */
size_t dataset_count(const dataset* d, int y);

/* The ecosystem of row i's group: its prefix before ':' (labels.tsv
 * groups `pypi:numpy`, `deb:libwine`), "other" without one; at most 15
 * characters. */
void dataset_ecosystem(const dataset* d, size_t i, char out[16]);

/* Each benign row's ecosystem as an index into names[] (first appearance
 * order, at most cap names of 16 bytes), -1 for malware rows and rows past
 * the cap.  Returns the array (caller frees) and *count, or NULL when out
 * of memory. */
int* dataset_ecosystems(const dataset* d, char (*names)[16], int cap, int* count);

#endif
