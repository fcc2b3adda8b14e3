#include "model/train/scores_tsv.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char* column_name(int g)
{
  return g == MALML_GROUP_COUNT ? "all"
                                : malml_schema_group((malml_group) g)->name;
}

int scores_tsv_write(
    const char* path,
    const dataset* d,
    double* const* score,
    const int* fold)
{
  FILE* f = fopen(path, "w");
  if (f == NULL)
  {
    fprintf(stderr, "malml: %s: %s\n", path, strerror(errno));
    return -1;
  }
  fprintf(f, "sha256\tlabel\tgroup\tfamily\tsource%s", fold ? "\tfold" : "");
  for (int g = 0; g < SCORES_MODELS; g++) fprintf(f, "\t%s", column_name(g));
  fprintf(f, "\n");
  for (size_t i = 0; i < d->n; i++)
  {
    fprintf(
        f,
        "%s\t%d\t%s\t%s\t%s",
        d->sha256[i],
        d->y[i],
        d->group_names[d->group[i]],
        d->family[i],
        d->source[i]);
    if (fold)
      fprintf(f, "\t%d", fold[i]);
    for (int g = 0; g < SCORES_MODELS; g++) fprintf(f, "\t%.9g", score[g][i]);
    fprintf(f, "\n");
  }
  return fclose(f) == 0 ? 0 : -1;
}

/* Splits line in place at tabs; returns the number of fields (<= max). */
static int fields(char* line, char** field, int max)
{
  int n = 0;
  line[strcspn(line, "\r\n")] = '\0';
  for (char* p = line; n < max; p++)
  {
    field[n++] = p;
    if ((p = strchr(p, '\t')) == NULL)
      break;
    *p = '\0';
  }
  return n;
}

/* Column index of every sub-model in the header line, or -1 if one lacks. */
static int map_columns(char* header, int* col)
{
  char* name[64];
  int n = fields(header, name, 64);
  for (int g = 0; g < SCORES_MODELS; g++)
  {
    col[g] = -1;
    for (int c = 0; c < n; c++)
      if (strcmp(name[c], column_name(g)) == 0)
        col[g] = c;
    if (col[g] < 0)
      return -1;
  }
  return 0;
}

/* Row of d with this sha256 (rows are sorted by sha256), or -1. */
static long find_row(const dataset* d, const char* sha)
{
  size_t lo = 0, hi = d->n;
  while (lo < hi)
  {
    size_t mid = lo + (hi - lo) / 2;
    int c = strcmp(d->sha256[mid], sha);
    if (c == 0)
      return (long) mid;
    if (c < 0)
      lo = mid + 1;
    else
      hi = mid;
  }
  return -1;
}

static int
read_rows(FILE* f, const dataset* d, const int* col, double** score, char* seen)
{
  char* line = NULL;
  size_t len = 0;
  char* field[64];
  while (getline(&line, &len, f) != -1)
  {
    int n = fields(line, field, 64);
    long r = find_row(d, field[0]);
    if (r < 0)
      continue; /* a file the corpus given to eval does not have */
    for (int g = 0; g < SCORES_MODELS; g++)
    {
      if (col[g] >= n)
      {
        free(line);
        return -1;
      }
      score[g][r] = strtod(field[col[g]], NULL);
    }
    seen[r] = 1;
  }
  free(line);
  return 0;
}

int scores_tsv_read(const char* path, const dataset* d, double** score)
{
  FILE* f = fopen(path, "r");
  char* header = NULL;
  size_t len = 0;
  int col[SCORES_MODELS];
  char* seen = calloc(d->n ? d->n : 1, 1);
  int rc = (f && seen) ? 0 : -1;
  if (rc == 0 &&
      (getline(&header, &len, f) == -1 || map_columns(header, col) != 0))
    rc = -1;
  if (rc == 0)
    rc = read_rows(f, d, col, score, seen);
  if (rc != 0)
    fprintf(
        stderr,
        "malml: %s: %s\n",
        path,
        f ? "not a scores file (columns header .. strings, all)"
          : strerror(errno));
  for (size_t i = 0; rc == 0 && i < d->n; i++)
    if (!seen[i])
    {
      fprintf(stderr, "malml: %s: no scores for %s\n", path, d->sha256[i]);
      rc = -1;
    }
  free(header);
  free(seen);
  if (f)
    fclose(f);
  return rc;
}
