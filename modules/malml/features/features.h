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
#include "modules/malml/features/dotnet_features.h"
#include "modules/malml/features/pe_extras.h"
#include "modules/malml/features/pe_view.h"
#include "modules/malml/features/schema.h"

typedef struct
{
  int is_pe;
  float vector[MALML_FEATURE_COUNT]; /* NaN = missing */
  double entropy;                    /* whole file, double as math.entropy */
  int nsections;
  double section_entropy[MALML_PE_MAX_SECTIONS]; /* NaN: no raw bytes */
  /* As pe gives it, NULs inside included ("\x0b\x01\x0e\x00\x00\x02" when
   * the table overlaps the optional header): a C string would cut it. */
  char section_name[MALML_PE_MAX_SECTIONS][9];
  size_t section_name_len[MALML_PE_MAX_SECTIONS];
  malml_strings_stats strings;
  /* Rule-visible integers as pe's arithmetic gives them: the vector's
   * float32 rounds values past 2^24 (SizeOfImage 0x10000011 gave size_dif
   * 268433392 for 268433399).  MALML_PE_MISSING when undefined. */
  int64_t size_dif, stack_dif, heap_dif, overlay_size;
  malml_dotnet dotnet; /* the .NET group's exact integers */
} malml_features;

/*
 * Computes the features of `data[0..size)` whose `pe` module object is `pe`
 * and `dotnet` module object is `dotnet` (NULL: not .NET),
 * making the pass over the bytes as `how` says.  Sets out->is_pe to 0 and
 * returns 0 for input that pe does not parse as a PE; returns -1 when out of
 * memory and MALML_BYTESCAN_EXPIRED when how->expired stopped the pass.
 * `out` is owned by the caller; nothing in it points into `pe` or `data`.
 * Allocates nothing after a thread's first call (the thread's arena).
 */
int malml_features_compute(
    YR_OBJECT* pe,
    YR_OBJECT* dotnet,
    const uint8_t* data,
    size_t size,
    const malml_pass* how,
    malml_features* out);

/* A feature block, from the calling thread's arena when it holds one (the
 * one the thread released last), else malloc'ed; NULL when out of memory.
 * Release it with malml_features_release, on any thread. */
/* The dir_*_size feature of PE data directory `directory` (0-15), or -1
 * when it has none. */
int malml_dir_size_feature(int directory);

malml_features* malml_features_acquire(void);
void malml_features_release(malml_features* f);

/* Frees the calling thread's arena (module_finalize: the main thread's arena
 * has no thread exit to free it). */
void malml_features_thread_done(void);

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
