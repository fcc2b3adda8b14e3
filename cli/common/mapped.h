/*
 * A scanned file, mapped read-only.  Empty files map to (NULL, 0).
 */
#ifndef MALML_MAPPED_H
#define MALML_MAPPED_H

#include <stddef.h>
#include <stdint.h>

typedef struct
{
  const uint8_t* data;
  size_t size;
} mapped_file;

/* Returns 0, or an errno value (EISDIR for a directory). */
int mapped_open(const char* path, mapped_file* m);
void mapped_close(mapped_file* m);

#endif
