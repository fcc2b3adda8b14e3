#include "model/train/train_run.h"

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
#include "config.h"
#include "model/train/dataset.h"
#include "model/train/kind_view.h"
#include "model/train/metrics.h"
#include "model/train/model_build.h"
#include "model/train/report.h"
#include "model/train/scores_tsv.h"
#include "model/train/train_cv.h"
#include "model/train/train_meta.h"
#include "model/train/training_list.h"
#include "model/train/train_split.h"
#include "model/train/train_weights.h"
#include "model/train/train_xgb.h"
#include "model/train/validation.h"

#define MODELS MALML_MODEL_COUNT

int train_make_keep(const train_options* o, int g, unsigned char* keep)
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

/* Over the files sub-model `model`'s score counts for (the dotnet one's:
 * .NET files). */
static void print_model_metrics(
    FILE* log,
    const dataset* d,
    const char* name,
    int model,
    const cv_result* r)
{
  double m[3];
  report_model_metrics(d, model, r->oof, m);
  fprintf(
      log,
      "  %-8s out-of-fold AUC %.4f, detection %.1f%% at 1%% FPR, %.1f%% at "
      "0.1%% FPR (%d rounds)%s\n",
      name,
      m[0],
      100 * m[1],
      100 * m[2],
      r->rounds,
      malml_model_applies_feature(model) < 0 ? "" : ", on the files it scores");
  fflush(log);
}

int train_make_split(const train_options* o, const dataset* d, train_split* sp)
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

/* Sum of the MALML_COUNT_GROUPS sub-scores per row: the seed's count
 * model. */
