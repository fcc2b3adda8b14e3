/*
 * score-bench DIR [ROUNDS]
 *
 * What scoring costs a scanned file: the feature vectors of the files under
 * DIR are computed once (the module's own, through the extractor), then
 * every applicable sub-model of the compiled-in model scores every vector,
 * in two conditions:
 *
 *   warm  the vectors one after the other: the model stays in cache;
 *   cold  8 MB of other memory read between files, as a scan's pass over a
 *         file's bytes (and YARA's) does before the module scores it.
 *
 * Prints the median over ROUNDS (default 5) of the CPU nanoseconds per file
 * of each.  A scan pays about the cold figure.  Numbers, not a test.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <yara.h>

#include "cli/common/extract.h"
#include "cli/common/walk.h"
#include "modules/malml/model/model.h"

typedef struct
{
  extractor x;
  float (*vectors)[MALML_FEATURE_COUNT];
  size_t count, capacity;
} corpus;

static void add_file(void* ctx, char* path)
{
  corpus* c = ctx;
  char sha[65];
  const char* why;
  if (extractor_file(&c->x, path, sha, &why) == 0 && c->x.features.is_pe)
  {
    if (c->count == c->capacity)
    {
      c->capacity = c->capacity ? 2 * c->capacity : 256;
      c->vectors = realloc(c->vectors, c->capacity * sizeof(*c->vectors));
    }
    memcpy(c->vectors[c->count++], c->x.features.vector,
           sizeof(c->vectors[0]));
  }
  free(path);
}

static double cpu_ns(void)
{
  struct timespec t;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
  return t.tv_sec * 1e9 + t.tv_nsec;
}

static int cmp_double(const void* a, const void* b)
{
  double x = *(const double*) a, y = *(const double*) b;
  return (x > y) - (x < y);
}

#define EVICT_BYTES ((size_t) 8 << 20)

/* Nanoseconds of scoring per file over the corpus; with `evict`, that many
 * bytes are read between files (not timed).  *sum keeps the scores live. */
static double
round_ns(const malml_model* m, const corpus* c, const uint8_t* evict,
         double* sum)
{
  double scoring = 0;
  for (size_t i = 0; i < c->count; i++)
  {
    if (evict != NULL)
    {
      uint64_t acc = 0;
      for (size_t k = 0; k < EVICT_BYTES; k += 64) acc += evict[k];
      *sum += (double) (acc & 1);
    }
    double t0 = cpu_ns();
    for (int g = 0; g < MALML_MODEL_COUNT; g++)
      if (malml_model_applies(g, c->vectors[i]))
        *sum += malml_model_score(m, g, c->vectors[i]);
    scoring += cpu_ns() - t0;
  }
  return scoring / (double) c->count;
}

int main(int argc, char** argv)
{
  if (argc < 2)
  {
    fprintf(stderr, "usage: score-bench DIR [ROUNDS]\n");
    return 2;
  }
  int rounds = argc > 2 ? atoi(argv[2]) : 5;
  if (rounds < 1 || rounds > 1000)
    rounds = 5;
  corpus c = {0};
  YR_RULES* rules;
  walk_options w = {
      .recursive = 1, .follow_symlinks = 1, .on_file = add_file, .ctx = &c};
  if (yr_initialize() != ERROR_SUCCESS || extractor_rules(&rules) != 0 ||
      extractor_init(&c.x, rules) != 0)
    return 1;
  walk_target(argv[1], &w);
  const malml_model* m = malml_model_default();
  uint8_t* evict = malloc(EVICT_BYTES);
  if (m == NULL || c.count == 0 || evict == NULL)
  {
    fprintf(stderr, "score-bench: no compiled-in model or no PE files\n");
    return 1;
  }
  memset(evict, 1, EVICT_BYTES);
  double* warm = calloc(rounds, sizeof(double));
  double* cold = calloc(rounds, sizeof(double));
  double sum = 0;
  for (int r = 0; r < rounds; r++)
  {
    warm[r] = round_ns(m, &c, NULL, &sum);
    cold[r] = round_ns(m, &c, evict, &sum);
  }
  qsort(warm, rounds, sizeof(double), cmp_double);
  qsort(cold, rounds, sizeof(double), cmp_double);
  printf("files: %zu PE, rounds: %d, model %s\n", c.count, rounds,
         malml_model_version(m));
  printf("scoring per file: warm %.1f us, cold %.1f us (median CPU)\n",
         warm[rounds / 2] / 1e3, cold[rounds / 2] / 1e3);
  printf("checksum %.6f\n", sum);
  return 0;
}
