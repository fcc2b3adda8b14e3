/*
 * The one pass over the bytes: entropy on known patterns, ranges that
 * overlap or run past the end, and the strings state machine.
 */
#include <criterion/criterion.h>
#include <criterion/new/assert.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "modules/malml/features/bytescan.h"
#include "modules/malml/features/string_stats.h"

static malml_bytescan scan;

static void run(const void* data, size_t size, const malml_range* r, int n)
{
  cr_assert_eq(malml_bytescan_run(data, size, r, n, &scan), 0);
}

Test(entropy, known_patterns)
{
  uint8_t buf[1024];
  memset(buf, 0x41, sizeof(buf));
  run(buf, sizeof(buf), NULL, 0);
  cr_assert(epsilon_eq(dbl, scan.entropy, 0.0, 1e-12), "one value: 0 bits");

  for (int i = 0; i < 1024; i++) buf[i] = (uint8_t) (i & 1);
  run(buf, sizeof(buf), NULL, 0);
  cr_assert(epsilon_eq(dbl, scan.entropy, 1.0, 1e-12), "two values: 1 bit");

  for (int i = 0; i < 1024; i++) buf[i] = (uint8_t) (i % 4);
  run(buf, sizeof(buf), NULL, 0);
  cr_assert(epsilon_eq(dbl, scan.entropy, 2.0, 1e-12));

  for (int i = 0; i < 1024; i++) buf[i] = (uint8_t) i;
  run(buf, sizeof(buf), NULL, 0);
  cr_assert(epsilon_eq(dbl, scan.entropy, 8.0, 1e-12), "uniform: 8 bits");
  cr_assert_eq(scan.histogram[7], 4);
}

Test(entropy, empty_input_is_zero)
{
  run("", 0, NULL, 0);
  cr_assert(epsilon_eq(dbl, scan.entropy, 0.0, 1e-12));
}

Test(ranges, overlapping_and_out_of_file_ranges)
{
  /* [0,512) all 0x00, [512,1024) uniform bytes. */
  uint8_t buf[1024];
  memset(buf, 0, 512);
  for (int i = 0; i < 512; i++) buf[512 + i] = (uint8_t) i;
  malml_range r[] = {
      {0, 512},    /* zeros: 0 bits */
      {512, 512},  /* uniform: 8 bits */
      {256, 512},  /* 256 zeros, then 0..255: 257 zeros, 255 others once */
      {512, 512},  /* the same range twice */
      {768, 4096}, /* runs past the end: clamped to [768,1024) */
      {5000, 100}, /* wholly outside: no bytes */
      {0, 0},      /* empty */
  };
  run(buf, sizeof(buf), r, 7);
  cr_assert(epsilon_eq(dbl, scan.range_entropy[0], 0.0, 1e-12));
  cr_assert(epsilon_eq(dbl, scan.range_entropy[1], 8.0, 1e-12));
  double p0 = 257.0 / 512, p1 = 1.0 / 512;
  double mixed = -(p0 * log2(p0)) - 255 * (p1 * log2(p1));
  cr_assert(epsilon_eq(dbl, scan.range_entropy[2], mixed, 1e-12));
  cr_assert(epsilon_eq(dbl, scan.range_entropy[3], 8.0, 1e-12));
  cr_assert(
      epsilon_eq(dbl, scan.range_entropy[4], 8.0, 1e-12),
      "256 values once each");
  cr_assert(isnan(scan.range_entropy[5]), "no bytes: missing, not 0");
  cr_assert(isnan(scan.range_entropy[6]));
  cr_assert_eq(scan.histogram[0], 512 + 2, "ranges never count a byte twice");
}

/* A buffer of non-printable filler with `text` pieces at given offsets. */
static uint8_t* filler(size_t size)
{
  uint8_t* b = malloc(size);
  cr_assert_not_null(b);
  memset(b, 0x01, size);
  return b;
}

static void put(uint8_t* b, size_t at, const char* s)
{
  memcpy(b + at, s, strlen(s));
}

static void put_wide(uint8_t* b, size_t at, const char* s)
{
  for (size_t i = 0; s[i]; i++)
  {
    b[at + 2 * i] = (uint8_t) s[i];
    b[at + 2 * i + 1] = 0;
  }
}