static double* sum_of_subscores(const dataset* d, double* const* oof)
{
  double* sum = calloc(d->n ? d->n : 1, sizeof(double));
  for (size_t i = 0; sum && i < d->n; i++)
    for (int g = 0; g < MALML_COUNT_GROUPS; g++) sum[i] += oof[g][i];
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

/* The rows a threshold applies to, with each benign row's ecosystem. */
typedef struct
{
  double* s;
  int* y;
  int* eco;
  int* eco_of_row; /* per dataset row */
  char names[16][16];
  int neco;
} threshold_rows;

static size_t applicable(
    const dataset* d,
    int model,
    const double* s,
    threshold_rows* r)
{
  size_t m = 0;
  for (size_t i = 0; i < d->n; i++)
    if (report_row_applies(d, model, s, i))
    {
      r->s[m] = s[i];
      r->y[m] = d->y[i];
      r->eco[m++] = r->eco_of_row[i];
    }
  return m;
}

/* Each cut is chosen on the pooled held-out scores of the files its score
 * applies to, for its target FPR.  With --ecosystem-cuts it is raised
 * until no benign ecosystem with at least 10/FPR of those files is
 * flagged above the target either.  Off by default: on the 0.4 corpus the
 * npm packages (innosetup-compiler, nircmd, 7zip, node-notifier) set
 * `high` where it found 3% of the malware; the card states each rule's
 * rate per ecosystem instead. */
static void choose_one(
    const dataset* d,
    const malml_threshold_spec* spec,
    const double* s,
    threshold_rows* r,
    int per_ecosystem,
    report_threshold* t)
{
  size_t m = applicable(d, spec->model, s, r);
  int worst = -1;
  double v =
      per_ecosystem
          ? metrics_threshold_every_stratum(
                r->s,
                r->y,
                r->eco,
                m,
                spec->target_fpr,
                (size_t) ceil(10.0 / spec->target_fpr - 1e-9),
                &worst)
          : metrics_threshold_at_fpr(r->s, r->y, m, spec->target_fpr);
  *t = (report_threshold){spec->name, v, spec->target_fpr, spec->model};
  metrics_confusion c = metrics_confuse(r->s, r->y, m, v);
  fprintf(
      stderr,
      "  threshold %-16s %.6f (target FPR %.1f%%%s%s): detection %.1f%%, "
      "FPR %.2f%% held out\n",
      spec->name,
      v,
      100 * spec->target_fpr,
      worst >= 0 ? ", set by " : "",
      worst >= 0 ? r->names[worst] : "",
      100 * metrics_tpr(c),
      100 * metrics_fpr(c));
}

/* A stricter tier of one score is never below a looser one: an ecosystem
 * too small to set the 1% cut (fewer than 100 files) can still set the 5%
 * cut, and a cut where it exceeds 5% exceeds 1% too. */
static void nest_tiers(train_thresholds* th)
{
  /* Three tiers a score: two passes settle a chain low > medium > high. */
  for (int pass = 0; pass < 2; pass++)
  for (int i = 0; i < th->n; i++)
    for (int j = 0; j < th->n; j++)
    {
      report_threshold *a = &th->t[i], *b = &th->t[j];
      if (a->model != b->model || a->target_fpr >= b->target_fpr ||
          !(b->value > a->value))
        continue;
      fprintf(
          stderr,
          "  threshold %-16s raised to %s's %.6f (tiers nest)\n",
          a->name,
          b->name,
          b->value);
      a->value = b->value;
    }
}

static int
choose_thresholds(
    const dataset* d,
    double* const* oof,
    int per_ecosystem,
    train_thresholds* th)
{
  const malml_threshold_spec* spec = malml_threshold_specs(&th->n);
  size_t sz = d->n ? d->n : 1;
  threshold_rows r;
  memset(&r, 0, sizeof(r));
  r.s = malloc(sz * sizeof(double));
  r.y = malloc(sz * sizeof(int));
  r.eco = malloc(sz * sizeof(int));
  r.eco_of_row = dataset_ecosystems(d, r.names, 16, &r.neco);
  int rc = r.s && r.y && r.eco && r.eco_of_row &&
                   (th->sum = sum_of_subscores(d, oof)) != NULL
               ? 0
               : -1;
  for (int i = 0; rc == 0 && i < th->n; i++)
  {
    const double* s =
        spec[i].model == MALML_THRESHOLD_ON_SUM ? th->sum : oof[spec[i].model];
    choose_one(d, &spec[i], s, &r, per_ecosystem, &th->t[i]);
    th->score[i] = s;
  }
  if (rc == 0)
    nest_tiers(th);
  free(r.s);
  free(r.y);
  free(r.eco);
  free(r.eco_of_row);
  return rc;
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
  int masked = train_make_keep(o, g, keep);
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
          o->fold_dir != NULL ? CV_KEEP_FOLDS : 0,
          stderr,
          r))
    return -1;
  print_model_metrics(stderr, d, malml_model_name(g), g, r);
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
  train_make_keep(o, MALML_MODEL_ALL, keep);
  int rc = (sp.fold = malloc((d->n ? d->n : 1) * sizeof(int))) ? 0 : -1;
  if (rc == 0)
    rc = split_group_kfold(
        d->group, d->y, d->n, d->ngroups, o->folds, o->xgb.seed, sp.fold);
  if (rc == 0)
    rc = train_cv_model(
        d,
        sp.fold,
        sp.k,
        keep,
        weight,
        &o->xgb,
        "groups",
        CV_NO_FINAL,
        stderr,
        &r);
  if (rc == 0)
  {
    out[0] = metrics_auc(r.oof, d->y, d->n);
    out[1] = metrics_detection_at_fpr(r.oof, d->y, d->n, 0.01);
    out[2] = metrics_detection_at_fpr(r.oof, d->y, d->n, 0.001);
    print_model_metrics(stderr, d, "groups", MALML_MODEL_ALL, &r);
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
  double cut[2] = {NAN, NAN};
  for (int i = 0; i < th->n; i++)
  {
    cut[0] = strcmp(th->t[i].name, "medium") == 0 ? th->t[i].value : cut[0];
    cut[1] = strcmp(th->t[i].name, "high") == 0 ? th->t[i].value : cut[1];
  }
  train_make_keep(o, MALML_MODEL_ALL, keep);
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
      32,
      nkinds);
}

