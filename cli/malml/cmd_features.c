/*
 * `malml features PATH...`: one JSON object per file on stdout, for training
 * and for checking what the module sees.  Several worker processes; a file
 * that cannot be read, or whose scan overruns -a or crashes, is reported on
 * stderr and by a line {"path", "error"} on stdout, and the walk goes on;
 * the exit status is 1 if anything failed.
 */
#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/common/extract.h"
#include "cli/common/features_json.h"
#include "cli/common/path_json.h"
#include "cli/common/progress.h"
#include "cli/malml/commands.h"
#include "cli/malml/pe_exact.h"

/* A worker's exact integers of the file being scanned (pe_exact.h): the
 * named "features" show them, the "vectors" keep the model's float32. */
typedef struct
{
  features_exact exact;
  const extractor* x; /* its size: the exact file size */
  /* pe's section sizes, for the entry section's (pe_exact_read_sections) */
  int64_t raw[MALML_PE_MAX_SECTIONS], virt[MALML_PE_MAX_SECTIONS];
  int nsections;
} features_worker;

/* Runs while the scan's pe object is alive. */
static void on_module(void* ctx, YR_OBJECT* obj)
{
  features_worker* w = ctx;
  if (strcmp(obj->identifier, "pe") == 0)
  {
    pe_exact_read_int(obj, &w->exact);
    w->nsections = pe_exact_read_sections(obj, w->raw, w->virt);
  }
}

/* Once per worker process, which ends without freeing it. */
static void* worker_init(void* shared, extractor* x)
{
  features_worker* w = calloc(1, sizeof(*w));
  if (w == NULL)
    return NULL;
  x->on_module = on_module;
  x->on_module_ctx = w;
  w->x = x;
  return w;
}

static void set_exact(features_worker* w, const float* v, int i, int64_t x)
{
  w->exact.value[i] = x;
  w->exact.known[i] = x != MALML_MISSING && !isnan(v[i]);
}

/* The integers the vector's float32 may round that the scan, not pe's
 * fields, gives: the file size (17062977 bytes read 17062976) and the
 * entry section's sizes (a hostile header's 2^32 - 4). */
static void exact_from_scan(features_worker* w, const malml_features* f)
{
  const float* v = f->vector;
  float e = v[MALML_F_entry_section_index];
  set_exact(w, v, MALML_F_file_size, (int64_t) w->x->size);
  if (isnan(e) || e < 0 || e >= (float) w->nsections)
    return;
  set_exact(w, v, MALML_F_entry_section_raw_size, w->raw[(int) e]);
  set_exact(w, v, MALML_F_entry_section_virtual_size, w->virt[(int) e]);
}

/* A name that is not UTF-8 gets "path_bytes" (path_json.h); a line that
 * cannot be made is reported, never left out. */
static int emit(
    void* state,
    const char* path,
    const char sha[65],
    const malml_features* f)
{
  features_worker* w = state;
  pe_exact_from_features(f, &w->exact);
  exact_from_scan(w, f);
  json_t* obj = json_object();
  json_t* features = features_to_json(f, &w->exact);
  /* The next file's pe sets them anew; one it skips keeps none. */
  memset(w->exact.known, 0, sizeof(w->exact.known));
  w->nsections = 0;
  int ok = obj != NULL && features != NULL && path_json_set(obj, path) == 0 &&
           json_object_set_new(obj, "sha256", json_string(sha)) == 0 &&
           json_object_update(obj, features) == 0;
  json_decref(features);
  if (!ok)
  {
    json_decref(obj);
    obj = NULL;
  }
  return path_json_print_line(obj, 9);
}

static void usage(FILE* out)
{
  fprintf(
      out,
      "usage: malml features [-p THREADS] [-a SECONDS] [-N] "
      "[--worker-memory=MIB] PATH...\n"
      "Prints one JSON object per file (directories are walked\n"
      "recursively): path, sha256, is_pe, schema, named features and the\n"
      "vector of each group.  Every named feature but the real-valued ones\n"
      "(entropies, ratios, means, raw_coverage, certificate validity days)\n"
      "is a JSON integer: exact where pe or the scan gives it (file size,\n"
      "timestamps, header sizes, .NET counts), else the vector's value,\n"
      "exact below 2^24; the vectors hold what a model sees, float32 (a\n"
      "timestamp is rounded to 128 s there).\n"
      EXTRACT_USAGE_OPTIONS,
      EXTRACT_DEFAULT_TIMEOUT);
}

/* In the supervisor, once per file scanned. */
static void tick(
    void* shared,
    const char* path,
    const char sha[65],
    const malml_features* f)
{
  progress_tick(shared);
}

/* In the supervisor, once per file that could not be read or scanned
 * (after its message on stderr): its line says so, as `malml score -j`'s
 * does, so every file named or walked has a line. */
static void on_error(void* shared, const char* path, const char* why)
{
  path_json_print_error(path, why);
}

int cmd_features(int argc, char** argv)
{
  extract_each_options o = {
      .who = "malml features",
      .threads = extract_default_threads(),
      .follow_symlinks = 1,
      .worker_init = worker_init,
      .on_file = emit,
      .on_features = tick,
      .on_error = on_error};
  static const struct option longopts[] = {
      {"progress", no_argument, NULL, 'P'},
      {"worker-memory", required_argument, NULL, EXTRACT_MEMORY_OPTION},
      {"help", no_argument, NULL, 'h'},
      {NULL, 0, NULL, 0}};
  progress_mode shown = PROGRESS_AUTO;
  int c;
  optind = 1;
  while ((c = getopt_long(argc, argv, "p:a:Nh", longopts, NULL)) != -1)
  {
    if (c == 'P')
    {
      shown = PROGRESS_LINES;
      continue;
    }
    if (c == 'p' && (o.threads = extract_threads_arg(optarg)) > 0)
      continue;
    if (c == 'a' && (o.timeout = extract_timeout_arg(optarg)) > 0)
      continue;
    if (c == EXTRACT_MEMORY_OPTION &&
        extract_memory_arg(optarg, &o.worker_memory) == 0)
      continue;
    if (c == 'N')
      o.follow_symlinks = 0;
    else
    {
      bad_number("malml features", c);
      usage(c == 'h' ? stdout : stderr);
      return c == 'h' ? 0 : 2;
    }
  }
  if (optind >= argc)
  {
    usage(stderr);
    return 2;
  }
  const char* const* targets = (const char* const*) argv + optind;
  progress* pr = progress_start(
      "malml features", targets, argc - optind, o.follow_symlinks, shown);
  o.shared = pr;
  int failures = extract_each(targets, argc - optind, &o);
  fflush(stdout);
  progress_stop(pr);
  return failures != 0 ? 1 : 0;
}
