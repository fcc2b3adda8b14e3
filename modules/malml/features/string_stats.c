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
 * blocks with.  A finished run
 * is examined once: its text is lower-cased into a buffer and only the
 * positions a cheap filter passes are checked against the patterns that
 * start with that character.  With AVX-512 VBMI the run's characters are
 * classified, lower-cased and filtered 64 at a time by table lookups
 * (scan_run_vector); the byte loop (scan_run_bytes) is again the reference.
 * First version (per-pattern search of each run) cost ~3.9 ms per corpus
 * file; see bench/scan-bench.c for the measurement.
 */
#include "modules/malml/features/string_stats.h"
#include "modules/malml/le.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

enum
{
  C_PRINT = 1 << 0,
  C_UPPER = 1 << 1,
  C_LOWER = 1 << 2,
  C_DIGIT = 1 << 3,
  C_B64 = 1 << 4, /* A-Z a-z 0-9 + / = */
  C_HEX = 1 << 5,
  C_DOT = 1 << 6,
  C_SPACE = 1 << 7,
};

/* What a pattern says about the run that holds it. */
enum
{
  K_URL = 1 << 0,
  K_REGISTRY = 1 << 1,
  K_RUN_KEY = 1 << 2,
  K_PATH = 1 << 3,
  K_EXE = 1 << 4,
  K_PDB = 1 << 5,
  K_SHELL = 1 << 6,
  K_USER_AGENT = 1 << 7,
  K_API = 1 << 8,
  K_DOS_STUB = 1 << 9,
  K_GO = 1 << 10,
  K_INNO = 1 << 11,
  K_NSIS = 1 << 12,
  K_MINGW = 1 << 13,
  K_DELPHI = 1 << 14,
};

typedef struct
{
  const char* text; /* lower case */
  uint32_t kind;
} pattern;

static const pattern patterns[] = {
    {"http://", K_URL},
    {"https://", K_URL},
    {"ftp://", K_URL},
    {"hkey_", K_REGISTRY},
    {"hklm\\", K_REGISTRY},
    {"hkcu\\", K_REGISTRY},
    {"software\\", K_REGISTRY},
    {"system\\currentcontrolset", K_REGISTRY},
    {"currentversion\\run", K_RUN_KEY},
    {":\\", K_PATH},
    {"\\\\", K_PATH},
    {"%appdata%", K_PATH},
    {"%temp%", K_PATH},
    {"%systemroot%", K_PATH},
    {"%programdata%", K_PATH},
    {"\\system32", K_PATH},
    {".exe", K_EXE},
    {".dll", K_EXE},
    {".scr", K_EXE},
    {".bat", K_EXE},
    {".ps1", K_EXE},
    {".vbs", K_EXE},
    {".cmd", K_EXE},
    {".sys", K_EXE},
    {".pdb", K_PDB},
    {"cmd.exe", K_SHELL},
    {"cmd /c", K_SHELL},
    {"powershell", K_SHELL},
    {"rundll32", K_SHELL},
    {"regsvr32", K_SHELL},
    {"schtasks", K_SHELL},
    {"wscript", K_SHELL},
    {"bcdedit", K_SHELL},
    {"vssadmin", K_SHELL},
    {"mozilla/", K_USER_AGENT},
    /* APIs that loaders, injectors and droppers resolve by name. */
    {"virtualalloc", K_API},
    {"virtualprotect", K_API},
    {"getprocaddress", K_API},
    {"loadlibrary", K_API},
    {"createremotethread", K_API},
    {"writeprocessmemory", K_API},
    {"readprocessmemory", K_API},
    {"isdebuggerpresent", K_API},
    {"shellexecute", K_API},
    {"winexec", K_API},
    {"urldownloadtofile", K_API},
    {"internetopen", K_API},
    {"cryptencrypt", K_API},
    {"setwindowshookex", K_API},
    {"regsetvalue", K_API},
    {"adjusttokenprivileges", K_API},
    {"ntunmapviewofsection", K_API},
    {"queueuserapc", K_API},
    {"cannot be run in dos mode", K_DOS_STUB},
    {"go build id:", K_GO},
    {"inno setup", K_INNO},
    {"nullsoft", K_NSIS},
    {"mingw-w64 runtime failure", K_MINGW},
    {"gcc: (", K_MINGW},
    {"embarcadero", K_DELPHI},
    {"borland", K_DELPHI},
};

