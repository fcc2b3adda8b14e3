/*
 * `malml train`: fits the five sub-models and the all-features model on a
 * labelled corpus, validates them on group-disjoint folds, chooses the
 * thresholds on the out-of-fold scores and writes one model file.
 */
#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli/malml/commands.h"
#include "config.h"
#include "model/train/dataset.h"
#include "model/train/metrics.h"
#include "model/train/model_build.h"
#include "model/train/report.h"
#include "model/train/scores_tsv.h"
#include "model/train/train_cv.h"
#include "model/train/train_split.h"
#include "model/train/train_weights.h"

#define MAX_MASKS 64
#define MODELS    (MALML_GROUP_COUNT + 1)

typedef struct
{
  const char* labels;
  const char* out;
  const char* work_dir;
  const char* report_dir;
  const char* oof_path;
  const char* version;
  const char* masks[MAX_MASKS];
  int nmasks;
  int balance_toolchains;
  int folds;
  int threads;
  xgb_params xgb;
} train_options;

/* The thresholds a model ships (names fixed by the module). */
static const report_threshold shipped[] = {
    {"high", 0, 0.001, 0},
    {"medium", 0, 0.01, 0},
    {"low", 0, 0.05, 0},
    {"count", 0, 0.01, 1},
};
#define NTHRESHOLDS ((int) (sizeof(shipped) / sizeof(shipped[0])))

static void usage(FILE* out)
{
  fprintf(
      out,
      "usage: malml train -l LABELS -o MODEL [options] CORPUS...\n"
      "CORPUS: directories to scan, or `malml features` output (*.jsonl, - "
      "for\n"
      "stdin); LABELS: TSV of sha256, label (1 malware), group, family, "
      "source.\n"
      "  -k FOLDS     group folds for validation (default 5)\n"
      "  -s SEED      seed of the split and of XGBoost (default 1)\n"
      "  -p THREADS   XGBoost and scanning threads (default 2)\n"
      "  -r ROUNDS    most boosting rounds (default 400)\n"
      "  -d DEPTH     tree depth (default 6)\n"
      "  -e ETA       learning rate (default 0.1)\n"
      "  -B           weight files so that both classes weigh the same within\n"
      "               each toolchain (.NET, Go, Delphi, VB, MinGW, MSVC, "
      "other)\n"
      "  -X PREFIX    train with the features whose name starts with PREFIX\n"
      "               set to missing (repeatable; e.g. filetype.mingw);\n"
      "               -m PREFIX is its deprecated old name (one release)\n"
      "  -w DIR       where the XGBoost JSON models go (default: a new /tmp "
      "dir)\n"
      "  -R DIR       write the out-of-fold report (Markdown + SVG) into DIR\n"
      "  -O FILE      write the out-of-fold scores as TSV\n"
      "  -V VERSION   model version text (default malml-" PACKAGE_VERSION
      "-seedN)\n");
}

/* Long on purpose: one case per option, in the order usage() lists them. */
static int parse_options(int argc, char** argv, train_options* o)
{
  int c;
  optind = 1;
  while ((c = getopt(argc, argv, "l:o:k:s:p:r:d:e:m:X:w:R:O:V:Bh")) != -1)
  {
    switch (c)
    {
    case 'l':
      o->labels = optarg;
      break;
    case 'o':
      o->out = optarg;
      break;
    case 'k':
      o->folds = atoi(optarg);
      break;
    case 's':
      o->xgb.seed = strtoull(optarg, NULL, 10);
      break;
    case 'p':
      o->threads = o->xgb.nthread = atoi(optarg);
      break;
    case 'r':
      o->xgb.max_rounds = atoi(optarg);
      break;
    case 'd':
      o->xgb.max_depth = atoi(optarg);
      break;
    case 'e':
      o->xgb.eta = atof(optarg);
      break;
    case 'w':
      o->work_dir = optarg;
      break;
    case 'R':
      o->report_dir = optarg;
      break;
    case 'O':
      o->oof_path = optarg;
      break;
    case 'V':
      o->version = optarg;
      break;
    case 'B':
      o->balance_toolchains = 1;
      break;
    case 'm': /* deprecated: -m means MODEL in score and eval */
      fprintf(stderr, "malml train: -m PREFIX is deprecated, use -X PREFIX\n");
      /* fall through */
    case 'X':
      if (o->nmasks == MAX_MASKS)
        return -1;
      o->masks[o->nmasks++] = optarg;
      break;
    default:
      usage(c == 'h' ? stdout : stderr);
      return c == 'h' ? 1 : -1;
    }
  }
  if (o->labels == NULL || o->out == NULL || optind >= argc || o->folds < 2 ||
      o->xgb.max_rounds < o->xgb.check_every || o->xgb.nthread < 1)
  {
    usage(stderr);
    return -1;
  }
  return 0;
}

