#include "model/train/labels.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int by_sha(const void* a, const void* b)
{
  return strcmp(
      ((const label_entry*) a)->sha256, ((const label_entry*) b)->sha256);
}

/* Splits line in place at tabs into at most max fields; returns the count. */
static int split_tabs(char* line, char** field, int max)
{
  int n = 0;
  line[strcspn(line, "\r\n")] = '\0';
  while (n < max)
  {
    field[n++] = line;
    char* tab = strchr(line, '\t');
    if (tab == NULL)
      break;
    *tab = '\0';
    line = tab + 1;
  }
  return n;
}

static int parse_line(char* line, label_entry* e)
{
  char* f[5];
  if (split_tabs(line, f, 5) != 5 || strlen(f[0]) != 64)
    return -1;
  if (strcmp(f[1], "0") != 0 && strcmp(f[1], "1") != 0)
    return -1;
  memcpy(e->sha256, f[0], 65);
  for (char* p = e->sha256; *p; p++)
    if (*p >= 'A' && *p <= 'F')
      *p = (char) (*p - 'A' + 'a');
  e->label = f[1][0] == '1';
  /* A file with no group stands alone: its sha256 is its group. */
  e->group = strdup(f[2][0] ? f[2] : f[0]);
  e->family = strdup(f[3]);
  e->source = strdup(f[4]);
  return (e->group && e->family && e->source) ? 0 : -1;
}

static int grow(label_table* t, size_t* cap)
{
  if (t->n < *cap)
    return 0;
  size_t c = *cap ? *cap * 2 : 1024;
  label_entry* e = realloc(t->e, c * sizeof(*e));
  if (e == NULL)
    return -1;
  t->e = e;
  *cap = c;
  return 0;
}

int labels_read(const char* path, label_table* t)
{
  FILE* f = fopen(path, "r");
  if (f == NULL)
  {
    fprintf(stderr, "malml: %s: %s\n", path, strerror(errno));
    return -1;
  }
  char* line = NULL;
  size_t len = 0, cap = 0, lineno = 0;
  int rc = 0;
  memset(t, 0, sizeof(*t));
  while (rc == 0 && getline(&line, &len, f) != -1)
  {
    lineno++;
    if ((lineno == 1 && strncmp(line, "sha256", 6) == 0) || line[0] == '\n')
      continue;
    if (grow(t, &cap) != 0 || parse_line(line, &t->e[t->n]) != 0)
    {
      fprintf(
          stderr,
          "malml: %s:%zu: expected sha256, 0/1, group, family, source\n",
          path,
          lineno);
      rc = -1;
      break;
    }
    t->n++;
  }
  free(line);
  fclose(f);
  if (rc == 0)
    qsort(t->e, t->n, sizeof(*t->e), by_sha);
  else
    labels_free(t);
  return rc;
}

const label_entry* labels_find(const label_table* t, const char* sha256)
{
  label_entry key;
  snprintf(key.sha256, sizeof(key.sha256), "%s", sha256);
  return bsearch(&key, t->e, t->n, sizeof(*t->e), by_sha);
}

void labels_free(label_table* t)
{
  for (size_t i = 0; i < t->n; i++)
  {
    free(t->e[i].group);
    free(t->e[i].family);
    free(t->e[i].source);
  }
  free(t->e);
  memset(t, 0, sizeof(*t));
}
