/*
 * Private to yara: scanning files with compiled rules and printing what
 * YARA 4.2 prints for them.  yara_scan.c scans one file on one thread;
 * yara_run.c drives a whole run (one file, a directory, a scan list).
 */
#ifndef MALML_YARA_SCAN_H
#define MALML_YARA_SCAN_H

#include <jansson.h>
#include <pthread.h>
#include <stdatomic.h>
#include <time.h>
#include <yara.h>

#include "cli/common/mapped.h"
#include "cli/yara/yara_config.h"
#include "cli/yara/yara_malml.h"
#include "cli/yara/yara_output.h"

/* -x MODULE=FILE: the file is mapped once and shared read-only. */
typedef struct
{
  const char* module;
  YR_MAPPED_FILE file;
} module_data;

/* What the supervisor and its scanning processes (copies made by fork)
 * share; only the counters change. */
typedef struct
{
  const yara_config* cfg;
  YR_RULES* rules;
  const module_data* mdata;
  int nmdata;
  int flags;   /* SCAN_FLAGS_* */
  bool in_dir; /* the files come from a directory or a scan list */
  /* Matches over all files, for -l: in memory shared by the supervisor
     and every worker (yara_run maps it before the workers are forked), so
     each worker sees the matches the others count as they count them. */
  atomic_llong* limit_count;
  atomic_llong files_done;  /* supervisor: for --progress */
  atomic_llong errors;      /* supervisor */
  pthread_mutex_t out_lock; /* supervisor: results vs the progress line */
} scan_shared;

/* One scanning process's state. */
typedef struct
{
  scan_shared* sh;
  YR_SCANNER* scanner;
  const char* path; /* being scanned */
  int current_count;
  int rule_callbacks; /* for this file so far (on_rule) */
  outbuf out;
  json_t* matches;      /* JSON output: this file's entries */
  json_t* console;      /* JSON output: console module messages */
  json_t* modules;      /* JSON output with -D: each module's object */
  bool is_process;      /* the target is a pid: no sha256 */
  malml_summary malml;  /* when the rules import malml (yara_malml.h) */
  mapped_reader reader; /* small files' bytes, reused */
  char malml_line[MALML_MODEL_MAX_VERSION + 96]; /* --print-scores */
  const char* refusal; /* why malml stopped this file (malml.h), or NULL */
} scan_thread;

/* Returns a libyara error code; `t` is ready for scan_file on success. */
int scan_thread_init(scan_thread* t, scan_shared* sh);
void scan_thread_fini(scan_thread* t);

/*
 * Scans one file and prints its results on stdout and its error on stderr
 * (in a worker process, both are captured for the supervisor).  `in_dir`:
 * the file came from a directory or a scan list, so -c prints "path: count";
 * otherwise a numeric target that is not a file is scanned as a process
 * id, as YARA does.  Returns the libyara result.
 */
int scan_file(scan_thread* t, const char* path, bool in_dir);

/* "error scanning PATH: " and YARA's text for `error` on stderr. */
void scan_print_error(scan_thread* t, const char* path, int error);

#endif