/* keep[c] for sub-model g (MALML_GROUP_COUNT: all groups), minus masks. */
static int make_keep(const train_options* o, int g, unsigned char* keep)
{
  char name[96];
  int masked = 0;
  for (int c = 0; c < MALML_FEATURE_COUNT; c++)
  {
    keep[c] = g == MALML_GROUP_COUNT || (int) malml_schema_group_of(c) == g;
    malml_schema_feature_name(c, name, sizeof(name));
    for (int m = 0; m < o->nmasks; m++)
      if (strncmp(name, o->masks[m], strlen(o->masks[m])) == 0)
      {
        masked += keep[c];
        keep[c] = 0;
      }
  }
  return masked;
}

static void print_top_features(FILE* log, BoosterHandle b)
{
  double gain[MALML_FEATURE_COUNT], total = 0;
  char name[96];
  if (xgb_total_gain(b, MALML_FEATURE_COUNT, gain) != 0)
    return;
  for (int c = 0; c < MALML_FEATURE_COUNT; c++) total += gain[c];
  fprintf(
      log, "  top features of the all-features model (share of total gain):\n");
  for (int k = 0; k < 15 && total > 0; k++)
  {
    int best = 0;
    for (int c = 1; c < MALML_FEATURE_COUNT; c++)
      if (gain[c] > gain[best])
        best = c;
    if (gain[best] <= 0)
      break;
    fprintf(
        log,
        "    %5.1f%%  %s\n",
        100 * gain[best] / total,
        malml_schema_feature_name(best, name, sizeof(name)));
    gain[best] = -1;
  }
}

static void print_model_metrics(
    FILE* log,
    const dataset* d,
    const char* name,
    const cv_result* r)
{
  fprintf(
      log,
      "  %-8s out-of-fold AUC %.4f, detection %.1f%% at 1%% FPR, %.1f%% at "
      "0.1%% FPR (%d rounds)\n",
      name,
      metrics_auc(r->oof, d->y, d->n),
      100 * metrics_detection_at_fpr(r->oof, d->y, d->n, 0.01),
      100 * metrics_detection_at_fpr(r->oof, d->y, d->n, 0.001),
      r->rounds);
  fflush(log);
}

/* Sum of the five sub-scores per row: the seed's count model. */
static double* sum_of_subscores(const dataset* d, double* const* oof)
{
  double* sum = calloc(d->n ? d->n : 1, sizeof(double));
  for (size_t i = 0; sum && i < d->n; i++)
    for (int g = 0; g < MALML_GROUP_COUNT; g++) sum[i] += oof[g][i];
  return sum;
}

static int
choose_thresholds(const dataset* d, double* const* oof, report_threshold* t)
{
  double* sum = sum_of_subscores(d, oof);
  if (sum == NULL)
    return -1;
  for (int i = 0; i < NTHRESHOLDS; i++)
  {
    t[i] = shipped[i];
    const double* s = t[i].on_sum ? sum : oof[MALML_GROUP_COUNT];
    t[i].value = metrics_threshold_at_fpr(s, d->y, d->n, t[i].target_fpr);
    metrics_confusion c = metrics_confuse(s, d->y, d->n, t[i].value);
    fprintf(
        stderr,
        "  threshold %-6s %.6f (target FPR %.1f%%): detection %.1f%%, FPR "
        "%.2f%%"
        " out of fold\n",
        t[i].name,
        t[i].value,
        100 * t[i].target_fpr,
        100 * metrics_tpr(c),
        100 * metrics_fpr(c));
  }
  free(sum);
  return 0;
}

/* What the model file records about its training: enough to rerun it and
 * to read its validation numbers without the corpus.  No dates or paths,
 * so that two runs with one seed write identical files. */
