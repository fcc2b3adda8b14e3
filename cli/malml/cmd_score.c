/*
 * `malml score [-m MODEL] [--json] PATH...`: the scores the module gives
 * each file and the features that pushed each score most, so an analyst can
 * see why a file scored 0.97.  The feature vector comes from a scan (the
 * module's own, cli/common/extract.c); the scores and contributions from the
 * model given with -m or the compiled-in default.  Directories are walked as by
 * `malml features`.
 */
#include <getopt.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/common/extract.h"
#include "cli/common/malml_result.h"
#include "cli/common/path_json.h"
#include "cli/common/progress.h"
#include "cli/malml/bucket_names.h"
#include "cli/malml/commands.h"
#include "cli/malml/explain.h"
#include "cli/malml/pe_exact.h"
#include "cli/malml/model_file.h"

typedef struct
{
  const malml_model* model;
  int json;
  int ntop;
  progress* progress; /* supervisor only */
} score_state;

/* The extractor's module hook collects the import and .NET names behind
 * hashed features while the scan's objects are alive. */
typedef struct
{
  score_state* shared;
  bucket_names names;
  double scratch[MALML_FEATURE_COUNT];
  explanation e[MALML_MODEL_COUNT];
  int applies[MALML_MODEL_COUNT]; /* as in rules: dotnet_score for .NET */
  double familiarity;             /* NaN: the model has no counts */
  double exact[MALML_HEADER_END]; /* pe's integers, unrounded (pe_exact.h) */
} score_worker;

static double threshold_value(const malml_model* m, const char* name)
{
  const malml_model_threshold* t = malml_model_threshold_find(m, name);
  return t != NULL ? t->value : NAN;
}

/* The model's value of every threshold of the spec table, in its order
   (NaN where the model has none). */
static void read_cuts(const malml_model* m, double cuts[MALML_RESULT_MAX_CUTS])
{
  int n;
  const malml_threshold_spec* spec = malml_threshold_specs(&n);
  for (int i = 0; i < MALML_RESULT_MAX_CUTS; i++)
    cuts[i] = i < n ? threshold_value(m, spec[i].name) : NAN;
}

/*
 * A score or threshold with the digits it takes to tell it from every
 * threshold it sits beside: %.6f, or more (up to the 17 that round-trip a
 * double) when two different values would print the same.
 */
static const char*
distinct(double x, const malml_model* m, char* buf, size_t size)
{
  for (int digits = 6; digits <= 17; digits++)
  {
    snprintf(buf, size, "%.*f", digits, x);
    int clash = 0;
    for (int i = 0; i < malml_model_threshold_count(m) && !clash; i++)
    {
      char other[40];
      double t = malml_model_threshold_at(m, i)->value;
      snprintf(other, sizeof(other), "%.*f", digits, t);
      clash = t != x && strcmp(buf, other) == 0;
    }
    if (!clash)
      break;
  }
  return buf;
}

/* The file's result as every front end writes it (malml_result.h), from
   the model's own thresholds. */
static void fill_result(const score_worker* t, int is_pe, malml_result* r)
{
  const malml_model* m = t->shared->model;
  malml_result_init(r);
  r->is_pe = is_pe;
  for (int g = 0; g < MALML_MODEL_COUNT && is_pe; g++)
    if (t->applies[g])
      r->score[g] = t->e[g].score;
  read_cuts(m, r->cut);
  r->familiarity = t->familiarity;
  r->familiar = threshold_value(m, "familiar");
  snprintf(r->version, sizeof(r->version), "%s", malml_model_version(m));
  snprintf(r->model_sha256, 65, "%s", malml_model_sha256(m));
}

/* {"path", "sha256", "malml": {..., "explanations"}}; NULL out of memory.
 * "path" first, then "path_bytes" for a name that is not UTF-8
 * (path_json.h). */
