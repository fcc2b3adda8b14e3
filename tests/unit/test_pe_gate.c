/*
 * malml's gate on pe's resource walk (features/pe_gate.c) against pe
 * itself: on every file pe parses (the fixtures, the hostile files a scan
 * must finish, the labelled corpus when present) the gate takes the same
 * files for PEs and counts the resources pe.number_of_resources gives;
 * the resource bombs pass the budget, and the gate's own work stays small.
 */
#include <criterion/criterion.h>
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "modules/malml/features/pe_gate.h"
#include "tests/unit/scan_helpers.h"

/* pe stops counting past 65536 (4.5.1+: at 65536; pe_gate.c) */
#define PE_MAX_RESOURCES (YR_VERSION_HEX >= 0x040501 ? 65536 : 65537)

static YR_RULES* pe_rules;

static void setup(void)
{
  cr_assert_eq(yr_initialize(), ERROR_SUCCESS);
  pe_rules = compile_rules("import \"pe\" rule r { condition: true }");
}

static void teardown(void)
{
  yr_rules_destroy(pe_rules);
  yr_finalize();
}

TestSuite(pe_gate, .init = setup, .fini = teardown);

typedef struct
{
  int64_t is_pe, resources;
} pe_says;

static int on_scan(YR_SCAN_CONTEXT* ctx, int message, void* data, void* user)
{
  YR_OBJECT* o = data;
  if (message == CALLBACK_MSG_MODULE_IMPORTED &&
      strcmp(o->identifier, "pe") == 0)
  {
    pe_says* p = user;
    p->is_pe = yr_object_get_integer(o, "is_pe");
    p->resources = yr_object_get_integer(o, "number_of_resources");
  }
  return CALLBACK_CONTINUE;
}

typedef struct
{
  const uint8_t* data;
  size_t size;
} file_bytes;

static file_bytes map_file(const char* path)
{
  file_bytes f = {NULL, 0};
  int fd = open(path, O_RDONLY);
  struct stat st;
  cr_assert(fd >= 0 && fstat(fd, &st) == 0, "cannot open %s", path);
  f.size = (size_t) st.st_size;
  if (f.size > 0)
    f.data = mmap(NULL, f.size, PROT_READ, MAP_PRIVATE, fd, 0);
  cr_assert(f.size == 0 || f.data != MAP_FAILED, "cannot map %s", path);
  close(fd);
  return f;
}

static malml_pe_gate_walk gate(file_bytes f, int* is_pe)
{
  malml_pe_gate_walk w;
  *is_pe = malml_pe_gate_resources(
      f.data, f.size, 0, MALML_PE_GATE_BUDGET, &w);
  return w;
}

/* The gate and pe agree on `path`, which must be under the budget (pe is
 * run on it); returns the gate's count. */
static malml_pe_gate_walk agrees(const char* path)
{
  file_bytes f = map_file(path);
  int is_pe;
  malml_pe_gate_walk w = gate(f, &is_pe);
  cr_assert_leq(w.entries, MALML_PE_GATE_BUDGET, "%s: over the budget", path);
  pe_says says = {-1, -1};
  int rc = yr_rules_scan_mem(pe_rules, f.data, f.size, 0, on_scan, &says, 0);
  cr_assert_eq(rc, ERROR_SUCCESS, "%s: scan error %d", path, rc);
  cr_assert_eq(is_pe, says.is_pe == 1, "%s: is_pe gate %d pe %ld", path,
               is_pe, (long) says.is_pe);
  uint64_t n = w.leaves < PE_MAX_RESOURCES ? w.leaves : PE_MAX_RESOURCES;
  if (is_pe)
    cr_assert_eq(n, (uint64_t) says.resources,
                 "%s: the gate counts %lu resources, pe %ld", path,
                 (unsigned long) n, (long) says.resources);
  if (f.size > 0)
    munmap((void*) f.data, f.size);
  return w;
}

/* Every regular file under `dir` (one level of subdirectories). */
static int agrees_in(const char* dir, int depth)
{
  DIR* d = opendir(dir);
  cr_assert_not_null(d, "cannot read %s", dir);
  int n = 0;
  struct dirent* e;
  char path[4096];
  while ((e = readdir(d)) != NULL)
  {
    struct stat st;
    snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
    if (e->d_name[0] == '.' || lstat(path, &st) != 0)
      continue;
    if (S_ISDIR(st.st_mode) && depth > 0)
      n += agrees_in(path, depth - 1);
    else if (S_ISREG(st.st_mode))
    {
      agrees(path);
      n++;
    }
  }
  closedir(d);
  return n;
}

