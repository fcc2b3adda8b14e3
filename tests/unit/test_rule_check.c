/*
 * Typos in malml calls are found in the rule text (rule_check.h): unknown
 * feature names, indexes outside the vector, unknown filetype tokens and
 * malml.strings.*, each on its line with the nearest name; correct calls
 * and calls without a literal argument say nothing.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "cli/common/rule_check.h"
#include "modules/malml/malml.h"

typedef struct
{
  int n;
  int lines[8];
  char text[8][512];
} reports;

static void collect(void* ctx, int line, const char* message)
{
  reports* r = ctx;
  if (r->n < 8)
  {
    r->lines[r->n] = line;
    snprintf(r->text[r->n], sizeof(r->text[0]), "%s", message);
  }
  r->n++;
}

static int check(const char* text, reports* r)
{
  memset(r, 0, sizeof(*r));
  return rule_check_text(text, strlen(text), collect, r);
}

static void setup(void)
{
  cr_assert_eq(malml_schema_init(), 0);
}

TestSuite(rule_check, .init = setup);

Test(rule_check, typos_are_reported_on_their_line_with_the_nearest_name)
{
  reports r;
  int n = check(
      "import \"malml\"\n"
      "rule a { condition:\n"
      "  malml.feature(\"strings.urlz\") > 0 or\n"
      "  malml.feature( 9999 ) > 0 or malml.filetype(\"UPX\") == 1 or\n"
      "  malml.strings.urls > 0 }\n",
      &r);
  cr_assert_eq(n, 4);
  cr_assert_eq(r.n, 4);
  cr_assert_eq(r.lines[0], 3);
  cr_assert(strstr(r.text[0], "\"strings.urlz\"") != NULL, "%s", r.text[0]);
  cr_assert(strstr(r.text[0], "did you mean \"strings.urls\"") != NULL);
  cr_assert_eq(r.lines[1], 4);
  cr_assert(strstr(r.text[1], "feature(9999)") != NULL, "%s", r.text[1]);
  cr_assert_eq(r.lines[2], 4);
  cr_assert(strstr(r.text[2], "did you mean \"upx\"") != NULL, "%s", r.text[2]);
  cr_assert_eq(r.lines[3], 5);
  cr_assert(strstr(r.text[3], "malml.string_stats.urls") != NULL);
}

Test(rule_check, correct_and_computed_calls_are_quiet)
{
  reports r;
  int n = check(
      "import \"malml\"\n"
      "rule a { condition: malml.feature(\"strings.urls\") > 0 and\n"
      "  malml.feature(\"imports.import_bucket[17]\") >= 0 and\n"
      "  malml.feature(0) > 0 and malml.feature(1667) >= 0 and\n"
      "  malml.feature(0x10) > 0 and malml.feature(filesize) > 0 and\n"
      "  malml.filetype(\"upx\") == 1 and malml.filetype_score > 0 and\n"
      "  malml.string_stats.urls > 0 and mymalml.feature(\"x\") }\n",
      &r);
  cr_assert_eq(n, 0, "%d: %s", r.n, r.text[0]);
}
