/*
 * Strings features: counts of printable runs and of what they name (URLs,
 * registry keys, paths, commands...), embedded PE headers and long base64 or
 * hex runs.
 *
 * Speed matters: this runs over every byte of every scanned file.  On x86-64
 * 16 bytes at a time are classified with SSE2 and runs are tracked with bit
 * arithmetic; elsewhere (and for the rare block where a UTF-16 string ends)
 * a branch-light byte loop does the same work.  A finished run
 * is examined once: its text is lower-cased into a buffer and every position
 * is checked only against the patterns that start with that character.
 * First version (per-pattern search of each run) cost ~3.9 ms per corpus
 * file; see bench/scan-bench.c for the measurement.
 */
#include "modules/malml/features/string_stats.h"

#include <pthread.h>
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

static void build_tables(void)
{
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
    unsigned key = first << 8 | (uint8_t) patterns[p].text[1];
    first_two[key >> 3] |= (uint8_t) (1u << (key & 7));
  }
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

/* Kinds of pattern found in lower-case text t[0..len). */
static uint32_t pattern_kinds(const uint8_t* t, size_t len)
{
  uint32_t kinds = 0;
  for (size_t i = 0; i + 1 < len; i++) /* every pattern has >= 2 chars */
  {
    unsigned key = (unsigned) t[i] << 8 | t[i + 1];
    if (!(first_two[key >> 3] & (1u << (key & 7))))
      continue;
    const uint8_t* cand = by_first[t[i]];
    for (int k = 0; cand[k] != 0; k++)
    {
      size_t p = cand[k] - 1u;
      if (pattern_len[p] <= len - i &&
          memcmp(t + i, patterns[p].text, pattern_len[p]) == 0)
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

/* Examines one run, given as its characters (already narrowed for UTF-16). */
static void analyse(malml_strings_stats* st, const uint8_t* text, size_t len)
{
  uint8_t low[1024];
  uint32_t or_bits = 0, and_bits = 0xff;
  size_t n = len < sizeof(low) ? len : sizeof(low);
  for (size_t i = 0; i < n; i++)
  {
    or_bits |= classes[text[i]];
    and_bits &= classes[text[i]];
    low[i] = lower[text[i]];
  }
  st->total_length += len;
  if (len > st->max_length)
    st->max_length = len;
  count_kinds(st, pattern_kinds(low, n), or_bits, len);
  if ((or_bits & (C_DOT | C_DIGIT)) == (C_DOT | C_DIGIT) && has_ipv4(low, n))
    st->ipv4++;
  const uint32_t mixed = C_UPPER | C_LOWER | C_DIGIT;
  if (len >= 40 && (and_bits & C_B64) && (or_bits & mixed) == mixed)
    st->base64_runs++;
  if (len >= 32 && (and_bits & C_HEX) && (or_bits & C_DIGIT) &&
      (or_bits & (C_UPPER | C_LOWER)))
    st->hex_runs++;
}

static void ascii_run(malml_strings* s, size_t end, size_t len)
{
  s->stats.strings++;
  s->stats.printable_bytes += len;
  analyse(&s->stats, s->data + end - len, len);
}

/* A UTF-16LE run of `chars` characters whose last 0x00 is at end - 1. */
static void wide_run(malml_strings* s, size_t end, size_t chars)
{
  uint8_t text[1024];
  size_t n = chars < sizeof(text) ? chars : sizeof(text);
  const uint8_t* p = s->data + end - 2 * chars;
  for (size_t i = 0; i < n; i++) text[i] = p[2 * i];
  s->stats.wide_strings++;
  analyse(&s->stats, text, chars < sizeof(text) ? chars : n);
  s->stats.total_length += chars - n; /* what the buffer cut off */
}

/* "MZ" at `at`, whose e_lfanew points at "PE\0\0" inside the file. */
static int is_embedded_pe(const malml_strings* s, size_t at)
{
  if (at == 0 || s->size - at < 0x40)
    return 0;
  const uint8_t* p = s->data + at;
  uint32_t lfanew = (uint32_t) p[0x3c] | (uint32_t) p[0x3d] << 8 |
                    (uint32_t) p[0x3e] << 16 | (uint32_t) p[0x3f] << 24;
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

#ifdef __SSE2__
#include <emmintrin.h>

/* Bits 0, 2, 4... of x (16 bits) packed into 8 bits. */
static inline uint32_t even_bits(uint32_t x)
{
  x &= 0x5555;
  x = (x | x >> 1) & 0x3333;
  x = (x | x >> 2) & 0x0f0f;
  return (x | x >> 4) & 0x00ff;
}

/* Leading (most significant) ones of the low `width` bits of x. */
static inline uint32_t top_ones(uint32_t x, int width)
{
  uint32_t inv = ~(x << (32 - width));
  return inv == 0 ? (uint32_t) width : (uint32_t) __builtin_clz(inv);
}

/*
 * The same as feed_bytes over the 16 bytes at i (i even), with SSE2 masks
 * and bit arithmetic instead of a loop.  Returns 0 when done, or 1 without
 * touching the state when a wide string ends inside the block (rare): the
 * caller then runs feed_bytes over it.  Long on purpose: the hot loop of
 * the byte pass, kept in one function so the compiler keeps the masks in
 * registers.
 */
static int
feed_block(malml_strings* s, feed_state* st, size_t i, uint32_t* prev_p)
{
  const uint8_t* d = s->data;
  __m128i v = _mm_loadu_si128((const __m128i*) (d + i));
  __m128i x = _mm_sub_epi8(v, _mm_set1_epi8(0x20)); /* printable: x <= 0x5e */
  __m128i pr = _mm_cmpeq_epi8(_mm_min_epu8(x, _mm_set1_epi8(0x5e)), x);
  pr = _mm_or_si128(pr, _mm_cmpeq_epi8(v, _mm_set1_epi8('\t')));
  uint32_t P = (uint32_t) _mm_movemask_epi8(pr);
  uint32_t Z =
      (uint32_t) _mm_movemask_epi8(_mm_cmpeq_epi8(v, _mm_setzero_si128()));
  uint32_t M =
      (uint32_t) _mm_movemask_epi8(_mm_cmpeq_epi8(v, _mm_set1_epi8('M')));
  uint32_t W = Z & ((P << 1) | *prev_p) & 0xffff;

  /* Wide chains, per parity: bail out if one of >= 5 pairs ends here.  Most
   * blocks hold no pair at all (70% of corpus blocks): then chains from
   * before the block simply end. */
  size_t wide_out[2] = {0, 0};
  if (W == 0)
  {
    if (st->wide[0] >= MALML_MIN_STRING || st->wide[1] >= MALML_MIN_STRING)
      return 1;
  }
  else
  {
    for (int q = 0; q < 2; q++)
    {
      uint32_t c = even_bits(W >> q);
      uint32_t from_carry = (uint32_t) __builtin_ctz(~c); /* 8 if c == 0xff */
      if (from_carry < 8 && st->wide[q] + from_carry >= MALML_MIN_STRING)
        return 1;
      if (c & c >> 1 & c >> 2 & c >> 3 & c >> 4 & ~(c >> 5) & 0x07)
        return 1;
      wide_out[q] = c == 0xff ? st->wide[q] + 8 : top_ones(c, 8);
    }
  }
  *prev_p = P >> 15;

  /* ASCII runs of >= 5 ending in the block: bit j of L says bytes j-5..j-1
   * are printable (X holds 5 bits of the run before the block below P). */
  size_t in = st->run;
  uint32_t carry = in >= 5 ? 0x1f : (0x1fu << (5 - in)) & 0x1f;
  uint32_t X = P << 5 | carry;
  uint32_t L = X & X >> 1 & X >> 2 & X >> 3 & X >> 4;
  for (uint32_t E = L & ~P & 0xffff; E != 0; E &= E - 1)
  {
    int j = __builtin_ctz(E);
    uint32_t zeros_below = ~P & ((1u << j) - 1);
    size_t len = zeros_below
                     ? (size_t) (j - (31 - __builtin_clz(zeros_below)) - 1)
                     : j + in;
    ascii_run(s, i + (size_t) j, len);
  }
  st->run = P == 0xffff ? in + 16 : top_ones(P, 16);
  st->wide[0] = wide_out[0];
  st->wide[1] = wide_out[1];

  for (; M != 0; M &= M - 1)
  {
    size_t at = i + (size_t) __builtin_ctz(M);
    if (at + 1 < s->size && d[at + 1] == 'Z' && is_embedded_pe(s, at))
      s->stats.embedded_pe++;
  }
  return 0;
}
#endif

void malml_strings_feed(malml_strings* s, size_t begin, size_t end)
{
  feed_state st = {s->run_len, {s->wide_len[0], s->wide_len[1]}};
  size_t i = begin;
#ifdef __SSE2__
  if (i < end && (i & 1))
    feed_bytes(s, &st, i, i + 1), i++;
  /* Printable bit of the byte before the block, carried from block to block. */
  uint32_t prev_p = i > 0 ? (classes[s->data[i - 1]] & C_PRINT) : 0;
  for (; i + 16 <= end; i += 16)
  {
    if (feed_block(s, &st, i, &prev_p))
    {
      feed_bytes(s, &st, i, i + 16);
      prev_p = classes[s->data[i + 15]] & C_PRINT;
    }
  }
#endif
  feed_bytes(s, &st, i, end);
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
