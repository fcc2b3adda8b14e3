/*
 * Gets the malml feature vector of a buffer by scanning it with a rule set
 * that imports malml: the vector is the very one the module computed, read
 * from the module object when YARA reports it imported.
 */
#ifndef MALML_EXTRACT_H
#define MALML_EXTRACT_H

#include <stddef.h>
#include <stdint.h>
#include <yara.h>

#include "modules/malml/malml.h"

typedef struct
{
  YR_SCANNER* scanner;
  malml_features features;
  int got; /* the module ran on the last buffer */
  /* Optional: called with the scan's `pe` object while it is alive (e.g.
   * to name the imports behind hashed features). */
  void (*on_pe)(void* ctx, YR_OBJECT* pe);
  void* on_pe_ctx;
} extractor;

/* Compiles the one-line rule set; returns a YARA error code. */
int extractor_rules(YR_RULES** rules);

int extractor_init(extractor* x, YR_RULES* rules);
void extractor_fini(extractor* x);

/* Scans data[0..size); returns a YARA error code.  On success x->features
 * holds the file's features (is_pe 0 for non-PE input). */
int extractor_run(extractor* x, const uint8_t* data, size_t size);

/* Maps the file at path, writes its hex SHA-256 into sha and scans it.
 * Returns 0, or -1 with the reason (a static string) in *why. */
int extractor_file(
    extractor* x,
    const char* path,
    char sha[65],
    const char** why);

/*
 * The one "scan these files with the extractor" loop of the programs
 * (`malml features`, `malml score`, the training set): walks `targets`
 * (directories recursively) with `threads` threads, each with its own
 * extractor, and calls on_file for every file that was scanned (PE or not:
 * see f->is_pe).  A file or directory that cannot be read or scanned is
 * reported on stderr as "WHO: PATH: REASON" and counted; the walk goes on.
 */
typedef struct
{
  const char* who; /* error prefix, e.g. "malml features" */
  int threads;     /* >= 1 */
  int follow_symlinks;
  void* shared;
  /* Optional: per-thread state made after the thread's extractor (so it
   * may set x->on_pe); NULL means the thread cannot run. */
  void* (*thread_init)(void* shared, extractor* x);
  void (*thread_fini)(void* thread_state);
  /* From a worker thread: thread_state is thread_init's result, or
   * `shared` without thread_init. */
  void (*on_file)(
      void* thread_state,
      const char* path,
      const char sha[65],
      const malml_features* f);
} extract_each_options;

/* Returns the number of failures reported, or -1 if the scan could not
 * start (then reported too). */
int extract_each(
    const char* const* targets,
    int ntargets,
    const extract_each_options* o);

/* Parses a -p THREADS argument: a whole number from 1 to 256; -1 if not. */
int extract_threads_arg(const char* text);

/* The default of -p: the number of cores. */
int extract_default_threads(void);

#endif
