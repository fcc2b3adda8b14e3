#include "model/train/train_weights.h"

#include <math.h>

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
