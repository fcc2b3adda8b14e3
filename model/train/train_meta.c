#include "model/train/train_meta.h"

#include <math.h>
#include <stdlib.h>

#include "config.h"
#include "model/train/metrics.h"

static json_t* models_json(const train_meta* m)
{
  const dataset* d = m->d;
  json_t* models = json_object();
  for (int g = 0; g < m->nmodels; g++)
  {
    const cv_result* r = &m->models[g];
    double held_out[3];
    report_model_metrics(d, g, r->oof, held_out);
    json_object_set_new(
        models,
        malml_model_name(g),
        json_pack(
            "{s:i, s:f, s:f, s:f, s:f}",
            "rounds",
            r->rounds,
            "cv_mean_auc",
            r->cv_auc,
            "held_out_auc",
            held_out[0],
            "held_out_detection_at_1pct_fpr",
            held_out[1],
            "held_out_detection_at_0.1pct_fpr",
            held_out[2]));
  }
  return models;
}

static json_t* thresholds_json(const train_meta* m)
{
  json_t* thr = json_object();
  for (int i = 0; i < m->nthresholds; i++)
  {
    const report_threshold* t = &m->thresholds[i];
    json_object_set_new(
        thr,
        t->name,
        json_pack(
            "{s:f, s:f, s:s}",
            "value",
            t->value,
            "target_fpr",
            t->target_fpr,
            "score",
            t->model == MALML_THRESHOLD_ON_SUM
                ? "sum of sub-scores"
                : malml_model_score_field(t->model)));
  }
  return thr;
}

static int compare_ints(const void* a, const void* b)
{
  json_int_t x = *(const json_int_t*) a, y = *(const json_int_t*) b;
  return (x > y) - (x < y);
}

/* The held-out malware scores of one score (the files it applies to), in
 * millionths (count: of its 0..5 sum), ascending: a compact list from which
 * any cut's held-out detection can be read again without the corpus. */
static json_t* malware_scores_json(const dataset* d, int model, const double* s)
{
  double* rows_s = malloc((d->n ? d->n : 1) * sizeof(double));
  int* rows_y = malloc((d->n ? d->n : 1) * sizeof(int));
  json_int_t* v = malloc((d->n ? d->n : 1) * sizeof(json_int_t));
  json_t* out = rows_s && rows_y && v ? json_array() : NULL;
  size_t n = out ? report_applicable_rows(d, model, s, rows_s, rows_y) : 0;
  size_t k = 0;
  for (size_t i = 0; i < n; i++)
    if (rows_y[i] == 1)
      v[k++] = (json_int_t) llround(rows_s[i] * 1e6);
  qsort(v, k, sizeof(*v), compare_ints);
  for (size_t i = 0; out && i < k; i++)
    json_array_append_new(out, json_integer(v[i]));
  free(rows_s);
  free(rows_y);
  free(v);
  return out;
}

/* Per score (its rule field, "count" for the sum), once each. */
static json_t* held_out_malware_json(const train_meta* m)
{
  json_t* scores = json_object();
  for (int i = 0; m->threshold_scores && i < m->nthresholds; i++)
  {
    const report_threshold* t = &m->thresholds[i];
    const char* key = t->model == MALML_THRESHOLD_ON_SUM
                          ? "count"
                          : malml_model_score_field(t->model);
    if (m->threshold_scores[i] == NULL || json_object_get(scores, key))
      continue;
    json_t* v = malware_scores_json(m->d, t->model, m->threshold_scores[i]);
    if (v != NULL)
      json_object_set_new(scores, key, v);
  }
  return json_pack("{s:f, s:o}", "unit", 1e-6, "scores", scores);
}

static json_t* validation_json_of(const train_meta* m)
{
  json_t* v = json_pack(
      "{s:s, s:o}",
      "split",
      m->validation,
      "held_out",
      m->held_out ? m->held_out : json_null());
  if (m->groups != NULL && !isnan(m->groups[0]))
    json_object_set_new(
        v,
        "group_folds_view",
        json_pack(
            "{s:i, s:f, s:f, s:f}",
            "folds",
            m->folds,
            "auc",
            m->groups[0],
            "detection_at_1pct_fpr",
            m->groups[1],
            "detection_at_0.1pct_fpr",
            m->groups[2]));
  return v;
}

char* train_meta_json(const train_meta* m)
{
  const dataset* d = m->d;
  json_t* masks = json_array();
  for (int i = 0; i < m->nmasks; i++)
    json_array_append_new(masks, json_string(m->masks[i]));
  json_t* j = json_pack(
      "{s:s, s:s, s:{s:I, s:I, s:I, s:I}, s:o, s:o, s:s, s:o, s:o, s:o}",
      "trainer",
      m->trainer ? m->trainer : "malml train " PACKAGE_VERSION,
      "schema_hash",
      malml_schema_hash(),
      "corpus",
      "files",
      (json_int_t) d->n,
      "malware",
      (json_int_t) dataset_count(d, 1),
      "benign",
      (json_int_t) dataset_count(d, 0),
      "groups",
      (json_int_t) d->ngroups,
      "validation",
      validation_json_of(m),
      "xgboost",
      xgb_params_json(m->xgb),
      "weighting",
      m->weighting,
      "masked_features",
      masks,
      "models",
      models_json(m),
      "thresholds",
      thresholds_json(m));
  if (j != NULL && m->threshold_scores != NULL)
    json_object_set_new(j, "held_out_malware", held_out_malware_json(m));
  char* text =
      j ? json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS | JSON_REAL_PRECISION(9))
        : NULL;
  json_decref(j);
  return text;
}
