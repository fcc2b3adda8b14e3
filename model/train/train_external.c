#include "model/train/train_external.h"

#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model/train/scores_tsv.h"
#include "model/train/xgb_json.h"

#define MODELS MALML_MODEL_COUNT

static json_t* groups_json(void)
{
  json_t* a = json_array();
  for (int g = 0; g < MALML_GROUP_COUNT; g++)
  {
    const malml_group_info* info = malml_schema_group((malml_group) g);
    json_array_append_new(
        a,
        json_pack(
            "{s:s, s:i, s:i}",
            "name",
            info->name,
            "begin",
            info->begin,
            "end",
            info->end));
  }
  return a;
}

/* Each sub-model's columns, from the same train_make_keep the C trainer
 * uses, so a group model sees only its group minus the -X masks; and
 * "applies_if" (malml_model_applies_feature): the column that must be 1
 * for its score to count, or null.  The fitter leaves the held-out score
 * of other rows NaN, which is how --from-xgboost, holding no vectors,
 * tells them apart (report_row_applies). */
static json_t* models_json(const train_options* o)
{
  json_t* a = json_array();
  unsigned char keep[MALML_FEATURE_COUNT];
  for (int g = 0; g < MODELS; g++)
  {
    json_t* cols = json_array();
    train_make_keep(o, g, keep);
    for (int c = 0; c < MALML_FEATURE_COUNT; c++)
      if (keep[c])
        json_array_append_new(cols, json_integer(c));
    int f = malml_model_applies_feature(g);
    json_array_append_new(
        a,
        json_pack(
            "{s:s, s:o, s:o}",
            "name",
            malml_model_name(g),
            "columns",
            cols,
            "applies_if",
            f < 0 ? json_null() : json_integer(f)));
  }
  return a;
}

/* The parameters train_xgb.c's configure() sets, as the meta records them,
 * and what the fitter needs besides: the metric and how often to read it. */
static json_t* params_json(const xgb_params* p)
{
  json_t* j = xgb_params_json(p);
  json_object_set_new(j, "eval_metric", json_string("auc"));
  json_object_set_new(j, "check_every", json_integer(p->check_every));
  return j;
}

static json_t* folds_json(const dataset* d, const train_split* sp)
{
  json_t* a = json_array();
  for (int f = 0; f < sp->k; f++)
  {
    json_int_t n = 0;
    for (size_t i = 0; i < d->n; i++) n += sp->fold[i] == f;
    json_array_append_new(
        a, json_pack("{s:s, s:I}", "held_out", sp->names[f], "files", n));
  }
  return a;
}

static int
write_folds_tsv(const dataset* d, const train_split* sp, const char* path)
{
  FILE* f = fopen(path, "w");
  if (f == NULL)
  {
    fprintf(stderr, "malml train: %s: %s\n", path, strerror(errno));
    return -1;
  }
  fprintf(f, "sha256\tlabel\tfold\n");
  for (size_t i = 0; i < d->n; i++)
    fprintf(f, "%s\t%d\t%d\n", d->sha256[i], d->y[i], sp->fold[i]);
  return fclose(f) == 0 ? 0 : -1;
}

int external_plan_write(
    const train_options* o,
    const dataset* d,
    const train_split* sp,
    const char* dir)
{
  char path[4096];
  json_t* plan = json_pack(
      "{s:s, s:i, s:o, s:o, s:o, s:o}",
      "schema_hash",
      malml_schema_hash(),
      "feature_count",
      MALML_FEATURE_COUNT,
      "groups",
      groups_json(),
      "models",
      models_json(o),
      "xgboost",
      params_json(&o->xgb),
      "folds",
      folds_json(d, sp));
  snprintf(path, sizeof(path), "%s/plan.json", dir);
  int rc = plan ? json_dump_file(plan, path, JSON_COMPACT) : -1;
  json_decref(plan);
  if (rc != 0)
  {
    fprintf(stderr, "malml train: %s: cannot write\n", path);
    return -1;
  }
  snprintf(path, sizeof(path), "%s/folds.tsv", dir);
  return write_folds_tsv(d, sp, path);
}

/* ---- reading the fits back ------------------------------------------ */

/* Each sub-model's JSON exists and is a model over this schema's columns
 * (xgb_json_read checks the feature count); model_build reads it again. */
