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
int extractor_file(extractor* x, const char* path, char sha[65], const char** why);

#endif
