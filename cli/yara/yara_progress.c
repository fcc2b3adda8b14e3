#include "cli/yara/yara_progress.h"

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "cli/common/progress.h"

struct yara_progress
{
  scan_shared* sh;
  const char* target;
  atomic_llong total; /* -1 until counted */
  atomic_int counted; /* set to stop the count early */
  pthread_t counter;
  int counting;
  pthread_t thread;
  pthread_mutex_t lock;
  pthread_cond_t wake;
  int stop; /* under lock */
  int tty;  /* stderr is a terminal: one line redrawn in place */
  struct timespec start;
};

static double seconds_since(const struct timespec* t0)
{
  struct timespec now;
  clock_gettime(CLOCK_MONOTONIC, &now);
  return (double) (now.tv_sec - t0->tv_sec) +
         (double) (now.tv_nsec - t0->tv_nsec) / 1e9;
}

/* "\r" and erase-to-end so the line is redrawn in place; under the output
   lock so it never cuts an error message in two. */
static void draw(yara_progress* p, const char* end)
{
  char line[160];
  progress_format(
      line,
      sizeof(line),
      atomic_load(&p->sh->files_done),
      atomic_load(&p->total),
      seconds_since(&p->start));
  pthread_mutex_lock(&p->sh->out_lock);
  /* Not a terminal (a log, a pipe): whole lines, as malml --progress. */
  fprintf(
      stderr,
      "%s%s, %lld errors%s",
      p->tty ? "\r\033[K" : "",
      line,
      (long long) atomic_load(&p->sh->errors),
      p->tty ? end : "\n");
  pthread_mutex_unlock(&p->sh->out_lock);
}

/* The total: the same walk the scan makes (-r, -N), only counting. */
static void* counter_main(void* arg)
{
  yara_progress* p = arg;
  const yara_config* cfg = p->sh->cfg;
  long long n = progress_count(
      &p->target, 1, cfg->recursive, cfg->follow_symlinks, &p->counted);
  if (n >= 0)
    atomic_store(&p->total, n);
  return NULL;
}

static void* progress_main(void* arg)
{
  yara_progress* p = arg;
  pthread_mutex_lock(&p->lock);
  while (!p->stop)
  {
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    /* Twice a second in place on a terminal; every 10 s into a log. */
    until.tv_sec += p->tty ? 0 : 10;
    until.tv_nsec += p->tty ? 500000000L : 0;
    if (until.tv_nsec >= 1000000000L)
    {
      until.tv_sec++;
      until.tv_nsec -= 1000000000L;
    }
    pthread_cond_timedwait(&p->wake, &p->lock, &until);
    if (!p->stop)
      draw(p, "");
  }
  pthread_mutex_unlock(&p->lock);
  return NULL;
}

yara_progress* yara_progress_start(scan_shared* sh, const char* target)
{
  yara_progress* p = calloc(1, sizeof(*p));
  if (p == NULL)
    return NULL;
  p->tty = isatty(STDERR_FILENO);
  p->sh = sh;
  p->target = target;
  atomic_store(&p->total, -1);
  clock_gettime(CLOCK_MONOTONIC, &p->start);
  pthread_mutex_init(&p->lock, NULL);
  pthread_cond_init(&p->wake, NULL);
  if (pthread_create(&p->thread, NULL, progress_main, p) != 0)
  {
    pthread_mutex_destroy(&p->lock);
    pthread_cond_destroy(&p->wake);
    free(p);
    return NULL;
  }
  if (target != NULL)
    p->counting = pthread_create(&p->counter, NULL, counter_main, p) == 0;
  return p;
}

void yara_progress_stop(yara_progress* p)
{
  if (p == NULL)
    return;
  atomic_store(&p->counted, 1);
  if (p->counting)
    pthread_join(p->counter, NULL);
  pthread_mutex_lock(&p->lock);
  p->stop = 1;
  pthread_cond_signal(&p->wake);
  pthread_mutex_unlock(&p->lock);
  pthread_join(p->thread, NULL);
  draw(p, "\n");
  pthread_mutex_destroy(&p->lock);
  pthread_cond_destroy(&p->wake);
  free(p);
}
