/*
 * Whether the files a command measures were in a model's training data:
 * the model's list of training files (model/train/training_list.h) found
 * and checked the one way for `malml eval` and `malml recut`.  Figures
 * measured on training files are in-sample: an evaluation flatters the
 * model, and a cut re-chosen on them sits under scores the model learnt
 * to give, not scores new files get.
 */
#ifndef MALML_TRAINING_OVERLAP_H
#define MALML_TRAINING_OVERLAP_H

#include <stddef.h>

#include "model/train/training_list.h"
#include "modules/malml/malml.h"

/* Loads model m's training list into t (zeroed by the caller): list_path
 * (--training-list) when given, else model_path + TRAINING_LIST_SUFFIX,
 * else (both NULL: the compiled-in model) the list compiled in beside it.
 * Returns 0 when the list is usable; else -1, having said on stderr
 * ("who: ...") and in note (one sentence) why the overlap is not checked. */
int training_overlap_load(
    const char* who,
    const char* list_path,
    const char* model_path,
    const malml_model* m,
    training_list* t,
    char* note,
    size_t size);

/* Says on stderr, when in_malware + in_benign > 0, "who: warning: N of M
 * files (K malware, J benign) were in this model's training data: ...",
 * with consequence after it; and in note the same sentence (or that none
 * was) for a report. */
void training_overlap_say(
    const char* who,
    size_t total,
    size_t in_malware,
    size_t in_benign,
    const char* consequence,
    char* note,
    size_t size);

#endif
