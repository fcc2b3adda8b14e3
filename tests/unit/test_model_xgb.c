/*
 * malml's tree evaluation against XGBoost itself: models trained here with
 * the C API, saved as JSON, converted by model_build and loaded by the
 * module's loader must predict what XGBoost predicts, and their Saabas
 * contributions must match XGBoost's approximate contributions.
 */
#include <criterion/criterion.h>
#include <criterion/new/assert.h>
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/unit/xgb_reference.h"

#define NVEC 2000

/* Training is the slow part (seconds), and Criterion runs each test in its
 * own process with its own fixture, so the checks are grouped into two tests
 * that each train once. */
static xgb_models models;
static malml_model* model;
static float* vectors;

/* Random vectors, then edge cases: all missing, all zero, the extremes of
 * float (XGBoost refuses infinities in its input). */
static void make_vectors(void)
{
  vectors = malloc(sizeof(float) * NVEC * MALML_FEATURE_COUNT);
  cr_assert(vectors != NULL);
  xgb_synth(vectors, NULL, NVEC - 4, 777);
  float* v = vectors + (size_t) (NVEC - 4) * MALML_FEATURE_COUNT;
  for (int i = 0; i < MALML_FEATURE_COUNT; i++)
  {
    v[i] = NAN;
    v[MALML_FEATURE_COUNT + i] = 0;
    v[2 * MALML_FEATURE_COUNT + i] = FLT_MAX;
    v[3 * MALML_FEATURE_COUNT + i] = -FLT_MAX;
  }
}

static void setup(void)
{
  char err[256];
  size_t size;
  cr_assert_eq(malml_schema_init(), 0);
  xgb_models_train(&models, 20, 5);
  uint8_t* data = read_whole(models.model_path, &size);
  cr_assert(data != NULL);
  cr_assert_eq(
      malml_model_load(data, size, &model, err, sizeof(err)), 0, "%s", err);
  free(data);
  make_vectors();
}

static void teardown(void)
{
  malml_model_free(model);
  xgb_models_free(&models);
  free(vectors);
}

TestSuite(model_xgb, .init = setup, .fini = teardown, .timeout = 120);

/* Compares malml's `ours` (score or margin) with XGBoost's prediction of
 * `type` (0 probability, 1 margin) for every vector and sub-model. */
static void outputs_equal_xgboost(
    int type,
    double (*ours)(const malml_model*, int, const float*),
    const char* what)
{
  double worst = 0;
  for (int g = 0; g < MALML_MODEL_COUNT; g++)
  {
    size_t len;
    float* want =
        xgb_reference_predict(models.booster[g], vectors, NVEC, type, &len);
    cr_assert_eq(len, NVEC);
    for (int r = 0; r < NVEC; r++)
    {
      double got = ours(model, g, vectors + (size_t) r * MALML_FEATURE_COUNT);
      double d = fabs(got - want[r]);
      worst = d > worst ? d : worst;
      cr_assert(
          d < 1e-5,
          "%s of model %d vector %d: malml %.9f xgboost %.9f",
          what,
          g,
          r,
          got,
          want[r]);
    }
    free(want);
  }
  fprintf(stderr, "max |malml - xgboost| %s: %.3g\n", what, worst);
}

/* The scores are not all alike: a model that ignored its input would pass
 * the comparisons above only if XGBoost's did too, but say it outright. */
static void scores_vary_with_input(void)
{
  double lo = 1, hi = 0;
  for (int r = 0; r < NVEC; r++)
  {
    double s = malml_model_score(
        model, MALML_MODEL_ALL, vectors + (size_t) r * MALML_FEATURE_COUNT);
    lo = s < lo ? s : lo;
    hi = s > hi ? s : hi;
  }
  cr_assert(lo < 0.2 && hi > 0.8, "scores span [%f, %f]", lo, hi);
}

