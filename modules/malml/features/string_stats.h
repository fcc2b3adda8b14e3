/*
 * Module-internal header (programs include modules/malml/malml.h): the strings
 * features (the seed's wish list), computed by a state machine fed the file in
 * order, chunk by chunk.
 */
#ifndef MALML_STRINGS_H
#define MALML_STRINGS_H

#include <stddef.h>
#include <stdint.h>

#include "modules/malml/features/bytescan.h"

typedef struct
{
  const uint8_t* data; /* the whole file: runs are read back from it */
  size_t size;
  size_t run_len;     /* printable bytes ending at the current position */
  size_t wide_len[2]; /* UTF-16LE chars ending here, by byte parity */
  int vector_runs; /* runs examined with AVX-512 VBMI (the last feed's level) */
  malml_strings_stats stats;
} malml_strings;

/* Builds the lookup tables once (thread-safe); malml_strings_init calls it,
 * module_initialize calls it early so no scan pays for it. */
void malml_strings_global_init(void);

void malml_strings_init(malml_strings* s, const uint8_t* data, size_t size);

/* Ways to make the pass, slowest first: the byte loop (the reference), then
 * 64-byte blocks classified with SSE2, AVX2 or AVX-512BW; with AVX-512 VBMI
 * and VBMI2 as well, the strings' runs are examined 64 characters at a time
 * and the histogram packs out zero bytes (vpermi2b, vpcompressb). */
enum
{
  MALML_PASS_BYTES,
  MALML_PASS_SSE2,
  MALML_PASS_AVX2,
  MALML_PASS_AVX512,
  MALML_PASS_VBMI,
  MALML_PASS_LEVELS
};

/* The fastest level this CPU runs (MALML_PASS_BYTES off x86-64), capped by
 * MALML_PASS=bytes|sse2|avx2|avx512|vbmi in the environment (tests,
 * benchmarks). */
int malml_pass_best(void);

/*
 * Feeds data[begin..end) and counts each of its bytes into one of the four
 * tables of hist (the caller sums them; a table may not see more than 2^32
 * bytes).  Calls must cover the file in order.  `level` is clamped to
 * malml_pass_best(); every level gives the same statistics and sums.
 */
void malml_strings_feed_counting(
    malml_strings* s,
    size_t begin,
    size_t end,
    uint32_t hist[4][256],
    int level);

/* The byte-by-byte loop alone, without counting: the strings reference. */
void malml_strings_feed_reference(malml_strings* s, size_t begin, size_t end);

/* Ends the runs still open at the end of the file. */
void malml_strings_finish(malml_strings* s);

#endif
