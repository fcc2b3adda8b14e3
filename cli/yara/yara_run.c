#include "cli/yara/yara_run.h"
#include <stdatomic.h>

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli/common/workers.h"
#include "cli/yara/yara_progress.h"
#include "cli/yara/yara_rules.h"

static bool is_directory(const char* path)
{
  struct stat st;
  return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

static void* thread_init(void* shared)
{
  scan_thread* t = malloc(sizeof(*t));
  if (t == NULL)
    return NULL;
  int rc = scan_thread_init(t, shared);
  if (rc != ERROR_SUCCESS)
  {
    rules_print_error(rc);
    scan_thread_fini(t);
    free(t);
    return NULL;
  }
  return t;
}

static void thread_fini(void* state)
{
  scan_thread_fini(state);
  free(state);
}

/* A directory scan stops starting files at the -a deadline, as YARA's
   threads do; the file being scanned gets what is left of it. */
static void on_file(void* state, const char* path)
{
  scan_thread* t = state;
  time_t now = time(NULL);
  if (now >= t->sh->deadline)
    return;
  yr_scanner_set_timeout(t->scanner, (int) (t->sh->deadline - now));
  scan_file(t, path, true);
}

/*
 * YARA 4.2 passes over entries it cannot stat (vanished files, dangling
 * symlinks, loops) in silence, so we do too; a directory it cannot list it
 * also skips silently, which hides a whole subtree: that one we report.
 */
static void on_walk_error(void* shared, const char* path, int err)
{
  scan_shared* sh = shared;
  if (err == ENOENT || err == ELOOP || err == ENOTDIR)
    return;
  atomic_fetch_add(&sh->errors, 1);
  pthread_mutex_lock(&sh->out_lock);
  fflush(stdout);
  fprintf(stderr, "error scanning %s: %s\n", path, strerror(err));
  pthread_mutex_unlock(&sh->out_lock);
}

static void on_skip(void* shared, const char* path, long long size)
{
  scan_shared* sh = shared;
  pthread_mutex_lock(&sh->out_lock);
  fprintf(
      stderr,
      "skipping %s (%lld bytes) because it's larger than %lld bytes.\n",
      path,
      size,
      sh->cfg->skip_larger);
  pthread_mutex_unlock(&sh->out_lock);
}

/* Lines are paths; a directory line is walked like a directory target. */
static int feed_scan_list(workers_pool* p, const char* list)
{
  FILE* f = fopen(list, "r");
  if (f == NULL)
  {
    fprintf(stderr, "error: could not open file \"%s\".\n", list);
    return -1;
  }
  char* line = NULL;
  size_t size = 0;
  ssize_t n;
  while ((n = getline(&line, &size, f)) != -1)
  {
    if (n > 0 && line[n - 1] == '\n')
      line[n - 1] = '\0';
    if (is_directory(line))
      workers_add_target(p, line);
    else
    {
      char* copy = strdup(line);
      if (copy != NULL)
        workers_add_file(p, copy);
    }
  }
  free(line);
  fclose(f);
  return 0;
}

static int run_threads(scan_shared* sh, const char* target)
{
  const yara_config* cfg = sh->cfg;
  workers_options o = {
      .threads = (int) cfg->threads,
      .recursive = cfg->recursive,
      .follow_symlinks = cfg->follow_symlinks,
      .thread_init = thread_init,
      .on_file = on_file,
      .thread_fini = thread_fini,
      .on_walk_error = on_walk_error,
      .shared = sh,
      .always_slash = 1,
      .skip_larger = cfg->skip_larger,
      .on_skip = on_skip,
  };
  /* YARA 4.2 starts no scanning thread for -p 0 or less: nothing is
     scanned (and it hangs past 64 files); we just scan nothing. */
  if (cfg->threads < 1)
    return EXIT_SUCCESS;
  workers_pool* p = workers_start(&o);
  if (p == NULL)
  {
    fprintf(stderr, "error: %d\n", ERROR_INTERNAL_FATAL_ERROR);
    return EXIT_FAILURE;
  }
  progress* pr = cfg->progress ? progress_start(sh) : NULL;
  int rc = 0;
  if (cfg->scan_list)
    rc = feed_scan_list(p, target);
  else
    workers_add_target(p, target);
  workers_finish(p);
  progress_stop(pr);
  /* Unlike YARA 4.2.3 (which exits 0), a file or directory that could not
     be scanned makes the exit status 1 once the scan has gone on through
     the rest: pipelines must be able to tell a complete scan from one that
     skipped files (issue 3; listed in --help and yara(1)). */
  if (atomic_load(&sh->errors) > 0)
    return EXIT_FAILURE;
  return rc == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

static int run_single(scan_shared* sh, const char* target)
{
  scan_thread t;
  int rc = scan_thread_init(&t, sh);
  if (rc != ERROR_SUCCESS)
  {
    fprintf(stderr, "error: %d\n", rc);
    scan_thread_fini(&t);
    return EXIT_FAILURE;
  }
  yr_scanner_set_timeout(t.scanner, (int) sh->cfg->timeout);
  rc = scan_file(&t, target, false);
  scan_thread_fini(&t);
  return rc == ERROR_SUCCESS ? EXIT_SUCCESS : EXIT_FAILURE;
}

int yara_run(scan_shared* sh, const char* target)
{
  bool dir = is_directory(target);
  if (sh->cfg->scan_list && dir)
  {
    fprintf(stderr, "error: cannot use a directory as scan list.\n");
    return EXIT_FAILURE;
  }
  if (sh->cfg->scan_list || dir)
    return run_threads(sh, target);
  return run_single(sh, target);
}
