/*
 * `malml score` and `malml model`, run as programs with a model built from
 * XGBoost: the JSON must carry the model's scores for the module's vector,
 * explanations whose contributions add up to the margin and the model's
 * identity; a bad -m MODEL must fail with the file named.
 */
#include <criterion/criterion.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yara.h>

#include "tests/unit/scan_helpers.h"
#include "tests/unit/xgb_reference.h"

static xgb_models models;
static malml_model* model;

static void setup(void)
{
  char err[256];
  size_t size;
  cr_assert_eq(yr_initialize(), ERROR_SUCCESS);
  xgb_models_train(&models, 4, 3);
  uint8_t* data = read_whole(models.model_path, &size);
  cr_assert(data != NULL);
  cr_assert_eq(malml_model_load(data, size, &model, err, sizeof(err)), 0);
  free(data);
}

static void teardown(void)
{
  malml_model_free(model);
  xgb_models_free(&models);
  yr_finalize();
}

TestSuite(score_cli, .init = setup, .fini = teardown, .timeout = 120);

/* Runs `malml COMMAND ARGS` and returns its output (caller frees) and exit
 * status. */
static char* run_command(const char* command, const char* args, int* status)
{
  char cmd[2048];
  const char* bin = getenv("MALML_BIN");
  cr_assert_not_null(bin, "MALML_BIN is not set: run through make check");
  snprintf(cmd, sizeof(cmd), "%s %s %s 2>&1", bin, command, args);
  FILE* p = popen(cmd, "r");
  cr_assert_not_null(p);
  size_t cap = 1 << 16, len = 0, n;
  char* out = malloc(cap);
  while ((n = fread(out + len, 1, cap - len - 1, p)) > 0)
  {
    len += n;
    if (cap - len < 2)
      out = realloc(out, cap *= 2);
  }
  out[len] = '\0';
  *status = WEXITSTATUS(pclose(p));
  return out;
}

static char* run(const char* args, int* status)
{
  return run_command("score", args, status);
}

static const char* const names[MALML_MODEL_COUNT] = {
    "header_score",
    "imports_score",
    "sections_score",
    "filetype_score",
    "strings_score",
    "dotnet_score",
    "score"};

/* A native program and a .NET one: dotnet_score and its explanation are
 * there for the .NET file only, as the score is defined in rules. */
static void scores_agree(const char* path)
{
  char args[1024];
  int status;
  malml_features f;
  scan_features(path, &f);
  snprintf(
      args, sizeof(args), "-m '%s' --json -n 3 '%s'", models.model_path, path);
  char* out = run(args, &status);
  cr_assert_eq(status, 0, "%s", out);
  json_error_t e;
  json_t* line = json_loads(out, 0, &e);
  cr_assert_not_null(line, "not JSON: %s", out);
  /* What malml adds is the "malml" member (docs/results.md). */
  json_t* obj = json_object_get(line, "malml");
  cr_assert_not_null(obj, "no malml member: %s", out);
  cr_assert_str_eq(
      json_string_value(
          json_object_get(json_object_get(obj, "model"), "version")),
      "test-synthetic");
  for (int g = 0; g < MALML_MODEL_COUNT; g++)
  {
    double want = malml_model_score(model, g, f.vector);
    json_t* why =
        json_object_get(json_object_get(obj, "explanations"), names[g]);
    json_t* score = json_object_get(json_object_get(obj, "scores"), names[g]);
    if (!malml_model_applies(g, f.vector))
    {
      cr_assert(score == NULL && why == NULL, "%s: %s given", path, names[g]);
      continue;
    }
    cr_assert_not_null(score, "%s: no %s", path, names[g]);
    double got = json_number_value(
        json_object_get(json_object_get(obj, "scores"), names[g]));
    cr_assert(fabs(got - want) < 1e-6, "%s: %f, want %f", names[g], got, want);
    double sum = json_number_value(json_object_get(why, "bias"));
    json_t* top = json_object_get(why, "top");
    for (size_t i = 0; i < json_array_size(top); i++)
      sum += json_number_value(
          json_object_get(json_array_get(top, i), "contribution"));
    /* Three lines and the rest: the total is the margin all the same. */
    cr_assert_leq(json_array_size(top), 3);
    sum += json_number_value(
        json_object_get(json_object_get(why, "other"), "contribution"));
    cr_assert(
        fabs(sum - json_number_value(json_object_get(why, "margin"))) < 1e-4,
        "%s: contributions add up to %f",
        names[g],
        sum);
  }
  json_decref(obj);
  free(out);
}

