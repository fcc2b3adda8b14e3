#include "model/train/recut.h"

#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "model/train/metrics.h"

static int package_index(recut_estate* e, const char* name)
{
  for (size_t i = e->npackages; i-- > 0;)
    if (strcmp(e->packages[i], name) == 0)
      return (int) i;
  if (e->npackages == e->packages_cap)
  {
    size_t cap = e->packages_cap ? 2 * e->packages_cap : 64;
    char** p = realloc(e->packages, cap * sizeof(*p));
    if (p == NULL)
      return -1;
    e->packages = p;
    e->packages_cap = cap;
  }
  if ((e->packages[e->npackages] = strdup(name)) == NULL)
    return -1;
  return (int) e->npackages++;
}

int recut_estate_add(
    recut_estate* e,
    const malml_model* m,
    const char* sha256,
    int label,
    const char* package,
    const float* v)
{
  if (e->n == e->cap)
  {
    size_t cap = e->cap ? 2 * e->cap : 1024;
    recut_file* f = realloc(e->f, cap * sizeof(*f));
    if (f == NULL)
      return -1;
    e->f = f;
    e->cap = cap;
  }
  recut_file* f = &e->f[e->n];
  if ((f->package = package_index(e, package)) < 0)
    return -1;
  snprintf(f->sha256, sizeof(f->sha256), "%s", sha256);
  f->label = label;
  f->sum = 0;
  for (int g = 0; g < MALML_MODEL_COUNT; g++)
  {
    f->score[g] = malml_model_applies(g, v) ? malml_model_score(m, g, v) : NAN;
    if (g < MALML_COUNT_GROUPS)
      f->sum += f->score[g];
  }
  e->n++;
  return 0;
}

static int by_sha(const void* a, const void* b)
{
  return strcmp(((const recut_file*) a)->sha256, ((const recut_file*) b)->sha256);
}

void recut_estate_finish(recut_estate* e)
{
  size_t k = 0;
  qsort(e->f, e->n, sizeof(*e->f), by_sha);
  for (size_t i = 0; i < e->n; i++)
    if (k > 0 && strcmp(e->f[k - 1].sha256, e->f[i].sha256) == 0)
      e->duplicates++;
    else
      e->f[k++] = e->f[i];
  e->n = k;
}

size_t recut_estate_count(const recut_estate* e, int label)
{
  size_t n = 0;
  for (size_t i = 0; i < e->n; i++) n += e->f[i].label == label;
  return n;
}

size_t recut_estate_packages(const recut_estate* e)
{
  unsigned char* seen = calloc(e->npackages ? e->npackages : 1, 1);
  size_t n = 0;
  for (size_t i = 0; seen && i < e->n; i++)
    if (e->f[i].label == 0 && !seen[e->f[i].package])
    {
      seen[e->f[i].package] = 1;
      n++;
    }
  free(seen);
  return n;
}

void recut_estate_free(recut_estate* e)
{
  for (size_t i = 0; i < e->npackages; i++) free(e->packages[i]);
  free(e->packages);
  free(e->f);
  memset(e, 0, sizeof(*e));
}

static double score_of(const recut_file* f, int model)
{
  return model == MALML_THRESHOLD_ON_SUM ? f->sum : f->score[model];
}

/* The meta's key for the scores a tier cuts (train_meta.c). */
static const char* score_key(int model)
{
  return model == MALML_THRESHOLD_ON_SUM ? "count"
                                         : malml_model_score_field(model);
}

/* Share of the meta's held-out malware scores of `key` at or above cut
 * (they are kept in units, ascending); NaN when the meta has none. */
static double held_out_detection(json_t* meta, const char* key, double cut)
{
  json_t* h = json_object_get(meta, "held_out_malware");
  json_t* v = json_object_get(json_object_get(h, "scores"), key);
  double unit = json_real_value(json_object_get(h, "unit"));
  size_t n = json_array_size(v), at = 0;
  if (n == 0 || !(unit > 0) || isnan(cut))
    return NAN;
  json_int_t want = (json_int_t) llround(cut / unit);
  while (at < n && json_integer_value(json_array_get(v, at)) < want) at++;
  return (double) (n - at) / (double) n;
}

static double trained_cut(json_t* meta, const char* name)
{
  json_t* t = json_object_get(json_object_get(meta, "thresholds"), name);
  json_t* v = json_object_get(t, "value");
  return json_is_number(v) ? json_number_value(v) : NAN;
}

/* The estate's rows the tier's score applies to. */
static size_t rows_of(
    const recut_estate* e,
    int model,
    double* s,
    int* y,
    size_t* benign,
    size_t* trained)
{
  size_t m = 0;
  *benign = *trained = 0;
  for (size_t i = 0; i < e->n; i++)
  {
    double v = score_of(&e->f[i], model);
    if (isnan(v))
      continue;
    s[m] = v;
    y[m] = e->f[i].label;
    *trained += y[m] == 0 && e->f[i].trained;
    *benign += y[m++] == 0;
  }
  return m;
}

