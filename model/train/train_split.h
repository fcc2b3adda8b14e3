/*
 * Private header: group k-fold splits for `malml train`.  Files of one group
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

#endif
