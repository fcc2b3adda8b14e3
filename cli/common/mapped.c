#include "cli/common/mapped.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

int mapped_open(const char* path, mapped_file* m)
{
  struct stat st;
  m->data = NULL;
  m->size = 0;
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
    void* p = mmap(NULL, (size_t) st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
    if (p == MAP_FAILED)
      err = errno;
    else
    {
      m->data = p;
      m->size = (size_t) st.st_size;
    }
  }
  close(fd);
  return err;
}

void mapped_close(mapped_file* m)
{
  if (m->data != NULL)
    munmap((void*) m->data, m->size);
  m->data = NULL;
  m->size = 0;
}
