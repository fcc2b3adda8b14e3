/*
 * A file's bytes, read or mapped: the same bytes either way, whatever size
 * came before in the reused buffer, and the refusals the scan relies on.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/common/mapped.h"

static char dir[] = "/tmp/test_mapped.XXXXXX";

static void setup(void)
{
  cr_assert_not_null(mkdtemp(dir));
}

static void teardown(void)
{
  char cmd[64];
  snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
  cr_expect_eq(system(cmd), 0);
}

static uint8_t byte_at(size_t i, int seed)
{
  return (uint8_t) (i * 131 + i / 4093 + (size_t) seed * 17);
}

/* Writes `size` bytes named by `seed` to dir/name; returns the path. */
static char* make_file(const char* name, size_t size, int seed)
{
  static char path[4][256];
  static int next;
  char* p = path[next++ % 4];
  snprintf(p, 256, "%s/%s", dir, name);
  FILE* f = fopen(p, "wb");
  cr_assert_not_null(f);
  for (size_t i = 0; i < size; i++) fputc(byte_at(i, seed), f);
  cr_assert_eq(fclose(f), 0);
  return p;
}

static void expect_bytes(const mapped_file* m, size_t size, int seed)
{
  cr_assert_eq(m->size, size);
  size_t bad = 0;
  for (size_t i = 0; i < size; i++) bad += m->data[i] != byte_at(i, seed);
  cr_expect_eq(bad, 0, "%zu of %zu bytes differ", bad, size);
}

TestSuite(mapped, .init = setup, .fini = teardown);

/* Small files are read into the reused buffer, large ones mapped; each
 * gives its own bytes, a small file after a larger one included. */
Test(mapped, read_and_mapped_give_the_file)
{
  mapped_reader r = {NULL, 0};
  size_t sizes[] = {100000, 7, MAPPED_READ_MAX, MAPPED_READ_MAX + 1, 4096};
  for (int k = 0; k < 5; k++)
  {
    const char* path = make_file("f", sizes[k], k);
    mapped_file m;
    cr_assert_eq(mapped_open_with(path, &r, &m), 0);
    expect_bytes(&m, sizes[k], k);
    if (sizes[k] <= MAPPED_READ_MAX)
      cr_expect(
          m.mapped == 0 && m.data == r.buf, "%zu bytes: not read", sizes[k]);
    else
      cr_expect(m.mapped, "%zu bytes: not mapped", sizes[k]);
    mapped_close(&m);
    cr_expect(m.data == NULL && m.size == 0);
  }
  cr_expect_leq(r.cap, MAPPED_READ_MAX);
  mapped_reader_free(&r);
  /* Without a reader every file is mapped. */
  mapped_file m;
  cr_assert_eq(mapped_open(make_file("g", 5000, 9), &m), 0);
  expect_bytes(&m, 5000, 9);
  cr_expect(m.mapped);
  mapped_close(&m);
}

Test(mapped, refusals_and_empty_files)
{
  mapped_reader r = {NULL, 0};
  mapped_file m;
  cr_expect_eq(mapped_open_with(make_file("empty", 0, 0), &r, &m), 0);
  cr_expect(m.data == NULL && m.size == 0 && m.mapped == 0);
  cr_expect_eq(mapped_open_with(dir, &r, &m), EISDIR);
  char fifo[256];
  snprintf(fifo, sizeof(fifo), "%s/fifo", dir);
  cr_assert_eq(mkfifo(fifo, 0600), 0);
  /* O_RDONLY on a FIFO with no writer would block: open it for both. */
  int keep = open(fifo, O_RDWR);
  cr_assert_geq(keep, 0);
  cr_expect_eq(mapped_open_with(fifo, &r, &m), EINVAL);
  close(keep);
  char missing[256];
  snprintf(missing, sizeof(missing), "%s/missing", dir);
  cr_expect_eq(mapped_open_with(missing, &r, &m), ENOENT);
  cr_expect(m.data == NULL && m.size == 0);
  mapped_reader_free(&r);
}

/* yara asks for files on the kernel's pseudo-filesystems to be refused
   (their stat size is not their content's; YARA maps them and fails), while
   files elsewhere, before and after, are read as always: the answer is
   cached per filesystem, so alternating filesystems must not confuse it. */
Test(mapped, pseudo_filesystems_refused_on_request)
{
  const char* proc = "/proc/self/status";
  if (access(proc, R_OK) != 0)
    cr_skip_test("no procfs at /proc");
  const char* plain = make_file("plain", 100, 7);
  mapped_reader r = {NULL, 0};
  mapped_file m;
  cr_expect_eq(mapped_open_with(proc, &r, &m), 0, "read when not asked");
  mapped_close(&m);
  r.refuse_pseudo = 1;
  for (int i = 0; i < 2; i++)
  {
    cr_expect_eq(mapped_open_with(plain, &r, &m), 0);
    cr_expect_eq(m.size, 100);
    mapped_close(&m);
    cr_expect_eq(mapped_open_with(proc, &r, &m), ENODEV);
    cr_expect(m.data == NULL && m.size == 0);
  }
  mapped_reader_free(&r);
}
