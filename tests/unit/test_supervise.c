/*
 * The supervisor on the ways a scan can go wrong inside a parser: a loop
 * that never ends, a crash, an exit, an allocation bomb.  Each job here is
 * named for what it does; the ones between them must come back whole.
 */
#include <criterion/criterion.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli/common/supervise.h"

#define MAX_JOBS 64

typedef struct
{
  int results, lost;
  char result_path[MAX_JOBS][32];
  char out[MAX_JOBS][64], err[MAX_JOBS][64], data[MAX_JOBS][64];
  long long aux[MAX_JOBS];
  int status[MAX_JOBS];
  size_t out_len[MAX_JOBS];
  int out_intact[MAX_JOBS]; /* "big" output: every byte where it belongs */
  char lost_path[MAX_JOBS][32], why[MAX_JOBS][256];
  long long next_arg;
} tally;

static void* init(void* shared)
{
  return shared;
}

/* Byte i of a "big" job's output. */
static char big_byte(size_t i)
{
  return (char) ('a' + (i * 7 + i / 4096) % 26);
}

/* "ok N" prints and replies N; "big N" prints N bytes to stdout and N / 2 to
 * stderr, far more than a socket holds; the others do what they are named
 * for. */
static void
work(void* state, const char* path, long long arg, supervise_reply* r)
{
  int n = 0;
  if (sscanf(path, "big %d", &n) == 1)
  {
    for (size_t i = 0; i < (size_t) n; i++) putchar(big_byte(i));
    for (size_t i = 0; i < (size_t) n / 2; i++) fputc('e', stderr);
    supervise_reply_status(r, n, arg);
  }
  else if (sscanf(path, "ok %d", &n) == 1)
  {
    printf("out %d\n", n);
    fprintf(stderr, "err %d", n);
    supervise_reply_status(r, n, arg);
    char d[16];
    snprintf(d, sizeof(d), "data %d", n);
    supervise_reply_data(r, d, strlen(d) + 1);
  }
  else if (strcmp(path, "hang") == 0)
    for (;;) pause();
  else if (strcmp(path, "crash") == 0)
    raise(SIGSEGV);
  else if (strcmp(path, "exit") == 0)
    _exit(3);
  else if (strcmp(path, "die-after-reply") == 0)
    ualarm(50000, 0); /* SIGALRM ends the worker once it has replied */
  else if (strcmp(path, "bomb") == 0)
  {
    /* 4 GiB in 256 MiB steps, touched: fails only under the limit. */
    size_t got = 0;
    for (int i = 0; i < 16; i++)
    {
      char* p = malloc(256u << 20);
      if (p == NULL)
        break;
      memset(p, 1, 256u << 20);
      got += 256u << 20;
    }
    supervise_reply_status(r, got < (4ull << 30) ? -12 : 0, (long long) got);
  }
}

static long long job_arg(void* shared)
{
  return ((tally*) shared)->next_arg++;
}

static void copy(char* dst, size_t cap, const char* src, size_t len)
{
  snprintf(dst, cap, "%.*s", (int) len, src);
}

static void on_result(void* shared, const char* path, const supervise_result* r)
{
  tally* t = shared;
  int i = t->results++;
  snprintf(t->result_path[i], 32, "%s", path);
  copy(t->out[i], 64, r->out, r->out_len);
  t->out_len[i] = r->out_len;
  t->out_intact[i] = r->err_len == r->out_len / 2;
  for (size_t k = 0; k < r->out_len && t->out_intact[i]; k++)
    t->out_intact[i] = r->out[k] == big_byte(k);
  for (size_t k = 0; k < r->err_len && t->out_intact[i]; k++)
    t->out_intact[i] = r->err[k] == 'e';
  copy(t->err[i], 64, r->err, r->err_len);
  copy(t->data[i], 64, r->data, r->data_len);
  t->status[i] = r->status;
  t->aux[i] = r->aux;
}

