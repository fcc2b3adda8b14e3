#include "cli/common/workers.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>

#include "cli/common/pathqueue.h"
#include "cli/common/walk.h"

#define MAX_THREADS 64

struct workers_pool
{
  const workers_options* o;
  pathqueue queue;
  pthread_t threads[MAX_THREADS];
  int started;
  int errors;
};

static void* thread_main(void* arg)
{
  workers_pool* p = arg;
  void* state =
      p->o->thread_init ? p->o->thread_init(p->o->shared) : p->o->shared;
  char* path;
  while ((path = pathqueue_pop(&p->queue)) != NULL)
  {
    if (state != NULL)
      p->o->on_file(state, path);
    else if (p->o->on_walk_error) /* the thread has no scanner: say so */
      p->o->on_walk_error(p->o->shared, path, ENOMEM);
    free(path);
  }
  if (p->o->thread_fini && state != NULL)
    p->o->thread_fini(state);
  return NULL;
}

static void push_file(void* ctx, char* path)
{
  pathqueue_push(&((workers_pool*) ctx)->queue, path);
}

static void walk_error(void* ctx, const char* path, int err)
{
  workers_pool* p = ctx;
  if (p->o->on_walk_error)
    p->o->on_walk_error(p->o->shared, path, err);
}

static void walk_skip(void* ctx, const char* path, long long size)
{
  workers_pool* p = ctx;
  if (p->o->on_skip)
    p->o->on_skip(p->o->shared, path, size);
}

workers_pool* workers_start(const workers_options* o)
{
  workers_pool* p = calloc(1, sizeof(*p));
  int n = o->threads < 1
              ? 1
              : (o->threads > MAX_THREADS ? MAX_THREADS : o->threads);
  if (p == NULL)
    return NULL;
  p->o = o;
  if (pathqueue_init(&p->queue, 1024) != 0)
  {
    free(p);
    return NULL;
  }
  for (; p->started < n; p->started++)
    if (pthread_create(&p->threads[p->started], NULL, thread_main, p) != 0)
      break;
  if (p->started == 0)
  {
    pathqueue_destroy(&p->queue);
    free(p);
    return NULL;
  }
  return p;
}

void workers_add_file(workers_pool* p, char* path)
{
  pathqueue_push(&p->queue, path);
}

void workers_add_target(workers_pool* p, const char* target)
{
  walk_options w = {
      .recursive = p->o->recursive,
      .follow_symlinks = p->o->follow_symlinks,
      .on_file = push_file,
      .on_error = walk_error,
      .ctx = p,
      .always_slash = p->o->always_slash,
      .skip_larger = p->o->skip_larger,
      .on_skip = walk_skip,
      .report_special = p->o->report_special,
  };
  p->errors += walk_target(target, &w);
}

int workers_finish(workers_pool* p)
{
  int errors = p->errors;
  pathqueue_close(&p->queue);
  for (int t = 0; t < p->started; t++) pthread_join(p->threads[t], NULL);
  pathqueue_destroy(&p->queue);
  free(p);
  return errors;
}

int workers_run(
    const char* const* targets,
    int ntargets,
    const workers_options* o)
{
  workers_pool* p = workers_start(o);
  if (p == NULL)
    return -1;
  for (int t = 0; t < ntargets; t++) workers_add_target(p, targets[t]);
  return workers_finish(p);
}