static json_t*
result_json(const score_worker* t, const char* path, const char* sha, int is_pe)
{
  malml_result r;
  fill_result(t, is_pe, &r);
  json_t* obj = json_object();
  json_t* malml = malml_result_json(&r);
  if (obj == NULL || malml == NULL || path_json_set(obj, path) != 0)
  {
    json_decref(obj);
    json_decref(malml);
    return NULL;
  }
  json_object_set_new(obj, "sha256", json_string(sha));
  json_object_set_new(obj, "malml", malml);
  if (!is_pe)
    return obj;
  json_t* why = json_object();
  for (int g = 0; g < MALML_MODEL_COUNT; g++)
    if (t->applies[g])
      json_object_set_new(
          why,
          malml_model_score_field(g),
          explanation_to_json(&t->e[g], &t->names));
  json_object_set_new(malml, "explanations", why);
  return obj;
}

/* The level sub-model g's score x reaches (malml_level_of); for the sum
   (MALML_THRESHOLD_ON_SUM), "count" or "none". */
static const char* sub_level(const malml_model* m, int g, double x)
{
  if (g == MALML_THRESHOLD_ON_SUM)
    return x >= threshold_value(m, "count") ? "count" : "none";
  double cuts[MALML_RESULT_MAX_CUTS];
  read_cuts(m, cuts);
  return malml_level_of(g, x, cuts);
}

/* " (medium; thresholds high 0.999616, medium ...)": the tier score x
   reaches, then the cuts on sub-model g's score (MALML_THRESHOLD_ON_SUM:
   the sum's), as the model file has them. */
static void print_thresholds(FILE* out, const malml_model* m, int g, double x)
{
  char a[40], head[64];
  snprintf(head, sizeof(head), " (%s; thresholds ", sub_level(m, g, x));
  const char* sep = head;
  for (int i = 0; i < malml_model_threshold_count(m); i++)
  {
    const malml_model_threshold* t = malml_model_threshold_at(m, i);
    const malml_threshold_spec* spec = malml_threshold_spec_find(t->name);
    if (spec == NULL || spec->model != g)
      continue;
    fprintf(out, "%s%s %s", sep, t->name, distinct(t->value, m, a, 40));
    sep = ", ";
  }
  if (sep[0] == ',')
    fprintf(out, ")");
}

/* One line, when the model has counts: the file's familiarity and, under
 * the model's cut, that the score extrapolates. */
static void print_familiarity(FILE* out, const malml_model* m, double f)
{
  double cut = threshold_value(m, "familiar");
  if (isnan(f))
    return;
  fprintf(out, "  familiarity %.3f", f);
  if (!isnan(cut))
    fprintf(
        out,
        f < cut ? " (under familiar %.3f): unlike the training data"
                : " (familiar %.3f)",
        cut);
  fprintf(out, "\n");
}

static void print_text(
    FILE* out,
    const score_worker* t,
    const char* path,
    const char* sha,
    int is_pe)
{
  const malml_model* m = t->shared->model;
  fprintf(out, "%s\n  sha256 %s\n", path, sha);
  if (!is_pe)
  {
    fprintf(out, "  not a PE file: no score\n\n");
    return;
  }
  const explanation* all = &t->e[MALML_MODEL_ALL];
  char a[40];
  double sum = 0;
  for (int g = 0; g < MALML_COUNT_GROUPS; g++) sum += t->e[g].score;
  fprintf(out, "  model %s\n", malml_model_version(m));
  fprintf(out, "  level %s\n", sub_level(m, MALML_MODEL_ALL, all->score));
  print_familiarity(out, m, t->familiarity);
  fprintf(out, "  sum of group scores %s", distinct(sum, m, a, sizeof(a)));
  print_thresholds(out, m, MALML_THRESHOLD_ON_SUM, sum);
  fprintf(out, "\n");
  /* The all-features score first, then the groups in schema order. */
  for (int i = 0; i < MALML_MODEL_COUNT; i++)
  {
    int g = (i + MALML_MODEL_ALL) % MALML_MODEL_COUNT;
    const explanation* e = &t->e[g];
    if (!t->applies[g])
      continue;
    fprintf(
        out,
        "  %-15s %s",
        malml_model_score_field(g),
        distinct(e->score, m, a, sizeof(a)));
    print_thresholds(out, m, g, e->score);
    fprintf(
        out,
        "\n      log-odds %+.3f = base %+.3f%s\n",
        e->margin,
        e->bias,
        e->ntop > 0 || e->other_features > 0 ? " plus:" : "");
    explanation_print(out, e, &t->names);
  }
  fprintf(out, "\n");
}

