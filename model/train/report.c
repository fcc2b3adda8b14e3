#include "model/train/report.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "model/train/metrics.h"
#include "model/train/report_svg.h"
#include "model/train/report_views.h"

#define MODELS (MALML_GROUP_COUNT + 1)

/* Row names: the sub-model's, "all (malml.score)" for the all-features. */
static const char* model_name(int g)
{
  return g == MALML_MODEL_ALL ? "all (malml.score)" : malml_model_name(g);
}

/* One sub-model's scores, or the sub-score sum. */
double* report_threshold_scores(
    const report_input* r,
    const report_threshold* t)
{
  const dataset* d = r->d;
  double* s = malloc((d->n ? d->n : 1) * sizeof(double));
  for (size_t i = 0; s && i < d->n; i++)
  {
    int on_sum = t->model == MALML_THRESHOLD_ON_SUM;
    s[i] = on_sum ? 0 : r->score[t->model][i];
    for (int g = 0; on_sum && g < MALML_COUNT_GROUPS; g++)
      s[i] += r->score[g][i];
  }
  return s;
}

int report_row_applies(const dataset* d, int model, const double* s, size_t i)
{
  if (model == MALML_THRESHOLD_ON_SUM)
    return 1;
  if (d->x == NULL)
    return !isnan(s[i]);
  return malml_model_applies(model, d->x + i * MALML_FEATURE_COUNT);
}

size_t report_applicable_rows(
    const dataset* d,
    int model,
    const double* s,
    double* s_out,
    int* y_out)
{
  size_t m = 0;
  for (size_t i = 0; i < d->n; i++)
    if (report_row_applies(d, model, s, i))
    {
      s_out[m] = s[i];
      y_out[m++] = d->y[i];
    }
  return m;
}

void report_model_metrics(
    const dataset* d,
    int model,
    const double* s,
    double m[3])
{
  size_t n = d->n ? d->n : 1;
  double* ss = malloc(n * sizeof(double));
  int* yy = malloc(n * sizeof(int));
  m[0] = m[1] = m[2] = NAN;
  if (ss != NULL && yy != NULL)
  {
    size_t k = report_applicable_rows(d, model, s, ss, yy);
    m[0] = metrics_auc(ss, yy, k);
    m[1] = metrics_detection_at_fpr(ss, yy, k, 0.01);
    m[2] = metrics_detection_at_fpr(ss, yy, k, 0.001);
  }
  free(ss);
  free(yy);
}

/* Confusion matrix of threshold t over the files its score applies to; -1
 * when out of memory. */
static int confusion_at(
    const report_input* r,
    const report_threshold* t,
    metrics_confusion* c)
{
  double* s = report_threshold_scores(r, t);
  size_t n = r->d->n ? r->d->n : 1;
  double* ss = malloc(n * sizeof(double));
  int* yy = malloc(n * sizeof(int));
  int rc = -1;
  if (s != NULL && ss != NULL && yy != NULL)
  {
    size_t k = report_applicable_rows(r->d, t->model, s, ss, yy);
    *c = metrics_confuse(ss, yy, k, t->value);
    rc = 0;
  }
  free(s);
  free(ss);
  free(yy);
  return rc;
}

static double* subscore_sum(const report_input* r)
{
  report_threshold t = {"sum", 0, 0, MALML_THRESHOLD_ON_SUM};
  return report_threshold_scores(r, &t);
}

/* Rows of the metrics table: the all-features score, each sub-score, then
 * the sum of the sub-scores (the seed's count model).  Returns the scores of
 * row k (sum: the caller's array) and sets *name and *model (the sub-model,
 * or MALML_THRESHOLD_ON_SUM). */
#define ROWS (MODELS + 1)
static const double* row_scores(
    const report_input* r,
    const double* sum,
    int k,
    const char** name,
    int* model)
{
  if (k == 0)
  {
    *name = model_name(MALML_GROUP_COUNT);
    *model = MALML_MODEL_ALL;
    return r->score[MALML_GROUP_COUNT];
  }
  if (k == ROWS - 1)
  {
    *name = "sum of sub-scores";
    *model = MALML_THRESHOLD_ON_SUM;
    return sum;
  }
  *name = model_name(k - 1);
  *model = k - 1;
  return r->score[k - 1];
}

