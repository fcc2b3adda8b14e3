/*
 * The console report of `malml train` and `malml eval`
 * (model/train/report.c): each row is computed on the scores it names, the
 * seed's count row on the sum of the five group scores.
 */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "model/train/report.h"
#include "model/train/report_svg.h"

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
/* Rows a sub-model does not score are NaN where a dataset has no vectors
 * (fits made elsewhere): dotnet's row counts rows 1 and 2 only. */
static double dotnet[N] = {NAN, 0.9, 0.2, NAN};
static double all[N] = {0.6, 0.9, 0.4, 0.1};

static char* print_report_labels(const int* labels)
{
  int y[N], group[N] = {0, 1, 2, 3};
  memcpy(y, labels, sizeof(y));
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
      {header, imports, sections, filetype, strings, dotnet, all},
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

static char* print_report(void)
{
  static const int y[N] = {1, 1, 0, 0};
  return print_report_labels(y);
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
  cr_assert_float_eq(row_auc(text, "dotnet "), 1.0, 1e-9, "%s", text);
  cr_assert_float_eq(row_auc(text, "all (malml.score) "), 1.0, 1e-9);
  cr_assert_float_eq(
      row_auc(text, "sum of sub-scores "), 1.0, 1e-9, "%s", text);
  free(text);
}

/* One class only (issue 12): rates over the missing class read "n/a" and
 * the report says why, never "nan%". */
Test(report, one_class_says_na_not_nan)
{
  static const int benign[N] = {0, 0, 0, 0};
  char* text = print_report_labels(benign);
  cr_assert(strstr(text, "nan") == NULL, "%s", text);
  cr_assert(strstr(text, "n/a") != NULL, "%s", text);
  cr_assert(strstr(text, "no malware files") != NULL, "%s", text);
  free(text);
}

/* The x of each dashed threshold line in an SVG file, in order. */
static int marker_xs(const char* path, double* xs, int max)
{
  FILE* f = fopen(path, "r");
  cr_assert_not_null(f);
  char line[1024];
  int n = 0;
  while (fgets(line, sizeof(line), f) != NULL && n < max)
    if (strstr(line, "stroke-dasharray") != NULL &&
        sscanf(line, "<line x1=\"%lf\"", &xs[n]) == 1)
      n++;
  fclose(f);
  return n;
}

/* Issue 12: on a 0..1 axis the three cuts near 1 share the last bin; on
 * the log-odds axis they stand well apart, in order. */
Test(report, score_histogram_spreads_the_thresholds)
{
  char path[] = "/tmp/test_report_hist_XXXXXX";
  int fd = mkstemp(path);
  cr_assert_geq(fd, 0);
  close(fd);
  int y[N] = {1, 1, 0, 0};
  svg_marker m[] = {{"low", 0.959}, {"medium", 0.9975}, {"high", 0.9996}};
  cr_assert_eq(svg_histogram_logit(path, "t", all, y, N, m, 3), 0);
  double xs[3];
  cr_assert_eq(marker_xs(path, xs, 3), 3);
  cr_assert_gt(xs[1] - xs[0], 30, "%f %f", xs[0], xs[1]);
  cr_assert_gt(xs[2] - xs[1], 30, "%f %f", xs[1], xs[2]);
  unlink(path);
}
