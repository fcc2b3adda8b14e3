#include "cli/common/workers.h"

#include <stdlib.h>

#include "cli/common/walk.h"

struct workers_pool
{
  const workers_options* o;
  supervisor* scan;
  int errors;
};

void workers_add_file(workers_pool* p, const char* path)
{
  supervise_add(p->scan, path);
}

static void walk_file(void* ctx, char* path)
{
  workers_add_file(ctx, path);
  free(path);
}

static void walk_error(void* ctx, const char* path, int err)
{
  workers_pool* p = ctx;
  if (p->o->on_walk_error)
    p->o->on_walk_error(p->o->scan.shared, path, err);
}

static void walk_skip(void* ctx, const char* path, long long size)
{
  workers_pool* p = ctx;
  if (p->o->on_skip)
    p->o->on_skip(p->o->scan.shared, path, size);
}

workers_pool* workers_start(const workers_options* o)
{
  workers_pool* p = calloc(1, sizeof(*p));
  if (p == NULL)
    return NULL;
  p->o = o;
  if ((p->scan = supervise_start(&o->scan)) == NULL)
  {
    free(p);
    return NULL;
  }
  return p;
}

void workers_add_target(workers_pool* p, const char* target)
{
  walk_options w = {
      .recursive = p->o->recursive,
      .follow_symlinks = p->o->follow_symlinks,
      .on_file = walk_file,
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
  supervise_finish(p->scan);
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