static void print_families(FILE* out, const report_input* r);

/* A rate as "12.3%", or "n/a" when the class it is over has no files (a
 * corpus of one class has no detection, AUC or FPR to speak of, and "nan%"
 * reads as a bug). */
static const char* pct(double rate, int decimals, char buf[24])
{
  if (isnan(rate))
    return "n/a";
  snprintf(buf, 24, "%.*f%%", decimals, 100 * rate);
  return buf;
}

static const char* num4(double x, char buf[24])
{
  if (isnan(x))
    return "n/a";
  snprintf(buf, 24, "%.4f", x);
  return buf;
}

void report_print(FILE* out, const report_input* r)
{
  const dataset* d = r->d;
  double* sum = subscore_sum(r);
  const char* name;
  fprintf(
      out,
      "%s: %zu files (%zu malware, %zu benign)\n",
      r->title,
      d->n,
      dataset_count(d, 1),
      dataset_count(d, 0));
  fprintf(
      out,
      "  %-18s %8s %12s %12s\n",
      "score",
      "AUC",
      "det@1%FPR",
      "det@0.1%FPR");
  char a[24], b[24], c3[24];
  int model;
  for (int k = 0; sum != NULL && k < ROWS; k++)
  {
    const double* s = row_scores(r, sum, k, &name, &model);
    double m[3];
    report_model_metrics(r->d, model, s, m);
    fprintf(
        out,
        "  %-18s %8s %12s %12s%s\n",
        name,
        num4(m[0], a),
        pct(m[1], 1, b),
        pct(m[2], 1, c3),
        model == MALML_GROUP_DOTNET ? "  (.NET files only)" : "");
  }
  if (dataset_count(d, 1) == 0)
    fprintf(out, "  (no malware files: AUC and detection are not defined)\n");
  else if (dataset_count(d, 0) == 0)
    fprintf(out, "  (no benign files: AUC and FPR are not defined)\n");
  free(sum);
  for (int i = 0; i < r->nthresholds; i++)
  {
    const report_threshold* t = &r->thresholds[i];
    metrics_confusion c;
    if (confusion_at(r, t, &c) != 0)
      continue;
    fprintf(
        out,
        "  threshold %-6s >= %-9.6f TP %5zu FN %5zu FP %5zu TN %5zu  detection "
        "%6s  FPR %s (chosen for %.1f%%)\n",
        t->name,
        t->value,
        c.tp,
        c.fn,
        c.fp,
        c.tn,
        pct(metrics_tpr(c), 1, a),
        pct(metrics_fpr(c), 2, b),
        100 * t->target_fpr);
  }
  print_families(out, r);
}

/* ---- Markdown ------------------------------------------------------- */

const report_threshold* report_find_threshold(
    const report_input* r,
    const char* name)
{
  for (int i = 0; i < r->nthresholds; i++)
    if (strcmp(r->thresholds[i].name, name) == 0)
      return &r->thresholds[i];
  return NULL;
}

/* The named threshold, or the first one: a model file may name its cuts
 * otherwise, and the report still shows something. */
static const report_threshold* find_threshold(
    const report_input* r,
    const char* name)
{
  const report_threshold* t = report_find_threshold(r, name);
  return t != NULL ? t : (r->nthresholds > 0 ? &r->thresholds[0] : NULL);
}

static void md_headline(FILE* f, const report_input* r, const double* sum)
{
  const char* name;
  fprintf(
      f,
      "| score | ROC AUC | detection at 1%% FPR | detection at 0.1%% FPR |\n"
      "|---|---:|---:|---:|\n");
  for (int k = 0; k < ROWS; k++)
  {
    int model;
    const double* s = row_scores(r, sum, k, &name, &model);
    char a[24], b[24], c[24];
    double m[3];
    report_model_metrics(r->d, model, s, m);
    fprintf(
        f,
        "| %s%s | %s | %s | %s |\n",
        name,
        model == MALML_GROUP_DOTNET ? " (.NET files only)" : "",
        num4(m[0], a),
        pct(m[1], 1, b),
        pct(m[2], 1, c));
  }
  fprintf(
      f,
      "\nDetection at a given FPR uses the threshold that these very scores "
      "allow (the best case); the shipped thresholds below are fixed.\n\n");
}

