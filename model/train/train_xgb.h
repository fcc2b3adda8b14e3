/*
 * the slice of XGBoost's C API that `malml train` uses,
 * wrapped so that the training driver reads as a recipe.  All functions
 * return 0, or -1 after printing XGBoost's last error on stderr.
 */
#ifndef MALML_TRAIN_XGB_H
#define MALML_TRAIN_XGB_H

#include <stddef.h>
#include <stdint.h>
#include <jansson.h>
#include <xgboost/c_api.h>

typedef struct
{
  int max_depth;
  double eta;
  double subsample;
  double colsample;
  double min_child_weight;
  double lambda;
  int max_rounds;
  int check_every; /* validation AUC every this many rounds */
  int nthread;
  uint64_t seed;
} xgb_params;

/* A matrix of n rows of `cols` floats with labels y and optional sample
 * weights (NULL: all 1); a column whose keep[c] is 0 is all missing, so no
 * tree can split on it. */
int xgb_matrix(
    const float* x,
    const int* y,
    const float* weight,
    size_t n,
    int cols,
    const unsigned char* keep,
    DMatrixHandle* out);

/* Rows idx[0..n) of m. */
int xgb_slice(DMatrixHandle m, const int* idx, size_t n, DMatrixHandle* out);

/*
 * Trains `rounds` rounds of binary:logistic trees.  When val is not NULL,
 * fills curve[r / check_every - 1] with the validation AUC after every
 * check_every-th round (val_label holds val's nval labels).
 */
int xgb_train(
    DMatrixHandle train,
    const xgb_params* p,
    double scale_pos_weight,
    int rounds,
    DMatrixHandle val,
    const int* val_label,
    size_t nval,
    double* curve,
    BoosterHandle* out);

/* Probabilities of the first `rounds` rounds (0: all) for m's n rows. */
int xgb_predict(
    BoosterHandle b,
    DMatrixHandle m,
    int rounds,
    double* out,
    size_t n);

/* Total gain of every feature f0..f(cols-1) into gain[cols] (0 if unused). */
int xgb_total_gain(BoosterHandle b, int cols, double* gain);

int xgb_save(BoosterHandle b, const char* path);

/* Saves the first `rounds` rounds of b (XGBoosterSlice) as JSON at path. */
int xgb_save_rounds(BoosterHandle b, int rounds, const char* path);

/* The parameters as the model file's meta records them (objective, tree
 * method, depth, eta, sampling, regularisation, rounds, seed, threads). */
json_t* xgb_params_json(const xgb_params* p);

#endif
