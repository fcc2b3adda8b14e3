#include "model/train/dataset.h"

#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/common/extract.h"
#include "cli/common/features_json.h"
#include "cli/common/progress.h"
#include "model/train/labels.h"

/* A feature vector read before the join with the labels. */
typedef struct
{
  char sha256[65];
  float* v;
} item;

typedef struct
{
  item* items;
  size_t n, cap;
  size_t not_pe, failures;
  progress* progress;
} collector;

/* Takes ownership of v. */
static int collect(collector* c, const char* sha, float* v)
{
  int rc = 0;
  if (c->n == c->cap)
  {
    size_t cap = c->cap ? c->cap * 2 : 1024;
    item* items = realloc(c->items, cap * sizeof(*items));
    if (items == NULL)
      rc = -1;
    else
    {
      c->items = items;
      c->cap = cap;
    }
  }
  if (rc == 0)
  {
    snprintf(c->items[c->n].sha256, 65, "%s", sha);
    c->items[c->n++].v = v;
  }
  else
    free(v);
  return rc;
}

/* ---- JSON lines ----------------------------------------------------- */

static int
read_line(collector* c, const char* path, size_t lineno, const char* line)
{
  json_error_t error;
  json_t* obj = json_loads(line, 0, &error);
  const char* why = "not a JSON object";
  const char* sha =
      obj ? json_string_value(json_object_get(obj, "sha256")) : NULL;
  int rc = 0;
  json_t* failed = obj ? json_object_get(obj, "error") : NULL;
  if (obj != NULL && json_is_false(json_object_get(obj, "is_pe")))
    c->not_pe++;
  else if (json_is_string(failed))
    /* A file `malml features` could not scan has a line saying why, as
     * when scanning it here: said, and left out. */
    fprintf(
        stderr,
        "malml: %s:%zu: left out: %s: %s\n",
        path,
        lineno,
        json_string_value(json_object_get(obj, "path")),
        json_string_value(failed));
  else if (sha == NULL || strlen(sha) != 64)
    rc = -1;
  else
  {
    float* v = malloc(MALML_FEATURE_COUNT * sizeof(float));
    if (v == NULL || features_from_json(obj, v, &why) != 0)
    {
      free(v);
      rc = -1;
    }
    else
      rc = collect(c, sha, v);
  }
  if (rc != 0)
    fprintf(stderr, "malml: %s:%zu: %s\n", path, lineno, why);
  json_decref(obj);
  return rc;
}

static int read_jsonl(collector* c, const char* path)
{
  FILE* f = strcmp(path, "-") == 0 ? stdin : fopen(path, "r");
  if (f == NULL)
  {
    fprintf(stderr, "malml: %s: %s\n", path, strerror(errno));
    return -1;
  }
  char* line = NULL;
  size_t len = 0, lineno = 0;
  int rc = 0;
  while (rc == 0 && getline(&line, &len, f) != -1)
    if (line[0] != '\n')
      rc = read_line(c, path, ++lineno, line);
  free(line);
  if (f != stdin)
    fclose(f);
  return rc;
}

/* ---- scanning ------------------------------------------------------- */

static void scan_file(
    void* shared,
    const char* path,
    const char sha[65],
    const malml_features* f)
{
  collector* c = shared;
  progress_tick(c->progress);
  if (!f->is_pe)
  {
    c->not_pe++;
    return;
  }
  float* v = malloc(sizeof(f->vector));
  if (v != NULL)
    memcpy(v, f->vector, sizeof(f->vector));
  if (v == NULL || collect(c, sha, v) != 0)
  {
    fprintf(stderr, "malml: %s: out of memory\n", path);
    c->failures++;
  }
}

static int scan_paths(
    collector* c,
    const char** paths,
    int n,
    int threads,
    long long worker_memory)
{
  if (n == 0)
    return 0;
  extract_each_options o = {
      .who = "malml",
      .threads = threads > 0 ? threads : 1,
      .worker_memory = worker_memory,
      .follow_symlinks = 1,
      .shared = c,
      .on_features = scan_file};
  /* Scanning a corpus takes minutes: show it on a terminal. */
  c->progress = progress_start("malml", paths, n, 1, PROGRESS_AUTO);
  int failures = extract_each(paths, n, &o);
  progress_stop(c->progress);
  c->progress = NULL;
  if (failures < 0)
    return -1;
  c->failures += (size_t) failures;
  return 0;
}