Test(pe_gate, counts_what_pe_counts_on_the_fixtures)
{
  int n = agrees_in(getenv("MALML_FIXTURES"), 1);
  cr_assert_geq(n, 16, "every fixture checked (got %d)", n);
  malml_pe_gate_walk w = agrees(fixture("pe/dotnet-anycpu.exe"));
  cr_assert_eq(w.leaves, 1, "the .NET fixture's version resource");
}

static double ms_since(const struct timespec* t0)
{
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (t.tv_sec - t0->tv_sec) * 1e3 + (t.tv_nsec - t0->tv_nsec) / 1e6;
}

/* A bomb: past the budget, the count stopped there, in a few ms. */
static void is_refused(const char* path)
{
  file_bytes f = map_file(path);
  struct timespec t0;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  int is_pe;
  malml_pe_gate_walk w = gate(f, &is_pe);
  double ms = ms_since(&t0);
  cr_assert(is_pe, "%s: not taken for a PE", path);
  cr_assert_eq(w.entries, MALML_PE_GATE_BUDGET + 1, "%s: %lu entries", path,
               (unsigned long) w.entries);
  cr_assert_lt(ms, 100.0, "%s: the gate took %.1f ms", path, ms);
  munmap((void*) f.data, f.size);
}

/* The hostile suite's files: those a scan must finish agree with pe, the
 * resource bombs are refused, the largest trees under the budget are
 * counted exactly. */
Test(pe_gate, refuses_the_bombs_and_counts_the_rest, .timeout = 300)
{
  /* In the build tree, replaced by each run (a failed one leaves it). */
  const char* dir = "tests/pe-gate-built";
  char cmd[8192], line[512], path[4096];
  const char* src = getenv("srcdir");
  snprintf(
      cmd,
      sizeof(cmd),
      "rm -rf '%s' && python3 '%s/tests/hostile/make-hostile.py' '%s/h'",
      dir,
      src ? src : ".",
      dir);
  cr_assert_eq(system(cmd), 0, "%s failed", cmd);
  snprintf(path, sizeof(path), "%s/h/MANIFEST", dir);
  FILE* manifest = fopen(path, "r");
  cr_assert_not_null(manifest);
  int bombs = 0, finished = 0;
  while (fgets(line, sizeof(line), manifest) != NULL)
  {
    char* tab = strchr(line, '\t');
    cr_assert_not_null(tab);
    *tab = '\0';
    snprintf(path, sizeof(path), "%s/h/files/%s", dir, line);
    int resource = strncmp(line, "resource-", 9) == 0;
    int ok = strncmp(tab + 1, "ok", 2) == 0;
    if (resource && !ok)
    {
      is_refused(path);
      bombs++;
    }
    else if (ok)
    {
      agrees(path);
      finished++;
    }
  }
  fclose(manifest);
  cr_assert_geq(bombs, 5, "the resource bombs (got %d)", bombs);
  cr_assert_geq(finished, 40, "the files a scan finishes (got %d)", finished);
  /* 101 + 101^2 + 101^3 entries, 101^3 leaves: just under the budget.
     The leaves' data entry is the root's header, of size 0, which pe
     passes over from 4.5.2 on (pe_gate.c). */
  snprintf(path, sizeof(path), "%s/h/files/resource-loop-101.exe", dir);
  malml_pe_gate_walk w = agrees(path);
  cr_assert_eq(w.entries, 1040603);
  cr_assert_eq(w.leaves, YR_VERSION_HEX >= 0x040502 ? 0 : 1030301);
  snprintf(path, sizeof(path), "%s/h/files/resource-wide.exe", dir);
  w = agrees(path);
  cr_assert_eq(w.entries, 8 + 8 * 512 + 8 * 512 * 8);
  cr_assert_eq(w.leaves, 8 * 512 * 8);
  snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
  cr_assert_eq(system(cmd), 0);
}

/* pe's number_of_resources on every file of the labelled corpus. */
Test(pe_gate, counts_what_pe_counts_on_the_corpus, .timeout = 1200)
{
  char dir[4096];
  const char* corpus = getenv("MALML_CORPUS");
  snprintf(dir, sizeof(dir), "%s/malware", corpus ? corpus : "");
  if (corpus == NULL || access(dir, R_OK) != 0)
    cr_skip_test(
        "NO CORPUS at %s (../shared/corpus/unpack ../corpus lays it out)",
        corpus ? corpus : "(MALML_CORPUS unset)");
  int n = agrees_in(corpus, 1);
  cr_assert_gt(n, 1000, "the corpus has thousands of files (got %d)", n);
  cr_log_info("corpus: %d files, the gate counts what pe counts", n);
}