static void on_lost(void* shared, const char* path, const char* why)
{
  tally* t = shared;
  int i = t->lost++;
  snprintf(t->lost_path[i], 32, "%s", path);
  snprintf(t->why[i], 256, "%s", why);
}

/* The supervisor these tests run: 1 s a file, results into t. */
static supervise_options options(tally* t, int workers, long long memory_limit)
{
  return (supervise_options){
      .workers = workers,
      .timeout = 1,
      .memory_limit = memory_limit,
      .shared = t,
      .worker_init = init,
      .job_arg = job_arg,
      .work = work,
      .on_result = on_result,
      .on_lost = on_lost};
}

static double run(
    tally* t,
    int workers,
    const char* const* jobs,
    int n,
    long long memory_limit)
{
  supervise_options o = options(t, workers, memory_limit);
  struct timespec a, b;
  clock_gettime(CLOCK_MONOTONIC, &a);
  supervisor* s = supervise_start(&o);
  cr_assert_not_null(s);
  for (int i = 0; i < n; i++) supervise_add(s, jobs[i]);
  supervise_finish(s);
  clock_gettime(CLOCK_MONOTONIC, &b);
  return (double) (b.tv_sec - a.tv_sec) + (b.tv_nsec - a.tv_nsec) / 1e9;
}

static const char* why_of(const tally* t, const char* path)
{
  for (int i = 0; i < t->lost; i++)
    if (strcmp(t->lost_path[i], path) == 0)
      return t->why[i];
  return NULL;
}

static void check_ok_results(const tally* t, int expected)
{
  cr_assert_eq(t->results, expected);
  for (int i = 0; i < t->results; i++)
  {
    int n;
    cr_assert_eq(sscanf(t->result_path[i], "ok %d", &n), 1);
    char want[64];
    snprintf(want, sizeof(want), "out %d\n", n);
    cr_expect_str_eq(t->out[i], want);
    snprintf(want, sizeof(want), "err %d", n);
    cr_expect_str_eq(t->err[i], want);
    snprintf(want, sizeof(want), "data %d", n);
    cr_expect_str_eq(t->data[i], want);
    cr_expect_eq(t->status[i], n);
  }
}

static void check_failures(const tally* t, double seconds)
{
  cr_assert_eq(t->lost, 3);
  const char* why = why_of(t, "hang");
  cr_assert_not_null(why);
  cr_expect(strstr(why, "timed out") != NULL, "hang: %s", why);
  why = why_of(t, "crash");
  cr_assert_not_null(why);
  cr_expect(
      strstr(why, "crashed") && strstr(why, "signal 11"), "crash: %s", why);
  why = why_of(t, "exit");
  cr_assert_not_null(why);
  cr_expect(strstr(why, "status 3") != NULL, "exit: %s", why);
  /* One timeout of 1 s, not one per later file. */
  cr_expect_lt(seconds, 4.0, "took %.1f s", seconds);
}

static const char* const jobs[] =
    {"ok 1", "hang", "ok 2", "crash", "ok 3", "exit", "ok 4", "ok 5"};

Test(supervise, one_worker_survives_hang_crash_and_exit)
{
  tally* t = calloc(1, sizeof(*t));
  double s = run(t, 1, jobs, 8, 0);
  check_ok_results(t, 5);
  check_failures(t, s);
  /* One worker: files go in order, and each job sees the arg taken as it
     was sent (8 jobs, args 0..7). */
  cr_expect_str_eq(t->result_path[0], "ok 1");
  cr_expect_str_eq(t->result_path[4], "ok 5");
  cr_expect_eq(t->aux[4], 7);
  free(t);
}

Test(supervise, two_workers_lose_nothing)
{
  tally* t = calloc(1, sizeof(*t));
  double s = run(t, 2, jobs, 8, 0);
  check_ok_results(t, 5);
  check_failures(t, s);
  free(t);
}

/* Replies larger than the socket's buffer come back whole and in place,
 * between small ones, from workers that both write at once. */
