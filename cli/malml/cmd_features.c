/*
 * `malml features PATH...`: one JSON object per file on stdout, for training
 * and for checking what the module sees.  Several threads; a file that cannot
 * be read is reported on stderr and the walk goes on; the exit status is 1 if
 * anything failed.
 */
#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/malml/commands.h"
#include "cli/common/extract.h"
#include "cli/common/features_json.h"
#include "cli/common/workers.h"

typedef struct
{
  YR_RULES* rules;
  pthread_mutex_t out_lock;
  int failures; /* under out_lock */
} shared_state;

static void fail(shared_state* s, const char* path, const char* why)
{
  pthread_mutex_lock(&s->out_lock);
  fprintf(stderr, "malml features: %s: %s\n", path, why);
  s->failures++;
  pthread_mutex_unlock(&s->out_lock);
}

typedef struct
{
  shared_state* shared;
  extractor x;
} thread_state;

static void* thread_init(void* shared)
{
  thread_state* t = calloc(1, sizeof(*t));
  if (t == NULL)
    return NULL;
  t->shared = shared;
  if (extractor_init(&t->x, t->shared->rules) != ERROR_SUCCESS)
  {
    free(t);
    return NULL;
  }
  return t;
}

static void thread_fini(void* state)
{
  thread_state* t = state;
  extractor_fini(&t->x);
  free(t);
}

static void emit(shared_state* s, const char* path, const char* sha, const malml_features* f)
{
  json_t* obj = json_object();
  json_object_set_new(obj, "path", json_string_nocheck(path));
  json_object_set_new(obj, "sha256", json_string(sha));
  json_t* features = features_to_json(f);
  json_object_update(obj, features);
  json_decref(features);
  char* text = json_dumps(obj, JSON_COMPACT | JSON_REAL_PRECISION(9));
  pthread_mutex_lock(&s->out_lock);
  if (text != NULL)
    printf("%s\n", text);
  pthread_mutex_unlock(&s->out_lock);
  free(text);
  json_decref(obj);
}

static void on_file(void* state, const char* path)
{
  thread_state* t = state;
  char sha[65];
  const char* why;
  if (extractor_file(&t->x, path, sha, &why) != 0)
    fail(t->shared, path, why);
  else
    emit(t->shared, path, sha, &t->x.features);
}

static void on_walk_error(void* shared, const char* path, int err)
{
  fail(shared, path, strerror(err));
}

static void usage(FILE* out)
{
  fprintf(out,
          "usage: malml features [-p THREADS] [-N] PATH...\n"
          "Prints one JSON object per file (directories are walked\n"
          "recursively): path, sha256, is_pe, schema, named features and the\n"
          "vector of each group.\n"
          "  -p THREADS  scanning threads (default: number of cores)\n"
          "  -N          do not follow symlinks inside directories\n");
}

int cmd_features(int argc, char** argv)
{
  shared_state s = {NULL, PTHREAD_MUTEX_INITIALIZER, 0};
  long cores = sysconf(_SC_NPROCESSORS_ONLN);
  workers_options o = {.threads = cores > 0 ? (int) cores : 1,
                       .recursive = 1,
                       .follow_symlinks = 1,
                       .thread_init = thread_init,
                       .on_file = on_file,
                       .thread_fini = thread_fini,
                       .on_walk_error = on_walk_error,
                       .shared = &s};
  int c;
  optind = 1;
  while ((c = getopt(argc, argv, "p:Nh")) != -1)
  {
    if (c == 'p')
      o.threads = atoi(optarg);
    else if (c == 'N')
      o.follow_symlinks = 0;
    else
    {
      usage(c == 'h' ? stdout : stderr);
      return c == 'h' ? 0 : 2;
    }
  }
  if (optind >= argc)
  {
    usage(stderr);
    return 2;
  }
  if (extractor_rules(&s.rules) != ERROR_SUCCESS)
  {
    fprintf(stderr, "malml features: cannot compile the extraction rule\n");
    return 1;
  }
  int rc = workers_run((const char* const*) argv + optind, argc - optind, &o);
  yr_rules_destroy(s.rules);
  fflush(stdout);
  return (rc != 0 || s.failures > 0) ? 1 : 0;
}