Test(strings, counts_what_runs_name)
{
  uint8_t* b = filler(8192);
  put(b, 100, "http://evil.example.invalid/a.exe");
  put(b, 200, "SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Run");
  put(b, 300, "C:\\Windows\\System32\\cmd.exe /c del");
  put(b, 400, "connect to 10.20.30.40 now");
  put(b, 500, "abc"); /* too short to be a string */
  put(b, 600, "VGhpcyBpcyBhIGxvbmcgYmFzZTY0IHJ1biBvZiB0ZXh0IGZvciB0ZXN0aW5n");
  put(b, 700, "Mozilla/5.0 (Windows NT 10.0)");
  put(b, 800, "VirtualAllocEx");
  put(b, 900, "d:\\build\\x\\release\\x.pdb");
  put(b, 1000, "This program cannot be run in DOS mode.");
  put_wide(b, 1100, "https://wide.example.invalid/");
  run(b, 8192, NULL, 0);
  const malml_strings_stats* s = &scan.strings;
  cr_assert_eq(s->urls, 2, "one ASCII and one UTF-16 URL");
  cr_assert_eq(s->wide_strings, 1);
  cr_assert_eq(s->strings, 9, "abc is too short");
  cr_assert_eq(s->run_keys, 1);
  cr_assert_eq(s->registry, 1);
  cr_assert_eq(s->paths, 2, "C:\\ and d:\\, not the registry key");
  cr_assert_eq(s->shell_commands, 1);
  cr_assert_eq(s->ipv4, 1);
  cr_assert_eq(s->base64_runs, 1);
  cr_assert_eq(s->user_agents, 1);
  cr_assert_eq(s->api_names, 1);
  cr_assert_eq(s->pdb_paths, 1);
  cr_assert_eq(s->dos_stubs, 1);
  cr_assert_eq(s->exe_names, 2, "a.exe and cmd.exe");
  free(b);
}

Test(strings, nothing_in_random_looking_bytes)
{
  uint8_t* b = filler(4096);
  for (int i = 0; i < 4096; i++)
    b[i] = (uint8_t) (i * 131 % 251 < 120 ? 0x01 : 0x80 + i % 100);
  run(b, 4096, NULL, 0);
  cr_assert_eq(scan.strings.strings, 0);
  cr_assert_eq(scan.strings.urls, 0);
  free(b);
}

Test(strings, ipv4_rejects_bad_octets)
{
  uint8_t* b = filler(1024);
  put(b, 10, "version 1.2.3.4567");
  put(b, 100, "host 300.1.1.1 x");
  put(b, 200, "at 192.168.1.254");
  run(b, 1024, NULL, 0);
  cr_assert_eq(scan.strings.ipv4, 1, "only 192.168.1.254");
  free(b);
}

Test(strings, embedded_pe_needs_a_pe_header)
{
  uint8_t* b = filler(4096);
  /* A real-looking header at 1024: MZ, e_lfanew = 0x80, PE\0\0 there. */
  put(b, 1024, "MZ");
  b[1024 + 0x3c] = 0x80;
  b[1024 + 0x3d] = b[1024 + 0x3e] = b[1024 + 0x3f] = 0;
  memcpy(b + 1024 + 0x80, "PE\0\0", 4);
  /* A bare "MZ" with no header, and one whose e_lfanew points past the end. */
  put(b, 2048, "MZ");
  put(b, 3000, "MZ");
  b[3000 + 0x3c] = 0xff;
  b[3000 + 0x3d] = 0xff;
  /* "MZ" in the last byte: its header would be past the end. */
  b[4094] = 'M';
  b[4095] = 'Z';
  run(b, 4096, NULL, 0);
  cr_assert_eq(scan.strings.embedded_pe, 1);
  free(b);
}

Test(strings, runs_cross_range_boundaries)
{
  uint8_t* b = filler(256);
  put(b, 90, "http://split.example.invalid/");
  malml_range r[] = {{0, 100}, {100, 156}};
  run(b, 256, r, 2);
  cr_assert_eq(scan.strings.urls, 1, "segment cuts must not split a string");
  free(b);
}

