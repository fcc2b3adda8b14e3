/*
 * Strings features: counts of printable runs and of what they name (URLs,
 * registry keys, paths, commands...), embedded PE headers and long base64 or
 * hex runs.
 *
 * Speed matters: this runs over every byte of every scanned file, and the
 * byte histogram is counted in the same loop (the one pass of bytescan.c).
 * On x86-64, 64 bytes at a time are classified into bit masks (SSE2, or AVX2
 * or AVX-512BW when the CPU has them, chosen at run time) and runs are found
 * by bit arithmetic; elsewhere, and for the ends of a range, a branch-light
 * byte loop does the same work and is the reference the tests compare the
 * blocks with.  Each finished run is examined once (string_runs.c).
 * First version (per-pattern search of each run) cost ~3.9 ms per corpus
 * file; see bench/scan-bench.c for the measurement.
 */
#include "modules/malml/features/string_stats.h"
#include "modules/malml/features/string_runs.h"
#include "modules/malml/le.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

static int cpu_level(void);
static int best_level; /* malml_pass_best(), set with the tables */

/* MALML_PASS=bytes|sse2|avx2|avx512 in the environment caps the level: how
 * the corpus test runs the reference over every file, and how to time one
 * level against another. */
static int level_cap(void)
{
  static const char* const names[MALML_PASS_LEVELS] = {
      "bytes", "sse2", "avx2", "avx512", "vbmi"};
  const char* want = getenv("MALML_PASS");
  for (int i = 0; want != NULL && i < MALML_PASS_LEVELS; i++)
    if (strcmp(want, names[i]) == 0)
      return i;
  return MALML_PASS_LEVELS - 1;
}

static void build_tables(void)
{
  int cap = level_cap();
  best_level = cpu_level();
  best_level = best_level < cap ? best_level : cap;
  malml_runs_build_tables();
}

static pthread_once_t tables_once = PTHREAD_ONCE_INIT;

void malml_strings_global_init(void)
{
  pthread_once(&tables_once, build_tables);
}

void malml_strings_init(malml_strings* s, const uint8_t* data, size_t size)
{
  malml_strings_global_init(); /* one atomic load once the tables exist */
  memset(s, 0, sizeof(*s));
  s->data = data;
  s->size = size;
}

static void ascii_run(malml_strings* s, size_t end, size_t len)
{
  s->stats.strings++;
  s->stats.printable_bytes += len;
  malml_run_examine(&s->stats, s->data + end - len, len, s->vector_runs);
}

/* A UTF-16LE run of `chars` characters whose last 0x00 is at end - 1. */
static void wide_run(malml_strings* s, size_t end, size_t chars)
{
  uint8_t text[MALML_RUN_MAX_TEXT];
  size_t n = chars < sizeof(text) ? chars : sizeof(text);
  const uint8_t* p = s->data + end - 2 * chars;
  malml_run_narrow(p, n, text, s->vector_runs);
  s->stats.wide_strings++;
  malml_run_examine(&s->stats, text, n, s->vector_runs);
  s->stats.total_length += chars - n; /* what the buffer cut off */
}

/* "MZ" at `at`, whose e_lfanew points at "PE\0\0" inside the file. */
static int is_embedded_pe(const malml_strings* s, size_t at)
{
  if (at == 0 || s->size - at < 0x40)
    return 0;
  const uint8_t* p = s->data + at;
  uint32_t lfanew = malml_le32(p + 0x3c);
  if (lfanew > s->size - at || s->size - at - lfanew < 4)
    return 0;
  return memcmp(p + lfanew, "PE\0\0", 4) == 0;
}

/*
 * The state between bytes: run counts printable bytes ending at the last
 * byte seen; wide[q] counts (printable, 0x00) pairs ending at positions of
 * parity q (a wide string is a chain of pairs two bytes apart).
 */
typedef struct
{
  size_t run;
  size_t wide[2];
} feed_state;

/* Byte by byte over d[begin..end).  Counters reset through an and-mask (no
 * multiply latency); the only data-dependent branches are a long enough run
 * ending, and 'M'. */
