/*
 * Runs a job on every file under the scan targets in worker processes
 * (supervise.h): the calling process walks the targets and hands each file
 * to the next free worker.
 */
#ifndef MALML_WORKERS_H
#define MALML_WORKERS_H

#include "cli/common/supervise.h"

typedef struct
{
  supervise_options scan; /* the workers and each file's job */
  int recursive;
  int follow_symlinks;
  /* Called in the supervisor, with scan.shared: */
  void (*on_walk_error)(void* shared, const char* path, int err);
  /* Optional, see walk_options: YARA's "dir/name" joining, and files inside
     directories of at least skip_larger bytes handed to on_skip instead. */
  int always_slash;
  long long skip_larger;
  void (*on_skip)(void* shared, const char* path, long long size);
  int report_special; /* see walk_options */
} workers_options;

/* Returns the number of walk errors, or -1 if no worker could start. */
int workers_run(
    const char* const* targets,
    int ntargets,
    const workers_options* o);

/*
 * The same in steps, for callers whose targets arrive one by one (a scan
 * list read line by line): start the workers, add files (scanned as they
 * are, not walked) or targets (walked), then finish, which waits for every
 * file and returns the number of walk errors.
 */
typedef struct workers_pool workers_pool;

/* Returns NULL if no worker could start. */
workers_pool* workers_start(const workers_options* o);
void workers_add_file(workers_pool* p, const char* path);
void workers_add_target(workers_pool* p, const char* target);
int workers_finish(workers_pool* p);

#endif