static const char* weighting_text(train_weighting w)
{
  return w == TRAIN_WEIGHT_KINDS
             ? "both classes given the same mix of kinds (DLL/EXE, 32/64-bit, "
               ".NET/native), then classes balanced"
         : w == TRAIN_WEIGHT_TOOLCHAINS ? "classes balanced within each toolchain"
         : w == TRAIN_WEIGHT_GROUPS
             ? "each group weighs sqrt(its size), classes balanced"
             : "classes balanced (scale_pos_weight = benign / malware)";
}

/* One model file from six XGBoost JSON models and the chosen thresholds:
 * the shipped model and each fold's model are written the same way. */
/* The share of benign training files under threshold.familiar: the files
 * the model "cannot vouch for" are those whose paths rest on fewer benign
 * training files than those of the 1% least familiar of its own. */
#define FAMILIAR_SHARE 0.01

static int build_model_file(
    const char* const paths[MODELS],
    const model_rows* rows,
    const train_thresholds* th,
    const char* version,
    const char* meta,
    const char* out)
{
  model_threshold mt[MALML_MODEL_MAX_THRESHOLDS];
  char err[256];
  for (int i = 0; i < th->n; i++)
    mt[i] =
        (model_threshold){th->t[i].name, th->t[i].value, th->t[i].target_fpr};
  if (meta == NULL)
    snprintf(err, sizeof(err), "out of memory");
  else if (
      model_build_counted(
          paths, rows, mt, th->n, version, meta, out, err, sizeof(err)) == 0)
  {
    fprintf(stderr, "wrote %s\n", out);
    return 0;
  }
  fprintf(stderr, "malml train: %s: %s\n", out, err);
  return -1;
}

static int write_model(
    const train_options* o,
    const dataset* d,
    const cv_result* r,
    const train_thresholds* th,
    json_t* validation,
    const double* groups,
    const char* const p[MODELS])
{
  char version[128];
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
      th->score,
      validation,
      groups,
      o->trainer};
  char* meta = train_meta_json(&m);
  /* Counts need the vectors: a model fitted elsewhere has none. */
  model_rows rows = {d->x, d->y, NULL, d->n, FAMILIAR_SHARE};
  int rc = build_model_file(
      p,
      d->x != NULL ? &rows : NULL,
      th,
      o->version ? o->version : version,
      meta,
      o->out);
  free(meta);
  /* Beside it, the files it was fitted on: `malml eval` warns when it is
   * given them (training_list.h). */
  if (rc == 0)
    rc = training_list_write(
        o->out, o->version ? o->version : version, d, NULL, d->n);
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
  char paths[MODELS][4096], out[4096], version[160];
  const char* p[MODELS];
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
  snprintf(
      version,
      sizeof(version),
      "fold %d of %d: without %.100s",
      f + 1,
      sp->k,
      sp->names[f]);
  snprintf(out, sizeof(out), "%s/fold-%d.malml", o->fold_dir, f + 1);
  /* The fold model's counts come from the rows it was fitted on. */
  size_t* index = malloc((d->n ? d->n : 1) * sizeof(size_t));
  model_rows rows = {d->x, d->y, index, 0, FAMILIAR_SHARE};
  for (size_t i = 0; index != NULL && i < d->n; i++)
    if (sp->fold[i] != f)
      index[rows.n++] = i;
  if (rc == 0)
    rc = index != NULL ? build_model_file(
                             p, d->x ? &rows : NULL, th, version, "{}", out)
                       : -1;
  if (rc == 0 && index != NULL)
    rc = training_list_write(out, version, d, index, rows.n);
  free(index);
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

/*
 * Cuts that the data cannot support, said on stderr and in the report: a
 * target FPR below one benign file (50 benign files cannot measure 0.1%),
 * and tiers of one score that came out equal.  Appends to buf; returns how
 * many.
 */