static void
feed_bytes(malml_strings* s, feed_state* st, size_t begin, size_t end)
{
  const uint8_t* d = s->data;
  uint8_t prev = begin > 0 ? d[begin - 1] : 0;
  for (size_t i = begin; i < end; i++)
  {
    uint8_t c = d[i];
    size_t printable = malml_run_printable(c);
    if (st->run >= MALML_MIN_STRING && !printable)
      ascii_run(s, i, st->run);
    st->run = (st->run + 1) & (0 - printable);

    size_t* w = &st->wide[i & 1];
    size_t pair = (c == 0) & malml_run_printable(prev);
    if (*w >= MALML_MIN_STRING && !pair)
      wide_run(s, i - 1, *w);
    *w = (*w + 1) & (0 - pair);

    if (c == 'M' && i + 1 < s->size && d[i + 1] == 'Z' && is_embedded_pe(s, i))
      s->stats.embedded_pe++;
    prev = c;
  }
}

/* The histogram half of the reference: one table, one byte at a time. */
static void count_bytes(const uint8_t* p, size_t len, uint32_t hist[4][256])
{
  for (size_t i = 0; i < len; i++) hist[0][p[i]]++;
}

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>

#define EVEN_BITS 0x5555555555555555ull
#define ODD_BITS  0xaaaaaaaaaaaaaaaaull

/* What the block loop needs of 64 bytes, one bit per byte. */
typedef struct
{
  uint64_t print; /* 0x20..0x7e or '\t' */
  uint64_t zero;  /* 0x00 */
  uint64_t m;     /* 'M' */
  uint64_t z;     /* 'Z' */
  uint64_t same;  /* equal to the block's first byte */
} block_masks;

#define ALWAYS_INLINE static inline __attribute__((always_inline))

ALWAYS_INLINE uint32_t masks16(__m128i v, __m128i eq, int which)
{
  __m128i x;
  switch (which)
  {
  case 0: /* printable: v - 0x20 <= 0x5e unsigned, or a tab */
    x = _mm_sub_epi8(v, _mm_set1_epi8(0x20));
    x = _mm_cmpeq_epi8(_mm_min_epu8(x, _mm_set1_epi8(0x5e)), x);
    x = _mm_or_si128(x, _mm_cmpeq_epi8(v, _mm_set1_epi8('\t')));
    break;
  case 1:
    x = _mm_cmpeq_epi8(v, _mm_setzero_si128());
    break;
  case 2:
    x = _mm_cmpeq_epi8(v, _mm_set1_epi8('M'));
    break;
  case 3:
    x = _mm_cmpeq_epi8(v, _mm_set1_epi8('Z'));
    break;
  default:
    x = _mm_cmpeq_epi8(v, eq);
  }
  return (uint32_t) _mm_movemask_epi8(x) & 0xffff;
}

ALWAYS_INLINE void masks_sse2(const uint8_t* p, block_masks* b)
{
  uint64_t r[5] = {0, 0, 0, 0, 0};
  __m128i first = _mm_set1_epi8((char) p[0]);
  for (int k = 0; k < 4; k++)
  {
    __m128i v = _mm_loadu_si128((const __m128i*) (p + 16 * k));
    for (int w = 0; w < 5; w++)
      r[w] |= (uint64_t) masks16(v, first, w) << (16 * k);
  }
  b->print = r[0], b->zero = r[1], b->m = r[2], b->z = r[3], b->same = r[4];
}

__attribute__((target("avx2"))) ALWAYS_INLINE uint64_t
movemask32x2(__m256i lo, __m256i hi)
{
  return (uint32_t) _mm256_movemask_epi8(lo) |
         (uint64_t) (uint32_t) _mm256_movemask_epi8(hi) << 32;
}

__attribute__((target("avx2"))) ALWAYS_INLINE void masks_avx2(
    const uint8_t* p,
    block_masks* b)
{
  __m256i v[2] = {
      _mm256_loadu_si256((const __m256i*) p),
      _mm256_loadu_si256((const __m256i*) (p + 32))};
  __m256i pr[2], ze[2], m[2], z[2], same[2];
  __m256i first = _mm256_set1_epi8((char) p[0]);
  for (int k = 0; k < 2; k++)
  {
    __m256i x = _mm256_sub_epi8(v[k], _mm256_set1_epi8(0x20));
    pr[k] = _mm256_or_si256(
        _mm256_cmpeq_epi8(_mm256_min_epu8(x, _mm256_set1_epi8(0x5e)), x),
        _mm256_cmpeq_epi8(v[k], _mm256_set1_epi8('\t')));
    ze[k] = _mm256_cmpeq_epi8(v[k], _mm256_setzero_si256());
    m[k] = _mm256_cmpeq_epi8(v[k], _mm256_set1_epi8('M'));
    z[k] = _mm256_cmpeq_epi8(v[k], _mm256_set1_epi8('Z'));
    same[k] = _mm256_cmpeq_epi8(v[k], first);
  }
  b->print = movemask32x2(pr[0], pr[1]);
  b->zero = movemask32x2(ze[0], ze[1]);
  b->m = movemask32x2(m[0], m[1]);
  b->z = movemask32x2(z[0], z[1]);
  b->same = movemask32x2(same[0], same[1]);
}