static void md_thresholds(FILE* f, const report_input* r)
{
  char a[24], b[24];
  fprintf(
      f,
      "| threshold | cuts | value | chosen for FPR | TP | FN | FP | TN | "
      "detection "
      "| FPR |\n|---|---|---:|---:|---:|---:|---:|---:|---:|---:|\n");
  for (int i = 0; i < r->nthresholds; i++)
  {
    const report_threshold* t = &r->thresholds[i];
    metrics_confusion c;
    if (confusion_at(r, t, &c) != 0)
      continue;
    fprintf(
        f,
        "| `%s` | %s | %.6f | %.1f%% | %zu | %zu | %zu | %zu | %s | %s "
        "|\n",
        t->name,
        t->model == MALML_THRESHOLD_ON_SUM ? "sum of the five sub-scores"
                                           : malml_model_score_field(t->model),
        t->value,
        100 * t->target_fpr,
        c.tp,
        c.fn,
        c.fp,
        c.tn,
        pct(metrics_tpr(c), 1, a),
        pct(metrics_fpr(c), 2, b));
  }
  fprintf(f, "\n");
}

/* Toolchain and platform tokens: the corpus classes differ in them (benign
 * rich in .NET and MinGW, malware in MSVC/Delphi/VB i386), so a model that
 * learned the toolchain instead of the behaviour shows up here as a slice
 * with many false positives or a slice it cannot detect. */
static const char* const slices[] = {
    "dotnet", "mingw",        "rich_header",   "delphi",        "visual_basic",
    "go",     "machine_i386", "machine_amd64", "machine_arm64", "pe32plus",
    "dll",    "exe",          "driver",        "efi",           "nsis",
    "inno",   "sfx_archive",  "upx",           "signed",        "overlay"};

static void md_slice_row(
    FILE* f,
    const report_input* r,
    const double* s,
    const char* name,
    int col,
    int want,
    double thr)
{
  const dataset* d = r->d;
  size_t n = 0, m[2] = {0, 0}, flagged[2] = {0, 0};
  double* ss = malloc((d->n ? d->n : 1) * sizeof(double));
  int* yy = malloc((d->n ? d->n : 1) * sizeof(int));
  for (size_t i = 0; ss && yy && i < d->n; i++)
  {
    float v = d->x[i * MALML_FEATURE_COUNT + col];
    if (isnan(v) || (v != 0) != want)
      continue;
    ss[n] = s[i];
    yy[n++] = d->y[i];
    m[d->y[i]]++;
    flagged[d->y[i]] += s[i] >= thr;
  }
  char auc[16] = "n/a"; /* within the slice; needs both classes */
  if (m[0] > 0 && m[1] > 0)
    snprintf(auc, sizeof(auc), "%.4f", metrics_auc(ss, yy, n));
  fprintf(
      f,
      "| %s%s | %zu | %zu (%.1f%%) | %zu | %zu (%.1f%%) | %s |\n",
      want ? "" : "not ",
      name,
      m[0],
      flagged[0],
      m[0] ? 100.0 * flagged[0] / m[0] : 0,
      m[1],
      flagged[1],
      m[1] ? 100.0 * flagged[1] / m[1] : 0,
      auc);
  free(ss);
  free(yy);
}