static char* build_meta(
    const train_options* o,
    const dataset* d,
    const cv_result* r,
    const report_threshold* t)
{
  json_t* m = json_object();
  json_t* params = json_pack(
      "{s:s, s:i, s:f, s:f, s:f, s:f, s:f, s:i, s:I, s:i}",
      "objective",
      "binary:logistic",
      "max_depth",
      o->xgb.max_depth,
      "eta",
      o->xgb.eta,
      "subsample",
      o->xgb.subsample,
      "colsample_bytree",
      o->xgb.colsample,
      "min_child_weight",
      o->xgb.min_child_weight,
      "lambda",
      o->xgb.lambda,
      "max_rounds",
      o->xgb.max_rounds,
      "seed",
      (json_int_t) o->xgb.seed,
      "nthread",
      o->xgb.nthread);
  json_t* models = json_object();
  for (int g = 0; g < MODELS; g++)
    json_object_set_new(
        models,
        malml_model_name(g),
        json_pack(
            "{s:i, s:f, s:f, s:f, s:f}",
            "rounds",
            r[g].rounds,
            "cv_mean_auc",
            r[g].cv_auc,
            "oof_auc",
            metrics_auc(r[g].oof, d->y, d->n),
            "oof_detection_at_1pct_fpr",
            metrics_detection_at_fpr(r[g].oof, d->y, d->n, 0.01),
            "oof_detection_at_0.1pct_fpr",
            metrics_detection_at_fpr(r[g].oof, d->y, d->n, 0.001)));
  json_t* masks = json_array();
  for (int i = 0; i < o->nmasks; i++)
    json_array_append_new(masks, json_string(o->masks[i]));
  json_t* thr = json_object();
  for (int i = 0; i < NTHRESHOLDS; i++)
    json_object_set_new(
        thr,
        t[i].name,
        json_pack(
            "{s:f, s:f, s:s}",
            "value",
            t[i].value,
            "target_fpr",
            t[i].target_fpr,
            "score",
            t[i].on_sum ? "sum of sub-scores" : "score"));
  json_object_set_new(
      m, "trainer", json_string("malml train " PACKAGE_VERSION));
  json_object_set_new(m, "schema_hash", json_string(malml_schema_hash()));
  json_object_set_new(
      m,
      "corpus",
      json_pack(
          "{s:I, s:I, s:I, s:I}",
          "files",
          (json_int_t) d->n,
          "malware",
          (json_int_t) dataset_count(d, 1),
          "benign",
          (json_int_t) dataset_count(d, 0),
          "groups",
          (json_int_t) d->ngroups));
  json_object_set_new(
      m,
      "validation",
      json_pack(
          "{s:s, s:i}", "split", "stratified group k-fold", "folds", o->folds));
  json_object_set_new(m, "xgboost", params);
  json_object_set_new(m, "masked_features", masks);
  json_object_set_new(
      m,
      "weighting",
      json_string(
          o->balance_toolchains ? "classes balanced within each toolchain"
                                : "scale_pos_weight = benign / malware"));
  json_object_set_new(m, "models", models);
  json_object_set_new(m, "thresholds", thr);
  char* text =
      json_dumps(m, JSON_COMPACT | JSON_SORT_KEYS | JSON_REAL_PRECISION(9));
  json_decref(m);
  return text;
}

static int train_one(
    const train_options* o,
    const dataset* d,
    const int* fold,
    const float* weight,
    int g,
    const char* dir,
    cv_result* r,
    char path[4096])
{
  unsigned char keep[MALML_FEATURE_COUNT];
  time_t start = time(NULL);
  int masked = make_keep(o, g, keep);
  fprintf(
      stderr,
      "training the %s model (%d features masked)\n",
      malml_model_name(g),
      masked);
  if (train_cv_model(
          d,
          fold,
          o->folds,
          keep,
          weight,
          &o->xgb,
          malml_model_name(g),
          stderr,
          r))
    return -1;
  print_model_metrics(stderr, d, malml_model_name(g), r);
  snprintf(path, 4096, "%s/%s.json", dir, malml_model_name(g));
  if (xgb_save(r->final, path) != 0)
    return -1;
  if (g == MALML_GROUP_COUNT)
    print_top_features(stderr, r->final);
  fprintf(stderr, "  (%ld s)\n", (long) (time(NULL) - start));
  return 0;
}

static int train_all(
    const train_options* o,
    const dataset* d,
    const int* fold,
    const char* dir,
    cv_result* r,
    char paths[MODELS][4096])
{
  float* weight = NULL;
  if (o->balance_toolchains)
  {
    if ((weight = malloc((d->n ? d->n : 1) * sizeof(float))) == NULL)
      return -1;
    train_toolchain_weights(d, 10.0, weight, stderr);
  }
  int rc = 0;
  for (int g = 0; rc == 0 && g < MODELS; g++)
    rc = train_one(o, d, fold, weight, g, dir, &r[g], paths[g]);
  free(weight);
  return rc;
}