__attribute__((target("avx512f,avx512bw"))) ALWAYS_INLINE void masks_avx512(
    const uint8_t* p,
    block_masks* b)
{
  __m512i v = _mm512_loadu_si512((const void*) p);
  __m512i x = _mm512_sub_epi8(v, _mm512_set1_epi8(0x20));
  b->print = _mm512_cmple_epu8_mask(x, _mm512_set1_epi8(0x5e)) |
             _mm512_cmpeq_epi8_mask(v, _mm512_set1_epi8('\t'));
  b->zero = _mm512_cmpeq_epi8_mask(v, _mm512_setzero_si512());
  b->m = _mm512_cmpeq_epi8_mask(v, _mm512_set1_epi8('M'));
  b->z = _mm512_cmpeq_epi8_mask(v, _mm512_set1_epi8('Z'));
  b->same = _mm512_cmpeq_epi8_mask(v, _mm512_set1_epi8((char) p[0]));
}

/* Ones at the top of a word for a run of `n` bits ending just before it:
 * the previous block's bits as far as a count can tell them. */
ALWAYS_INLINE uint64_t top_ones(uint64_t n)
{
  return n >= 64 ? ~0ull : ~(~0ull >> n);
}

/* Leading (most significant) ones of x. */
ALWAYS_INLINE uint64_t leading_ones(uint64_t x)
{
  return ~x == 0 ? 64 : (uint64_t) __builtin_clzll(~x);
}

/* ASCII runs of >= MALML_MIN_STRING ending in the block at i.  Bit j of L
 * says bytes j-5..j-1 are printable, the previous block's bytes taken from
 * the run count. */
ALWAYS_INLINE void
ascii_block(malml_strings* s, feed_state* st, size_t i, uint64_t P)
{
  uint64_t in = st->run, prev = top_ones(in);
  uint64_t L = ~0ull;
#pragma GCC unroll 5
  for (int k = 1; k <= MALML_MIN_STRING; k++) L &= P << k | prev >> (64 - k);
  for (uint64_t E = L & ~P; E != 0; E &= E - 1)
  {
    int j = __builtin_ctzll(E);
    uint64_t below = ~P & ((1ull << j) - 1);
    size_t len = below ? (size_t) (j - (63 - __builtin_clzll(below)) - 1)
                       : (size_t) j + in;
    ascii_run(s, i + (size_t) j, len);
  }
  st->run = ~P == 0 ? in + 64 : leading_ones(P);
}

/* UTF-16LE runs: the same over the (printable, 0x00) pairs, two bits apart,
 * each parity its own chain.  Bit j of W: a pair whose 0x00 is at j. */
ALWAYS_INLINE void
wide_block(malml_strings* s, feed_state* st, size_t i, uint64_t W)
{
  uint64_t prev = (top_ones(2 * st->wide[0]) & EVEN_BITS) |
                  (top_ones(2 * st->wide[1]) & ODD_BITS);
  uint64_t L = ~0ull;
#pragma GCC unroll 5
  for (int k = 1; k <= MALML_MIN_STRING; k++)
    L &= W << 2 * k | prev >> (64 - 2 * k);
  for (uint64_t E = L & ~W; E != 0; E &= E - 1)
  {
    int j = __builtin_ctzll(E);
    uint64_t same = (j & 1) ? ODD_BITS : EVEN_BITS;
    uint64_t below = ~W & same & ((1ull << j) - 1);
    size_t len = below ? (size_t) ((j - (63 - __builtin_clzll(below))) / 2 - 1)
                       : (size_t) (j >> 1) + st->wide[j & 1];
    wide_run(s, i + (size_t) j - 1, len);
  }
  for (int q = 0; q < 2; q++)
  {
    uint64_t gaps = ~W & (q ? ODD_BITS : EVEN_BITS);
    st->wide[q] = gaps == 0
                      ? st->wide[q] + 32
                      : (size_t) (62 + q - (63 - __builtin_clzll(gaps))) / 2;
  }
}