static int threshold_warnings(
    const dataset* d,
    const train_thresholds* th,
    char* buf,
    size_t size)
{
  size_t benign = dataset_count(d, 0), len = strlen(buf);
  int n = 0;
  char w[512];
  for (int i = 0; i < th->n; i++)
  {
    const report_threshold* t = &th->t[i];
    w[0] = '\0';
    if (metrics_fpr_supported(benign, t->target_fpr, METRICS_FILES_PER_FP) <=
        METRICS_FPR_BELOW)
      snprintf(
          w,
          sizeof(w),
          "threshold %s targets %.1f%% FPR but there are only %zu benign "
          "files: 1/%zu = %.2f%% is the least FPR they can measure, so this "
          "cut and its detection figure mean little",
          t->name,
          100 * t->target_fpr,
          benign,
          benign,
          100.0 / (double) benign);
    else if (
        i > 0 && th->t[i - 1].model == t->model &&
        th->t[i - 1].value == t->value)
      snprintf(
          w,
          sizeof(w),
          "thresholds %s and %s are the same value (%.6f): too few files "
          "between their target FPRs to tell the tiers apart",
          th->t[i - 1].name,
          t->name,
          t->value);
    if (w[0] == '\0')
      continue;
    fprintf(stderr, "malml train: warning: %s\n", w);
    len += (size_t) snprintf(
        buf + len, len < size ? size - len : 0, "\n\n**Warning:** %s.", w);
    n++;
  }
  return n;
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
  static char note[8192] =
      "Every score comes from a model that never saw the file's collection "
      "(malware) or package (benign): each fold's model scores its "
      "held-out fold at the round count chosen on all folds.  The shipped "
      "model is refitted on every file.";
  threshold_warnings(d, th, note, sizeof(note));
  report_input in = {
      d, {0}, th->t, th->n, title, o->version ? o->version : "", note};
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

/* Everything after the data is loaded: split, weigh, fit and validate,
 * then train_finish. */
int train_run(
    const train_options* o,
    const dataset* d,
    const char* dir,
    cv_result* r)
{
  train_split sp = {.fold = NULL, .k = 0};
  char paths[MODELS][4096];
  const char* p[MODELS];
  int failed, rc = train_make_split(o, d, &sp);
  float* weight = rc == 0 ? make_weights(o, d, &failed) : NULL;
  rc = (rc == 0 && !failed) ? train_all(o, d, &sp, weight, dir, r, paths) : -1;
  for (int g = 0; g < MODELS; g++) p[g] = paths[g];
  if (rc == 0)
    rc = train_finish(o, d, &sp, weight, r, p);
  free(weight);
  free(sp.fold);
  return rc;
}

/* The views that refit (group folds, benign kinds) need the vectors, so a
 * run whose models came from elsewhere (d->x NULL) goes without them. */
int train_finish(
    const train_options* o,
    const dataset* d,
    const train_split* sp,
    const float* weight,
    const cv_result* r,
    const char* const paths[MALML_MODEL_COUNT])
{
  train_thresholds th = {.sum = NULL};
  double* oof[MODELS] = {NULL};
  double groups[3] = {NAN, NAN, NAN};
  kind_row kinds[32];
  int nkinds = 0;
  validation_pooled pooled;
  for (int g = 0; g < MODELS; g++) oof[g] = r[g].oof;
  int rc = choose_thresholds(d, oof, o->ecosystem_cuts, &th);
  validation_input v = {
      d,
      sp->fold,
      sp->k,
      sp->names,
      oof[MALML_MODEL_ALL],
      th.t,
      th.score,
      th.n,
      1000,
      o->xgb.seed};
  if (rc == 0)
    rc = validation_pooled_stats(&v, &pooled);
  if (rc == 0 && d->x && o->by_collection && o->folds >= 2)
    rc = group_view(o, d, weight, groups);
  if (rc == 0 && d->x && o->kind_view)
    rc = benign_kinds(o, d, weight, r, &th, kinds, &nkinds);
  if (rc == 0)
    rc = write_model(o, d, r, &th, validation_json(&v, &pooled), groups, paths);
  if (rc == 0 && o->oof_path)
    rc = scores_tsv_write(o->oof_path, d, oof, sp->fold);
  if (rc == 0 && o->fold_dir)
    rc = write_folds(o, d, sp, r, &th);
  if (rc == 0)
    rc = report(o, d, oof, &th, &v, &pooled, kinds, nkinds);
  free(th.sum);
  return rc;
}
