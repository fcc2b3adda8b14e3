/*
 * The single pass over a file's bytes.  Section ranges may overlap or repeat
 * (hostile files do both), so the file is cut at every range boundary into
 * segments; each segment's histogram is counted once and added to every
 * range that covers it.  Work is O(file size + segments * ranges * 256).
 */
#include "modules/malml/features/bytescan.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "modules/malml/features/string_stats.h"

/* Strings are fed in chunks that stay in L2 after the histogram loop. */
#define CHUNK (64 * 1024)

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

static int cmp_u64(const void* a, const void* b)
{
  uint64_t x = *(const uint64_t*) a, y = *(const uint64_t*) b;
  return (x > y) - (x < y);
}

/* Sorted, unique cut points: 0, size, and every clamped range edge. */
static size_t
cut_points(size_t size, const malml_range* ranges, int n, uint64_t* cuts)
{
  size_t k = 0;
  cuts[k++] = 0;
  cuts[k++] = size;
  for (int r = 0; r < n; r++)
  {
    uint64_t a = ranges[r].offset < size ? ranges[r].offset : size;
    uint64_t len = ranges[r].size;
    uint64_t b = len < size - a ? a + len : size;
    cuts[k++] = a;
    cuts[k++] = b;
  }
  qsort(cuts, k, sizeof(cuts[0]), cmp_u64);
  size_t u = 0;
  for (size_t i = 0; i < k; i++)
    if (u == 0 || cuts[i] != cuts[u - 1])
      cuts[u++] = cuts[i];
  return u;
}

/* Counts the bytes of p[0..len) into hist with four interleaved tables, which
 * avoids the store-to-load stall of runs of one byte value. */
static void count_bytes(const uint8_t* p, size_t len, uint32_t hist[4][256])
{
  size_t i = 0;
  for (; i + 4 <= len; i += 4)
  {
    hist[0][p[i]]++;
    hist[1][p[i + 1]]++;
    hist[2][p[i + 2]]++;
    hist[3][p[i + 3]]++;
  }
  for (; i < len; i++) hist[0][p[i]]++;
}

int malml_bytescan_run(
    const uint8_t* data,
    size_t size,
    const malml_range* ranges,
    int nranges,
    malml_bytescan* out)
{
  uint64_t cuts[2 * MALML_MAX_RANGES + 2];
  uint32_t seg[4][256];
  malml_strings strings;

  if (nranges > MALML_MAX_RANGES)
    nranges = MALML_MAX_RANGES;
  uint64_t(*range_hist)[256] =
      calloc(nranges > 0 ? nranges : 1, sizeof(*range_hist));
  if (range_hist == NULL)
    return -1;

  memset(out, 0, sizeof(*out));
  malml_strings_init(&strings, data, size);
  size_t ncuts = cut_points(size, ranges, nranges, cuts);

  for (size_t c = 0; c + 1 < ncuts; c++)
  {
    uint64_t a = cuts[c], b = cuts[c + 1];
    memset(seg, 0, sizeof(seg));
    for (uint64_t pos = a; pos < b; pos += CHUNK)
    {
      size_t len = (size_t) (b - pos < CHUNK ? b - pos : CHUNK);
      count_bytes(data + pos, len, seg);
      malml_strings_feed(&strings, (size_t) pos, (size_t) pos + len);
    }
    int covering[MALML_MAX_RANGES];
    int ncover = 0;
    for (int r = 0; r < nranges; r++)
      if (ranges[r].offset <= a && ranges[r].size >= b - ranges[r].offset)
        covering[ncover++] = r;
    for (int v = 0; v < 256; v++)
    {
      uint64_t total = (uint64_t) seg[0][v] + seg[1][v] + seg[2][v] + seg[3][v];
      out->histogram[v] += total;
      for (int k = 0; k < ncover; k++) range_hist[covering[k]][v] += total;
    }
  }
  malml_strings_finish(&strings);
  out->strings = strings.stats;
  out->entropy = malml_entropy(out->histogram, size);

  for (int r = 0; r < nranges; r++)
  {
    uint64_t total = 0;
    for (int v = 0; v < 256; v++) total += range_hist[r][v];
    out->range_entropy[r] = total ? malml_entropy(range_hist[r], total) : NAN;
  }
  free(range_hist);
  return 0;
}
