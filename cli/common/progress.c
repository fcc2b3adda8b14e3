#include "cli/common/progress.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "cli/common/walk.h"

struct progress
{
  const char* who;
  const char* const* targets;
  int ntargets;
  int follow_symlinks;
  int tty;
  atomic_llong done;
  atomic_llong total; /* -1 until the count is done */
  atomic_int stop;
  struct timespec start;
  pthread_t counter, drawer;
  int counting, drawing;
};

static double seconds_since(const struct timespec* t0)
{
  struct timespec now;
  clock_gettime(CLOCK_MONOTONIC, &now);
  return (double) (now.tv_sec - t0->tv_sec) +
         (double) (now.tv_nsec - t0->tv_nsec) / 1e9;
}

void progress_format(
    char* buf,
    unsigned long size,
    long long done,
    long long total,
    double seconds)
{
  double rate = seconds > 0 ? (double) done / seconds : 0;
  int n;
  if (total >= 0)
    n = snprintf(
        buf,
        size,
        "%lld / %lld files, %.1f%%, %.1f files/s",
        done,
        total,
        total > 0 ? 100.0 * (double) done / (double) total : 100.0,
        rate);
  else
    n = snprintf(buf, size, "%lld files, %.1f files/s", done, rate);
  if (total >= 0 && done > 0 && done < total && rate > 0 && n > 0 &&
      (unsigned long) n < size)
  {
    long long left = (long long) ((double) (total - done) / rate + 0.5);
    snprintf(
        buf + n,
        size - (unsigned long) n,
        ", %lld:%02lld:%02lld left",
        left / 3600,
        left / 60 % 60,
        left % 60);
  }
}

static void count_file(void* ctx, char* path)
{
  ++*(long long*) ctx;
  free(path);
}

static void count_error(void* ctx, const char* path, int err)
{
  (void) ctx, (void) path, (void) err;
}

long long progress_count(
    const char* const* targets,
    int ntargets,
    int recursive,
    int follow_symlinks,
    const atomic_int* stop)
{
  long long count = 0;
  walk_options o = {
      .recursive = recursive,
      .follow_symlinks = follow_symlinks,
      .on_file = count_file,
      .on_error = count_error,
      .ctx = &count};
  for (int i = 0; i < ntargets && !atomic_load(stop); i++)
    walk_target(targets[i], &o);
  return atomic_load(stop) ? -1 : count;
}

/* The same walk the run makes (recursive, the same symlink rule), only
   counting; the total shows once it is complete. */
static void* counter_main(void* arg)
{
  progress* p = arg;
  long long n =
      progress_count(p->targets, p->ntargets, 1, p->follow_symlinks, &p->stop);
  if (n >= 0)
    atomic_store(&p->total, n);
  return NULL;
}

static void draw(progress* p, int last)
{
  char line[160];
  progress_format(
      line,
      sizeof(line),
      atomic_load(&p->done),
      atomic_load(&p->total),
      seconds_since(&p->start));
  if (p->tty)
    fprintf(stderr, "\r\033[K%s: %s%s", p->who, line, last ? "\n" : "\r");
  else
    fprintf(stderr, "%s: %s\n", p->who, line);
  fflush(stderr);
}

static void* drawer_main(void* arg)
{
  progress* p = arg;
  /* Tenths of a second, so stopping is prompt. */
  int period = p->tty ? 5 : 100;
  for (int t = 1; !atomic_load(&p->stop); t++)
  {
    struct timespec tenth = {0, 100000000L};
    nanosleep(&tenth, NULL);
    if (t % period == 0 && !atomic_load(&p->stop))
      draw(p, 0);
  }
  return NULL;
}

progress* progress_start(
    const char* who,
    const char* const* targets,
    int ntargets,
    int follow_symlinks,
    progress_mode mode)
{
  int tty = isatty(STDERR_FILENO);
  if (mode == PROGRESS_OFF || (mode == PROGRESS_AUTO && !tty))
    return NULL;
  progress* p = calloc(1, sizeof(*p));
  if (p == NULL)
    return NULL;
  p->who = who;
  p->targets = targets;
  p->ntargets = ntargets;
  p->follow_symlinks = follow_symlinks;
  p->tty = tty;
  atomic_store(&p->total, -1);
  clock_gettime(CLOCK_MONOTONIC, &p->start);
  p->counting = pthread_create(&p->counter, NULL, counter_main, p) == 0;
  p->drawing = pthread_create(&p->drawer, NULL, drawer_main, p) == 0;
  return p;
}

void progress_tick(progress* p)
{
  if (p != NULL)
    atomic_fetch_add(&p->done, 1);
}

void progress_stop(progress* p)
{
  if (p == NULL)
    return;
  atomic_store(&p->stop, 1);
  if (p->drawing)
    pthread_join(p->drawer, NULL);
  if (p->counting)
    pthread_join(p->counter, NULL);
  draw(p, 1);
  free(p);
}