static void fill_tier(
    recut_tier* t,
    const double* s,
    const int* y,
    size_t m,
    int force,
    int files_per_fp,
    json_t* meta)
{
  /* Between 1/FPR files (one false positive allowed) and 10/FPR the cut
   * is rough but the site's own: re-chosen, with a warning.  Under 1/FPR
   * it allows no false positive at all: kept unless --force. */
  switch (metrics_fpr_supported(t->benign, t->target_fpr, files_per_fp))
  {
  case METRICS_FPR_NONE:
    t->status = RECUT_KEPT_NONE;
    break;
  case METRICS_FPR_BELOW:
    t->status = force ? RECUT_FORCED : RECUT_KEPT_FEW;
    break;
  case METRICS_FPR_ROUGH:
    t->status = RECUT_FEW;
    break;
  default:
    t->status = RECUT_NEW;
  }
  if (!force && t->status <= RECUT_FEW && 2 * t->trained_benign > t->benign)
    t->status = RECUT_KEPT_TRAINING;
  t->new_cut = t->old_cut;
  if (t->status <= RECUT_FORCED)
    t->new_cut = metrics_threshold_at_fpr(s, y, m, t->target_fpr);
  metrics_confusion o = metrics_confuse(s, y, m, t->old_cut);
  metrics_confusion n = metrics_confuse(s, y, m, t->new_cut);
  t->old_fpr = metrics_fpr(o);
  t->new_fpr = metrics_fpr(n);
  t->site_old = metrics_tpr(o);
  t->site_new = metrics_tpr(n);
  t->held_old = held_out_detection(meta, score_key(t->model), t->old_cut);
  t->held_new = held_out_detection(meta, score_key(t->model), t->new_cut);
  t->trained_cut = trained_cut(meta, t->name);
}

int recut_tiers(
    const recut_estate* e,
    const malml_model* base,
    int force,
    int files_per_fp,
    recut_tier* t)
{
  int nspec;
  const malml_threshold_spec* spec = malml_threshold_specs(&nspec);
  double* s = malloc((e->n ? e->n : 1) * sizeof(double));
  int* y = malloc((e->n ? e->n : 1) * sizeof(int));
  json_t* meta = json_loads(malml_model_meta(base), 0, NULL);
  for (int i = 0; s != NULL && y != NULL && i < nspec; i++)
  {
    const malml_model_threshold* old =
        malml_model_threshold_find(base, spec[i].name);
    recut_tier* r = &t[i];
    memset(r, 0, sizeof(*r));
    r->name = spec[i].name;
    r->model = spec[i].model;
    r->target_fpr = spec[i].target_fpr;
    r->old_cut = old != NULL ? old->value : NAN;
    r->needed = (size_t) ceil(files_per_fp / spec[i].target_fpr);
    size_t m = rows_of(e, spec[i].model, s, y, &r->benign, &r->trained_benign);
    r->malware = m - r->benign;
    fill_tier(r, s, y, m, force, files_per_fp, meta);
  }
  json_decref(meta);
  int ok = s != NULL && y != NULL;
  free(s);
  free(y);
  return ok ? nspec : -1;
}

static json_t* number_or_null(double x)
{
  return isfinite(x) ? json_real(x) : json_null();
}

static json_t* tiers_json(const recut_tier* t, int n)
{
  static const char* const status[] = {
      "recut", "recut on few files (under 10/FPR): a rough cut",
      "recut on too few files (--force)", "kept: too few files",
      "kept: no file it applies to",
      "kept: most of its benign files are the model's training files"};
  json_t* tiers = json_object();
  for (int i = 0; i < n; i++)
    json_object_set_new(
        tiers,
        t[i].name,
        json_pack(
            "{s:o, s:o, s:f, s:I, s:I, s:I, s:o, s:o, s:s}",
            "old",
            number_or_null(t[i].old_cut),
            "new",
            number_or_null(t[i].new_cut),
            "target_fpr",
            t[i].target_fpr,
            "benign_files",
            (json_int_t) t[i].benign,
            "malware_files",
            (json_int_t) t[i].malware,
            "training_benign_files",
            (json_int_t) t[i].trained_benign,
            "old_fpr_here",
            number_or_null(t[i].old_fpr),
            "new_fpr_here",
            number_or_null(t[i].new_fpr),
            "status",
            status[t[i].status]));
  return tiers;
}

/* What the meta says of the estate's overlap with the training data. */
static json_t* training_json(const recut_estate* e)
{
  size_t in[2] = {0, 0};
  for (size_t i = 0; i < e->n; i++) in[e->f[i].label != 0] += e->f[i].trained;
  if (!e->training_checked)
    return json_pack("{s:b, s:s}", "checked", 0, "note", e->training_note);
  return json_pack(
      "{s:b, s:I, s:I, s:s}",
      "checked",
      1,
      "benign",
      (json_int_t) in[0],
      "malware",
      (json_int_t) in[1],
      "note",
      e->training_note);
}

char* recut_meta(
    const malml_model* base,
    const recut_estate* e,
    const recut_tier* t,
    int n,
    const char* command,
    const char* date)
{
  json_t* meta = json_loads(malml_model_meta(base), 0, NULL);
  if (!json_is_object(meta))
  {
    json_decref(meta);
    meta = json_object();
  }
  json_t* recut = json_pack(
      "{s:s, s:s, s:{s:I, s:I, s:I, s:I}, s:s, s:s, s:o}",
      "base_sha256",
      malml_model_sha256(base),
      "base_version",
      malml_model_version(base),
      "files",
      "benign",
      (json_int_t) recut_estate_count(e, 0),
      "malware",
      (json_int_t) recut_estate_count(e, 1),
      "benign_packages",
      (json_int_t) recut_estate_packages(e),
      "duplicates",
      (json_int_t) e->duplicates,
      "date",
      date,
      "command",
      command,
      "tiers",
      tiers_json(t, n));
  if (recut != NULL)
    json_object_set_new(recut, "training_data", training_json(e));
  json_t* previous = json_object_get(meta, "recut");
  if (recut != NULL && previous != NULL)
    json_object_set(recut, "previous", previous);
  json_object_set_new(meta, "recut", recut);
  char* text =
      json_dumps(meta, JSON_COMPACT | JSON_SORT_KEYS | JSON_REAL_PRECISION(9));
  json_decref(meta);
  return text;
}
