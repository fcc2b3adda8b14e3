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
} workers_options;

/* Returns the number of walk errors, or -1 if the threads could not start. */
int workers_run(const char* const* targets, int ntargets, const workers_options* o);

#endif
