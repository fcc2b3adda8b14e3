/*
 * The module's scoring fields: `malml.score` and the group scores equal the
 * model's prediction for the vector the module computed, thresholds and
 * model identity come from the model in use (-x malml=FILE, here passed as
 * module data the way yara does), non-PE input leaves the scores undefined,
 * and bad module data fails the scan with a reason.
 */
#include <criterion/criterion.h>
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <yara.h>

#include "modules/malml/model/scoring.h"
#include "tests/unit/scan_helpers.h"
#include "tests/unit/xgb_reference.h"

static xgb_models models;
static uint8_t* model_bytes;
static size_t model_size;

static void setup(void)
{
  cr_assert_eq(yr_initialize(), ERROR_SUCCESS);
  xgb_models_train(&models, 4, 3);
  model_bytes = read_whole(models.model_path, &model_size);
  cr_assert(model_bytes != NULL);
}

static void teardown(void)
{
  xgb_models_free(&models);
  free(model_bytes);
  yr_finalize();
}

TestSuite(model_module, .init = setup, .fini = teardown, .timeout = 120);

typedef struct
{
  const void* module_data;
  size_t module_data_size;
  int matched;
  double score[MALML_MODEL_COUNT];
  malml_features features;
} scan_result;

static const char* const score_fields[MALML_MODEL_COUNT] = {
    "header_score",
    "imports_score",
    "sections_score",
    "filetype_score",
    "strings_score",
    "dotnet_score",
    "score"};

static int on_scan(YR_SCAN_CONTEXT* ctx, int message, void* data, void* user)
{
  scan_result* r = user;
  if (message == CALLBACK_MSG_IMPORT_MODULE &&
      strcmp(((YR_MODULE_IMPORT*) data)->module_name, "malml") == 0)
  {
    ((YR_MODULE_IMPORT*) data)->module_data = (void*) r->module_data;
    ((YR_MODULE_IMPORT*) data)->module_data_size = r->module_data_size;
  }
  if (message == CALLBACK_MSG_RULE_MATCHING)
    r->matched = 1;
  if (message == CALLBACK_MSG_MODULE_IMPORTED &&
      strcmp(((YR_OBJECT*) data)->identifier, "malml") == 0)
  {
    YR_OBJECT* obj = data;
    memcpy(&r->features, obj->data, sizeof(r->features));
    for (int g = 0; g < MALML_MODEL_COUNT; g++)
      r->score[g] = yr_object_get_float(obj, score_fields[g]);
  }
  return CALLBACK_CONTINUE;
}

/* Scans `path` with a one-rule set whose condition is `condition`; returns
 * the scan's error code. */
static int scan(
    const char* condition,
    const char* path,
    const void* mdata,
    size_t msize,
    scan_result* r)
{
  char source[1024];
  snprintf(
      source,
      sizeof(source),
      "import \"malml\"\nrule r { condition: %s }",
      condition);
  YR_RULES* rules = compile_rules(source);
  memset(r, 0, sizeof(*r));
  r->module_data = mdata;
  r->module_data_size = msize;
  int rc = yr_rules_scan_file(rules, path, 0, on_scan, r, 0);
  yr_rules_destroy(rules);
  return rc;
}

Test(model_module, scores_equal_the_model_on_the_module_vector)
{
  const char* files[] = {
      "pe/netclient-x86_64.exe",
      "pe/gui-i686.exe",
      "pe/plugin-x86_64.dll",
      "pe/rwx-i686.exe",
      "pe/dotnet-anycpu.exe"};
  char err[256];
  malml_model* m;
  cr_assert_eq(
      malml_model_load(model_bytes, model_size, &m, err, sizeof(err)),
      0,
      "%s",
      err);
  for (size_t i = 0; i < sizeof(files) / sizeof(*files); i++)
  {
    scan_result r;
    cr_assert_eq(
        scan(
            "malml.score >= 0 and malml.score <= 1",
            fixture(files[i]),
            model_bytes,
            model_size,
            &r),
        ERROR_SUCCESS);
    cr_assert(r.matched, "%s: score not in [0, 1]", files[i]);
    cr_assert(r.features.is_pe);
    for (int g = 0; g < MALML_MODEL_COUNT; g++)
    {
      /* dotnet_score: defined for .NET files only, as in rules. */
      if (!malml_model_applies(g, r.features.vector))
      {
        cr_assert(isnan(r.score[g]), "%s %s defined", files[i], score_fields[g]);
        continue;
      }
      double want = malml_model_score(m, g, r.features.vector);
      cr_assert(
          fabs(r.score[g] - want) < 1e-12,
          "%s %s: %f, want %f",
          files[i],
          score_fields[g],
          r.score[g],
          want);
    }
  }
  malml_model_free(m);
}

