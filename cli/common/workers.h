/*
 * Runs a function on every file under the scan targets with N threads: the
 * calling thread walks the targets and feeds a bounded queue.
 */
#ifndef MALML_WORKERS_H
#define MALML_WORKERS_H

typedef struct
{
  int threads;
  int recursive;
  int follow_symlinks;
  /* Per thread: make its state (e.g. a YR_SCANNER), run files, free it. */
  void* (*thread_init)(void* shared);
  void (*on_file)(void* thread_state, const char* path);
  void (*thread_fini)(void* thread_state);
  /* A target or directory entry that could not be read. */
  void (*on_walk_error)(void* shared, const char* path, int err);
  void* shared;
  /* Optional, see walk_options: YARA's "dir/name" joining, and files inside
     directories of at least skip_larger bytes handed to on_skip instead. */
  int always_slash;
  long long skip_larger;
  void (*on_skip)(void* shared, const char* path, long long size);
  int report_special; /* see walk_options */
} workers_options;

/* Returns the number of walk errors, or -1 if the threads could not start. */
int workers_run(
    const char* const* targets,
    int ntargets,
    const workers_options* o);

/*
 * The same in steps, for callers whose targets arrive one by one (a scan
 * list read line by line): start the threads, add files (queued as they
 * are, not walked) or targets (walked), then finish, which waits for the
 * threads and returns the number of walk errors.
 */
typedef struct workers_pool workers_pool;

/* Returns NULL if no thread could start. */
workers_pool* workers_start(const workers_options* o);
/* Takes ownership of `path` (malloc'd). */
void workers_add_file(workers_pool* p, char* path);
void workers_add_target(workers_pool* p, const char* target);
int workers_finish(workers_pool* p);

#endif