Test(score_cli, json_scores_and_explanations_agree_with_the_model)
{
  scores_agree(fixture("pe/netclient-x86_64.exe"));
  scores_agree(fixture("pe/dotnet-anycpu.exe"));
}

Test(score_cli, text_names_features_and_skips_non_pe)
{
  char args[1024];
  int status;
  char pe[512]; /* fixture() reuses one buffer */
  snprintf(pe, sizeof(pe), "%s", fixture("pe/gui-i686.exe"));
  snprintf(
      args,
      sizeof(args),
      "-m '%s' '%s' '%s'",
      models.model_path,
      pe,
      fixture("notpe/elf"));
  char* out = run(args, &status);
  cr_assert_eq(status, 0, "%s", out);
  cr_assert(strstr(out, "not a PE file: no score") != NULL, "%s", out);
  cr_assert(strstr(out, "  score ") != NULL, "%s", out);
  cr_assert(strstr(out, "plus:") != NULL, "%s", out);
  free(out);
}

Test(score_cli, bad_model_names_the_file)
{
  char path[512], args[1024];
  int status;
  size_t size;
  uint8_t* data = read_whole(models.model_path, &size);
  snprintf(path, sizeof(path), "%s/bad.malml", models.dir);
  FILE* f = fopen(path, "wb");
  fwrite(data, 1, size / 2, f);
  fclose(f);
  free(data);
  snprintf(
      args, sizeof(args), "-m '%s' '%s'", path, fixture("pe/gui-i686.exe"));
  char* out = run(args, &status);
  remove(path);
  cr_assert_eq(status, 1);
  cr_assert(strstr(out, "bad.malml: checksum mismatch") != NULL, "%s", out);
  free(out);
}

Test(score_cli, model_describes_the_file)
{
  char args[1024];
  int status;
  snprintf(args, sizeof(args), "-j '%s'", models.model_path);
  char* out = run_command("model", args, &status);
  cr_assert_eq(status, 0, "%s", out);
  json_error_t e;
  json_t* obj = json_loads(out, 0, &e);
  cr_assert_not_null(obj, "not JSON: %s", out);
  cr_assert_str_eq(
      json_string_value(json_object_get(obj, "sha256")),
      malml_model_sha256(model));
  cr_assert_str_eq(
      json_string_value(json_object_get(obj, "version")), "test-synthetic");
  cr_assert_eq(
      json_integer_value(json_object_get(json_object_get(obj, "trees"), "all")),
      malml_model_tree_count(model, MALML_MODEL_ALL));
  cr_assert_eq(json_array_size(json_object_get(obj, "thresholds")), 4);
  json_decref(obj);
  free(out);
}

/* With the shipped model: every score line says the tier it reaches, and
 * byte-histogram members are byte values in hex ([0xCC], not [204]). */
Test(score_cli, text_levels_per_score_and_bytes_in_hex)
{
  char args[1024];
  int status;
  snprintf(args, sizeof(args), "-n 32 '%s'", fixture("pe/gui-i686.exe"));
  char* out = run(args, &status);
  cr_assert_eq(status, 0, "%s", out);
  static const char* const lines[] = {
      "  score ", "  header_score ", "  imports_score ", "  sum of group scores "};
  for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++)
  {
    const char* at = strstr(out, lines[i]);
    cr_assert_not_null(at, "no line '%s' in:\n%s", lines[i], out);
    const char* open = strchr(at, '(');
    cr_assert_not_null(open);
    int tier = strncmp(open, "(none; ", 7) == 0 ||
               strncmp(open, "(low; ", 6) == 0 ||
               strncmp(open, "(medium; ", 9) == 0 ||
               strncmp(open, "(high; ", 7) == 0 ||
               strncmp(open, "(count; ", 8) == 0;
    cr_assert(tier, "'%s' does not start with its tier: %.60s", lines[i], open);
  }
  const char* hist = strstr(out, "header.byte_hist[*]");
  cr_assert_not_null(hist, "%s", out);
  cr_assert(strncmp(strstr(hist, "largest: ") + 9, "[0x", 3) == 0, "%.200s", hist);
  free(out);
}