/* Mixed data: text, UTF-16 text, zeros, "MZ", padding and noise in pieces
 * of 1-40 bytes (or 100-200 bytes of one value), from a fixed seed. */
static uint8_t* mixed(size_t n, uint32_t seed)
{
  uint8_t* b = malloc(n);
  cr_assert_not_null(b);
  for (size_t i = 0; i < n;)
  {
    seed = seed * 1103515245 + 12345;
    uint32_t kind = (seed >> 16) % 6, len = 1 + (seed >> 8) % 40;
    len = kind == 5 ? 100 + len * 3 : len;
    for (uint32_t k = 0; k < len && i < n; k++, i++)
    {
      seed = seed * 1103515245 + 12345;
      uint8_t r = (uint8_t) (seed >> 16);
      b[i] = kind == 0   ? (uint8_t) (0x20 + r % 95)              /* text */
             : kind == 1 ? (k & 1 ? 0 : (uint8_t) ('a' + r % 26)) /* wide */
             : kind == 2 ? 0                                      /* zeros */
             : kind == 3 ? (uint8_t) (r % 2 ? 'M' : 'Z')          /* MZ */
             : kind == 4 ? r                                      /* noise */
                         : (uint8_t) (seed >> 28);                /* pad */
    }
  }
  return b;
}

/* Strings statistics and histogram of d[0..n), fed in two calls split at
 * `cut`, at `level`. */
static void feed_all(
    malml_strings* s,
    uint64_t hist[256],
    const uint8_t* d,
    size_t n,
    int level,
    size_t cut)
{
  uint32_t t[4][256];
  memset(t, 0, sizeof(t));
  malml_strings_init(s, d, n);
  malml_strings_feed_counting(s, 0, cut, t, level);
  malml_strings_feed_counting(s, cut, n, t, level);
  malml_strings_finish(s);
  for (int v = 0; v < 256; v++)
    hist[v] = (uint64_t) t[0][v] + t[1][v] + t[2][v] + t[3][v];
}

/* Every block implementation the CPU has agrees with the byte loop on every
 * statistic and every count, fed from many alignments. */
Test(strings, simd_blocks_agree_with_byte_loop)
{
  const size_t n = (1 << 16) + 77;
  uint8_t* b = mixed(n, 12345);
  malml_strings ref;
  uint64_t ref_hist[256], hist[256];
  feed_all(&ref, ref_hist, b, n, MALML_PASS_BYTES, 0);
  cr_assert_gt(ref.stats.strings, 100);
  cr_assert_gt(ref.stats.wide_strings, 10);
  cr_assert_gt(ref.stats.embedded_pe + ref.stats.max_length, 0);
  for (int level = MALML_PASS_SSE2; level <= malml_pass_best(); level++)
    for (size_t cut = 0; cut < 140; cut += 3)
    {
      malml_strings a;
      feed_all(&a, hist, b, n, level, cut);
      cr_assert_eq(
          memcmp(&a.stats, &ref.stats, sizeof(a.stats)),
          0,
          "level %d cut %zu: strings %lu/%lu wide %lu/%lu len %lu/%lu",
          level,
          cut,
          a.stats.strings,
          ref.stats.strings,
          a.stats.wide_strings,
          ref.stats.wide_strings,
          a.stats.total_length,
          ref.stats.total_length);
      cr_assert_eq(memcmp(hist, ref_hist, sizeof(hist)), 0, "level %d", level);
    }
  free(b);
}

/* Text that names something, in both cases, planted in runs of many
 * lengths at every offset around the vector scan's 64-character steps and
 * its 1024-character cut, as ASCII and as UTF-16LE: the run analysis of
 * every level gives the byte loop's statistics, and the statistics are not
 * empty (so the comparison compares something). */
static const char* const named[] = {
    "http://a.example/x",
    "HKEY_LOCAL_MACHINE",
    "C:\\Windows\\system32",
    "%AppData%",
    "setup.EXE",
    "CMD /C del",
    "powershell",
    "Mozilla/5.0",
    "VirtualProtect",
    "10.1.2.3",
    "go build id: x",
    "GCC: (Debian)",
    "\\\\srv\\share",
    "x.pdb",
    "currentversion\\run",
};

