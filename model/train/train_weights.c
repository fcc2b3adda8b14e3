#include "model/train/train_weights.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "modules/malml/malml.h"

/* The first token that holds names the stratum: managed code and the
 * language runtimes first, since a .NET or Delphi file may also carry a
 * Rich header from its native stub. */
const char* const train_strata_names[] =
    {"dotnet", "go", "delphi", "visual_basic", "mingw", "rich_header", "other"};
const int train_strata_count = 7;

int train_stratum(const dataset* d, size_t i)
{
  const float* row = d->x + i * MALML_FEATURE_COUNT;
  for (int s = 0; s < train_strata_count - 1; s++)
  {
    int col = malml_schema_filetype_index(train_strata_names[s]);
    if (col >= 0 && row[col] > 0.5f)
      return s;
  }
  return train_strata_count - 1;
}

static double clip(double x, double max_ratio)
{
  return fmin(fmax(x, 1.0 / max_ratio), max_ratio);
}

void train_toolchain_weights(
    const dataset* d,
    double max_ratio,
    float* w,
    FILE* log)
{
  size_t n[16][2] = {{0}};
  double cell[16][2];
  for (size_t i = 0; i < d->n; i++) n[train_stratum(d, i)][d->y[i] != 0]++;
  fprintf(log, "  toolchain strata (benign / malware files -> weight each):\n");
  for (int s = 0; s < train_strata_count; s++)
  {
    size_t total = n[s][0] + n[s][1];
    for (int c = 0; c < 2; c++)
      cell[s][c] =
          (n[s][0] && n[s][1]) ? clip(total / (2.0 * n[s][c]), max_ratio) : 1;
    fprintf(
        log,
        "    %-13s %5zu / %5zu -> %.2f / %.2f\n",
        train_strata_names[s],
        n[s][0],
        n[s][1],
        cell[s][0],
        cell[s][1]);
  }
  for (size_t i = 0; i < d->n; i++)
    w[i] = (float) cell[train_stratum(d, i)][d->y[i] != 0];
}

int train_weighting_parse(const char* text)
{
  static const char* const names[] = {"class", "groups", "toolchains", "kinds"};
  for (int i = 0; i < 4; i++)
    if (strcmp(text, names[i]) == 0)
      return i;
  return -1;
}

/*
 * A group of s files weighs sqrt(s) in all (each file 1/sqrt(s)), so that
 * a family or package with hundreds of near-copies (mono-devel: 679 files)
 * counts for more than one file but not for hundreds; then the classes are
 * balanced.  No file gets more weight than a lone file.
 */
static void group_weights(const dataset* d, float* w, FILE* log)
{
  size_t* size = calloc(d->ngroups ? d->ngroups : 1, sizeof(size_t));
  double total[2] = {0, 0};
  if (size == NULL)
  {
    for (size_t i = 0; i < d->n; i++) w[i] = 1;
    return;
  }
  for (size_t i = 0; i < d->n; i++) size[d->group[i]]++;
  for (size_t i = 0; i < d->n; i++)
  {
    w[i] = (float) (1.0 / sqrt((double) size[d->group[i]]));
    total[d->y[i] != 0] += w[i];
  }
  for (size_t i = 0; i < d->n; i++)
    w[i] = (float) (w[i] * (double) d->n / (2.0 * total[d->y[i] != 0]));
  fprintf(
      log,
      "  group weights: benign total %.1f, malware total %.1f before class "
      "balance\n",
      total[0],
      total[1]);
  free(size);
}

static int token(const dataset* d, size_t i, const char* name)
{
  int col = malml_schema_filetype_index(name);
  return col >= 0 && d->x[i * MALML_FEATURE_COUNT + col] > 0.5f;
}

int train_kind_cell(const dataset* d, size_t i)
{
  int wide = token(d, i, "machine_amd64") || token(d, i, "machine_arm64");
  return 4 * token(d, i, "dll") + 2 * wide + token(d, i, "dotnet");
}

static void print_kind_cells(FILE* log, size_t n[8][2], double cell[8][2])
{
  fprintf(log, "  kind cells (benign / malware files -> weight each):\n");
  for (int k = 0; k < 8; k++)
    fprintf(
        log,
        "    %-3s %-6s %-6s %5zu / %5zu -> %.2f / %.2f\n",
        k & 4 ? "dll" : "exe",
        k & 2 ? "64-bit" : "32-bit",
        k & 1 ? ".NET" : "native",
        n[k][0],
        n[k][1],
        cell[k][0],
        cell[k][1]);
}

void train_kind_weights(
    const dataset* d,
    double max_ratio,
    float* w,
    FILE* log)
{
  size_t n[8][2] = {{0}}, total[2] = {0, 0};
  double cell[8][2], sum[2] = {0, 0};
  for (size_t i = 0; i < d->n; i++)
  {
    n[train_kind_cell(d, i)][d->y[i] != 0]++;
    total[d->y[i] != 0]++;
  }
  for (int k = 0; k < 8; k++)
  {
    double share[2];
    for (int c = 0; c < 2; c++)
      share[c] = total[c] ? (double) n[k][c] / total[c] : 0;
    for (int c = 0; c < 2; c++)
      cell[k][c] = share[c] > 0
                       ? clip(0.5 * (share[0] + share[1]) / share[c], max_ratio)
                       : 1;
  }
  for (size_t i = 0; i < d->n; i++)
  {
    w[i] = (float) cell[train_kind_cell(d, i)][d->y[i] != 0];
    sum[d->y[i] != 0] += w[i];
  }
  /* Both classes weigh what the benign files weigh; the mean stays near 1. */
  double scale = sum[1] > 0 ? sum[0] / sum[1] : 1;
  for (size_t i = 0; i < d->n; i++)
    if (d->y[i])
      w[i] = (float) (w[i] * scale);
  for (int k = 0; k < 8; k++) cell[k][1] *= scale;
  print_kind_cells(log, n, cell);
}

void train_weights(const dataset* d, train_weighting how, float* w, FILE* log)
{
  if (how == TRAIN_WEIGHT_KINDS)
    train_kind_weights(d, 10.0, w, log);
  else if (how == TRAIN_WEIGHT_TOOLCHAINS)
    train_toolchain_weights(d, 10.0, w, log);
  else
    group_weights(d, w, log);
}
