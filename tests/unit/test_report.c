/*
 * The console report of `malml train` and `malml eval`
 * (model/train/report.c): each row is computed on the scores it names, the
 * seed's count row on the sum of the five group scores.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model/train/report.h"

#define N 4

/* Two malware (rows 0, 1), two benign (2, 3).  Every group score ranks the
 * classes perfectly except imports, which ranks them backwards; the sum
 * still ranks them perfectly (AUC 1), so a sum row that printed a single
 * sub-score's numbers would read 0.0000 (imports) or differ. */
static double header[N] = {0.9, 0.8, 0.2, 0.1};
static double imports[N] = {0.1, 0.2, 0.8, 0.9};
static double sections[N] = {0.9, 0.8, 0.1, 0.2};
static double filetype[N] = {0.7, 0.9, 0.3, 0.1};
static double strings[N] = {0.8, 0.9, 0.2, 0.3};
static double all[N] = {0.6, 0.9, 0.4, 0.1};

static char* print_report(void)
{
  int y[N] = {1, 1, 0, 0}, group[N] = {0, 1, 2, 3};
  char* sha[N] = {"a", "b", "c", "d"};
  char* family[N] = {"f", "g", "", ""};
  char* source[N] = {"zoo", "zoo", "deb:x", "deb:y"};
  dataset d = {0};
  d.n = N;
  d.y = y;
  d.group = group;
  d.sha256 = sha;
  d.family = family;
  d.source = source;
  d.ngroups = N;
  report_input in = {
      &d,
      {header, imports, sections, filetype, strings, all},
      NULL,
      0,
      "test",
      "",
      ""};
  char* text = NULL;
  size_t len = 0;
  FILE* out = open_memstream(&text, &len);
  cr_assert_not_null(out);
  report_print(out, &in);
  fclose(out);
  return text;
}

static double row_auc(const char* text, const char* row)
{
  const char* at = strstr(text, row);
  cr_assert_not_null(at, "no row '%s' in:\n%s", row, text);
  return strtod(at + strlen(row), NULL);
}

Test(report, every_row_reads_its_own_scores)
{
  char* text = print_report();
  cr_assert_float_eq(row_auc(text, "imports "), 0.0, 1e-9);
  cr_assert_float_eq(row_auc(text, "header "), 1.0, 1e-9);
  cr_assert_float_eq(row_auc(text, "all (malml.score) "), 1.0, 1e-9);
  cr_assert_float_eq(
      row_auc(text, "sum of sub-scores "), 1.0, 1e-9, "%s", text);
  free(text);
}