static void md_slices(FILE* f, const report_input* r, const report_threshold* t)
{
  const double* s = r->score[MALML_GROUP_COUNT];
  if (r->d->x == NULL) /* scores fitted elsewhere: no vectors to slice by */
  {
    fprintf(f, "No slices: the run had the scores but not the vectors.\n");
    return;
  }
  fprintf(
      f,
      "Files flagged by `malml.score >= %.6f` (threshold `%s`) in each slice "
      "of "
      "the filetype tokens.\n\n| slice | benign | benign flagged | malware | "
      "malware detected | AUC in slice |\n|---|---:|---:|---:|---:|---:|\n",
      t->value,
      t->name);
  for (size_t k = 0; k < sizeof(slices) / sizeof(slices[0]); k++)
  {
    int col = malml_schema_filetype_index(slices[k]);
    if (col < 0)
      continue;
    md_slice_row(f, r, s, slices[k], col, 1, t->value);
    if (strcmp(slices[k], "mingw") == 0 || strcmp(slices[k], "dotnet") == 0)
      md_slice_row(f, r, s, slices[k], col, 0, t->value);
  }
  fprintf(f, "\n");
}

typedef struct
{
  const char* key;
  int label;
  int flagged;
} keyed_row;

static int by_key(const void* a, const void* b)
{
  const keyed_row* x = a;
  const keyed_row* y = b;
  int c = strcmp(x->key, y->key);
  return c ? c : x->label - y->label;
}

typedef struct
{
  const char* key;
  size_t files[2];
  size_t flagged[2];
} tally;

static int by_files_desc(const void* a, const void* b)
{
  const tally* x = a;
  const tally* y = b;
  size_t nx = x->files[0] + x->files[1], ny = y->files[0] + y->files[1];
  if (nx != ny)
    return nx < ny ? 1 : -1;
  return strcmp(x->key, y->key);
}

/* Counts files and flagged files per key and class; *ntally entries, sorted
 * by file count.  Caller frees the result (keys point into the dataset). */
static tally* tally_by(
    char* const* keys,
    const report_input* r,
    const double* s,
    double thr,
    size_t* ntally)
{
  const dataset* d = r->d;
  keyed_row* rows = malloc((d->n ? d->n : 1) * sizeof(*rows));
  tally* t = calloc(d->n ? d->n : 1, sizeof(*t));
  size_t k = 0;
  if (rows == NULL || t == NULL)
  {
    free(rows);
    free(t);
    return NULL;
  }
  for (size_t i = 0; i < d->n; i++)
    rows[i] =
        (keyed_row){keys[i][0] ? keys[i] : "(none)", d->y[i], s[i] >= thr};
  qsort(rows, d->n, sizeof(*rows), by_key);
  for (size_t i = 0; i < d->n; i++)
  {
    if (k == 0 || strcmp(t[k - 1].key, rows[i].key) != 0)
      t[k++].key = rows[i].key;
    t[k - 1].files[rows[i].label]++;
    t[k - 1].flagged[rows[i].label] += rows[i].flagged;
  }
  free(rows);
  qsort(t, k, sizeof(*t), by_files_desc);
  *ntally = k;
  return t;
}

/* A source's collection: benign sources name a package ("deb:mono-devel=6.8"),
 * one table row per package would drown the malware collections, so they
 * are cut at the first ':'.  Caller frees. */
static char** collections(const dataset* d)
{
  char** key = calloc(d->n ? d->n : 1, sizeof(char*));
  for (size_t i = 0; key && i < d->n; i++)
  {
    const char* colon = strchr(d->source[i], ':');
    size_t len = colon ? (size_t) (colon - d->source[i]) : strlen(d->source[i]);
    key[i] = strndup(d->source[i], len);
  }
  return key;
}

static void
md_sources(FILE* f, const report_input* r, const report_threshold* th)
{
  size_t n;
  char** key = collections(r->d);
  tally* t =
      key ? tally_by(key, r, r->score[MALML_GROUP_COUNT], th->value, &n) : NULL;
  fprintf(
      f,
      "| collection | benign | benign flagged | malware | malware detected |\n"
      "|---|---:|---:|---:|---:|\n");
  for (size_t i = 0; t && i < n; i++)
    fprintf(
        f,
        "| %s | %zu | %zu | %zu | %zu (%.1f%%) |\n",
        t[i].key,
        t[i].files[0],
        t[i].flagged[0],
        t[i].files[1],
        t[i].flagged[1],
        t[i].files[1] ? 100.0 * t[i].flagged[1] / t[i].files[1] : 0);
  fprintf(f, "\n");
  free(t);
  for (size_t i = 0; key && i < r->d->n; i++) free(key[i]);
  free(key);
}

