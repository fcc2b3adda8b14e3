/*
 * The single pass over a file's bytes.  Section ranges may overlap or repeat
 * (hostile files do both), so the file is cut at every range edge into
 * segments; each segment's bytes are counted once (in the same loop as the
 * strings statistics, string_stats.c) and its histogram added to every range
 * that covers it.  The edges are sorted once and swept, so the work is
 * O(file size + edges log edges + segments * covering ranges * 256).
 */
#include "modules/malml/features/bytescan.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "modules/malml/features/string_stats.h"

/* Bytes fed per call: a table of the segment's counts sees at most this many
 * (uint32 cannot overflow) and the deadline is asked between chunks. */
#define CHUNK ((size_t) 1 << 20)

double malml_entropy(const uint64_t histogram[256], uint64_t total)
{
  double entropy = 0.0;
  if (total == 0)
    return 0.0;
  for (int i = 0; i < 256; i++)
  {
    if (histogram[i] != 0)
    {
      double x = (double) histogram[i] / (double) total;
      entropy -= x * log2(x);
    }
  }
  return entropy;
}

/* Where a range starts (open = 1) or ends, clamped to the data. */
typedef struct
{
  uint64_t at;
  int range;
  int open;
} edge;

static int cmp_edge(const void* a, const void* b)
{
  uint64_t x = ((const edge*) a)->at, y = ((const edge*) b)->at;
  return (x > y) - (x < y);
}

/* The edges of the non-empty clamped ranges, sorted; returns how many. */
static size_t
sorted_edges(size_t size, const malml_range* ranges, int n, edge* e)
{
  size_t k = 0;
  for (int r = 0; r < n; r++)
  {
    uint64_t a = ranges[r].offset < size ? ranges[r].offset : size;
    uint64_t len = ranges[r].size;
    uint64_t b = len < size - a ? a + len : size;
    if (a < b)
    {
      e[k++] = (edge){a, r, 1};
      e[k++] = (edge){b, r, 0};
    }
  }
  qsort(e, k, sizeof(e[0]), cmp_edge);
  return k;
}

/* One pass in progress. */
typedef struct
{
  const uint8_t* data;
  const malml_pass* how;
  size_t unchecked; /* bytes since the deadline was last asked */
  malml_strings strings;
  malml_bytescan* out;
} pass;

/* Counts and feeds data[a..b) into seg; MALML_BYTESCAN_EXPIRED when the
 * deadline passed. */
static int scan_segment(pass* p, uint64_t a, uint64_t b, uint64_t seg[256])
{
  uint32_t t[4][256];
  for (uint64_t pos = a; pos < b; pos += CHUNK)
  {
    size_t len = (size_t) (b - pos < CHUNK ? b - pos : CHUNK);
    memset(t, 0, sizeof(t));
    malml_strings_feed_counting(
        &p->strings, (size_t) pos, (size_t) pos + len, t, p->how->level);
    for (int v = 0; v < 256; v++)
      seg[v] += (uint64_t) t[0][v] + t[1][v] + t[2][v] + t[3][v];
    p->unchecked += len;
    if (p->unchecked >= MALML_CHECK_BYTES && p->how->expired != NULL)
    {
      p->unchecked = 0;
      if (p->how->expired(p->how->ctx))
        return MALML_BYTESCAN_EXPIRED;
    }
  }
  return 0;
}

/* Adds a segment's counts to the file's and to every range in `active`. */
static void add_segment(
    malml_bytescan* out,
    const uint64_t seg[256],
    const uint64_t active[2])
{
  for (int v = 0; v < 256; v++) out->histogram[v] += seg[v];
  for (int w = 0; w < 2; w++)
    for (uint64_t bits = active[w]; bits != 0; bits &= bits - 1)
    {
      uint64_t* h = out->range_histogram[64 * w + __builtin_ctzll(bits)];
      for (int v = 0; v < 256; v++) h[v] += seg[v];
    }
}

/* The sweep: between consecutive edges the set of covering ranges is
 * fixed. */
static int sweep(pass* p, size_t size, const edge* e, size_t nedges)
{
  uint64_t active[2] = {0, 0};
  uint64_t seg[256];
  size_t k = 0;
  for (uint64_t pos = 0; pos < size;)
  {
    for (; k < nedges && e[k].at <= pos; k++)
    {
      uint64_t bit = 1ull << (e[k].range & 63);
      active[e[k].range >> 6] = e[k].open ? active[e[k].range >> 6] | bit
                                          : active[e[k].range >> 6] & ~bit;
    }
    uint64_t next = k < nedges ? e[k].at : size;
    memset(seg, 0, sizeof(seg));
    int rc = scan_segment(p, pos, next, seg);
    if (rc != 0)
      return rc;
    add_segment(p->out, seg, active);
    pos = next;
  }
  return 0;
}

int malml_bytescan_run_with(
    const uint8_t* data,
    size_t size,
    const malml_range* ranges,
    int nranges,
    const malml_pass* how,
    malml_bytescan* out)
{
  edge edges[2 * MALML_MAX_RANGES];
  pass p = {data, how, 0, {0}, out};

  if (nranges > MALML_MAX_RANGES)
    nranges = MALML_MAX_RANGES;
  if (nranges < 0)
    nranges = 0;
  memset(out->histogram, 0, sizeof(out->histogram));
  memset(out->range_histogram, 0, nranges * sizeof(out->range_histogram[0]));
  malml_strings_init(&p.strings, data, size);

  size_t nedges = sorted_edges(size, ranges, nranges, edges);
  int rc = sweep(&p, size, edges, nedges);
  if (rc != 0)
    return rc;
  if (how->passed != NULL)
    how->passed(how->ctx);
  malml_strings_finish(&p.strings);
  out->strings = p.strings.stats;
  out->entropy = malml_entropy(out->histogram, size);
  for (int r = 0; r < nranges; r++)
  {
    uint64_t total = 0;
    for (int v = 0; v < 256; v++) total += out->range_histogram[r][v];
    out->range_entropy[r] =
        total ? malml_entropy(out->range_histogram[r], total) : NAN;
  }
  return 0;
}

int malml_bytescan_run(
    const uint8_t* data,
    size_t size,
    const malml_range* ranges,
    int nranges,
    malml_bytescan* out)
{
  malml_pass how = {malml_pass_best(), NULL, NULL, NULL};
  return malml_bytescan_run_with(data, size, ranges, nranges, &how, out);
}