Test(supervise, large_output_comes_back_whole)
{
  tally* t = calloc(1, sizeof(*t));
  const char* const big[] = {
      "big 3145728", "big 1000003", "ok 1", "big 2500001", "ok 2", "big 7"};
  run(t, 2, big, 6, 0);
  cr_assert_eq(t->results, 6);
  cr_assert_eq(t->lost, 0);
  for (int i = 0; i < t->results; i++)
  {
    int n;
    if (sscanf(t->result_path[i], "big %d", &n) != 1)
      continue;
    cr_expect_eq(t->out_len[i], (size_t) n, "%s", t->result_path[i]);
    cr_expect(t->out_intact[i], "%s: output changed", t->result_path[i]);
    cr_expect_eq(t->status[i], n);
  }
  free(t);
}

/* A worker that dies after its reply (a crash while freeing, say) leaves
 * its end-of-file unread behind the reply; the next file sent to it was
 * never begun and must go to a new worker, not be reported lost. */
Test(supervise, a_worker_dead_between_files_loses_nothing)
{
  tally* t = calloc(1, sizeof(*t));
  supervise_options o = options(t, 1, 0);
  supervisor* s = supervise_start(&o);
  cr_assert_not_null(s);
  supervise_add(s, "die-after-reply");
  struct timespec wait = {0, 300 * 1000 * 1000}; /* it is dead by then */
  nanosleep(&wait, NULL);
  supervise_add(s, "ok 1");
  supervise_finish(s);
  cr_expect_eq(t->lost, 0, "lost %s: %s", t->lost_path[0], t->why[0]);
  cr_assert_eq(t->results, 2);
  cr_expect_str_eq(t->result_path[1], "ok 1");
  cr_expect_str_eq(t->out[1], "out 1\n");
  free(t);
}

Test(supervise, memory_limit_fails_the_allocation)
{
  tally* t = calloc(1, sizeof(*t));
  const char* const bomb[] = {"bomb", "ok 1"};
  run(t, 1, bomb, 2, 64LL << 20);
  cr_assert_eq(t->results, 2);
  cr_expect_str_eq(t->result_path[0], "bomb");
  cr_expect_eq(t->status[0], -12, "a 4 GiB allocation passed a 64 MiB limit");
  cr_expect_leq(t->aux[0], 64LL << 20);
  free(t);
}

/* A worker_init that keeps 48 MiB for the worker's life (as a model or a
 * read buffer is kept): allocated before the limit, so it is not counted. */
static void* init_keeps_48_mib(void* shared)
{
  return malloc(48u << 20) != NULL ? shared : NULL;
}

/* "alloc N": N MiB, touched; status 0, or -12 when malloc fails. */
static void
work_alloc(void* state, const char* path, long long arg, supervise_reply* r)
{
  int mib = 0;
  sscanf(path, "alloc %d", &mib);
  char* p = malloc((size_t) mib << 20);
  if (p != NULL)
    memset(p, 1, (size_t) mib << 20);
  supervise_reply_status(r, p != NULL ? 0 : -12, mib);
  free(p);
}

/* The limit is the room each file gets after worker_init: 40 MiB of a
 * 64 MiB limit fit though init keeps 48 (limit set before init: they did
 * not), and 80 MiB does not fit however much was freed before it. */
Test(supervise, memory_limit_counts_from_after_worker_init)
{
  tally* t = calloc(1, sizeof(*t));
  supervise_options o = options(t, 1, 64LL << 20);
  o.worker_init = init_keeps_48_mib;
  o.work = work_alloc;
  supervisor* s = supervise_start(&o);
  cr_assert_not_null(s);
  supervise_add(s, "alloc 40");
  supervise_add(s, "alloc 80");
  supervise_add(s, "alloc 40");
  supervise_finish(s);
  cr_assert_eq(t->results, 3, "lost %d", t->lost);
  cr_expect_eq(t->status[0], 0, "40 MiB failed: init's 48 MiB were counted");
  cr_expect_eq(t->status[1], -12, "80 MiB passed a 64 MiB limit");
  cr_expect_eq(t->status[2], 0, "40 MiB failed after the 80 MiB one");
  free(t);
}