/* Detection per malware family with five files or more, on the console. */
static void print_families(FILE* out, const report_input* r)
{
  size_t n;
  const report_threshold* th = find_threshold(r, "medium");
  tally* t =
      th ? tally_by(r->d->family, r, r->score[MALML_GROUP_COUNT], th->value, &n)
         : NULL;
  int shown = 0; /* the heading only above a family it lists */
  for (size_t i = 0; t && i < n; i++)
  {
    if (t[i].files[1] < 5 || strcmp(t[i].key, "(none)") == 0)
      continue;
    if (shown++ == 0)
      fprintf(
          out,
          "  detection per family (5 files or more) at threshold %s:\n",
          th->name);
    fprintf(
        out,
        "    %-34.34s %4zu / %4zu  %5.1f%%\n",
        t[i].key,
        t[i].flagged[1],
        t[i].files[1],
        100.0 * t[i].flagged[1] / t[i].files[1]);
  }
  free(t);
}

/* Malware families with at least three files, then the benign packages
 * that contribute false positives: where an analyst looks first. */
static void
md_families(FILE* f, const report_input* r, const report_threshold* th)
{
  size_t n, shown = 0;
  const double* s = r->score[MALML_GROUP_COUNT];
  tally* t = tally_by(r->d->family, r, s, th->value, &n);
  if (t == NULL)
    return;
  fprintf(f, "| family | malware | detected |\n|---|---:|---:|\n");
  for (size_t i = 0; i < n && shown < 60; i++)
  {
    if (t[i].files[1] < 3 || strcmp(t[i].key, "(none)") == 0)
      continue;
    fprintf(
        f,
        "| %s | %zu | %zu (%.1f%%) |\n",
        t[i].key,
        t[i].files[1],
        t[i].flagged[1],
        100.0 * t[i].flagged[1] / t[i].files[1]);
    shown++;
  }
  free(t);
  char** groups = malloc((r->d->n ? r->d->n : 1) * sizeof(char*));
  for (size_t i = 0; groups && i < r->d->n; i++)
    groups[i] = r->d->group_names[r->d->group[i]];
  t = groups ? tally_by(groups, r, s, th->value, &n) : NULL;
  fprintf(
      f,
      "\nBenign packages with false positives at this threshold:\n\n"
      "| package (group) | benign | flagged |\n|---|---:|---:|\n");
  for (size_t i = 0; t && i < n; i++)
    if (t[i].flagged[0] > 0)
      fprintf(
          f, "| %s | %zu | %zu |\n", t[i].key, t[i].files[0], t[i].flagged[0]);
  fprintf(f, "\n");
  free(t);
  free(groups);
}

/* The markers of the thresholds that cut sub-model `model`'s score (or the
 * sum, MALML_THRESHOLD_ON_SUM), for its histogram; returns their number. */
static int markers(const report_input* r, int model, svg_marker m[16])
{
  int nm = 0;
  for (int i = 0; i < r->nthresholds && nm < 16; i++)
    if (r->thresholds[i].model == model)
      m[nm++] = (svg_marker){r->thresholds[i].name, r->thresholds[i].value};
  return nm;
}