/* 0, or -1 with the reason on stderr: a line that cannot be made is
 * reported, never left out. */
static int emit(score_worker* t, const char* path, const char* sha, int is_pe)
{
  score_state* s = t->shared;
  if (s->json)
  {
    /* 17 digits: a score round-trips, and equals yara's JSON (yara_malml.h).
     */
    return path_json_print_line(result_json(t, path, sha, is_pe), 17);
  }
  /* The supervisor writes one file's output whole (supervise.h). */
  print_text(stdout, t, path, sha, is_pe);
  return 0;
}

/* Runs while the scan's module objects are alive: the import and .NET
 * names behind hashed features.  Cleared at pe, which malml loads first,
 * since a file that fails to scan leaves the previous names behind. */
static void on_module(void* ctx, YR_OBJECT* obj)
{
  score_worker* t = ctx;
  if (strcmp(obj->identifier, "pe") == 0)
  {
    bucket_names_clear(&t->names);
    bucket_names_add_imports(&t->names, obj);
    pe_exact_read(obj, t->exact);
  }
  else if (strcmp(obj->identifier, "dotnet") == 0)
    bucket_names_add_dotnet(&t->names, obj);
}

/* The explanation lines show pe's exact integers, not their float32
 * copies in the vector (a timestamp is off by up to 64 s there). */
static void show_exact(score_worker* t, explanation* e)
{
  for (int i = 0; i < e->ntop; i++)
  {
    explain_line* l = &e->top[i];
    if (l->size == 1 && l->first < MALML_HEADER_END &&
        !isnan(l->value) && !isnan(t->exact[l->first]))
      l->value = t->exact[l->first];
  }
}

static int on_file(
    void* state,
    const char* path,
    const char sha[65],
    const malml_features* f)
{
  score_worker* t = state;
  t->familiarity = NAN;
  if (f->is_pe)
  {
    bucket_names_add_sections(&t->names, f);
    malml_model_margin_familiarity(
        t->shared->model, MALML_MODEL_ALL, f->vector, &t->familiarity);
    for (int g = 0; g < MALML_MODEL_COUNT; g++)
      if ((t->applies[g] = malml_model_applies(g, f->vector)))
      {
        explain(
            t->shared->model,
            g,
            f->vector,
            t->shared->ntop,
            t->scratch,
            &t->e[g]);
        show_exact(t, &t->e[g]);
      }
  }
  pe_exact_clear(t->exact); /* the next file's pe sets them anew */
  int rc = emit(t, path, sha, f->is_pe);
  bucket_names_clear(&t->names);
  return rc;
}

/* In the supervisor, once per file scanned. */
static void tick(
    void* shared,
    const char* path,
    const char sha[65],
    const malml_features* f)
{
  progress_tick(((score_state*) shared)->progress);
}

/* Once per worker process, which ends without freeing it. */
/* In the supervisor, once per file that could not be read or scanned
 * (after its message on stderr): with -j, its line says so, as yara's
 * JSON and the Python package's do (docs/results.md). */
static void on_error(void* shared, const char* path, const char* why)
{
  if (((score_state*) shared)->json)
    path_json_print_error(path, why);
}

