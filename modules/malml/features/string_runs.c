/*
 * The strings features' look at one printable run: which patterns it holds
 * (URLs, registry keys, paths, commands...), a dotted quad, a long base64
 * or hex run.  string_stats.c finds the runs; this file examines each once:
 * its text is lower-cased into a buffer and only the positions a cheap
 * filter passes are checked against the patterns that start with that
 * character.  With AVX-512 VBMI the run's characters are classified,
 * lower-cased and filtered 64 at a time by table lookups
 * (scan_run_vector); the byte loop (scan_run_bytes) is the reference.
 */
#include "modules/malml/features/string_runs.h"

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
void malml_runs_build_tables(void)
{
  for (int c = 0; c < 256; c++)
  {
    uint8_t k = 0;
    int up = c >= 'A' && c <= 'Z', lo = c >= 'a' && c <= 'z';
    int dig = c >= '0' && c <= '9';
    k |= malml_run_printable((uint8_t) c) ? C_PRINT : 0;
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
 * MALML_RUN_MAX_TEXT), the class bits any and all of them have, and where a
 * pattern may start. */
typedef struct
{
  uint8_t low[MALML_RUN_MAX_TEXT];
  uint16_t cand[MALML_RUN_MAX_TEXT];
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

void malml_run_examine(
    malml_strings_stats* st,
    const uint8_t* text,
    size_t len,
    int vector)
{
  run_text r;
  size_t n = len < MALML_RUN_MAX_TEXT ? len : MALML_RUN_MAX_TEXT;
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

static int narrow_vector(const uint8_t* wide, size_t n, uint8_t* text);

void malml_run_narrow(const uint8_t* wide, size_t n, uint8_t* text, int vector)
{
  if (!(vector && narrow_vector(wide, n, text)))
    for (size_t i = 0; i < n; i++) text[i] = wide[2 * i];
}

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>

#define ALWAYS_INLINE static inline __attribute__((always_inline))
#define VBMI          __attribute__((target("avx512f,avx512bw,avx512vbmi")))

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
 * text[0..n) of a MALML_RUN_MAX_TEXT buffer (whole 32-byte stores stay inside
 * it). */
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
#else
static int scan_run_vector(const uint8_t* text, size_t n, run_text* r)
{
  return 0;
}

static int narrow_vector(const uint8_t* wide, size_t n, uint8_t* text)
{
  return 0;
}
#endif