/* ---- the join with the labels --------------------------------------- */

static int by_item_sha(const void* a, const void* b)
{
  return strcmp(((const item*) a)->sha256, ((const item*) b)->sha256);
}

static int by_string(const void* a, const void* b)
{
  return strcmp(*(char* const*) a, *(char* const*) b);
}

/* with_x 0: rows without vectors (d->x stays NULL), for a run whose
 * models were fitted elsewhere. */
static int alloc_rows(dataset* d, size_t n, int with_x)
{
  d->x =
      with_x ? malloc((n ? n : 1) * MALML_FEATURE_COUNT * sizeof(float)) : NULL;
  d->y = calloc(n ? n : 1, sizeof(int));
  d->group = calloc(n ? n : 1, sizeof(int));
  d->sha256 = calloc(n ? n : 1, sizeof(char*));
  d->family = calloc(n ? n : 1, sizeof(char*));
  d->source = calloc(n ? n : 1, sizeof(char*));
  d->group_names = calloc(n ? n : 1, sizeof(char*));
  d->cap = n;
  return ((d->x || !with_x) && d->y && d->group && d->sha256 && d->family &&
          d->source && d->group_names)
             ? 0
             : -1;
}

/* A Debian package built for several architectures is one group: its
 * arm64, i386 and amd64 builds come from one source (labels.tsv names
 * "deb:libwine:i386" and "deb:libwine" apart), and validation that trains
 * on one build and tests on another would be looking at the same program.
 * Returns a malloc'd copy of the group name without the ":ARCH" part. */
static char* package_group(const char* group)
{
  char* g = strdup(group);
  char* arch = g && strncmp(g, "deb:", 4) == 0 ? strchr(g + 4, ':') : NULL;
  if (arch != NULL)
    *arch = '\0';
  return g;
}

/* Group names sorted and unique, so that a group's index does not depend on
 * the order files were found in; row groups are indices into them.  Frees
 * row_group's strings; group_names gets its own copies. */
static int index_groups(dataset* d, char** row_group)
{
  char** sorted = malloc((d->n ? d->n : 1) * sizeof(char*));
  size_t k = 0;
  if (sorted == NULL)
    return -1;
  memcpy(sorted, row_group, d->n * sizeof(char*));
  qsort(sorted, d->n, sizeof(char*), by_string);
  for (size_t i = 0; i < d->n; i++)
    if (k == 0 || strcmp(d->group_names[k - 1], sorted[i]) != 0)
      d->group_names[k++] = strdup(sorted[i]);
  d->ngroups = k;
  for (size_t i = 0; i < d->n; i++)
  {
    char** at =
        bsearch(&row_group[i], d->group_names, k, sizeof(char*), by_string);
    d->group[i] = (int) (at - d->group_names);
    free(row_group[i]);
  }
  free(sorted);
  return 0;
}

/* Items without vectors (v NULL) give rows without vectors. */
static int join(dataset* d, collector* c, const label_table* t)
{
  qsort(c->items, c->n, sizeof(item), by_item_sha);
  char** row_group = calloc(c->n ? c->n : 1, sizeof(char*));
  int with_x = c->n == 0 || c->items[0].v != NULL;
  if (row_group == NULL || alloc_rows(d, c->n, with_x) != 0)
  {
    free(row_group);
    return -1;
  }
  for (size_t i = 0; i < c->n; i++)
  {
    const label_entry* e = labels_find(t, c->items[i].sha256);
    if (i > 0 && strcmp(c->items[i].sha256, c->items[i - 1].sha256) == 0)
      d->duplicates++;
    else if (e == NULL)
      d->unlabelled++;
    else
    {
      size_t r = d->n++;
      if (with_x)
        memcpy(
            d->x + r * MALML_FEATURE_COUNT,
            c->items[i].v,
            MALML_FEATURE_COUNT * sizeof(float));
      d->y[r] = e->label;
      d->sha256[r] = strdup(e->sha256);
      d->family[r] = strdup(e->family);
      d->source[r] = strdup(e->source);
      row_group[r] = package_group(e->group);
    }
  }
  int rc = index_groups(d, row_group);
  free(row_group);
  return rc;
}

static int has_suffix(const char* s, const char* suffix)
{
  size_t a = strlen(s), b = strlen(suffix);
  return a >= b && strcmp(s + a - b, suffix) == 0;
}