Test(model_xgb, contributions_match_xgboost_and_sum_to_margin)
{
  double* mine = malloc(sizeof(double) * MALML_FEATURE_COUNT);
  const int ncol = MALML_FEATURE_COUNT + 1;
  double worst = 0;
  for (int g = 0; g < MALML_MODEL_COUNT; g++)
  {
    size_t len;
    float* want =
        xgb_reference_predict(models.booster[g], vectors, NVEC, 3, &len);
    cr_assert_eq(len, (size_t) NVEC * ncol);
    for (int r = 0; r < NVEC; r += 7)
    {
      const float* v = vectors + (size_t) r * MALML_FEATURE_COUNT;
      const float* w = want + (size_t) r * ncol;
      double bias, sum = 0;
      malml_model_contributions(model, g, v, mine, &bias);
      for (int i = 0; i < MALML_FEATURE_COUNT; i++)
      {
        double d = fabs(mine[i] - w[i]);
        worst = d > worst ? d : worst;
        cr_assert(
            d < 1e-4,
            "model %d vector %d feature %d: %f vs %f",
            g,
            r,
            i,
            mine[i],
            w[i]);
        sum += mine[i];
      }
      cr_assert(
          fabs(bias - w[MALML_FEATURE_COUNT]) < 1e-4,
          "bias %f vs %f",
          bias,
          w[MALML_FEATURE_COUNT]);
      double margin = malml_model_margin(model, g, v);
      cr_assert(
          fabs(bias + sum - margin) < 1e-4,
          "sum %f, margin %f",
          bias + sum,
          margin);
    }
    free(want);
  }
  fprintf(stderr, "max |malml - xgboost| contribution: %.3g\n", worst);
  free(mine);
}

static void metadata_round_trips(void)
{
  cr_assert_str_eq(malml_model_version(model), "test-synthetic");
  cr_assert_str_eq(malml_model_meta(model), "{\"rows\":600}");
  cr_assert_eq(strlen(malml_model_sha256(model)), 64);
  cr_assert_eq(malml_model_threshold_count(model), 4);
  const malml_model_threshold* t = malml_model_threshold_find(model, "count");
  cr_assert(t != NULL);
  cr_assert(epsilon_eq(dbl, t->value, 2.5, 1e-12));
  cr_assert(epsilon_eq(dbl, t->target_fpr, 0.01, 1e-12));
  cr_assert_null(malml_model_threshold_find(model, "nope"));
  for (int g = 0; g < MALML_MODEL_COUNT; g++)
    cr_assert_eq(malml_model_tree_count(model, g), 20 + g);
}

Test(model_xgb, predictions_equal_xgboost)
{
  outputs_equal_xgboost(0, malml_model_score, "probability");
  outputs_equal_xgboost(1, malml_model_margin, "margin");
  scores_vary_with_input();
  metadata_round_trips();
}

/* Exact TreeSHAP (issue 12): each value equals XGBoost's pred_contribs
 * (type 2) and bias + their sum is the margin. */
Test(model_xgb, shap_matches_xgboost_and_sums_to_margin)
{
  double* mine = malloc(sizeof(double) * MALML_FEATURE_COUNT);
  const int ncol = MALML_FEATURE_COUNT + 1;
  double worst = 0;
  for (int g = 0; g < MALML_MODEL_COUNT; g++)
  {
    size_t len;
    float* want =
        xgb_reference_predict(models.booster[g], vectors, NVEC, 2, &len);
    cr_assert_eq(len, (size_t) NVEC * ncol);
    for (int r = 0; r < NVEC; r += 7)
    {
      const float* v = vectors + (size_t) r * MALML_FEATURE_COUNT;
      const float* w = want + (size_t) r * ncol;
      double bias, sum = 0;
      cr_assert_eq(malml_model_shap(model, g, v, mine, &bias), 0);
      for (int i = 0; i < MALML_FEATURE_COUNT; i++)
      {
        double d = fabs(mine[i] - w[i]);
        worst = d > worst ? d : worst;
        cr_assert(
            d < 1e-4,
            "model %d vector %d feature %d: %f vs %f",
            g,
            r,
            i,
            mine[i],
            w[i]);
        sum += mine[i];
      }
      cr_assert(fabs(bias - w[MALML_FEATURE_COUNT]) < 1e-4);
      double margin = malml_model_margin(model, g, v);
      cr_assert(
          fabs(bias + sum - margin) < 1e-4,
          "sum %f, margin %f",
          bias + sum,
          margin);
    }
    free(want);
  }
  fprintf(stderr, "max |malml - xgboost| SHAP value: %.3g\n", worst);
  free(mine);
}
