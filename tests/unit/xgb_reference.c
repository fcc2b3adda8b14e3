#include "tests/unit/xgb_reference.h"

#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "model/train/model_build.h"

#define XGB_OK(call) cr_assert_eq((call), 0, "%s: %s", #call, XGBGetLastError())

/* A column every 41 features reaches every group of the schema. */
#define XGB_STRIDE 41

static float grid(unsigned* s)
{
  return (float) (rand_r(s) % 100) / 10.0f;
}

void xgb_synth(float* x, float* y, int rows, unsigned seed)
{
  unsigned s = seed;
  for (int r = 0; r < rows; r++)
  {
    float* v = x + (size_t) r * MALML_FEATURE_COUNT;
    for (int i = 0; i < MALML_FEATURE_COUNT; i++)
      v[i] = (i % XGB_STRIDE == 0) ? grid(&s) : (i % 7 == 0 ? NAN : 0.0f);
    for (int i = 0; i < MALML_FEATURE_COUNT; i += XGB_STRIDE)
      if (rand_r(&s) % 10 == 0)
        v[i] = NAN;
    if (y == NULL)
      continue;
    float a = isnan(v[0]) ? 3 : v[0],
          b = isnan(v[XGB_STRIDE * 9]) ? 8 : v[XGB_STRIDE * 9];
    float c = v[XGB_STRIDE * 30];
    int label = (a > 5 && b < 6) || (!isnan(c) && c > 8);
    y[r] = (float) (rand_r(&s) % 20 == 0 ? !label : label);
  }
}

static void train_one(
    BoosterHandle* b,
    DMatrixHandle d,
    int rounds,
    int depth,
    const char* path)
{
  char depth_s[16];
  snprintf(depth_s, sizeof(depth_s), "%d", depth);
  XGB_OK(XGBoosterCreate(&d, 1, b));
  XGB_OK(XGBoosterSetParam(*b, "objective", "binary:logistic"));
  XGB_OK(XGBoosterSetParam(*b, "max_depth", depth_s));
  XGB_OK(XGBoosterSetParam(*b, "nthread", "1"));
  XGB_OK(XGBoosterSetParam(*b, "eta", "0.3"));
  for (int i = 0; i < rounds; i++) XGB_OK(XGBoosterUpdateOneIter(*b, i, d));
  XGB_OK(XGBoosterSaveModel(*b, path));
}

/* A DMatrix of the rows with, for group model g, every column outside the
 * group missing: how `malml train` trains them (the columns are there, the
 * trees cannot use them), and what the loader insists on. */
static DMatrixHandle
group_matrix(const float* x, const float* y, int rows, int g)
{
  DMatrixHandle d;
  float* copy = malloc(sizeof(float) * rows * MALML_FEATURE_COUNT);
  cr_assert(copy != NULL);
  memcpy(copy, x, sizeof(float) * rows * MALML_FEATURE_COUNT);
  if (g < MALML_GROUP_COUNT)
  {
    const malml_group_info* info = malml_schema_group((malml_group) g);
    for (int r = 0; r < rows; r++)
      for (int i = 0; i < MALML_FEATURE_COUNT; i++)
        if (i < info->begin || i >= info->end)
          copy[(size_t) r * MALML_FEATURE_COUNT + i] = NAN;
  }
  XGB_OK(XGDMatrixCreateFromMat(copy, rows, MALML_FEATURE_COUNT, NAN, &d));
  XGB_OK(XGDMatrixSetFloatInfo(d, "label", y, rows));
  free(copy);
  return d;
}

void xgb_models_train(xgb_models* m, int rounds, int depth)
{
  const int rows = 600;
  float* x = malloc(sizeof(float) * rows * MALML_FEATURE_COUNT);
  float* y = malloc(sizeof(float) * rows);
  cr_assert(x != NULL && y != NULL);
  memset(m, 0, sizeof(*m));
  snprintf(m->dir, sizeof(m->dir), "/tmp/malml-xgb-XXXXXX");
  cr_assert(mkdtemp(m->dir) != NULL);
  xgb_synth(x, y, rows, 12345);
  const char* paths[MALML_MODEL_COUNT];
  for (int g = 0; g < MALML_MODEL_COUNT; g++)
  {
    DMatrixHandle d = group_matrix(x, y, rows, g);
    snprintf(m->json[g], sizeof(m->json[g]), "%s/model-%d.json", m->dir, g);
    train_one(&m->booster[g], d, rounds + g, depth, m->json[g]);
    paths[g] = m->json[g];
    XGDMatrixFree(d);
  }
  free(x);
  free(y);
  model_threshold t[] = {
      {"high", 0.9, 0.001},
      {"medium", 0.7, 0.01},
      {"low", 0.5, 0.05},
      {"count", 2.5, 0.01}};
  char err[256];
  snprintf(m->model_path, sizeof(m->model_path), "%s/test.malml", m->dir);
  cr_assert_eq(
      model_build(
          paths,
          t,
          4,
          "test-synthetic",
          "{\"rows\":600}",
          m->model_path,
          err,
          sizeof(err)),
      0,
      "model_build: %s",
      err);
}

void xgb_models_free(xgb_models* m)
{
  for (int g = 0; g < MALML_MODEL_COUNT; g++)
  {
    if (m->booster[g] != NULL)
      XGBoosterFree(m->booster[g]);
    unlink(m->json[g]);
  }
  unlink(m->model_path);
  rmdir(m->dir);
}

float* xgb_reference_predict(
    BoosterHandle b,
    const float* x,
    int rows,
    int type,
    size_t* len)
{
  DMatrixHandle d;
  char config[160];
  const bst_ulong* shape;
  bst_ulong dim;
  const float* out;
  snprintf(
      config,
      sizeof(config),
      "{\"type\": %d, \"training\": false, \"iteration_begin\": 0, "
      "\"iteration_end\": 0, \"strict_shape\": false}",
      type);
  XGB_OK(XGDMatrixCreateFromMat(x, rows, MALML_FEATURE_COUNT, NAN, &d));
  XGB_OK(XGBoosterPredictFromDMatrix(b, d, config, &shape, &dim, &out));
  *len = 1;
  for (bst_ulong i = 0; i < dim; i++) *len *= shape[i];
  float* copy = malloc(sizeof(float) * *len);
  cr_assert(copy != NULL);
  memcpy(copy, out, sizeof(float) * *len);
  XGDMatrixFree(d);
  return copy;
}

uint8_t* read_whole(const char* path, size_t* size)
{
  FILE* f = fopen(path, "rb");
  if (f == NULL)
    return NULL;
  fseek(f, 0, SEEK_END);
  long n = ftell(f);
  rewind(f);
  uint8_t* p = malloc(n > 0 ? (size_t) n : 1);
  if (p != NULL && fread(p, 1, (size_t) n, f) != (size_t) n)
  {
    free(p);
    p = NULL;
  }
  fclose(f);
  *size = (size_t) n;
  return p;
}