/* Adds p[0..len) (len a multiple of 8) to the four tables, a byte to each
 * in turn, so that a run of one value does not wait on its own count. */
ALWAYS_INLINE void
count_words(const uint8_t* p, size_t len, uint32_t hist[4][256])
{
  for (size_t k = 0; k < len; k += 8)
  {
    uint64_t w;
    memcpy(&w, p + k, 8);
    hist[0][w & 0xff]++;
    hist[1][(w >> 8) & 0xff]++;
    hist[2][(w >> 16) & 0xff]++;
    hist[3][(w >> 24) & 0xff]++;
    hist[0][(w >> 32) & 0xff]++;
    hist[1][(w >> 40) & 0xff]++;
    hist[2][(w >> 48) & 0xff]++;
    hist[3][w >> 56]++;
  }
}

/* Bytes waiting to be counted: the non-zero bytes of blocks, packed
 * together, counted whenever PACKED_FLUSH have gathered. */
#define PACKED_FLUSH 4096
typedef struct
{
  size_t fill;
  uint8_t bytes[PACKED_FLUSH + 64];
} packed;

/* Counts the bytes still packed (at the end of a feed). */
static void flush_packed(packed* k, uint32_t hist[4][256])
{
  size_t whole = k->fill & ~(size_t) 7;
  count_words(k->bytes, whole, hist);
  count_bytes(k->bytes + whole, k->fill - whole, hist);
  k->fill = 0;
}

/* Adds the 64 bytes at p to the four tables; a block of one value (padding,
 * zeros) in one add.  (`k` is count_packed's.) */
ALWAYS_INLINE void count_block(
    const uint8_t* p,
    const block_masks* b,
    packed* k,
    uint32_t hist[4][256])
{
  (void) k;
  if (~b->same == 0)
    hist[0][p[0]] += 64;
  else
    count_words(p, 64, hist);
}

#define VBMI                                            \
  __attribute__((                                       \
      target("avx512f,avx512bw,avx512vbmi,avx512vbmi2," \
             "popcnt")))

/* count_block with the zero bytes counted from their mask and the others
 * packed (vpcompressb) for count_words: a fifth of the corpus's bytes in
 * mixed blocks are 0x00, so fewer go through the tables.  A block of one
 * value stays one add: padding of 0xcc or 0xff would otherwise hit one
 * table entry in four bytes, each add waiting on the last. */
VBMI ALWAYS_INLINE void count_packed(
    const uint8_t* p,
    const block_masks* b,
    packed* k,
    uint32_t hist[4][256])
{
  if (~b->same == 0)
  {
    hist[0][p[0]] += 64;
    return;
  }
  unsigned zeros = (unsigned) __builtin_popcountll(b->zero);
  __m512i v = _mm512_loadu_si512((const void*) p);
  hist[0][0] += zeros;
  _mm512_storeu_si512(
      (void*) (k->bytes + k->fill), _mm512_maskz_compress_epi8(~b->zero, v));
  k->fill += 64 - zeros;
  if (k->fill >= PACKED_FLUSH)
  {
    size_t whole = k->fill & ~(size_t) 7;
    count_words(k->bytes, whole, hist);
    memmove(k->bytes, k->bytes + whole, k->fill - whole);
    k->fill -= whole;
  }
}

/*
 * The fused pass over data[i..end) in 64-byte blocks, i even (a UTF-16
 * chain's parity is then the bit's): byte classes as bit masks, runs by bit
 * arithmetic, the histogram from the same bytes while they are in L1.
 * Returns where the blocks stopped.  `masks` and `count` are inlined into
 * each caller, which is compiled for its instruction set.
 */
ALWAYS_INLINE size_t feed_blocks(
    malml_strings* s,
    feed_state* st,
    size_t i,
    size_t end,
    uint32_t hist[4][256],
    void (*masks)(const uint8_t*, block_masks*),
    void (
        *count)(const uint8_t*, const block_masks*, packed*, uint32_t[4][256]))
{
  const uint8_t* d = s->data;
  packed k;
  k.fill = 0;
  for (; end - i >= 64; i += 64)
  {
    block_masks b;
    masks(d + i, &b);
    uint64_t prev_print = st->run > 0;
    ascii_block(s, st, i, b.print);
    wide_block(s, st, i, b.zero & (b.print << 1 | prev_print));
    /* "MZ" whose 'Z' is in the next block is checked byte by byte. */
    for (uint64_t mz = b.m & (b.z >> 1 | 1ull << 63); mz != 0; mz &= mz - 1)
    {
      size_t at = i + (size_t) __builtin_ctzll(mz);
      if (at + 1 < s->size && d[at + 1] == 'Z' && is_embedded_pe(s, at))
        s->stats.embedded_pe++;
    }
    count(d + i, &b, &k, hist);
  }
  flush_packed(&k, hist);
  return i;
}

