/*
 * Test helper: trains small XGBoost models on synthetic full-width vectors
 * (through the C API) and builds a malml model file from them, so that tests
 * can compare malml's evaluation with XGBoost's own predictions.
 */
#ifndef MALML_TEST_XGB_REFERENCE_H
#define MALML_TEST_XGB_REFERENCE_H

#include <stddef.h>
#include <stdint.h>
#include <xgboost/c_api.h>

#include "modules/malml/model/model.h"

/* Fills rows synthetic vectors (MALML_FEATURE_COUNT floats each, about 10%
 * NaN in the informative columns, values on a 0.1 grid so that some equal a
 * split threshold exactly) and, if y is not NULL, their 0/1 labels. */
void xgb_synth(float* x, float* y, int rows, unsigned seed);

typedef struct
{
  char dir[256];
  char json[MALML_MODEL_COUNT][300];
  char model_path[300];
  BoosterHandle booster[MALML_MODEL_COUNT];
} xgb_models;

/* Trains the MALML_MODEL_COUNT models (sub-model g gets rounds + g rounds of
 * depth `depth`), saves their JSON in a fresh temporary directory and builds
 * m->model_path with model_build.  Fails the running test on error. */
void xgb_models_train(xgb_models* m, int rounds, int depth);

/* Frees the boosters and removes the directory. */
void xgb_models_free(xgb_models* m);

/* XGBoost's prediction of `type` (0 probability, 1 margin, 3 approximate
 * contributions) for rows vectors; caller frees the copy. */
float* xgb_reference_predict(
    BoosterHandle b,
    const float* x,
    int rows,
    int type,
    size_t* len);

/* Reads a whole file (caller frees); NULL on error. */
uint8_t* read_whole(const char* path, size_t* size);

#endif
