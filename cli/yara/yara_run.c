#include "cli/yara/yara_run.h"

#include <errno.h>
#include <inttypes.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include "cli/common/workers.h"
#include "cli/yara/yara_json.h"
#include "cli/yara/yara_progress.h"
#include "cli/yara/yara_rules.h"
#include "modules/malml/malml.h"

/* A worker killed at -a plus this is stuck where libyara checks no timeout
   (inside a module's parse); libyara's own timeout fires at -a elsewhere. */
#define KILL_GRACE_SECONDS 1.0

static bool is_directory(const char* path)
{
  struct stat st;
  return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/* ---- in each scanning process ---- */

static void* worker_init(void* shared)
{
  scan_shared* sh = shared;
  scan_thread* t = malloc(sizeof(*t));
  if (t == NULL)
    return NULL;
  int rc = scan_thread_init(t, sh);
  if (rc != ERROR_SUCCESS)
    return NULL; /* the process ends: nothing to free */
  yr_scanner_set_timeout(t->scanner, (int) sh->cfg->timeout);
  /* Before the memory limit (supervise.h): no file's headroom depends on
     the sizes of the files before it. */
  mapped_reader_reserve(&t->reader);
  return t;
}

static void
work(void* state, const char* path, long long arg, supervise_reply* r)
{
  (void) arg;
  scan_thread* t = state;
  int rc = scan_file(t, path, t->sh->in_dir);
  supervise_reply_status(r, rc, t->current_count);
}

/* ---- in the supervisor ---- */

static void on_result(void* shared, const char* path, const supervise_result* r)
{
  scan_shared* sh = shared;
  pthread_mutex_lock(&sh->out_lock);
  fwrite(r->out, 1, r->out_len, stdout);
  if (r->err_len > 0)
  {
    /* stdout first, so a terminal shows the error after the results. */
    fflush(stdout);
    fwrite(r->err, 1, r->err_len, stderr);
  }
  pthread_mutex_unlock(&sh->out_lock);
  atomic_fetch_add(&sh->files_done, 1);
  if (r->status != ERROR_SUCCESS)
    atomic_fetch_add(&sh->errors, 1);
}

/* A file whose process overran -a or crashed: said like any scan error
   (and in JSON output, a line with the error, as for any failed file). */
static void on_lost(void* shared, const char* path, const char* why)
{
  scan_shared* sh = shared;
  pthread_mutex_lock(&sh->out_lock);
  if (sh->cfg->json)
    json_print_lost(path, why);
  fflush(stdout);
  fprintf(stderr, "error scanning %s: %s\n", path, why);
  pthread_mutex_unlock(&sh->out_lock);
  atomic_fetch_add(&sh->files_done, 1);
  atomic_fetch_add(&sh->errors, 1);
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
      workers_add_file(p, line);
  }
  free(line);
  fclose(f);
  return 0;
}

static workers_options run_options(scan_shared* sh, int workers)
{
  const yara_config* cfg = sh->cfg;
  workers_options o = {
      .scan =
          {.workers = workers,
           /* -a 0 is libyara's "no timeout" */
           .timeout = cfg->timeout > 0
                          ? (double) cfg->timeout + KILL_GRACE_SECONDS
                          : 0,
           .memory_limit = cfg->worker_memory * (1LL << 20),
           .shared = sh,
           .worker_init = worker_init,
           .work = work,
           .on_result = on_result,
           .on_lost = on_lost},
      .recursive = cfg->recursive,
      .follow_symlinks = cfg->follow_symlinks,
      .on_walk_error = on_walk_error,
      .always_slash = 1,
      .skip_larger = cfg->skip_larger,
      .on_skip = on_skip,
  };
  return o;
}

/* A single target (a file or a pid) is scanned in a worker too, so -a
   holds for it as for the files of a directory. */
static int run(scan_shared* sh, const char* target, bool in_dir)
{
  const yara_config* cfg = sh->cfg;
  sh->in_dir = in_dir;
  workers_options o = run_options(sh, in_dir ? (int) cfg->threads : 1);
  workers_pool* p = workers_start(&o);
  if (p == NULL)
  {
    fprintf(stderr, "error: %d\n", ERROR_INTERNAL_FATAL_ERROR);
    return EXIT_FAILURE;
  }
  yara_progress* pr =
      cfg->progress && in_dir
          ? yara_progress_start(sh, cfg->scan_list ? NULL : target)
          : NULL;
  int rc = 0;
  if (!in_dir)
    workers_add_file(p, target);
  else if (cfg->scan_list)
    rc = feed_scan_list(p, target);
  else
    workers_add_target(p, target);
  workers_finish(p);
  yara_progress_stop(pr);
  /* Unlike YARA 4.2.3 (which exits 0), a file or directory that could not
     be scanned makes the exit status 1 once the scan has gone on through
     the rest: pipelines must be able to tell a complete scan from one that
     skipped files (issue 3; listed in --help and yara(1)). */
  if (atomic_load(&sh->errors) > 0)
    return EXIT_FAILURE;
  return rc == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

/* -l's count of matches, in memory that the workers forked later share
   with each other (yara_scan.h); NULL if it cannot be mapped. */
static atomic_llong* shared_count(void)
{
  void* p = mmap(
      NULL,
      sizeof(atomic_llong),
      PROT_READ | PROT_WRITE,
      MAP_SHARED | MAP_ANONYMOUS,
      -1,
      0);
  if (p == MAP_FAILED)
    return NULL;
  atomic_init((atomic_llong*) p, 0);
  return p;
}

int yara_run(scan_shared* sh, const char* target)
{
  bool dir = is_directory(target);
  if (sh->cfg->scan_list && dir)
  {
    fprintf(stderr, "error: cannot use a directory as scan list.\n");
    return EXIT_FAILURE;
  }
  /* YARA 4.2 starts no scanning thread for -p 0 or less: nothing is
     scanned (and it hangs past 64 files); we just scan nothing. */
  if ((sh->cfg->scan_list || dir) && sh->cfg->threads < 1)
    return EXIT_SUCCESS;
  /* A -x malml=FILE model is parsed here, once, into the module's cache
     (keyed by these very bytes), which the workers inherit: parsed by each
     on its first file, it took that file's memory room (supervise.h). */
  for (int i = 0; i < sh->nmdata; i++)
  {
    const malml_model* m;
    if (strcmp(sh->mdata[i].module, "malml") == 0)
      malml_scoring_model(sh->mdata[i].file.data, sh->mdata[i].file.size, &m);
  }
  if ((sh->limit_count = shared_count()) == NULL)
  {
    rules_print_error(ERROR_INSUFFICIENT_MEMORY);
    return EXIT_FAILURE;
  }
  return run(sh, target, sh->cfg->scan_list || dir);
}
