/*
 * A scanned file's bytes, read-only: mapped, or read into a reusable buffer.
 * Empty files give (NULL, 0).
 */
#ifndef MALML_MAPPED_H
#define MALML_MAPPED_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

typedef struct
{
  const uint8_t* data;
  size_t size;
  int mapped; /* data is a mapping (else a reader's buffer or NULL) */
} mapped_file;

/* Where files of at most MAPPED_READ_MAX bytes are read instead of mapped,
 * reused from file to file (one per thread).  Zero-initialise it. */
typedef struct
{
  uint8_t* buf;
  size_t cap;
  /* Set by the caller to have regular files on the kernel's
   * pseudo-filesystems (sysfs, procfs, debugfs, ...) refused with ENODEV
   * rather than read: their stat size is not their content's (a sysfs
   * attribute says 4096 and reads 2 bytes) and most cannot be mapped, which
   * is what YARA, mapping every file, reports for them.  yara hands such
   * files to libyara's own mapping. */
  int refuse_pseudo;
  dev_t dev;      /* the last file's filesystem, when dev_known, */
  int dev_known;
  int dev_pseudo; /* and whether it is one of those */
} mapped_reader;

/* Why files are read rather than mapped up to this size: a mapping costs
 * page faults to fill and a TLB flush to remove, page by page for up to 33
 * pages, and in the paravirtualised guest this project is measured on each
 * of those traps to the hypervisor.  Debian's yara and ours, pe-only rule,
 * the corpus (4,990 files, none above 2 MiB), -p 2, 5 alternating rounds:
 * mapping every file cost 1.02 of Debian's CPU; reading files up to 128 KiB
 * 0.81, up to 1 MiB 0.68, up to 8 MiB 0.63.  Larger files are mapped, so
 * memory stays flat however large a file is. */
#define MAPPED_READ_MAX ((size_t) 8 << 20)

/* The bytes of the regular file at `path`: read into `r`'s buffer when
 * `r` is not NULL and the file is small enough, else mapped.  Returns 0, or
 * an errno value (EISDIR for a directory, EINVAL for other non-regular
 * files; ENODEV, see refuse_pseudo).  A file that shrinks while it is
 * read gives the bytes read. */
int mapped_open_with(const char* path, mapped_reader* r, mapped_file* m);
/* The same, always mapped. */
int mapped_open(const char* path, mapped_file* m);
void mapped_close(mapped_file* m);
void mapped_reader_free(mapped_reader* r);
/* Gives the reader its whole buffer (MAPPED_READ_MAX) now, so the memory a
 * worker holds no longer grows with the files it has read (its pages are
 * only used as files fill them).  Returns 0, or ENOMEM (the reader then
 * grows as before). */
int mapped_reader_reserve(mapped_reader* r);

#endif
