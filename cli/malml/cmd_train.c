/*
 * `malml train`: fits the five sub-models and the all-features model on a
 * labelled corpus, validates them by leaving one malware collection out at
 * a time (or on group folds), chooses the thresholds on the pooled
 * held-out scores and writes one model file.
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
#include "model/train/kind_view.h"
#include "model/train/metrics.h"
#include "model/train/model_build.h"
#include "model/train/report.h"
#include "model/train/scores_tsv.h"
#include "model/train/train_cv.h"
#include "model/train/train_meta.h"
#include "model/train/train_split.h"
#include "model/train/train_weights.h"
#include "model/train/train_xgb.h"
#include "model/train/validation.h"

#define MAX_MASKS 64
#define MODELS    MALML_MODEL_COUNT

typedef struct
{
  const char* labels;
  const char* out;
  const char* work_dir;
  const char* report_dir;
  const char* oof_path;
  const char* fold_dir;
  const char* version;
  const char* masks[MAX_MASKS];
  int nmasks;
  train_weighting weighting;
  int by_collection; /* leave-one-collection-out folds (the default) */
  int kind_view;     /* -K: the benign-kind-held-out view */
  int folds;         /* group folds: with -v groups, and the second view */
  int threads;
  xgb_params xgb;
} train_options;

static void usage(FILE* out)
{
  fprintf(
      out,
      "usage: malml train -l LABELS -o MODEL [options] CORPUS...\n"
      "CORPUS: directories to scan, or `malml features` output (*.jsonl, - "
      "for\n"
      "stdin); LABELS: TSV of sha256, label (1 malware), group, family, "
      "source.\n"
      "  -v SPLIT     validation: collections (default: each malware\n"
      "               collection held out whole with a package-disjoint\n"
      "               share of the benign packages) or groups (-k group\n"
      "               folds); round counts and thresholds come from it\n"
      "  -k FOLDS     group folds of -v groups and of the group-fold view\n"
      "               printed after collection validation (default 5; 0:\n"
      "               no second view)\n"
      "  -s SEED      seed of the split and of XGBoost (default 1)\n"
      "  -p THREADS   XGBoost and scanning threads (default 2)\n"
      "  -r ROUNDS    most boosting rounds (default 400)\n"
      "  -d DEPTH     tree depth (default 6)\n"
      "  -e ETA       learning rate (default 0.1)\n"
      "  -W WEIGHTS   class (default: the classes weigh the same), groups\n"
      "               (each family or package weighs sqrt(its size), then\n"
      "               the classes are balanced) or toolchains (both classes\n"
      "               weigh the same within each toolchain)\n"
      "  -B           the same as -W toolchains (the 0.1 recipe)\n"
      "  -M WEIGHT    XGBoost min_child_weight (default 1)\n"
      "  -c FRACTION  XGBoost colsample_bytree (default 0.5)\n"
      "  -X PREFIX    train with the features whose name starts with PREFIX\n"
      "               set to missing (repeatable; e.g. filetype.mingw);\n"
      "               -m PREFIX is its deprecated old name (one release)\n"
      "  -w DIR       where the XGBoost JSON models go (default: a new /tmp "
      "dir)\n"
      "  -R DIR       write the out-of-fold report (Markdown + SVG) into DIR\n"
      "  -O FILE      write the out-of-fold scores as TSV\n"
      "  -K           also hold out each benign toolchain kind in turn\n"
      "               (.NET, MinGW, MSVC, ...) and report its FPR at the\n"
      "               chosen cuts (all-features model; costs two fits each)\n"
      "  -F DIR       write each fold's model (DIR/fold-N.malml, with the\n"
      "               shipped thresholds) and the sha256 of the files it\n"
      "               held out (DIR/fold-N.txt), so rules can be measured\n"
      "               on held-out files end to end through yara\n"
      "  -V VERSION   model version text (default malml-" PACKAGE_VERSION
      "-seedN)\n");
}