static void* worker_init(void* shared, extractor* x)
{
  score_worker* t = calloc(1, sizeof(*t));
  if (t == NULL)
    return NULL;
  t->shared = shared;
  pe_exact_clear(t->exact);
  x->on_module = on_module;
  x->on_module_ctx = t;
  return t;
}

static void usage(FILE* out)
{
  fprintf(
      out,
      "usage: malml score [-m MODEL] [-j] [-n TOP] [-p THREADS] [-a SECONDS] "
      "[-N] [--worker-memory=MIB] "
      "PATH...\n"
      "Prints the scores of each PE file (directories are walked\n"
      "recursively) and, for each score, the features that moved it\n"
      "most: exact SHAP values in log-odds (TreeSHAP, as XGBoost's\n"
      "pred_contribs; positive = towards malicious).  They add up: log-odds = "
      "base +\n"
      "the lines shown + the \"other features\" line.  The byte histogram,\n"
      "each hashed bag and each section slot is one line.\n"
      "  -m MODEL    model file (default: the model compiled in)\n"
      "  -j, --json  one JSON object per file\n"
      "  -n TOP      lines shown per score (default 5, at most "
      "%d)\n" EXTRACT_USAGE_OPTIONS,
      EXPLAIN_MAX_TOP,
      EXTRACT_DEFAULT_TIMEOUT);
}

int cmd_score(int argc, char** argv)
{
  static const struct option longopts[] = {
      {"json", no_argument, NULL, 'j'},
      {"progress", no_argument, NULL, 'P'},
      {"worker-memory", required_argument, NULL, EXTRACT_MEMORY_OPTION},
      {"help", no_argument, NULL, 'h'},
      {NULL, 0, NULL, 0}};
  score_state s = {.ntop = 5};
  extract_each_options o = {
      .who = "malml score",
      .threads = extract_default_threads(),
      .follow_symlinks = 1,
      .shared = &s,
      .worker_init = worker_init,
      .on_file = on_file,
      .on_features = tick,
      .on_error = on_error};
  progress_mode shown = PROGRESS_AUTO;
  const char* model_path = NULL;
  int c;
  optind = 1;
  while ((c = getopt_long(argc, argv, "m:jn:p:a:Nh", longopts, NULL)) != -1)
  {
    if (c == 'P')
      shown = PROGRESS_LINES;
    else if (c == 'm')
      model_path = optarg;
    else if (c == 'j')
      s.json = 1;
    else if (c == 'n')
      s.ntop = atoi(optarg);
    else if (c == 'p' && (o.threads = extract_threads_arg(optarg)) > 0)
      continue;
    else if (c == 'a' && (o.timeout = extract_timeout_arg(optarg)) > 0)
      continue;
    else if (
        c == EXTRACT_MEMORY_OPTION &&
        extract_memory_arg(optarg, &o.worker_memory) == 0)
      continue;
    else if (c == 'N')
      o.follow_symlinks = 0;
    else
    {
      bad_number("malml score", c);
      usage(c == 'h' ? stdout : stderr);
      return c == 'h' ? 0 : 2;
    }
  }
  if (s.ntop < 0 || s.ntop > EXPLAIN_MAX_TOP)
  {
    fprintf(
        stderr,
        "malml score: -n takes 0 to %d lines per score\n",
        EXPLAIN_MAX_TOP);
    return 2;
  }
  if (optind >= argc)
  {
    fprintf(stderr, "malml score: no PATH given\n");
    usage(stderr);
    return 2;
  }
  malml_model* owned;
  s.model = model_file_open("malml score", model_path, &owned);
  if (s.model == NULL)
    return 1;
  const char* const* targets = (const char* const*) argv + optind;
  s.progress = progress_start(
      "malml score", targets, argc - optind, o.follow_symlinks, shown);
  int failures = extract_each(targets, argc - optind, &o);
  fflush(stdout);
  progress_stop(s.progress);
  malml_model_free(owned);
  return failures != 0 ? 1 : 0;
}
