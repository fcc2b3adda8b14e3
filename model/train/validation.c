#include "model/train/validation.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "model/train/metrics.h"

static double stat_auc(const double* s, const int* y, size_t n, void* ctx)
{
  return metrics_auc(s, y, n);
}

static double stat_detection(const double* s, const int* y, size_t n, void* c)
{
  return metrics_detection_at_fpr(s, y, n, *(const double*) c);
}

static int pooled_stat(
    const validation_input* v,
    metrics_statistic f,
    double fpr,
    validation_stat* out)
{
  const dataset* d = v->d;
  out->value = f(v->score, d->y, d->n, &fpr);
  return metrics_group_bootstrap(
      v->score,
      d->y,
      d->group,
      d->n,
      d->ngroups,
      v->reps,
      v->seed,
      f,
      &fpr,
      out->ci);
}

int validation_pooled_stats(const validation_input* v, validation_pooled* p)
{
  if (pooled_stat(v, stat_auc, 0, &p->auc) != 0 ||
      pooled_stat(v, stat_detection, 0.01, &p->det_1pct) != 0 ||
      pooled_stat(v, stat_detection, 0.001, &p->det_01pct) != 0)
    return -1;
  return 0;
}

/* Whether threshold t's score applies to row i (malml_model_applies: the
 * dotnet tiers count .NET files only). */
static int applies(const validation_input* v, int t, size_t i)
{
  return report_row_applies(
      v->d, v->thresholds[t].model, v->threshold_score[t], i);
}

/* Threshold t's confusion matrix over the rows it applies to, in fold f
 * (f < 0: every fold). */
static metrics_confusion confusion_in(const validation_input* v, int t, int f)
{
  metrics_confusion c = {0, 0, 0, 0};
  for (size_t i = 0; i < v->d->n; i++)
  {
    if ((f >= 0 && v->fold[i] != f) || !applies(v, t, i))
      continue;
    int hit = v->threshold_score[t][i] >= v->thresholds[t].value;
    if (v->d->y[i])
      hit ? c.tp++ : c.fn++;
    else
      hit ? c.fp++ : c.tn++;
  }
  return c;
}

/* One held-out fold's numbers: its collection against all held-out benign
 * files (AUC), detected at the pooled cuts, and its own benign files' FPR
 * at each threshold. */
typedef struct
{
  size_t malware, benign;
  double auc, det_1pct, det_01pct;
  double* fpr; /* per threshold */
} fold_row;

static void fold_numbers(
    const validation_input* v,
    int f,
    const double cut[2],
    double* scratch_s,
    int* scratch_y,
    fold_row* r)
{
  const dataset* d = v->d;
  size_t m = 0, det1 = 0, det01 = 0;
  r->malware = r->benign = 0;
  for (size_t i = 0; i < d->n; i++)
  {
    int in = v->fold[i] == f;
    if (d->y[i] && !in)
      continue;
    scratch_s[m] = v->score[i];
    scratch_y[m++] = d->y[i];
    r->malware += d->y[i] && in;
    r->benign += !d->y[i] && in;
    det1 += d->y[i] && v->score[i] >= cut[0];
    det01 += d->y[i] && v->score[i] >= cut[1];
  }
  r->auc = metrics_auc(scratch_s, scratch_y, m);
  r->det_1pct = r->malware ? (double) det1 / r->malware : NAN;
  r->det_01pct = r->malware ? (double) det01 / r->malware : NAN;
  for (int t = 0; t < v->nthresholds; t++)
    r->fpr[t] = metrics_fpr(confusion_in(v, t, f));
}

/* Every fold's row; NULL when out of memory.  Free with rows_free. */
static fold_row* fold_rows(const validation_input* v)
{
  const dataset* d = v->d;
  fold_row* rows = calloc(v->k, sizeof(*rows));
  double* fpr = calloc((size_t) v->k * (v->nthresholds + 1), sizeof(double));
  double* s = malloc((d->n ? d->n : 1) * sizeof(double));
  int* y = malloc((d->n ? d->n : 1) * sizeof(int));
  double cut[2] = {
      metrics_threshold_at_fpr(v->score, d->y, d->n, 0.01),
      metrics_threshold_at_fpr(v->score, d->y, d->n, 0.001)};
  for (int f = 0; rows && fpr && s && y && f < v->k; f++)
  {
    rows[f].fpr = fpr + (size_t) f * (v->nthresholds + 1);
    fold_numbers(v, f, cut, s, y, &rows[f]);
  }
  free(s);
  free(y);
  if (rows == NULL || fpr == NULL || s == NULL || y == NULL)
  {
    free(rows);
    free(fpr);
    return NULL;
  }
  return rows;
}

static void rows_free(fold_row* rows)
{
  if (rows != NULL)
    free(rows[0].fpr);
  free(rows);
}

static int by_double(const void* a, const void* b)
{
  double x = *(const double*) a, y = *(const double*) b;
  return (x > y) - (x < y);
}

/* Minimum, median and maximum over the folds of threshold t's FPR. */
static void fpr_spread(const fold_row* rows, int k, int t, double out[3])
{
  double v[256];
  int n = 0;
  for (int f = 0; f < k && n < 256; f++)
    if (!isnan(rows[f].fpr[t]))
      v[n++] = rows[f].fpr[t];
  qsort(v, n, sizeof(double), by_double);
  out[0] = n ? v[0] : NAN;
  out[1] = n ? (n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2) : NAN;
  out[2] = n ? v[n - 1] : NAN;
}

