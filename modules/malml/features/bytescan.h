/*
 * Module-internal header (programs include modules/malml/malml.h): the one pass
 * malml makes over a file's bytes.  It yields the whole-file byte histogram and
 * entropy, the entropy of each requested range (sections, headers) and the
 * strings statistics, touching each byte once however the ranges overlap.
 */
#ifndef MALML_BYTESCAN_H
#define MALML_BYTESCAN_H

#include <stddef.h>
#include <stdint.h>

/* The pe module keeps at most 96 sections; then the headers and the
 * overlay. */
#define MALML_MAX_RANGES 98

/* Shortest printable run counted as a string (as `strings -n 5`). */
#define MALML_MIN_STRING 5

typedef struct
{
  uint64_t offset;
  uint64_t size;
} malml_range;

/* Markers: strings that name a toolchain or installer (filetype tokens). */
enum
{
  MALML_MARK_GO = 1 << 0,    /* "Go build ID:" */
  MALML_MARK_INNO = 1 << 1,  /* "Inno Setup" */
  MALML_MARK_NSIS = 1 << 2,  /* "Nullsoft" */
  MALML_MARK_MINGW = 1 << 3, /* "Mingw-w64 runtime failure" / "GCC: (" */
  MALML_MARK_DELPHI = 1 << 4 /* "Embarcadero" / "Borland" */
};

typedef struct
{
  uint64_t strings;      /* ASCII runs >= MALML_MIN_STRING */
  uint64_t wide_strings; /* UTF-16LE runs >= MALML_MIN_STRING chars */
  uint64_t total_length; /* chars in both kinds of runs */
  uint64_t max_length;
  uint64_t printable_bytes; /* bytes inside ASCII runs */
  uint32_t urls;
  uint32_t ipv4;
  uint32_t registry;
  uint32_t run_keys;
  uint32_t paths;
  uint32_t exe_names;
  uint32_t shell_commands;
  uint32_t user_agents;
  uint32_t api_names;
  uint32_t pdb_paths;
  uint32_t
      embedded_pe; /* "MZ" past offset 0 whose e_lfanew leads to "PE\0\0" */
  uint32_t dos_stubs;
  uint32_t base64_runs;
  uint32_t hex_runs;
  uint32_t markers;
} malml_strings_stats;

typedef struct
{
  uint64_t histogram[256];
  double entropy;                         /* whole file, as math.entropy */
  double range_entropy[MALML_MAX_RANGES]; /* NAN for an empty range */
  malml_strings_stats strings;
  /* Work space: each range's histogram.  Only the rows of the ranges asked
   * for are touched, so a reused malml_bytescan costs nothing to clear. */
  uint64_t range_histogram[MALML_MAX_RANGES][256];
} malml_bytescan;

/* How to make the pass: which implementation (MALML_PASS_*, string_stats.h)
 * and when to give up.  `expired` (may be NULL) is asked about every
 * MALML_CHECK_BYTES bytes; when it returns nonzero the pass stops.
 * `passed` (may be NULL) is called once the bytes are all read: the pass
 * has pushed everything else out of the caches by then, and the caller
 * may start fetching what it needs next (malml's model) while the
 * features are finished. */
typedef struct
{
  int level;
  int (*expired)(void* ctx);
  void* ctx;
  void (*passed)(void* ctx);
} malml_pass;

#define MALML_CHECK_BYTES ((size_t) 4 << 20)

/* What malml_bytescan_run_with returns when `expired` stopped it. */
#define MALML_BYTESCAN_EXPIRED (-2)

/*
 * Scans `data[0..size)` once, with the fastest implementation and no time
 * limit.  Ranges are clamped to the data; at most MALML_MAX_RANGES are used.
 * Returns 0.
 */
int malml_bytescan_run(
    const uint8_t* data,
    size_t size,
    const malml_range* ranges,
    int nranges,
    malml_bytescan* out);

/* The same, as `how` says; returns 0 or MALML_BYTESCAN_EXPIRED (and `out`
 * is then incomplete). */
int malml_bytescan_run_with(
    const uint8_t* data,
    size_t size,
    const malml_range* ranges,
    int nranges,
    const malml_pass* how,
    malml_bytescan* out);

/* Shannon entropy in bits per byte of a histogram over `total` bytes, summed
 * in the order math.entropy sums it so the two compare equal.  0 when
 * total is 0. */
double malml_entropy(const uint64_t histogram[256], uint64_t total);

#endif
