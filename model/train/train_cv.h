/*
 * group-k-fold cross-validation and the final fit of one
 * sub-model for `malml train`.
 */
#ifndef MALML_TRAIN_CV_H
#define MALML_TRAIN_CV_H

#include <stdio.h>

#include "model/train/dataset.h"
#include "model/train/train_xgb.h"

#define CV_KEEP_FOLDS 1u
#define CV_NO_FINAL   2u

typedef struct
{
  int rounds;          /* boosting rounds chosen on the validation folds */
  double cv_auc;       /* mean validation-fold AUC at that many rounds */
  double* oof;         /* n out-of-fold scores; caller frees */
  BoosterHandle final; /* fitted on every row; caller frees */
  /* With CV_KEEP_FOLDS: each fold's model (k of them; caller frees them and
   * the array), to be cut at `rounds`. */
  BoosterHandle* fold_models;
  int nfolds;
} cv_result;

/*
 * Cross-validates a model over the columns with keep[c] != 0: for each
 * fold, trains on the other folds for p->max_rounds rounds and records the
 * validation AUC every p->check_every rounds.  The round count with the best
 * mean AUC over the folds (the fewest on a tie) is the early-stopping point:
 * the out-of-fold scores come from each fold's model cut there, and the
 * final model is refitted on all rows for that many rounds.  weight: sample
 * weights that already balance the classes (NULL: none, and positives are
 * weighted by negatives / positives instead).  flags: CV_KEEP_FOLDS keeps
 * each fold's model in out->fold_models; CV_NO_FINAL skips the final fit
 * (out->final stays NULL) when only the held-out scores are wanted.  Progress
 * goes to log.  Returns 0, or -1 after a message on stderr.
 */
int train_cv_model(
    const dataset* d,
    const int* fold,
    int k,
    const unsigned char* keep,
    const float* weight,
    const xgb_params* p,
    const char* name,
    unsigned flags,
    FILE* log,
    cv_result* out);

/* Frees what train_cv_model allocated in r. */
void cv_result_free(cv_result* r);

#endif
