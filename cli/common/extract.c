#include "cli/common/extract.h"

#include <errno.h>
#include <pthread.h>
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
    if (x->on_pe != NULL && strcmp(obj->identifier, "pe") == 0)
      x->on_pe(x->on_pe_ctx, obj);
    else if (strcmp(obj->identifier, "malml") == 0 && obj->data != NULL)
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
  if (rc == ERROR_SUCCESS)
    yr_scanner_set_callback(x->scanner, on_message, x);
  return rc;
}

void extractor_fini(extractor* x)
{
  if (x->scanner != NULL)
    yr_scanner_destroy(x->scanner);
  x->scanner = NULL;
}

int extractor_run(extractor* x, const uint8_t* data, size_t size)
{
  x->got = 0;
  memset(&x->features, 0, sizeof(x->features));
  int rc = yr_scanner_scan_mem(x->scanner, data, size);
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

int extractor_file(
    extractor* x,
    const char* path,
    char sha[65],
    const char** why)
{
  mapped_file m;
  int rc, err = mapped_open(path, &m);
  if (err != 0)
  {
    *why = strerror(err);
    return -1;
  }
  *why = NULL;
  if (sha256_hex(m.data, m.size, sha) != 0)
    *why = "sha256 failed";
  else if ((rc = extractor_run(x, m.data, m.size)) != ERROR_SUCCESS)
    *why = scan_error_text(rc);
  mapped_close(&m);
  return *why == NULL ? 0 : -1;
}

typedef struct
{
  const extract_each_options* o;
  YR_RULES* rules;
  pthread_mutex_t lock;
  int failures; /* under lock */
} each_shared;

typedef struct
{
  each_shared* shared;
  extractor x;
  void* state;
} each_thread;

static void each_fail(each_shared* s, const char* path, const char* why)
{
  pthread_mutex_lock(&s->lock);
  fprintf(stderr, "%s: %s: %s\n", s->o->who, path, why);
  s->failures++;
  pthread_mutex_unlock(&s->lock);
}

static void* each_init(void* shared)
{
  each_shared* s = shared;
  each_thread* t = calloc(1, sizeof(*t));
  if (t == NULL)
    return NULL;
  t->shared = s;
  t->state = s->o->shared;
  if (extractor_init(&t->x, s->rules) != ERROR_SUCCESS)
  {
    free(t);
    return NULL;
  }
  if (s->o->thread_init != NULL &&
      (t->state = s->o->thread_init(s->o->shared, &t->x)) == NULL)
  {
    extractor_fini(&t->x);
    free(t);
    return NULL;
  }
  return t;
}

static void each_fini(void* state)
{
  each_thread* t = state;
  if (t->shared->o->thread_fini != NULL)
    t->shared->o->thread_fini(t->state);
  extractor_fini(&t->x);
  free(t);
}

static void each_file(void* state, const char* path)
{
  each_thread* t = state;
  char sha[65];
  const char* why;
  if (extractor_file(&t->x, path, sha, &why) != 0)
    each_fail(t->shared, path, why);
  else
    t->shared->o->on_file(t->state, path, sha, &t->x.features);
}

static void each_walk_error(void* shared, const char* path, int err)
{
  each_fail(shared, path, walk_strerror(err));
}

int extract_each(
    const char* const* targets,
    int ntargets,
    const extract_each_options* o)
{
  each_shared s = {o, NULL, PTHREAD_MUTEX_INITIALIZER, 0};
  if (extractor_rules(&s.rules) != ERROR_SUCCESS)
  {
    fprintf(stderr, "%s: cannot compile the extraction rule\n", o->who);
    return -1;
  }
  workers_options w = {
      .threads = o->threads,
      .recursive = 1,
      .follow_symlinks = o->follow_symlinks,
      .thread_init = each_init,
      .on_file = each_file,
      .thread_fini = each_fini,
      .on_walk_error = each_walk_error,
      .shared = &s,
      .report_special = 1};
  int rc = workers_run(targets, ntargets, &w);
  yr_rules_destroy(s.rules);
  if (rc < 0)
  {
    fprintf(stderr, "%s: cannot start the scanning threads\n", o->who);
    return -1;
  }
  return s.failures;
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
