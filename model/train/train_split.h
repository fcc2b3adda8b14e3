/*
 * group k-fold splits for `malml train`.  Files of one group
 * (a malware family or threat report, a benign package) always land in the
 * same fold, so validation never sees a sibling of a training file.
 */
#ifndef MALML_TRAIN_SPLIT_H
#define MALML_TRAIN_SPLIT_H

#include <stddef.h>
#include <stdint.h>

/*
 * Assigns every row a fold in [0, k): groups are shuffled by a hash of
 * (seed, group index) and dealt, largest first, to the fold with the fewest
 * rows of that group's majority class, which keeps both classes spread over
 * the folds.  Deterministic for a given seed.  fold[] has n entries.
 * Returns 0, or -1 when out of memory or k < 2.
 */
int split_group_kfold(
    const int* group,
    const int* label,
    size_t n,
    size_t ngroups,
    int k,
    uint64_t seed,
    int* fold);

/*
 * Leave-one-collection-out folds: malware row i goes to the fold of its
 * collection (source[i]; collections numbered in byte order of their
 * names), and the benign groups (packages) are dealt over the same folds,
 * largest first to the fold with the fewest benign rows, ties broken by a
 * seeded hash, so each fold holds out one whole collection together with a
 * package-disjoint share of the benign files, and every file is held out
 * exactly once.  Benign rows are those with label 0.  *k receives the
 * number of folds (the number of malware collections); names[f] (if not
 * NULL) points at fold f's collection name in source[] (at most `cap`).
 * Returns 0, or -1 when out of memory or fewer than two collections.
 */
int split_by_collection(
    char* const* source,
    const int* group,
    const int* label,
    size_t n,
    size_t ngroups,
    uint64_t seed,
    int* fold,
    int* k,
    const char** names,
    int cap);

#endif