int dataset_load(
    dataset* d,
    const char* const* targets,
    int ntargets,
    const char* labels_path,
    int threads,
    long long worker_memory)
{
  collector c = {0};
  label_table t = {NULL, 0};
  const char** scan = calloc(ntargets + 1, sizeof(char*));
  int nscan = 0, rc = scan ? labels_read(labels_path, &t) : -1;
  for (int i = 0; rc == 0 && i < ntargets; i++)
  {
    if (strcmp(targets[i], "-") == 0 || has_suffix(targets[i], ".jsonl"))
      rc = read_jsonl(&c, targets[i]);
    else
      scan[nscan++] = targets[i];
  }
  if (rc == 0)
    rc = scan_paths(&c, scan, nscan, threads, worker_memory);
  if (rc == 0 && c.failures > 0)
    fprintf(
        stderr, "malml: %zu files could not be read or scanned\n", c.failures);
  if (rc == 0)
    rc = join(d, &c, &t);
  d->not_pe = c.not_pe;
  labels_free(&t);
  for (size_t i = 0; i < c.n; i++) free(c.items[i].v);
  free(c.items);
  free(scan);
  return rc;
}

/* A sha256 at the start of each line (up to a tab); a header line
 * starting with "sha256" and empty lines are skipped. */
static int read_hashes(collector* c, const char* path)
{
  FILE* f = fopen(path, "r");
  char line[256];
  int rc = f ? 0 : -1;
  if (f == NULL)
    fprintf(stderr, "malml: %s: %s\n", path, strerror(errno));
  while (rc == 0 && fgets(line, sizeof(line), f) != NULL)
  {
    line[strcspn(line, "\t\r\n")] = '\0';
    if (line[0] == '\0' || strncmp(line, "sha256", 6) == 0)
      continue;
    if (strlen(line) != 64 || strspn(line, "0123456789abcdef") != 64)
    {
      fprintf(
          stderr, "malml: %s: not a lower-case sha256: %.80s\n", path, line);
      rc = -1;
    }
    else
      rc = collect(c, line, NULL);
  }
  if (f != NULL)
    fclose(f);
  return rc;
}

int dataset_load_hashes(
    dataset* d,
    const char* list_path,
    const char* labels_path)
{
  collector c = {0};
  label_table t = {NULL, 0};
  int rc = labels_read(labels_path, &t);
  if (rc == 0)
    rc = read_hashes(&c, list_path);
  if (rc == 0)
    rc = join(d, &c, &t);
  labels_free(&t);
  free(c.items);
  return rc;
}

void dataset_free(dataset* d)
{
  for (size_t i = 0; i < d->n; i++)
  {
    free(d->sha256[i]);
    free(d->family[i]);
    free(d->source[i]);
  }
  for (size_t i = 0; i < d->ngroups; i++) free(d->group_names[i]);
  free(d->x);
  free(d->y);
  free(d->group);
  free(d->sha256);
  free(d->family);
  free(d->source);
  free(d->group_names);
  memset(d, 0, sizeof(*d));
}

size_t dataset_count(const dataset* d, int y)
{
  size_t k = 0;
  for (size_t i = 0; i < d->n; i++) k += d->y[i] == y;
  return k;
}

void dataset_ecosystem(const dataset* d, size_t i, char out[16])
{
  const char* g = d->group_names ? d->group_names[d->group[i]] : "";
  const char* colon = strchr(g, ':');
  size_t n = colon ? (size_t) (colon - g) : 0;
  if (n == 0 || n >= 16)
    snprintf(out, 16, "other");
  else
  {
    memcpy(out, g, n);
    out[n] = '\0';
  }
}

int* dataset_ecosystems(const dataset* d, char (*names)[16], int cap, int* count)
{
  int* of = malloc((d->n ? d->n : 1) * sizeof(int));
  *count = 0;
  for (size_t i = 0; of && i < d->n; i++)
  {
    char name[16];
    of[i] = -1;
    if (d->y[i])
      continue;
    dataset_ecosystem(d, i, name);
    int e = 0;
    while (e < *count && strcmp(names[e], name) != 0) e++;
    if (e == *count && *count < cap)
      memcpy(names[(*count)++], name, 16);
    of[i] = e < *count ? e : -1;
  }
  return of;
}