static int plots(const report_input* r, const double* sum, const char* dir)
{
  const dataset* d = r->d;
  char path[4096];
  svg_curve c[ROWS];
  double* buf = malloc((size_t) ROWS * 2 * (d->n + 1) * sizeof(double));
  svg_marker m[16];
  double* ss = malloc((d->n + 1) * sizeof(double));
  int* yy = malloc((d->n + 1) * sizeof(int));
  int nm = 0, rc = buf && ss && yy ? 0 : -1;
  for (int k = 0; rc == 0 && k < ROWS; k++)
  {
    int model;
    const double* s = row_scores(r, sum, k, &c[k].label, &model);
    size_t n = report_applicable_rows(d, model, s, ss, yy);
    if (model == MALML_GROUP_DOTNET)
      c[k].label = "dotnet (.NET files)";
    c[k].fpr = buf + (size_t) 2 * k * (d->n + 1);
    c[k].tpr = c[k].fpr + d->n + 1;
    c[k].n = metrics_roc(ss, yy, n, (double*) c[k].fpr, (double*) c[k].tpr);
  }
  free(ss);
  free(yy);
  snprintf(path, sizeof(path), "%s/roc.svg", dir);
  rc = rc ? rc : svg_roc(path, "ROC curves", c, ROWS);
  nm = markers(r, MALML_MODEL_ALL, m);
  snprintf(path, sizeof(path), "%s/histogram.svg", dir);
  rc = rc ? rc
          : svg_histogram_logit(
                path,
                "malml.score by class",
                r->score[MALML_GROUP_COUNT],
                d->y,
                d->n,
                m,
                nm);
  nm = markers(r, MALML_THRESHOLD_ON_SUM, m);
  snprintf(path, sizeof(path), "%s/histogram-count.svg", dir);
  rc = rc ? rc
          : svg_histogram(
                path,
                "sum of the five schema-1 sub-scores by class",
                sum,
                d->y,
                d->n,
                0,
                MALML_COUNT_GROUPS,
                m,
                nm);
  free(buf);
  return rc;
}

static void markdown(FILE* f, const report_input* r, const double* sum)
{
  const dataset* d = r->d;
  const report_threshold* medium = find_threshold(r, "medium");
  fprintf(
      f,
      "# %s\n\n%s\n\nModel: `%s`.  Files: %zu (%zu malware, %zu benign) "
      "in %zu groups.\n\n## Headline\n\n",
      r->title,
      r->note ? r->note : "",
      r->model ? r->model : "",
      d->n,
      dataset_count(d, 1),
      dataset_count(d, 0),
      d->ngroups);
  md_headline(f, r, sum);
  fprintf(
      f,
      "![ROC curves](roc.svg)\n\n![malml.score by class](histogram.svg)\n\n"
      "## Shipped thresholds\n\n");
  md_thresholds(f, r);
  fprintf(
      f,
      "The seed's count rule adds the five sub-scores (0..5) and flags a "
      "file above a cut chosen for 1%% FPR:\n\n"
      "![sum of sub-scores](histogram-count.svg)\n\n");
  if (medium == NULL)
    return;
  fprintf(f, "## By kind of file\n\n");
  report_kinds(f, r);
  fprintf(f, "## Benign ecosystems at every threshold\n\n");
  report_ecosystems(f, r);
  fprintf(f, "## Toolchain and platform slices\n\n");
  md_slices(f, r, medium);
  fprintf(f, "## By collection (threshold `%s`)\n\n", medium->name);
  md_sources(f, r, medium);
  fprintf(
      f,
      "## By malware family (threshold `%s`, families with 3 files or "
      "more)\n\n",
      medium->name);
  md_families(f, r, medium);
}

int report_write(const report_input* r, const char* dir)
{
  char path[4096];
  double* sum = subscore_sum(r);
  if (sum == NULL || (mkdir(dir, 0755) != 0 && errno != EEXIST))
  {
    fprintf(
        stderr,
        "malml: %s: %s\n",
        dir,
        sum ? strerror(errno) : "out of memory");
    free(sum);
    return -1;
  }
  snprintf(path, sizeof(path), "%s/report.md", dir);
  FILE* f = fopen(path, "w");
  int rc = f ? plots(r, sum, dir) : -1;
  if (f != NULL)
  {
    markdown(f, r, sum);
    rc = fclose(f) != 0 ? -1 : rc;
  }
  if (rc != 0)
    fprintf(stderr, "malml: cannot write the report in %s\n", dir);
  else
    fprintf(stderr, "wrote %s\n", path);
  free(sum);
  return rc;
}