/* Appends a run: `pad` filler letters, `text`, then more filler up to
 * `len` characters, then a non-printable byte; wide as UTF-16LE. */
static size_t
plant(uint8_t* b, size_t at, const char* text, size_t pad, size_t len, int wide)
{
  size_t tl = strlen(text), step = wide ? 2 : 1;
  for (size_t i = 0; i < len; i++)
  {
    char c = i >= pad && i - pad < tl ? text[i - pad] : (char) ('q' + i % 3);
    b[at + step * i] = (uint8_t) c;
    if (wide)
      b[at + step * i + 1] = 0;
  }
  at += step * len;
  b[at++] = 0x01;
  return at + (at & 1); /* the next run starts even */
}

Test(strings, runs_naming_patterns_agree_with_byte_loop)
{
  const size_t cap = 8 << 20;
  uint8_t* b = calloc(cap, 1);
  size_t n = 0;
  cr_assert_not_null(b);
  for (size_t t = 0; t < sizeof(named) / sizeof(named[0]); t++)
    for (int wide = 0; wide < 2; wide++)
    {
      size_t tl = strlen(named[t]);
      for (size_t pad = 0; pad < 70; pad += (pad < 3 || pad > 58) ? 1 : 7)
        n = plant(b, n, named[t], pad, pad + tl + pad % 3, wide);
      for (size_t pad = 1016; pad < 1026; pad++)
        n = plant(b, n, named[t], pad, 1100, wide);
    }
  /* Base64 and hex runs spoilt by one character at each position of the
   * first 130 (every lane of two vector steps), and one clean run of each. */
  char b64[131], hex[131];
  for (int i = 0; i < 130; i++)
  {
    b64[i] = "Qx9+"[i % 4];
    hex[i] = "a0F3"[i % 4];
  }
  b64[130] = hex[130] = 0;
  for (int wide = 0; wide < 2; wide++)
  {
    n = plant(b, n, b64, 0, 130, wide);
    n = plant(b, n, hex, 0, 130, wide);
    for (int at = 0; at < 130; at++)
    {
      char save = b64[at];
      b64[at] = hex[at] = '-';
      n = plant(b, n, b64, 0, 130, wide);
      n = plant(b, n, hex, 0, 130, wide);
      b64[at] = save;
      hex[at] = "a0F3"[at % 4];
    }
  }
  cr_assert_lt(n, cap);
  malml_strings ref;
  uint64_t ref_hist[256], hist[256];
  feed_all(&ref, ref_hist, b, n, MALML_PASS_BYTES, 0);
  /* 22 short runs of each text in each encoding, and the long runs where
   * "http://" (pad 1016, 1017) or the whole quad (pad 1016) ends inside the
   * first 1024 characters. */
  cr_assert_eq(ref.stats.urls, 2 * 22 + 2 * 2);
  cr_assert_eq(ref.stats.ipv4, 2 * 22 + 2);
  cr_assert_eq(ref.stats.base64_runs, 4); /* the hex runs are base64 too */
  cr_assert_eq(ref.stats.hex_runs, 2);
  cr_assert_gt(ref.stats.registry + ref.stats.run_keys, 2 * 2 * 22);
  cr_assert_gt(ref.stats.paths + ref.stats.shell_commands, 2 * 2 * 22);
  cr_assert(
      ref.stats.markers & MALML_MARK_GO &&
      ref.stats.markers & MALML_MARK_MINGW);
  for (int level = MALML_PASS_SSE2; level <= malml_pass_best(); level++)
  {
    malml_strings a;
    feed_all(&a, hist, b, n, level, 0);
    cr_assert_eq(
        memcmp(&a.stats, &ref.stats, sizeof(a.stats)),
        0,
        "level %d: urls %u/%u paths %u/%u api %u/%u",
        level,
        a.stats.urls,
        ref.stats.urls,
        a.stats.paths,
        ref.stats.paths,
        a.stats.api_names,
        ref.stats.api_names);
  }
  free(b);
}

/* The same through the whole pass, with overlapping ranges: every output
 * field bit-identical to the byte loop's. */
