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

#include "cli/common/mapped.h"
#include "cli/common/supervise.h"
#include "modules/malml/malml.h"

typedef struct
{
  YR_SCANNER* scanner;
  malml_features features;
  int got; /* the module ran on the last buffer */
  /* Optional: called with each object of the modules malml loads (`pe`,
   * then `dotnet`) while it is alive, e.g. to name the imports behind
   * hashed features; obj->identifier says which. */
  void (*on_module)(void* ctx, YR_OBJECT* obj);
  void* on_module_ctx;
  mapped_reader reader; /* small files' bytes, reused (extractor_file) */
  const char* refusal;  /* why malml stopped the last buffer, or NULL */
  uint64_t size;        /* bytes of the last buffer scanned: the exact
                           file size the vector's float32 may round */
} extractor;

/* Compiles the one-line rule set; returns a YARA error code. */
int extractor_rules(YR_RULES** rules);

int extractor_init(extractor* x, YR_RULES* rules);
void extractor_fini(extractor* x);

/* Scans data[0..size); returns a YARA error code.  On success x->features
 * holds the file's features (is_pe 0 for non-PE input).
 *
 * A scan during which an allocation failed is ERROR_INSUFFICIENT_MEMORY,
 * whatever libyara returned: YARA 4.2.3's pe module drops what it cannot
 * allocate and carries on (an import descriptor or function whose calloc
 * fails is left out), so a scan that reached the worker's memory limit
 * there "succeeded" with features of a truncated parse, and failed when
 * the allocation that failed was one libyara checks -- which one depends
 * on the heap left by the files before, so the same file scored or failed
 * by its place in the run.  malloc sets errno to ENOMEM when it fails and
 * nothing else in a scan sets errno, so errno tells. */
int extractor_run(extractor* x, const uint8_t* data, size_t size);

/* Maps the file at path, writes its hex SHA-256 into sha and scans it.
 * Returns 0, or -1 with the reason in *why (a static string, or this
 * thread's buffer until the next call: malml's reason for a refusal). */
int extractor_file(
    extractor* x,
    const char* path,
    char sha[65],
    const char** why);

/*
 * The one "scan these files with the extractor" loop of the programs
 * (`malml features`, `malml score`, the training set): walks `targets`
 * (directories recursively) and scans the files in `threads` worker
 * processes (supervise.h), each with its own extractor.  A file or
 * directory that cannot be read or scanned, or whose scan overran
 * `timeout` or crashed, is reported on stderr as "WHO: PATH: REASON" and
 * counted; the walk goes on.
 */
#define EXTRACT_DEFAULT_TIMEOUT 60.0 /* seconds per file */
/* worker_memory for no limit (--worker-memory=0). */
#define EXTRACT_NO_MEMORY_LIMIT (-1LL)
/* getopt_long's value for --worker-memory (no short form). */
#define EXTRACT_MEMORY_OPTION 0x100

typedef struct
{
  const char* who; /* error prefix, e.g. "malml features" */
  int threads;     /* worker processes, >= 1 (-p) */
  double timeout;  /* seconds per file (-a); 0: EXTRACT_DEFAULT_TIMEOUT */
  /* MiB each worker may allocate beyond what it holds before its first
     file (--worker-memory); 0: SUPERVISE_DEFAULT_MEMORY_MIB;
     EXTRACT_NO_MEMORY_LIMIT: none.  A file whose scan asks for more is
     reported as out of memory. */
  long long worker_memory;
  int follow_symlinks;
  void* shared;
  /* Optional, in each worker process after its extractor is made (so it may
     set x->on_module): the state on_file gets; NULL means it cannot run. */
  void* (*worker_init)(void* shared, extractor* x);
  /* Optional, in the worker, for every file scanned (PE or not: see
     f->is_pe).  What it prints on stdout is written by the supervisor, whole
     and in one piece.  `state` is worker_init's result, or `shared`.
     Returns 0, or -1 with the reason written on stderr (printed nothing on
     stdout): the file is then reported as failed, never dropped. */
  int (*on_file)(
      void* state,
      const char* path,
      const char sha[65],
      const malml_features* f);
  /* Optional, in the supervisor (the calling process), for every file
     scanned: for callers that keep the vectors. */
  void (*on_features)(
      void* shared,
      const char* path,
      const char sha[65],
      const malml_features* f);
  /* Optional, in the supervisor, once for every file or directory reported
     as failed (after its "WHO: PATH: REASON" on stderr; a worker that
     crashed or overran on it included): e.g. to write a JSON line with
     "error" on stdout, so no file is missing from the output. */
  void (*on_error)(void* shared, const char* path, const char* why);
} extract_each_options;

/* Returns the number of failures reported, or -1 if the scan could not
 * start (then reported too). */
int extract_each(
    const char* const* targets,
    int ntargets,
    const extract_each_options* o);

/* Parses a -p THREADS argument: a whole number from 1 to 256; -1 if not. */
int extract_threads_arg(const char* text);

/* The usage lines of the options every extract_each command takes (its
 * printf argument: EXTRACT_DEFAULT_TIMEOUT, for the one %.0f). */
#define EXTRACT_USAGE_OPTIONS                                            \
  "  -p THREADS  files scanned at once, each in its own process\n"       \
  "              (default: number of cores)\n"                           \
  "  -a SECONDS  time limit per file (default %.0f); a file that\n"      \
  "              overruns it is reported and the scan goes on\n"         \
  "  -N          do not follow symlinks inside directories\n"            \
  "  --worker-memory=MIB  memory each scanning process may allocate\n"  \
  "              (default " SUPERVISE_DEFAULT_MEMORY_TEXT                \
  ", 0: no limit); a file that needs more\n"                            \
  "              is reported as out of memory\n"                         \
  "  --progress  files done, total, rate and time left on stderr even\n" \
  "              when it is not a terminal (a line every 10 s; on a\n"   \
  "              terminal the line is always shown)\n"

/* Parses a -a SECONDS argument: a whole number from 1 to 1000000; -1 if
 * not. */
double extract_timeout_arg(const char* text);

/* Parses a --worker-memory=MIB argument (a whole number from 0, no limit,
 * to 16777216) into *mib as worker_memory takes it; returns 0, or -1 if it
 * is not one. */
int extract_memory_arg(const char* text, long long* mib);


/* The default of -p: the number of cores. */
int extract_default_threads(void);

#endif
