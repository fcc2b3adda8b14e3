#include "cli/common/mapped.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#ifndef CONFIGFS_MAGIC
#define CONFIGFS_MAGIC 0x62656570 /* not in linux/magic.h */
#endif

/* Whether fd's filesystem makes its files' contents as they are read
 * (sysfs, procfs, ...); asked once per filesystem (st_dev) while the files
 * come from the same one, which a walk's files mostly do. */
static int on_pseudo_fs(int fd, dev_t dev, mapped_reader* r)
{
  if (r->dev_known && r->dev == dev)
    return r->dev_pseudo;
  struct statfs sf;
  if (fstatfs(fd, &sf) != 0)
    return 0;
  switch ((unsigned long) sf.f_type)
  {
  case SYSFS_MAGIC:
  case PROC_SUPER_MAGIC:
  case DEBUGFS_MAGIC:
  case TRACEFS_MAGIC:
  case SECURITYFS_MAGIC:
  case CONFIGFS_MAGIC:
  case CGROUP_SUPER_MAGIC:
  case CGROUP2_SUPER_MAGIC:
  case BPF_FS_MAGIC:
  case PSTOREFS_MAGIC:
  case EFIVARFS_MAGIC:
    r->dev_pseudo = 1;
    break;
  default:
    r->dev_pseudo = 0;
  }
  r->dev = dev;
  r->dev_known = 1;
  return r->dev_pseudo;
}

/* Reads up to `size` bytes of fd into the reader's buffer; returns 0 or an
 * errno value. */
static int read_into(int fd, size_t size, mapped_reader* r, mapped_file* m)
{
  if (r->cap < size)
  {
    /* Doubled, so that files growing in size do not reallocate each time;
     * free first: the old bytes are not wanted. */
    size_t cap = 2 * r->cap > MAPPED_READ_MAX ? MAPPED_READ_MAX : 2 * r->cap;
    cap = cap < size ? size : cap;
    free(r->buf);
    r->buf = malloc(cap);
    r->cap = r->buf != NULL ? cap : 0;
    if (r->buf == NULL)
      return ENOMEM;
  }
  size_t got = 0;
  while (got < size)
  {
    ssize_t k = read(fd, r->buf + got, size - got);
    if (k < 0 && errno == EINTR)
      continue;
    if (k < 0)
      return errno;
    if (k == 0)
      break; /* it shrank since fstat */
    got += (size_t) k;
  }
  m->data = got > 0 ? r->buf : NULL;
  m->size = got;
  return 0;
}

static int map_into(int fd, size_t size, mapped_file* m)
{
  void* p = mmap(NULL, size, PROT_READ, MAP_PRIVATE, fd, 0);
  if (p == MAP_FAILED)
    return errno;
  m->data = p;
  m->size = size;
  m->mapped = 1;
  return 0;
}

int mapped_open_with(const char* path, mapped_reader* r, mapped_file* m)
{
  struct stat st;
  m->data = NULL;
  m->size = 0;
  m->mapped = 0;
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return errno;
  int err = 0;
  if (fstat(fd, &st) != 0)
    err = errno;
  else if (S_ISDIR(st.st_mode))
    err = EISDIR;
  else if (!S_ISREG(st.st_mode))
    err = EINVAL;
  else if (r != NULL && r->refuse_pseudo && on_pseudo_fs(fd, st.st_dev, r))
    err = ENODEV;
  else if (st.st_size > 0)
  {
    size_t size = (size_t) st.st_size;
    int read = r != NULL && size <= MAPPED_READ_MAX;
    if (read)
      err = read_into(fd, size, r, m);
    if (!read || err == ENOMEM) /* no buffer to be had: map it */
      err = map_into(fd, size, m);
  }
  close(fd);
  return err;
}

int mapped_open(const char* path, mapped_file* m)
{
  return mapped_open_with(path, NULL, m);
}

void mapped_close(mapped_file* m)
{
  if (m->mapped)
    munmap((void*) m->data, m->size);
  m->data = NULL;
  m->size = 0;
  m->mapped = 0;
}

int mapped_reader_reserve(mapped_reader* r)
{
  if (r->cap >= MAPPED_READ_MAX)
    return 0;
  uint8_t* buf = malloc(MAPPED_READ_MAX);
  if (buf == NULL)
    return ENOMEM;
  free(r->buf);
  r->buf = buf;
  r->cap = MAPPED_READ_MAX;
  return 0;
}

void mapped_reader_free(mapped_reader* r)
{
  free(r->buf);
  r->buf = NULL;
  r->cap = 0;
}
