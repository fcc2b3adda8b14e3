/*
 * model_build refuses XGBoost models malml cannot evaluate the same way
 * XGBoost does, naming the file and the reason, and leaves no output file.
 */
#include <criterion/criterion.h>
#include <jansson.h>
#include <string.h>
#include <unistd.h>

#include "model/train/model_build.h"
#include "tests/unit/xgb_reference.h"

static xgb_models models;
static char out_path[400];

static void setup(void)
{
  cr_assert_eq(malml_schema_init(), 0);
  xgb_models_train(&models, 2, 2);
  snprintf(out_path, sizeof(out_path), "%s/out.malml", models.dir);
}

static void teardown(void)
{
  unlink(out_path);
  xgb_models_free(&models);
}

TestSuite(model_build, .init = setup, .fini = teardown, .timeout = 120);

/* Rewrites sub-model 0's JSON through `edit`, builds, and expects an error
 * that contains `want`. */
static void expect_refusal(void (*edit)(json_t* learner), const char* want)
{
  json_error_t e;
  json_t* root = json_load_file(models.json[0], 0, &e);
  cr_assert_not_null(root);
  edit(json_object_get(root, "learner"));
  cr_assert_eq(json_dump_file(root, models.json[0], 0), 0);
  json_decref(root);
  const char* paths[MALML_MODEL_COUNT];
  for (int g = 0; g < MALML_MODEL_COUNT; g++) paths[g] = models.json[g];
  char err[256] = "";
  model_threshold t = {"high", 0.9, 0.001};
  cr_assert_eq(
      model_build(paths, &t, 1, "v", NULL, out_path, err, sizeof(err)),
      -1,
      "built (want '%s')",
      want);
  cr_assert(strstr(err, want) != NULL, "error '%s' lacks '%s'", err, want);
  cr_assert(strstr(err, "model-0.json") != NULL, "no file name: %s", err);
  cr_assert_neq(access(out_path, F_OK), 0, "an output file was left");
}

static json_t* tree0(json_t* learner)
{
  return json_array_get(
      json_object_get(
          json_object_get(
              json_object_get(learner, "gradient_booster"), "model"),
          "trees"),
      0);
}

static void other_objective(json_t* learner)
{
  json_object_set_new(
      json_object_get(learner, "objective"),
      "name",
      json_string("reg:squarederror"));
}

static void other_feature_count(json_t* learner)
{
  json_object_set_new(
      json_object_get(learner, "learner_model_param"),
      "num_feature",
      json_string("12"));
}

static void cyclic_tree(json_t* learner)
{
  json_t* left = json_object_get(tree0(learner), "left_children");
  json_array_set_new(left, 1, json_integer(0)); /* node 1 -> root */
}

static void feature_out_of_range(json_t* learner)
{
  json_t* split = json_object_get(tree0(learner), "split_indices");
  json_array_set_new(split, 0, json_integer(MALML_FEATURE_COUNT));
}

static void categorical_split(json_t* learner)
{
  json_t* type = json_object_get(tree0(learner), "split_type");
  json_array_set_new(type, 0, json_integer(1));
}

static void dart_booster(json_t* learner)
{
  json_object_set_new(
      json_object_get(learner, "gradient_booster"),
      "name",
      json_string("dart"));
}

Test(model_build, refuses_another_objective)
{
  expect_refusal(other_objective, "not binary:logistic");
}

Test(model_build, refuses_another_feature_count)
{
  expect_refusal(other_feature_count, "features");
}

Test(model_build, refuses_a_cycle)
{
  expect_refusal(cyclic_tree, "malformed");
}

Test(model_build, refuses_a_feature_out_of_range)
{
  expect_refusal(feature_out_of_range, "malformed");
}

Test(model_build, refuses_categorical_splits)
{
  expect_refusal(categorical_split, "categorical");
}

Test(model_build, refuses_dart)
{
  expect_refusal(dart_booster, "not gbtree");
}

Test(model_build, refuses_a_missing_file)
{
  const char* paths[MALML_MODEL_COUNT];
  for (int g = 0; g < MALML_MODEL_COUNT; g++)
    paths[g] = g == 3 ? "/nonexistent/model.json" : models.json[g];
  char err[256] = "";
  cr_assert_eq(
      model_build(paths, NULL, 0, "v", NULL, out_path, err, sizeof(err)), -1);
  cr_assert(strstr(err, "/nonexistent/model.json") != NULL, "%s", err);
}

Test(model_build, refuses_meta_that_is_not_a_json_object)
{
  const char* paths[MALML_MODEL_COUNT];
  for (int g = 0; g < MALML_MODEL_COUNT; g++) paths[g] = models.json[g];
  char err[256] = "";
  cr_assert_eq(
      model_build(paths, NULL, 0, "v", "[1, 2", out_path, err, sizeof(err)),
      -1);
  cr_assert(strstr(err, "meta_json") != NULL, "%s", err);
  cr_assert_eq(
      model_build(
          paths, NULL, 0, "v", "{\"a\": 1}", out_path, err, sizeof(err)),
      0,
      "%s",
      err);
}