static void print_pooled(FILE* out, const validation_pooled* p)
{
  fprintf(
      out,
      "| pooled held-out scores | value | 95%% interval (group bootstrap) |\n"
      "|---|---:|---|\n"
      "| ROC AUC | %.4f | %.4f – %.4f |\n"
      "| detection at 1%% FPR | %.1f%% | %.1f%% – %.1f%% |\n"
      "| detection at 0.1%% FPR | %.1f%% | %.1f%% – %.1f%% |\n\n",
      p->auc.value,
      p->auc.ci[0],
      p->auc.ci[1],
      100 * p->det_1pct.value,
      100 * p->det_1pct.ci[0],
      100 * p->det_1pct.ci[1],
      100 * p->det_01pct.value,
      100 * p->det_01pct.ci[0],
      100 * p->det_01pct.ci[1]);
}

static void
print_collections(FILE* out, const validation_input* v, const fold_row* rows)
{
  fprintf(
      out,
      "| held-out collection | malware | benign held out with it | AUC | "
      "detected at the 1%% cut | at the 0.1%% cut | benign FPR at "
      "`medium` | at `high` |\n|---|---:|---:|---:|---:|---:|---:|---:|\n");
  int medium = -1, high = -1;
  for (int t = 0; t < v->nthresholds; t++)
  {
    medium = strcmp(v->thresholds[t].name, "medium") == 0 ? t : medium;
    high = strcmp(v->thresholds[t].name, "high") == 0 ? t : high;
  }
  for (int f = 0; f < v->k; f++)
    fprintf(
        out,
        "| %s | %zu | %zu | %.4f | %.1f%% | %.1f%% | %.2f%% | %.2f%% |\n",
        v->fold_names[f],
        rows[f].malware,
        rows[f].benign,
        rows[f].auc,
        100 * rows[f].det_1pct,
        100 * rows[f].det_01pct,
        medium >= 0 ? 100 * rows[f].fpr[medium] : NAN,
        high >= 0 ? 100 * rows[f].fpr[high] : NAN);
  fprintf(out, "\n");
}

static void
print_thresholds(FILE* out, const validation_input* v, const fold_row* rows)
{
  fprintf(
      out,
      "| threshold | value | target FPR | pooled FPR | detection | fold FPR "
      "min / median / max |\n|---|---:|---:|---:|---:|---|\n");
  for (int t = 0; t < v->nthresholds; t++)
  {
    metrics_confusion c = confusion_in(v, t, -1);
    double spread[3];
    fpr_spread(rows, v->k, t, spread);
    fprintf(
        out,
        "| `%s` | %.6f | %.1f%% | %.2f%% | %.1f%% | %.2f%% / %.2f%% / %.2f%% "
        "|\n",
        v->thresholds[t].name,
        v->thresholds[t].value,
        100 * v->thresholds[t].target_fpr,
        100 * metrics_fpr(c),
        100 * metrics_tpr(c),
        100 * spread[0],
        100 * spread[1],
        100 * spread[2]);
  }
  fprintf(out, "\n");
}

void validation_print(
    FILE* out,
    const validation_input* v,
    const validation_pooled* p)
{
  fold_row* rows = fold_rows(v);
  if (rows == NULL)
  {
    fprintf(out, "(validation tables: out of memory)\n");
    return;
  }
  fprintf(
      out,
      "## Leave-one-collection-out validation\n\n"
      "Each malware collection is held out whole, with a package-disjoint "
      "share of the benign packages; every file is scored once, by the "
      "model that never saw its collection or package.  Cuts are chosen "
      "on the pooled held-out benign scores.\n\n");
  print_pooled(out, p);
  print_collections(out, v, rows);
  print_thresholds(out, v, rows);
  rows_free(rows);
}

json_t* validation_json(const validation_input* v, const validation_pooled* p)
{
  fold_row* rows = fold_rows(v);
  json_t* cols = json_object();
  for (int f = 0; rows && cols && f < v->k; f++)
    json_object_set_new(
        cols,
        v->fold_names[f],
        json_pack(
            "{s:I, s:f, s:f}",
            "malware",
            (json_int_t) rows[f].malware,
            "auc",
            isnan(rows[f].auc) ? -1.0 : rows[f].auc,
            "detection_at_1pct_fpr",
            rows[f].det_1pct));
  rows_free(rows);
  return json_pack(
      "{s:s, s:[f,f,f], s:[f,f,f], s:[f,f,f], s:o}",
      "protocol",
      "leave one malware collection out, with a package-disjoint share of "
      "the benign packages; 95% group-bootstrap intervals",
      "auc",
      p->auc.value,
      p->auc.ci[0],
      p->auc.ci[1],
      "detection_at_1pct_fpr",
      p->det_1pct.value,
      p->det_1pct.ci[0],
      p->det_1pct.ci[1],
      "detection_at_0.1pct_fpr",
      p->det_01pct.value,
      p->det_01pct.ci[0],
      p->det_01pct.ci[1],
      "collections",
      cols);
}