static int check_model(const char* path)
{
  xgb_model m;
  char err[512];
  FILE* f = fopen(path, "r");
  if (f == NULL)
  {
    fprintf(
        stderr,
        "malml train: %s: %s (the fits must leave one XGBoost JSON model per "
        "sub-model)\n",
        path,
        strerror(errno));
    return -1;
  }
  fclose(f);
  if (xgb_json_read(path, MALML_FEATURE_COUNT, &m, err, sizeof(err)) != 0)
  {
    /* a JSON syntax error names the file already */
    if (strncmp(err, path, strlen(path)) == 0)
      fprintf(stderr, "malml train: %s\n", err);
    else
      fprintf(stderr, "malml train: %s: %s\n", path, err);
    return -1;
  }
  xgb_model_free(&m);
  return 0;
}

/* The round count and mean validation AUC each fit chose, for the meta. */
static int read_fit(const char* dir, cv_result* r)
{
  char path[4096];
  json_error_t jerr;
  snprintf(path, sizeof(path), "%s/fit.json", dir);
  json_t* root = json_load_file(path, 0, &jerr);
  json_t* models = json_object_get(root, "models");
  int rc = root ? 0 : -1;
  if (root == NULL)
    fprintf(stderr, "malml train: %s: %s\n", path, jerr.text);
  for (int g = 0; rc == 0 && g < MODELS; g++)
  {
    json_t* m = json_object_get(models, malml_model_name(g));
    json_t* rounds = json_object_get(m, "rounds");
    json_t* auc = json_object_get(m, "cv_auc");
    if (!json_is_integer(rounds) || !json_is_number(auc))
    {
      fprintf(
          stderr,
          "malml train: %s: no models.%s.rounds and .cv_auc\n",
          path,
          malml_model_name(g));
      rc = -1;
      break;
    }
    r[g].rounds = (int) json_integer_value(rounds);
    r[g].cv_auc = json_number_value(auc);
  }
  json_decref(root);
  return rc;
}

/* folds.tsv lists d's rows in d's order (both sorted by sha256). */
static int check_folds(const dataset* d, const train_split* sp, const char* dir)
{
  char path[4096], sha[65];
  int fold, label;
  size_t i = 0;
  snprintf(path, sizeof(path), "%s/folds.tsv", dir);
  FILE* f = fopen(path, "r");
  int rc = f && fscanf(f, "%*[^\n]\n") == 0 ? 0 : -1;
  while (rc == 0 && fscanf(f, "%64s\t%d\t%d\n", sha, &label, &fold) == 3)
  {
    if (i >= d->n || strcmp(sha, d->sha256[i]) != 0 || fold != sp->fold[i])
    {
      fprintf(
          stderr,
          "malml train: %s: %s is in fold %d there but not in this split: "
          "give --from-xgboost the -l, -v, -k and -s the plan was made with\n",
          path,
          sha,
          fold);
      rc = -1;
    }
    i++;
  }
  if (f == NULL)
    fprintf(stderr, "malml train: %s: %s\n", path, strerror(errno));
  else if (rc == 0 && i != d->n)
  {
    fprintf(
        stderr, "malml train: %s: %zu rows, the split %zu\n", path, i, d->n);
    rc = -1;
  }
  if (f)
    fclose(f);
  return rc;
}

int external_import(
    const dataset* d,
    const train_split* sp,
    const char* dir,
    cv_result r[MALML_MODEL_COUNT],
    char paths[MALML_MODEL_COUNT][4096])
{
  char oof[4096];
  int rc = 0;
  for (int g = 0; rc == 0 && g < MODELS; g++)
  {
    snprintf(paths[g], 4096, "%s/%s.json", dir, malml_model_name(g));
    rc = check_model(paths[g]);
  }
  if (rc == 0)
    rc = check_folds(d, sp, dir);
  if (rc == 0)
    rc = read_fit(dir, r);
  double* score[MODELS];
  for (int g = 0; rc == 0 && g < MODELS; g++)
    if ((score[g] = r[g].oof = malloc((d->n ? d->n : 1) * sizeof(double))) ==
        NULL)
      rc = -1;
  snprintf(oof, sizeof(oof), "%s/oof.tsv", dir);
  if (rc == 0)
    rc = scores_tsv_read(oof, d, score);
  return rc;
}
