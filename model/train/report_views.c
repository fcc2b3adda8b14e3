#include "model/train/report_views.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "model/train/metrics.h"
#include "modules/malml/malml.h"

#define MAX_ECOSYSTEMS 16

typedef struct
{
  char name[16];
  size_t files, packages;
} ecosystem;

/* The benign rows' ecosystem index (-1 for malware), and per ecosystem
 * its files and packages. */
static int* ecosystems_of(const dataset* d, ecosystem* eco, int* neco)
{
  char names[MAX_ECOSYSTEMS][16];
  int* of = dataset_ecosystems(d, names, MAX_ECOSYSTEMS, neco);
  unsigned char* seen = calloc(d->ngroups ? d->ngroups : 1, 1);
  for (int e = 0; e < *neco; e++)
  {
    memcpy(eco[e].name, names[e], 16);
    eco[e].files = eco[e].packages = 0;
  }
  for (size_t i = 0; of && seen && i < d->n; i++)
  {
    if (of[i] < 0)
      continue;
    eco[of[i]].files++;
    eco[of[i]].packages += !seen[d->group[i]];
    seen[d->group[i]] = 1;
  }
  if (seen == NULL)
  {
    free(of);
    of = NULL;
  }
  free(seen);
  return of;
}

/* One threshold's row: per ecosystem, files flagged among the files the
 * threshold applies to, and packages with a flagged file. */
static void ecosystem_row(
    FILE* f,
    const report_input* r,
    const report_threshold* t,
    const int* of,
    int neco)
{
  const dataset* d = r->d;
  size_t n[MAX_ECOSYSTEMS] = {0}, hit[MAX_ECOSYSTEMS] = {0};
  size_t pk[MAX_ECOSYSTEMS] = {0};
  double* s = report_threshold_scores(r, t);
  unsigned char* flagged = calloc(d->ngroups ? d->ngroups : 1, 1);
  for (size_t i = 0; s && flagged && i < d->n; i++)
  {
    const double* own = t->model < 0 ? NULL : r->score[t->model];
    if (of[i] < 0 || !report_row_applies(d, t->model, own, i))
      continue;
    n[of[i]]++;
    if (s[i] < t->value)
      continue;
    hit[of[i]]++;
    pk[of[i]] += !flagged[d->group[i]];
    flagged[d->group[i]] = 1;
  }
  fprintf(f, "| `%s` (%g%%) |", t->name, 100 * t->target_fpr);
  for (int e = 0; e < neco; e++)
    fprintf(
        f,
        n[e] ? " %.2f%% (%zu) · %zu |" : " — |",
        n[e] ? 100.0 * hit[e] / n[e] : 0,
        hit[e],
        pk[e]);
  fprintf(f, "\n");
  free(s);
  free(flagged);
}

void report_ecosystems(FILE* f, const report_input* r)
{
  ecosystem eco[MAX_ECOSYSTEMS];
  int neco = 0;
  int* of = ecosystems_of(r->d, eco, &neco);
  if (of == NULL)
    return;
  fprintf(
      f,
      "Benign files flagged at each threshold, per ecosystem: share of its "
      "files (count) · packages with a flagged file.  The `dotnet_*` tiers "
      "count .NET files only.\n\n| threshold (target FPR) |");
  for (int e = 0; e < neco; e++)
    fprintf(f, " %s: %zu files, %zu pkgs |", eco[e].name, eco[e].files, eco[e].packages);
  fprintf(f, "\n|---|");
  for (int e = 0; e < neco; e++) fprintf(f, "---:|");
  fprintf(f, "\n");
  for (int t = 0; t < r->nthresholds; t++)
    ecosystem_row(f, r, &r->thresholds[t], of, neco);
  fprintf(f, "\n");
  free(of);
}

/* ---- kinds ---------------------------------------------------------- */

typedef struct
{
  const char* label;
  const char* token; /* filetype token */
  int want;          /* 1: the token is set; 0: it is not */
} kind;

static const kind kinds[] = {
    {"EXE", "exe", 1},
    {"DLL", "dll", 1},
    {"driver", "driver", 1},
    {"i386", "machine_i386", 1},
    {"amd64", "machine_amd64", 1},
    {"arm64", "machine_arm64", 1},
    {"native", "dotnet", 0},
    {".NET", "dotnet", 1},
};

static void kind_line(
    FILE* f,
    const report_input* r,
    const kind* k,
    const double cut[2])
{
  const dataset* d = r->d;
  const double* s = r->score[MALML_MODEL_ALL];
  int col = malml_schema_filetype_index(k->token);
  size_t n = 0, m[2] = {0, 0}, hit[2][2] = {{0, 0}, {0, 0}}, pk[2] = {0, 0};
  double* ss = malloc((d->n ? d->n : 1) * sizeof(double));
  int* yy = malloc((d->n ? d->n : 1) * sizeof(int));
  /* Benign packages with a flagged file, per cut: one package's many
   * versions can make a file rate look better or worse than it is. */
  unsigned char* seen = calloc(d->ngroups ? d->ngroups : 1, 2);
  for (size_t i = 0; col >= 0 && ss && yy && seen && i < d->n; i++)
  {
    float v = d->x[i * MALML_FEATURE_COUNT + col];
    if (isnan(v) || (v != 0) != k->want)
      continue;
    ss[n] = s[i];
    yy[n++] = d->y[i];
    m[d->y[i]]++;
    for (int c = 0; c < 2; c++)
    {
      int flagged = s[i] >= cut[c];
      hit[d->y[i]][c] += flagged;
      if (flagged && !d->y[i] && !seen[2 * d->group[i] + c]++)
        pk[c]++;
    }
  }
  char auc[16] = "n/a"; /* needs both classes */
  if (m[0] > 0 && m[1] > 0)
    snprintf(auc, sizeof(auc), "%.4f", metrics_auc(ss, yy, n));
  fprintf(f, "| %s | %zu |", k->label, m[0]);
  for (int c = 0; c < 2; c++)
    fprintf(
        f,
        " %.2f%% (%zu) · %zu |",
        m[0] ? 100.0 * hit[0][c] / m[0] : 0,
        hit[0][c],
        pk[c]);
  fprintf(f, " %zu |", m[1]);
  for (int c = 0; c < 2; c++)
    fprintf(f, " %.1f%% (%zu) |", m[1] ? 100.0 * hit[1][c] / m[1] : 0, hit[1][c]);
  fprintf(f, " %s |\n", auc);
  free(ss);
  free(yy);
  free(seen);
}

void report_kinds(FILE* f, const report_input* r)
{
  const report_threshold* medium = report_find_threshold(r, "medium");
  const report_threshold* high = report_find_threshold(r, "high");
  if (r->d->x == NULL || medium == NULL || high == NULL)
  {
    fprintf(f, "No kinds: the run had the scores but not the vectors.\n\n");
    return;
  }
  double cut[2] = {medium->value, high->value};
  fprintf(
      f,
      "`malml.score` at `medium` (%.6f) and `high` (%.6f), per kind of "
      "file.  FPR: share of the kind's benign files (count) · benign packages "
      "with a flagged file.\n\n| kind | benign | FPR at medium | at high | malware | "
      "detected at medium | at high | AUC in kind |\n"
      "|---|---:|---:|---:|---:|---:|---:|---:|\n",
      cut[0],
      cut[1]);
  for (size_t k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++)
    kind_line(f, r, &kinds[k], cut);
  fprintf(f, "\n");
}
