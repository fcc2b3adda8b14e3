#include "model/train/train_xgb.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model/train/metrics.h"

static int check(int rc, const char* what)
{
  if (rc != 0)
    fprintf(stderr, "malml train: %s: %s\n", what, XGBGetLastError());
  return rc != 0 ? -1 : 0;
}

int xgb_matrix(
    const float* x,
    const int* y,
    const float* weight,
    size_t n,
    int cols,
    const unsigned char* keep,
    DMatrixHandle* out)
{
  float* data = malloc((n ? n : 1) * (size_t) cols * sizeof(float));
  float* label = malloc((n ? n : 1) * sizeof(float));
  int rc = -1;
  if (data != NULL && label != NULL)
  {
    for (size_t i = 0; i < n; i++)
    {
      for (int c = 0; c < cols; c++)
        data[i * cols + c] = keep[c] ? x[i * cols + c] : NAN;
      label[i] = (float) y[i];
    }
    rc = check(XGDMatrixCreateFromMat(data, n, cols, NAN, out), "matrix");
    if (rc == 0)
      rc = check(XGDMatrixSetFloatInfo(*out, "label", label, n), "labels");
    if (rc == 0 && weight != NULL)
      rc = check(XGDMatrixSetFloatInfo(*out, "weight", weight, n), "weights");
  }
  free(data);
  free(label);
  return rc;
}

int xgb_slice(DMatrixHandle m, const int* idx, size_t n, DMatrixHandle* out)
{
  return check(XGDMatrixSliceDMatrix(m, idx, n, out), "slice");
}

static int set(BoosterHandle b, const char* name, const char* value)
{
  return check(XGBoosterSetParam(b, name, value), name);
}

static int setf(BoosterHandle b, const char* name, double value)
{
  char text[32];
  snprintf(text, sizeof(text), "%.17g", value);
  return set(b, name, text);
}

/* "hist" trees are deterministic on the CPU for a given nthread and seed;
 * subsampling draws from `seed`. */
static int configure(BoosterHandle b, const xgb_params* p, double spw)
{
  return set(b, "objective", "binary:logistic") ||
         set(b, "tree_method", "hist") || set(b, "eval_metric", "auc") ||
         setf(b, "max_depth", p->max_depth) || setf(b, "eta", p->eta) ||
         setf(b, "subsample", p->subsample) ||
         setf(b, "colsample_bytree", p->colsample) ||
         setf(b, "min_child_weight", p->min_child_weight) ||
         setf(b, "lambda", p->lambda) || setf(b, "scale_pos_weight", spw) ||
         setf(b, "nthread", p->nthread) || setf(b, "seed", (double) p->seed) ||
         set(b, "verbosity", "0");
}

int xgb_train(
    DMatrixHandle train,
    const xgb_params* p,
    double scale_pos_weight,
    int rounds,
    DMatrixHandle val,
    const int* val_label,
    size_t nval,
    double* curve,
    BoosterHandle* out)
{
  double* pred = val ? malloc((nval ? nval : 1) * sizeof(double)) : NULL;
  int rc = check(XGBoosterCreate(&train, 1, out), "booster");
  if (rc == 0)
    rc = configure(*out, p, scale_pos_weight) ? -1 : 0;
  for (int r = 0; rc == 0 && r < rounds; r++)
  {
    rc = check(XGBoosterUpdateOneIter(*out, r, train), "round");
    if (rc == 0 && val != NULL && (r + 1) % p->check_every == 0)
    {
      rc = pred ? xgb_predict(*out, val, 0, pred, nval) : -1;
      if (rc == 0)
        curve[(r + 1) / p->check_every - 1] =
            metrics_auc(pred, val_label, nval);
    }
  }
  free(pred);
  if (rc != 0 && *out != NULL)
  {
    XGBoosterFree(*out);
    *out = NULL;
  }
  return rc;
}

int xgb_predict(
    BoosterHandle b,
    DMatrixHandle m,
    int rounds,
    double* out,
    size_t n)
{
  char config[160];
  snprintf(
      config,
      sizeof(config),
      "{\"type\": 0, \"training\": false, \"iteration_begin\": 0, "
      "\"iteration_end\": %d, \"strict_shape\": false}",
      rounds);
  const bst_ulong* shape;
  bst_ulong dim;
  const float* result;
  if (check(
          XGBoosterPredictFromDMatrix(b, m, config, &shape, &dim, &result),
          "predict") != 0)
    return -1;
  if (dim != 1 || shape[0] != n)
  {
    fprintf(stderr, "malml train: prediction has an unexpected shape\n");
    return -1;
  }
  for (size_t i = 0; i < n; i++) out[i] = result[i];
  return 0;
}

int xgb_total_gain(BoosterHandle b, int cols, double* gain)
{
  bst_ulong nf, dim;
  const char** names;
  const bst_ulong* shape;
  const float* scores;
  memset(gain, 0, (size_t) cols * sizeof(double));
  if (check(
          XGBoosterFeatureScore(
              b,
              "{\"importance_type\": \"total_gain\"}",
              &nf,
              &names,
              &dim,
              &shape,
              &scores),
          "feature importance") != 0)
    return -1;
  /* Without feature names XGBoost calls column c "f<c>". */
  for (bst_ulong i = 0; i < nf; i++)
  {
    int c = names[i][0] == 'f' ? atoi(names[i] + 1) : -1;
    if (c >= 0 && c < cols)
      gain[c] = scores[i];
  }
  return 0;
}

int xgb_save(BoosterHandle b, const char* path)
{
  return check(XGBoosterSaveModel(b, path), path);
}

int xgb_save_rounds(BoosterHandle b, int rounds, const char* path)
{
  BoosterHandle cut = NULL;
  int rc = check(XGBoosterSlice(b, 0, rounds, 1, &cut), path);
  if (rc == 0)
    rc = xgb_save(cut, path);
  if (cut != NULL)
    XGBoosterFree(cut);
  return rc;
}

json_t* xgb_params_json(const xgb_params* p)
{
  return json_pack(
      "{s:s, s:s, s:i, s:f, s:f, s:f, s:f, s:f, s:i, s:I, s:i}",
      "objective",
      "binary:logistic",
      "tree_method",
      "hist",
      "max_depth",
      p->max_depth,
      "eta",
      p->eta,
      "subsample",
      p->subsample,
      "colsample_bytree",
      p->colsample,
      "min_child_weight",
      p->min_child_weight,
      "lambda",
      p->lambda,
      "max_rounds",
      p->max_rounds,
      "seed",
      (json_int_t) p->seed,
      "nthread",
      p->nthread);
}
