/*
 * Module-internal header (programs include modules/malml/malml.h): the feature
 * vector of one scanned file, computed from the `pe` module's parse and one
 * pass over the bytes.
 */
#ifndef MALML_FEATURES_H
#define MALML_FEATURES_H

#include <stddef.h>
#include <stdint.h>
#include <yara/object.h>

#include "modules/malml/features/bytescan.h"
#include "modules/malml/features/pe_view.h"
#include "modules/malml/features/schema.h"

typedef struct
{
  int is_pe;
  float vector[MALML_FEATURE_COUNT]; /* NaN = missing */
  double entropy;                    /* whole file, double as math.entropy */
  int nsections;
  double section_entropy[MALML_PE_MAX_SECTIONS]; /* NaN: no raw bytes */
  char section_name[MALML_PE_MAX_SECTIONS][9];
  malml_strings_stats strings;
  /* Rule-visible integers as pe's arithmetic gives them: the vector's
   * float32 rounds values past 2^24 (SizeOfImage 0x10000011 gave size_dif
   * 268433392 for 268433399).  MALML_PE_MISSING when undefined. */
  int64_t size_dif, stack_dif, heap_dif, overlay_size;
} malml_features;

/*
 * Computes the features of `data[0..size)` whose `pe` module object is `pe`.
 * Sets out->is_pe to 0 and returns 0 for input that pe does not parse as a
 * PE; returns -1 only when out of memory.  `out` is owned by the caller;
 * nothing in it points into `pe` or `data`.
 */
int malml_features_compute(
    YR_OBJECT* pe,
    const uint8_t* data,
    size_t size,
    malml_features* out);

/* Called for each token of the import bags, in file order: a dll's token
 * when the walk reaches a new dll (index in the dll_bucket block), then each
 * imported function's (index in the import_bucket block; by_ordinal for
 * dll!#N).  `token` is valid during the call only. */
typedef void (*malml_token_fn)(
    void* ctx,
    int index,
    const char* token,
    size_t len,
    int by_ordinal);

/* Walks the import bags of the `pe` object exactly as the features count
 * them (used by `malml score` to name hashed features). */
void malml_import_tokens(YR_OBJECT* pe, malml_token_fn fn, void* ctx);

#endif
