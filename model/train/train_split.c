#include "model/train/train_split.h"

#include <stdlib.h>
#include <string.h>

typedef struct
{
  size_t id;
  size_t rows;
  size_t positives;
  uint64_t key; /* seeded shuffle key, breaks ties between equal sizes */
} group_info;

/* splitmix64: a small, well-mixed hash so the shuffle depends on the seed. */
static uint64_t mix(uint64_t x)
{
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

static int by_size_then_key(const void* a, const void* b)
{
  const group_info* x = a;
  const group_info* y = b;
  if (x->rows != y->rows)
    return x->rows < y->rows ? 1 : -1;
  return (x->key > y->key) - (x->key < y->key);
}

int split_group_kfold(
    const int* group,
    const int* label,
    size_t n,
    size_t ngroups,
    int k,
    uint64_t seed,
    int* fold)
{
  if (k < 2)
    return -1;
  group_info* g = calloc(ngroups ? ngroups : 1, sizeof(*g));
  int* group_fold = calloc(ngroups ? ngroups : 1, sizeof(int));
  size_t* load = calloc(2 * (size_t) k, sizeof(size_t)); /* [class][fold] */
  if (g == NULL || group_fold == NULL || load == NULL)
  {
    free(g);
    free(group_fold);
    free(load);
    return -1;
  }
  for (size_t i = 0; i < ngroups; i++)
  {
    g[i].id = i;
    g[i].key = mix(seed ^ mix(i));
  }
  for (size_t i = 0; i < n; i++)
  {
    g[group[i]].rows++;
    g[group[i]].positives += label[i] != 0;
  }
  qsort(g, ngroups, sizeof(*g), by_size_then_key);
  for (size_t i = 0; i < ngroups; i++)
  {
    int cls = 2 * g[i].positives >= g[i].rows;
    size_t* l = load + (size_t) cls * k;
    int best = 0;
    for (int f = 1; f < k; f++)
      if (l[f] < l[best])
        best = f;
    l[best] += g[i].rows;
    group_fold[g[i].id] = best;
  }
  for (size_t i = 0; i < n; i++) fold[i] = group_fold[group[i]];
  free(g);
  free(group_fold);
  free(load);
  return 0;
}

static int by_name(const void* a, const void* b)
{
  return strcmp(*(const char* const*) a, *(const char* const*) b);
}

/* The distinct malware collection names, sorted; returns their count or -1. */
static int collections(
    char* const* source,
    const int* label,
    size_t n,
    const char** names,
    int cap)
{
  int k = 0;
  for (size_t i = 0; i < n; i++)
  {
    if (!label[i])
      continue;
    int seen = 0;
    for (int c = 0; c < k && !seen; c++)
      seen = strcmp(names[c], source[i]) == 0;
    if (seen)
      continue;
    if (k == cap)
      return -1;
    names[k++] = source[i];
  }
  qsort(names, k, sizeof(*names), by_name);
  return k;
}

static int fold_of(const char* const* names, int k, const char* source)
{
  for (int c = 0; c < k; c++)
    if (strcmp(names[c], source) == 0)
      return c;
  return -1;
}

int split_by_collection(
    char* const* source,
    const int* group,
    const int* label,
    size_t n,
    size_t ngroups,
    uint64_t seed,
    int* fold,
    int* k,
    const char** names,
    int cap)
{
  const char* own[256];
  const char** nm = names != NULL ? names : own;
  int nk = collections(source, label, n, nm, names != NULL ? cap : 256);
  group_info* g = calloc(ngroups ? ngroups : 1, sizeof(*g));
  size_t* load = calloc(nk > 0 ? nk : 1, sizeof(size_t));
  int* group_fold = calloc(ngroups ? ngroups : 1, sizeof(int));
  int rc = (nk >= 2 && g && load && group_fold) ? 0 : -1;
  for (size_t i = 0; rc == 0 && i < ngroups; i++)
  {
    g[i].id = i;
    g[i].key = mix(seed ^ mix(i));
  }
  for (size_t i = 0; rc == 0 && i < n; i++) g[group[i]].rows += !label[i];
  if (rc == 0)
    qsort(g, ngroups, sizeof(*g), by_size_then_key);
  for (size_t i = 0; rc == 0 && i < ngroups && g[i].rows > 0; i++)
  {
    int best = 0;
    for (int f = 1; f < nk; f++)
      if (load[f] < load[best])
        best = f;
    load[best] += g[i].rows;
    group_fold[g[i].id] = best;
  }
  for (size_t i = 0; rc == 0 && i < n; i++)
    fold[i] = label[i] ? fold_of(nm, nk, source[i]) : group_fold[group[i]];
  *k = nk;
  free(g);
  free(load);
  free(group_fold);
  return rc;
}