static void assert_same_scan(
    const malml_bytescan* a,
    const malml_bytescan* ref,
    int nranges,
    int level)
{
  cr_assert_eq(
      memcmp(a->histogram, ref->histogram, sizeof(a->histogram)),
      0,
      "%d",
      level);
  cr_assert_eq(memcmp(&a->entropy, &ref->entropy, sizeof(double)), 0);
  cr_assert_eq(
      memcmp(a->range_entropy, ref->range_entropy, nranges * sizeof(double)),
      0,
      "level %d",
      level);
  cr_assert_eq(
      memcmp(&a->strings, &ref->strings, sizeof(a->strings)), 0, "%d", level);
}

Test(bytescan, every_level_matches_the_byte_loop)
{
  static malml_bytescan ref, got;
  const size_t n = 3 * 65536 + 13;
  uint8_t* b = mixed(n, 777);
  malml_range r[] = {
      {0, 1024},
      {1000, 70001},
      {1001, 3},
      {65536, 65536},
      {100000, 1 << 30},
      {0, 1024},
      {n, 5},
  };
  for (int level = MALML_PASS_SSE2; level <= malml_pass_best(); level++)
  {
    malml_pass slow = {MALML_PASS_BYTES, NULL, NULL, NULL},
               fast = {level, NULL, NULL, NULL};
    cr_assert_eq(malml_bytescan_run_with(b, n, r, 7, &slow, &ref), 0);
    cr_assert_eq(malml_bytescan_run_with(b, n, r, 7, &fast, &got), 0);
    assert_same_scan(&got, &ref, 7, level);
  }
  free(b);
}

/* The deadline is asked every MALML_CHECK_BYTES bytes, and the pass stops
 * when it says so. */
static int calls, passed;
static void count_passed(void* ctx)
{
  (void) ctx;
  passed++;
}

static int expire_at_third(void* ctx)
{
  (void) ctx;
  return ++calls >= 3;
}

Test(bytescan, stops_when_the_deadline_passes)
{
  static malml_bytescan out;
  size_t n = 10 * MALML_CHECK_BYTES + 5;
  uint8_t* b = calloc(n, 1);
  cr_assert_not_null(b);
  malml_pass how = {malml_pass_best(), expire_at_third, NULL, count_passed};
  calls = passed = 0;
  cr_assert_eq(
      malml_bytescan_run_with(b, n, NULL, 0, &how, &out),
      MALML_BYTESCAN_EXPIRED);
  cr_assert_eq(calls, 3, "asked at 4, 8 and 12 MiB");
  cr_assert_eq(passed, 0, "a pass that stopped is not over");
  how.expired = NULL;
  cr_assert_eq(malml_bytescan_run_with(b, n, NULL, 0, &how, &out), 0);
  cr_assert_eq(out.histogram[0], n);
  cr_assert_eq(passed, 1, "told once, when every byte is read");
  free(b);
}

static double seconds(void)
{
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec + t.tv_nsec / 1e9;
}

static double deadline;
static int past_deadline(void* ctx)
{
  (void) ctx;
  return seconds() > deadline;
}

/* A 3 GiB sparse file, made here and mapped as yara maps files, cannot
 * outrun a 50 ms limit by more than one check interval (the page cache
 * fills only as far as the pass reads). */
Test(bytescan, a_huge_input_stops_in_time)
{
  static malml_bytescan out;
  size_t n = (size_t) 3 << 30;
  char path[] = "/tmp/malml-sparse-XXXXXX";
  int fd = mkstemp(path);
  cr_assert_geq(fd, 0);
  unlink(path);
  cr_assert_eq(ftruncate(fd, (off_t) n), 0, "cannot make a 3 GiB sparse file");
  uint8_t* b = mmap(NULL, n, PROT_READ, MAP_PRIVATE, fd, 0);
  cr_assert_neq(b, MAP_FAILED);
  malml_pass how = {malml_pass_best(), past_deadline, NULL, NULL};
  double t0 = seconds();
  deadline = t0 + 0.05;
  int rc = malml_bytescan_run_with(b, n, NULL, 0, &how, &out);
  double took = seconds() - t0;
  cr_assert_eq(rc, MALML_BYTESCAN_EXPIRED, "whole 3 GiB in %.3f s", took);
  cr_assert_lt(took, 0.5, "%.3f s", took);
  munmap(b, n);
  close(fd);
}
