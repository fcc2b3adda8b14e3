/*
 * scan-bench RULES_A RULES_B DIR [ROUNDS]
 *
 * Scans every file under DIR with two rule files, alternating A and B in each
 * round so both see the same machine load, and prints files/s, MB/s, the
 * median round time of each and the ratio B/A.  Files are read into memory
 * once, so the numbers are the scanning cost (module work included), not
 * disk speed.  Single-threaded on purpose: per-file cost is the question.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <yara.h>

#include "cli/common/mapped.h"
#include "cli/common/walk.h"

typedef struct
{
  uint8_t** data;
  size_t* size;
  size_t count, capacity, bytes;
} corpus;

static void add_file(void* ctx, char* path)
{
  corpus* c = ctx;
  mapped_file m;
  if (mapped_open(path, &m) == 0)
  {
    if (c->count == c->capacity)
    {
      c->capacity = c->capacity ? 2 * c->capacity : 256;
      c->data = realloc(c->data, c->capacity * sizeof(*c->data));
      c->size = realloc(c->size, c->capacity * sizeof(*c->size));
    }
    c->data[c->count] = malloc(m.size ? m.size : 1);
    memcpy(c->data[c->count], m.data, m.size);
    c->size[c->count++] = m.size;
    c->bytes += m.size;
    mapped_close(&m);
  }
  free(path);
}

static YR_RULES* load_rules(const char* path)
{
  YR_COMPILER* comp;
  YR_RULES* rules = NULL;
  FILE* f = fopen(path, "r");
  if (f == NULL || yr_compiler_create(&comp) != ERROR_SUCCESS)
    return NULL;
  if (yr_compiler_add_file(comp, f, NULL, path) == 0)
    yr_compiler_get_rules(comp, &rules);
  yr_compiler_destroy(comp);
  fclose(f);
  return rules;
}

static int count_match(YR_SCAN_CONTEXT* ctx, int msg, void* data, void* user)
{
  if (msg == CALLBACK_MSG_RULE_MATCHING)
    (*(long*) user)++;
  return CALLBACK_CONTINUE;
}

static double now(void)
{
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec + t.tv_nsec / 1e9;
}

/* Seconds to scan the whole corpus once; *matches counts rule matches. */
static double round_time(YR_SCANNER* s, const corpus* c, long* matches)
{
  double t0 = now();
  yr_scanner_set_callback(s, count_match, matches);
  for (size_t i = 0; i < c->count; i++)
    yr_scanner_scan_mem(s, c->data[i], c->size[i]);
  return now() - t0;
}

static int cmp_double(const void* a, const void* b)
{
  double x = *(const double*) a, y = *(const double*) b;
  return (x > y) - (x < y);
}

/* Long on purpose: the whole benchmark protocol (load, warm up, alternate
 * the two rule sets per round, report medians) reads top to bottom. */
int main(int argc, char** argv)
{
  if (argc < 4)
  {
    fprintf(stderr, "usage: scan-bench RULES_A RULES_B DIR [ROUNDS]\n");
    return 2;
  }
  int rounds = argc > 4 ? atoi(argv[4]) : 5;
  if (rounds < 1 || rounds > 1000)
    rounds = 5;
  corpus c = {0};
  walk_options w = {
      .recursive = 1, .follow_symlinks = 1, .on_file = add_file, .ctx = &c};
  yr_initialize();
  walk_target(argv[3], &w);
  YR_RULES* ra = load_rules(argv[1]);
  YR_RULES* rb = load_rules(argv[2]);
  YR_SCANNER *sa, *sb;
  if (ra == NULL || rb == NULL || c.count == 0 ||
      yr_scanner_create(ra, &sa) != ERROR_SUCCESS ||
      yr_scanner_create(rb, &sb) != ERROR_SUCCESS)
  {
    fprintf(stderr, "scan-bench: cannot compile rules or no files\n");
    return 1;
  }
  double* ta = calloc(rounds, sizeof(double));
  double* tb = calloc(rounds, sizeof(double));
  long ma = 0, mb = 0;
  for (int r = 0; r < rounds; r++)
  {
    ta[r] = round_time(sa, &c, &ma);
    tb[r] = round_time(sb, &c, &mb);
  }
  qsort(ta, rounds, sizeof(double), cmp_double);
  qsort(tb, rounds, sizeof(double), cmp_double);
  double a = ta[rounds / 2], b = tb[rounds / 2];
  double mb_total = c.bytes / 1e6;
  printf(
      "files: %zu (%.1f MB), rounds: %d, single thread, files in memory\n",
      c.count,
      mb_total,
      rounds);
  printf(
      "A %-28s median %.3f s  %8.0f files/s  %7.1f MB/s  matches/round %ld\n",
      argv[1],
      a,
      c.count / a,
      mb_total / a,
      ma / rounds);
  printf(
      "B %-28s median %.3f s  %8.0f files/s  %7.1f MB/s  matches/round %ld\n",
      argv[2],
      b,
      c.count / b,
      mb_total / b,
      mb / rounds);
  printf(
      "ratio B/A (time): %.3f  (B costs %+.1f%%; %.1f us/file more)\n",
      b / a,
      100.0 * (b / a - 1),
      1e6 * (b - a) / c.count);
  yr_scanner_destroy(sa);
  yr_scanner_destroy(sb);
  yr_rules_destroy(ra);
  yr_rules_destroy(rb);
  yr_finalize();
  return 0;
}
