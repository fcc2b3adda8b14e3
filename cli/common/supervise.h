/*
 * Scans files in worker processes under a supervisor, so that no single file
 * can stall, crash or exhaust a scan.
 *
 * Why processes: the work that hangs or blows up is inside libyara's own
 * parsers (pe 4.2.3 loops forever on a resource directory that points back
 * at itself, and allocates 1.45 GB for 16,384 import descriptors), where no
 * timeout is checked.  Only killing the process doing it stops it.  So the
 * supervisor (the calling process) hands one path at a time to each worker
 * (a fork of itself, sharing the compiled rules copy-on-write), waits with a
 * deadline, and kills and replaces a worker that overruns or dies.
 *
 * A worker's stdout and stderr are captured per file and handed back with
 * its result, so a file's output is written whole, by the supervisor, or not
 * at all (a killed worker's partial output is dropped).
 */
#ifndef MALML_SUPERVISE_H
#define MALML_SUPERVISE_H

#include <stddef.h>

/* What a worker sends back for one file. */
typedef struct
{
  int status;    /* the job's own code (e.g. a libyara error) */
  long long aux; /* the job's own number (e.g. matches found) */
  const char* out;
  size_t out_len; /* what the job wrote to stdout */
  const char* err;
  size_t err_len; /* ... and to stderr */
  const void* data;
  size_t data_len; /* binary payload set with supervise_reply_data */
} supervise_result;

/* Filled by a job in the worker; see supervise_options.work. */
typedef struct supervise_reply supervise_reply;
void supervise_reply_status(supervise_reply* r, int status, long long aux);
/* Copies data[0..len) into the reply; returns 0, or -1 out of memory. */
int supervise_reply_data(supervise_reply* r, const void* data, size_t len);

/* The default of memory_limit, in MiB, in every program
 * (`--worker-memory=MIB`): far above a normal file's needs (tens of MB); a
 * file whose parse asks for more is reported as out of memory instead of
 * driving the machine into swap. */
#define SUPERVISE_DEFAULT_MEMORY_MIB 2048
#define SUPERVISE_DEFAULT_MEMORY_TEXT "2048" /* the same, for help texts */

typedef struct
{
  int workers;            /* processes, >= 1 */
  double timeout;         /* seconds per file before the worker is killed;
                             <= 0: never */
  long long memory_limit; /* bytes each worker may allocate beyond what it
                             holds after worker_init (RLIMIT_DATA); 0: no
                             limit */
  void* shared;
  /* In each new worker process, once, before memory_limit is set: its
     state, or NULL if it cannot run (every file it is given is then lost
     with that reason).  What every file needs and a worker keeps (buffers,
     models) belongs here, so that no file pays for it and the headroom is
     the same for each. */
  void* (*worker_init)(void* shared);
  /* Optional, in the supervisor as a file is sent to a worker: the `arg`
     its job gets (e.g. the matches so far).  0 without it. */
  long long (*job_arg)(void* shared);
  /* In the worker: does one file. */
  void (
      *work)(void* state, const char* path, long long arg, supervise_reply* r);
  /* In the supervisor, in the order results arrive: */
  void (*on_result)(void* shared, const char* path, const supervise_result* r);
  /* A file whose worker overran the timeout, crashed or could not start;
     `why` says which, in words. */
  void (*on_lost)(void* shared, const char* path, const char* why);
} supervise_options;

typedef struct supervisor supervisor;

/* Starts the workers.  NULL (errno set) if not even one could start.
 * stdio is flushed first, so no buffered output is inherited twice. */
supervisor* supervise_start(const supervise_options* o);

/* Hands a file to the next free worker, handling results meanwhile. */
void supervise_add(supervisor* s, const char* path);

/* Waits for every file handed out, stops the workers and frees `s`. */
void supervise_finish(supervisor* s);

#endif