#define NPATTERNS    (sizeof(patterns) / sizeof(patterns[0]))
#define MAX_PER_CHAR 16

/* Built once (pthread_once), read-only after. */
static uint8_t classes[256];
static uint8_t lower[256];
static uint8_t by_first[256][MAX_PER_CHAR]; /* pattern indices + 1, 0 ends */
/* Bit (a << 8 | b) is set when some pattern starts with "ab": one test
 * rejects almost every position of a run before any compare. */
static uint8_t first_two[65536 / 8];
static uint8_t pattern_len[NPATTERNS];
static uint32_t pattern_head[NPATTERNS]; /* first 4 bytes, as loaded */

/* The vector run scan's candidate filter, by the four characters from a
 * position: bit g of group_of[k][plane][c] is set when a pattern of group
 * 8 * plane + g has c (either case) at position k, or is shorter than k + 1
 * (then every c, 0 too: lanes past the run read as 0).  A pattern's group is
 * its first character's: the 22 first characters fit the 24 groups, so no
 * two share one (were there more, they would share: more candidates, the
 * same result).  A position whose four lookups share a bit may start a
 * pattern; that is a superset of the scalar loop's candidates, and
 * pattern_kinds checks each in full.  On the corpus it passes 1 position
 * in 10 of those the scalar loop's two-character filter passes.  Runs hold
 * only 0x09 and 0x20..0x7e, so 128 entries cover them. */
#define GROUP_PLANES 3
#define GROUP_CHARS  4
static uint8_t group_of[GROUP_CHARS][GROUP_PLANES][128];

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

/* group_of, from the patterns (see there). */
static void build_groups(void)
{
  uint8_t firsts[NPATTERNS];
  size_t nfirst = 0;
  memset(group_of, 0, sizeof(group_of));
  for (size_t p = 0; p < NPATTERNS; p++)
  {
    const uint8_t* t = (const uint8_t*) patterns[p].text;
    size_t g = 0;
    while (g < nfirst && firsts[g] != t[0]) g++;
    if (g == nfirst)
      firsts[nfirst++] = t[0];
    g %= 8 * GROUP_PLANES;
    uint8_t bit = (uint8_t) (1u << (g % 8));
    for (int k = 0; k < GROUP_CHARS; k++)
      for (int c = 0; c < 128; c++)
        if (k < pattern_len[p] ? lower[c] == t[k] : 1)
          group_of[k][g / 8][c] |= bit;
  }
}

