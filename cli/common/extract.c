#include "cli/common/extract.h"

#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/common/mapped.h"
#include "cli/common/sha256.h"
#include "cli/common/walk.h"
#include "cli/common/workers.h"

static const char extract_source[] = "import \"malml\"\n";

int extractor_rules(YR_RULES** rules)
{
  YR_COMPILER* compiler;
  int rc = yr_compiler_create(&compiler);
  if (rc != ERROR_SUCCESS)
    return rc;
  if (yr_compiler_add_string(compiler, extract_source, NULL) != 0)
    rc = ERROR_INTERNAL_FATAL_ERROR;
  else
    rc = yr_compiler_get_rules(compiler, rules);
  yr_compiler_destroy(compiler);
  return rc;
}

static int
on_message(YR_SCAN_CONTEXT* context, int message, void* data, void* user)
{
  extractor* x = user;
  if (message == CALLBACK_MSG_MODULE_IMPORTED)
  {
    YR_OBJECT* obj = data;
    if (strcmp(obj->identifier, "malml") != 0)
    {
      if (x->on_module != NULL)
        x->on_module(x->on_module_ctx, obj);
    }
    else if (obj->data != NULL)
    {
      memcpy(&x->features, obj->data, sizeof(x->features));
      x->got = 1;
    }
  }
  return CALLBACK_CONTINUE;
}

int extractor_init(extractor* x, YR_RULES* rules)
{
  memset(x, 0, sizeof(*x));
  int rc = yr_scanner_create(rules, &x->scanner);
  if (rc != ERROR_SUCCESS)
    return rc;
  yr_scanner_set_callback(x->scanner, on_message, x);
  /* A parser that crashes kills the worker (reported as a crash) instead of
     leaving its module objects to the next file: see yara_scan.c. */
  yr_scanner_set_flags(x->scanner, SCAN_FLAGS_NO_TRYCATCH);
  return rc;
}

void extractor_fini(extractor* x)
{
  if (x->scanner != NULL)
    yr_scanner_destroy(x->scanner);
  x->scanner = NULL;
  mapped_reader_free(&x->reader);
}

int extractor_run(extractor* x, const uint8_t* data, size_t size)
{
  x->got = 0;
  x->size = size;
  memset(&x->features, 0, sizeof(x->features));
  errno = 0;
  int rc = yr_scanner_scan_mem(x->scanner, data, size);
  x->refusal = malml_scan_refusal_take();
  if (rc == ERROR_SUCCESS && errno == ENOMEM)
    rc = ERROR_INSUFFICIENT_MEMORY; /* extract.h: extractor_run */
  if (rc == ERROR_SUCCESS && !x->got)
    rc = ERROR_INTERNAL_FATAL_ERROR;
  return rc;
}

/* Why a scan of a mapped file failed, for the errors YARA's scan returns
 * (yara itself prints only "error: N"). */
static const char* scan_error_text(int rc)
{
  switch (rc)
  {
  case ERROR_COULD_NOT_MAP_FILE:
    return "the file could not be read while it was scanned (it shrank or "
           "changed under the scan, or the disk failed)";
  case ERROR_INSUFFICIENT_MEMORY:
    return "out of memory while scanning it";
  case ERROR_SCAN_TIMEOUT:
    return "the scan timed out";
  case ERROR_TOO_MANY_MATCHES:
    return "too many matches";
  case ERROR_INVALID_MODULE_DATA:
    return "the model given with -x malml=FILE is not valid";
  default:
    return "scan failed (libyara error)";
  }
}

/* scan_error_text, with malml's reason when it refused the file (a loop
 * in the resource directory that pe would walk for days). */
static const char* scan_failure_text(const extractor* x, int rc)
{
  static __thread char text[320];
  if (rc != ERROR_SCAN_TIMEOUT || x->refusal == NULL)
    return scan_error_text(rc);
  snprintf(text, sizeof(text), "%s: %s", scan_error_text(rc), x->refusal);
  return text;
}

/* A file that shrinks while it is mapped raises SIGBUS on the next read.
 * libyara guards its own scan; the hash is read outside it, so it gets its
 * own guard.  Workers are single-threaded processes (supervise.h), so one
 * static jump buffer is enough. */
static sigjmp_buf bus_jump;

static void on_bus(int sig)
{
  siglongjmp(bus_jump, 1);
}

static int sha256_guarded(const uint8_t* data, size_t size, char sha[65])
{
  struct sigaction sa, old;
  memset(&sa, 0, sizeof(sa));
  sa.sa_handler = on_bus;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGBUS, &sa, &old);
  int rc = -2;
  if (sigsetjmp(bus_jump, 1) == 0)
    rc = sha256_hex(data, size, sha);
  sigaction(SIGBUS, &old, NULL);
  return rc;
}

int extractor_file(
    extractor* x,
    const char* path,
    char sha[65],
    const char** why)
{
  mapped_file m;
  int rc, err = mapped_open_with(path, &x->reader, &m);
  if (err != 0)
  {
    *why = strerror(err);
    return -1;
  }
  *why = NULL;
  if ((rc = sha256_guarded(m.data, m.size, sha)) == -2)
    *why = scan_error_text(ERROR_COULD_NOT_MAP_FILE);
  else if (rc != 0)
    *why = "sha256 failed";
  else if ((rc = extractor_run(x, m.data, m.size)) != ERROR_SUCCESS)
    *why = scan_failure_text(x, rc);
  mapped_close(&m);
  return *why == NULL ? 0 : -1;
}

/* What a worker ships to the supervisor for on_features. */
typedef struct
{
  char sha[65];
  malml_features f;
} shipped;

typedef struct
{
  const extract_each_options* o;
  YR_RULES* rules;
  int failures;
  shipped row; /* the supervisor's copy of the last row */
} each_shared;

