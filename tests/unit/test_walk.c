/*
 * The directory walker on trees a share can hold: deeper than the file
 * descriptors allow, symlink loops, and files appearing once each.
 */
#include <criterion/criterion.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/common/walk.h"

typedef struct
{
  int files, errors;
  char last[4096];
} tally;

static void on_file(void* ctx, char* path)
{
  tally* t = ctx;
  t->files++;
  snprintf(t->last, sizeof(t->last), "%s", path);
  free(path);
}

static void on_error(void* ctx, const char* path, int err)
{
  ((tally*) ctx)->errors++;
}

static void touch(const char* path)
{
  int fd = open(path, O_CREAT | O_WRONLY, 0644);
  cr_assert_geq(fd, 0, "create %s", path);
  close(fd);
}

static char* make_tmpdir(void)
{
  static char dir[64];
  snprintf(dir, sizeof(dir), "/tmp/malml-walk-XXXXXX");
  cr_assert_not_null(mkdtemp(dir));
  return dir;
}

Test(walk, deeper_than_the_descriptor_limit)
{
  /* 400 levels, a file in each, with only 24 descriptors in all (fewer than
   * MAX_OPEN_DIRS): a walk that holds one stream per level would fail with
   * EMFILE. */
  char path[4096];
  char* root = make_tmpdir();
  snprintf(path, sizeof(path), "%s", root);
  for (int level = 0; level < 400; level++)
  {
    char file[4200];
    snprintf(file, sizeof(file), "%s/f", path);
    touch(file);
    strcat(path, "/d");
    cr_assert_eq(mkdir(path, 0755), 0);
  }
  struct rlimit lim = {24, 24};
  cr_assert_eq(setrlimit(RLIMIT_NOFILE, &lim), 0);
  tally t = {0};
  walk_options o = {
      .recursive = 1,
      .follow_symlinks = 1,
      .on_file = on_file,
      .on_error = on_error,
      .ctx = &t};
  cr_assert_eq(walk_target(root, &o), 0, "no errors");
  cr_assert_eq(t.errors, 0);
  cr_assert_eq(t.files, 400, "every level's file, once (got %d)", t.files);
}

Test(walk, symlink_loops_are_entered_once)
{
  char a[4200], b[4200];
  char* root = make_tmpdir();
  snprintf(a, sizeof(a), "%s/a", root);
  cr_assert_eq(mkdir(a, 0755), 0);
  snprintf(b, sizeof(b), "%s/a/file", root);
  touch(b);
  snprintf(b, sizeof(b), "%s/a/loop", root);
  cr_assert_eq(symlink("..", b), 0);
  tally t = {0};
  walk_options o = {
      .recursive = 1,
      .follow_symlinks = 1,
      .on_file = on_file,
      .on_error = on_error,
      .ctx = &t};
  walk_target(root, &o);
  cr_assert_eq(t.files, 1, "the file once, not once per trip round the loop");
}

Test(walk, missing_target_is_an_error)
{
  tally t = {0};
  walk_options o = {
      .recursive = 1, .on_file = on_file, .on_error = on_error, .ctx = &t};
  cr_assert_eq(walk_target("/nonexistent-malml-walk", &o), 1);
  cr_assert_eq(t.errors, 1);
  cr_assert_eq(t.files, 0);
}
