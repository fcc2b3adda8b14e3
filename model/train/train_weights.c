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
  static const char* const names[] = {"class", "groups", "toolchains"};
  for (int i = 0; i < 3; i++)
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

void train_weights(const dataset* d, train_weighting how, float* w, FILE* log)
{
  if (how == TRAIN_WEIGHT_TOOLCHAINS)
    train_toolchain_weights(d, 10.0, w, log);
  else
    group_weights(d, w, log);
}