static size_t feed_sse2(
    malml_strings* s,
    feed_state* st,
    size_t i,
    size_t end,
    uint32_t hist[4][256])
{
  return feed_blocks(s, st, i, end, hist, masks_sse2, count_block);
}

__attribute__((target("avx2"))) static size_t feed_avx2(
    malml_strings* s,
    feed_state* st,
    size_t i,
    size_t end,
    uint32_t hist[4][256])
{
  return feed_blocks(s, st, i, end, hist, masks_avx2, count_block);
}

__attribute__((target("avx512f,avx512bw"))) static size_t feed_avx512(
    malml_strings* s,
    feed_state* st,
    size_t i,
    size_t end,
    uint32_t hist[4][256])
{
  return feed_blocks(s, st, i, end, hist, masks_avx512, count_block);
}

VBMI static size_t feed_vbmi(
    malml_strings* s,
    feed_state* st,
    size_t i,
    size_t end,
    uint32_t hist[4][256])
{
  return feed_blocks(s, st, i, end, hist, masks_avx512, count_packed);
}

static int cpu_level(void)
{
  __builtin_cpu_init();
  int avx512 =
      __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw");
  if (avx512 && __builtin_cpu_supports("avx512vbmi") &&
      __builtin_cpu_supports("avx512vbmi2"))
    return MALML_PASS_VBMI;
  if (avx512)
    return MALML_PASS_AVX512;
  if (__builtin_cpu_supports("avx2"))
    return MALML_PASS_AVX2;
  return MALML_PASS_SSE2;
}

#else
static int cpu_level(void)
{
  return MALML_PASS_BYTES;
}
#endif

int malml_pass_best(void)
{
  malml_strings_global_init();
  return best_level;
}

void malml_strings_feed_counting(
    malml_strings* s,
    size_t begin,
    size_t end,
    uint32_t hist[4][256],
    int level)
{
  feed_state st = {s->run_len, {s->wide_len[0], s->wide_len[1]}};
  size_t i = begin;
  level = level < best_level ? level : best_level;
  s->vector_runs = level >= MALML_PASS_VBMI;
#if defined(__x86_64__) && defined(__GNUC__)
  if (level > MALML_PASS_BYTES && i < end && (i & 1))
  {
    feed_bytes(s, &st, i, i + 1);
    count_bytes(s->data + i, 1, hist);
    i++;
  }
  if (level == MALML_PASS_VBMI)
    i = feed_vbmi(s, &st, i, end, hist);
  else if (level == MALML_PASS_AVX512)
    i = feed_avx512(s, &st, i, end, hist);
  else if (level == MALML_PASS_AVX2)
    i = feed_avx2(s, &st, i, end, hist);
  else if (level == MALML_PASS_SSE2)
    i = feed_sse2(s, &st, i, end, hist);
#endif
  feed_bytes(s, &st, i, end);
  count_bytes(s->data + i, end - i, hist);
  s->run_len = st.run;
  s->wide_len[0] = st.wide[0];
  s->wide_len[1] = st.wide[1];
}

void malml_strings_feed_reference(malml_strings* s, size_t begin, size_t end)
{
  feed_state st = {s->run_len, {s->wide_len[0], s->wide_len[1]}};
  feed_bytes(s, &st, begin, end);
  s->run_len = st.run;
  s->wide_len[0] = st.wide[0];
  s->wide_len[1] = st.wide[1];
}

void malml_strings_finish(malml_strings* s)
{
  if (s->run_len >= MALML_MIN_STRING)
    ascii_run(s, s->size, s->run_len);
  for (size_t q = 0; q < 2 && s->size > 0; q++)
  {
    /* The last position of parity q; its pair's 0x00 ends the run. */
    size_t last = ((s->size - 1) & 1) == q ? s->size - 1 : s->size - 2;
    if (s->wide_len[q] >= MALML_MIN_STRING)
      wide_run(s, last + 1, s->wide_len[q]);
  }
  s->run_len = s->wide_len[0] = s->wide_len[1] = 0;
}
