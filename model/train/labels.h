/*
 * the labels file of a corpus (labels.tsv: sha256, label,
 * group, family, source), looked up by sha256.
 */
#ifndef MALML_LABELS_H
#define MALML_LABELS_H

#include <stddef.h>

typedef struct
{
  char sha256[65];
  int label;
  char* group;
  char* family;
  char* source;
} label_entry;

typedef struct
{
  label_entry* e; /* sorted by sha256 */
  size_t n;
} label_table;

/* Reads path into t; a first line starting with "sha256" is a header.
 * Returns 0, or -1 with a message on stderr (unreadable file, a line
 * without five fields, a label other than 0/1). */
int labels_read(const char* path, label_table* t);

/* The entry for a lower-case hex sha256, or NULL. */
const label_entry* labels_find(const label_table* t, const char* sha256);

void labels_free(label_table* t);

#endif
