/*
 * `malml features` prints the very vector the module computes during a scan:
 * its JSON, read back, equals the module's vector bit for bit (NaN for null).
 */
#include <criterion/criterion.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli/common/features_json.h"
#include "tests/unit/scan_helpers.h"

static void setup(void)
{
  cr_assert_eq(yr_initialize(), ERROR_SUCCESS);
}

static void teardown(void)
{
  yr_finalize();
}

TestSuite(features_cli, .init = setup, .fini = teardown);

static FILE* run_features(const char* target)
{
  char cmd[8192];
  const char* bin = getenv("MALML_BIN");
  cr_assert_not_null(bin, "MALML_BIN is not set: run through make check");
  snprintf(cmd, sizeof(cmd), "'%s' features -p 2 '%s'", bin, target);
  FILE* p = popen(cmd, "r");
  cr_assert_not_null(p);
  return p;
}

static void assert_same_vector(const float* a, const float* b, const char* path)
{
  char name[96];
  for (int i = 0; i < MALML_FEATURE_COUNT; i++)
  {
    if (isnan(a[i]) && isnan(b[i]))
      continue;
    cr_assert(
        a[i] == b[i],
        "%s: %s: json %.9g, scan %.9g",
        path,
        malml_schema_feature_name(i, name, sizeof(name)),
        a[i],
        b[i]);
  }
}

/* Runs `malml features` over target and checks each printed vector against
 * a fresh in-process scan of the same file.  Returns (files, PE files). */
static void compare_tree(const char* target, int* files, int* pe)
{
  static float from_json[MALML_FEATURE_COUNT];
  static malml_features scanned;
  char* buf = NULL;
  size_t cap = 0;
  FILE* p = run_features(target);
  *files = *pe = 0;
  while (getline(&buf, &cap, p) > 0)
  {
    json_error_t err;
    json_t* obj = json_loads(buf, 0, &err);
    cr_assert_not_null(obj, "invalid JSON: %s", err.text);
    const char* path = json_string_value(json_object_get(obj, "path"));
    cr_assert_not_null(path);
    cr_assert_eq(strlen(json_string_value(json_object_get(obj, "sha256"))), 64);
    scan_features(path, &scanned);
    cr_assert_eq(
        json_is_true(json_object_get(obj, "is_pe")), scanned.is_pe, "%s", path);
    if (scanned.is_pe)
    {
      const char* why = NULL;
      cr_assert_eq(
          features_from_json(obj, from_json, &why), 0, "%s: %s", path, why);
      assert_same_vector(from_json, scanned.vector, path);
      (*pe)++;
    }
    (*files)++;
    json_decref(obj);
  }
  free(buf);
  cr_assert_eq(
      WEXITSTATUS(pclose(p)), 0, "malml features failed on %s", target);
}

Test(features_cli, json_equals_module_vector_on_every_fixture)
{
  int files, pe;
  compare_tree(getenv("MALML_FIXTURES"), &files, &pe);
  cr_assert_eq(files, 16, "every fixture printed once (got %d)", files);
  cr_assert_eq(pe, 12, "10 PE programs and 2 broken PEs pe accepts");
}

/* The same on the labelled corpus (real malware and benign files). */
Test(features_cli, json_equals_module_vector_on_the_corpus, .timeout = 1200)
{
  char dir[4096];
  const char* corpus = getenv("MALML_CORPUS");
  snprintf(dir, sizeof(dir), "%s/malware", corpus ? corpus : "");
  if (corpus == NULL || access(dir, R_OK) != 0)
    cr_skip_test(
        "NO CORPUS at %s (../shared/corpus/unpack ../corpus lays it out)",
        corpus ? corpus : "(MALML_CORPUS unset)");
  int files, pe;
  compare_tree(corpus, &files, &pe);
  cr_assert_gt(pe, 1000, "the corpus has thousands of PE files (got %d)", pe);
  cr_log_info("corpus: %d files, %d PE, all vectors equal", files, pe);
}

Test(features_cli, bad_paths_are_reported_and_the_walk_goes_on)
{
  char cmd[8192];
  snprintf(
      cmd,
      sizeof(cmd),
      "'%s' features /nonexistent-malml '%s' 2>&1 >/dev/null",
      getenv("MALML_BIN"),
      fixture("pe/gui-i686.exe"));
  FILE* p = popen(cmd, "r");
  char err[4096] = "";
  size_t n = fread(err, 1, sizeof(err) - 1, p);
  err[n] = '\0';
  int status = pclose(p);
  cr_assert_neq(
      strstr(err, "/nonexistent-malml"), NULL, "names the path: %s", err);
  cr_assert_neq(strstr(err, "No such file"), NULL, "says why: %s", err);
  cr_assert_eq(WEXITSTATUS(status), 1, "exit status says something failed");

  snprintf(
      cmd,
      sizeof(cmd),
      "'%s' features /nonexistent-malml '%s' 2>/dev/null | wc -l",
      getenv("MALML_BIN"),
      fixture("pe/gui-i686.exe"));
  p = popen(cmd, "r");
  int lines = 0;
  cr_assert_eq(fscanf(p, "%d", &lines), 1);
  pclose(p);
  /* The missing one's {"path", "error"} line, then the good file's. */
  cr_assert_eq(lines, 2, "the good file is still printed, after an error line");
}

/* Runs `malml features TARGET GOOD` (stdout counted in lines); returns the
 * exit status and fills err with stderr. */
static int features_on(const char* target, char* err, size_t size, int* lines)
{
  char cmd[8192], errfile[] = "/tmp/malml-err-XXXXXX";
  int fd = mkstemp(errfile);
  cr_assert_geq(fd, 0);
  close(fd);
  snprintf(
      cmd,
      sizeof(cmd),
      "'%s' features '%s' '%s' 2>'%s' | wc -l",
      getenv("MALML_BIN"),
      target,
      fixture("pe/gui-i686.exe"),
      errfile);
  FILE* p = popen(cmd, "r");
  cr_assert_eq(fscanf(p, "%d", lines), 1);
  int status = pclose(p);
  FILE* e = fopen(errfile, "r");
  size_t n = fread(err, 1, size - 1, e);
  err[n] = '\0';
  fclose(e);
  unlink(errfile);
  return status;
}

Test(features_cli, special_files_are_reported_not_skipped)
{
  char fifo[] = "/tmp/malml-fifo-XXXXXX", err[4096];
  int lines;
  cr_assert_not_null(mkdtemp(fifo));
  strcat(fifo, "/pipe");
  cr_assert_eq(mkfifo(fifo, 0600), 0);
  const char* targets[] = {"/dev/null", fifo};
  for (int i = 0; i < 2; i++)
  {
    /* The pipeline's status is wc's: read malml's from its message. */
    features_on(targets[i], err, sizeof(err), &lines);
    cr_assert_neq(strstr(err, targets[i]), NULL, "names it: %s", err);
    cr_assert_neq(strstr(err, "not a regular file"), NULL, "says why: %s", err);
    cr_assert_eq(lines, 2, "an error line, and the good file still printed");
  }
  char cmd[8192];
  snprintf(
      cmd,
      sizeof(cmd),
      "'%s' features /dev/null >/dev/null 2>&1",
      getenv("MALML_BIN"));
  cr_assert_eq(WEXITSTATUS(system(cmd)), 1, "exit status says so");
  unlink(fifo);
  *strrchr(fifo, '/') = '\0';
  rmdir(fifo);
}
