/*
 * A scan that libyara's signal handler cuts short leaves nothing to the
 * scanner's next file (issue 20; modules/module_table.c).
 *
 * The interruption is made as a file that shrinks under the scan makes it:
 * the scanned bytes are a shared mapping of a file, and the callback that
 * announces malml's import truncates that file, so malml's pass over the
 * bytes faults (SIGBUS) inside YR_TRYCATCH, which returns
 * ERROR_COULD_NOT_MAP_FILE.  The same scanner then scans fixtures, whose
 * matches and scores must equal those of a fresh scanner.
 */
#include <criterion/criterion.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <yara.h>

#include "tests/unit/scan_helpers.h"

/* Score bands: a stale malml object shows as a different band set. */
static const char rules_source[] =
    "import \"malml\"\n"
    "import \"pe\"\n"
    "rule is_pe { condition: malml.is_pe == 1 }\n"
    "rule sections { condition: malml.number_of_sections == "
    "pe.number_of_sections }\n"
    "rule score_set { condition: malml.score >= 0 }\n";

typedef struct
{
  int truncate_fd; /* >= 0: truncate it at `when` */
  int when; /* 0: as malml's load starts (pe's parse faults, both loads
               are cut short); 1: once pe's load returned (malml's pass
               faults, pe's object is whole) */
  int matched;     /* bit i: rule i matched */
  double score;
} scan_state;

static int on_message(YR_SCAN_CONTEXT* ctx, int msg, void* data, void* user)
{
  scan_state* s = user;
  if (s->truncate_fd >= 0 &&
      ((s->when == 0 && msg == CALLBACK_MSG_IMPORT_MODULE &&
        strcmp(((YR_MODULE_IMPORT*) data)->module_name, "malml") == 0) ||
       (s->when == 1 && msg == CALLBACK_MSG_MODULE_IMPORTED &&
        strcmp(((YR_OBJECT*) data)->identifier, "pe") == 0)))
    cr_assert_eq(ftruncate(s->truncate_fd, 0), 0);
  if (msg == CALLBACK_MSG_RULE_MATCHING)
  {
    const char* id = ((YR_RULE*) data)->identifier;
    s->matched |= strcmp(id, "is_pe") == 0       ? 1
                  : strcmp(id, "sections") == 0  ? 2
                  : strcmp(id, "score_set") == 0 ? 4
                                                 : 0;
  }
  if (msg == CALLBACK_MSG_MODULE_IMPORTED &&
      strcmp(((YR_OBJECT*) data)->identifier, "malml") == 0)
    s->score = yr_object_get_float((YR_OBJECT*) data, "score");
  return CALLBACK_CONTINUE;
}

static scan_state scan_fixture(YR_SCANNER* scanner, const char* name)
{
  scan_state s = {-1, 0, 0, -1};
  yr_scanner_set_callback(scanner, on_message, &s);
  cr_assert_eq(yr_scanner_scan_file(scanner, fixture(name)), ERROR_SUCCESS);
  return s;
}

/* Maps a copy of a fixture, shared, and scans it while it is truncated. */
static void scan_shrinking(YR_SCANNER* scanner, const char* name, int when)
{
  char path[] = "/tmp/test_interrupted.XXXXXX";
  int fd = mkstemp(path);
  cr_assert_geq(fd, 0);
  FILE* in = fopen(fixture(name), "rb");
  cr_assert_not_null(in);
  char buf[65536];
  size_t n, size = 0;
  while ((n = fread(buf, 1, sizeof(buf), in)) > 0)
  {
    cr_assert_eq(write(fd, buf, n), (ssize_t) n);
    size += n;
  }
  fclose(in);
  uint8_t* data = mmap(NULL, size, PROT_READ, MAP_SHARED, fd, 0);
  cr_assert_neq(data, MAP_FAILED);
  scan_state s = {fd, when, 0, -1};
  yr_scanner_set_callback(scanner, on_message, &s);
  cr_expect_eq(
      yr_scanner_scan_mem(scanner, data, size),
      ERROR_COULD_NOT_MAP_FILE,
      "the truncated file's scan should fault inside libyara's handler");
  munmap(data, size);
  close(fd);
  unlink(path);
}

static const char* const fixtures[] = {
    "pe/gui-i686.exe",
    "pe/dotnet-anycpu.exe",
    "pe/netclient-x86_64.exe",
    "pe/plugin-x86_64.dll",
};

Test(interrupted, next_files_see_their_own_objects)
{
  cr_assert_eq(yr_initialize(), ERROR_SUCCESS);
  YR_RULES* rules = compile_rules(rules_source);
  scan_state alone[4];
  for (int i = 0; i < 4; i++)
  {
    YR_SCANNER* fresh;
    cr_assert_eq(yr_scanner_create(rules, &fresh), ERROR_SUCCESS);
    alone[i] = scan_fixture(fresh, fixtures[i]);
    yr_scanner_destroy(fresh);
    cr_assert_eq(alone[i].matched, 7, "%s alone: %d", fixtures[i], alone[i].matched);
  }
  YR_SCANNER* scanner;
  cr_assert_eq(yr_scanner_create(rules, &scanner), ERROR_SUCCESS);
  for (int round = 0; round < 2; round++)
    for (int i = 0; i < 4; i++)
    {
      /* Interrupted on a different file each time, so its stale score
         would differ from the next file's. */
      scan_shrinking(scanner, fixtures[(i + 1 + round) % 4], round);
      scan_state got = scan_fixture(scanner, fixtures[i]);
      cr_expect_eq(got.matched, alone[i].matched, "%s", fixtures[i]);
      cr_expect_eq(got.score, alone[i].score, "%s: score %f alone %f",
                   fixtures[i], got.score, alone[i].score);
    }
  yr_scanner_destroy(scanner);
  yr_rules_destroy(rules);
  yr_finalize();
}