typedef struct
{
  each_shared* shared;
  extractor x;
  void* state;
  shipped row;
} each_worker;

/* ---- in each worker process ---- */

static void* each_init(void* shared)
{
  each_shared* s = shared;
  each_worker* t = calloc(1, sizeof(*t));
  if (t == NULL)
    return NULL;
  t->shared = s;
  t->state = s->o->shared;
  if (extractor_init(&t->x, s->rules) != ERROR_SUCCESS ||
      (s->o->worker_init != NULL &&
       (t->state = s->o->worker_init(s->o->shared, &t->x)) == NULL))
    return NULL; /* the process is about to end: nothing to free */
  /* Before the memory limit (supervise.h): the whole read buffer now, so
     no file's headroom depends on the sizes of the files before it. */
  mapped_reader_reserve(&t->x.reader);
  return t;
}

static void
each_work(void* state, const char* path, long long arg, supervise_reply* r)
{
  each_worker* t = state;
  const extract_each_options* o = t->shared->o;
  const char* why;
  if (extractor_file(&t->x, path, t->row.sha, &why) != 0)
  {
    fputs(why, stderr);
    supervise_reply_status(r, -1, 0);
    return;
  }
  if (o->on_file != NULL &&
      o->on_file(t->state, path, t->row.sha, &t->x.features) != 0)
  {
    supervise_reply_status(r, -1, 0);
    return;
  }
  if (o->on_features != NULL)
  {
    t->row.f = t->x.features;
    if (supervise_reply_data(r, &t->row, sizeof(t->row)) != 0)
    {
      fputs(strerror(ENOMEM), stderr);
      supervise_reply_status(r, -1, 0);
    }
  }
}

/* ---- in the supervisor ---- */

static void each_fail(each_shared* s, const char* path, const char* why)
{
  fflush(stdout);
  fprintf(stderr, "%s: %s: %s\n", s->o->who, path, why);
  s->failures++;
  if (s->o->on_error != NULL)
  {
    s->o->on_error(s->o->shared, path, why);
    fflush(stdout);
  }
}

static void
each_result(void* shared, const char* path, const supervise_result* r)
{
  each_shared* s = shared;
  fwrite(r->out, 1, r->out_len, stdout);
  if (r->status != 0)
  {
    char why[512];
    snprintf(why, sizeof(why), "%.*s", (int) r->err_len, r->err);
    each_fail(s, path, why);
    return;
  }
  fwrite(r->err, 1, r->err_len, stderr);
  if (s->o->on_features != NULL && r->data_len == sizeof(s->row))
  {
    memcpy(&s->row, r->data, sizeof(s->row));
    s->o->on_features(s->o->shared, path, s->row.sha, &s->row.f);
  }
}

static void each_lost(void* shared, const char* path, const char* why)
{
  each_fail(shared, path, why);
}

static void each_walk_error(void* shared, const char* path, int err)
{
  each_fail(shared, path, walk_strerror(err));
}

/* supervise_options.memory_limit (bytes) of a worker_memory (MiB). */
static long long memory_limit(long long mib)
{
  if (mib == EXTRACT_NO_MEMORY_LIMIT)
    return 0;
  return (mib > 0 ? mib : SUPERVISE_DEFAULT_MEMORY_MIB) * (1LL << 20);
}

int extract_each(
    const char* const* targets,
    int ntargets,
    const extract_each_options* o)
{
  each_shared* s = calloc(1, sizeof(*s));
  if (s == NULL || extractor_rules(&s->rules) != ERROR_SUCCESS)
  {
    fprintf(stderr, "%s: cannot compile the extraction rule\n", o->who);
    free(s);
    return -1;
  }
  s->o = o;
  /* The model every scan scores with, parsed here once and inherited by
     the workers, not by each on its first file (which then had less
     memory than the files after it). */
  malml_model_default();
  workers_options w = {
      .scan =
          {.workers = o->threads,
           .timeout = o->timeout > 0 ? o->timeout : EXTRACT_DEFAULT_TIMEOUT,
           .memory_limit = memory_limit(o->worker_memory),
           .shared = s,
           .worker_init = each_init,
           .work = each_work,
           .on_result = each_result,
           .on_lost = each_lost},
      .recursive = 1,
      .follow_symlinks = o->follow_symlinks,
      .on_walk_error = each_walk_error,
      .report_special = 1};
  int rc = workers_run(targets, ntargets, &w);
  yr_rules_destroy(s->rules);
  int failures = s->failures;
  free(s);
  if (rc < 0)
  {
    fprintf(stderr, "%s: cannot start the scanning processes\n", o->who);
    return -1;
  }
  return failures;
}

int extract_threads_arg(const char* text)
{
  char* end;
  errno = 0;
  long n = strtol(text, &end, 10);
  if (errno != 0 || end == text || *end != '\0' || n < 1 || n > 256)
    return -1;
  return (int) n;
}

int extract_default_threads(void)
{
  long cores = sysconf(_SC_NPROCESSORS_ONLN);
  return cores > 0 ? (int) cores : 1;
}

int extract_memory_arg(const char* text, long long* mib)
{
  char* end;
  errno = 0;
  long long n = strtoll(text, &end, 10);
  if (errno != 0 || end == text || *end != '\0' || n < 0 || n > (1LL << 24))
    return -1;
  *mib = n == 0 ? EXTRACT_NO_MEMORY_LIMIT : n;
  return 0;
}

double extract_timeout_arg(const char* text)
{
  char* end;
  errno = 0;
  long n = strtol(text, &end, 10);
  if (errno != 0 || end == text || *end != '\0' || n < 1 || n > 1000000)
    return -1;
  return (double) n;
}
