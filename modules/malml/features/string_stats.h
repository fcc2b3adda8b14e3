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
  malml_strings_stats stats;
} malml_strings;

/* Builds the lookup tables once (thread-safe); malml_strings_init calls it,
 * module_initialize calls it early so no scan pays for it. */
void malml_strings_global_init(void);

void malml_strings_init(malml_strings* s, const uint8_t* data, size_t size);

/* Feeds data[begin..end); calls must cover the file in order. */
void malml_strings_feed(malml_strings* s, size_t begin, size_t end);

/* The byte-by-byte loop alone: what the SIMD path must agree with (tests). */
void malml_strings_feed_reference(malml_strings* s, size_t begin, size_t end);

/* Ends the runs still open at the end of the file. */
void malml_strings_finish(malml_strings* s);

#endif
