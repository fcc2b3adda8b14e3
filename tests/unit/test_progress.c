/*
 * Progress of long runs (cli/common/progress.h): the line's text (done,
 * total, percentage, rate, time left), and the programs: with stderr not a
 * terminal, nothing unless --progress, then plain lines ending in the total.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/common/progress.h"

Test(progress, line_with_and_without_a_total)
{
  char buf[160];
  progress_format(buf, sizeof(buf), 1234, 5000, 10.0);
  cr_assert_str_eq(
      buf, "1234 / 5000 files, 24.7%, 123.4 files/s, 0:00:31 left");
  progress_format(buf, sizeof(buf), 1234, -1, 10.0);
  cr_assert_str_eq(buf, "1234 files, 123.4 files/s");
  progress_format(buf, sizeof(buf), 5000, 5000, 100.0);
  cr_assert_str_eq(buf, "5000 / 5000 files, 100.0%, 50.0 files/s");
  progress_format(buf, sizeof(buf), 0, 0, 0.0);
  cr_assert_str_eq(buf, "0 / 0 files, 100.0%, 0.0 files/s");
  progress_format(buf, sizeof(buf), 1, 100000, 1.0);
  cr_assert_str_eq(buf, "1 / 100000 files, 0.0%, 1.0 files/s, 27:46:39 left");
}

/* Runs `malml features ARGS FIXTURES` with stdout discarded; returns
   stderr (caller frees). */
static char* features_stderr(const char* args)
{
  char cmd[2048];
  const char* bin = getenv("MALML_BIN");
  const char* fx = getenv("MALML_FIXTURES");
  cr_assert_not_null(bin, "MALML_BIN is not set: run through make check");
  cr_assert_not_null(fx);
  snprintf(
      cmd, sizeof(cmd), "%s features %s '%s' 2>&1 >/dev/null", bin, args, fx);
  FILE* p = popen(cmd, "r");
  cr_assert_not_null(p);
  static char out[1 << 16];
  size_t n = fread(out, 1, sizeof(out) - 1, p);
  out[n] = '\0';
  pclose(p);
  return strdup(out);
}

Test(progress, quiet_off_a_terminal_unless_asked)
{
  char* quiet = features_stderr("-p 1");
  cr_assert(strstr(quiet, "files/s") == NULL, "%s", quiet);
  free(quiet);
  char* lines = features_stderr("-p 1 --progress");
  /* The last line counts every file of the fixture tree, done of total. */
  const char* last = strstr(lines, "malml features: ");
  cr_assert_not_null(last, "%s", lines);
  long long done = -1, total = -2;
  const char* at = last;
  while ((at = strstr(at + 1, "malml features: ")) != NULL) last = at;
  cr_assert_eq(
      sscanf(last, "malml features: %lld / %lld files", &done, &total),
      2,
      "%s",
      lines);
  cr_assert_eq(done, total, "%s", lines);
  cr_assert_gt(total, 10);
  free(lines);
}
