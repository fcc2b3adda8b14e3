/*
 * Module-internal header (programs include modules/malml/malml.h): the
 * strings features' examination of one printable run (string_runs.c),
 * called by the pass that finds the runs (string_stats.c).
 */
#ifndef MALML_STRING_RUNS_H
#define MALML_STRING_RUNS_H

#include <stddef.h>
#include <stdint.h>

#include "modules/malml/features/bytescan.h"

/* Characters of a run examined: the rest count towards its length only. */
#define MALML_RUN_MAX_TEXT 1024

/* 1 for a byte a run is made of: 0x20..0x7e or a tab. */
static inline size_t malml_run_printable(uint8_t c)
{
  return (c >= 0x20 && c < 0x7f) || c == '\t';
}

/* Builds the pattern and class tables; malml_strings_global_init calls it
 * once, before any run is examined. */
void malml_runs_build_tables(void);

/*
 * Adds one run of `len` characters (text[0..len), printable; for UTF-16
 * already narrowed, and then at most MALML_RUN_MAX_TEXT of them) to st:
 * length, patterns, dotted quad, base64 and hex.  `vector` allows the
 * AVX-512 VBMI scan (the caller checked the CPU); every way gives the same
 * statistics.
 */
void malml_run_examine(
    malml_strings_stats* st,
    const uint8_t* text,
    size_t len,
    int vector);

/* The low bytes of the n UTF-16LE characters at wide into text (room for
 * MALML_RUN_MAX_TEXT, n at most that), with AVX-512 when `vector`. */
void malml_run_narrow(const uint8_t* wide, size_t n, uint8_t* text, int vector);

#endif
