#include "cli/common/mapped.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

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