/* Long on purpose: one case per option, in the order usage() lists them. */
static int parse_options(int argc, char** argv, train_options* o)
{
  int c;
  optind = 1;
  while ((c = getopt(
              argc, argv, "l:o:k:s:p:r:d:e:m:X:w:R:O:F:V:BW:v:M:c:Kh")) != -1)
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
    case 'F':
      o->fold_dir = optarg;
      break;
    case 'K':
      o->kind_view = 1;
      break;
    case 'V':
      o->version = optarg;
      break;
    case 'B':
      o->weighting = TRAIN_WEIGHT_TOOLCHAINS;
      break;
    case 'W':
      if ((o->weighting = train_weighting_parse(optarg)) < 0)
        return usage(stderr), -1;
      break;
    case 'v':
      if (strcmp(optarg, "collections") != 0 && strcmp(optarg, "groups") != 0)
        return usage(stderr), -1;
      o->by_collection = strcmp(optarg, "collections") == 0;
      break;
    case 'M':
      o->xgb.min_child_weight = atof(optarg);
      break;
    case 'c':
      o->xgb.colsample = atof(optarg);
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
  if (o->labels == NULL || o->out == NULL || optind >= argc ||
      (o->folds < 2 && !(o->by_collection && o->folds == 0)) ||
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

/* The validation split: per-row fold, the number of folds, and what each
 * fold holds out. */
typedef struct
{
  int* fold;
  int k;
  const char* names[256];
  char group_names[64][32];
} train_split;

static int make_split(const train_options* o, const dataset* d, train_split* sp)
{
  if ((sp->fold = malloc((d->n ? d->n : 1) * sizeof(int))) == NULL)
    return -1;
  if (o->by_collection)
    return split_by_collection(
        d->source,
        d->group,
        d->y,
        d->n,
        d->ngroups,
        o->xgb.seed,
        sp->fold,
        &sp->k,
        sp->names,
        256);
  sp->k = o->folds;
  for (int f = 0; f < sp->k && f < 64; f++)
  {
    snprintf(sp->group_names[f], 32, "group fold %d", f + 1);
    sp->names[f] = sp->group_names[f];
  }
  return split_group_kfold(
      d->group, d->y, d->n, d->ngroups, o->folds, o->xgb.seed, sp->fold);
}

/* Sum of the five sub-scores per row: the seed's count model. */
static double* sum_of_subscores(const dataset* d, double* const* oof)
{
  double* sum = calloc(d->n ? d->n : 1, sizeof(double));
  for (size_t i = 0; sum && i < d->n; i++)
    for (int g = 0; g < MALML_GROUP_COUNT; g++) sum[i] += oof[g][i];
  return sum;
}

/* Every threshold the module knows, and the held-out scores it cuts. */
typedef struct
{
  report_threshold t[MALML_MODEL_MAX_THRESHOLDS];
  const double* score[MALML_MODEL_MAX_THRESHOLDS];
  int n;
  double* sum;
} train_thresholds;

/* Each cut is chosen on the pooled held-out scores for its target FPR. */
static int
choose_thresholds(const dataset* d, double* const* oof, train_thresholds* th)
{
  const malml_threshold_spec* spec = malml_threshold_specs(&th->n);
  if ((th->sum = sum_of_subscores(d, oof)) == NULL)
    return -1;
  for (int i = 0; i < th->n; i++)
  {
    const double* s =
        spec[i].model == MALML_THRESHOLD_ON_SUM ? th->sum : oof[spec[i].model];
    double v = metrics_threshold_at_fpr(s, d->y, d->n, spec[i].target_fpr);
    th->t[i] =
        (report_threshold){spec[i].name, v, spec[i].target_fpr, spec[i].model};
    th->score[i] = s;
    metrics_confusion c = metrics_confuse(s, d->y, d->n, v);
    fprintf(
        stderr,
        "  threshold %-16s %.6f (target FPR %.1f%%): detection %.1f%%, FPR "
        "%.2f%% held out\n",
        spec[i].name,
        v,
        100 * spec[i].target_fpr,
        100 * metrics_tpr(c),
        100 * metrics_fpr(c));
  }
  return 0;
}

static int train_one(
    const train_options* o,
    const dataset* d,
    const train_split* sp,
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
          sp->fold,
          sp->k,
          keep,
          weight,
          &o->xgb,
          malml_model_name(g),
          o->fold_dir != NULL,
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

/* Sample weights of the chosen recipe; NULL (class balance through
 * scale_pos_weight) for -W class.  *failed is set when out of memory. */
static float*
make_weights(const train_options* o, const dataset* d, int* failed)
{
  *failed = 0;
  if (o->weighting == TRAIN_WEIGHT_CLASS)
    return NULL;
  float* w = malloc((d->n ? d->n : 1) * sizeof(float));
  if (w == NULL)
    *failed = 1;
  else
    train_weights(d, o->weighting, w, stderr);
  return w;
}

static int train_all(
    const train_options* o,
    const dataset* d,
    const train_split* sp,
    const float* weight,
    const char* dir,
    cv_result* r,
    char paths[MODELS][4096])
{
  int rc = 0;
  for (int g = 0; rc == 0 && g < MODELS; g++)
    rc = train_one(o, d, sp, weight, g, dir, &r[g], paths[g]);
  return rc;
}

/* The second view: the all-features model on group folds (families and
 * packages, collections mixed), printed beside the collection figures. */
static int group_view(
    const train_options* o,
    const dataset* d,
    const float* weight,
    double* out)
{
  unsigned char keep[MALML_FEATURE_COUNT];
  train_split sp = {.fold = NULL, .k = o->folds};
  cv_result r = {0};
  fprintf(
      stderr, "second view: %d group folds, all-features model\n", o->folds);
  make_keep(o, MALML_MODEL_ALL, keep);
  int rc = (sp.fold = malloc((d->n ? d->n : 1) * sizeof(int))) ? 0 : -1;
  if (rc == 0)
    rc = split_group_kfold(
        d->group, d->y, d->n, d->ngroups, o->folds, o->xgb.seed, sp.fold);
  if (rc == 0)
    rc = train_cv_model(
        d, sp.fold, sp.k, keep, weight, &o->xgb, "groups", 0, stderr, &r);
  if (rc == 0)
  {
    out[0] = metrics_auc(r.oof, d->y, d->n);
    out[1] = metrics_detection_at_fpr(r.oof, d->y, d->n, 0.01);
    out[2] = metrics_detection_at_fpr(r.oof, d->y, d->n, 0.001);
    print_model_metrics(stderr, d, "groups", &r);
  }
  cv_result_free(&r);
  free(sp.fold);
  return rc;
}

/* -K: the benign-kind-held-out view at the medium and high cuts. */
static int benign_kinds(
    const train_options* o,
    const dataset* d,
    const float* weight,
    const cv_result* r,
    const train_thresholds* th,
    kind_row* kinds,
    int* nkinds)
{
  unsigned char keep[MALML_FEATURE_COUNT];
  const malml_threshold_spec* medium = malml_threshold_spec_find("medium");
  const malml_threshold_spec* high = malml_threshold_spec_find("high");
  double cut[2] = {NAN, NAN};
  for (int i = 0; i < th->n; i++)
  {
    cut[0] = strcmp(th->t[i].name, medium->name) == 0 ? th->t[i].value : cut[0];
    cut[1] = strcmp(th->t[i].name, high->name) == 0 ? th->t[i].value : cut[1];
  }
  make_keep(o, MALML_MODEL_ALL, keep);
  fprintf(
      stderr,
      "benign-kind view: all-features model, %d rounds\n",
      r[MALML_MODEL_ALL].rounds);
  return kind_view(
      d,
      keep,
      weight,
      &o->xgb,
      r[MALML_MODEL_ALL].rounds,
      cut,
      50,
      kinds,
      16,
      nkinds);
}

static const char* weighting_text(train_weighting w)
{
  return w == TRAIN_WEIGHT_TOOLCHAINS ? "classes balanced within each toolchain"
         : w == TRAIN_WEIGHT_GROUPS
             ? "each group weighs sqrt(its size), classes balanced"
             : "classes balanced (scale_pos_weight = benign / malware)";
}

static int write_model(
    const train_options* o,
    const dataset* d,
    const cv_result* r,
    const train_thresholds* th,
    json_t* validation,
    const double* groups,
    char paths[MODELS][4096])
{
  const char* p[MODELS];
  model_threshold mt[MALML_MODEL_MAX_THRESHOLDS];
  char version[128], err[256];
  for (int g = 0; g < MODELS; g++) p[g] = paths[g];
  for (int i = 0; i < th->n; i++)
    mt[i] =
        (model_threshold){th->t[i].name, th->t[i].value, th->t[i].target_fpr};
  snprintf(
      version,
      sizeof(version),
      "malml-%s-seed%llu",
      PACKAGE_VERSION,
      (unsigned long long) o->xgb.seed);
  train_meta m = {
      &o->xgb,
      o->masks,
      o->nmasks,
      weighting_text(o->weighting),
      o->by_collection ? "leave one collection out" : "stratified group k-fold",
      o->folds,
      d,
      r,
      MODELS,
      th->t,
      th->n,
      validation,
      groups};
  char* meta = train_meta_json(&m);
  int rc = meta ? model_build(
                      p,
                      mt,
                      th->n,
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

/* Fold f's model file: each sub-model's fold booster cut at its chosen
 * round count, with the shipped thresholds; and the files it held out. */
static int write_fold(
    const train_options* o,
    const dataset* d,
    const train_split* sp,
    const cv_result* r,
    const train_thresholds* th,
    int f)
{
  char paths[MODELS][4096], out[4096], version[160], err[256];
  const char* p[MODELS];
  model_threshold mt[MALML_MODEL_MAX_THRESHOLDS];
  int rc = 0;
  for (int g = 0; rc == 0 && g < MODELS; g++)
  {
    snprintf(
        paths[g],
        4096,
        "%s/fold-%d-%s.json",
        o->fold_dir,
        f + 1,
        malml_model_name(g));
    p[g] = paths[g];
    rc = xgb_save_rounds(r[g].fold_models[f], r[g].rounds, paths[g]);
  }
  for (int i = 0; i < th->n; i++)
    mt[i] =
        (model_threshold){th->t[i].name, th->t[i].value, th->t[i].target_fpr};
  snprintf(
      version,
      sizeof(version),
      "fold %d of %d: without %.100s",
      f + 1,
      sp->k,
      sp->names[f]);
  snprintf(out, sizeof(out), "%s/fold-%d.malml", o->fold_dir, f + 1);
  if (rc == 0 &&
      model_build(p, mt, th->n, version, "{}", out, err, sizeof(err)) != 0)
  {
    fprintf(stderr, "malml train: %s: %s\n", out, err);
    rc = -1;
  }
  snprintf(out, sizeof(out), "%s/fold-%d.txt", o->fold_dir, f + 1);
  FILE* list = rc == 0 ? fopen(out, "w") : NULL;
  for (size_t i = 0; list && i < d->n; i++)
    if (sp->fold[i] == f)
      fprintf(list, "%s\t%d\n", d->sha256[i], d->y[i]);
  return (list != NULL && fclose(list) == 0) ? 0 : -1;
}

static int write_folds(
    const train_options* o,
    const dataset* d,
    const train_split* sp,
    const cv_result* r,
    const train_thresholds* th)
{
  if (mkdir(o->fold_dir, 0755) != 0 && errno != EEXIST)
  {
    fprintf(stderr, "malml train: %s: %s\n", o->fold_dir, strerror(errno));
    return -1;
  }
  int rc = 0;
  for (int f = 0; rc == 0 && f < sp->k; f++)
    rc = write_fold(o, d, sp, r, th, f);
  if (rc == 0)
    fprintf(stderr, "wrote %d fold models in %s\n", sp->k, o->fold_dir);
  return rc;
}

/* The console summary and, with -R, report.md and its plots, plus the
 * per-collection tables (validation.md). */
static int report(
    const train_options* o,
    const dataset* d,
    double* const* oof,
    const train_thresholds* th,
    const validation_input* v,
    const validation_pooled* p,
    const kind_row* kinds,
    int nkinds)
{
  char title[128];
  snprintf(
      title,
      sizeof(title),
      "Held-out validation (%s, seed %llu)",
      o->by_collection ? "leave one collection out" : "group folds",
      (unsigned long long) o->xgb.seed);
  report_input in = {
      d,
      {0},
      th->t,
      th->n,
      title,
      o->version ? o->version : "",
      "Every score comes from a model that never saw the file's collection "
      "(malware) or package (benign): each fold's model scores its "
      "held-out fold at the round count chosen on all folds.  The shipped "
      "model is refitted on every file."};
  for (int g = 0; g < MODELS; g++) in.score[g] = oof[g];
  report_print(stdout, &in);
  validation_print(stdout, v, p);
  if (nkinds > 0)
    kind_view_print(stdout, kinds, nkinds);
  if (o->report_dir == NULL)
    return 0;
  int rc = report_write(&in, o->report_dir);
  char path[4096];
  snprintf(path, sizeof(path), "%s/validation.md", o->report_dir);
  FILE* f = rc == 0 ? fopen(path, "w") : NULL;
  if (f == NULL)
    return -1;
  validation_print(f, v, p);
  if (nkinds > 0)
    kind_view_print(f, kinds, nkinds);
  return fclose(f) == 0 ? 0 : -1;
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

/* Everything after the data is loaded: split, weigh, fit and validate,
 * choose the thresholds, write the model and the reports. */
static int train_and_write(
    const train_options* o,
    const dataset* d,
    const char* dir,
    cv_result* r)
{
  train_split sp = {.fold = NULL, .k = 0};
  train_thresholds th = {.sum = NULL};
  char paths[MODELS][4096];
  double* oof[MODELS] = {NULL};
  double groups[3] = {NAN, NAN, NAN};
  kind_row kinds[16];
  int nkinds = 0;
  validation_pooled pooled;
  int failed, rc = make_split(o, d, &sp);
  float* weight = rc == 0 ? make_weights(o, d, &failed) : NULL;
  rc = (rc == 0 && !failed) ? train_all(o, d, &sp, weight, dir, r, paths) : -1;
  for (int g = 0; g < MODELS; g++) oof[g] = r[g].oof;
  if (rc == 0)
    rc = choose_thresholds(d, oof, &th);
  validation_input v = {
      d,
      sp.fold,
      sp.k,
      sp.names,
      oof[MALML_MODEL_ALL],
      th.t,
      th.score,
      th.n,
      1000,
      o->xgb.seed};
  if (rc == 0)
    rc = validation_pooled_stats(&v, &pooled);
  if (rc == 0 && o->by_collection && o->folds >= 2)
    rc = group_view(o, d, weight, groups);
  if (rc == 0 && o->kind_view)
    rc = benign_kinds(o, d, weight, r, &th, kinds, &nkinds);
  if (rc == 0)
    rc = write_model(o, d, r, &th, validation_json(&v, &pooled), groups, paths);
  if (rc == 0 && o->oof_path)
    rc = scores_tsv_write(o->oof_path, d, oof, sp.fold);
  if (rc == 0 && o->fold_dir)
    rc = write_folds(o, d, &sp, r, &th);
  if (rc == 0)
    rc = report(o, d, oof, &th, &v, &pooled, kinds, nkinds);
  free(weight);
  free(sp.fold);
  free(th.sum);
  return rc;
}

int cmd_train(int argc, char** argv)
{
  train_options o = {
      .folds = 5,
      .threads = 2,
      .by_collection = 1,
      .weighting = TRAIN_WEIGHT_CLASS,
      .xgb = {6, 0.1, 0.8, 0.5, 1.0, 1.0, 400, 10, 2, 1}};
  dataset d = {0};
  cv_result r[MODELS] = {{0}};
  char dir[4096] = "/tmp/malml-train-XXXXXX";
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
  rc = load(&o, argv + optind, argc - optind, &d);
  if (rc == 0)
    rc = train_and_write(&o, &d, dir, r);
  fprintf(
      stderr,
      "training took %ld s; XGBoost models in %s\n",
      (long) (time(NULL) - start),
      dir);
  for (int g = 0; g < MODELS; g++) cv_result_free(&r[g]);
  dataset_free(&d);
  return rc == 0 ? 0 : 1;
}
