#include "cli/yara/yara_progress.h"

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

struct progress
{
  scan_shared* sh;
  pthread_t thread;
  pthread_mutex_t lock;
  pthread_cond_t wake;
  int stop; /* under lock */
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
static void draw(progress* p, const char* end)
{
  double s = seconds_since(&p->start);
  long long files = atomic_load(&p->sh->files_done);
  pthread_mutex_lock(&p->sh->out_lock);
  fprintf(
      stderr,
      "\r\033[K%lld files, %.1f files/s, %lld errors%s",
      files,
      s > 0 ? (double) files / s : 0.0,
      (long long) atomic_load(&p->sh->errors),
      end);
  pthread_mutex_unlock(&p->sh->out_lock);
}

static void* progress_main(void* arg)
{
  progress* p = arg;
  pthread_mutex_lock(&p->lock);
  while (!p->stop)
  {
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_nsec += 500000000L;
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

progress* progress_start(scan_shared* sh)
{
  if (!isatty(STDERR_FILENO))
    return NULL;
  progress* p = calloc(1, sizeof(*p));
  if (p == NULL)
    return NULL;
  p->sh = sh;
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
  return p;
}

void progress_stop(progress* p)
{
  if (p == NULL)
    return;
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