static int write_model(
    const train_options* o,
    const dataset* d,
    const cv_result* r,
    const report_threshold* t,
    char paths[MODELS][4096])
{
  const char* p[MODELS];
  model_threshold mt[NTHRESHOLDS];
  char version[128], err[256];
  for (int g = 0; g < MODELS; g++) p[g] = paths[g];
  for (int i = 0; i < NTHRESHOLDS; i++)
    mt[i] = (model_threshold){t[i].name, t[i].value, t[i].target_fpr};
  snprintf(
      version,
      sizeof(version),
      "malml-%s-seed%llu",
      PACKAGE_VERSION,
      (unsigned long long) o->xgb.seed);
  char* meta = build_meta(o, d, r, t);
  int rc = meta ? model_build(
                      p,
                      mt,
                      NTHRESHOLDS,
                      o->version ? o->version : version,
                      meta,
                      o->out,
                      err,
                      sizeof(err))
                : -1;
  if (rc != 0)
    fprintf(
        stderr, "malml train: %s: %s\n", o->out, meta ? err : "out of memory");
  else
    fprintf(stderr, "wrote %s\n", o->out);
  free(meta);
  return rc;
}

static int report(
    const train_options* o,
    const dataset* d,
    double* const* oof,
    const report_threshold* t)
{
  char title[96];
  snprintf(
      title,
      sizeof(title),
      "Out-of-fold validation (%d group folds, seed %llu)",
      o->folds,
      (unsigned long long) o->xgb.seed);
  report_input in = {
      d,
      {0},
      t,
      NTHRESHOLDS,
      title,
      o->version ? o->version : "",
      "Every score comes from a model that never saw the file's group "
      "(malware family or report, benign package): each fold's model "
      "scores its held-out fold at the round count chosen on all "
      "folds.  The shipped model is refitted on every file."};
  for (int g = 0; g < MODELS; g++) in.score[g] = oof[g];
  report_print(stdout, &in);
  return o->report_dir ? report_write(&in, o->report_dir) : 0;
}

static int load(const train_options* o, char** targets, int n, dataset* d)
{
  if (dataset_load(d, (const char* const*) targets, n, o->labels, o->threads) !=
      0)
    return -1;
  fprintf(
      stderr,
      "%zu labelled PE files (%zu malware, %zu benign) in %zu groups; left "
      "out: "
      "%zu unlabelled, %zu not PE, %zu duplicates\n",
      d->n,
      dataset_count(d, 1),
      dataset_count(d, 0),
      d->ngroups,
      d->unlabelled,
      d->not_pe,
      d->duplicates);
  if (dataset_count(d, 1) == 0 || dataset_count(d, 0) == 0)
  {
    fprintf(stderr, "malml train: need both malware and benign files\n");
    return -1;
  }
  return 0;
}

int cmd_train(int argc, char** argv)
{
  train_options o = {
      .folds = 5,
      .threads = 2,
      .xgb = {6, 0.1, 0.8, 0.5, 1.0, 1.0, 400, 10, 2, 1}};
  dataset d = {0};
  cv_result r[MODELS] = {{0}};
  report_threshold t[NTHRESHOLDS];
  char paths[MODELS][4096], dir[4096] = "/tmp/malml-train-XXXXXX";
  int rc = parse_options(argc, argv, &o);
  if (rc != 0)
    return rc > 0 ? 0 : 2;
  if (o.work_dir)
    snprintf(dir, sizeof(dir), "%s", o.work_dir);
  if ((o.work_dir ? mkdir(dir, 0755) != 0 && errno != EEXIST
                  : mkdtemp(dir) == NULL))
  {
    fprintf(stderr, "malml train: %s: %s\n", dir, strerror(errno));
    return 1;
  }
  time_t start = time(NULL);
  int* fold = NULL;
  double* oof[MODELS];
  rc = load(&o, argv + optind, argc - optind, &d);
  if (rc == 0)
    rc = (fold = malloc(d.n * sizeof(int))) ? 0 : -1;
  if (rc == 0)
    rc = split_group_kfold(
        d.group, d.y, d.n, d.ngroups, o.folds, o.xgb.seed, fold);
  if (rc == 0)
    rc = train_all(&o, &d, fold, dir, r, paths);
  for (int g = 0; g < MODELS; g++) oof[g] = r[g].oof;
  if (rc == 0)
    rc = choose_thresholds(&d, oof, t);
  if (rc == 0)
    rc = write_model(&o, &d, r, t, paths);
  if (rc == 0 && o.oof_path)
    rc = scores_tsv_write(o.oof_path, &d, oof, fold);
  if (rc == 0)
    rc = report(&o, &d, oof, t);
  fprintf(
      stderr,
      "training took %ld s; XGBoost models in %s\n",
      (long) (time(NULL) - start),
      dir);
  for (int g = 0; g < MODELS; g++)
  {
    free(r[g].oof);
    if (r[g].final)
      XGBoosterFree(r[g].final);
  }
  free(fold);
  dataset_free(&d);
  return rc == 0 ? 0 : 1;
}