Test(model_module, thresholds_and_identity_come_from_the_model)
{
  scan_result r;
  char cond[512];
  malml_model* m;
  char err[256];
  cr_assert_eq(
      malml_model_load(model_bytes, model_size, &m, err, sizeof(err)), 0);
  snprintf(
      cond,
      sizeof(cond),
      "malml.threshold.high == 0.9 and malml.threshold.medium == 0.7 "
      "and malml.threshold.low == 0.5 and malml.threshold.count == 2.5 "
      "and malml.model.version == \"test-synthetic\" and "
      "malml.model.sha256 == \"%s\"",
      malml_model_sha256(m));
  malml_model_free(m);
  cr_assert_eq(
      scan(cond, fixture("pe/gui-x86_64.exe"), model_bytes, model_size, &r),
      ERROR_SUCCESS);
  cr_assert(r.matched);
}

Test(model_module, non_pe_scores_are_undefined)
{
  scan_result r;
  cr_assert_eq(
      scan(
          "not defined malml.score and not defined "
          "malml.header_score and defined malml.threshold.high",
          fixture("notpe/elf"),
          model_bytes,
          model_size,
          &r),
      ERROR_SUCCESS);
  cr_assert(r.matched);
}

Test(model_module, bad_module_data_fails_the_scan_with_a_reason)
{
  scan_result r;
  char why[256];
  uint8_t* bad = malloc(model_size);
  memcpy(bad, model_bytes, model_size);
  bad[model_size / 2] ^= 1;
  cr_assert_eq(
      scan("true", fixture("pe/gui-x86_64.exe"), bad, model_size, &r),
      ERROR_INVALID_MODULE_DATA);
  cr_assert_eq(malml_module_data_error(why, sizeof(why)), 0);
  cr_assert(strstr(why, "checksum") != NULL, "reason: %s", why);
  free(bad);
}

extern const size_t malml_default_model_size;

/* Without -x the default model decides: scores are defined exactly when one
 * was compiled in, and the model's version says which.  A compiled-in model
 * that does not load (a stale schema, say) fails here, not in the field. */
Test(model_module, default_model_or_none)
{
  scan_result r;
  const malml_model* def = malml_model_default();
  if (malml_default_model_size > 0)
    cr_assert_not_null(def, "%s", malml_model_default_status());
  cr_assert_eq(
      scan(
          def != NULL ? "defined malml.score"
                      : "not defined malml.score and not defined "
                        "malml.model.version",
          fixture("pe/gui-x86_64.exe"),
          NULL,
          0,
          &r),
      ERROR_SUCCESS);
  cr_assert(r.matched, "default model: %s", malml_model_default_status());
}

/* yara hands every scan of a run the same -x buffer: it must be parsed once
 * and shared, also when threads ask at the same time. */
typedef struct
{
  const uint8_t* data;
  size_t size;
  const malml_model* got;
} cache_query;

static void* query(void* arg)
{
  cache_query* q = arg;
  cr_assert_eq(malml_scoring_model(q->data, q->size, &q->got), ERROR_SUCCESS);
  return NULL;
}

Test(model_module, module_data_is_parsed_once_and_shared)
{
  pthread_t th[8];
  cache_query q[8];
  const malml_model* first;
  cr_assert_eq(
      malml_scoring_model(model_bytes, model_size, &first), ERROR_SUCCESS);
  cr_assert_not_null(first);
  for (int i = 0; i < 8; i++)
  {
    q[i] = (cache_query){model_bytes, model_size, NULL};
    cr_assert_eq(pthread_create(&th[i], NULL, query, &q[i]), 0);
  }
  for (int i = 0; i < 8; i++)
  {
    pthread_join(th[i], NULL);
    cr_assert_eq(q[i].got, first, "thread %d got another model", i);
  }
  /* Another buffer (a second -x, or the old one freed and replaced) is
   * another entry. */
  uint8_t* other = malloc(model_size);
  memcpy(other, model_bytes, model_size);
  const malml_model* second;
  cr_assert_eq(malml_scoring_model(other, model_size, &second), ERROR_SUCCESS);
  cr_assert_neq(second, first);
  cr_assert_str_eq(malml_model_sha256(second), malml_model_sha256(first));
  free(other);
}
