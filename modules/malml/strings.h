/*
 * Private header: the strings features (the seed's wish list), computed by a
 * state machine fed the file in order, chunk by chunk.
 */
#ifndef MALML_STRINGS_H
#define MALML_STRINGS_H

#include <stddef.h>
#include <stdint.h>

#include "bytescan.h"

typedef struct
{
  const uint8_t* data; /* the whole file: runs are read back from it */
  size_t size;
  size_t run_start; /* ASCII run */
  size_t run_len;
  uint32_t run_or;  /* OR and AND of the class bits of the run's bytes */
  uint32_t run_and;
  size_t wide_start; /* UTF-16LE run: chars at wide_start, +2, ... */
  size_t wide_len;
  int wide_phase; /* 1 when a printable byte waits for its 0x00 */
  malml_strings_stats stats;
} malml_strings;

void malml_strings_init(malml_strings* s, const uint8_t* data, size_t size);

/* Feeds data[begin..end); calls must cover the file in order. */
void malml_strings_feed(malml_strings* s, size_t begin, size_t end);

/* Ends the runs still open at the end of the file. */
void malml_strings_finish(malml_strings* s);

#endif