static void build_tables(void)
{
  int cap = level_cap();
  best_level = cpu_level();
  best_level = best_level < cap ? best_level : cap;
  for (int c = 0; c < 256; c++)
  {
    uint8_t k = 0;
    int up = c >= 'A' && c <= 'Z', lo = c >= 'a' && c <= 'z';
    int dig = c >= '0' && c <= '9';
    if ((c >= 0x20 && c < 0x7f) || c == '\t')
      k |= C_PRINT;
    k |= up ? C_UPPER | C_B64 : 0;
    k |= lo ? C_LOWER | C_B64 : 0;
    k |= dig ? C_DIGIT | C_B64 | C_HEX : 0;
    k |= ((c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')) ? C_HEX : 0;
    k |= (c == '+' || c == '/' || c == '=') ? C_B64 : 0;
    k |= c == '.' ? C_DOT : 0;
    k |= c == ' ' ? C_SPACE : 0;
    classes[c] = k;
    lower[c] = (uint8_t) (up ? c - 'A' + 'a' : c);
  }
  memset(by_first, 0, sizeof(by_first));
  memset(first_two, 0, sizeof(first_two));
  for (size_t p = 0; p < NPATTERNS; p++)
  {
    uint8_t first = (uint8_t) patterns[p].text[0];
    int n = 0;
    while (by_first[first][n] != 0) n++;
    by_first[first][n] = (uint8_t) (p + 1); /* MAX_PER_CHAR is ample: 9 max */
    pattern_len[p] = (uint8_t) strlen(patterns[p].text);
    if (pattern_len[p] >= 4)
      memcpy(&pattern_head[p], patterns[p].text, 4);
    unsigned key = first << 8 | (uint8_t) patterns[p].text[1];
    first_two[key >> 3] |= (uint8_t) (1u << (key & 7));
  }
  build_groups();
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

/* Kinds of pattern starting at the candidate positions cand[0..ncand) of
 * lower-case text t[0..len) (positions whose two characters begin some
 * pattern).  A pattern of 4 or more characters is first compared on its
 * first four as one word. */
static uint32_t
pattern_kinds(const uint8_t* t, size_t len, const uint16_t* cand, size_t ncand)
{
  uint32_t kinds = 0;
  for (size_t c = 0; c < ncand; c++)
  {
    size_t i = cand[c];
    const uint8_t* by = by_first[t[i]];
    for (int k = 0; by[k] != 0; k++)
    {
      size_t p = by[k] - 1u, plen = pattern_len[p];
      if (plen > len - i)
        continue;
      if (plen >= 4)
      {
        uint32_t w;
        memcpy(&w, t + i, 4);
        if (w != pattern_head[p])
          continue;
      }
      if (memcmp(t + i, patterns[p].text, plen) == 0)
        kinds |= patterns[p].kind;
    }
  }
  return kinds;
}

/* A dotted quad of 1-3 digit numbers, each <= 255, not inside a longer
 * dotted number. */
static int has_ipv4(const uint8_t* t, size_t len)
{
  for (size_t i = 0; i < len; i++)
  {
    if (i > 0 && ((t[i - 1] >= '0' && t[i - 1] <= '9') || t[i - 1] == '.'))
      continue;
    size_t p = i;
    for (int parts = 0; parts < 4; parts++)
    {
      int digits = 0, value = 0;
      while (p < len && t[p] >= '0' && t[p] <= '9' && digits < 4)
        value = value * 10 + (t[p++] - '0'), digits++;
      if (digits == 0 || digits > 3 || value > 255)
        break;
      if (parts == 3)
        return p >= len || !((t[p] >= '0' && t[p] <= '9') || t[p] == '.');
      if (p >= len || t[p] != '.')
        break;
      p++;
    }
  }
  return 0;
}

static void count_kinds(
    malml_strings_stats* st,
    uint32_t kinds,
    uint32_t or_bits,
    size_t len)
{
  st->urls += !!(kinds & K_URL);
  st->registry += !!(kinds & K_REGISTRY);
  st->run_keys += !!(kinds & K_RUN_KEY);
  st->paths += !!(kinds & K_PATH);
  st->exe_names += !!(kinds & K_EXE);
  st->pdb_paths += !!(kinds & K_PDB);
  st->shell_commands += !!(kinds & K_SHELL);
  st->user_agents += !!(kinds & K_USER_AGENT);
  /* An API name stands alone: a short run without spaces. */
  st->api_names += (kinds & K_API) && len <= 40 && !(or_bits & C_SPACE);
  st->dos_stubs += !!(kinds & K_DOS_STUB);
  st->markers |= (kinds & K_GO ? MALML_MARK_GO : 0) |
                 (kinds & K_INNO ? MALML_MARK_INNO : 0) |
                 (kinds & K_NSIS ? MALML_MARK_NSIS : 0) |
                 (kinds & K_MINGW ? MALML_MARK_MINGW : 0) |
                 (kinds & K_DELPHI ? MALML_MARK_DELPHI : 0);
}

/* What a run's characters say once scanned: its lower-case text (the first
 * MAX_TEXT), the class bits any and all of them have, and where a pattern
 * may start. */
#define MAX_TEXT 1024
typedef struct
{
  uint8_t low[MAX_TEXT];
  uint16_t cand[MAX_TEXT];
  size_t ncand;
  uint32_t or_bits, and_bits;
} run_text;

/* The scalar scan of text[0..n): the reference.  One loop classifies,
 * lower-cases and notes where the first two characters of a pattern are
 * (appending without a branch: most positions are not candidates). */
static void scan_run_bytes(const uint8_t* text, size_t n, run_text* r)
{
  uint32_t or_bits = 0, and_bits = 0xff;
  unsigned prev = 0; /* no pattern starts with 0x00 */
  size_t ncand = 0;
  for (size_t i = 0; i < n; i++)
  {
    uint8_t k = classes[text[i]], c = lower[text[i]];
    unsigned key = prev << 8 | c;
    or_bits |= k;
    and_bits &= k;
    r->low[i] = c;
    r->cand[ncand] = (uint16_t) (i - 1);
    ncand += (first_two[key >> 3] >> (key & 7)) & 1;
    prev = c;
  }
  r->ncand = ncand;
  r->or_bits = or_bits;
  r->and_bits = and_bits;
}

static int scan_run_vector(const uint8_t* text, size_t n, run_text* r);

/* Examines one run, given as its characters (already narrowed for UTF-16);
 * `vector` allows the AVX-512 scan, which gives the same statistics. */
static void
analyse(malml_strings_stats* st, const uint8_t* text, size_t len, int vector)
{
  run_text r;
  size_t n = len < MAX_TEXT ? len : MAX_TEXT;
  if (!(vector && scan_run_vector(text, n, &r)))
    scan_run_bytes(text, n, &r);
  uint32_t or_bits = r.or_bits, and_bits = r.and_bits;
  st->total_length += len;
  if (len > st->max_length)
    st->max_length = len;
  /* Most runs are a few characters of code or data that name nothing:
   * everything below is skipped for them. */
  uint32_t kinds = r.ncand ? pattern_kinds(r.low, n, r.cand, r.ncand) : 0;
  if (kinds)
    count_kinds(st, kinds, or_bits, len);
  if ((or_bits & (C_DOT | C_DIGIT)) == (C_DOT | C_DIGIT) && has_ipv4(r.low, n))
    st->ipv4++;
  if (len < 32)
    return;
  const uint32_t mixed = C_UPPER | C_LOWER | C_DIGIT;
  if (len >= 40 && (and_bits & C_B64) && (or_bits & mixed) == mixed)
    st->base64_runs++;
  if ((and_bits & C_HEX) && (or_bits & C_DIGIT) &&
      (or_bits & (C_UPPER | C_LOWER)))
    st->hex_runs++;
}

static void ascii_run(malml_strings* s, size_t end, size_t len)
{
  s->stats.strings++;
  s->stats.printable_bytes += len;
  analyse(&s->stats, s->data + end - len, len, s->vector_runs);
}

static int narrow_vector(const uint8_t* wide, size_t n, uint8_t* text);

/* A UTF-16LE run of `chars` characters whose last 0x00 is at end - 1. */
static void wide_run(malml_strings* s, size_t end, size_t chars)
{
  uint8_t text[MAX_TEXT];
  size_t n = chars < sizeof(text) ? chars : sizeof(text);
  const uint8_t* p = s->data + end - 2 * chars;
  if (!(s->vector_runs && narrow_vector(p, n, text)))
    for (size_t i = 0; i < n; i++) text[i] = p[2 * i];
  s->stats.wide_strings++;
  analyse(&s->stats, text, n, s->vector_runs);
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
    size_t printable = classes[c] & C_PRINT;
    if (st->run >= MALML_MIN_STRING && !printable)
      ascii_run(s, i, st->run);
    st->run = (st->run + 1) & (0 - printable);

    size_t* w = &st->wide[i & 1];
    size_t pair = (c == 0) & (classes[prev] & C_PRINT);
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

/* Lanes [0, n) of a 64-lane mask; none when n is "negative". */
ALWAYS_INLINE uint64_t first_lanes(size_t avail, size_t skip)
{
  size_t n = avail > skip ? avail - skip : 0;
  return n >= 64 ? ~0ull : (1ull << n) - 1;
}

/* A 128-entry table lookup of each byte of v (all below 0x80). */
VBMI ALWAYS_INLINE __m512i lookup128(const uint8_t t[128], __m512i v)
{
  return _mm512_permutex2var_epi8(
      _mm512_loadu_si512((const void*) t),
      v,
      _mm512_loadu_si512((const void*) (t + 64)));
}

/* Candidate lanes of the 64 positions whose characters are v[0] and whose
 * successors are v[1], v[2]...: the lookups share a group bit. */
VBMI ALWAYS_INLINE uint64_t candidates(const __m512i v[GROUP_CHARS])
{
  __m512i any = _mm512_setzero_si512();
#pragma GCC unroll 4
  for (int plane = 0; plane < GROUP_PLANES; plane++)
  {
    __m512i g = lookup128(group_of[0][plane], v[0]);
#pragma GCC unroll 4
    for (int k = 1; k < GROUP_CHARS; k++)
      g = _mm512_and_si512(g, lookup128(group_of[k][plane], v[k]));
    any = _mm512_or_si512(any, g);
  }
  return _mm512_test_epi8_mask(any, any);
}

/* The bytes of a vector's 64 lanes folded into one with `op`. */
#define FOLD_BYTES(x, op) \
  ((x) op## = (x) >> 32, (x) op## = (x) >> 16, (x) op## = (x) >> 8, (x) &0xff)

/* scan_run_bytes 64 characters at a time: the same lower-case text, class
 * bits and (after pattern_kinds) kinds; a superset of its candidates. */
VBMI static int scan_run_vector(const uint8_t* text, size_t n, run_text* r)
{
  __m512i any = _mm512_setzero_si512(), all = _mm512_set1_epi8(-1);
  size_t ncand = 0;
  for (size_t o = 0; o < n; o += 64)
  {
    uint64_t in = first_lanes(n - o, 0);
    __m512i v[GROUP_CHARS];
#pragma GCC unroll 4
    for (int k = 0; k < GROUP_CHARS; k++)
      v[k] = _mm512_maskz_loadu_epi8(first_lanes(n - o, k), text + o + k);
    __m512i cls = lookup128(classes, v[0]);
    any = _mm512_or_si512(any, cls);
    all = _mm512_and_si512(all, _mm512_mask_blend_epi8(in, all, cls));
    uint64_t upper = _mm512_cmplt_epu8_mask(
        _mm512_sub_epi8(v[0], _mm512_set1_epi8('A')), _mm512_set1_epi8(26));
    _mm512_storeu_si512(
        (void*) (r->low + o),
        _mm512_mask_add_epi8(v[0], upper, v[0], _mm512_set1_epi8(0x20)));
    for (uint64_t c = candidates(v); c != 0; c &= c - 1)
      r->cand[ncand++] = (uint16_t) (o + (size_t) __builtin_ctzll(c));
  }
  uint64_t or_bits = (uint64_t) _mm512_reduce_or_epi64(any);
  uint64_t and_bits = (uint64_t) _mm512_reduce_and_epi64(all);
  r->or_bits = (uint32_t) FOLD_BYTES(or_bits, |);
  r->and_bits = (uint32_t) FOLD_BYTES(and_bits, &);
  r->ncand = ncand;
  return 1;
}

/* The characters of a UTF-16LE run (each high byte 0x00) as bytes, into
 * text[0..n) of a MAX_TEXT buffer (whole 32-byte stores stay inside it). */
VBMI static int narrow_vector(const uint8_t* wide, size_t n, uint8_t* text)
{
  for (size_t i = 0; i < n; i += 32)
  {
    __mmask32 in = (__mmask32) first_lanes(n - i, 0);
    __m512i w = _mm512_maskz_loadu_epi16(in, wide + 2 * i);
    _mm256_storeu_si256((__m256i*) (text + i), _mm512_cvtepi16_epi8(w));
  }
  return 1;
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

static int scan_run_vector(const uint8_t* text, size_t n, run_text* r)
{
  return 0;
}

static int narrow_vector(const uint8_t* wide, size_t n, uint8_t* text)
{
  return 0;
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
