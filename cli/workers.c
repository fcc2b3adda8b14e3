#include "workers.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>

#include "pathqueue.h"
#include "walk.h"

#define MAX_THREADS 64

typedef struct
{
  const workers_options* o;
  pathqueue queue;
} pool;

static void* thread_main(void* arg)
{
  pool* p = arg;
  void* state = p->o->thread_init ? p->o->thread_init(p->o->shared) : p->o->shared;
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
  pathqueue_push(&((pool*) ctx)->queue, path);
}

static void walk_error(void* ctx, const char* path, int err)
{
  pool* p = ctx;
  if (p->o->on_walk_error)
    p->o->on_walk_error(p->o->shared, path, err);
}

int workers_run(const char* const* targets, int ntargets, const workers_options* o)
{
  pthread_t threads[MAX_THREADS];
  pool p = {.o = o};
  int n = o->threads < 1 ? 1 : (o->threads > MAX_THREADS ? MAX_THREADS : o->threads);
  int started = 0, errors = 0;

  if (pathqueue_init(&p.queue, 1024) != 0)
    return -1;
  for (; started < n; started++)
    if (pthread_create(&threads[started], NULL, thread_main, &p) != 0)
      break;
  if (started > 0)
  {
    walk_options w = {o->recursive, o->follow_symlinks, push_file, walk_error, &p};
    for (int t = 0; t < ntargets; t++) errors += walk_target(targets[t], &w);
  }
  pathqueue_close(&p.queue);
  for (int t = 0; t < started; t++) pthread_join(threads[t], NULL);
  pathqueue_destroy(&p.queue);
  return started > 0 ? errors : -1;
}
