/*
 * The per-ecosystem and per-kind views of a training report
 * (model/train/report_views.c) and -W kinds (train_kind_weights): counts
 * come from the rows they name, packages are counted once, and the kind
 * weights give both classes the same mix of kinds.
 */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model/train/report_views.h"
#include "model/train/train_weights.h"
#include "modules/malml/malml.h"

#define N 8

/* Rows 0-1 malware; 2-7 benign: pypi:a (3 files), npm:c, deb:d (2). */
static int y[N] = {1, 1, 0, 0, 0, 0, 0, 0};
static int group[N] = {0, 1, 2, 2, 2, 3, 4, 4};
static char* group_names[] = {"fam1", "fam2", "pypi:a", "npm:c", "deb:d"};
static double all[N] = {0.9, 0.3, 0.8, 0.7, 0.1, 0.2, 0.6, 0.9};
/* DLL tokens: rows 1 (malware), 2, 3, 6 (benign); the rest EXE. */
static int dll[N] = {0, 1, 1, 1, 0, 0, 1, 0};
static float x[N * MALML_FEATURE_COUNT];

static void set_token(int row, const char* name, float v)
{
  int col = malml_schema_filetype_index(name);
  cr_assert_geq(col, 0, "no filetype token %s", name);
  x[row * MALML_FEATURE_COUNT + col] = v;
}

static dataset make_dataset(void)
{
  memset(x, 0, sizeof(x));
  for (int i = 0; i < N; i++)
  {
    set_token(i, "dll", (float) dll[i]);
    set_token(i, "exe", (float) !dll[i]);
  }
  dataset d = {0};
  d.n = N;
  d.x = x;
  d.y = y;
  d.group = group;
  d.group_names = group_names;
  d.ngroups = 5;
  return d;
}

static char* render(void (*view)(FILE*, const report_input*), dataset* d)
{
  static const report_threshold t[] = {
      {"medium", 0.65, 0.01, MALML_MODEL_ALL},
      {"high", 0.85, 0.001, MALML_MODEL_ALL}};
  report_input in = {d, {all, all, all, all, all, all, all}, t, 2, "t", "", ""};
  in.score[MALML_MODEL_ALL] = all;
  char* text = NULL;
  size_t len = 0;
  FILE* out = open_memstream(&text, &len);
  cr_assert_not_null(out);
  view(out, &in);
  fclose(out);
  return text;
}

Test(report_views, ecosystems_count_files_and_packages)
{
  dataset d = make_dataset();
  char* text = render(report_ecosystems, &d);
  /* Columns in order of first appearance: pypi, npm, deb. */
  cr_assert_not_null(strstr(text, "pypi: 3 files, 1 pkgs"), "%s", text);
  cr_assert_not_null(strstr(text, "deb: 2 files, 1 pkgs"), "%s", text);
  /* medium (0.65): pypi rows 2, 3 (one package), npm none, deb row 7. */
  cr_assert_not_null(
      strstr(text, "| `medium` (1%) | 66.67% (2) · 1 | 0.00% (0) · 0 | 50.00% (1) · 1 |"),
      "%s",
      text);
  /* high (0.85): only deb row 7. */
  cr_assert_not_null(
      strstr(text, "| `high` (0.1%) | 0.00% (0) · 0 | 0.00% (0) · 0 | 50.00% (1) · 1 |"),
      "%s",
      text);
  free(text);
}

Test(report_views, kinds_split_by_token)
{
  dataset d = make_dataset();
  char* text = render(report_kinds, &d);
  /* EXE: benign rows 4, 5, 7 (row 7 at 0.9 flagged at both cuts); malware
   * row 0 (0.9, detected at both). */
  cr_assert_not_null(
      strstr(text, "| EXE | 3 | 33.33% (1) · 1 | 33.33% (1) · 1 | 1 | 100.0% (1) | 100.0% (1) |"),
      "%s",
      text);
  /* DLL: benign rows 2, 3, 6 (0.8, 0.7 at medium: one package, pypi:a;
   * none at high); malware row 1 (0.3) missed. */
  cr_assert_not_null(
      strstr(text, "| DLL | 3 | 66.67% (2) · 1 | 0.00% (0) · 0 | 1 | 0.0% (0) | 0.0% (0) |"),
      "%s",
      text);
  free(text);
}

Test(report_views, kind_weights_give_both_classes_one_mix)
{
  /* Benign: 4 DLLs, 1 EXE; malware: 1 DLL, 3 EXEs. */
  static int yy[9] = {0, 0, 0, 0, 0, 1, 1, 1, 1};
  static int kd[9] = {1, 1, 1, 1, 0, 1, 0, 0, 0};
  static float xx[9 * MALML_FEATURE_COUNT];
  memset(xx, 0, sizeof(xx));
  int col = malml_schema_filetype_index("dll");
  for (int i = 0; i < 9; i++) xx[i * MALML_FEATURE_COUNT + col] = (float) kd[i];
  dataset d = {0};
  d.n = 9;
  d.x = xx;
  d.y = yy;
  float w[9];
  FILE* log = fopen("/dev/null", "w");
  train_kind_weights(&d, 10.0, w, log);
  fclose(log);
  double sum[2] = {0, 0}, dlls[2] = {0, 0};
  for (int i = 0; i < 9; i++)
  {
    sum[yy[i]] += w[i];
    dlls[yy[i]] += kd[i] ? w[i] : 0;
  }
  cr_assert_float_eq(sum[0], sum[1], 1e-5, "classes weigh %g and %g", sum[0], sum[1]);
  /* The mean of 0.8 (benign) and 0.25 (malware) DLL shares. */
  cr_assert_float_eq(dlls[0] / sum[0], 0.525, 1e-5);
  cr_assert_float_eq(dlls[1] / sum[1], 0.525, 1e-5);
}
